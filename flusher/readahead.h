/*
 * readahead — one background thread that runs a job while the flush loop
 * does something else: fn(ctx, i) for i = 0 .. n-1, in order.  The flush
 * loop uses it to read and check the next batch's files (open, read,
 * parse, prepare: pure work with its own buffers) while the database
 * applies the current batch; it quarantines and logs nothing there, it
 * only looks at the results once readahead_wait() returned.
 *
 * One job at a time: readahead_run() only after readahead_wait() (or
 * on a new readahead).  The job's data belongs to the thread from
 * readahead_run() until readahead_wait() returns.  The thread blocks
 * every signal.  readahead_start() returns NULL (errno set) when the
 * thread cannot be created: the caller then does the work itself.
 * readahead_stop() waits for the job, ends the thread, frees (safe on
 * NULL).
 */
#ifndef OVPNLOG_READAHEAD_H
#define OVPNLOG_READAHEAD_H

#include <stddef.h>

struct readahead;

typedef void (*readahead_fn)(void *ctx, size_t i);

struct readahead *readahead_start(void);
void		 readahead_run(struct readahead *ra, readahead_fn fn,
		    void *ctx, size_t n);
void		 readahead_wait(struct readahead *ra);
void		 readahead_stop(struct readahead *ra);

#endif
