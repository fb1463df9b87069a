/*
 * `ovpnlog prune --older-than DURATION | --before TIME [--dry-run]` —
 * retention: deletes the sessions that ended before the cut-off (now -
 * DURATION, or TIME; a session ending exactly at the cut-off is kept;
 * open sessions are never deleted) and the ledger entries (applied_event)
 * applied before it.  Ledger entries only guard against replaying a spool
 * file whose unlink was lost; files that old are long gone.
 *
 * Deletion runs in batches of at most --batch rows, one transaction each,
 * so a big prune never holds the database's write lock for long and a
 * flush can run in between.  An interrupted prune has committed its
 * finished batches; run it again.
 */
#include "query.h"
#include "numparse.h"
#include "timefmt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define PRUNE_BATCH		5000
#define PRUNE_MAX_BATCH		1000000
#define PRUNE_KEYLEN		128	/* applied_event.event_id is 80 */

static const char prune_usage[] =
    "usage: ovpnlog prune --older-than DURATION | --before TIME [--dry-run]\n"
    "                     [--batch N] [--format table|csv|json] [--utc]\n"
    "\n"
    "Deletes the sessions that ended before the cut-off, now - DURATION or\n"
    "TIME (a session ending exactly at the cut-off is kept; open sessions\n"
    "are never deleted), and the replay-ledger entries older than it, in\n"
    "transactions of at most N rows each (default 5000).  --dry-run counts\n"
    "what would go and deletes nothing.\n"
    "DURATION: 30d, 12h, 90m, 2w, 1d12h.  TIME: 2026-11-27T14:02[:05]\n"
    "[Z|+01:00], a date, -2h, @SECONDS; local time unless --utc.\n";

/*
 * One table's pruning.  A batch is the first N old rows in key order:
 * select the largest key among them, then delete the old rows up to that
 * key.  Two fixed statements with two parameters each (no id lists, which
 * would hit drivers' parameter limits), each served by the primary key;
 * the key is unique, so a batch is at most N rows.  Keys grow with time
 * (ids; spool names start with the time), so old rows come first.
 */
struct target {
	const char	*what;		/* for messages */
	const char	*count_sql;
	const char	*last_sql;	/* the batch's largest key */
	const char	*delete_sql;	/* old rows up to that key */
	int		 int_key;	/* id (integer) or event_id (text) */
};

static const struct target targets[] = {
	{ "sessions",
	  "SELECT COUNT(*) FROM session WHERE disconnect_time < ?",
	  "SELECT MAX(id) FROM (SELECT id FROM session"
	  " WHERE disconnect_time < ? ORDER BY id LIMIT ?) b",
	  "DELETE FROM session WHERE disconnect_time < ? AND id <= ?", 1 },
	{ "ledger entries",
	  "SELECT COUNT(*) FROM applied_event WHERE applied_at < ?",
	  "SELECT MAX(event_id) FROM (SELECT event_id FROM applied_event"
	  " WHERE applied_at < ? ORDER BY event_id LIMIT ?) b",
	  "DELETE FROM applied_event WHERE applied_at < ? AND event_id <= ?",
	  0 },
};

static int
count_row(void *ctx, int ncols, const struct db_val *cols)
{
	if (ncols < 1 || query_int(&cols[0], ctx) == -1)
		*(int64_t *)ctx = 0;
	return 0;
}

/* The batch's last key, as the driver gave it; kind DBV_NULL if none. */
struct lastkey {
	struct db_val	 v;
	char		 buf[PRUNE_KEYLEN];
	int		 bad;
};

static int
key_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct lastkey *k = ctx;

	if (ncols < 1)
		return -1;
	k->v = cols[0];
	if (cols[0].kind == DBV_TEXT) {
		if (cols[0].len >= sizeof(k->buf)) {
			k->bad = 1;
			return -1;
		}
		memcpy(k->buf, cols[0].s, cols[0].len);
		k->buf[cols[0].len] = '\0';
		k->v = db_textn(k->buf, cols[0].len);
	}
	return 0;
}

/*
 * Deletes one target's old rows, batch by batch; *removed counts what
 * committed.  DB_OK, or a DB_ status with the reason in err.
 */
static int
prune_target(struct cli *cli, struct qdb *q, const struct target *t,
    int64_t cutoff, int64_t batch, int64_t *removed, char *err,
    size_t errlen)
{
	char rerr[256];
	int ret;

	*removed = 0;
	for (;;) {
		struct db_val sp[2] = { db_int(cutoff), db_int(batch) };
		struct db_val dp[2];
		struct lastkey k;
		int64_t changes = 0, id;

		memset(&k, 0, sizeof(k));
		if ((ret = q->ops->begin(q->db, err, errlen)) != DB_OK)
			return ret;
		if ((ret = q->ops->query(q->db, t->last_sql, sp, 2, key_row,
		    &k, err, errlen)) != DB_OK)
			goto rollback;
		if (k.bad) {
			snprintf(err, errlen, "prune: over-long %s key",
			    t->what);
			ret = DB_REJECT;
			goto rollback;
		}
		if (k.v.kind == DBV_NULL)	/* nothing (more) to do */
			return q->ops->commit(q->db, err, errlen);
		dp[0] = db_int(cutoff);
		/* MAX(id) comes back as text from some drivers. */
		dp[1] = k.v;
		if (t->int_key) {
			if (query_int(&k.v, &id) == -1) {
				snprintf(err, errlen, "prune: %s: MAX(id) is "
				    "not a number", t->what);
				ret = DB_REJECT;
				goto rollback;
			}
			dp[1] = db_int(id);
		}
		if ((ret = q->ops->exec(q->db, t->delete_sql, dp, 2, &changes,
		    err, errlen)) != DB_OK)
			goto rollback;
		if ((ret = q->ops->commit(q->db, err, errlen)) != DB_OK)
			return ret;
		*removed += changes;
		log_msg(&cli->log, LOG_DEBUG, "prune: removed %lld %s "
		    "(%lld so far)", (long long)changes, t->what,
		    (long long)*removed);
		if (changes == 0) {
			/* Found but not deleted: someone changed them. */
			snprintf(err, errlen, "prune: %s changed during the "
			    "prune; run it again", t->what);
			return DB_RETRY;
		}
	}
rollback:
	(void)q->ops->rollback(q->db, rerr, sizeof(rerr));
	return ret;
}

