#include "status_apply.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "numparse.h"

#define TIME_MAX	INT64_C(253402300799)	/* 9999-12-31T23:59:59Z */
#define NO_TIME		INT64_MIN		/* SQL NULL */

/* The last-seen time of a session: its newest update, else its start. */
#define LAST_SEEN	"COALESCE(last_update, connect_time)"
/* Sessions a snapshot may update: open, or closed by an inference. */
#define UPDATABLE	"(disconnect_time IS NULL OR end_reason = 'inferred')"

static const char sql_last_status[] =
    "SELECT last_status_time FROM instance WHERE id = ?";
static const char sql_candidates[] =
    "SELECT id, connect_time, cn, src_ip, src_port, last_update "
    "FROM session WHERE instance_id = ? AND connect_time >= ? AND "
    "connect_time <= ? AND " UPDATABLE;
/*
 * Sessions are updated UPDATE_CHUNK at a time, by id: one statement
 * (the same text every time, so prepared once) instead of one per
 * client saves the server backends most of their per-statement cost.
 * A short last chunk repeats its last session.  5 * 12 + 3 = 63
 * parameters: the PostgreSQL and MySQL backends take at most 64.
 */
#define UPDATE_CHUNK	12
#define UPDATE_HEAD	"UPDATE session SET bytes_in = CASE id"
#define UPDATE_BOUT	" ELSE bytes_in END, bytes_out = CASE id"
#define UPDATE_REST	" ELSE bytes_out END, duration = ? - connect_time, " \
	"last_update = ?, disconnect_time = NULL, end_reason = NULL " \
	"WHERE id IN ("
#define UPDATE_TAIL	") AND " UPDATABLE " AND " \
	"(last_update IS NULL OR last_update < ?)"
#define UPDATE_SQLMAX	(sizeof(UPDATE_HEAD UPDATE_BOUT UPDATE_REST \
	UPDATE_TAIL) + UPDATE_CHUNK * 32)
#define UPDATE_NPARAMS	(UPDATE_CHUNK * 5 + 3)
/* Selecting FROM the instance row gives one row without FROM DUAL. */
static const char sql_create[] =
    "INSERT INTO session (instance_id, connect_time, src_ip, src_port, cn, "
    "vpn_ip4, vpn_ip6, duration, bytes_in, bytes_out, username, "
    "last_update, origin) "
    "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'status' "
    "FROM instance WHERE instance.id = ? AND NOT EXISTS "
    "(SELECT 1 FROM session WHERE instance_id = ? AND connect_time = ? "
    "AND src_ip = ? AND src_port = ? AND cn = ?)";
/*
 * Every listed session now has last_update >= TIME: the open ones that
 * connected before TIME and have not are absent from the snapshot.
 */
static const char sql_absent[] =
    "UPDATE session SET disconnect_time = " LAST_SEEN ", "
    "duration = " LAST_SEEN " - connect_time, end_reason = 'inferred' "
    "WHERE instance_id = ? AND disconnect_time IS NULL AND "
    "connect_time < ? AND (last_update IS NULL OR last_update < ?)";
static const char sql_set_last[] =
    "UPDATE instance SET last_status_time = ? WHERE id = ? AND "
    "(last_status_time IS NULL OR last_status_time < ?)";

/* --- status_prepare: the event to a checked snapshot ------------------- */

/*
 * An address in inet_ntop's form (an IPv4-mapped IPv6 address as IPv4,
 * as OpenVPN's environment gives it); family AF_UNSPEC takes either.
 */
static int
norm_addr(const char *s, int family, char *buf, size_t len)
{
	unsigned char bin[sizeof(struct in6_addr)];
	struct in6_addr a6;

	if ((family == AF_UNSPEC || family == AF_INET) &&
	    inet_pton(AF_INET, s, bin) == 1)
		return inet_ntop(AF_INET, bin, buf, (socklen_t)len) ? 0 : -1;
	if (family == AF_INET || inet_pton(AF_INET6, s, &a6) != 1)
		return -1;
	if (family == AF_UNSPEC && IN6_IS_ADDR_V4MAPPED(&a6))
		return inet_ntop(AF_INET, &a6.s6_addr[12], buf,
		    (socklen_t)len) ? 0 : -1;
	return inet_ntop(AF_INET6, &a6, buf, (socklen_t)len) ? 0 : -1;
}

