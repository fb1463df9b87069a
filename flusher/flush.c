#include "flush.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dbopen.h"
#include "quarantine.h"
#include "schema.h"
#include "spool_file.h"
#include "spool_scan.h"
#include "spoolname.h"
#include "stats.h"
#include "status_apply.h"
#include "status_snap.h"

#define ERRLEN		1024
/* Names of new/ held at once: bounds memory for any backlog. */
#define SCAN_WINDOW	32768
/* Status snapshots held by one batch: a batch ends past this. */
#define BATCH_STATUS_BYTES	(32 * 1024 * 1024)

static const char sql_ledger_range[] =
    "SELECT event_id FROM applied_event WHERE event_id >= ? "
    "AND event_id < ?";
static const char sql_ledger_add[] =
    "INSERT INTO applied_event (event_id, applied_at) VALUES (?, ?)";

enum item_state { IT_PENDING, IT_ALREADY, IT_REJECTED };

struct item {
	const char	*name;		/* in the scan list */
	long		 pair;		/* batch_plain: its disconnect, or -1 */
	int		 via_pair;	/* applied with its connect */
	struct ev_row	 row;		/* owns its texts (apply_row_own) */
	struct event	*status_ev;	/* a snapshot's event, which it uses */
	enum item_state	 state;
	char		*reason;	/* IT_REJECTED: the database's */
};

struct run {
	const struct config	*cfg;
	const struct logger	*lg;
	const struct spool_dirs	*d;
	struct flush_conn	*c;
	struct flush_result	*res;
	struct spool_buf	 buf;
	struct event		 ev;		/* the file being read */
	struct item		*items;
	size_t			 nitems;
	size_t			 status_bytes;	/* held by the batch's snapshots */
	int			 ioerr;		/* a local failure happened */
};

static void
put_aside(struct run *r, int fromdir, const char *fromdesc, const char *name,
    const char *reason)
{
	char err[ERRLEN], nm[300];

	spoolname_shown(name, nm, sizeof(nm));
	if (quarantine(r->d, fromdir, fromdesc, name, reason, err,
	    sizeof(err)) == -1) {
		log_msg(r->lg, LOG_ERR, "unable to quarantine %s/%s/%s (%s): "
		    "%s", r->d->path, fromdesc, nm, reason, err);
		r->ioerr = 1;
		r->res->kept++;
		return;
	}
	log_msg(r->lg, LOG_WARNING, "quarantined %s/%s/%s: %s", r->d->path,
	    fromdesc, nm, reason);
	r->res->quarantined++;
}

static const char *
dtype_kind(unsigned char t)
{
	switch (t) {
	case DT_LNK:
		return "a symbolic link (spool files are never followed)";
	case DT_FIFO:
		return "a FIFO, not a regular file";
	case DT_DIR:
		return "a directory, not a regular file";
	case DT_SOCK:
		return "a socket, not a regular file";
	case DT_CHR:
	case DT_BLK:
		return "a device, not a regular file";
	default:
		return NULL;	/* DT_REG, or unknown: look at the file */
	}
}

static void
fsync_dir(struct run *r, int fd, const char *sub)
{
	if (spool_fsync_dir(fd) == -1) {
		log_msg(r->lg, LOG_ERR, "unable to fsync %s/%s: %s",
		    r->d->path, sub, strerror(errno));
		r->ioerr = 1;
	}
}

