/*
 * flush — the replay loop: spool files into the database, oldest first,
 * exactly once in effect.  `ovpnlog flush` runs it once; `ovpnlog watch`
 * runs it again and again on one connection.
 *
 * The caller opens the spool (spool_open) and holds its lock (spool_lock)
 * for the whole call.  flush_run():
 *   1. recovers tmp/ files older than tmp_grace: complete events are
 *      renamed into new/, others quarantined;
 *   2. unless o->skip_status, snapshots each configured status file
 *      into new/ (status_snap.h); a snapshot that cannot be written
 *      there counts as a local error;
 *   3. lists new/ in name order and handles it in batches of batch_size:
 *      hostile or malformed files are quarantined as they are read; the
 *      valid events of a batch apply in one transaction together with
 *      their ledger rows (applied_event), set-oriented (bulk.h: a few
 *      multi-row statements per batch, the result of the events one by
 *      one); events already in the ledger are skipped; only after COMMIT
 *      are the batch's files unlinked and new/ fsynced.  A statement the
 *      database rejects makes the batch run again with one savepoint per
 *      event, so that the bad event alone is quarantined (with the
 *      database's reason) and the rest applies.
 *      While a batch applies, a thread reads and checks the next batch's
 *      files (readahead.h) and threads remove the previous batch's files
 *      (unlinker.h): removal waits for a batch's COMMIT, new/ is fsynced
 *      after each batch's removals, and the run returns only when every
 *      removal it started is done.
 * It connects through c on first need (and keeps the connection for the
 * next call); after a transient failure the connection is closed.  Start
 * with a zeroed struct flush_conn; release it with flush_conn_close().
 *
 * A run that ends FLUSH_OK or FLUSH_DATAERR, not interrupted and without a
 * local error, records its time as the last successful flush in the
 * stats file (stats.h), for `ovpnlog stats`.
 *
 * Logs through lg (it is one of the two places that log).  Returns a
 * flush_status; flush_exit_code() maps it to sysexits.  Counts go to
 * *res (zeroed first).
 */
#ifndef OVPNLOG_FLUSH_H
#define OVPNLOG_FLUSH_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "backend.h"
#include "bulk.h"
#include "config.h"
#include "log.h"
#include "spool_dir.h"

enum flush_status {
	FLUSH_OK = 0,	/* everything applied (or nothing to do) */
	FLUSH_DATAERR,	/* files were quarantined; the rest applied */
	FLUSH_RETRY,	/* database unreachable or transient error: kept */
	FLUSH_CONFIG,	/* setup problem (no schema, backend missing) */
	FLUSH_IOERR,	/* local file system error: files kept */
};

struct flush_conn {
	const struct backend_ops *ops;
	struct db		*db;	/* NULL: not connected */
	struct apply_ctx	 ax;
	struct bulk		 bulk;	/* batch_plain's buffers */
};

struct flush_opts {
	int64_t		 batch_size;	/* 0: the config's */
	/*
	 * Watch mode: checked between batches; non-zero stops the run
	 * after the batch in progress committed (res->interrupted set,
	 * the rest kept).  NULL: never.
	 */
	int		(*interrupted)(void *ctx);
	void		*ictx;
	int		 skip_status;	/* 1: no status snapshots (watch
					 * takes them on its own interval) */
};

struct flush_result {
	uint64_t	 applied;	/* events applied now, files removed */
	uint64_t	 already;	/* found in the ledger, files removed */
	uint64_t	 quarantined;	/* moved to failed/ */
	uint64_t	 kept;		/* left in new/ for a later run */
	int		 kept_unlisted;	/* and more, not listed yet */
	uint64_t	 recovered;	/* moved from tmp/ to new/ */
	uint64_t	 batches;	/* transactions committed */
	int		 interrupted;	/* o->interrupted stopped the run */
	struct apply_stats st;
};

enum flush_status flush_run(const struct config *cfg,
		    const struct logger *lg, const struct spool_dirs *d,
		    struct flush_conn *c, const struct flush_opts *o,
		    struct flush_result *res);
void		 flush_conn_close(struct flush_conn *c);
int		 flush_exit_code(enum flush_status st);

#endif
