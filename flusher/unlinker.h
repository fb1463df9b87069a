/*
 * unlinker — removes the files of a committed batch from new/ with a few
 * threads, while the flush loop reads and applies the next batch.
 *
 * Removing a spool file can wait for the device: ext4 mounted with the
 * discard option frees a file's blocks with a synchronous discard (about
 * 100 us a file on a virtual disk), one after the other.  The last iput
 * of an unlink, which frees the blocks, runs outside the directory's
 * lock, so removals from several threads overlap those waits.
 *
 * The flush loop hands a batch over with unlinker_add() only after its
 * COMMIT, and calls unlinker_wait() before it hands over the next one and
 * at the end of the run: at most one batch is being removed, and the
 * directory is fsynced once per batch, after its files are gone.  The
 * worker threads block every signal (the main thread takes them).
 *
 * unlinker_start() returns NULL (errno set) when the threads cannot be
 * created; unlinker_add() returns -1 when out of memory (nothing handed
 * over): the caller then removes its files itself.  unlinker_wait()
 * fills a struct unlink_report; unlinker_stop() waits, ends the threads
 * and frees (safe on NULL).
 */
#ifndef OVPNLOG_UNLINKER_H
#define OVPNLOG_UNLINKER_H

#include <limits.h>
#include <stddef.h>

#define UNLINK_THREADS	8

struct unlinker;

struct unlink_report {
	size_t		 handed;	/* files of the batch waited for */
	size_t		 failed;	/* not removed (ENOENT counts as removed) */
	int		 err;		/* errno of the first failure */
	char		 name[NAME_MAX + 1];	/* its file */
	int		 fsync_err;	/* errno of the directory fsync, or 0 */
};

struct unlinker	*unlinker_start(int dirfd, int nthreads);
int		 unlinker_add(struct unlinker *u, const char *const *names,
		    size_t n);
void		 unlinker_wait(struct unlinker *u, struct unlink_report *rep);
void		 unlinker_stop(struct unlinker *u);

#endif
