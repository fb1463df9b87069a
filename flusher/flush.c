#include "flush.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "dbopen.h"
#include "quarantine.h"
#include "readahead.h"
#include "schema.h"
#include "spool_file.h"
#include "spool_scan.h"
#include "spoolname.h"
#include "stats.h"
#include "status_apply.h"
#include "status_snap.h"
#include "unlinker.h"

#define ERRLEN		1024
/* Names of new/ held at once: bounds memory for any backlog. */
#define SCAN_WINDOW	32768
/* Fewer files than this are read without the readahead thread. */
#define READAHEAD_MIN	64
/* A batch of fewer files is removed without the unlinker's threads. */
#define UNLINK_POOL_MIN	256
/* Status snapshots held by one batch: a batch ends past this. */
#define BATCH_STATUS_BYTES	(32 * 1024 * 1024)

static const char sql_ledger_range[] =
    "SELECT event_id FROM applied_event WHERE event_id >= ? "
    "AND event_id < ?";
static const char sql_ledger_add[] =
    "INSERT INTO applied_event (event_id, applied_at) VALUES (?, ?)";

enum item_state { IT_PENDING, IT_ALREADY, IT_REJECTED };

/* What load() found for one entry of new/. */
enum load_kind { LD_OK, LD_BAD, LD_GONE, LD_ERROR, LD_STATUS };

struct loaded {
	enum load_kind	 kind;
	struct ev_row	 row;		/* LD_OK: prepared, texts owned */
	char		*reason;	/* LD_BAD, LD_ERROR (NULL: no memory) */
};

/* The next batch's entries, loaded by the readahead thread. */
struct ahead {
	int			 newd;
	const struct spool_entry *v;	/* entries lo..hi of the list */
	size_t			 lo, hi;
	struct loaded		*slot;	/* slot[k]: entry lo + k */
	struct spool_buf	 buf;	/* the thread's */
	int			 busy;	/* the thread may still be at it */
	atomic_int		 cancel; /* drop: the rest need not be read */
};

struct item {
	const char	*name;		/* in the scan list */
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
	struct bulk_ev		*bev;		/* batch_plain's view of items */
	const char		**names;	/* finish_batch: files to remove */
	struct unlinker		*unl;		/* NULL: none yet, or small */
	int			 no_unlinker;	/* it could not start */
	struct readahead	*ra;		/* NULL: none yet */
	struct ahead		 ahead;
	int			 no_readahead;	/* it could not start */
	size_t			 nitems;
	size_t			 status_bytes;	/* held by the batch's snapshots */
	int			 ioerr;		/* a local failure happened */
	int			 aside;		/* ASIDE_*: renames not fsynced */
};

/* Directories a quarantine renamed out of since their last fsync. */
enum { ASIDE_NEW = 1, ASIDE_TMP = 2 };

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
	r->aside |= fromdir == r->d->tmpd ? ASIDE_TMP : ASIDE_NEW;
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

/* Makes the quarantines so far survive a crash: without it a power loss
 * could bring a set-aside file back into new/ (harmless: it is set aside
 * again) while its .reason stays. */
static void
sync_aside(struct run *r)
{
	if (r->aside == 0)
		return;
	if (r->aside & ASIDE_NEW)
		fsync_dir(r, r->d->newd, "new");
	if (r->aside & ASIDE_TMP)
		fsync_dir(r, r->d->tmpd, "tmp");
	fsync_dir(r, r->d->failed, "failed");
	r->aside = 0;
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
			    d->path, spoolname_shown(e->name, nm, sizeof(nm)),
			    err);
			r->ioerr = 1;
			break;
		}
	}
	spool_list_free(&l);
	if (moved)
		fsync_dir(r, d->newd, "new");
	sync_aside(r);
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

/* One event and its ledger row (batch_isolated). */
static int
apply_one(struct run *r, struct item *it, int64_t now, char *err,
    size_t errlen)
{
	struct db_val p[2] = { db_text(it->name), db_int(now) };
	int rc;

	if ((rc = apply_event(&r->c->ax, &it->row, err, errlen)) != DB_OK)
		return rc;
	return r->c->ops->exec(r->c->db, sql_ledger_add, p, 2, NULL, err,
	    errlen);
}