/* Checks client c as apply_prepare() checks an event; -1 with reason. */
static int
check_client(const struct status_client *c, int64_t stime,
    struct status_line *l, char *why, size_t whylen)
{
	size_t len, cut;
	long n;

	memset(l, 0, sizeof(*l));
	l->c = c;
	len = strlen(c->cn);
	if ((n = apply_text_chars(c->cn, len, LEN_CN, &cut)) < 0) {
		snprintf(why, whylen, "common name is not valid UTF-8 text");
		return -1;
	}
	if ((size_t)n > LEN_CN) {
		snprintf(why, whylen, "common name is too long (%ld "
		    "characters, the column holds %d)", n, LEN_CN);
		return -1;
	}
	l->cn_len = len;
	if (norm_addr(c->real_ip, AF_UNSPEC, l->src_ip,
	    sizeof(l->src_ip)) == -1) {
		snprintf(why, whylen, "real address is not an IP address");
		return -1;
	}
	if (c->vpn_ip4 != NULL && *c->vpn_ip4 != '\0' &&
	    norm_addr(c->vpn_ip4, AF_INET, l->vpn_ip4,
	    sizeof(l->vpn_ip4)) == -1) {
		snprintf(why, whylen, "virtual address is not an IPv4 address");
		return -1;
	}
	if (c->vpn_ip6 != NULL && *c->vpn_ip6 != '\0' &&
	    norm_addr(c->vpn_ip6, AF_INET6, l->vpn_ip6,
	    sizeof(l->vpn_ip6)) == -1) {
		snprintf(why, whylen, "virtual IPv6 address is not an IPv6 "
		    "address");
		return -1;
	}
	if (c->username != NULL) {
		len = strlen(c->username);
		if (apply_text_chars(c->username, len, LEN_USERNAME,
		    &cut) < 0) {
			snprintf(why, whylen, "username is not valid UTF-8 "
			    "text");
			return -1;
		}
		l->user_len = cut;
	}
	if (c->bytes_received > INT64_MAX || c->bytes_sent > INT64_MAX) {
		snprintf(why, whylen, "byte count out of range");
		return -1;
	}
	if (c->connected_since < 0 || c->connected_since > TIME_MAX) {
		snprintf(why, whylen, "connect time out of range");
		return -1;
	}
	if (c->connected_since > stime) {
		snprintf(why, whylen, "connected at %lld, after the snapshot's "
		    "TIME %lld", (long long)c->connected_since,
		    (long long)stime);
		return -1;
	}
	return 0;
}

static const struct config_instance *
find_section(const struct config *cfg, const struct ev_row *r)
{
	for (size_t i = 0; cfg != NULL && i < cfg->ninstances; i++) {
		const struct config_instance *ci = &cfg->instances[i];
		if ((int64_t)ci->port == r->inst_port &&
		    strlen(ci->name) == r->inst_name.len &&
		    memcmp(ci->name, r->inst_name.s, r->inst_name.len) == 0 &&
		    strlen(ci->protocol) == r->inst_proto.len &&
		    memcmp(ci->protocol, r->inst_proto.s,
		    r->inst_proto.len) == 0)
			return ci;
	}
	return NULL;
}

static void
prep_free(struct status_prep *sp)
{
	if (sp == NULL)
		return;
	status_free(&sp->snap);
	free(sp->lines);
	free(sp);
}

