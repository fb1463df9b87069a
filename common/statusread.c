#include "statusread.h"

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

static int
starts_kw(const char *p, size_t n, const char *kw, char sep)
{
	size_t k = strlen(kw);

	return n > k && memcmp(p, kw, k) == 0 && p[k] == sep;
}

/*
 * OpenVPN writes TITLE, TIME, the CLIENT_LIST header, the CLIENT_LIST
 * lines, then the next section's HEADER line.  Any other line before
 * that HEADER (a line of no known kind, or a ROUTING_TABLE, GLOBAL_STATS
 * or END line without its header) is the old file seen from the middle
 * of one of its lines: a torn read.
 */
static int
head_whole(const char *buf, size_t len, int version, char *err,
    size_t errlen)
{
	char sep = version == 3 ? '\t' : ',';
	size_t off = 0, lineno = 0;

	while (off < len) {
		const char *p = buf + off, *nl = memchr(p, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - off;

		off += n + (nl != NULL);
		lineno++;
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 || p[0] == '>')
			continue;
		if (starts_kw(p, n, "HEADER", sep))
			if (!starts_kw(p + 7, n - 7, "CLIENT_LIST", sep) &&
			    !(n - 7 == 11 && memcmp(p + 7, "CLIENT_LIST",
			    11) == 0))
				return 0;	/* the next section */
		if (starts_kw(p, n, "TITLE", sep) ||
		    starts_kw(p, n, "TIME", sep) ||
		    starts_kw(p, n, "HEADER", sep) ||
		    starts_kw(p, n, "CLIENT_LIST", sep))
			continue;
		snprintf(err, errlen, "line %zu: the client list ends without "
		    "the next section's HEADER line: torn read?", lineno);
		return -1;
	}
	return 0;
}

/* 0 complete (sets *timep), -1 not (reason in err). */
static int
complete(const char *buf, size_t len, int version, int64_t *timep,
    char *err, size_t errlen)
{
	struct status_snapshot snap;

	if (status_parse(buf, len, version, &snap, err, errlen) == -1) {
		status_free(&snap);
		return -1;
	}
	*timep = snap.time;
	version = snap.version;
	status_free(&snap);
	return head_whole(buf, len, version, err, errlen);
}

int
statusread_file(const char *path, int version, char **bufp, size_t *lenp,
    int64_t *timep, char *err, size_t errlen)
{
	char perr[256];
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	long wait = 20;

	if (strcmp(path, "-") == 0) {
		if (read_all(0, "standard input", &a, &alen, err, errlen) == -1)
			return -1;
		if (complete(a, alen, version, timep, perr,
		    sizeof(perr)) == -1) {
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
		if (complete(a, alen, version, timep, perr,
		    sizeof(perr)) == 0) {
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
		if (try == STATUSREAD_TRIES) {
			snprintf(err, errlen, "%s: no complete snapshot after %d "
			    "reads: %s", path, try, perr);
			return -1;
		}
		pause_ms(wait);
		wait *= 2;
	}
}

long
statusread_event(const char *source, const char *text, size_t len,
    int64_t stime, const struct timespec *now, const char *inst_name,
    const char *inst_proto, unsigned inst_port, char **outp, char *err,
    size_t errlen)
{
	struct event_writer w;
	char t[24], st[48], port[8];
	const char *tn = event_type_name(EV_STATUS);
	size_t srclen = strlen(source);

	if (srclen > EVENT_MAX_VALUE) {
		snprintf(err, errlen, "status file name longer than %d bytes",
		    EVENT_MAX_VALUE);
		return -1;
	}
	/* The other fields take well under 4 KiB (each is bounded). */
	size_t need = event_escaped_len(text, len) + 4096 +
	    event_escaped_len(source, srclen) +
	    event_escaped_len(inst_name, strlen(inst_name)) +
	    event_escaped_len(inst_proto, strlen(inst_proto));
	if (need > EVENT_STATUS_MAX_SIZE)
		need = EVENT_STATUS_MAX_SIZE;
	char *buf = malloc(need);
	if (buf == NULL) {
		snprintf(err, errlen, "out of memory for a %zu-byte event", need);
		return -1;
	}
	snprintf(t, sizeof(t), "%lld", (long long)stime);
	snprintf(st, sizeof(st), "%lld.%09ld", (long long)now->tv_sec,
	    (long)now->tv_nsec);
	snprintf(port, sizeof(port), "%u", inst_port);
	event_writer_init(&w, buf, need);
	if (event_put(&w, "type", tn, strlen(tn), err, errlen) == -1 ||
	    event_put(&w, "spool_time", st, strlen(st), err, errlen) == -1 ||
	    event_put(&w, "hook_version", OVPNLOG_VERSION,
	    strlen(OVPNLOG_VERSION), err, errlen) == -1 ||
	    event_put(&w, "instance_name", inst_name, strlen(inst_name), err,
	    errlen) == -1 ||
	    event_put(&w, "instance_proto", inst_proto, strlen(inst_proto),
	    err, errlen) == -1 ||
	    event_put(&w, "instance_port", port, strlen(port), err,
	    errlen) == -1 ||
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