/* Files a killed hook left in tmp/: finish or quarantine them. */
static void
recover_tmp(struct run *r)
{
	const struct spool_dirs *d = r->d;
	struct spool_list l;
	struct stat st;
	struct event ev;
	char err[ERRLEN], reason[ERRLEN + 128], nm[300];
	time_t now = time(NULL);
	int moved = 0;

	if (spool_scan(d->tmpd, "tmp/", SCAN_WINDOW, NULL, &l, err,
	    sizeof(err)) == -1) {
		log_msg(r->lg, LOG_ERR, "unable to list %s/tmp: %s", d->path,
		    err);
		r->ioerr = 1;
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct spool_entry *e = &l.v[i];
		struct spoolname sn;
		const char *kind;
		long long age;

		if (fstatat(d->tmpd, e->name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;	/* gone: the hook finished it */
		age = (long long)(now - st.st_mtime);
		if (age < r->cfg->tmp_grace)
			continue;	/* a hook may still be writing it */
		if (spoolname_parse(e->name, &sn, err, sizeof(err)) == -1) {
			snprintf(reason, sizeof(reason), "left in tmp/ (%llds "
			    "old) and not an event file name", age);
			put_aside(r, d->tmpd, "tmp", e->name, reason);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			/* lstat's type, as readdir would give it. */
			kind = dtype_kind(IFTODT(st.st_mode));
			put_aside(r, d->tmpd, "tmp", e->name, kind != NULL ?
			    kind : "not a regular file");
			continue;
		}
		switch (spool_file_read(d->tmpd, e->name, &sn, &r->buf, &ev,
		    err, sizeof(err))) {
		case SF_OK:
			event_free(&ev);
			if (spool_rename_noreplace(d->tmpd, e->name, d->newd,
			    e->name) == 0) {
				log_msg(r->lg, LOG_NOTICE, "recovered %s/tmp/%s: "
				    "a complete event left by an interrupted "
				    "hook", d->path, e->name);
				r->res->recovered++;
				moved = 1;
			} else if (errno == EEXIST)
				put_aside(r, d->tmpd, "tmp", e->name, "left in "
				    "tmp/, and new/ already has a file of that "
				    "name");
			else {
				log_msg(r->lg, LOG_ERR, "unable to move %s/tmp/"
				    "%s into new/: %s", d->path, e->name,
				    strerror(errno));
				r->ioerr = 1;
			}
			break;
		case SF_BAD:
			snprintf(reason, sizeof(reason), "incomplete event left "
			    "in tmp/ by an interrupted hook (%llds old): %s",
			    age, err);
			put_aside(r, d->tmpd, "tmp", e->name, reason);
			break;
		case SF_GONE:
			break;
		default:
			log_msg(r->lg, LOG_ERR, "unable to read %s/tmp/%s: %s",
			    d->path, spoolname_shown(e->name, nm, sizeof(nm)), err);
			r->ioerr = 1;
			break;
		}
	}
	spool_list_free(&l);
	if (moved)
		fsync_dir(r, d->newd, "new");
}

static void
free_items(struct run *r)
{
	for (size_t i = 0; i < r->nitems; i++) {
		status_release(&r->items[i].row);
		apply_row_release(&r->items[i].row);
		if (r->items[i].status_ev != NULL) {
			event_free(r->items[i].status_ev);
			free(r->items[i].status_ev);
			r->items[i].status_ev = NULL;
		}
		free(r->items[i].reason);
		r->items[i].reason = NULL;
	}
	r->nitems = 0;
	r->status_bytes = 0;
}

static int
by_item_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct item *)elem)->name);
}

static int
mark_applied(void *ctx, int ncols, const struct db_val *cols)
{
	struct run *r = ctx;
	struct item *it;
	char name[SPOOLNAME_MAX];

	if (ncols < 1 || cols[0].kind != DBV_TEXT ||
	    cols[0].len >= sizeof(name))
		return 0;
	memcpy(name, cols[0].s, cols[0].len);
	name[cols[0].len] = '\0';
	it = bsearch(name, r->items, r->nitems, sizeof(*r->items),
	    by_item_name);
	if (it != NULL)
		it->state = IT_ALREADY;
	return 0;
}

/*
 * Marks the batch's events that the ledger has.  Names sort by time, so
 * one range query covers the batch (usually it finds nothing): every id
 * whose seconds lie from the first event's to the last's.  The bounds
 * are bare ten-digit seconds, which sort the same under any collation
 * the database may use (a locale may order '.' and longer names
 * differently from strcmp); the callback keeps only the batch's names.
 */
