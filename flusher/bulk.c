#include "bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incarnation.h"
#include "numparse.h"

/*
 * What an event of the batch needs.  H_LONE is a disconnect until the
 * lookup sorts it into H_CLOSE, H_FLOAT, H_COMPLETE or H_IGNORE.
 */
enum how {
	H_SKIP = 0,	/* in the ledger already */
	H_SEQ,		/* apply_pair()/apply_event() at its place */
	H_VIA,		/* a disconnect written with its connect */
	H_PAIR,		/* connect + disconnect: one complete row */
	H_OPEN,		/* connect: one open row */
	H_LONE,
	H_CLOSE,	/* disconnect: close the session with its key */
	H_FLOAT,	/* disconnect: close the session it floated from */
	H_COMPLETE,	/* disconnect without a session: a complete row */
	H_IGNORE,	/* disconnect of a session a disconnect closed */
};

enum kind { K_SESSION, K_LEDGER, K_LOOKUP };

/* A session the lookup found. */
struct bulk_found {
	int64_t		 id, inst, ct, port;
	char		*ip, *cn;	/* one allocation, ip first */
	size_t		 cnlen;
	int		 closable;
};

#define LOOKUP_COLS \
	"SELECT id, instance_id, connect_time, src_ip, src_port, cn, " \
	"CASE WHEN disconnect_time IS NULL OR end_reason = 'inferred' " \
	"THEN 1 ELSE 0 END FROM session "
#define LOOKUP_SQL	LOOKUP_COLS "WHERE connect_time IN ("
static const char sql_lookup_range[] =
    LOOKUP_COLS "WHERE connect_time >= ? AND connect_time <= ?";

/*
 * Connect times this close are looked up as one range: a backlog's
 * sessions are dense in time, and an IN list of thousands costs the
 * server more to plan than the range costs to scan.
 */
#define LOOKUP_GAP	60

static const struct {
	const char	*head, *row, *tail;
	int		 per;		/* values per row */
} kinds[] = {
	[K_SESSION] = { "INSERT INTO session (" APPLY_SESSION_COLS ") VALUES ",
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?)", "", APPLY_SESSION_NCOLS },
	[K_LEDGER] = { "INSERT INTO applied_event (event_id, applied_at) "
	    "VALUES ", "(?, ?)", "", 2 },
	[K_LOOKUP] = { LOOKUP_SQL, "?", ")", 1 },
};

static int
oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return DB_RETRY;
}

/* The text of kind with 2^k rows, built on first use. */
static const char *
sql_text(struct bulk *b, enum kind kind, int k)
{
	size_t rows = (size_t)1 << k, hl, rl, len, o;
	char *s;

	if (b->sql[kind][k] != NULL)
		return b->sql[kind][k];
	hl = strlen(kinds[kind].head);
	rl = strlen(kinds[kind].row);
	len = hl + rows * (rl + 2) + strlen(kinds[kind].tail) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	memcpy(s, kinds[kind].head, hl);
	o = hl;
	for (size_t i = 0; i < rows; i++) {
		if (i > 0) {
			memcpy(s + o, ", ", 2);
			o += 2;
		}
		memcpy(s + o, kinds[kind].row, rl);
		o += rl;
	}
	strcpy(s + o, kinds[kind].tail);
	b->sql[kind][k] = s;
	return s;
}

static int
reserve(struct bulk *b, size_t need)
{
	struct db_val *nv;

	if (need <= b->capvals)
		return 0;
	if ((nv = reallocarray(b->vals, need, sizeof(*nv))) == NULL)
		return -1;
	b->vals = nv;
	b->capvals = need;
	return 0;
}

/*
 * Writes the rows gathered in b->vals (kind's values each), in
 * statements of at most max rows, each a power of two.
 */
static int
emit(struct bulk *b, struct apply_ctx *ax, enum kind kind, size_t max,
    char *err, size_t errlen)
{
	size_t per = (size_t)kinds[kind].per, rows = b->nvals / per, off = 0;
	const char *sql;
	int k, rc;

	while (off < rows) {
		for (k = 0; ((size_t)2 << k) <= rows - off &&
		    ((size_t)2 << k) <= max; k++)
			;
		if ((sql = sql_text(b, kind, k)) == NULL)
			return oom(err, errlen);
		if ((rc = ax->ops->exec(ax->db, sql, b->vals + off * per,
		    (int)(((size_t)1 << k) * per), NULL, err, errlen)) != DB_OK)
			return rc;
		off += (size_t)1 << k;
	}
	b->nvals = 0;
	return DB_OK;
}

