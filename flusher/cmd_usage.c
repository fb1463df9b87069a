/*
 * `ovpnlog usage [--by cn|user|instance] [--since T] [--until T]` —
 * sessions, connected time and bytes per group, with totals.
 *
 * Over an interval it counts whole sessions that STARTED in it
 * (since <= connect_time < until): nothing is apportioned, and a session
 * is counted in exactly one of two adjacent intervals, so monthly figures
 * add up to the yearly one.  A session still open counts its time up to
 * now and the bytes of its latest update.
 */
#include "query.h"
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char usage_usage[] =
    "usage: ovpnlog usage [--by cn|user|instance] [--since TIME] "
    "[--until TIME]\n"
    "                     [--format table|csv|json] [--utc]\n"
    "\n"
    "Sessions, connected time and bytes in/out per common name (default),\n"
    "user or instance, with a totals row.  With --since/--until it counts\n"
    "the whole sessions that started in [since, until): bytes and time are\n"
    "not apportioned, and adjacent intervals never count a session twice.\n"
    "Open sessions count their time up to now.\n"
    "TIME: 2026-11-27T14:02[:05][Z|+01:00], a date, now, -2h, @SECONDS;\n"
    "local time (TZ) unless it names an offset or --utc is given.\n";

enum by { BY_CN, BY_USER, BY_INSTANCE };

struct grouping {
	const char	*name;
	const char	*select;	/* key columns */
	const char	*from;
	const char	*group;
	const char	*order;
	int		 nkeys;
	struct out_col	 col;
};

/*
 * NULL keys (sessions without a user name) sort last on every backend:
 * "x IS NULL" is false/0 before true/1 everywhere.
 */
static const struct grouping groupings[] = {
	[BY_CN] = { "cn", "s.cn", "session s", "s.cn", "s.cn", 1,
	    { "cn", "CN", OUT_TEXT } },
	[BY_USER] = { "user", "s.username", "session s", "s.username",
	    "s.username IS NULL, s.username", 1,
	    { "username", "USER", OUT_TEXT } },
	[BY_INSTANCE] = { "instance", "i.name, i.protocol, i.port",
	    "session s JOIN instance i ON i.id = s.instance_id",
	    "i.id, i.name, i.protocol, i.port", "i.name, i.protocol, i.port",
	    3, { "instance", "INSTANCE", OUT_TEXT } },
};

enum { UC_KEY, UC_SESSIONS, UC_TIME, UC_IN, UC_OUT, UC_NCOLS };

struct usage_ctx {
	const struct grouping	*g;
	struct out		*out;
	int64_t			 sum[UC_NCOLS];
	int			 failed;
	char			 err[256];
};

static int
usage_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct usage_ctx *u = ctx;
	struct out_cell c[UC_NCOLS];
	const struct db_val *agg = cols + u->g->nkeys;
	char key[256];
	int64_t v;

	if (ncols != u->g->nkeys + 4) {
		snprintf(u->err, sizeof(u->err), "usage query returned %d "
		    "columns", ncols);
		u->failed = 1;
		return -1;
	}
	if (u->g->nkeys == 3) {
		int64_t port = 0;

		(void)query_int(&cols[2], &port);
		snprintf(key, sizeof(key), "%s/%s/%lld",
		    cols[0].kind == DBV_TEXT ? cols[0].s : "",
		    cols[1].kind == DBV_TEXT ? cols[1].s : "",
		    (long long)port);
		c[UC_KEY] = out_s(key);
	} else
		c[UC_KEY] = out_s(cols[0].kind == DBV_TEXT ? cols[0].s : NULL);
	for (int i = UC_SESSIONS; i < UC_NCOLS; i++) {
		/* SUM over only NULLs (no bytes yet) is NULL: show 0. */
		if (query_int(&agg[i - UC_SESSIONS], &v) == -1)
			v = 0;
		c[i] = out_i(v);
		u->sum[i] += v;
	}
	if (out_row(u->out, c, u->err, sizeof(u->err)) == -1) {
		u->failed = 1;
		return -1;
	}
	return 0;
}

