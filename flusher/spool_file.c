#include "spool_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISLNK(m))
		return "a symbolic link";
	return "not a regular file";
}

int
spool_file_read(int dirfd, const char *name, const struct spoolname *sn,
    struct spool_buf *buf, struct event *ev, char *err, size_t errlen)
{
	size_t cap = sn->type == EV_STATUS ? EVENT_STATUS_MAX_SIZE :
	    EVENT_MAX_SIZE;
	size_t len = 0, want;
	struct stat st;
	char e2[256];
	ssize_t n;
	int fd, t;

	memset(ev, 0, sizeof(*ev));
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		switch (errno) {
		case ENOENT:
			return SF_GONE;
		case ELOOP:
			snprintf(err, errlen, "a symbolic link (spool files are "
			    "never followed)");
			return SF_BAD;
		case EMFILE: case ENFILE: case ENOMEM: case EIO: case EINTR:
			snprintf(err, errlen, "cannot open %s: %s", name,
			    strerror(errno));
			return SF_ERROR;
		case ENXIO:
			snprintf(err, errlen, "not a regular file");
			return SF_BAD;
		default:
			snprintf(err, errlen, "cannot open: %s",
			    strerror(errno));
			return SF_BAD;
		}
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "cannot stat %s: %s", name,
		    strerror(errno));
		close(fd);
		return SF_ERROR;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s, not a regular file", kind(st.st_mode));
		close(fd);
		return SF_BAD;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "has %ju hard links (a spool file has "
		    "exactly one)", (uintmax_t)st.st_nlink);
		close(fd);
		return SF_BAD;
	}
	if ((uintmax_t)st.st_size > cap) {
		snprintf(err, errlen, "too large: %jd bytes (limit %zu for a "
		    "%s event)", (intmax_t)st.st_size, cap,
		    event_type_name(sn->type));
		close(fd);
		return SF_BAD;
	}
	/* One byte more than the size tells a growing file by its length. */
	want = (size_t)st.st_size + 1;
	if (buf->cap < want) {
		size_t ncap = want < EVENT_MAX_SIZE + 1 ? EVENT_MAX_SIZE + 1 :
		    want;
		char *np = realloc(buf->p, ncap);
		if (np == NULL) {
			snprintf(err, errlen, "out of memory reading %s", name);
			close(fd);
			return SF_ERROR;
		}
		buf->p = np;
		buf->cap = ncap;
	}
	for (;;) {
		n = read(fd, buf->p + len, want - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read %s: %s", name,
			    strerror(errno));
			close(fd);
			return SF_ERROR;
		}
		len += (size_t)n;
		/* A short read of a regular file is its end. */
		if (n == 0 || len == want || len == (size_t)st.st_size)
			break;
	}
	close(fd);
	if (len > (size_t)st.st_size) {
		snprintf(err, errlen, "changed size while being read (another "
		    "process writes it)");
		return SF_BAD;
	}
	if (event_parse(buf->p, len, cap, ev, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "bad event file: %s", e2);
		return SF_BAD;
	}
	t = event_type_of(ev);
	if (t != (int)sn->type) {
		snprintf(err, errlen, "type mismatch: the name says %s, the "
		    "file says %s", event_type_name(sn->type),
		    event_type_name((enum event_type)t));
		event_free(ev);
		return SF_BAD;
	}
	return SF_OK;
}
