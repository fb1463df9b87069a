/*
 * spool_dir — the spool's directories, opened once, and its lock.
 *
 * spool_open() opens SPOOL, SPOOL/new, SPOOL/tmp and SPOOL/failed (the
 * last is created 0700 when missing: it is private to the flusher) and
 * keeps their descriptors in struct spool_dirs, which the caller releases
 * with spool_close().  Returns 0, or -1 with a reason naming the path;
 * *missing is set when a directory does not exist (a setup problem, not
 * an I/O error).
 *
 * spool_lock() takes flock(LOCK_EX|LOCK_NB) on SPOOL/.lock (created 0600):
 * 0 locked (held until spool_close() or exit; the kernel releases it when
 * the process dies), 1 another process holds it, -1 error.
 */
#ifndef OVPNLOG_SPOOL_DIR_H
#define OVPNLOG_SPOOL_DIR_H

#include <stddef.h>

struct spool_dirs {
	const char	*path;		/* SPOOL, for messages; not owned */
	int		 root;
	int		 newd;
	int		 tmpd;
	int		 failed;
	int		 lock;		/* -1 until spool_lock() */
};

int	spool_open(const char *path, struct spool_dirs *d, int *missing,
	    char *err, size_t errlen);
int	spool_lock(struct spool_dirs *d, char *err, size_t errlen);
void	spool_close(struct spool_dirs *d);
/*
 * renameat() that never replaces an existing target (RENAME_NOREPLACE,
 * or a check first where the file system lacks it; callers hold the
 * lock).  -1 with errno (EEXIST: the target exists).
 */
int	spool_rename_noreplace(int fromdir, const char *from, int todir,
	    const char *to);
/* fsync of a directory descriptor; -1 with errno. */
int	spool_fsync_dir(int fd);

#endif