int
cmd_usage(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'U' },
		QUERY_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct qopts qo;
	struct qdb q;
	struct usage_ctx u;
	struct out_col cols[UC_NCOLS];
	struct out_cell tot[UC_NCOLS];
	struct db_val p[3];
	char sql[1024], err[512];
	const char *since_s = NULL, *until_s = NULL;
	int64_t since = 0, until = 0;
	enum by by = BY_CN;
	int c, np = 0, ret;
	size_t len;

	query_opts_init(&qo);
	query_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "cn") == 0)
				by = BY_CN;
			else if (strcmp(optarg, "user") == 0)
				by = BY_USER;
			else if (strcmp(optarg, "instance") == 0)
				by = BY_INSTANCE;
			else {
				log_msg(&cli->log, LOG_ERR, "usage: bad --by "
				    "'%s' (use cn, user or instance)", optarg);
				return EX_USAGE;
			}
			break;
		case 's': since_s = optarg; break;
		case 'U': until_s = optarg; break;
		case QOPT_HELP:
			fputs(usage_usage, stdout);
			return 0;
		case '?':
			fputs(usage_usage, stderr);
			return EX_USAGE;
		default:
			if (query_common_opt(&qo, c, optarg, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "usage: %s", err);
				return EX_USAGE;
			}
		}
	}
	if (optind != argc) {
		log_msg(&cli->log, LOG_ERR, "usage: unexpected argument '%s'",
		    argv[optind]);
		fputs(usage_usage, stderr);
		return EX_USAGE;
	}
	if ((since_s != NULL && tf_parse(since_s, qo.now, qo.utc, &since,
	    err, sizeof(err)) == -1) ||
	    (until_s != NULL && tf_parse(until_s, qo.now, qo.utc, &until,
	    err, sizeof(err)) == -1)) {
		log_msg(&cli->log, LOG_ERR, "usage: %s", err);
		return EX_USAGE;
	}
	if (since_s != NULL && until_s != NULL && since > until) {
		log_msg(&cli->log, LOG_ERR, "usage: --since %s is after "
		    "--until %s", since_s, until_s);
		return EX_USAGE;
	}

	memset(&u, 0, sizeof(u));
	u.g = &groupings[by];
	len = (size_t)snprintf(sql, sizeof(sql), "SELECT %s, COUNT(*),"
	    " SUM(COALESCE(s.disconnect_time, ?) - s.connect_time),"
	    " SUM(s.bytes_in), SUM(s.bytes_out) FROM %s WHERE 1 = 1",
	    u.g->select, u.g->from);
	p[np++] = db_int(qo.now);
	if (since_s != NULL) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " AND s.connect_time >= ?");
		p[np++] = db_int(since);
	}
	if (until_s != NULL) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len,
		    " AND s.connect_time < ?");
		p[np++] = db_int(until);
	}
	snprintf(sql + len, sizeof(sql) - len, " GROUP BY %s ORDER BY %s",
	    u.g->group, u.g->order);

	cols[UC_KEY] = u.g->col;
	cols[UC_SESSIONS] = (struct out_col){ "sessions", "SESSIONS",
	    OUT_INT };
	cols[UC_TIME] = (struct out_col){ "connected_time", "CONNECTED",
	    OUT_SECS };
	cols[UC_IN] = (struct out_col){ "bytes_in", "IN", OUT_BYTES };
	cols[UC_OUT] = (struct out_col){ "bytes_out", "OUT", OUT_BYTES };

	if ((ret = query_open(cli, &q)) != 0)
		return ret;
	if ((u.out = out_open(stdout, qo.fmt, cols, UC_NCOLS, qo.utc, 1, err,
	    sizeof(err))) == NULL) {
		query_close(&q);
		log_msg(&cli->log, LOG_ERR, "usage: %s", err);
		return EX_OSERR;
	}
	ret = q.ops->query(q.db, sql, p, np, usage_row, &u, err, sizeof(err));
	query_close(&q);
	if (ret != DB_OK) {
		out_abort(u.out);
		return query_fail(cli, ret, "query the usage", err);
	}
	if (u.failed) {
		out_abort(u.out);
		log_msg(&cli->log, LOG_ERR, "usage: %s", u.err);
		return EX_SOFTWARE;
	}
	/* The table names its totals row; in JSON "total" says it. */
	tot[UC_KEY] = qo.fmt == OUT_TABLE ? out_s("TOTAL") : out_null();
	for (int i = UC_SESSIONS; i < UC_NCOLS; i++)
		tot[i] = out_i(u.sum[i]);
	if (out_total(u.out, tot, err, sizeof(err)) == -1) {
		out_abort(u.out);
		log_msg(&cli->log, LOG_ERR, "usage: %s", err);
		return EX_SOFTWARE;
	}
	if (out_close(u.out, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "usage: %s", err);
		return EX_IOERR;
	}
	return 0;
}