int
status_prepare(const struct event *ev, const struct spoolname *sn,
    const struct config *cfg, struct ev_row *r, char *err, size_t errlen)
{
	const struct config_instance *ci;
	struct status_prep *sp;
	const char *text, *v;
	size_t textlen, vlen;
	char perr[256];
	int64_t t;

	if (event_type_of(ev) != EV_STATUS) {
		snprintf(err, errlen, "not a status event");
		return -1;
	}
	if (apply_prepare(ev, sn, r, err, errlen) == -1)
		return -1;
	if ((text = event_get(ev, "status_text", &textlen)) == NULL) {
		snprintf(err, errlen, "no status_text");
		return -1;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (status_parse(text, textlen, 0, &sp->snap, perr,
	    sizeof(perr)) == -1) {
		snprintf(err, errlen, "status_text is not a complete status "
		    "snapshot: %s", perr);
		goto fail;
	}
	sp->time = sp->snap.time;
	sp->text = text;
	sp->textlen = textlen;
	if ((v = event_get(ev, "status_time", &vlen)) != NULL &&
	    (parse_i64(v, vlen, 0, TIME_MAX, &t, perr, sizeof(perr)) == -1 ||
	    t != sp->time)) {
		snprintf(err, errlen, "status_time is not the TIME line's "
		    "time %lld", (long long)sp->time);
		goto fail;
	}
	if (sp->time < 0 || sp->time > TIME_MAX) {
		snprintf(err, errlen, "TIME %lld is out of range",
		    (long long)sp->time);
		goto fail;
	}
	if ((ci = find_section(cfg, r)) != NULL) {
		sp->configured = 1;
		sp->create_missing = ci->status_create_missing;
		sp->all_or_nothing = ci->status_all_or_nothing;
	}
	if (sp->snap.nclients > 0 && (sp->lines = calloc(sp->snap.nclients,
	    sizeof(*sp->lines))) == NULL) {
		snprintf(err, errlen, "out of memory (%zu clients)",
		    sp->snap.nclients);
		goto fail;
	}
	sp->min_since = INT64_MAX;
	sp->max_since = INT64_MIN;
	for (size_t i = 0; i < sp->snap.nclients; i++) {
		struct status_line *l = &sp->lines[sp->nlines];
		const struct status_client *c = &sp->snap.clients[i];
		char why[STATUS_REASON_MAX];

		if (check_client(c, sp->time, l, why, sizeof(why)) == -1) {
			if (sp->nbadkept < STATUS_MAX_REJECTS) {
				sp->bad[sp->nbadkept].lineno = c->lineno;
				snprintf(sp->bad[sp->nbadkept].reason,
				    sizeof(sp->bad[0].reason), "%s", why);
				sp->nbadkept++;
			}
			sp->nbad++;
			continue;
		}
		if (c->connected_since < sp->min_since)
			sp->min_since = c->connected_since;
		if (c->connected_since > sp->max_since)
			sp->max_since = c->connected_since;
		sp->nlines++;
	}
	if (sp->all_or_nothing && sp->snap.nrejected + sp->nbad > 0) {
		size_t pl = sp->snap.nrejects > 0 ? sp->snap.rejects[0].lineno :
		    SIZE_MAX, bl = sp->nbadkept > 0 ? sp->bad[0].lineno :
		    SIZE_MAX;
		snprintf(err, errlen, "status_all_or_nothing: %zu client "
		    "line%s refused, the first: line %zu: %s",
		    sp->snap.nrejected + sp->nbad,
		    sp->snap.nrejected + sp->nbad == 1 ? "" : "s",
		    pl < bl ? pl : bl, pl < bl ? sp->snap.rejects[0].reason :
		    sp->bad[0].reason);
		goto fail;
	}
	r->status = sp;
	return 0;
fail:
	prep_free(sp);
	return -1;
}

void
status_release(struct ev_row *r)
{
	if (r->type != EV_STATUS)
		return;
	prep_free(r->status);
	r->status = NULL;
}

size_t
status_weight(const struct ev_row *r)
{
	const struct status_prep *sp = r->type == EV_STATUS ? r->status : NULL;

	if (sp == NULL)
		return 0;
	return sp->textlen * 2 + sp->snap.nclients *
	    (sizeof(struct status_client) + sizeof(struct status_line));
}

/* --- status_apply: the snapshot to statements ------------------------- */

/* A session that a client line may be: one row of sql_candidates. */
struct cand {
	int64_t	 id;
	int64_t	 connect_time;
	int64_t	 src_port;
	int64_t	 last_update;	/* NO_TIME for NULL */
	size_t	 cn_off, cn_len;	/* in the arena */
	size_t	 ip_off;		/* NUL-terminated, inet_ntop form */
};

struct cands {
	struct cand	*v;
	size_t		 n, cap;
	char		*arena;
	size_t		 alen, acap;
	size_t		*slot;		/* hash: index + 1, 0 empty */
	size_t		 nslots;	/* a power of two */
	int		 bad;		/* a row that could not be read */
	int		 nomem;
};

static int
val_i64(const struct db_val *v, int64_t nullv, int64_t *out)
{
	char e[64];

	if (v->kind == DBV_NULL) {
		*out = nullv;
		return 0;
	}
	if (v->kind == DBV_INT) {
		*out = v->i;
		return 0;
	}
	return parse_i64(v->s, v->len, INT64_MIN + 1, INT64_MAX, out, e,
	    sizeof(e));
}

static int
arena_put(struct cands *cs, const char *s, size_t len, size_t *off)
{
	if (cs->alen + len + 1 > cs->acap) {
		size_t ncap = cs->acap ? cs->acap : 4096;
		char *na;

		while (cs->alen + len + 1 > ncap)
			ncap *= 2;
		if ((na = realloc(cs->arena, ncap)) == NULL)
			return -1;
		cs->arena = na;
		cs->acap = ncap;
	}
	memcpy(cs->arena + cs->alen, s, len);
	cs->arena[cs->alen + len] = '\0';
	*off = cs->alen;
	cs->alen += len + 1;
	return 0;
}

static int
add_cand(void *ctx, int ncols, const struct db_val *cols)
{
	struct cands *cs = ctx;
	struct cand c;
	char ip[64];

	if (ncols < 6 || cols[2].kind != DBV_TEXT ||
	    cols[3].kind != DBV_TEXT || val_i64(&cols[0], 0, &c.id) == -1 ||
	    val_i64(&cols[1], 0, &c.connect_time) == -1 ||
	    val_i64(&cols[4], 0, &c.src_port) == -1 ||
	    val_i64(&cols[5], NO_TIME, &c.last_update) == -1) {
		cs->bad = 1;
		return -1;
	}
	if (cs->n == cs->cap) {
		size_t ncap = cs->cap ? cs->cap * 2 : 256;
		struct cand *nv = reallocarray(cs->v, ncap, sizeof(*nv));
		if (nv == NULL) {
			cs->nomem = 1;
			return -1;
		}
		cs->v = nv;
		cs->cap = ncap;
	}
	/* PostgreSQL's inet may come with its mask; compare bare forms. */
	addr_from_db(cols[3].s, ip, sizeof(ip));
	c.cn_len = cols[2].len;
	if (arena_put(cs, cols[2].s, cols[2].len, &c.cn_off) == -1 ||
	    arena_put(cs, ip, strlen(ip), &c.ip_off) == -1) {
		cs->nomem = 1;
		return -1;
	}
	cs->v[cs->n++] = c;
	return 0;
}

static uint64_t
key_hash(int64_t t, const char *cn, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)t;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)cn[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	return h * 0xbf58476d1ce4e5b9ULL;
}

