/*
 * statussnap — `ovpnlog-spool --status FILE`: read a complete OpenVPN
 * status file snapshot and turn it into a type=status event.
 *
 * The reading and the event are common/statusread.c's, shared with the
 * flusher's own snapshots (see statusread.h): these wrappers only detect
 * the status version and take the instance the hook resolved.
 *
 * statussnap_read(): statusread_file() with the version detected.
 * Returns 0 with *bufp (malloc'd, caller frees), *lenp and *timep (the
 * TIME line's time_t); -1 with a reason in err.
 *
 * statussnap_event(): statusread_event() for instance in.  Returns the
 * event's length, or -1 with a reason in err.
 */
#ifndef OVPNLOG_SPOOL_STATUSSNAP_H
#define OVPNLOG_SPOOL_STATUSSNAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hookfields.h"
#include "statusread.h"

#define STATUSSNAP_TRIES	STATUSREAD_TRIES

int	statussnap_read(const char *path, char **bufp, size_t *lenp,
	    int64_t *timep, char *err, size_t errlen);
long	statussnap_event(const char *source, const char *text, size_t len,
	    int64_t stime, const struct timespec *now,
	    const struct hook_instance *in, char **outp, char *err,
	    size_t errlen);

#endif
