#include "query.h"
#include "addr.h"
#include "dbopen.h"
#include "numparse.h"
#include "timefmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

void
query_opts_init(struct qopts *q)
{
	q->fmt = OUT_TABLE;
	q->utc = 0;
	q->now = (int64_t)time(NULL);
}

int
query_common_opt(struct qopts *q, int c, const char *arg, char *err,
    size_t errlen)
{
	switch (c) {
	case QOPT_FORMAT:
		return out_parse_format(arg, &q->fmt, err, errlen) == -1 ?
		    -1 : 1;
	case QOPT_UTC:
		q->utc = 1;
		return 1;
	default:
		return 0;
	}
}

void
query_getopt_reset(void)
{
	/* GNU: 0 reinitialises completely; errors are reported by us. */
	optind = 0;
	opterr = 1;
}

int
query_open(struct cli *cli, struct qdb *q)
{
	struct config *cfg;
	char err[512], msg[1024];
	int exists = 0, ret;

	q->ops = NULL;
	q->db = NULL;
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	/* A query must not leave an empty database behind a typo'd path. */
	if (cfg->backend != NULL && strcmp(cfg->backend, "sqlite") == 0 &&
	    cfg->db_path != NULL && access(cfg->db_path, F_OK) == -1) {
		log_msg(&cli->log, LOG_ERR, "unable to open %s: no such "
		    "database (run `ovpnlog init-db` first)", cfg->db_path);
		return EX_CONFIG;
	}
	if ((ret = db_open(cfg, &q->ops, &q->db, err, sizeof(err))) != DB_OK) {
		q->db = NULL;
		if (ret == -1) {
			log_msg(&cli->log, LOG_ERR, "%s", err);
			return EX_CONFIG;
		}
		db_connect_message(cfg, err, msg, sizeof(msg));
		log_msg(&cli->log, LOG_ERR, "%s", msg);
		return EX_TEMPFAIL;
	}
	if ((ret = q->ops->has(q->db, "session", NULL, &exists, err,
	    sizeof(err))) != DB_OK) {
		query_close(q);
		return query_fail(cli, ret, "look for the session table", err);
	}
	if (!exists) {
		query_close(q);
		log_msg(&cli->log, LOG_ERR, "unable to query the database: "
		    "it has no session table (run `ovpnlog init-db`)");
		return EX_CONFIG;
	}
	return 0;
}

void
query_close(struct qdb *q)
{
	if (q->db != NULL)
		q->ops->close(q->db);
	q->db = NULL;
}

int
query_fail(struct cli *cli, int dbret, const char *what, const char *err)
{
	log_msg(&cli->log, LOG_ERR, "unable to %s: %s", what, err);
	return dbret == DB_REJECT ? EX_DATAERR : EX_TEMPFAIL;
}

int
query_int(const struct db_val *v, int64_t *out)
{
	char nerr[64];

	switch (v->kind) {
	case DBV_INT:
		*out = v->i;
		return 0;
	case DBV_TEXT:
		/* SUM() is numeric/decimal on PostgreSQL and MariaDB. */
		return parse_i64(v->s, v->len, INT64_MIN, INT64_MAX, out,
		    nerr, sizeof(nerr));
	default:
		return -1;
	}
}

/*
 * The columns of query_session_select, in order.  Addresses are selected
 * bare: PostgreSQL prints an inet host address without its /32 (only a
 * cast to text adds it; addr_from_db() strips it anyway).
 */
enum {
	SC_CN, SC_USER, SC_SRC_IP, SC_SRC_PORT, SC_END_IP, SC_END_PORT,
	SC_VPN4, SC_VPN6, SC_CONNECT, SC_DISCONNECT, SC_DURATION,
	SC_BYTES_IN, SC_BYTES_OUT, SC_END_REASON, SC_INSTANCE, SC_ID, SC_NCOLS
};

/*
 * No join: the instance table is tiny and read once (query_instances);
 * a join would tempt a planner to drive the query from it instead of
 * from the selective session index.
 */
const char query_session_select[] =
    "SELECT s.cn, s.username, s.src_ip, s.src_port, s.disconnect_src_ip,"
    " s.disconnect_src_port, s.vpn_ip4, s.vpn_ip6, s.connect_time,"
    " s.disconnect_time, s.duration, s.bytes_in, s.bytes_out,"
    " s.end_reason, s.instance_id, s.id FROM session s";

