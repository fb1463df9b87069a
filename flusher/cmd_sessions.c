/*
 * `ovpnlog sessions [filters]` — a table of sessions, newest first.
 * --since/--until select the sessions that overlap [since, until] (both
 * ends included), so a session running across the interval is shown.
 */
#include "query.h"
#include "numparse.h"
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#define SESSIONS_TABLE_LIMIT	100	/* the table's default --limit */
#define SESSIONS_MAX_LIMIT	1000000000
#define SESSIONS_MAX_PARAMS	8

static const char sessions_usage[] =
    "usage: ovpnlog sessions [--cn CN] [--user USER] [--instance NAME]\n"
    "                        [--since TIME] [--until TIME] [--open]\n"
    "                        [--limit N] [--format table|csv|json] [--utc]\n"
    "\n"
    "Sessions, newest first.  --since/--until keep the sessions that\n"
    "overlap that interval (ends included); --open only those still open.\n"
    "--limit N prints the newest N (default 100 for the table, all for\n"
    "csv and json; 0 means all).\n"
    "TIME: 2026-11-27T14:02[:05][Z|+01:00], a date, now, -2h, @SECONDS;\n"
    "local time (TZ) unless it names an offset or --utc is given.\n";

struct names {
	int64_t	 count;
	char	 list[256];
};

static int
count_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct names *n = ctx;

	if (ncols < 1 || query_int(&cols[0], &n->count) == -1)
		n->count = 0;
	return 0;
}

static int
name_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct names *n = ctx;
	size_t len = strlen(n->list);

	if (ncols < 1 || cols[0].kind != DBV_TEXT)
		return 0;
	snprintf(n->list + len, sizeof(n->list) - len, "%s%s",
	    len > 0 ? ", " : "", cols[0].s);
	return 0;
}

/* 0 if NAME is an instance in the database; else the exit status. */
static int
check_instance(struct cli *cli, struct qdb *q, const char *name)
{
	struct db_val p = db_text(name);
	struct names n;
	char err[512];
	int ret;

	memset(&n, 0, sizeof(n));
	/* In SQL, so that the database's collation decides, as below. */
	if ((ret = q->ops->query(q->db,
	    "SELECT COUNT(*) FROM instance WHERE name = ?", &p, 1, count_row,
	    &n, err, sizeof(err))) != DB_OK)
		return query_fail(cli, ret, "look up the instance", err);
	if (n.count > 0)
		return 0;
	if ((ret = q->ops->query(q->db,
	    "SELECT DISTINCT name FROM instance ORDER BY name", NULL, 0,
	    name_row, &n, err, sizeof(err))) != DB_OK)
		return query_fail(cli, ret, "list the instances", err);
	log_msg(&cli->log, LOG_ERR, "sessions: unknown instance '%s' "
	    "(known: %s)", name, *n.list != '\0' ? n.list : "none yet");
	return EX_USAGE;
}

int
cmd_sessions(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cn", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "instance", required_argument, NULL, 'i' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'U' },
		{ "open", no_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'n' },
		QUERY_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct qopts qo;
	struct qdb q;
	int64_t nrows = 0;
	struct db_val p[SESSIONS_MAX_PARAMS];
	char sql[2048], err[512];
	const char *cn = NULL, *user = NULL, *inst = NULL, *since_s = NULL;
	const char *until_s = NULL, *limit_s = NULL;
	int64_t since = 0, until = 0, limit;
	uint64_t ulimit;
	int c, np = 0, open_only = 0, ret;
	size_t len;

	query_opts_init(&qo);
	query_getopt_reset();
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': cn = optarg; break;
		case 'u': user = optarg; break;
		case 'i': inst = optarg; break;
		case 's': since_s = optarg; break;
		case 'U': until_s = optarg; break;
		case 'o': open_only = 1; break;
		case 'n': limit_s = optarg; break;
		case QOPT_HELP:
			fputs(sessions_usage, stdout);
			return 0;
		case '?':
			fputs(sessions_usage, stderr);
			return EX_USAGE;
		default:
			if (query_common_opt(&qo, c, optarg, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "sessions: %s", err);
				return EX_USAGE;
			}
		}
	}
	if (optind != argc) {
		log_msg(&cli->log, LOG_ERR, "sessions: unexpected argument "
		    "'%s'", argv[optind]);
		fputs(sessions_usage, stderr);
		return EX_USAGE;
	}
	limit = qo.fmt == OUT_TABLE ? SESSIONS_TABLE_LIMIT : 0;
	if (limit_s != NULL) {
		if (parse_u64z(limit_s, 0, SESSIONS_MAX_LIMIT, &ulimit, err,
		    sizeof(err)) == -1) {
			log_msg(&cli->log, LOG_ERR, "sessions: --limit: %s",
			    err);
			return EX_USAGE;
		}
		limit = (int64_t)ulimit;
	}
	if ((since_s != NULL && tf_parse(since_s, qo.now, qo.utc, &since,
	    err, sizeof(err)) == -1) ||
	    (until_s != NULL && tf_parse(until_s, qo.now, qo.utc, &until,
	    err, sizeof(err)) == -1)) {
		log_msg(&cli->log, LOG_ERR, "sessions: %s", err);
		return EX_USAGE;
	}
	if (since_s != NULL && until_s != NULL && since > until) {
		log_msg(&cli->log, LOG_ERR, "sessions: --since %s is after "
		    "--until %s", since_s, until_s);
		return EX_USAGE;
	}

	/* One WHERE, built from fixed pieces; every value is bound. */
	len = (size_t)snprintf(sql, sizeof(sql), "%s WHERE 1 = 1",
	    query_session_select);
#define WHERE(piece) \
	len += (size_t)snprintf(sql + len, sizeof(sql) - len, " AND %s", piece)
	if (cn != NULL) {
		WHERE("s.cn = ?");
		p[np++] = db_text(cn);
	}
	if (user != NULL) {
		WHERE("s.username = ?");
		p[np++] = db_text(user);
	}
	if (inst != NULL) {
		WHERE("s.instance_id IN (SELECT id FROM instance WHERE "
		    "name = ?)");
		p[np++] = db_text(inst);
	}
	if (since_s != NULL) {
		WHERE("(s.disconnect_time IS NULL OR s.disconnect_time >= ?)");
		p[np++] = db_int(since);
	}
	if (until_s != NULL) {
		WHERE("s.connect_time <= ?");
		p[np++] = db_int(until);
	}
	if (open_only)
		WHERE("s.disconnect_time IS NULL");
#undef WHERE
	len += (size_t)snprintf(sql + len, sizeof(sql) - len,
	    " ORDER BY s.connect_time DESC, s.id DESC");
	if (limit > 0) {
		/* One more than asked: tells whether there were more. */
		snprintf(sql + len, sizeof(sql) - len, " LIMIT ?");
		p[np++] = db_int(limit + 1);
	}

	if ((ret = query_open(cli, &q)) != 0)
		return ret;
	if (inst != NULL && (ret = check_instance(cli, &q, inst)) != 0) {
		query_close(&q);
		return ret;
	}
	if ((ret = query_print_sessions(cli, &q, "sessions", &qo, sql, p, np,
	    limit, &nrows)) != 0)
		return ret;
	if (limit > 0 && nrows > limit)
		log_msg(&cli->log, LOG_NOTICE, "showing the newest %lld "
		    "sessions; more match (--limit 0 shows all)",
		    (long long)limit);
	return 0;
}
