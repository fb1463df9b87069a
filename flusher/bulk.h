/*
 * bulk — one batch of spool events applied with few statements, with the
 * result the events would give one by one in batch order (apply.h).
 *
 * bulk_apply() runs on the flush loop's open transaction.  It finds the
 * connects whose disconnect is in the batch (pairs), then sorts out the
 * session events that no other event of the batch can meet: a connect
 * or a disconnect whose instance, connect time and common name no other
 * event of the batch shares (its pair partner aside), with no status
 * snapshot before it in the batch.  One lookup of the sessions with
 * those connect times (SELECT ... WHERE connect_time IN (?, ...)) says,
 * as apply.c's statements would find, what each needs:
 *   pair or connect, key absent    a row in a multi-row INSERT
 *   disconnect                     close the session with its key, or the
 *                                  only one it floated from (UPDATE by
 *                                  id), else a complete row in the
 *                                  multi-row INSERT, else nothing (its
 *                                  session was closed by a disconnect)
 * Everything else (updates, status snapshots, events sharing a session
 * key, a connect whose key exists) goes through apply_pair()/
 * apply_event() at its place in the batch, after the rows gathered so
 * far are written; so does a connect of a newer server incarnation
 * (incarnation.h), whose closing sees every row before it.  The ledger
 * rows of all applied events follow in multi-row INSERTs.  None of these
 * statements needs a count, so a backend may pipeline them all
 * (backend.h); a batch costs a handful of round trips.
 *
 * Multi-row statements hold at most BULK_ROWS_MAX session rows (25
 * values each: 12,800, under every backend's limit, SQLite's 32,766 the
 * lowest) and come in power-of-two sizes, so a connection prepares a few
 * texts once.
 *
 * Returns DB_OK, DB_RETRY or DB_REJECT with the backend's reason in err.
 * After DB_REJECT the caller rolls back and applies the batch one event
 * at a time to find the culprit (a multi-row statement names none);
 * *bad is then the index of an event near the failure, or n when the
 * failure surfaced later (a backend reports a deferred statement's error
 * at its next sync point).
 */
#ifndef OVPNLOG_BULK_H
#define OVPNLOG_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "backend.h"

#define BULK_ROWS_MAX	512	/* session rows per INSERT */
#define BULK_LEDGER_MAX	2048	/* ledger rows per INSERT */
#define BULK_IN_MAX	1024	/* connect times per lookup */

struct bulk_ev {
	const struct ev_row	*row;
	const char		*name;		/* event id, for the ledger */
	int			 skip;		/* in the ledger: not applied */
	/* bulk_apply's own */
	int			 how;
	long			 pair;		/* its disconnect, or -1 */
	int64_t			 inst;
	int64_t			 id;		/* session to close */
};

struct bulk_found;

/* Per-connection buffers; start zeroed, release with bulk_free(). */
struct bulk {
	struct db_val		*vals;		/* a statement's values */
	size_t			 nvals, capvals;
	size_t			 first;		/* event of the first row */
	char			*sql[3][12];	/* texts by kind and size */
	struct bulk_found	*found;
	size_t			 nfound, capfound;
};

int	bulk_apply(struct bulk *b, struct apply_ctx *ax, struct bulk_ev *ev,
	    size_t n, int64_t now, size_t *bad, char *err, size_t errlen);
void	bulk_free(struct bulk *b);

#endif