static int
ledger_mark(struct run *r, char *err, size_t errlen)
{
	const struct backend_ops *ops = r->c->ops;
	char lo[16], hi[16];
	struct spoolname sn;
	struct db_val p[2];

	if (spoolname_parse(r->items[r->nitems - 1].name, &sn, err,
	    errlen) == -1)
		return DB_RETRY;
	snprintf(lo, sizeof(lo), "%.10s", r->items[0].name);
	snprintf(hi, sizeof(hi), "%010lld", (long long)sn.sec + 1);
	p[0] = db_text(lo);
	p[1] = db_text(hi);

	for (size_t i = 0; i < r->nitems; i++)
		r->items[i].state = IT_PENDING;
	return ops->query(r->c->db, sql_ledger_range, p, 2, mark_applied, r,
	    err, errlen);
}

static int
apply_one(struct run *r, struct item *it, int64_t now, char *err,
    size_t errlen)
{
	struct db_val p[2] = { db_text(it->name), db_int(now) };
	struct item *d = it->pair >= 0 ? &r->items[it->pair] : NULL;
	int rc, done = 0;

	if (d != NULL && d->state == IT_PENDING &&
	    (rc = apply_pair(&r->c->ax, &it->row, &d->row, &done, err,
	    errlen)) != DB_OK)
		return rc;
	if (done)
		d->via_pair = 1;
	else if (!it->via_pair && (rc = apply_event(&r->c->ax, &it->row, err,
	    errlen)) != DB_OK)
		return rc;
	return r->c->ops->exec(r->c->db, sql_ledger_add, p, 2, NULL, err,
	    errlen);
}

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
	const struct item *items = ctx;
	long i = *(const long *)a, j = *(const long *)b;
	int c = loose_key_cmp(&items[i].row, &items[j].row);

	return c != 0 ? c : i < j ? -1 : i > j;
}

/*
 * Finds the connects whose disconnect is in the same batch, with no other
 * event of that instance, connect time and common name between them and
 * no status snapshot: apply_pair() writes each such session once, closed
 * (a backlog drain is mostly short sessions).  Other events apply alone.
 */
static void
plan_pairs(struct run *r)
{
	size_t n = 0, nstatus = 0;
	long *idx;
	size_t *before;	/* status snapshots before each item */

	for (size_t i = 0; i < r->nitems; i++) {
		r->items[i].pair = -1;
		r->items[i].via_pair = 0;
	}
	idx = calloc(r->nitems, sizeof(*idx));
	before = calloc(r->nitems, sizeof(*before));
	if (idx == NULL || before == NULL)
		goto out;	/* pairs only save work: go without */
	for (size_t i = 0; i < r->nitems; i++) {
		const struct item *it = &r->items[i];
		before[i] = nstatus;
		if (it->row.type == EV_STATUS)
			nstatus++;
		else if (it->state == IT_PENDING)
			idx[n++] = (long)i;
	}
	qsort_r(idx, n, sizeof(*idx), loose_cmp, r->items);
	for (size_t k = 0; k + 1 < n; k++) {
		struct item *c = &r->items[idx[k]], *d = &r->items[idx[k + 1]];
		long a = idx[k], b = idx[k + 1];
		int same = loose_key_cmp(&c->row, &d->row) == 0;
		if (same && c->row.type == EV_CONNECT &&
		    d->row.type == EV_DISCONNECT &&
		    c->row.src_port == d->row.src_port &&
		    c->row.src_ip.len == d->row.src_ip.len &&
		    memcmp(c->row.src_ip.s, d->row.src_ip.s,
		    c->row.src_ip.len) == 0 && before[a] == before[b])
			c->pair = b;
	}
out:
	free(idx);
	free(before);
}

