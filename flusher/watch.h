/*
 * watch — the event loop of `ovpnlog watch`: inotify on SPOOL/new, a
 * signalfd, and deadlines, in one poll().  What a pass does (apply the
 * spool to the database), how the status files are snapshotted and how
 * the config is reloaded are callbacks (struct watch_ops), so the loop
 * knows nothing about SQL.
 *
 *  - The inotify watch (IN_MOVED_TO, and IN_CLOSE_WRITE for files
 *    written in place) is added before the first pass, so a file that
 *    lands during that pass still wakes the loop.  inotify events only
 *    mark the spool dirty: every pass lists new/ itself, so a lost or
 *    coalesced event (IN_Q_OVERFLOW) costs nothing but a rescan.  A
 *    rescan also runs every rescan_ms as a backstop.  When new/ itself
 *    is removed or replaced the loop ends with -1: the open spool would
 *    no longer be the one the hook writes to.
 *  - Coalescing: a pass starts at once when the previous one began at
 *    least latency_ms ago (an event on a quiet spool is applied at once);
 *    otherwise it waits until then, or until inotify reported batch_size
 *    new files, so events close together share one transaction and wait
 *    at most latency_ms.
 *  - A pass that reports WATCH_RETRY (database unavailable) is retried
 *    after an exponential backoff from retry_min_ms to retry_max_ms with
 *    jitter (a random delay in [d/2, d]); events arriving meanwhile do not
 *    shorten it.  The next successful pass resets it.
 *  - Signals are blocked and read from a signalfd (no handler, no global):
 *    SIGTERM/SIGINT stop the loop (the pass in progress sees
 *    watch_interrupted() and stops after its current transaction);
 *    SIGHUP calls ops->reload between passes.
 *
 * Ownership: struct watch is the caller's; watch_open() fills it,
 * watch_close() releases the descriptors and restores the signal mask.
 * Return: 0, or -1 with a reason in err.  watch_run() returns 0 after
 * SIGTERM/SIGINT, -1 when a callback reported WATCH_FATAL, new/ went
 * away, or the loop itself failed.
 */
#ifndef OVPNLOG_WATCH_H
#define OVPNLOG_WATCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct watch_params {
	int64_t	 latency_ms;	/* max extra wait to batch events */
	int64_t	 rescan_ms;	/* backstop full rescan period */
	int64_t	 status_ms;	/* status snapshot period, 0 = none */
	int64_t	 retry_min_ms;	/* first reconnect delay */
	int64_t	 retry_max_ms;	/* reconnect delay cap */
	uint64_t batch_size;	/* this many new events: pass at once */
};

enum watch_pass {
	WATCH_DONE,		/* new/ was drained (as far as it was listed) */
	WATCH_MORE,		/* stopped early (interrupted): call again */
	WATCH_RETRY,		/* database unavailable: back off, files kept */
	WATCH_FATAL		/* give up: watch_run() returns -1 */
};

struct watch;

struct watch_ops {
	/* Applies the spool; may call watch_interrupted(w) between batches. */
	enum watch_pass	(*pass)(void *ctx, struct watch *w);
	/* Snapshots the status files into the spool (every status_ms). */
	void		(*snapshot)(void *ctx);
	/*
	 * SIGHUP.  Returns 0 after switching to a new config (and filling
	 * *p and *spooldir from it), -1 when the old one is kept.  The
	 * string *spooldir must stay valid until the next reload.
	 */
	int		(*reload)(void *ctx, struct watch_params *p,
			    const char **spooldir);
};

struct watch {
	int			 ifd;		/* inotify */
	int			 wd;		/* watch on new/ */
	int			 lost;		/* new/ went away */
	int			 sfd;		/* signalfd */
	sigset_t		 oldmask;
	const char		*spooldir;
	struct watch_params	 p;
	const struct logger	*log;
	int			 stop;		/* SIGTERM/SIGINT seen */
	int			 hup;		/* SIGHUP seen, not yet handled */
	uint64_t		 rng;		/* jitter state */
	/* counters, for tests and debug logs */
	uint64_t		 npasses;
	uint64_t		 noverflows;
	uint64_t		 nretries;
};

int	watch_open(struct watch *w, const char *spooldir,
	    const struct watch_params *p, const struct logger *log,
	    char *err, size_t errlen);
int	watch_run(struct watch *w, const struct watch_ops *ops, void *ctx,
	    char *err, size_t errlen);
/* 1 when SIGTERM or SIGINT is pending or was seen (checks without
 * blocking; remembers a SIGHUP for later). */
int	watch_interrupted(struct watch *w);
void	watch_close(struct watch *w);

/* The delay before retry number n (1-based), with jitter; exposed for tests. */
int64_t	watch_backoff_ms(struct watch *w, unsigned n);

#endif