static void
abandon(struct run *r)
{
	char e2[ERRLEN];

	r->c->ops->rollback(r->c->db, e2, sizeof(e2));
	apply_forget(&r->c->ax);
}

/*
 * The whole batch in one transaction, set-oriented (bulk.h); DB_REJECT:
 * isolate and retry.
 */
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
	for (size_t i = 0; i < r->nitems; i++) {
		r->bev[i].row = &r->items[i].row;
		r->bev[i].name = r->items[i].name;
		r->bev[i].skip = r->items[i].state != IT_PENDING;
	}
	if ((rc = bulk_apply(&r->c->bulk, &r->c->ax, r->bev, r->nitems, now,
	    bad, err, errlen)) != DB_OK)
		goto fail;
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
	/* One event per savepoint, no pairs: each failure names its event. */
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

/* Waits for the files handed to the unlinker, and says what failed. */
static void
unlinked(struct run *r)
{
	struct unlink_report rep;

	if (r->unl == NULL)
		return;
	unlinker_wait(r->unl, &rep);
	if (rep.failed > 0) {
		/* Applied and in the ledger: a later run skips them. */
		log_msg(r->lg, LOG_ERR, "unable to remove applied file "
		    "%s/new/%s: %s%s", r->d->path, rep.name, strerror(rep.err),
		    rep.failed > 1 ? " (and more files of its batch)" : "");
		r->ioerr = 1;
	}
	if (rep.fsync_err != 0) {
		log_msg(r->lg, LOG_ERR, "unable to fsync %s/new: %s",
		    r->d->path, strerror(rep.fsync_err));
		r->ioerr = 1;
	}
}

/*
 * After COMMIT: remove what applied, set aside what the database refused.
 * A large batch goes to the unlinker's threads, which remove it while
 * the next batch is read and applied; the one before it must be gone
 * (and new/ fsynced) first.  A small one is removed here.
 */
static void
finish_batch(struct run *r)
{
	char reason[ERRLEN + 64];
	size_t n = 0;
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
		r->names[n++] = it->name;
	}
	if (r->unl == NULL && !r->no_unlinker && n >= UNLINK_POOL_MIN &&
	    (r->unl = unlinker_start(r->d->newd, UNLINK_THREADS)) == NULL) {
		log_msg(r->lg, LOG_DEBUG, "removing files in this thread: "
		    "cannot start threads: %s", strerror(errno));
		r->no_unlinker = 1;
	}
	unlinked(r);
	if (r->unl == NULL || unlinker_add(r->unl, r->names, n) == -1) {
		for (size_t i = 0; i < n; i++)
			if (unlinkat(r->d->newd, r->names[i], 0) == -1 &&
			    errno != ENOENT) {
				/* Applied and in the ledger: a later run
				 * skips it. */
				log_msg(r->lg, LOG_ERR, "unable to remove "
				    "applied file %s/new/%s: %s", r->d->path,
				    r->names[i], strerror(errno));
				r->ioerr = 1;
			}
		fsync_dir(r, r->d->newd, "new");
	}
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
	sync_aside(r);
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

/*
 * Says that a batch went event by event.  A multi-row statement names no
 * culprit: once the batch ran event by event, the first event refused
 * alone is named, with its own reason; else (the statement failed for a
 * reason no single event has) the events of the statement.
 */
static void
refused_note(struct run *r, size_t bad, const char *why)
{
	char nm[300], last[300];

	for (size_t i = 0; i < r->nitems; i++)
		if (r->items[i].state == IT_REJECTED) {
			log_msg(r->lg, LOG_NOTICE, "the database refused "
			    "%s/new/%s (%s); applying its batch event by event",
			    r->d->path, spoolname_shown(r->items[i].name, nm,
			    sizeof(nm)), r->items[i].reason);
			return;
		}
	log_msg(r->lg, LOG_NOTICE, "the database refused a statement for "
	    "%s/new/%s .. %s (%s); applying its batch event by event",
	    r->d->path, spoolname_shown(r->items[bad < r->nitems ? bad : 0].name,
	    nm, sizeof(nm)), spoolname_shown(r->items[r->nitems - 1].name,
	    last, sizeof(last)), why);
}