static void
abandon(struct run *r)
{
	char e2[ERRLEN];

	r->c->ops->rollback(r->c->db, e2, sizeof(e2));
	apply_forget(&r->c->ax);
}

/* The whole batch in one transaction; DB_REJECT: isolate and retry. */
static int
batch_plain(struct run *r, int64_t now, size_t *bad, char *err,
    size_t errlen)
{
	const struct backend_ops *ops = r->c->ops;
	int rc;

	*bad = r->nitems;
	if ((rc = ops->begin(r->c->db, err, errlen)) != DB_OK)
		return rc;
	if ((rc = ledger_mark(r, err, errlen)) != DB_OK)
		goto fail;
	plan_pairs(r);
	for (size_t i = 0; i < r->nitems; i++) {
		if (r->items[i].state != IT_PENDING)
			continue;
		if ((rc = apply_one(r, &r->items[i], now, err, errlen)) !=
		    DB_OK) {
			*bad = i;
			goto fail;
		}
	}
	if ((rc = ops->commit(r->c->db, err, errlen)) == DB_OK)
		return DB_OK;
fail:
	abandon(r);
	return rc;
}

/* One savepoint per event: a rejected event is undone and set aside. */
static int
batch_isolated(struct run *r, int64_t now, char *err, size_t errlen)
{
	const struct backend_ops *ops = r->c->ops;
	struct db *db = r->c->db;
	char why[ERRLEN];
	int rc;

	if ((rc = ops->begin(db, err, errlen)) != DB_OK)
		return rc;
	if ((rc = ledger_mark(r, err, errlen)) != DB_OK)
		goto fail;
	/* One event per savepoint: a pair would hide which one failed. */
	for (size_t i = 0; i < r->nitems; i++) {
		r->items[i].pair = -1;
		r->items[i].via_pair = 0;
	}
	for (size_t i = 0; i < r->nitems; i++) {
		struct item *it = &r->items[i];

		if (it->state != IT_PENDING)
			continue;
		if ((rc = ops->savepoint(db, err, errlen)) != DB_OK)
			goto fail;
		rc = apply_one(r, it, now, why, sizeof(why));
		if (rc == DB_OK)
			rc = ops->sync(db, why, sizeof(why));
		if (rc == DB_RETRY) {
			snprintf(err, errlen, "%s", why);
			goto fail;
		}
		if (rc == DB_REJECT) {
			if ((rc = ops->rollback_to(db, err, errlen)) != DB_OK)
				goto fail;
			apply_forget(&r->c->ax);
			it->state = IT_REJECTED;
			if ((it->reason = strdup(why)) == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = DB_RETRY;
				goto fail;
			}
		}
		if ((rc = ops->release(db, err, errlen)) != DB_OK)
			goto fail;
	}
	if ((rc = ops->commit(db, err, errlen)) == DB_OK)
		return DB_OK;
	/* Every event was checked alone: a failing commit is not theirs. */
	rc = DB_RETRY;
fail:
	abandon(r);
	return rc == DB_OK ? DB_RETRY : rc;
}

/* After COMMIT: remove what applied, set aside what the database refused. */
static void
finish_batch(struct run *r)
{
	char reason[ERRLEN + 64];
	int rejected = 0;

	for (size_t i = 0; i < r->nitems; i++) {
		struct item *it = &r->items[i];

		if (it->state == IT_REJECTED) {
			rejected = 1;
			continue;
		}
		if (it->state == IT_ALREADY)
			r->res->already++;
		else
			r->res->applied++;
		if (unlinkat(r->d->newd, it->name, 0) == -1 &&
		    errno != ENOENT) {
			/* Applied and in the ledger: a later run skips it. */
			log_msg(r->lg, LOG_ERR, "unable to remove applied file "
			    "%s/new/%s: %s", r->d->path, it->name,
			    strerror(errno));
			r->ioerr = 1;
		}
	}
	fsync_dir(r, r->d->newd, "new");
	if (!rejected)
		return;
	for (size_t i = 0; i < r->nitems; i++) {
		struct item *it = &r->items[i];

		if (it->state != IT_REJECTED)
			continue;
		snprintf(reason, sizeof(reason), "rejected by the database: %s",
		    it->reason);
		put_aside(r, r->d->newd, "new", it->name, reason);
	}
	fsync_dir(r, r->d->newd, "new");
	fsync_dir(r, r->d->failed, "failed");
}

