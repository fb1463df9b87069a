/*
 * backend_sqlite — the embedded backend (libsqlite3).
 *
 * WAL mode, synchronous=FULL, a busy timeout, BEGIN IMMEDIATE: a reader
 * (a report running next to a flush) never makes a flush fail, and a
 * second writer is waited for up to busy_timeout before DB_RETRY.
 * Statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and kept in a sqlcache keyed by their text.  Nothing is deferred: every
 * exec() runs at once, sync() has nothing to do.
 */
#include "backend.h"
#include "sqlcache.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define SQLITE_DEFAULT_BUSY_MS	5000
#define SQLITE_MAX_STACK_COLS	32

struct db {
	sqlite3		*h;
	char		*path;
	struct sqlcache	*stmts;
};

/*
 * Data problems of one statement are DB_REJECT; everything else (busy,
 * locked, I/O, full disk, unwritable or unopenable file, and bugs such as
 * a missing table) keeps the files: DB_RETRY.
 */
static int
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return DB_REJECT;
	default:
		return DB_RETRY;
	}
}

__attribute__((format(printf, 5, 6)))
static int
fail(struct db *db, int rc, char *err, size_t errlen, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	const char *msg;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	msg = db->h != NULL && sqlite3_errcode(db->h) == rc ?
	    sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
	snprintf(err, errlen, "sqlite at %s: %s%s%s", db->path, what,
	    *what != '\0' ? ": " : "", msg);
	return classify(rc);
}

/* The start of a statement, on one line, for error messages. */
static const char *
sql_head(const char *sql, char *buf, size_t len)
{
	size_t i, j;

	while (*sql == ' ' || *sql == '\t' || *sql == '\n')
		sql++;
	for (i = j = 0; sql[i] != '\0' && j + 1 < len; i++)
		buf[j++] = sql[i] == '\n' || sql[i] == '\t' ? ' ' : sql[i];
	buf[j] = '\0';
	if (sql[i] != '\0' && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static void
stmt_destroy(void *value, void *arg)
{
	sqlite3_finalize(value);
}

static void
sq_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlcache_free(db->stmts);
	if (db->h != NULL)
		sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

/* A PRAGMA or other parameterless statement that needs no caching. */
static int
run(struct db *db, const char *sql, char *err, size_t errlen)
{
	int rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL)) != SQLITE_OK)
		return fail(db, rc, err, errlen, "%s", sql);
	return DB_OK;
}

static int
sq_connect(const struct config *cfg, struct db **out, char *err,
    size_t errlen)
{
	struct db *db;
	sqlite3_stmt *st = NULL;
	const char *mode;
	int rc, ret;

	*out = NULL;
	if (cfg->db_path == NULL || *cfg->db_path == '\0') {
		snprintf(err, errlen, "sqlite: no database path configured");
		return DB_RETRY;
	}
	if (cfg->noptions > 0) {
		snprintf(err, errlen, "sqlite at %s: option.%s: SQLite takes "
		    "no driver options", cfg->db_path, cfg->options[0].key);
		return DB_RETRY;
	}
	for (size_t i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].key, cfg->env[i].value, 1) == -1) {
			snprintf(err, errlen, "sqlite at %s: cannot set "
			    "environment variable %s: %s", cfg->db_path,
			    cfg->env[i].key, strerror(errno));
			return DB_RETRY;
		}
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->path = strdup(cfg->db_path)) == NULL ||
	    (db->stmts = sqlcache_new(stmt_destroy, NULL)) == NULL) {
		snprintf(err, errlen, "sqlite at %s: %s", cfg->db_path,
		    strerror(errno));
		sq_close(db);
		return DB_RETRY;
	}
	rc = sqlite3_open_v2(db->path, &db->h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		ret = fail(db, rc, err, errlen, "cannot open");
		sq_close(db);
		return ret;
	}
	sqlite3_extended_result_codes(db->h, 1);
	/*
	 * SQLITE_OPEN_READWRITE silently falls back to read-only on a
	 * write-protected file; a flush would then fail at its first insert.
	 * Say so now, as a transient problem (an operator fixes the mode).
	 */
	if (sqlite3_db_readonly(db->h, "main") == 1) {
		snprintf(err, errlen, "sqlite at %s: database file is not "
		    "writable (read-only)", db->path);
		sq_close(db);
		return DB_RETRY;
	}
	sqlite3_busy_timeout(db->h, cfg->busy_timeout_ms > 0 &&
	    cfg->busy_timeout_ms < 0x7fffffff ? (int)cfg->busy_timeout_ms :
	    SQLITE_DEFAULT_BUSY_MS);

	rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		if (mode == NULL || strcmp(mode, "wal") != 0) {
			snprintf(err, errlen, "sqlite at %s: cannot switch "
			    "to WAL mode (journal mode is %s)", db->path,
			    mode != NULL ? mode : "unknown");
			sqlite3_finalize(st);
			sq_close(db);
			return DB_RETRY;
		}
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_OK) {
		ret = fail(db, rc, err, errlen, "PRAGMA journal_mode=WAL");
		sqlite3_finalize(st);
		sq_close(db);
		return ret;
	}
	sqlite3_finalize(st);
	/*
	 * temp_store=MEMORY: an INSERT ... SELECT inside a transaction
	 * keeps a statement journal (the pages it changes, to undo just
	 * that statement); in a temp file that is two write() calls per
	 * page, a dozen per event, on the /var/tmp disk.  In memory it
	 * holds one statement's pages only.
	 */
	if ((ret = run(db, "PRAGMA synchronous=FULL", err, errlen)) != DB_OK ||
	    (ret = run(db, "PRAGMA temp_store=MEMORY", err, errlen)) !=
	    DB_OK ||
	    (ret = run(db, "PRAGMA foreign_keys=OFF", err, errlen)) != DB_OK) {
		sq_close(db);
		return ret;
	}
	*out = db;
	return DB_OK;
}