/* Applies the collected batch; FLUSH_OK or FLUSH_RETRY (files kept). */
static enum flush_status
run_batch(struct run *r)
{
	char err[ERRLEN], why[ERRLEN], desc[300];
	int64_t now = (int64_t)time(NULL);
	size_t bad;
	int rc;

	rc = batch_plain(r, now, &bad, err, sizeof(err));
	if (rc == DB_REJECT) {
		snprintf(why, sizeof(why), "%s", err);
		rc = batch_isolated(r, now, err, sizeof(err));
		refused_note(r, bad, why);
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
 * Reads entry e of new/ as far as that goes without side effects: a
 * connect, disconnect or update into a prepared row that owns its texts
 * (LD_OK), else the reason to quarantine it (LD_BAD) or to stop (LD_ERROR,
 * a local failure), or LD_GONE.  A status snapshot (LD_STATUS) is left
 * to take_status().  The readahead thread runs it for the next batch.
 */
static enum load_kind
load(int newd, const struct spool_entry *e, struct spool_buf *buf,
    struct ev_row *row, char *reason, size_t len)
{
	char err[ERRLEN];
	struct spoolname sn;
	struct event ev;
	const char *kind;
	int rc;

	if (spoolname_parse(e->name, &sn, err, sizeof(err)) == -1) {
		snprintf(reason, len, "not an event file name "
		    "(SECONDS.NANOSECONDS.PID.RANDOM.TYPE)");
		return LD_BAD;
	}
	if ((kind = dtype_kind(e->d_type)) != NULL) {
		snprintf(reason, len, "%s", kind);
		return LD_BAD;
	}
	if (sn.type == EV_STATUS)
		return LD_STATUS;
	switch (spool_file_read(newd, e->name, &sn, buf, &ev, err,
	    sizeof(err))) {
	case SF_OK:
		break;
	case SF_BAD:
		snprintf(reason, len, "%s", err);
		return LD_BAD;
	case SF_GONE:
		return LD_GONE;
	default:
		snprintf(reason, len, "%s", err);
		return LD_ERROR;
	}
	if (apply_prepare(&ev, &sn, row, err, sizeof(err)) == -1) {
		event_free(&ev);
		snprintf(reason, len, "cannot apply: %s", err);
		return LD_BAD;
	}
	/*
	 * The batch keeps the row, not the file's parse (2 KiB and more):
	 * its texts are copied out.
	 */
	rc = apply_row_own(row);
	event_free(&ev);
	if (rc == -1) {
		snprintf(reason, len, "out of memory");
		return LD_ERROR;
	}
	return LD_OK;
}

/* The readahead's job: entry i of the next batch into its slot. */
static void
load_ahead(void *ctx, size_t i)
{
	struct ahead *a = ctx;
	struct loaded *s = &a->slot[i];
	char reason[ERRLEN + 64];

	/* Dropped (a stop in watch mode): no use reading on; the slots are
	 * never consumed. */
	if (atomic_load(&a->cancel)) {
		s->kind = LD_GONE;
		s->reason = NULL;
		return;
	}
	s->kind = load(a->newd, &a->v[i], &a->buf, &s->row, reason,
	    sizeof(reason));
	s->reason = NULL;
	if (s->kind == LD_BAD || s->kind == LD_ERROR)
		s->reason = strdup(reason);	/* NULL: out of memory */
}

/* Frees what the readahead loaded and take() did not use. */
static void
ahead_drop(struct run *r)
{
	struct ahead *a = &r->ahead;

	if (a->busy) {
		atomic_store(&a->cancel, 1);
		readahead_wait(r->ra);
	}
	a->busy = 0;
	for (size_t k = 0; k < a->hi - a->lo; k++) {
		if (a->slot[k].kind == LD_OK)
			apply_row_release(&a->slot[k].row);
		free(a->slot[k].reason);
		a->slot[k].reason = NULL;
		a->slot[k].kind = LD_GONE;
	}
	a->lo = a->hi = 0;
}

/*
 * Has the readahead thread load entries lo.. of l (the next batch) while
 * the database applies this one.  Not when loaded entries wait still,
 * nor for a few files (watch mode).
 */
static void
ahead_start(struct run *r, const struct spool_list *l, size_t lo,
    size_t batch)
{
	struct ahead *a = &r->ahead;
	size_t n = l->n - lo < batch ? l->n - lo : batch;

	if (a->hi > lo || n < READAHEAD_MIN || r->no_readahead)
		return;
	ahead_drop(r);
	if (r->ra == NULL && (r->ra = readahead_start()) == NULL) {
		log_msg(r->lg, LOG_DEBUG, "reading files in this thread: "
		    "cannot start a thread: %s", strerror(errno));
		r->no_readahead = 1;
		return;
	}
	a->newd = r->d->newd;
	a->v = &l->v[lo];
	a->lo = lo;
	a->hi = lo + n;
	a->busy = 1;
	atomic_store(&a->cancel, 0);
	readahead_run(r->ra, load_ahead, a, n);
}

/* A file of new/ that could not be read stays for a later run; the run
 * stops there (-1) and says why, so the rest keep their order. */
static int
keep_unread(struct run *r, const char *name, const char *why)
{
	char nm[300];

	log_msg(r->lg, LOG_ERR, "unable to read %s/new/%s: %s", r->d->path,
	    spoolname_shown(name, nm, sizeof(nm)), why);
	r->ioerr = 1;
	r->res->kept++;
	return -1;
}

/* The next batch slot, filled by take() or take_status(), joins the
 * batch as pending.  Returns 0. */
static int
item_push(struct run *r, const char *name)
{
	struct item *it = &r->items[r->nitems];

	it->name = name;
	it->state = IT_PENDING;
	it->reason = NULL;
	r->nitems++;
	return 0;
}

/* A status snapshot into the next batch slot (take()). */
static int
take_status(struct run *r, const struct spool_entry *e)
{
	struct item *it = &r->items[r->nitems];
	char err[ERRLEN], reason[ERRLEN + 64], nm[300];
	struct spoolname sn;

	if (spoolname_parse(e->name, &sn, err, sizeof(err)) == -1)
		return 0;	/* load() said it parses */
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
		return keep_unread(r, e->name, err);
	}
	/* A status snapshot is parsed here, once, outside the transaction. */
	if (status_prepare(&r->ev, &sn, r->cfg, &it->row, err,
	    sizeof(err)) == -1) {
		event_free(&r->ev);
		snprintf(reason, sizeof(reason), "cannot apply: %s", err);
		put_aside(r, r->d->newd, "new", e->name, reason);
		return 0;
	}
	snprintf(reason, sizeof(reason), "%s/new/%s", r->d->path,
	    spoolname_shown(e->name, nm, sizeof(nm)));
	status_report(r->lg, reason, &it->row);
	r->status_bytes += status_weight(&it->row);
	/* The snapshot points into its event: the item keeps it. */
	if (apply_row_own(&it->row) == -1 ||
	    (it->status_ev = malloc(sizeof(*it->status_ev))) == NULL) {
		event_free(&r->ev);
		status_release(&it->row);
		apply_row_release(&it->row);
		return keep_unread(r, e->name, "out of memory");
	}
	*it->status_ev = r->ev;
	memset(&r->ev, 0, sizeof(r->ev));
	return item_push(r, e->name);
}

/*
 * Reads entry e into the next batch slot, or sets it aside; pre is what
 * the readahead loaded for it, or NULL.  Returns 0, or -1 after a local
 * failure (stop: keep the rest).
 */
static int
take(struct run *r, const struct spool_entry *e, struct loaded *pre)
{
	struct item *it = &r->items[r->nitems];
	char reason[ERRLEN + 64];
	const char *why = reason;
	enum load_kind k;

	if (pre != NULL) {
		k = pre->kind;
		why = pre->reason != NULL ? pre->reason : "out of memory";
		if (k == LD_OK)
			apply_row_move(&it->row, &pre->row);
		pre->kind = LD_GONE;	/* the row is the item's now */
	} else
		k = load(r->d->newd, e, &r->buf, &it->row, reason,
		    sizeof(reason));
	switch (k) {
	case LD_OK:
		break;
	case LD_BAD:
		put_aside(r, r->d->newd, "new", e->name, why);
		return 0;
	case LD_GONE:
		return 0;
	case LD_STATUS:
		return take_status(r, e);
	default:
		return keep_unread(r, e->name, why);
	}
	it->status_ev = NULL;
	return item_push(r, e->name);
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
	int stop = 0, more = 0;
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
	if ((r.items = calloc(batch, sizeof(*r.items))) == NULL ||
	    (r.bev = calloc(batch, sizeof(*r.bev))) == NULL ||
	    (r.names = calloc(batch, sizeof(*r.names))) == NULL ||
	    (r.ahead.slot = calloc(batch, sizeof(*r.ahead.slot))) == NULL) {
		log_msg(lg, LOG_ERR, "unable to flush %s: out of memory",
		    d->path);
		free(r.items);
		free(r.bev);
		free(r.names);
		free(r.buf.p);
		return FLUSH_IOERR;
	}
	after[0] = '\0';
	do {
		/*
		 * No removal runs while new/ is listed: readdir may return a
		 * name twice when entries go away under it.
		 */
		unlinked(&r);
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
			/* Read ahead while the last batch applied? */
			if (r.ahead.busy) {
				readahead_wait(r.ra);
				r.ahead.busy = 0;
			}
			while (i < l.n && r.nitems < batch &&
			    r.status_bytes < BATCH_STATUS_BYTES) {
				struct loaded *pre = i >= r.ahead.lo &&
				    i < r.ahead.hi ? &r.ahead.slot[i -
				    r.ahead.lo] : NULL;

				/* A name listed twice is one file. */
				if (i > 0 && strcmp(l.v[i].name,
				    l.v[i - 1].name) == 0) {
					i++;
					continue;
				}
				if (take(&r, &l.v[i++], pre) == -1) {
					stop = 1;
					break;
				}
			}
			sync_aside(&r);
			if (r.nitems > 0) {
				st = connect_db(&r);
				if (st == FLUSH_OK && !stop)
					ahead_start(&r, &l, i, batch);
				if (st == FLUSH_OK)
					st = run_batch(&r);
				if (st != FLUSH_OK)
					res->kept += r.nitems;
				free_items(&r);
			}
			if (st != FLUSH_OK || stop)
				res->kept += l.n - i;
		}
		ahead_drop(&r);	/* it points into l */
		/* The next window starts after this one (kept files stay). */
		if (l.n > 0)
			snprintf(after, sizeof(after), "%s", l.v[l.n - 1].name);
		more = l.more;
		spool_list_free(&l);
	} while (more && st == FLUSH_OK && !stop);
	res->kept_unlisted = more && (st != FLUSH_OK || stop);
	/* The last batch's files are gone before the run reports. */
	unlinked(&r);
	unlinker_stop(r.unl);
	readahead_stop(r.ra);
	free(r.ahead.slot);
	free(r.ahead.buf.p);
	res->st = c->ax.st;
	free(r.items);
	free(r.bev);
	free(r.names);
	free(r.buf.p);

	if (res->applied + res->already + res->quarantined + res->recovered >
	    0 || st != FLUSH_OK)
		log_msg(lg, st == FLUSH_OK ? LOG_INFO : LOG_NOTICE, "%s: "
		    "applied %llu events (%llu more were applied before), "
		    "quarantined %llu, kept %llu%s", d->path,
		    (unsigned long long)res->applied,
		    (unsigned long long)res->already,
		    (unsigned long long)res->quarantined,
		    (unsigned long long)res->kept, res->kept_unlisted ?
		    " and those after them" : "");
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
	bulk_free(&c->bulk);
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
