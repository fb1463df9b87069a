/*
 * emit — name an event (spoolname_make: realtime seconds and
 * nanoseconds, pid, 32 random bits, type) and write it with spoolwrite().
 * A name already taken (EEXIST: a collision of pid and random bits) is
 * retried with fresh random bits.  Used by the hook for every event and
 * by the flusher for its status snapshots (the caller passes the time
 * that names the file: a status snapshot's is its TIME line's).
 *
 * Return: 0 with the chosen name in name (SPOOLNAME_MAX bytes); -1 with
 * a reason in err.
 */
#ifndef OVPNLOG_EMIT_H
#define OVPNLOG_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "spoolname.h"
#include "spoolwrite.h"

int	emit_event(const char *spool, enum event_type type, int64_t sec,
	    long nsec, const char *buf, size_t len, enum spool_fsync policy,
	    char name[SPOOLNAME_MAX], char *err, size_t errlen);

#endif