enum {
	OC_CN, OC_USER, OC_REAL, OC_VPN4, OC_VPN6, OC_CONNECT, OC_DISCONNECT,
	OC_DURATION, OC_IN, OC_OUT, OC_END, OC_INSTANCE, OC_NCOLS
};

const struct out_col query_session_cols[] = {
	{ "cn",			"CN",		OUT_TEXT },
	{ "username",		"USER",		OUT_TEXT },
	{ "real_address",	"REAL ADDRESS",	OUT_TEXT },
	{ "vpn_ip4",		"VPN IPV4",	OUT_TEXT },
	{ "vpn_ip6",		"VPN IPV6",	OUT_TEXT },
	{ "connect_time",	"CONNECTED",	OUT_TIME },
	{ "disconnect_time",	"DISCONNECTED",	OUT_TIME },
	{ "duration",		"DURATION",	OUT_SECS },
	{ "bytes_in",		"IN",		OUT_BYTES },
	{ "bytes_out",		"OUT",		OUT_BYTES },
	{ "end",		"END",		OUT_TEXT },
	{ "instance",		"INSTANCE",	OUT_TEXT },
};
const int query_session_ncols = OC_NCOLS;

static const char *
text(const struct db_val *v)
{
	return v->kind == DBV_TEXT ? v->s : NULL;
}

/* An integer cell, NULL when the column is NULL or not a number. */
static struct out_cell
icell(const struct db_val *v)
{
	int64_t i;

	return query_int(v, &i) == 0 ? out_i(i) : out_null();
}

/* "ip:port", and "ip:port -> ip:port" when the client floated. */
static void
real_address(const struct db_val *cols, char *buf, size_t len)
{
	char a[ADDR_TEXTLEN], b[ADDR_TEXTLEN], start[ADDR_TEXTLEN + 10];
	char end[ADDR_TEXTLEN + 10];
	int64_t port = -1, eport = -1;

	if (text(&cols[SC_SRC_IP]) == NULL) {
		*buf = '\0';
		return;
	}
	(void)query_int(&cols[SC_SRC_PORT], &port);
	addr_with_port(addr_from_db(cols[SC_SRC_IP].s, a, sizeof(a)),
	    (long)port, start, sizeof(start));
	if (text(&cols[SC_END_IP]) != NULL) {
		(void)query_int(&cols[SC_END_PORT], &eport);
		addr_with_port(addr_from_db(cols[SC_END_IP].s, b, sizeof(b)),
		    (long)eport, end, sizeof(end));
		if (strcmp(start, end) != 0) {
			snprintf(buf, len, "%s -> %s", start, end);
			return;
		}
	}
	snprintf(buf, len, "%s", start);
}

int
query_session_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct session_list *sl = ctx;
	struct out_cell c[OC_NCOLS];
	char real[2 * ADDR_TEXTLEN + 32], v4[ADDR_TEXTLEN], v6[ADDR_TEXTLEN];
	const char *reason;
	int64_t connect, disconnect, iid;

	if (ncols != SC_NCOLS) {
		snprintf(sl->err, sizeof(sl->err), "session query returned "
		    "%d columns, expected %d", ncols, SC_NCOLS);
		sl->failed = 1;
		return -1;
	}
	if (sl->limit > 0 && sl->nrows >= sl->limit) {
		sl->nrows++;	/* the caller asked for one more: say so */
		return -1;
	}
	sl->nrows++;

	real_address(cols, real, sizeof(real));
	c[OC_CN] = out_s(text(&cols[SC_CN]));
	c[OC_USER] = out_s(text(&cols[SC_USER]));
	c[OC_REAL] = out_s(*real != '\0' ? real : NULL);
	c[OC_VPN4] = out_s(text(&cols[SC_VPN4]) == NULL ? NULL :
	    addr_from_db(cols[SC_VPN4].s, v4, sizeof(v4)));
	c[OC_VPN6] = out_s(text(&cols[SC_VPN6]) == NULL ? NULL :
	    addr_from_db(cols[SC_VPN6].s, v6, sizeof(v6)));
	c[OC_CONNECT] = icell(&cols[SC_CONNECT]);
	c[OC_DISCONNECT] = icell(&cols[SC_DISCONNECT]);
	c[OC_IN] = icell(&cols[SC_BYTES_IN]);
	c[OC_OUT] = icell(&cols[SC_BYTES_OUT]);

	/*
	 * The duration: OpenVPN's own for a closed session, else the span
	 * the row records; an open session's so far (until now).
	 */
	c[OC_DURATION] = out_null();
	if (query_int(&cols[SC_CONNECT], &connect) == 0) {
		if (query_int(&cols[SC_DISCONNECT], &disconnect) == 0)
			c[OC_DURATION] = icell(&cols[SC_DURATION]).isnull ?
			    out_i(disconnect - connect) :
			    icell(&cols[SC_DURATION]);
		else
			c[OC_DURATION] = out_i(sl->now >= connect ?
			    sl->now - connect : 0);
	}

	/* Rows written by openvpn-db-log have no end_reason. */
	reason = text(&cols[SC_END_REASON]);
	if (c[OC_DISCONNECT].isnull)
		reason = "open";
	else if (reason == NULL)
		reason = "disconnect";
	c[OC_END] = out_s(reason);

	c[OC_INSTANCE] = out_null();
	if (query_int(&cols[SC_INSTANCE], &iid) == 0)
		for (size_t i = 0; i < sl->ninst; i++)
			if (sl->inst[i].id == iid) {
				c[OC_INSTANCE] = out_s(sl->inst[i].label);
				break;
			}

	if (out_row(sl->out, c, sl->err, sizeof(sl->err)) == -1) {
		sl->failed = 1;
		return -1;
	}
	return 0;
}

