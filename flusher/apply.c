#include "apply.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incarnation.h"
#include "numparse.h"
#include "status_apply.h"

#define TIME_MAX	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define ABSENT		INT64_C(-1)
/*
 * session.duration is a 32-bit integer on PostgreSQL and MySQL: a longer
 * session (68 years) is bad data, refused here on every backend alike
 * rather than stored on SQLite and refused by the servers.
 */
#define DURATION_MAX	INT64_C(2147483647)

/*
 * The unique key of a session, shared by every statement that finds one:
 * instance_id, connect_time, src_ip, src_port, cn.
 */
#define KEY_WHERE \
	"instance_id = ? AND connect_time = ? AND src_ip = ? AND " \
	"src_port = ? AND cn = ?"

/* The connect-only columns a later event fills when they are empty. */
#define FILL_SET \
	"vpn_ip4 = COALESCE(vpn_ip4, ?), vpn_ip6 = COALESCE(vpn_ip6, ?), " \
	"username = COALESCE(username, ?), " \
	"client_version = COALESCE(client_version, ?), " \
	"client_platform = COALESCE(client_platform, ?), " \
	"client_platform_version = COALESCE(client_platform_version, ?), " \
	"client_gui_version = COALESCE(client_gui_version, ?), " \
	"cert_serial = COALESCE(cert_serial, ?), " \
	"cert_sha256 = COALESCE(cert_sha256, ?), " \
	"daemon_pid = COALESCE(daemon_pid, ?), " \
	"daemon_start_time = COALESCE(daemon_start_time, ?)"
#define NFILL	11

/* A disconnect may close an open row or one a status snapshot closed. */
#define CLOSABLE	"(disconnect_time IS NULL OR end_reason = 'inferred')"

#define CLOSE_SET \
	"disconnect_time = ?, duration = ?, bytes_in = ?, bytes_out = ?, " \
	"last_update = ?, end_reason = 'disconnect', " \
	"disconnect_src_ip = ?, disconnect_src_port = ?, " FILL_SET

static const char sql_inst_find[] =
    "SELECT id FROM instance WHERE name = ? AND port = ? AND protocol = ? "
    "ORDER BY id LIMIT 1";
static const char sql_inst_add[] =
    "INSERT INTO instance (name, port, protocol) VALUES (?, ?, ?)";

/*
 * Selecting the new row's values FROM its instance row (which exists)
 * gives one row on every backend without FROM DUAL.
 */
static const char sql_connect_insert[] =
    "INSERT INTO session (instance_id, connect_time, src_ip, src_port, cn, "
    "vpn_ip4, vpn_ip6, username, client_version, client_platform, "
    "client_platform_version, client_gui_version, cert_serial, "
    "cert_sha256, daemon_pid, daemon_start_time, last_update, origin) "
    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'connect' "
    "FROM instance WHERE instance.id = ? AND NOT EXISTS "
    "(SELECT 1 FROM session WHERE " KEY_WHERE ")";
static const char sql_connect_merge[] =
    "UPDATE session SET " FILL_SET " WHERE " KEY_WHERE
    " AND (origin IS NULL OR origin <> 'connect')";

static const char sql_close_key[] =
    "UPDATE session SET " CLOSE_SET " WHERE " KEY_WHERE " AND " CLOSABLE;
static const char sql_float_find[] =
    "SELECT id FROM session WHERE instance_id = ? AND connect_time = ? "
    "AND cn = ? AND " CLOSABLE " ORDER BY id LIMIT 2";
static const char sql_close_id[] =
    "UPDATE session SET " CLOSE_SET " WHERE id = ? AND " CLOSABLE;
static const char sql_disconnect_insert[] =
    "INSERT INTO session (" APPLY_SESSION_COLS ") "
    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ? "
    "FROM instance WHERE instance.id = ? AND NOT EXISTS "
    "(SELECT 1 FROM session WHERE " KEY_WHERE ")";