static int
index_cands(struct cands *cs)
{
	size_t mask;

	cs->nslots = 16;
	while (cs->nslots < cs->n * 2)
		cs->nslots *= 2;
	if ((cs->slot = calloc(cs->nslots, sizeof(*cs->slot))) == NULL)
		return -1;
	mask = cs->nslots - 1;
	for (size_t i = 0; i < cs->n; i++) {
		const struct cand *c = &cs->v[i];
		size_t s = (size_t)key_hash(c->connect_time, cs->arena +
		    c->cn_off, c->cn_len) & mask;
		while (cs->slot[s] != 0)
			s = (s + 1) & mask;
		cs->slot[s] = i + 1;
	}
	return 0;
}

static void
cands_free(struct cands *cs)
{
	free(cs->v);
	free(cs->arena);
	free(cs->slot);
}

enum match { M_NONE, M_ONE, M_AMBIGUOUS };

/*
 * The session of line l: same connect time and common name, and the
 * same real address (any port when the line has none); else the only
 * session with that connect time and common name (a floated client).
 */
static enum match
find(const struct cands *cs, const struct status_line *l, struct cand **out)
{
	const struct status_client *c = l->c;
	size_t mask = cs->nslots - 1, s, nsame = 0, nexact = 0;
	struct cand *same = NULL, *exact = NULL;

	if (cs->n == 0)
		return M_NONE;
	s = (size_t)key_hash(c->connected_since, c->cn, l->cn_len) & mask;
	for (; cs->slot[s] != 0; s = (s + 1) & mask) {
		struct cand *k = &cs->v[cs->slot[s] - 1];

		if (k->connect_time != c->connected_since ||
		    k->cn_len != l->cn_len ||
		    memcmp(cs->arena + k->cn_off, c->cn, l->cn_len) != 0)
			continue;
		nsame++;
		same = k;
		if (strcmp(cs->arena + k->ip_off, l->src_ip) == 0 &&
		    (c->real_port == 0 || k->src_port == (int64_t)c->real_port)) {
			nexact++;
			exact = k;
		}
	}
	if (nexact == 1 || (nexact == 0 && nsame == 1)) {
		*out = nexact == 1 ? exact : same;
		return M_ONE;
	}
	return nsame == 0 ? M_NONE : M_AMBIGUOUS;
}