/* Writes the session rows gathered so far. */
static int
rows_flush(struct bulk *b, struct apply_ctx *ax, size_t *bad, char *err,
    size_t errlen)
{
	int rc;

	if (b->nvals == 0)
		return DB_OK;
	if ((rc = emit(b, ax, K_SESSION, BULK_ROWS_MAX, err, errlen)) !=
	    DB_OK)
		*bad = b->first;
	return rc;
}

/* Session row of event i (instance inst) into the next INSERT. */
static int
add_row(struct bulk *b, struct apply_ctx *ax, size_t i, int64_t inst,
    const struct ev_row *c, const struct ev_row *d, const char *origin,
    size_t *bad, char *err, size_t errlen)
{
	int rc;

	if (b->nvals + APPLY_SESSION_NCOLS > BULK_ROWS_MAX *
	    APPLY_SESSION_NCOLS && (rc = rows_flush(b, ax, bad, err,
	    errlen)) != DB_OK)
		return rc;
	if (b->nvals == 0)
		b->first = i;
	b->nvals += (size_t)apply_session_values(b->vals + b->nvals, c, d,
	    inst, origin);
	return DB_OK;
}

/* --- planning ----------------------------------------------------------- */

/* Session events with the same instance, connect time and cn. */
static int
loose_key_cmp(const struct ev_row *x, const struct ev_row *y)
{
	int c;

	if (x->connect_time != y->connect_time)
		return x->connect_time < y->connect_time ? -1 : 1;
	if (x->inst_port != y->inst_port)
		return x->inst_port < y->inst_port ? -1 : 1;
	if (x->cn.len != y->cn.len)
		return x->cn.len < y->cn.len ? -1 : 1;
	if ((c = memcmp(x->cn.s, y->cn.s, x->cn.len)) != 0 ||
	    (c = strcmp(x->inst_name.s, y->inst_name.s)) != 0 ||
	    (c = strcmp(x->inst_proto.s, y->inst_proto.s)) != 0)
		return c;
	return 0;
}

/* By that key, then in batch order. */
static int
loose_cmp(const void *a, const void *b, void *ctx)
{
	const struct bulk_ev *ev = ctx;
	long i = *(const long *)a, j = *(const long *)b;
	int c = loose_key_cmp(ev[i].row, ev[j].row);

	return c != 0 ? c : i < j ? -1 : i > j;
}

static int
same_addr(const struct ev_row *c, const struct ev_row *d)
{
	return c->src_port == d->src_port && c->src_ip.len == d->src_ip.len &&
	    memcmp(c->src_ip.s, d->src_ip.s, c->src_ip.len) == 0;
}

/*
 * Pairs: a connect whose disconnect (same key) follows with no other
 * event of that instance, connect time and common name between them and
 * no status snapshot; apply_pair() writes such a session once, closed.
 * Candidates for the set-oriented path: a group of events sharing that
 * loose key that is one pair, one connect or one disconnect, with no
 * snapshot before it in the batch.  Without memory, everything is H_SEQ
 * (pairs only save work).
 */
static void
plan(struct bulk_ev *ev, size_t n)
{
	size_t m = 0, nstatus = 0;
	long *idx;
	size_t *before;	/* status snapshots before each event */

	for (size_t i = 0; i < n; i++) {
		ev[i].pair = -1;
		ev[i].how = ev[i].skip ? H_SKIP : H_SEQ;
	}
	idx = calloc(n, sizeof(*idx));
	before = calloc(n, sizeof(*before));
	if (idx == NULL || before == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		before[i] = nstatus;
		if (ev[i].row->type == EV_STATUS)
			nstatus++;
		else if (!ev[i].skip)
			idx[m++] = (long)i;
	}
	qsort_r(idx, m, sizeof(*idx), loose_cmp, ev);
	for (size_t k = 0; k + 1 < m; k++) {
		struct bulk_ev *c = &ev[idx[k]], *d = &ev[idx[k + 1]];

		if (loose_key_cmp(c->row, d->row) == 0 &&
		    c->row->type == EV_CONNECT &&
		    d->row->type == EV_DISCONNECT &&
		    same_addr(c->row, d->row) &&
		    before[idx[k]] == before[idx[k + 1]])
			c->pair = idx[k + 1];
	}
	for (size_t k = 0, e; k < m; k = e) {
		struct bulk_ev *g = &ev[idx[k]];
		int clean = before[idx[k]] == 0;

		for (e = k + 1; e < m && loose_key_cmp(g->row,
		    ev[idx[e]].row) == 0; e++)
			clean = clean && before[idx[e]] == 0;
		if (!clean)
			continue;
		if (e - k == 1 && g->row->type == EV_CONNECT)
			g->how = H_OPEN;
		else if (e - k == 1 && g->row->type == EV_DISCONNECT)
			g->how = H_LONE;
		else if (e - k == 2 && g->pair == idx[k + 1]) {
			g->how = H_PAIR;
			ev[g->pair].how = H_VIA;
		}
	}
out:
	free(idx);
	free(before);
}

