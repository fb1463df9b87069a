/*
 * spoolwrite — make one event file appear atomically in SPOOL/new/.
 *
 * Used by the hook for every event and by the flusher for status
 * snapshots.  The protocol (DESIGN.md "Spool layout and protocol"):
 *
 *   openat(SPOOL/tmp, name, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
 *          0640), one write loop, fdatasync (policy), close,
 *   rename into SPOOL/new/ (never replacing an existing file),
 *   fsync of SPOOL/new/ (policy).
 *
 * A reader of new/ never sees a partial file: on any failure before the
 * rename the tmp file is unlinked.  The subdirectories tmp/ and new/ are
 * opened with O_NOFOLLOW (a symlink there is refused); SPOOL itself may
 * be a symlink chosen by the operator.  Permissions needed: search on
 * SPOOL, write and search on tmp/ and new/, and read on new/ for policy
 * full (to fsync it; checked before anything is written).
 *
 * Return: 0 when the file is in new/ (and durable as the policy says);
 * -1 with a reason in err (naming the step and path) and errno set to
 * the failing call's errno.  errno EEXIST means the name was taken:
 * the caller may retry with a new name.  If only the final fsync of new/
 * fails, the complete file stays in new/ and -1 is returned (the event
 * is there but may not survive a power loss).
 */
#ifndef OVPNLOG_SPOOLWRITE_H
#define OVPNLOG_SPOOLWRITE_H

#include <stddef.h>

enum spool_fsync {
	SPOOL_FSYNC_FULL,	/* fdatasync the file and fsync new/ */
	SPOOL_FSYNC_FILE,	/* fdatasync the file only */
	SPOOL_FSYNC_NONE	/* leave it to the kernel */
};

/* "full", "file", "none"; -1 for an unknown name. */
int		 spool_fsync_from_name(const char *s);
const char	*spool_fsync_name(enum spool_fsync p);

int	spoolwrite(const char *spooldir, const char *name, const void *buf,
	    size_t len, enum spool_fsync policy, char *err, size_t errlen);

#endif