static int
prune_report(const struct qopts *qo, int dry_run, int64_t cutoff,
    const int64_t *n, char *err, size_t errlen)
{
	static const struct out_col cols[] = {
		{ "sessions", "SESSIONS", OUT_INT },
		{ "ledger_entries", "LEDGER ENTRIES", OUT_INT },
		{ "cutoff", "CUTOFF", OUT_TIME },
		{ "dry_run", "DRY RUN", OUT_INT },
	};
	struct out_cell c[4] = { out_i(n[0]), out_i(n[1]), out_i(cutoff),
	    out_i(dry_run) };
	struct out *o;
	char when[TF_BUFLEN];

	if (qo->fmt == OUT_TABLE) {
		printf("%s %lld session%s and %lld ledger entr%s that ended "
		    "before %s\n", dry_run ? "would remove" : "removed",
		    (long long)n[0], n[0] == 1 ? "" : "s", (long long)n[1],
		    n[1] == 1 ? "y" : "ies",
		    tf_format(cutoff, qo->utc, when, sizeof(when)));
		if (fflush(stdout) == EOF) {
			snprintf(err, errlen, "writing the output: %s",
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((o = out_open(stdout, qo->fmt, cols, 4, qo->utc, 0, err,
	    errlen)) == NULL)
		return -1;
	if (out_row(o, c, err, errlen) == -1) {
		out_abort(o);
		return -1;
	}
	return out_close(o, err, errlen);
}

int
cmd_prune(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ "before", required_argument, NULL, 'B' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		QUERY_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct qopts qo;
	struct qdb q;
	char err[512];
	const char *older = NULL, *before = NULL;
	int64_t age, cutoff, n[2] = { 0, 0 };
	uint64_t ubatch = PRUNE_BATCH;
	int c, dry_run = 0, ret;

	query_opts_init(&qo);
	query_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': older = optarg; break;
		case 'B': before = optarg; break;
		case 'n': dry_run = 1; break;
		case 'b':
			if (parse_u64z(optarg, 1, PRUNE_MAX_BATCH, &ubatch, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "prune: --batch: "
				    "%s", err);
				return EX_USAGE;
			}
			break;
		case QOPT_HELP:
			fputs(prune_usage, stdout);
			return 0;
		case '?':
			fputs(prune_usage, stderr);
			return EX_USAGE;
		default:
			if (query_common_opt(&qo, c, optarg, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "prune: %s", err);
				return EX_USAGE;
			}
		}
	}
	if (optind != argc || (older == NULL) == (before == NULL)) {
		if (optind != argc)
			log_msg(&cli->log, LOG_ERR, "prune: unexpected "
			    "argument '%s'", argv[optind]);
		else
			log_msg(&cli->log, LOG_ERR, "prune: give either "
			    "--older-than DURATION or --before TIME");
		fputs(prune_usage, stderr);
		return EX_USAGE;
	}
	if (older != NULL) {
		if (tf_parse_duration(older, &age, err, sizeof(err)) == -1) {
			log_msg(&cli->log, LOG_ERR, "prune: --older-than: %s",
			    err);
			return EX_USAGE;
		}
		cutoff = qo.now - age;
	} else if (tf_parse(before, qo.now, qo.utc, &cutoff, err,
	    sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "prune: --before: %s", err);
		return EX_USAGE;
	}

	if ((ret = query_open(cli, &q)) != 0)
		return ret;
	for (int i = 0; i < 2; i++) {
		struct db_val p = db_int(cutoff);

		if (dry_run)
			ret = q.ops->query(q.db, targets[i].count_sql, &p, 1,
			    count_row, &n[i], err, sizeof(err));
		else
			ret = prune_target(cli, &q, &targets[i], cutoff,
			    (int64_t)ubatch, &n[i], err, sizeof(err));
		if (ret != DB_OK) {
			query_close(&q);
			if (!dry_run)
				log_msg(&cli->log, LOG_ERR, "prune: stopped "
				    "after removing %lld sessions and %lld "
				    "ledger entries", (long long)n[0],
				    (long long)n[1]);
			return query_fail(cli, ret, dry_run ?
			    "count the old rows" : "prune", err);
		}
	}
	query_close(&q);
	if (prune_report(&qo, dry_run, cutoff, n, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "prune: %s", err);
		return EX_IOERR;
	}
	return 0;
}
