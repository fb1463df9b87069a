/*
 * spool_file — read one untrusted spool file into a parsed event.
 *
 * Anyone who can write the spool (the OpenVPN user) controls what is
 * there, so the file is opened with O_NOFOLLOW|O_NONBLOCK (no symlink is
 * followed, no FIFO blocks), must be a regular file with exactly one link,
 * at most the size cap of its type (EVENT_MAX_SIZE, status snapshots
 * EVENT_STATUS_MAX_SIZE), parse strictly (event_parse), and carry the
 * type its name says.
 *
 * spool_file_read() returns SF_OK with *ev filled (release with
 * event_free()), SF_BAD with the reason to quarantine it for in err,
 * SF_GONE when the file vanished, or SF_ERROR for a local failure that
 * says nothing about the file (out of descriptors or memory, I/O error):
 * keep it.  buf is a read buffer the caller keeps between calls (start
 * with {NULL, 0}; free(buf->p) at the end).
 */
#ifndef OVPNLOG_SPOOL_FILE_H
#define OVPNLOG_SPOOL_FILE_H

#include <stddef.h>

#include "event.h"
#include "spoolname.h"

enum sf_result { SF_OK = 0, SF_BAD, SF_GONE, SF_ERROR };

struct spool_buf {
	char	*p;
	size_t	 cap;
};

int	spool_file_read(int dirfd, const char *name,
	    const struct spoolname *sn, struct spool_buf *buf,
	    struct event *ev, char *err, size_t errlen);

#endif
