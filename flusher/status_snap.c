#include "status_snap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "numparse.h"
#include "statusread.h"

#define ERRLEN		1024
#define STATE_PREFIX	".status-"

/* The TIME last spooled for section, or -1 when none is remembered. */
static int64_t
last_time(const struct spool_dirs *d, const char *section)
{
	char name[NAME_MAX + 1], buf[32], e[64];
	int64_t t;
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), STATE_PREFIX "%s", section);
	fd = openat(d->root, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	if (buf[n - 1] == '\n')
		n--;
	if (parse_i64(buf, (size_t)n, 0, INT64_MAX, &t, e, sizeof(e)) == -1)
		return -1;
	return t;
}

/* Remembers t for section; losing it only spools a snapshot twice. */
static int
remember_time(const struct spool_dirs *d, const char *section, int64_t t,
    char *err, size_t errlen)
{
	char name[NAME_MAX + 1], tmp[NAME_MAX + 1], buf[32];
	int fd, n;

	snprintf(name, sizeof(name), STATE_PREFIX "%s", section);
	snprintf(tmp, sizeof(tmp), STATE_PREFIX "%s.tmp", section);
	n = snprintf(buf, sizeof(buf), "%lld\n", (long long)t);
	fd = openat(d->root, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "open %s/%s: %s", d->path, tmp,
		    strerror(errno));
		return -1;
	}
	errno = 0;
	if (write(fd, buf, (size_t)n) != n) {
		snprintf(err, errlen, "write %s/%s: %s", d->path, tmp,
		    errno ? strerror(errno) : "short write");
		close(fd);
		unlinkat(d->root, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(d->root, tmp, d->root, name) == -1) {
		snprintf(err, errlen, "rename %s/%s: %s", d->path, tmp,
		    strerror(errno));
		unlinkat(d->root, tmp, 0);
		return -1;
	}
	return 0;
}

static const char *
utc(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

/* One instance: 0 (done or skipped), -1 the spool could not take it. */
static int
snap_one(const struct config_instance *ci, const struct logger *lg,
    const struct spool_dirs *d, struct status_snap_counts *n)
{
	char err[ERRLEN], name[SPOOLNAME_MAX], when[32];
	char *text = NULL, *ev = NULL;
	struct timespec now;
	size_t len;
	int64_t stime, last;
	long evlen;
	int rc = 0;

	if (statusread_file(ci->status_file, (int)ci->status_version, &text,
	    &len, &stime, err, sizeof(err)) == -1) {
		log_msg(lg, LOG_WARNING, "unable to snapshot the status file of "
		    "[instance %s]: %s", ci->section, err);
		n->failed++;
		return 0;
	}
	last = last_time(d, ci->section);
	if (last == stime) {
		n->unchanged++;
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	if (ci->status_max_age > 0 && (int64_t)now.tv_sec - stime >
	    ci->status_max_age) {
		log_msg(lg, LOG_NOTICE, "skipped the status file %s of "
		    "[instance %s]: its TIME %s is %llds old, over "
		    "status_max_age (%llds)", ci->status_file, ci->section,
		    utc(stime, when, sizeof(when)),
		    (long long)((int64_t)now.tv_sec - stime),
		    (long long)ci->status_max_age);
		n->stale++;
		goto remember;
	}
	evlen = statusread_event(ci->status_file, text, len, stime, &now,
	    ci->name, ci->protocol, ci->port, &ev, err, sizeof(err));
	if (evlen == -1) {
		log_msg(lg, LOG_WARNING, "unable to snapshot the status file of "
		    "[instance %s]: %s", ci->section, err);
		n->failed++;
		goto out;
	}
	if (emit_event(d->path, EV_STATUS, stime, 0, ev, (size_t)evlen,
	    SPOOL_FSYNC_FULL, name, err, sizeof(err)) == -1) {
		log_msg(lg, LOG_ERR, "unable to spool the status snapshot of "
		    "[instance %s] (%s): %s", ci->section, ci->status_file,
		    err);
		rc = -1;
		goto out;
	}
	n->spooled++;
	log_msg(lg, LOG_DEBUG, "spooled %s/new/%s: status snapshot of %s "
	    "(TIME %s)", d->path, name, ci->status_file,
	    utc(stime, when, sizeof(when)));
remember:
	if (remember_time(d, ci->section, stime, err, sizeof(err)) == -1)
		log_msg(lg, LOG_WARNING, "unable to remember the last status "
		    "snapshot of [instance %s] (it may be spooled again): %s",
		    ci->section, err);
out:
	free(text);
	free(ev);
	return rc;
}

int
status_snap_all(const struct config *cfg, const struct logger *lg,
    const struct spool_dirs *d, struct status_snap_counts *np)
{
	struct status_snap_counts local;
	struct status_snap_counts *n = np != NULL ? np : &local;
	int rc = 0;

	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < cfg->ninstances; i++)
		if (cfg->instances[i].status_file != NULL &&
		    snap_one(&cfg->instances[i], lg, d, n) == -1)
			rc = -1;
	return rc;
}