static enum flush_status
connect_db(struct run *r)
{
	struct flush_conn *c = r->c;
	char err[ERRLEN], msg[ERRLEN + 300];
	int rc;

	if (c->db != NULL)
		return FLUSH_OK;
	rc = db_open(r->cfg, &c->ops, &c->db, err, sizeof(err));
	if (rc == -1) {
		log_msg(r->lg, LOG_ERR, "%s", err);
		return FLUSH_CONFIG;
	}
	if (rc != DB_OK) {
		db_connect_message(r->cfg, err, msg, sizeof(msg));
		log_msg(r->lg, LOG_ERR, "%s", msg);
		return FLUSH_RETRY;
	}
	rc = schema_check(c->ops, c->db, err, sizeof(err));
	if (rc != SCHEMA_OK) {
		char desc[300];
		db_describe(r->cfg, desc, sizeof(desc));
		log_msg(r->lg, LOG_ERR, "%s: %s", desc, err);
		flush_conn_close(c);
		return rc == SCHEMA_FAIL ? FLUSH_CONFIG : FLUSH_RETRY;
	}
	apply_init(&c->ax, c->ops, c->db);
	return FLUSH_OK;
}

/* Applies the collected batch; FLUSH_OK or FLUSH_RETRY (files kept). */
static enum flush_status
run_batch(struct run *r)
{
	char err[ERRLEN], desc[300];
	int64_t now = (int64_t)time(NULL);
	size_t bad;
	int rc;

	rc = batch_plain(r, now, &bad, err, sizeof(err));
	if (rc == DB_REJECT) {
		log_msg(r->lg, LOG_NOTICE, "the database refused %s/new/%s "
		    "(%s); applying its batch event by event", r->d->path,
		    bad < r->nitems ? r->items[bad].name : "?", err);
		rc = batch_isolated(r, now, err, sizeof(err));
	}
	if (rc != DB_OK) {
		/* Backend reasons start with "BACKEND at WHERE". */
		db_describe(r->cfg, desc, sizeof(desc));
		if (strncmp(err, r->cfg->backend, strlen(r->cfg->backend)) == 0)
			desc[0] = '\0';
		log_msg(r->lg, LOG_ERR, "unable to apply %zu events (%s .. %s): "
		    "%s%s%s; the files stay in %s/new", r->nitems,
		    r->items[0].name, r->items[r->nitems - 1].name, desc,
		    desc[0] ? ": " : "", err, r->d->path);
		flush_conn_close(r->c);
		return FLUSH_RETRY;
	}
	r->res->batches++;
	finish_batch(r);
	return FLUSH_OK;
}

/*
 * Reads entry e into the next batch slot, or sets it aside.  Returns 0,
 * or -1 after a local failure (stop: keep the rest).
 */
