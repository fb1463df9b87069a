#include "spoolwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fsync_names[] = {
	[SPOOL_FSYNC_FULL] = "full",
	[SPOOL_FSYNC_FILE] = "file",
	[SPOOL_FSYNC_NONE] = "none",
};

int
spool_fsync_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof(fsync_names) / sizeof(*fsync_names); i++)
		if (strcmp(s, fsync_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
spool_fsync_name(enum spool_fsync p)
{
	if ((unsigned)p >= sizeof(fsync_names) / sizeof(*fsync_names))
		return NULL;
	return fsync_names[p];
}

/* Fills err with "VERB PATH: strerror" and keeps errno for the caller. */
static int
fail(char *err, size_t errlen, const char *verb, const char *dir,
    const char *sub, const char *name)
{
	int e = errno;
	const char *hint = "";

	if (sub != NULL && name == NULL && (e == ENOTDIR || e == ELOOP))
		hint = " (symlinks are refused)";
	else if (sub != NULL && name == NULL && e == EACCES &&
	    strstr(verb, "fsync") != NULL)
		hint = " (--fsync=full needs read permission on new/)";
	snprintf(err, errlen, "%s %s%s%s%s%s: %s%s", verb, dir,
	    sub ? "/" : "", sub ? sub : "", name ? "/" : "", name ? name : "",
	    strerror(e), hint);
	errno = e;
	return -1;
}

static void
close_keep_errno(int fd)
{
	int e = errno;

	if (fd != -1)
		close(fd);
	errno = e;
}

/* Never replaces a file already in new/; falls back to a plain rename
 * on filesystems without RENAME_NOREPLACE (names are unique anyway). */
static int
rename_noreplace(int fromfd, const char *name, int tofd)
{
	if (renameat2(fromfd, name, tofd, name, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return renameat(fromfd, name, tofd, name);
}

int
spoolwrite(const char *spooldir, const char *name, const void *buf,
    size_t len, enum spool_fsync policy, char *err, size_t errlen)
{
	int dfd = -1, tmpfd = -1, newfd = -1, fd = -1, created = 0;
	const char *p = buf;

	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		errno = EINVAL;
		snprintf(err, errlen, "invalid spool file name '%.80s'", name);
		return -1;
	}
	/*
	 * O_PATH where the fd only names a directory for *at() calls: the
	 * hook then needs search (x) permission on SPOOL and write+search
	 * on tmp/ and new/; only fsync of new/ (policy full) needs read on
	 * new/, and fails here, before anything is written, without it.
	 */
	dfd = open(spooldir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd == -1) {
		fail(err, errlen, "open spool directory", spooldir, NULL, NULL);
		goto out;
	}
	tmpfd = openat(dfd, "tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (tmpfd == -1) {
		fail(err, errlen, "open directory", spooldir, "tmp", NULL);
		goto out;
	}
	newfd = openat(dfd, "new", (policy == SPOOL_FSYNC_FULL ? O_RDONLY :
	    O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (newfd == -1) {
		fail(err, errlen, policy == SPOOL_FSYNC_FULL ?
		    "open directory for fsync" : "open directory", spooldir,
		    "new", NULL);
		goto out;
	}
	fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd == -1) {
		fail(err, errlen, "create", spooldir, "tmp", name);
		goto out;
	}
	created = 1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fail(err, errlen, "write", spooldir, "tmp", name);
			goto out;
		}
		if (n == 0) {
			errno = EIO;
			fail(err, errlen, "write", spooldir, "tmp", name);
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (policy != SPOOL_FSYNC_NONE && fdatasync(fd) == -1) {
		fail(err, errlen, "fdatasync", spooldir, "tmp", name);
		goto out;
	}
	/* close() can report a deferred write error (NFS, quota). */
	int c = close(fd);
	fd = -1;
	if (c == -1 && errno != EINTR) {
		fail(err, errlen, "close", spooldir, "tmp", name);
		goto out;
	}
	if (rename_noreplace(tmpfd, name, newfd) == -1) {
		fail(err, errlen, "rename into new/", spooldir, "tmp", name);
		goto out;
	}
	created = 0;
	if (policy == SPOOL_FSYNC_FULL && fsync(newfd) == -1) {
		fail(err, errlen, "fsync directory (event is in new/ but may "
		    "not survive a crash)", spooldir, "new", NULL);
		goto out;
	}
	close(newfd);
	close(tmpfd);
	close(dfd);
	return 0;
out:
	close_keep_errno(fd);
	if (created) {
		int e = errno;
		unlinkat(tmpfd, name, 0);
		errno = e;
	}
	close_keep_errno(newfd);
	close_keep_errno(tmpfd);
	close_keep_errno(dfd);
	return -1;
}