static const char sql_update[] =
    "UPDATE session SET duration = ?, bytes_in = ?, bytes_out = ?, "
    "last_update = ? WHERE " KEY_WHERE " AND disconnect_time IS NULL "
    "AND (last_update IS NULL OR last_update < ?)";

/* --- apply_prepare: fields to a row ------------------------------------ */

/*
 * Characters in s, or -1 when s is not valid UTF-8 or holds a NUL byte.
 * *cut gets the byte length of the first max characters.
 */
static long
utf8_chars(const char *s, size_t len, size_t max, size_t *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	*cut = len;
	for (size_t i = 0; i < len; n++) {
		unsigned char c = p[i];
		size_t need = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 :
		    0;
		if (c == 0 || need == 0 || len - i < need)
			return -1;
		for (size_t k = 1; k < need; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return -1;
		if ((size_t)n == max)
			*cut = i;
		i += need;
	}
	return n;
}

enum textrule { MUST_FIT, CUT_TO_FIT };

/*
 * Field key as column text: absent or empty gives NULL (unless
 * keep_empty), too long gives an error (MUST_FIT) or is cut.
 */
static int
text_field(const struct event *ev, const char *key, size_t max,
    enum textrule rule, int keep_empty, struct ev_text *out, char *err,
    size_t errlen)
{
	size_t len, cut;
	const char *v = event_get(ev, key, &len);
	long n;

	out->s = NULL;
	out->len = 0;
	if (v == NULL || (len == 0 && !keep_empty))
		return 0;
	if ((n = utf8_chars(v, len, max, &cut)) < 0) {
		snprintf(err, errlen, "%s is not valid UTF-8 text", key);
		return -1;
	}
	if ((size_t)n > max) {
		if (rule == MUST_FIT) {
			snprintf(err, errlen, "%s is too long (%ld characters, "
			    "the column holds %zu)", key, n, max);
			return -1;
		}
		len = cut;
	}
	out->s = v;
	out->len = len;
	return 0;
}

/*
 * An address field in inet_ntop's form (what PostgreSQL's inet prints, and
 * what text comparisons in SQLite and MySQL need); family AF_UNSPEC takes
 * either.  Absent or empty gives NULL; anything else is an error.
 */
static int
addr_field(const struct event *ev, const char *key, int family, char *buf,
    size_t buflen, struct ev_text *out, char *err, size_t errlen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	size_t len;
	const char *v = event_get(ev, key, &len);
	int fam = family == AF_UNSPEC ? AF_INET : family;

	out->s = NULL;
	out->len = 0;
	if (v == NULL || len == 0)
		return 0;
	if (strlen(v) != len || (inet_pton(fam, v, bin) != 1 &&
	    (family != AF_UNSPEC || inet_pton(fam = AF_INET6, v, bin) != 1))) {
		snprintf(err, errlen, "%s is not an IP%s address", key,
		    family == AF_INET ? "v4" : family == AF_INET6 ? "v6" : "");
		return -1;
	}
	if (inet_ntop(fam, bin, buf, (socklen_t)buflen) == NULL) {
		snprintf(err, errlen, "%s: cannot format the address", key);
		return -1;
	}
	out->s = buf;
	out->len = strlen(buf);
	return 0;
}

static int
int_field(const struct event *ev, const char *key, int64_t min, int64_t max,
    int required, int64_t *out, char *err, size_t errlen)
{
	size_t len;
	const char *v = event_get(ev, key, &len);
	char e2[128];

	*out = ABSENT;
	if (v == NULL || len == 0) {
		if (!required)
			return 0;
		snprintf(err, errlen, "no %s", key);
		return -1;
	}
	if (parse_i64(v, len, min, max, out, e2, sizeof(e2)) == -1) {
		snprintf(err, errlen, "bad %s: %s", key, e2);
		return -1;
	}
	return 0;
}

int
apply_prepare(const struct event *ev, const struct spoolname *sn,
    struct ev_row *r, char *err, size_t errlen)
{
	int dis, upd;

	memset(r, 0, sizeof(*r));
	r->type = event_type_of(ev);
	dis = r->type == EV_DISCONNECT;
	upd = r->type == EV_UPDATE;
	if (r->type != EV_CONNECT && !dis && !upd && r->type != EV_STATUS) {
		snprintf(err, errlen, "a %s event is not a session event",
		    event_type_name(r->type));
		return -1;
	}
	/* The instance triple as the hook was told; absent parts default
	 * like openvpn-db-log's options: '', 0, ''. */
	if (text_field(ev, "instance_name", LEN_INST_NAME, MUST_FIT, 1,
	    &r->inst_name, err, errlen) == -1 ||
	    text_field(ev, "instance_proto", LEN_INST_PROTO, MUST_FIT, 1,
	    &r->inst_proto, err, errlen) == -1 ||
	    int_field(ev, "instance_port", 0, 65535, 0, &r->inst_port, err,
	    errlen) == -1)
		return -1;
	if (r->inst_name.s == NULL)
		r->inst_name.s = "";
	if (r->inst_proto.s == NULL)
		r->inst_proto.s = "";
	if (r->inst_port == ABSENT)
		r->inst_port = 0;
	if (r->type == EV_STATUS)
		return 0;	/* status_prepare() does the rest */

	if (int_field(ev, "time_unix", 0, TIME_MAX, 1, &r->connect_time, err,
	    errlen) == -1)
		return -1;
	if (text_field(ev, "common_name", LEN_CN, MUST_FIT, 1, &r->cn, err,
	    errlen) == -1)
		return -1;
	if (r->cn.s == NULL) {
		snprintf(err, errlen, "no common_name");
		return -1;
	}
	if (addr_field(ev, "trusted_ip", AF_UNSPEC, r->src_ip_buf,
	    sizeof(r->src_ip_buf), &r->src_ip, err, errlen) == -1)
		return -1;
	if (r->src_ip.s == NULL && addr_field(ev, "trusted_ip6", AF_UNSPEC,
	    r->src_ip_buf, sizeof(r->src_ip_buf), &r->src_ip, err,
	    errlen) == -1)
		return -1;
	if (r->src_ip.s == NULL) {
		snprintf(err, errlen, "no trusted_ip or trusted_ip6");
		return -1;
	}
	if (int_field(ev, "trusted_port", 0, 65535, 0, &r->src_port, err,
	    errlen) == -1)
		return -1;
	if (r->src_port == ABSENT)
		r->src_port = 0;

	if (addr_field(ev, "ifconfig_pool_remote_ip", AF_INET, r->vpn_ip4_buf,
	    sizeof(r->vpn_ip4_buf), &r->vpn_ip4, err, errlen) == -1 ||
	    addr_field(ev, "ifconfig_pool_remote_ip6", AF_INET6, r->vpn_ip6_buf,
	    sizeof(r->vpn_ip6_buf), &r->vpn_ip6, err, errlen) == -1 ||
	    text_field(ev, "username", LEN_USERNAME, CUT_TO_FIT, 0,
	    &r->username, err, errlen) == -1 ||
	    text_field(ev, "IV_VER", LEN_CLIENT, CUT_TO_FIT, 0,
	    &r->client_version, err, errlen) == -1 ||
	    text_field(ev, "IV_PLAT", LEN_CLIENT, CUT_TO_FIT, 0,
	    &r->client_platform, err, errlen) == -1 ||
	    text_field(ev, "IV_PLAT_VER", LEN_CLIENT, CUT_TO_FIT, 0,
	    &r->client_platform_version, err, errlen) == -1 ||
	    text_field(ev, "IV_GUI_VER", LEN_CLIENT, CUT_TO_FIT, 0,
	    &r->client_gui_version, err, errlen) == -1 ||
	    text_field(ev, "tls_serial_0", LEN_SERIAL, CUT_TO_FIT, 0,
	    &r->cert_serial, err, errlen) == -1 ||
	    text_field(ev, "tls_digest_sha256_0", LEN_SHA256, CUT_TO_FIT, 0,
	    &r->cert_sha256, err, errlen) == -1 ||
	    int_field(ev, "daemon_pid", 0, INT32_MAX, 0, &r->daemon_pid, err,
	    errlen) == -1 ||
	    int_field(ev, "daemon_start_time", 0, TIME_MAX, 0,
	    &r->daemon_start_time, err, errlen) == -1)
		return -1;

	r->duration = r->bytes_in = r->bytes_out = r->end_time = ABSENT;
	if (dis) {
		if (int_field(ev, "time_duration", 0, DURATION_MAX, 1,
		    &r->duration, err, errlen) == -1 ||
		    int_field(ev, "bytes_received", 0, INT64_MAX, 0,
		    &r->bytes_in, err, errlen) == -1 ||
		    int_field(ev, "bytes_sent", 0, INT64_MAX, 0, &r->bytes_out,
		    err, errlen) == -1)
			return -1;
		r->end_time = r->connect_time + r->duration;
		if (r->end_time > TIME_MAX) {
			snprintf(err, errlen, "time_unix + time_duration is "
			    "out of range");
			return -1;
		}
	} else if (upd) {
		if (int_field(ev, "bytes_received", 0, INT64_MAX, 1,
		    &r->bytes_in, err, errlen) == -1 ||
		    int_field(ev, "bytes_sent", 0, INT64_MAX, 1, &r->bytes_out,
		    err, errlen) == -1 ||
		    int_field(ev, "time_update", 0, TIME_MAX, 0, &r->end_time,
		    err, errlen) == -1)
			return -1;
		/* Without time_update, the update is as of its spooling. */
		if (r->end_time == ABSENT)
			r->end_time = sn->sec;
		if (r->end_time < r->connect_time) {
			snprintf(err, errlen, "update time %lld is before the "
			    "connect time %lld", (long long)r->end_time,
			    (long long)r->connect_time);
			return -1;
		}
		r->duration = r->end_time - r->connect_time;
		if (r->duration > DURATION_MAX) {
			snprintf(err, errlen, "update time %lld is more than "
			    "%lld s after the connect time %lld (the duration "
			    "column holds a 32-bit number)", (long long)
			    r->end_time, (long long)DURATION_MAX,
			    (long long)r->connect_time);
			return -1;
		}
	} else
		r->end_time = r->connect_time;
	return 0;
}

/* --- apply_event: a row to statements ---------------------------------- */

static struct db_val
T(struct ev_text t)
{
	return t.s != NULL ? db_textn(t.s, t.len) : db_null();
}

static struct db_val
N(int64_t v)
{
	return v == ABSENT ? db_null() : db_int(v);
}

/* Puts the five unique-key values at p. */
static int
put_key(struct db_val *p, int64_t inst, const struct ev_row *r)
{
	p[0] = db_int(inst);
	p[1] = db_int(r->connect_time);
	p[2] = T(r->src_ip);
	p[3] = db_int(r->src_port);
	p[4] = T(r->cn);
	return 5;
}

static int
put_fill(struct db_val *p, const struct ev_row *r)
{
	p[0] = T(r->vpn_ip4);
	p[1] = T(r->vpn_ip6);
	p[2] = T(r->username);
	p[3] = T(r->client_version);
	p[4] = T(r->client_platform);
	p[5] = T(r->client_platform_version);
	p[6] = T(r->client_gui_version);
	p[7] = T(r->cert_serial);
	p[8] = T(r->cert_sha256);
	p[9] = N(r->daemon_pid);
	p[10] = N(r->daemon_start_time);
	return NFILL;
}

static int
put_close(struct db_val *p, const struct ev_row *r)
{
	p[0] = db_int(r->end_time);
	p[1] = db_int(r->duration);
	p[2] = N(r->bytes_in);
	p[3] = N(r->bytes_out);
	p[4] = db_int(r->end_time);
	p[5] = T(r->src_ip);
	p[6] = db_int(r->src_port);
	return 7 + put_fill(p + 7, r);
}

struct ids {
	int	 n;
	int64_t	 id[2];
	int	 bad;
};

static int
collect_ids(void *ctx, int ncols, const struct db_val *cols)
{
	struct ids *ids = ctx;
	char e[64];

	if (ncols < 1 || ids->n == 2)
		return -1;
	if (cols[0].kind == DBV_INT)
		ids->id[ids->n++] = cols[0].i;
	else if (cols[0].kind == DBV_TEXT && parse_i64(cols[0].s, cols[0].len,
	    0, INT64_MAX, &ids->id[ids->n], e, sizeof(e)) == 0)
		ids->n++;
	else
		ids->bad = 1;
	return 0;
}

static int
same_text(const char *a, size_t alen, struct ev_text b)
{
	return alen == b.len && memcmp(a, b.s, alen) == 0;
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d != NULL) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int
remember(struct apply_ctx *ax, const struct ev_row *r, int64_t id)
{
	struct apply_inst *in;

	if (ax->ninst == ax->capinst) {
		size_t ncap = ax->capinst ? ax->capinst * 2 : 8;
		struct apply_inst *nv = reallocarray(ax->inst, ncap,
		    sizeof(*nv));
		if (nv == NULL)
			return -1;
		ax->inst = nv;
		ax->capinst = ncap;
	}
	in = &ax->inst[ax->ninst];
	in->name = dupn(r->inst_name.s, r->inst_name.len);
	in->proto = dupn(r->inst_proto.s, r->inst_proto.len);
	if (in->name == NULL || in->proto == NULL) {
		free(in->name);
		free(in->proto);
		return -1;
	}
	in->name_len = r->inst_name.len;
	in->proto_len = r->inst_proto.len;
	in->port = r->inst_port;
	in->id = id;
	in->daemon_start_time = INCARNATION_UNKNOWN;
	ax->ninst++;
	return 0;
}

/*
 * The instance id of the row's triple into *id; with create, the
 * instance is inserted when missing.  *id is -1 when missing otherwise.
 */
static int
instance_id(struct apply_ctx *ax, const struct ev_row *r, int create,
    int64_t *id, char *err, size_t errlen)
{
	struct db_val p[3] = { T(r->inst_name), db_int(r->inst_port),
	    T(r->inst_proto) };
	struct ids ids;
	int rc;

	*id = -1;
	for (size_t i = 0; i < ax->ninst; i++) {
		struct apply_inst *in = &ax->inst[i];
		if (in->port == r->inst_port &&
		    same_text(in->name, in->name_len, r->inst_name) &&
		    same_text(in->proto, in->proto_len, r->inst_proto)) {
			*id = in->id;
			return DB_OK;
		}
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		memset(&ids, 0, sizeof(ids));
		rc = ax->ops->query(ax->db, sql_inst_find, p, 3, collect_ids,
		    &ids, err, errlen);
		if (rc != DB_OK)
			return rc;
		if (ids.n > 0) {
			*id = ids.id[0];
			if (remember(ax, r, *id) == -1) {
				snprintf(err, errlen, "out of memory");
				return DB_RETRY;
			}
			return DB_OK;
		}
		if (ids.bad) {
			snprintf(err, errlen, "instance id is not a number");
			return DB_RETRY;
		}
		if (!create || attempt > 0)
			break;
		rc = ax->ops->exec(ax->db, sql_inst_add, p, 3, NULL, err,
		    errlen);
		/*
		 * A unique violation here means another flusher (another
		 * server's spool, same database) added it just now: the
		 * event is fine, try again later.
		 */
		if (rc == DB_REJECT)
			rc = DB_RETRY;
		if (rc != DB_OK)
			return rc;
	}
	if (create) {
		snprintf(err, errlen, "instance just inserted cannot be found");
		return DB_RETRY;
	}
	return DB_OK;
}

static int
apply_connect(struct apply_ctx *ax, const struct ev_row *r, int64_t inst,
    char *err, size_t errlen)
{
	const struct backend_ops *ops = ax->ops;
	struct db_val p[32];
	int n = 0, rc;

	if ((rc = incarnation_check(ax, r, inst, err, errlen)) != DB_OK)
		return rc;
	n += put_key(p, inst, r);
	n += put_fill(p + n, r);
	p[n++] = db_int(r->connect_time);		/* last_update */
	p[n++] = db_int(inst);				/* FROM instance */
	n += put_key(p + n, inst, r);			/* NOT EXISTS */
	if ((rc = ops->exec(ax->db, sql_connect_insert, p, n, NULL, err,
	    errlen)) != DB_OK)
		return rc;
	n = put_fill(p, r);
	n += put_key(p + n, inst, r);
	return ops->exec(ax->db, sql_connect_merge, p, n, NULL, err, errlen);
}

/* c's value, or d's where c has none (what COALESCE would keep). */
static struct db_val
T2(struct ev_text c, struct ev_text d)
{
	return T(c.s != NULL ? c : d);
}

static struct db_val
N2(int64_t c, int64_t d)
{
	return N(c != ABSENT ? c : d);
}

int
apply_session_values(struct db_val *p, const struct ev_row *c,
    const struct ev_row *d, int64_t inst, const char *origin)
{
	int n;

	n = put_key(p, inst, c);
	if (d == NULL) {
		/* A connect's open row: what apply_connect() inserts. */
		p[n++] = T(c->vpn_ip4);
		p[n++] = T(c->vpn_ip6);
		p[n++] = db_null();			/* disconnect_time */
		p[n++] = db_null();			/* duration */
		p[n++] = db_null();			/* bytes_in */
		p[n++] = db_null();			/* bytes_out */
		p[n++] = T(c->username);
		p[n++] = T(c->client_version);
		p[n++] = T(c->client_platform);
		p[n++] = T(c->client_platform_version);
		p[n++] = T(c->client_gui_version);
		p[n++] = T(c->cert_serial);
		p[n++] = T(c->cert_sha256);
		p[n++] = N(c->daemon_pid);
		p[n++] = N(c->daemon_start_time);
		p[n++] = db_int(c->connect_time);	/* last_update */
		p[n++] = db_null();		/* disconnect_src_ip */
		p[n++] = db_null();
		p[n++] = db_null();			/* end_reason */
		p[n++] = db_text(origin);
		return n;
	}
	p[n++] = T2(c->vpn_ip4, d->vpn_ip4);
	p[n++] = T2(c->vpn_ip6, d->vpn_ip6);
	p[n++] = db_int(d->end_time);
	p[n++] = db_int(d->duration);
	p[n++] = N(d->bytes_in);
	p[n++] = N(d->bytes_out);
	p[n++] = T2(c->username, d->username);
	p[n++] = T2(c->client_version, d->client_version);
	p[n++] = T2(c->client_platform, d->client_platform);
	p[n++] = T2(c->client_platform_version, d->client_platform_version);
	p[n++] = T2(c->client_gui_version, d->client_gui_version);
	p[n++] = T2(c->cert_serial, d->cert_serial);
	p[n++] = T2(c->cert_sha256, d->cert_sha256);
	p[n++] = N2(c->daemon_pid, d->daemon_pid);
	p[n++] = N2(c->daemon_start_time, d->daemon_start_time);
	p[n++] = db_int(d->end_time);			/* last_update */
	p[n++] = T(d->src_ip);			/* disconnect_src_ip */
	p[n++] = db_int(d->src_port);
	p[n++] = db_text("disconnect");			/* end_reason */
	p[n++] = db_text(origin);
	return n;
}

/*
 * A complete session row: connect c, disconnect d (the same event for a
 * disconnect without connect), unless its key exists.  *changes: 1 if
 * inserted.
 */
static int
insert_complete(struct apply_ctx *ax, const struct ev_row *c,
    const struct ev_row *d, int64_t inst, const char *origin,
    int64_t *changes, char *err, size_t errlen)
{
	struct db_val p[APPLY_SESSION_NCOLS + 6];
	int n;

	n = apply_session_values(p, c, d, inst, origin);
	p[n++] = db_int(inst);
	n += put_key(p + n, inst, c);
	return ax->ops->exec(ax->db, sql_disconnect_insert, p, n, changes,
	    err, errlen);
}

int
apply_close_id(struct apply_ctx *ax, const struct ev_row *r, int64_t id,
    char *err, size_t errlen)
{
	struct db_val p[24];
	int n;

	n = put_close(p, r);
	p[n++] = db_int(id);
	return ax->ops->exec(ax->db, sql_close_id, p, n, NULL, err, errlen);
}

static int
apply_disconnect(struct apply_ctx *ax, const struct ev_row *r, int64_t inst,
    char *err, size_t errlen)
{
	const struct backend_ops *ops = ax->ops;
	struct db_val p[40];
	struct ids ids;
	int64_t changes = 0;
	int n, rc;

	n = put_close(p, r);
	n += put_key(p + n, inst, r);
	if ((rc = ops->exec(ax->db, sql_close_key, p, n, &changes, err,
	    errlen)) != DB_OK || changes > 0)
		return rc;

	/* The client may have floated: connect time and cn still match. */
	memset(&ids, 0, sizeof(ids));
	p[0] = db_int(inst);
	p[1] = db_int(r->connect_time);
	p[2] = T(r->cn);
	if ((rc = ops->query(ax->db, sql_float_find, p, 3, collect_ids, &ids,
	    err, errlen)) != DB_OK)
		return rc;
	if (ids.n == 1) {
		n = put_close(p, r);
		p[n++] = db_int(ids.id[0]);
		if ((rc = ops->exec(ax->db, sql_close_id, p, n, &changes, err,
		    errlen)) != DB_OK)
			return rc;
		if (changes > 0) {
			ax->st.disconnects_floated++;
			return DB_OK;
		}
	}

	/* No session to close: the connect was lost or refused. */
	if ((rc = insert_complete(ax, r, r, inst, "disconnect", &changes, err,
	    errlen)) != DB_OK)
		return rc;
	if (changes > 0)
		ax->st.disconnects_unmatched++;
	else
		ax->st.disconnects_ignored++;
	return DB_OK;
}

static int
apply_update(struct apply_ctx *ax, const struct ev_row *r, int64_t inst,
    char *err, size_t errlen)
{
	struct db_val p[12];
	int64_t changes = 0;
	int n = 0, rc;

	p[n++] = db_int(r->duration);
	p[n++] = db_int(r->bytes_in);
	p[n++] = db_int(r->bytes_out);
	p[n++] = db_int(r->end_time);
	n += put_key(p + n, inst, r);
	p[n++] = db_int(r->end_time);
	rc = ax->ops->exec(ax->db, sql_update, p, n, &changes, err, errlen);
	if (rc == DB_OK && changes == 0)
		ax->st.updates_unmatched++;
	return rc;
}

int
apply_instance(struct apply_ctx *ax, const struct ev_row *r, int create,
    int64_t *id, char *err, size_t errlen)
{
	return instance_id(ax, r, create, id, err, errlen);
}

void
apply_init(struct apply_ctx *ax, const struct backend_ops *ops,
    struct db *db)
{
	memset(ax, 0, sizeof(*ax));
	ax->ops = ops;
	ax->db = db;
}

int
apply_event(struct apply_ctx *ax, const struct ev_row *r, char *err,
    size_t errlen)
{
	int64_t inst;
	int rc;

	rc = instance_id(ax, r, r->type != EV_UPDATE, &inst, err, errlen);
	if (rc != DB_OK)
		return rc;
	switch (r->type) {
	case EV_CONNECT:
		return apply_connect(ax, r, inst, err, errlen);
	case EV_DISCONNECT:
		return apply_disconnect(ax, r, inst, err, errlen);
	case EV_UPDATE:
		if (inst == -1) {
			ax->st.updates_unmatched++;
			return DB_OK;
		}
		return apply_update(ax, r, inst, err, errlen);
	case EV_STATUS:
		return status_apply(ax, r, inst, err, errlen);
	default:
		snprintf(err, errlen, "not a session event");
		return DB_REJECT;
	}
}

long
apply_text_chars(const char *s, size_t len, size_t max, size_t *cut)
{
	return utf8_chars(s, len, max, cut);
}

int
apply_pair(struct apply_ctx *ax, const struct ev_row *c,
    const struct ev_row *d, int *done, char *err, size_t errlen)
{
	int64_t inst, changes = 0;
	int rc;

	*done = 0;
	if ((rc = instance_id(ax, c, 1, &inst, err, errlen)) != DB_OK ||
	    (rc = incarnation_check(ax, c, inst, err, errlen)) != DB_OK ||
	    (rc = insert_complete(ax, c, d, inst, "connect", &changes, err,
	    errlen)) != DB_OK)
		return rc;
	if (changes > 0) {
		*done = 1;
		ax->st.connects_paired++;
	}
	return DB_OK;
}

void
apply_forget(struct apply_ctx *ax)
{
	for (size_t i = 0; i < ax->ninst; i++) {
		free(ax->inst[i].name);
		free(ax->inst[i].proto);
	}
	ax->ninst = 0;
}

void
apply_free(struct apply_ctx *ax)
{
	apply_forget(ax);
	free(ax->inst);
	ax->inst = NULL;
	ax->capinst = 0;
}

/* The text columns of a row, for apply_row_own(). */
static struct ev_text *
row_text(struct ev_row *r, int i)
{
	struct ev_text *const t[] = { &r->inst_name, &r->inst_proto,
	    &r->src_ip, &r->cn, &r->vpn_ip4, &r->vpn_ip6, &r->username,
	    &r->client_version, &r->client_platform,
	    &r->client_platform_version, &r->client_gui_version,
	    &r->cert_serial, &r->cert_sha256 };

	return i < (int)(sizeof(t) / sizeof(t[0])) ? t[i] : NULL;
}

int
apply_row_own(struct ev_row *r)
{
	const char *lo = (const char *)r, *hi = (const char *)(r + 1);
	struct ev_text *t;
	size_t total = 0, o = 0;
	char *own;
	int i;

	/* Addresses already live in the row's own buffers. */
	for (i = 0; (t = row_text(r, i)) != NULL; i++)
		if (t->s != NULL && !(t->s >= lo && t->s < hi))
			total += t->len + 1;
	if ((own = malloc(total + 1)) == NULL)
		return -1;
	for (i = 0; (t = row_text(r, i)) != NULL; i++) {
		if (t->s == NULL || (t->s >= lo && t->s < hi))
			continue;
		memcpy(own + o, t->s, t->len);
		own[o + t->len] = '\0';
		t->s = own + o;
		o += t->len + 1;
	}
	free(r->own);
	r->own = own;
	return 0;
}

void
apply_row_release(struct ev_row *r)
{
	free(r->own);
	r->own = NULL;
}

void
apply_row_move(struct ev_row *dst, struct ev_row *src)
{
	const char *lo = (const char *)src, *hi = (const char *)(src + 1);
	struct ev_text *t;

	*dst = *src;
	for (int i = 0; (t = row_text(dst, i)) != NULL; i++)
		if (t->s != NULL && t->s >= lo && t->s < hi)
			t->s = (const char *)dst + (t->s - lo);
	src->own = NULL;
}