static int
take(struct run *r, const struct spool_entry *e)
{
	struct item *it = &r->items[r->nitems];
	char err[ERRLEN], reason[ERRLEN + 64], nm[300];
	struct spoolname sn;
	const char *kind;

	if (spoolname_parse(e->name, &sn, err, sizeof(err)) == -1) {
		put_aside(r, r->d->newd, "new", e->name, "not an event file name "
		    "(SECONDS.NANOSECONDS.PID.RANDOM.TYPE)");
		return 0;
	}
	if ((kind = dtype_kind(e->d_type)) != NULL) {
		put_aside(r, r->d->newd, "new", e->name, kind);
		return 0;
	}
	switch (spool_file_read(r->d->newd, e->name, &sn, &r->buf, &r->ev,
	    err, sizeof(err))) {
	case SF_OK:
		break;
	case SF_BAD:
		put_aside(r, r->d->newd, "new", e->name, err);
		return 0;
	case SF_GONE:
		return 0;
	default:
		log_msg(r->lg, LOG_ERR, "unable to read %s/new/%s: %s",
		    r->d->path, spoolname_shown(e->name, nm, sizeof(nm)), err);
		r->ioerr = 1;
		r->res->kept++;
		return -1;
	}
	/* A status snapshot is parsed here, once, outside the transaction. */
	if ((sn.type == EV_STATUS ? status_prepare(&r->ev, &sn, r->cfg,
	    &it->row, err, sizeof(err)) : apply_prepare(&r->ev, &sn,
	    &it->row, err, sizeof(err))) == -1) {
		event_free(&r->ev);
		snprintf(reason, sizeof(reason), "cannot apply: %s", err);
		put_aside(r, r->d->newd, "new", e->name, reason);
		return 0;
	}
	if (sn.type == EV_STATUS) {
		snprintf(reason, sizeof(reason), "%s/new/%s", r->d->path,
		    spoolname_shown(e->name, nm, sizeof(nm)));
		status_report(r->lg, reason, &it->row);
		r->status_bytes += status_weight(&it->row);
	}
	/*
	 * The batch keeps the row, not the file's parse (2 KiB and more):
	 * its texts are copied out, and a snapshot keeps its own parse.
	 */
	if (apply_row_own(&it->row) == -1) {
		event_free(&r->ev);
		status_release(&it->row);
		log_msg(r->lg, LOG_ERR, "unable to read %s/new/%s: out of "
		    "memory", r->d->path, e->name);
		r->ioerr = 1;
		r->res->kept++;
		return -1;
	}
	it->status_ev = NULL;
	if (sn.type == EV_STATUS &&
	    (it->status_ev = malloc(sizeof(*it->status_ev))) != NULL) {
		/* The snapshot points into its event: the item keeps it. */
		*it->status_ev = r->ev;
		memset(&r->ev, 0, sizeof(r->ev));
	}
	event_free(&r->ev);
	if (sn.type == EV_STATUS && it->status_ev == NULL) {
		status_release(&it->row);
		apply_row_release(&it->row);
		log_msg(r->lg, LOG_ERR, "unable to read %s/new/%s: out of "
		    "memory", r->d->path, e->name);
		r->ioerr = 1;
		r->res->kept++;
		return -1;
	}
	it->name = e->name;
	it->state = IT_PENDING;
	it->reason = NULL;
	it->pair = -1;
	it->via_pair = 0;
	r->nitems++;
	return 0;
}