static int
instance_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct session_list *sl = ctx;
	struct qinstance *n;
	int64_t port = 0;

	if (ncols != 4)
		return -1;
	if (sl->ninst == sl->instcap) {
		size_t cap = sl->instcap ? sl->instcap * 2 : 16;

		if ((n = reallocarray(sl->inst, cap, sizeof(*n))) == NULL) {
			snprintf(sl->err, sizeof(sl->err), "instances: %s",
			    strerror(errno));
			sl->failed = 1;
			return -1;
		}
		sl->inst = n;
		sl->instcap = cap;
	}
	n = &sl->inst[sl->ninst];
	if (query_int(&cols[0], &n->id) == -1)
		return 0;
	(void)query_int(&cols[3], &port);
	snprintf(n->label, sizeof(n->label), "%s/%s/%lld",
	    text(&cols[1]) ? cols[1].s : "", text(&cols[2]) ? cols[2].s : "",
	    (long long)port);
	sl->ninst++;
	return 0;
}

int
query_instances(struct qdb *q, struct session_list *sl, char *err,
    size_t errlen)
{
	int ret;

	ret = q->ops->query(q->db, "SELECT id, name, protocol, port FROM "
	    "instance", NULL, 0, instance_row, sl, err, errlen);
	if (ret == DB_OK && sl->failed) {
		snprintf(err, errlen, "%s", sl->err);
		ret = DB_RETRY;
	}
	return ret;
}

void
query_session_list_free(struct session_list *sl)
{
	free(sl->inst);
	sl->inst = NULL;
	sl->ninst = sl->instcap = 0;
}

int
query_print_sessions(struct cli *cli, struct qdb *q, const char *cmd,
    const struct qopts *qo, const char *sql, const struct db_val *p, int np,
    int64_t limit, int64_t *nrows)
{
	struct session_list sl;
	char err[512];
	int ret;

	memset(&sl, 0, sizeof(sl));
	sl.now = qo->now;
	sl.limit = limit;
	if ((ret = query_instances(q, &sl, err, sizeof(err))) != DB_OK) {
		query_close(q);
		query_session_list_free(&sl);
		return query_fail(cli, ret, "read the instances", err);
	}
	if ((sl.out = out_open(stdout, qo->fmt, query_session_cols,
	    query_session_ncols, qo->utc, 0, err, sizeof(err))) == NULL) {
		query_close(q);
		query_session_list_free(&sl);
		log_msg(&cli->log, LOG_ERR, "%s: %s", cmd, err);
		return EX_OSERR;
	}
	ret = q->ops->query(q->db, sql, p, np, query_session_row, &sl, err,
	    sizeof(err));
	query_close(q);
	query_session_list_free(&sl);
	*nrows = sl.nrows;
	if (ret != DB_OK) {
		out_abort(sl.out);
		return query_fail(cli, ret, "query the sessions", err);
	}
	if (sl.failed) {
		out_abort(sl.out);
		log_msg(&cli->log, LOG_ERR, "%s: %s", cmd, sl.err);
		return EX_SOFTWARE;
	}
	if (out_close(sl.out, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "%s: %s", cmd, err);
		return EX_IOERR;
	}
	return 0;
}
