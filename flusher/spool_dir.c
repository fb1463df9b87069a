#include "spool_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int
open_sub(int root, const char *path, const char *sub, int create,
    int *missing, char *err, size_t errlen)
{
	int fd;

	fd = openat(root, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		if (mkdirat(root, sub, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s/%s: %s", path,
			    sub, strerror(errno));
			return -1;
		}
		fd = openat(root, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == ENOENT)
			*missing = 1;
		snprintf(err, errlen, "cannot open spool directory %s/%s: %s",
		    path, sub, errno == ELOOP ? "it is a symbolic link" :
		    strerror(errno));
	}
	return fd;
}

int
spool_open(const char *path, struct spool_dirs *d, int *missing, char *err,
    size_t errlen)
{
	*missing = 0;
	d->path = path;
	d->newd = d->tmpd = d->failed = d->lock = -1;
	/* SPOOL itself may be a symlink chosen by the operator. */
	d->root = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->root == -1) {
		*missing = errno == ENOENT;
		snprintf(err, errlen, "cannot open spool directory %s: %s",
		    path, strerror(errno));
		return -1;
	}
	if ((d->newd = open_sub(d->root, path, "new", 0, missing, err,
	    errlen)) == -1 ||
	    (d->tmpd = open_sub(d->root, path, "tmp", 0, missing, err,
	    errlen)) == -1 ||
	    (d->failed = open_sub(d->root, path, "failed", 1, missing, err,
	    errlen)) == -1) {
		spool_close(d);
		return -1;
	}
	return 0;
}

int
spool_lock(struct spool_dirs *d, char *err, size_t errlen)
{
	if (d->lock == -1) {
		d->lock = openat(d->root, ".lock", O_RDWR | O_CREAT |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (d->lock == -1) {
			snprintf(err, errlen, "cannot open %s/.lock: %s",
			    d->path, strerror(errno));
			return -1;
		}
	}
	while (flock(d->lock, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return 1;
		snprintf(err, errlen, "cannot lock %s/.lock: %s", d->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
spool_close(struct spool_dirs *d)
{
	int *fds[] = { &d->root, &d->newd, &d->tmpd, &d->failed, &d->lock };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] != -1) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

int
spool_fsync_dir(int fd)
{
	while (fsync(fd) == -1) {
		if (errno == EINTR)
			continue;
		/* Some file systems cannot sync a directory: not an error. */
		if (errno == EINVAL || errno == EROFS)
			return 0;
		return -1;
	}
	return 0;
}

int
spool_rename_noreplace(int fromdir, const char *from, int todir,
    const char *to)
{
	if (renameat2(fromdir, from, todir, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (faccessat(todir, to, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(fromdir, from, todir, to);
}