enum flush_status
flush_run(const struct config *cfg, const struct logger *lg,
    const struct spool_dirs *d, struct flush_conn *c,
    const struct flush_opts *o, struct flush_result *res)
{
	struct run r;
	struct spool_list l;
	enum flush_status st = FLUSH_OK;
	size_t batch = (size_t)(o != NULL && o->batch_size > 0 ?
	    o->batch_size : cfg->batch_size);
	int stop = 0, more;
	char err[ERRLEN], after[NAME_MAX + 1];

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	r.lg = lg;
	r.d = d;
	r.c = c;
	r.res = res;

	recover_tmp(&r);

	/*
	 * Status files into new/ before it is listed, so that snapshots
	 * replay in time order with the events around them.  `ovpnlog
	 * watch` takes them on its own status_interval.
	 */
	if ((o == NULL || !o->skip_status) &&
	    status_snap_all(cfg, lg, d, NULL) == -1)
		r.ioerr = 1;

	memset(&c->ax.st, 0, sizeof(c->ax.st));
	if ((r.items = calloc(batch, sizeof(*r.items))) == NULL) {
		log_msg(lg, LOG_ERR, "unable to flush %s: out of memory",
		    d->path);
		free(r.buf.p);
		return FLUSH_IOERR;
	}
	after[0] = '\0';
	do {
		if (spool_scan(d->newd, "new/", SCAN_WINDOW, after[0] ? after :
		    NULL, &l, err, sizeof(err)) == -1) {
			log_msg(lg, LOG_ERR, "unable to list %s/new: %s",
			    d->path, err);
			r.ioerr = 1;
			break;
		}
		for (size_t i = 0; i < l.n && st == FLUSH_OK && !stop; ) {
			/* Watch mode: stop between transactions on a signal. */
			if (o != NULL && o->interrupted != NULL &&
			    o->interrupted(o->ictx)) {
				res->interrupted = stop = 1;
				res->kept += l.n - i;
				break;
			}
			while (i < l.n && r.nitems < batch &&
			    r.status_bytes < BATCH_STATUS_BYTES)
				if (take(&r, &l.v[i++]) == -1) {
					stop = 1;
					break;
				}
			if (r.nitems > 0) {
				st = connect_db(&r);
				if (st == FLUSH_OK)
					st = run_batch(&r);
				if (st != FLUSH_OK)
					res->kept += r.nitems;
				free_items(&r);
			}
			if (st != FLUSH_OK || stop)
				res->kept += l.n - i;
		}
		/* The next window starts after this one (kept files stay). */
		if (l.n > 0)
			snprintf(after, sizeof(after), "%s", l.v[l.n - 1].name);
		more = l.more;
		spool_list_free(&l);
	} while (more && st == FLUSH_OK && !stop);
	res->st = c->ax.st;
	free(r.items);
	free(r.buf.p);

	if (res->applied + res->already + res->quarantined + res->recovered >
	    0 || st != FLUSH_OK)
		log_msg(lg, st == FLUSH_OK ? LOG_INFO : LOG_NOTICE, "%s: "
		    "applied %llu events (%llu more were applied before), "
		    "quarantined %llu, kept %llu", d->path,
		    (unsigned long long)res->applied,
		    (unsigned long long)res->already,
		    (unsigned long long)res->quarantined,
		    (unsigned long long)res->kept);
	log_msg(lg, LOG_DEBUG, "%llu transactions; %llu sessions written "
	    "closed at once; disconnects: %llu "
	    "floated, %llu without a connect, %llu for closed sessions; "
	    "%llu updates without an open session",
	    (unsigned long long)res->batches,
	    (unsigned long long)res->st.connects_paired,
	    (unsigned long long)res->st.disconnects_floated,
	    (unsigned long long)res->st.disconnects_unmatched,
	    (unsigned long long)res->st.disconnects_ignored,
	    (unsigned long long)res->st.updates_unmatched);
	status_log_stats(lg, &res->st);
	if (st == FLUSH_OK && !r.ioerr && !res->interrupted &&
	    stats_record_flush(cfg, (int64_t)time(NULL), err,
	    sizeof(err)) == -1)
		log_msg(lg, LOG_WARNING, "unable to record the flush time for "
		    "`ovpnlog stats`: %s", err);
	if (st != FLUSH_OK)
		return st;
	if (r.ioerr)
		return FLUSH_IOERR;
	return res->quarantined > 0 ? FLUSH_DATAERR : FLUSH_OK;
}

void
flush_conn_close(struct flush_conn *c)
{
	if (c->db != NULL)
		c->ops->close(c->db);
	c->db = NULL;
	apply_free(&c->ax);
}

int
flush_exit_code(enum flush_status st)
{
	switch (st) {
	case FLUSH_OK:
		return EX_OK;
	case FLUSH_DATAERR:
		return EX_DATAERR;
	case FLUSH_RETRY:
		return EX_TEMPFAIL;
	case FLUSH_CONFIG:
		return EX_CONFIG;
	default:
		return EX_IOERR;
	}
}