static int
sq_exec_script(struct db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc;

	if ((rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		snprintf(err, errlen, "sqlite at %s: script: %s", db->path,
		    msg != NULL ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return classify(rc);
	}
	return DB_OK;
}

/* The cached statement for sql, prepared on first use, with params bound. */
static int
prepare_bind(struct db *db, const char *sql, const struct db_val *params,
    int nparams, sqlite3_stmt **out, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char head[80];
	int rc, ret;

	*out = NULL;
	if ((st = sqlcache_get(db->stmts, sql)) == NULL) {
		rc = sqlite3_prepare_v3(db->h, sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL);
		if (rc != SQLITE_OK) {
			/* A bad text is a bug, not bad data: keep the files. */
			fail(db, rc, err, errlen, "preparing \"%s\"",
			    sql_head(sql, head, sizeof(head)));
			return DB_RETRY;
		}
		if (st == NULL) {
			snprintf(err, errlen, "sqlite at %s: empty statement",
			    db->path);
			return DB_RETRY;
		}
		if (sqlcache_put(db->stmts, sql, st) == -1) {
			snprintf(err, errlen, "sqlite at %s: %s", db->path,
			    strerror(errno));
			sqlite3_finalize(st);
			return DB_RETRY;
		}
	}
	if (nparams != sqlite3_bind_parameter_count(st)) {
		snprintf(err, errlen, "sqlite at %s: \"%s\" takes %d "
		    "parameters, %d given", db->path,
		    sql_head(sql, head, sizeof(head)),
		    sqlite3_bind_parameter_count(st), nparams);
		return DB_RETRY;
	}
	for (int i = 0; i < nparams; i++) {
		const struct db_val *v = &params[i];

		switch (v->kind) {
		case DBV_INT:
			rc = sqlite3_bind_int64(st, i + 1, v->i);
			break;
		case DBV_TEXT:
			/*
			 * Static: the caller's bytes outlive the step, and
			 * the bindings are cleared right after it.
			 */
			rc = sqlite3_bind_text64(st, i + 1,
			    v->s != NULL ? v->s : "", v->len, SQLITE_STATIC,
			    SQLITE_UTF8);
			break;
		default:
			rc = sqlite3_bind_null(st, i + 1);
			break;
		}
		if (rc != SQLITE_OK) {
			ret = fail(db, rc, err, errlen, "binding parameter %d",
			    i + 1);
			sqlite3_clear_bindings(st);
			return ret;
		}
	}
	*out = st;
	return DB_OK;
}

/* Ends one use of a cached statement: releases its locks and bindings. */
static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int
sq_exec(struct db *db, const char *sql, const struct db_val *params,
    int nparams, int64_t *changes, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc, ret;

	if ((ret = prepare_bind(db, sql, params, nparams, &st, err,
	    errlen)) != DB_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		ret = fail(db, rc, err, errlen, "%s", "");
		done(st);
		return ret;
	}
	if (changes != NULL)
		*changes = sqlite3_changes64(db->h);
	done(st);
	return DB_OK;
}

static int
sq_query(struct db *db, const char *sql, const struct db_val *params,
    int nparams, db_row_fn row, void *ctx, char *err, size_t errlen)
{
	struct db_val stackcols[SQLITE_MAX_STACK_COLS], *cols = stackcols;
	sqlite3_stmt *st;
	int rc, ret, ncols;

	if ((ret = prepare_bind(db, sql, params, nparams, &st, err,
	    errlen)) != DB_OK)
		return ret;
	ncols = sqlite3_column_count(st);
	if (ncols > SQLITE_MAX_STACK_COLS &&
	    (cols = calloc((size_t)ncols, sizeof(*cols))) == NULL) {
		snprintf(err, errlen, "sqlite at %s: %s", db->path,
		    strerror(errno));
		done(st);
		return DB_RETRY;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncols; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_NULL:
				cols[i] = db_null();
				break;
			case SQLITE_INTEGER:
				cols[i] = db_int(sqlite3_column_int64(st, i));
				break;
			default: {
				const unsigned char *s =
				    sqlite3_column_text(st, i);

				/* NULL: out of memory, or an empty blob. */
				if (s == NULL && (sqlite3_errcode(db->h) &
				    0xff) == SQLITE_NOMEM) {
					rc = SQLITE_NOMEM;
					goto out;
				}
				if (s == NULL)
					s = (const unsigned char *)"";
				cols[i] = db_textn((const char *)s,
				    (size_t)sqlite3_column_bytes(st, i));
				break;
			}
			}
		}
		if (row(ctx, ncols, cols) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
out:
	if (rc != SQLITE_DONE)
		ret = fail(db, rc, err, errlen, "%s", "");
	else
		ret = DB_OK;
	done(st);
	if (cols != stackcols)
		free(cols);
	return ret;
}

static int
simple(struct db *db, const char *sql, char *err, size_t errlen)
{
	return sq_exec(db, sql, NULL, 0, NULL, err, errlen);
}

static int
sq_begin(struct db *db, char *err, size_t errlen)
{
	return simple(db, "BEGIN IMMEDIATE", err, errlen);
}

static int
sq_commit(struct db *db, char *err, size_t errlen)
{
	return simple(db, "COMMIT", err, errlen);
}

static int
sq_rollback(struct db *db, char *err, size_t errlen)
{
	/* SQLite may already have rolled back (I/O error, full disk). */
	if (sqlite3_get_autocommit(db->h))
		return DB_OK;
	return simple(db, "ROLLBACK", err, errlen);
}

static int
sq_savepoint(struct db *db, char *err, size_t errlen)
{
	return simple(db, "SAVEPOINT ev", err, errlen);
}

static int
sq_release(struct db *db, char *err, size_t errlen)
{
	return simple(db, "RELEASE SAVEPOINT ev", err, errlen);
}

static int
sq_rollback_to(struct db *db, char *err, size_t errlen)
{
	return simple(db, "ROLLBACK TO SAVEPOINT ev", err, errlen);
}

static int
sq_sync(struct db *db, char *err, size_t errlen)
{
	return DB_OK;
}

static int
sq_has(struct db *db, const char *table, const char *column, int *exists,
    char *err, size_t errlen)
{
	struct db_val p[2] = { db_text(table), db_text(column) };

	*exists = 0;
	if (column == NULL)
		return sq_query(db, "SELECT 1 FROM sqlite_master "
		    "WHERE type = 'table' AND name = ?", p, 1, db_row_found, exists,
		    err, errlen);
	return sq_query(db, "SELECT 1 FROM pragma_table_info(?) "
	    "WHERE name = ?", p, 2, db_row_found, exists, err, errlen);
}

const struct backend_ops backend_sqlite = {
	.name = "sqlite",
	.schema_file = "sqlite.sql",
	.connect = sq_connect,
	.close = sq_close,
	.exec_script = sq_exec_script,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.savepoint = sq_savepoint,
	.release = sq_release,
	.rollback_to = sq_rollback_to,
	.exec = sq_exec,
	.query = sq_query,
	.sync = sq_sync,
	.has = sq_has,
};
