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
 * in its own family's column.  One SELECT per address column, joined by
 * UNION (which also drops a session found twice, e.g. by src_ip and by
 * disconnect_src_ip): each branch is an equality on an indexed
 * (address, connect_time) pair, so no planner is tempted to serve the
 * time condition from session_disconnect instead, as it may with one
 * WHERE of ORs.
 */
static const char who_time[] =
    " AND s.connect_time <= ?"
    " AND (s.disconnect_time IS NULL OR s.disconnect_time >= ?)";
static const char *const who_match4[] = {
	" WHERE s.vpn_ip4 = ?", " WHERE s.src_ip IN (?, ?)",
	" WHERE s.disconnect_src_ip IN (?, ?)"
};
static const char *const who_match6[] = {
	" WHERE s.vpn_ip6 = ?", " WHERE s.src_ip = ?",
	" WHERE s.disconnect_src_ip = ?"
};
/* connect_time and id are the 9th and 16th columns of the select list. */
static const char who_order[] = " ORDER BY 9 DESC, 16 DESC";

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
	int64_t nrows = 0;
	struct db_val p[11];
	char sql[2048];
	char err[512], when[TF_BUFLEN];
	const char *at = NULL;
	int64_t t;
	int c, np, ret;
	size_t len;

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
	len = 0;
	for (int i = 0; i < 3; i++) {
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s%s%s",
		    i > 0 ? " UNION " : "", query_session_select,
		    a.family == 4 ? who_match4[i] : who_match6[i], who_time);
		p[np++] = db_text(a.text);
		if (a.family == 4 && i > 0)
			p[np++] = db_text(a.mapped);
		p[np++] = db_int(t);
		p[np++] = db_int(t);
	}
	if (len + sizeof(who_order) > sizeof(sql)) {
		query_close(&q);
		log_msg(&cli->log, LOG_ERR, "who: query too long");
		return EX_SOFTWARE;
	}
	memcpy(sql + len, who_order, sizeof(who_order));

	if ((ret = query_print_sessions(cli, &q, "who", &qo, sql, p, np, 0,
	    &nrows)) != 0)
		return ret;
	if (nrows == 0) {
		log_msg(&cli->log, LOG_NOTICE, "no session had %s at %s",
		    a.text, tf_format(t, qo.utc, when, sizeof(when)));
		return 1;
	}
	return 0;
}