static int
got_last(void *ctx, int ncols, const struct db_val *cols)
{
	int64_t *t = ctx;

	if (ncols < 1 || val_i64(&cols[0], NO_TIME, t) == -1)
		*t = INT64_MAX;		/* unreadable: never older */
	return -1;
}

struct upd {
	int64_t	 id, bytes_in, bytes_out;
};

struct updates {
	struct upd	 v[UPDATE_CHUNK];
	size_t		 n;
	char		 sql[UPDATE_SQLMAX];
	struct db_val	 p[UPDATE_NPARAMS];
};

static void
build_update(char *sql, size_t len)
{
	size_t o = 0;

	o += (size_t)snprintf(sql + o, len - o, "%s", UPDATE_HEAD);
	for (int i = 0; i < UPDATE_CHUNK; i++)
		o += (size_t)snprintf(sql + o, len - o, " WHEN ? THEN ?");
	o += (size_t)snprintf(sql + o, len - o, "%s", UPDATE_BOUT);
	for (int i = 0; i < UPDATE_CHUNK; i++)
		o += (size_t)snprintf(sql + o, len - o, " WHEN ? THEN ?");
	o += (size_t)snprintf(sql + o, len - o, "%s", UPDATE_REST);
	for (int i = 0; i < UPDATE_CHUNK; i++)
		o += (size_t)snprintf(sql + o, len - o, "%s?", i ? ", " : "");
	snprintf(sql + o, len - o, "%s", UPDATE_TAIL);
}

/* Runs the queued updates (no answer needed: pipelined where it can). */
static int
flush_updates(struct apply_ctx *ax, struct updates *u, int64_t t, char *err,
    size_t errlen)
{
	struct db_val *p = u->p;
	int n = 0;

	if (u->n == 0)
		return DB_OK;
	for (size_t i = u->n; i < UPDATE_CHUNK; i++)
		u->v[i] = u->v[u->n - 1];
	for (size_t i = 0; i < UPDATE_CHUNK; i++) {
		p[n++] = db_int(u->v[i].id);
		p[n++] = db_int(u->v[i].bytes_in);
	}
	for (size_t i = 0; i < UPDATE_CHUNK; i++) {
		p[n++] = db_int(u->v[i].id);
		p[n++] = db_int(u->v[i].bytes_out);
	}
	p[n++] = db_int(t);
	p[n++] = db_int(t);
	for (size_t i = 0; i < UPDATE_CHUNK; i++)
		p[n++] = db_int(u->v[i].id);
	p[n++] = db_int(t);
	ax->st.status_updated += u->n;
	u->n = 0;
	return ax->ops->exec(ax->db, u->sql, p, n, NULL, err, errlen);
}

static struct db_val
text_or_null(const char *s, size_t len)
{
	return s != NULL && len > 0 ? db_textn(s, len) : db_null();
}

static int
create(struct apply_ctx *ax, const struct status_prep *sp,
    const struct status_line *l, int64_t inst, char *err, size_t errlen)
{
	const struct status_client *c = l->c;
	struct db_val p[18];
	int64_t changes = 0;
	int n = 0, rc;

	p[n++] = db_int(inst);
	p[n++] = db_int(c->connected_since);
	p[n++] = db_text(l->src_ip);
	p[n++] = db_int(c->real_port);
	p[n++] = db_textn(c->cn, l->cn_len);
	p[n++] = text_or_null(l->vpn_ip4, strlen(l->vpn_ip4));
	p[n++] = text_or_null(l->vpn_ip6, strlen(l->vpn_ip6));
	p[n++] = db_int(sp->time - c->connected_since);
	p[n++] = db_int((int64_t)c->bytes_received);
	p[n++] = db_int((int64_t)c->bytes_sent);
	p[n++] = text_or_null(c->username, l->user_len);
	p[n++] = db_int(sp->time);
	p[n++] = db_int(inst);
	p[n++] = db_int(inst);
	p[n++] = db_int(c->connected_since);
	p[n++] = db_text(l->src_ip);
	p[n++] = db_int(c->real_port);
	p[n++] = db_textn(c->cn, l->cn_len);
	if ((rc = ax->ops->exec(ax->db, sql_create, p, n, &changes, err,
	    errlen)) != DB_OK)
		return rc;
	if (changes > 0)
		ax->st.status_created++;
	else
		ax->st.status_unmatched++;	/* closed by a disconnect */
	return DB_OK;
}