static void
found_clear(struct bulk *b)
{
	for (size_t i = 0; i < b->nfound; i++)
		free(b->found[i].ip);
	b->nfound = 0;
}

static int
col_int(const struct db_val *v, int64_t *out)
{
	char e[64];

	if (v->kind == DBV_INT) {
		*out = v->i;
		return 0;
	}
	if (v->kind == DBV_TEXT)
		return parse_i64(v->s, v->len, INT64_MIN, INT64_MAX, out, e,
		    sizeof(e));
	return -1;
}

struct lookup {
	struct bulk	*b;
	int		 bad;	/* a row that could not be read */
};

static int
found_row(void *ctx, int ncols, const struct db_val *cols)
{
	struct lookup *lk = ctx;
	struct bulk *b = lk->b;
	struct bulk_found *f;
	int64_t closable;

	if (b->nfound == b->capfound) {
		size_t ncap = b->capfound ? b->capfound * 2 : 256;
		struct bulk_found *nf = reallocarray(b->found, ncap,
		    sizeof(*nf));
		if (nf == NULL) {
			lk->bad = 1;
			return -1;
		}
		b->found = nf;
		b->capfound = ncap;
	}
	f = &b->found[b->nfound];
	if (ncols != 7 || col_int(&cols[0], &f->id) == -1 ||
	    col_int(&cols[1], &f->inst) == -1 ||
	    col_int(&cols[2], &f->ct) == -1 ||
	    col_int(&cols[4], &f->port) == -1 ||
	    col_int(&cols[6], &closable) == -1 ||
	    cols[3].kind != DBV_TEXT || cols[5].kind != DBV_TEXT ||
	    (f->ip = malloc(cols[3].len + cols[5].len + 2)) == NULL) {
		lk->bad = 1;
		return -1;
	}
	memcpy(f->ip, cols[3].s, cols[3].len);
	f->ip[cols[3].len] = '\0';
	f->cn = f->ip + cols[3].len + 1;
	memcpy(f->cn, cols[5].s, cols[5].len);
	f->cn[cols[5].len] = '\0';
	f->cnlen = cols[5].len;
	f->closable = closable != 0;
	b->nfound++;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
found_cmp(const void *a, const void *b)
{
	const struct bulk_found *x = a, *y = b;

	if (x->inst != y->inst)
		return x->inst < y->inst ? -1 : 1;
	return x->ct < y->ct ? -1 : x->ct > y->ct;
}

/* The sessions of every candidate's connect time, into b->found. */
static int
lookup(struct bulk *b, struct apply_ctx *ax, struct bulk_ev *ev,
    size_t n, char *err, size_t errlen)
{
	struct lookup lk = { b, 0 };
	int64_t *ct;
	size_t m = 0, u = 0;
	int rc = DB_OK;

	found_clear(b);
	if ((ct = calloc(n, sizeof(*ct))) == NULL)
		return oom(err, errlen);
	for (size_t i = 0; i < n; i++)
		if (ev[i].how == H_PAIR || ev[i].how == H_OPEN ||
		    ev[i].how == H_LONE)
			ct[m++] = ev[i].row->connect_time;
	qsort(ct, m, sizeof(*ct), cmp_i64);
	for (size_t i = 0; i < m; i++)
		if (u == 0 || ct[u - 1] != ct[i])
			ct[u++] = ct[i];
	/* Runs of near times as ranges; the lone times stay in ct[0..m). */
	m = 0;
	for (size_t i = 0, e; i < u && rc == DB_OK; i = e) {
		struct db_val p[2];

		for (e = i + 1; e < u && ct[e] - ct[e - 1] <= LOOKUP_GAP; e++)
			;
		if (e - i == 1) {
			ct[m++] = ct[i];
			continue;
		}
		p[0] = db_int(ct[i]);
		p[1] = db_int(ct[e - 1]);
		rc = ax->ops->query(ax->db, sql_lookup_range, p, 2, found_row,
		    &lk, err, errlen);
	}
	u = m;
	for (size_t off = 0; off < u && rc == DB_OK; ) {
		size_t k;
		const char *sql;

		for (k = 0; ((size_t)2 << k) <= u - off &&
		    ((size_t)2 << k) <= BULK_IN_MAX; k++)
			;
		if ((sql = sql_text(b, K_LOOKUP, (int)k)) == NULL ||
		    reserve(b, (size_t)1 << k) == -1) {
			rc = oom(err, errlen);
			break;
		}
		for (size_t i = 0; i < ((size_t)1 << k); i++)
			b->vals[i] = db_int(ct[off + i]);
		rc = ax->ops->query(ax->db, sql, b->vals, 1 << k, found_row,
		    &lk, err, errlen);
		off += (size_t)1 << k;
	}
	free(ct);
	/*
	 * A row it cannot read (a column of an unexpected type, no memory):
	 * the events go one by one, as they would without the lookup.
	 */
	if (rc == DB_OK && lk.bad)
		for (size_t i = 0; i < n; i++)
			if (ev[i].how == H_PAIR || ev[i].how == H_VIA ||
			    ev[i].how == H_OPEN || ev[i].how == H_LONE)
				ev[i].how = H_SEQ;
	if (rc == DB_OK && b->nfound > 1)
		qsort(b->found, b->nfound, sizeof(*b->found), found_cmp);
	return rc;
}

/* The first found session of instance inst and connect time ct. */
static const struct bulk_found *
found_first(const struct bulk *b, int64_t inst, int64_t ct)
{
	size_t lo = 0, hi = b->nfound;
	struct bulk_found key;

	key.inst = inst;
	key.ct = ct;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (found_cmp(&b->found[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nfound && found_cmp(&b->found[lo], &key) == 0 ?
	    &b->found[lo] : NULL;
}

/*
 * What apply.c would do with candidate e, from the sessions found: a
 * connect's key must be free; a disconnect closes its key's session if
 * open or inferred, else the only such session with its connect time and
 * common name (it floated), else adds a complete row unless its key
 * exists.  Rows are compared as stored (addresses in inet_ntop form,
 * text byte for byte): a mismatch can only make the multi-row INSERT
 * fail on the unique key, and the batch then runs event by event.
 */
static void
decide(const struct bulk *b, struct bulk_ev *ev, struct bulk_ev *e)
{
	const struct ev_row *r = e->row;
	const struct bulk_found *f = found_first(b, e->inst, r->connect_time);
	const struct bulk_found *exact = NULL, *open = NULL;
	size_t nopen = 0;

	for (; f != NULL && f < b->found + b->nfound && f->inst == e->inst &&
	    f->ct == r->connect_time; f++) {
		if (f->cnlen != r->cn.len || memcmp(f->cn, r->cn.s,
		    r->cn.len) != 0)
			continue;
		if (f->port == r->src_port && strlen(f->ip) == r->src_ip.len &&
		    memcmp(f->ip, r->src_ip.s, r->src_ip.len) == 0)
			exact = f;
		if (f->closable) {
			open = f;
			nopen++;
		}
	}
	switch (e->how) {
	case H_PAIR:
		if (exact != NULL) {
			e->how = H_SEQ;
			ev[e->pair].how = H_SEQ;
		}
		break;
	case H_OPEN:
		if (exact != NULL)
			e->how = H_SEQ;
		break;
	case H_LONE:
		if (exact != NULL && exact->closable) {
			e->how = H_CLOSE;
			e->id = exact->id;
		} else if (nopen == 1) {
			e->how = H_FLOAT;
			e->id = open->id;
		} else
			e->how = exact != NULL ? H_IGNORE : H_COMPLETE;
		break;
	default:
		break;
	}
}

/* --- applying ----------------------------------------------------------- */

/* An event at its place, as the batch did one by one. */
static int
seq_one(struct apply_ctx *ax, struct bulk_ev *ev, struct bulk_ev *e,
    char *err, size_t errlen)
{
	struct bulk_ev *d = e->pair >= 0 ? &ev[e->pair] : NULL;
	int rc, done = 0;

	if (d != NULL && d->how == H_SEQ) {
		if ((rc = apply_pair(ax, e->row, d->row, &done, err,
		    errlen)) != DB_OK)
			return rc;
		if (done) {
			d->how = H_VIA;
			return DB_OK;
		}
	}
	return apply_event(ax, e->row, err, errlen);
}

/* A connect's row waits in b: first, a newer server's closing. */
static int
connect_row(struct bulk *b, struct apply_ctx *ax, struct bulk_ev *ev,
    size_t i, size_t *bad, char *err, size_t errlen)
{
	struct bulk_ev *e = &ev[i];
	int rc;

	if (!incarnation_current(ax, e->row, e->inst) &&
	    ((rc = rows_flush(b, ax, bad, err, errlen)) != DB_OK ||
	    (rc = incarnation_check(ax, e->row, e->inst, err, errlen)) !=
	    DB_OK))
		return rc;
	if (e->how == H_PAIR) {
		ax->st.connects_paired++;
		return add_row(b, ax, i, e->inst, e->row, ev[e->pair].row,
		    "connect", bad, err, errlen);
	}
	return add_row(b, ax, i, e->inst, e->row, NULL, "connect", bad, err,
	    errlen);
}

static int
ledger(struct bulk *b, struct apply_ctx *ax, const struct bulk_ev *ev,
    size_t n, int64_t now, char *err, size_t errlen)
{
	int rc;

	b->nvals = 0;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].how == H_SKIP)
			continue;
		b->vals[b->nvals++] = db_text(ev[i].name);
		b->vals[b->nvals++] = db_int(now);
		if (b->nvals == 2 * BULK_LEDGER_MAX &&
		    (rc = emit(b, ax, K_LEDGER, BULK_LEDGER_MAX, err,
		    errlen)) != DB_OK)
			return rc;
	}
	return emit(b, ax, K_LEDGER, BULK_LEDGER_MAX, err, errlen);
}

int
bulk_apply(struct bulk *b, struct apply_ctx *ax, struct bulk_ev *ev,
    size_t n, int64_t now, size_t *bad, char *err, size_t errlen)
{
	size_t need = BULK_ROWS_MAX * APPLY_SESSION_NCOLS;
	int rc = DB_OK;

	*bad = n;
	b->nvals = 0;
	if (need < 2 * BULK_LEDGER_MAX)
		need = 2 * BULK_LEDGER_MAX;
	if (need < BULK_IN_MAX)
		need = BULK_IN_MAX;
	if (reserve(b, need) == -1)
		return oom(err, errlen);
	plan(ev, n);

	/* Instances in batch order, as the events would create them. */
	for (size_t i = 0; i < n; i++) {
		ev[i].inst = -1;
		if (ev[i].how != H_SKIP && ev[i].row->type != EV_UPDATE &&
		    (rc = apply_instance(ax, ev[i].row, 1, &ev[i].inst, err,
		    errlen)) != DB_OK) {
			*bad = i;
			return rc;
		}
	}
	if ((rc = lookup(b, ax, ev, n, err, errlen)) != DB_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		decide(b, ev, &ev[i]);
	found_clear(b);

	for (size_t i = 0; i < n && rc == DB_OK; i++) {
		struct bulk_ev *e = &ev[i];

		switch (e->how) {
		case H_SEQ:
			if ((rc = rows_flush(b, ax, bad, err, errlen)) !=
			    DB_OK)
				break;
			if ((rc = seq_one(ax, ev, e, err, errlen)) != DB_OK)
				*bad = i;
			break;
		case H_PAIR:
		case H_OPEN:
			rc = connect_row(b, ax, ev, i, bad, err, errlen);
			break;
		case H_CLOSE:
		case H_FLOAT:
			if ((rc = apply_close_id(ax, e->row, e->id, err,
			    errlen)) != DB_OK)
				*bad = i;
			else if (e->how == H_FLOAT)
				ax->st.disconnects_floated++;
			break;
		case H_COMPLETE:
			ax->st.disconnects_unmatched++;
			rc = add_row(b, ax, i, e->inst, e->row, e->row,
			    "disconnect", bad, err, errlen);
			break;
		case H_IGNORE:
			ax->st.disconnects_ignored++;
			break;
		default:	/* H_SKIP, H_VIA */
			break;
		}
	}
	if (rc == DB_OK)
		rc = rows_flush(b, ax, bad, err, errlen);
	if (rc == DB_OK)
		rc = ledger(b, ax, ev, n, now, err, errlen);
	return rc;
}

void
bulk_free(struct bulk *b)
{
	found_clear(b);
	free(b->found);
	free(b->vals);
	for (size_t k = 0; k < sizeof(b->sql) / sizeof(b->sql[0]); k++)
		for (size_t j = 0; j < sizeof(b->sql[0]) /
		    sizeof(b->sql[0][0]); j++)
			free(b->sql[k][j]);
	memset(b, 0, sizeof(*b));
}
