/*
 * `ovpnlog who ADDRESS [--at TIME]` — the abuse-report question: which
 * session held this VPN address, or came from this real address, at that
 * moment.  A session matches when connect_time <= t <= disconnect_time
 * (both ends included), or when it is still open and began at or before t.
 */
#include "query.h"
#include "addr.h"
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char who_usage[] =
    "usage: ovpnlog who ADDRESS [--at TIME] [--format table|csv|json] "
    "[--utc]\n"
    "\n"
    "Sessions that held ADDRESS as VPN address (IPv4 or IPv6), or came\n"
    "from it (real address, at connect or at disconnect), at TIME\n"
    "(default: now).  A session ending or starting exactly at TIME counts.\n"
    "TIME: 2026-11-27T14:02[:05][Z|+01:00], a date, now, -2h, @SECONDS;\n"
    "local time (TZ) unless it names an offset or --utc is given.\n"
    "Exit status: 0 found, 1 nothing matched, 64 bad address or time.\n";

/*
 * Real addresses are matched in both spellings an IPv4 client can have
 * (plain, or IPv4-mapped from a dual-stack socket); the VPN address only
 * in its own family's column.  Every alternative has its own index.
 */
static const char who_where4[] =
    " WHERE (s.vpn_ip4 = ? OR s.src_ip IN (?, ?)"
    " OR s.disconnect_src_ip IN (?, ?))"
    " AND s.connect_time <= ?"
    " AND (s.disconnect_time IS NULL OR s.disconnect_time >= ?)"
    " ORDER BY s.connect_time DESC, s.id DESC";
static const char who_where6[] =
    " WHERE (s.vpn_ip6 = ? OR s.src_ip = ? OR s.disconnect_src_ip = ?)"
    " AND s.connect_time <= ?"
    " AND (s.disconnect_time IS NULL OR s.disconnect_time >= ?)"
    " ORDER BY s.connect_time DESC, s.id DESC";

int
cmd_who(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		QUERY_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct qopts qo;
	struct qdb q;
	struct addr a;
	struct session_list sl;
	struct db_val p[7];
	char sql[1024];
	char err[512], when[TF_BUFLEN];
	const char *at = NULL;
	int64_t t;
	int c, np, ret;

	query_opts_init(&qo);
	query_getopt_reset();
	while ((c = getopt_long(argc, argv, "a:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			at = optarg;
			break;
		case QOPT_HELP:
			fputs(who_usage, stdout);
			return 0;
		case '?':
			fputs(who_usage, stderr);
			return EX_USAGE;
		default:
			if (query_common_opt(&qo, c, optarg, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "who: %s", err);
				return EX_USAGE;
			}
		}
	}
	/* getopt permutes: options may follow the address. */
	if (argc - optind != 1) {
		fputs(who_usage, stderr);
		return EX_USAGE;
	}
	if (addr_parse(argv[optind], &a, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "who: %s", err);
		return EX_USAGE;
	}
	t = qo.now;
	if (at != NULL && tf_parse(at, qo.now, qo.utc, &t, err,
	    sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "who: --at: %s", err);
		return EX_USAGE;
	}

	if ((ret = query_open(cli, &q)) != 0)
		return ret;
	np = 0;
	if (a.family == 4) {
		p[np++] = db_text(a.text);
		p[np++] = db_text(a.text);
		p[np++] = db_text(a.mapped);
		p[np++] = db_text(a.text);
		p[np++] = db_text(a.mapped);
	} else {
		p[np++] = db_text(a.text);
		p[np++] = db_text(a.text);
		p[np++] = db_text(a.text);
	}
	p[np++] = db_int(t);
	p[np++] = db_int(t);
	snprintf(sql, sizeof(sql), "%s%s", query_session_select,
	    a.family == 4 ? who_where4 : who_where6);

	memset(&sl, 0, sizeof(sl));
	sl.now = qo.now;
	if ((sl.out = out_open(stdout, qo.fmt, query_session_cols,
	    query_session_ncols, qo.utc, 0, err, sizeof(err))) == NULL) {
		query_close(&q);
		log_msg(&cli->log, LOG_ERR, "who: %s", err);
		return EX_OSERR;
	}
	ret = q.ops->query(q.db, sql, p, np, query_session_row, &sl, err,
	    sizeof(err));
	query_close(&q);
	if (ret != DB_OK) {
		out_abort(sl.out);
		return query_fail(cli, ret, "query the sessions", err);
	}
	if (sl.failed) {
		out_abort(sl.out);
		log_msg(&cli->log, LOG_ERR, "who: %s", sl.err);
		return EX_SOFTWARE;
	}
	if (out_close(sl.out, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "who: %s", err);
		return EX_IOERR;
	}
	if (sl.nrows == 0) {
		log_msg(&cli->log, LOG_NOTICE, "no session had %s at %s",
		    a.text, tf_format(t, qo.utc, when, sizeof(when)));
		return 1;
	}
	return 0;
}
