#include "quarantine.h"
#include "spoolname.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Longest name kept as is: NAME.NNN.reason must fit in NAME_MAX. */
#define KEEP_NAME_MAX	(NAME_MAX - 16)

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_reason(const struct spool_dirs *d, const char *target,
    const char *fromdesc, const char *name, const char *reason, char *err,
    size_t errlen)
{
	char rname[NAME_MAX + sizeof(REASON_SUFFIX) + 1], text[2048], when[64], pname[600];
	time_t now = time(NULL);
	struct tm tm;
	int fd, n;

	snprintf(rname, sizeof(rname), "%s%s", target, REASON_SUFFIX);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "@%lld", (long long)now);
	spoolname_shown(name, pname, sizeof(pname));
	n = snprintf(text, sizeof(text), "file: %s/%s\nreason: %s\n"
	    "time: %s (%lld)\nflusher: ovpnlog %s (pid %ld)\n",
	    fromdesc, pname, reason, when, (long long)now, OVPNLOG_VERSION,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(text))
		n = (int)strlen(text);
	fd = openat(d->failed, rname, O_WRONLY | O_CREAT | O_TRUNC |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || write_all(fd, text, (size_t)n) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "cannot write %s/failed/%s: %s",
		    d->path, rname, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "cannot write %s/failed/%s: %s",
		    d->path, rname, strerror(errno));
		return -1;
	}
	return 0;
}

int
quarantine(const struct spool_dirs *d, int fromdir, const char *fromdesc,
    const char *name, const char *reason, char *err, size_t errlen)
{
	char target[NAME_MAX + 1];
	size_t base = strlen(name);

	if (base > KEEP_NAME_MAX)
		base = KEEP_NAME_MAX;
	for (int i = 0; i < 1000; i++) {
		if (i == 0 && base == strlen(name))
			snprintf(target, sizeof(target), "%s", name);
		else
			snprintf(target, sizeof(target), "%.*s.%d", (int)base,
			    name, i);
		if (faccessat(d->failed, target, F_OK, AT_SYMLINK_NOFOLLOW) ==
		    0)
			continue;
		if (write_reason(d, target, fromdesc, name, reason, err,
		    errlen) == -1)
			return -1;
		if (spool_rename_noreplace(fromdir, name, d->failed, target) == 0)
			return 0;
		if (errno == EEXIST)
			continue;
		int e = errno;
		char rname[NAME_MAX + sizeof(REASON_SUFFIX) + 1];
		snprintf(rname, sizeof(rname), "%s%s", target, REASON_SUFFIX);
		unlinkat(d->failed, rname, 0);
		snprintf(err, errlen, "cannot move %s/%s/%s into %s/failed/: "
		    "%s", d->path, fromdesc, name, d->path, strerror(e));
		return -1;
	}
	snprintf(err, errlen, "cannot quarantine %s/%s/%s: too many files of "
	    "that name in failed/", d->path, fromdesc, name);
	return -1;
}

int
is_reason_name(const char *name)
{
	size_t n = strlen(name), s = sizeof(REASON_SUFFIX) - 1;

	return n > s && strcmp(name + n - s, REASON_SUFFIX) == 0;
}

int
requeue(const struct spool_dirs *d, const char *name, int *notfound,
    char *err, size_t errlen)
{
	char rname[NAME_MAX + sizeof(REASON_SUFFIX) + 1];

	*notfound = 0;
	if (*name == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    is_reason_name(name) ||
	    strlen(name) + sizeof(REASON_SUFFIX) > sizeof(rname)) {
		snprintf(err, errlen, "'%s' is not the name of a quarantined "
		    "file", name);
		*notfound = 1;
		return -1;
	}
	if (spool_rename_noreplace(d->failed, name, d->newd, name) == -1) {
		*notfound = errno == ENOENT;
		snprintf(err, errlen, "cannot move %s/failed/%s back into "
		    "new/: %s", d->path, name, errno == ENOENT ?
		    "no such file in failed/" : errno == EEXIST ?
		    "new/ already has a file of that name" : strerror(errno));
		return -1;
	}
	snprintf(rname, sizeof(rname), "%s%s", name, REASON_SUFFIX);
	if (unlinkat(d->failed, rname, 0) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "requeued %s, but cannot remove "
		    "failed/%s: %s", name, rname, strerror(errno));
		return -1;
	}
	return 0;
}
