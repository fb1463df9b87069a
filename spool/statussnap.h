/*
 * statussnap — `ovpnlog-spool --status FILE`: read a complete OpenVPN
 * status file snapshot and turn it into a type=status event.
 *
 * statussnap_read(): reads path ("-" = standard input, read once) whole,
 * at most EVENT_STATUS_MAX_SIZE bytes, and accepts it only when
 * status_parse() finds a complete snapshot and, for a file, a second read
 * gives the same bytes (OpenVPN rewrites the file in place).  A torn
 * read is retried a few times with short sleeps.  Returns 0 with *bufp
 * (malloc'd, caller frees), *lenp and *timep (the TIME line's time_t);
 * -1 with a reason in err.
 *
 * statussnap_event(): the event file (malloc'd into *outp, caller frees)
 * with type, spool_time, hook_version, instance_*, status_time,
 * status_source and status_text (the raw bytes).  Returns its length, or
 * -1 with a reason in err (too large: over EVENT_STATUS_MAX_SIZE).
 */
#ifndef OVPNLOG_SPOOL_STATUSSNAP_H
#define OVPNLOG_SPOOL_STATUSSNAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hookfields.h"

#define STATUSSNAP_TRIES	5

int	statussnap_read(const char *path, char **bufp, size_t *lenp,
	    int64_t *timep, char *err, size_t errlen);
long	statussnap_event(const char *source, const char *text, size_t len,
	    int64_t stime, const struct timespec *now,
	    const struct hook_instance *in, char **outp, char *err,
	    size_t errlen);

#endif
