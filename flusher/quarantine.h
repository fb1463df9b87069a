/*
 * quarantine — move a spool file the flusher will not apply into
 * SPOOL/failed/, next to NAME.reason (what was wrong, when, and which
 * flusher said so), and move it back (requeue) after a fix.
 *
 * Nothing here deletes a quarantined file.  quarantine() writes and syncs
 * failed/NAME.reason first, then renames fromdir/NAME to failed/NAME
 * without replacing anything: if failed/NAME exists already (a second
 * file of that name), the file becomes failed/NAME.1 (.2, ...) with its
 * own reason.  A crash between the two steps leaves the file where it was
 * and the next run quarantines it again.  Callers fsync the directories.
 *
 * requeue() renames failed/NAME to new/NAME (never replacing a file in
 * new/) and removes failed/NAME.reason.
 *
 * Return: 0, or -1 with a reason naming the file; requeue() sets
 * *notfound when failed/NAME does not exist.
 */
#ifndef OVPNLOG_QUARANTINE_H
#define OVPNLOG_QUARANTINE_H

#include <stddef.h>

#include "spool_dir.h"

#define REASON_SUFFIX	".reason"

int	quarantine(const struct spool_dirs *d, int fromdir,
	    const char *fromdesc, const char *name, const char *reason,
	    char *err, size_t errlen);
int	requeue(const struct spool_dirs *d, const char *name, int *notfound,
	    char *err, size_t errlen);
/* 1 when name ends in REASON_SUFFIX. */
int	is_reason_name(const char *name);

#endif
