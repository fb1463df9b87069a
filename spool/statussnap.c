#include "statussnap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "status.h"

/* Reads fd to EOF into a malloc'd buffer; over max bytes is an error. */
static int
read_all(int fd, const char *path, char **bufp, size_t *lenp, char *err,
    size_t errlen)
{
	size_t cap = 64 * 1024, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		goto nomem;
	for (;;) {
		if (len == cap) {
			if (cap > EVENT_STATUS_MAX_SIZE) {
				snprintf(err, errlen, "%s: larger than %d bytes",
				    path, EVENT_STATUS_MAX_SIZE);
				free(buf);
				return -1;
			}
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (nb == NULL)
				goto nomem;
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > EVENT_STATUS_MAX_SIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    EVENT_STATUS_MAX_SIZE);
		free(buf);
		return -1;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
nomem:
	free(buf);
	snprintf(err, errlen, "read %s: out of memory", path);
	return -1;
}

static int
read_path(const char *path, char **bufp, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd == -1) {
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	int r = read_all(fd, path, bufp, lenp, err, errlen);
	close(fd);
	return r;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* 0 complete (sets *timep), -1 not (reason in err). */
static int
complete(const char *buf, size_t len, int64_t *timep, char *err,
    size_t errlen)
{
	struct status_snapshot snap;

	if (status_parse(buf, len, 0, &snap, err, errlen) == -1) {
		status_free(&snap);
		return -1;
	}
	*timep = snap.time;
	status_free(&snap);
	return 0;
}

int
statussnap_read(const char *path, char **bufp, size_t *lenp, int64_t *timep,
    char *err, size_t errlen)
{
	char perr[256];
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	long wait = 20;

	if (strcmp(path, "-") == 0) {
		if (read_all(0, "standard input", &a, &alen, err, errlen) == -1)
			return -1;
		if (complete(a, alen, timep, perr, sizeof(perr)) == -1) {
			snprintf(err, errlen, "standard input: %s", perr);
			free(a);
			return -1;
		}
		*bufp = a;
		*lenp = alen;
		return 0;
	}
	for (int try = 1; ; try++) {
		if (read_path(path, &a, &alen, err, errlen) == -1)
			return -1;
		if (complete(a, alen, timep, perr, sizeof(perr)) == 0) {
			/* A rewrite can splice two versions at a line
			 * boundary: trust only what two reads agree on. */
			if (read_path(path, &b, &blen, err, errlen) == -1) {
				free(a);
				return -1;
			}
			int same = alen == blen && memcmp(a, b, alen) == 0;
			free(b);
			if (same) {
				*bufp = a;
				*lenp = alen;
				return 0;
			}
			snprintf(perr, sizeof(perr), "the file changed between "
			    "two reads");
		} else if (strstr(perr, "torn read?") == NULL) {
			snprintf(err, errlen, "%s: %s", path, perr);
			free(a);
			return -1;
		}
		free(a);
		if (try == STATUSSNAP_TRIES) {
			snprintf(err, errlen, "%s: no complete snapshot after %d "
			    "reads: %s", path, try, perr);
			return -1;
		}
		pause_ms(wait);
		wait *= 2;
	}
}

long
statussnap_event(const char *source, const char *text, size_t len,
    int64_t stime, const struct timespec *now, const struct hook_instance *in,
    char **outp, char *err, size_t errlen)
{
	struct event_writer w;
	char t[24];
	size_t srclen = strlen(source);

	/* The fixed fields take well under 4 KiB (source is bounded). */
	size_t need = event_escaped_len(text, len) + 4096 +
	    event_escaped_len(source, srclen);
	if (srclen > EVENT_MAX_VALUE) {
		snprintf(err, errlen, "status file name longer than %d bytes",
		    EVENT_MAX_VALUE);
		return -1;
	}
	if (need > EVENT_STATUS_MAX_SIZE)
		need = EVENT_STATUS_MAX_SIZE;
	char *buf = malloc(need);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory for a %zu-byte event", need);
		return -1;
	}
	snprintf(t, sizeof(t), "%lld", (long long)stime);
	event_writer_init(&w, buf, need);
	if (hookfields_put(&w, EV_STATUS, now, in, err, errlen) == -1 ||
	    event_put(&w, "status_time", t, strlen(t), err, errlen) == -1 ||
	    event_put(&w, "status_source", source, srclen, err, errlen) == -1 ||
	    event_put(&w, "status_text", text, len, err, errlen) == -1) {
		free(buf);
		return -1;
	}
	long n = event_finish(&w, err, errlen);
	if (n == -1) {
		free(buf);
		return -1;
	}
	*outp = buf;
	return n;
}