int
status_apply(struct apply_ctx *ax, const struct ev_row *r, int64_t inst,
    char *err, size_t errlen)
{
	const struct backend_ops *ops = ax->ops;
	const struct status_prep *sp = r->status;
	struct updates *u = NULL;
	struct cands cs;
	struct db_val p[8];
	int64_t last = NO_TIME, changes = 0;
	size_t ambiguous = 0;
	int rc;

	if (r->type != EV_STATUS || sp == NULL) {
		snprintf(err, errlen, "not a prepared status snapshot");
		return DB_REJECT;
	}
	p[0] = db_int(inst);
	if ((rc = ops->query(ax->db, sql_last_status, p, 1, got_last, &last,
	    err, errlen)) != DB_OK)
		return rc;
	if (last != NO_TIME && last > sp->time) {
		ax->st.status_older++;
		return DB_OK;
	}

	memset(&cs, 0, sizeof(cs));
	if (sp->nlines > 0) {
		if ((u = malloc(sizeof(*u))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return DB_RETRY;
		}
		u->n = 0;
		build_update(u->sql, sizeof(u->sql));
		p[0] = db_int(inst);
		p[1] = db_int(sp->min_since);
		p[2] = db_int(sp->max_since);
		rc = ops->query(ax->db, sql_candidates, p, 3, add_cand, &cs, err,
		    errlen);
		if (rc == DB_OK && (cs.bad || cs.nomem)) {
			snprintf(err, errlen, cs.nomem ? "out of memory" :
			    "a session row could not be read");
			rc = DB_RETRY;
		}
		if (rc == DB_OK && index_cands(&cs) == -1) {
			snprintf(err, errlen, "out of memory");
			rc = DB_RETRY;
		}
		if (rc != DB_OK)
			goto out;
	}

	for (size_t i = 0; i < sp->nlines; i++) {
		const struct status_line *l = &sp->lines[i];
		const struct status_client *c = l->c;
		struct cand *k = NULL;

		switch (find(&cs, l, &k)) {
		case M_AMBIGUOUS:
			if (sp->all_or_nothing) {
				snprintf(err, errlen, "status_all_or_nothing: "
				    "line %zu (common name %.64s) matches "
				    "several sessions", c->lineno, c->cn);
				rc = DB_REJECT;
				goto out;
			}
			ambiguous++;
			ax->st.status_ambiguous++;
			continue;
		case M_NONE:
			if (!sp->create_missing) {
				ax->st.status_unmatched++;
				continue;
			}
			if ((rc = create(ax, sp, l, inst, err, errlen)) !=
			    DB_OK)
				goto out;
			continue;
		case M_ONE:
			break;
		}
		/* Not newer: a later snapshot or event came first. */
		if (k->last_update != NO_TIME && k->last_update >= sp->time)
			continue;
		k->last_update = sp->time;
		u->v[u->n].id = k->id;
		u->v[u->n].bytes_in = (int64_t)c->bytes_received;
		u->v[u->n].bytes_out = (int64_t)c->bytes_sent;
		if (++u->n == UPDATE_CHUNK && (rc = flush_updates(ax, u,
		    sp->time, err, errlen)) != DB_OK)
			goto out;
	}
	if (u != NULL && (rc = flush_updates(ax, u, sp->time, err,
	    errlen)) != DB_OK)
		goto out;

	ax->st.status_rejected += sp->snap.nrejected + sp->nbad;
	/* A refused or ambiguous line may be any absent session. */
	if (sp->snap.nrejected + sp->nbad == 0 && ambiguous == 0) {
		p[0] = db_int(inst);
		p[1] = db_int(sp->time);
		p[2] = db_int(sp->time);
		if ((rc = ops->exec(ax->db, sql_absent, p, 3, &changes, err,
		    errlen)) != DB_OK)
			goto out;
		ax->st.inferred_absent += (uint64_t)changes;
	}
	p[0] = db_int(sp->time);
	p[1] = db_int(inst);
	p[2] = db_int(sp->time);
	if ((rc = ops->exec(ax->db, sql_set_last, p, 3, NULL, err,
	    errlen)) != DB_OK)
		goto out;
	ax->st.status_applied++;
out:
	cands_free(&cs);
	free(u);
	return rc;
}

/* --- logging helpers for the flush loop -------------------------------- */

/* s[0..len) safe to log: controls, '\\' and invalid UTF-8 as \xNN. */
static void
escape(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, cut;

	for (size_t i = 0; i < len && o + 5 < outlen; ) {
		unsigned char ch = p[i];
		size_t need = ch < 0x80 ? 1 : ch >= 0xc2 && ch <= 0xdf ? 2 :
		    ch >= 0xe0 && ch <= 0xef ? 3 : ch >= 0xf0 && ch <= 0xf4 ?
		    4 : 0;

		if (need > 1 && len - i >= need && o + need < outlen &&
		    apply_text_chars(s + i, need, 1, &cut) == 1 &&
		    !(ch == 0xc2 && p[i + 1] < 0xa0)) {	/* C1 controls */
			memcpy(out + o, s + i, need);
			o += need;
			i += need;
			continue;
		}
		if (need == 1 && ch >= 0x20 && ch != 0x7f && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
		i++;
	}
	out[o < outlen ? o : outlen - 1] = '\0';
}

/* Line lineno (1-based) of the text, without its line end. */
static const char *
line_of(const struct status_prep *sp, size_t lineno, size_t *len)
{
	const char *p = sp->text, *end = sp->text + sp->textlen, *nl;

	for (size_t n = 1; p < end; n++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (n == lineno) {
			*len = (size_t)((nl != NULL ? nl : end) - p);
			if (*len > 0 && p[*len - 1] == '\r')
				(*len)--;
			return p;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	*len = 0;
	return "";
}

void
status_report(const struct logger *lg, const char *where,
    const struct ev_row *r)
{
	const struct status_prep *sp = r->type == EV_STATUS ? r->status : NULL;
	char shown[1024];
	size_t n, len, ib = 0, ip = 0;

	if (sp == NULL || (n = sp->snap.nrejected + sp->nbad) == 0)
		return;
	log_msg(lg, LOG_NOTICE, "%s: %zu client line%s refused%s", where, n,
	    n == 1 ? "" : "s", lg->verbose > 0 ? "" : " (-v shows them)");
	if (lg->verbose <= 0)
		return;
	/* Both lists are in line order: merge them. */
	while (ib < sp->nbadkept || ip < sp->snap.nrejects) {
		const struct status_reject *pr = ip < sp->snap.nrejects ?
		    &sp->snap.rejects[ip] : NULL;
		const struct status_bad *b = ib < sp->nbadkept ? &sp->bad[ib] :
		    NULL;
		const char *line;

		if (pr != NULL && (b == NULL || pr->lineno < b->lineno)) {
			escape(pr->line, strlen(pr->line), shown, sizeof(shown));
			log_msg(lg, LOG_DEBUG, "%s: line %zu refused: %s: %s",
			    where, pr->lineno, pr->reason, shown);
			ip++;
			continue;
		}
		line = line_of(sp, b->lineno, &len);
		escape(line, len, shown, sizeof(shown));
		log_msg(lg, LOG_DEBUG, "%s: line %zu refused: %s: %s", where,
		    b->lineno, b->reason, shown);
		ib++;
	}
	if (n > sp->nbadkept + sp->snap.nrejects)
		log_msg(lg, LOG_DEBUG, "%s: %zu more refused lines not shown",
		    where, n - sp->nbadkept - sp->snap.nrejects);
}

void
status_log_stats(const struct logger *lg, const struct apply_stats *st)
{
	if (st->inferred_absent + st->inferred_restart > 0)
		log_msg(lg, LOG_INFO, "closed %llu sessions as inferred: %llu "
		    "absent from a newer status snapshot, %llu of an older "
		    "server incarnation",
		    (unsigned long long)(st->inferred_absent +
		    st->inferred_restart),
		    (unsigned long long)st->inferred_absent,
		    (unsigned long long)st->inferred_restart);
	if (st->status_applied + st->status_older == 0)
		return;
	log_msg(lg, LOG_DEBUG, "status snapshots: %llu applied, %llu older "
	    "than one applied before (ignored); sessions: %llu updated, "
	    "%llu created; client lines: %llu without a session, %llu "
	    "matching several, %llu refused",
	    (unsigned long long)st->status_applied,
	    (unsigned long long)st->status_older,
	    (unsigned long long)st->status_updated,
	    (unsigned long long)st->status_created,
	    (unsigned long long)st->status_unmatched,
	    (unsigned long long)st->status_ambiguous,
	    (unsigned long long)st->status_rejected);
}
