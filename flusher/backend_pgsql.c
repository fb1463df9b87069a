/*
 * backend_pgsql — PostgreSQL through libpq.
 *
 * Connection parameters go to PQconnectdbParams as key/value arrays, never
 * as one concatenated conninfo string (a value can then not smuggle in
 * another key), and dbname is not expanded.  Each distinct SQL text is
 * translated ('?' -> $1, $2, ... outside quotes and comments), prepared
 * once per connection and kept in a sqlcache; parameters travel in text
 * format with unspecified types, so that the server infers them from
 * context ('?' compared to an inet column just works).
 *
 * Inside a transaction, exec() without changes, savepoint() and release()
 * are queued in libpq pipeline mode and sent in one stream; the next sync
 * point (query(), exec() with changes, sync(), commit()) appends its own
 * statement, a Sync, and reads every result: a backlog drain costs one
 * round trip per batch, not one per statement.  The first error of the
 * stream is the one reported; the server skips the rest up to the Sync
 * and the transaction is then aborted (the caller rolls back, or rolls
 * back to its savepoint).
 */
#include "backend.h"
#include "numparse.h"
#include "sqlcache.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define PG_MAX_PARAMS		65535	/* the protocol's limit (Bind) */
#define PG_MAX_QUEUED		1000	/* bounds the unread results */
#define PG_DEFAULT_TIMEOUT	10	/* seconds, libpq's own is infinite */
#define PG_MAX_STACK_COLS	32

/* Type OIDs of the integer types (pg_type.h is server-side only). */
#define PG_INT8OID		20
#define PG_INT2OID		21
#define PG_INT4OID		23

struct pgstmt {
	char	name[16];
	int	nparams;
};

struct db {
	PGconn		*c;
	char		 where[256];	/* "host:port" for messages */
	struct sqlcache	*stmts;
	unsigned	 nextid;
	int		 in_tx;		/* between begin() and commit/rollback */
	int		 pipeline;	/* in pipeline mode */
	int		 queued;	/* commands sent since the last Sync */
	char		*buf;		/* NUL-terminated parameter copies */
	size_t		 bufsz;
	const char	**vals;		/* pointers into buf, for libpq */
	int		 nvals;
};

/* Collapses libpq's multi-line messages into one line. */
static void
one_line(char *dst, size_t len, const char *src)
{
	size_t j = 0;
	int space = 0;

	if (len == 0)
		return;
	for (; src != NULL && *src != '\0' && j + 1 < len; src++) {
		if (*src == '\n' || *src == '\t' || *src == ' ' ||
		    *src == '\r') {
			space = j > 0;
			continue;
		}
		if (space && j + 2 < len)
			dst[j++] = ' ';
		space = 0;
		dst[j++] = *src;
	}
	dst[j] = '\0';
}

/*
 * SQLSTATE classes 22 (data exception) and 23 (integrity constraint) are
 * this statement's data: DB_REJECT.  Everything else keeps the files:
 * 08 connection, 40001/40P01 serialization and deadlock, 55P03 lock not
 * available, 57P01-57P03 shutdown, 53 resources, 58 system errors, and
 * also 42 (syntax, undefined table: a bug or a missing schema).
 */
static int
classify(const char *state)
{
	if (state != NULL && strlen(state) == 5 &&
	    (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0))
		return DB_REJECT;
	return DB_RETRY;
}

/* The reason of a failed result (or of the connection when res is NULL). */
static int
report(struct db *db, const PGresult *res, char *err, size_t errlen)
{
	char msg[512], detail[512];
	const char *state = NULL, *prim = NULL, *det = NULL;
	int ret;

	if (res != NULL) {
		state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		prim = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		det = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		if (prim == NULL || *prim == '\0')
			prim = PQresultErrorMessage(res);
	}
	if (prim == NULL || *prim == '\0')
		prim = PQerrorMessage(db->c);
	if (prim == NULL || *prim == '\0')
		prim = "unknown error";
	one_line(msg, sizeof(msg), prim);
	one_line(detail, sizeof(detail), det);
	ret = classify(state);
	if (PQstatus(db->c) == CONNECTION_BAD)
		ret = DB_RETRY;
	snprintf(err, errlen, "postgresql at %s: %s%s%s%s%s%s", db->where, msg,
	    *detail ? ": " : "", detail, state ? " (SQLSTATE " : "",
	    state ? state : "", state ? ")" : "");
	return ret;
}

__attribute__((format(printf, 4, 5)))
static int
failf(struct db *db, char *err, size_t errlen, const char *fmt, ...)
{
	char what[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "postgresql at %s: %s", db->where, what);
	return DB_RETRY;
}

static void
quiet_notice(void *arg, const char *message)
{
	/* NOTICEs such as "relation already exists, skipping". */
}

static void
stmt_destroy(void *value, void *arg)
{
	free(value);
}

static void
pg_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlcache_free(db->stmts);
	if (db->c != NULL)
		PQfinish(db->c);
	free(db->buf);
	free(db->vals);
	free(db);
}

static int
pg_connect(const struct config *cfg, struct db **out, char *err,
    size_t errlen)
{
	const char *keys[24 + CONFIG_MAX_KV], *vals[24 + CONFIG_MAX_KV];
	char port[16], timeout[24];
	struct db *db;
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].key, cfg->env[i].value, 1) == -1) {
			snprintf(err, errlen, "postgresql: cannot set "
			    "environment variable %s: %s", cfg->env[i].key,
			    strerror(errno));
			return DB_RETRY;
		}
#define KV(k, v) do { if ((v) != NULL) { keys[n] = (k); vals[n++] = (v); } } while (0)
	KV("host", cfg->host);
	if (cfg->port != 0) {
		snprintf(port, sizeof(port), "%u", cfg->port);
		KV("port", port);
	}
	KV("dbname", cfg->dbname);
	KV("user", cfg->user);
	KV("password", cfg->password);
	KV("sslmode", cfg->sslmode);
	KV("sslrootcert", cfg->sslrootcert);
	KV("sslcert", cfg->sslcert);
	KV("sslkey", cfg->sslkey);
	snprintf(timeout, sizeof(timeout), "%lld", (long long)
	    (cfg->connect_timeout > 0 ? cfg->connect_timeout :
	    PG_DEFAULT_TIMEOUT));
	KV("connect_timeout", timeout);
	KV("application_name", "ovpnlog");
	KV("client_encoding", "UTF8");
	/* Pass-through options come last: an operator's value wins. */
	for (size_t i = 0; i < cfg->noptions; i++)
		KV(cfg->options[i].key, cfg->options[i].value);
#undef KV
	keys[n] = vals[n] = NULL;

	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->stmts = sqlcache_new(stmt_destroy, NULL)) == NULL) {
		snprintf(err, errlen, "postgresql: %s", strerror(errno));
		pg_close(db);
		return DB_RETRY;
	}
	db->c = PQconnectdbParams(keys, vals, 0);
	if (db->c == NULL) {
		snprintf(err, errlen, "postgresql: out of memory");
		pg_close(db);
		return DB_RETRY;
	}
	/* PQhost/PQport name what was tried, defaults and PGHOST included. */
	snprintf(db->where, sizeof(db->where), "%s:%s",
	    PQhost(db->c) && *PQhost(db->c) ? PQhost(db->c) :
	    cfg->host ? cfg->host : "localhost",
	    PQport(db->c) && *PQport(db->c) ? PQport(db->c) : "5432");
	if (PQstatus(db->c) != CONNECTION_OK) {
		char msg[512];

		one_line(msg, sizeof(msg), PQerrorMessage(db->c));
		snprintf(err, errlen, "postgresql at %s: %s",
		    db->where, msg);
		pg_close(db);
		return DB_RETRY;
	}
	PQsetNoticeProcessor(db->c, quiet_notice, NULL);
	*out = db;
	return DB_OK;
}

/*
 * '?' -> $n outside string literals, quoted identifiers and comments.
 * Returns a malloc'd text and the number of placeholders, or NULL.
 */
static char *
translate(const char *sql, int *nparams)
{
	size_t len = strlen(sql), j = 0;
	char *out;
	int n = 0;

	/* "$nnnnn" is at most 5 bytes longer than "?" (PG_MAX_PARAMS). */
	if ((out = malloc(len * 6 + 1)) == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char ch = sql[i];

		if (ch == '\'' || ch == '"') {
			/* E'...' strings escape with a backslash. */
			int esc = ch == '\'' && i > 0 &&
			    (sql[i - 1] == 'E' || sql[i - 1] == 'e');

			out[j++] = sql[i++];
			for (; i < len && sql[i] != ch; i++) {
				if (esc && sql[i] == '\\' && i + 1 < len)
					out[j++] = sql[i++];
				out[j++] = sql[i];
			}
			if (i < len)
				out[j++] = sql[i];
		} else if (ch == '-' && sql[i + 1] == '-') {
			for (; i < len && sql[i] != '\n'; i++)
				out[j++] = sql[i];
			if (i < len)
				out[j++] = sql[i];
		} else if (ch == '/' && sql[i + 1] == '*') {
			for (; i < len && !(sql[i] == '*' && sql[i + 1] == '/');
			    i++)
				out[j++] = sql[i];
			if (i < len) {
				out[j++] = sql[i++];
				out[j++] = sql[i];
			}
		} else if (ch == '?') {
			if (++n > PG_MAX_PARAMS) {
				free(out);
				errno = E2BIG;
				return NULL;
			}
			j += (size_t)snprintf(out + j, 7, "$%d", n);
		} else
			out[j++] = ch;
	}
	out[j] = '\0';
	*nparams = n;
	return out;
}

/*
 * Reads the results up to and including the Sync and leaves pipeline
 * mode.  Returns the first error; with last != NULL, the result of the
 * last queued command is kept there (caller PQclear()s it).
 */
static int
drain(struct db *db, PGresult **last, char *err, size_t errlen)
{
	PGresult *res;
	int ret = DB_OK, cmd = 0, nulls = 0;

	if (last != NULL)
		*last = NULL;
	if (!db->pipeline)
		return DB_OK;
	if (PQpipelineSync(db->c) != 1)
		ret = report(db, NULL, err, errlen);
	while (ret == DB_OK || PQstatus(db->c) != CONNECTION_BAD) {
		if ((res = PQgetResult(db->c)) == NULL) {
			/* One NULL ends each command; two mean trouble. */
			if (++nulls > 1 || PQstatus(db->c) == CONNECTION_BAD) {
				if (ret == DB_OK)
					ret = report(db, NULL, err, errlen);
				break;
			}
			cmd++;
			continue;
		}
		nulls = 0;
		switch (PQresultStatus(res)) {
		case PGRES_PIPELINE_SYNC:
			PQclear(res);
			goto synced;
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_PIPELINE_ABORTED:
			break;
		default:
			if (ret == DB_OK)
				ret = report(db, res, err, errlen);
			break;
		}
		if (last != NULL && cmd == db->queued - 1 && *last == NULL) {
			*last = res;
			continue;
		}
		PQclear(res);
	}
	/* The connection is gone: nothing more will come. */
	db->pipeline = 0;
	db->queued = 0;
	if (last != NULL && *last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	return ret != DB_OK ? ret : DB_RETRY;
synced:
	db->pipeline = 0;
	db->queued = 0;
	if (PQexitPipelineMode(db->c) != 1 && ret == DB_OK)
		ret = report(db, NULL, err, errlen);
	if (ret != DB_OK && last != NULL && *last != NULL) {
		PQclear(*last);
		*last = NULL;
	}
	return ret;
}

/* The prepared statement of sql, prepared now if new. */
static int
stmt_get(struct db *db, const char *sql, int nparams, struct pgstmt **out,
    char *err, size_t errlen)
{
	struct pgstmt *st;
	PGresult *res;
	char *text;
	int n, ret;

	*out = NULL;
	if ((st = sqlcache_get(db->stmts, sql)) == NULL) {
		/* Preparing is synchronous: settle the stream first. */
		if ((ret = drain(db, NULL, err, errlen)) != DB_OK)
			return ret;
		if ((text = translate(sql, &n)) == NULL)
			return failf(db, err, errlen, "cannot translate "
			    "\"%.60s\": %s", sql, errno == ENOMEM ?
			    strerror(errno) : "too many parameters");
		if ((st = calloc(1, sizeof(*st))) == NULL) {
			free(text);
			return failf(db, err, errlen, "%s", strerror(errno));
		}
		snprintf(st->name, sizeof(st->name), "ovl%u", db->nextid++);
		st->nparams = n;
		res = PQprepare(db->c, st->name, text, n, NULL);
		free(text);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			report(db, res, err, errlen);
			PQclear(res);
			free(st);
			/* A text the server cannot parse is a bug: retry. */
			return DB_RETRY;
		}
		PQclear(res);
		if (sqlcache_put(db->stmts, sql, st) == -1) {
			free(st);
			return failf(db, err, errlen, "%s", strerror(errno));
		}
	}
	if (st->nparams != nparams)
		return failf(db, err, errlen, "\"%.60s\" takes %d parameters, "
		    "%d given", sql, st->nparams, nparams);
	*out = st;
	return DB_OK;
}

/*
 * Text copies of the parameters (libpq wants NUL-terminated values), and
 * pointers to them in db->vals.
 */
static int
params_text(struct db *db, const struct db_val *p, int n, char *err,
    size_t errlen)
{
	size_t need = 0, off = 0;
	const char **vals;
	char *nb;

	if (n > db->nvals) {
		if ((vals = reallocarray(db->vals, (size_t)n,
		    sizeof(*vals))) == NULL)
			return failf(db, err, errlen, "%s", strerror(errno));
		db->vals = vals;
		db->nvals = n;
	}
	vals = db->vals;

	for (int i = 0; i < n; i++)
		need += p[i].kind == DBV_TEXT ? p[i].len + 1 :
		    p[i].kind == DBV_INT ? 24 : 0;
	if (need > db->bufsz) {
		if ((nb = realloc(db->buf, need)) == NULL)
			return failf(db, err, errlen, "%s", strerror(errno));
		db->buf = nb;
		db->bufsz = need;
	}
	for (int i = 0; i < n; i++) {
		switch (p[i].kind) {
		case DBV_INT:
			vals[i] = db->buf + off;
			off += (size_t)snprintf(db->buf + off, 24, "%lld",
			    (long long)p[i].i) + 1;
			break;
		case DBV_TEXT:
			if (p[i].len > 0 && memchr(p[i].s, '\0', p[i].len)) {
				snprintf(err, errlen, "postgresql at %s: "
				    "parameter %d contains a NUL byte, which "
				    "PostgreSQL text cannot hold", db->where,
				    i + 1);
				return DB_REJECT;
			}
			vals[i] = db->buf + off;
			if (p[i].len > 0)
				memcpy(db->buf + off, p[i].s, p[i].len);
			db->buf[off + p[i].len] = '\0';
			off += p[i].len + 1;
			break;
		default:
			vals[i] = NULL;
			break;
		}
	}
	return DB_OK;
}

/* Sends one statement into the pipeline (entering it if needed). */
static int
enqueue(struct db *db, const struct pgstmt *st, char *err, size_t errlen)
{
	if (!db->pipeline) {
		if (PQenterPipelineMode(db->c) != 1)
			return report(db, NULL, err, errlen);
		db->pipeline = 1;
	}
	if (PQsendQueryPrepared(db->c, st->name, st->nparams, db->vals, NULL,
	    NULL, 0) != 1) {
		char e2[512];

		report(db, NULL, err, errlen);
		/* Whatever was queued is lost with the stream. */
		drain(db, NULL, e2, sizeof(e2));
		return DB_RETRY;
	}
	db->queued++;
	return DB_OK;
}

/*
 * Runs one statement now and returns its result: in the pipeline (with
 * everything queued before it, one round trip) or on its own.
 */
static int
run(struct db *db, const char *sql, const struct db_val *params,
    int nparams, PGresult **out, char *err, size_t errlen)
{
	struct pgstmt *st;
	PGresult *res;
	int ret;

	*out = NULL;
	if ((ret = stmt_get(db, sql, nparams, &st, err, errlen)) != DB_OK)
		return ret;
	if ((ret = params_text(db, params, nparams, err, errlen)) != DB_OK) {
		/* Keep the stream's own error first, if there is one. */
		if (db->pipeline) {
			char e2[512];
			int r2 = drain(db, NULL, e2, sizeof(e2));

			if (r2 != DB_OK) {
				snprintf(err, errlen, "%s", e2);
				return r2;
			}
		}
		return ret;
	}
	if (db->pipeline) {
		if ((ret = enqueue(db, st, err, errlen)) != DB_OK)
			return ret;
		if ((ret = drain(db, &res, err, errlen)) != DB_OK)
			return ret;
		if (res == NULL)
			return failf(db, err, errlen, "no result");
	} else
		res = PQexecPrepared(db->c, st->name, st->nparams, db->vals,
		    NULL, NULL, 0);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		*out = res;
		return DB_OK;
	default:
		ret = report(db, res, err, errlen);
		PQclear(res);
		return ret;
	}
}

static int
pg_exec(struct db *db, const char *sql, const struct db_val *params,
    int nparams, int64_t *changes, char *err, size_t errlen)
{
	struct pgstmt *st;
	PGresult *res;
	const char *tuples;
	char e2[128];
	int ret;

	if (changes == NULL && db->in_tx) {
		if ((ret = stmt_get(db, sql, nparams, &st, err, errlen)) !=
		    DB_OK)
			return ret;
		if ((ret = params_text(db, params, nparams, err, errlen)) !=
		    DB_OK)
			return ret;
		if ((ret = enqueue(db, st, err, errlen)) != DB_OK)
			return ret;
		if (db->queued >= PG_MAX_QUEUED)
			return drain(db, NULL, err, errlen);
		return DB_OK;
	}
	if ((ret = run(db, sql, params, nparams, &res, err, errlen)) != DB_OK)
		return ret;
	if (changes != NULL) {
		tuples = PQcmdTuples(res);
		*changes = 0;
		if (*tuples != '\0' && parse_i64z(tuples, 0, INT64_MAX,
		    changes, e2, sizeof(e2)) == -1) {
			PQclear(res);
			return failf(db, err, errlen, "row count: %s", e2);
		}
	}
	PQclear(res);
	return DB_OK;
}

static int
pg_query(struct db *db, const char *sql, const struct db_val *params,
    int nparams, db_row_fn row, void *ctx, char *err, size_t errlen)
{
	struct db_val stackcols[PG_MAX_STACK_COLS], *cols = stackcols;
	PGresult *res;
	int ret, ncols, nrows;
	char e2[128];

	if ((ret = run(db, sql, params, nparams, &res, err, errlen)) != DB_OK)
		return ret;
	ncols = PQnfields(res);
	nrows = PQntuples(res);
	if (ncols > PG_MAX_STACK_COLS &&
	    (cols = calloc((size_t)ncols, sizeof(*cols))) == NULL) {
		PQclear(res);
		return failf(db, err, errlen, "%s", strerror(errno));
	}
	for (int r = 0; r < nrows; r++) {
		for (int i = 0; i < ncols; i++) {
			const char *v = PQgetvalue(res, r, i);
			Oid t = PQftype(res, i);

			if (PQgetisnull(res, r, i))
				cols[i] = db_null();
			else if ((t == PG_INT2OID || t == PG_INT4OID ||
			    t == PG_INT8OID) && parse_i64z(v, INT64_MIN,
			    INT64_MAX, &cols[i].i, e2, sizeof(e2)) == 0)
				cols[i].kind = DBV_INT;
			else
				cols[i] = db_textn(v, (size_t)
				    PQgetlength(res, r, i));
		}
		if (row(ctx, ncols, cols) != 0)
			break;
	}
	if (cols != stackcols)
		free(cols);
	PQclear(res);
	return DB_OK;
}

/* A statement that may wait in the pipeline when inside a transaction. */
static int
simple(struct db *db, const char *sql, char *err, size_t errlen)
{
	return pg_exec(db, sql, NULL, 0, NULL, err, errlen);
}

static int
pg_begin(struct db *db, char *err, size_t errlen)
{
	db->in_tx = 1;
	return simple(db, "BEGIN", err, errlen);
}

static int
pg_commit(struct db *db, char *err, size_t errlen)
{
	PGresult *res;
	int ret;

	if ((ret = run(db, "COMMIT", NULL, 0, &res, err, errlen)) != DB_OK)
		return ret;
	/* COMMIT of an aborted transaction succeeds as a ROLLBACK. */
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		ret = failf(db, err, errlen, "transaction was rolled back "
		    "(%s)", PQcmdStatus(res));
		PQclear(res);
		return ret;
	}
	PQclear(res);
	db->in_tx = 0;
	return DB_OK;
}

static int
pg_rollback(struct db *db, char *err, size_t errlen)
{
	PGresult *res;
	int ret;

	/* Errors of the queued statements no longer matter. */
	drain(db, NULL, err, errlen);
	db->in_tx = 0;
	switch (PQtransactionStatus(db->c)) {
	case PQTRANS_IDLE:
		return DB_OK;
	case PQTRANS_UNKNOWN:
		return report(db, NULL, err, errlen);
	default:
		break;
	}
	res = PQexec(db->c, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		ret = report(db, res, err, errlen);
		PQclear(res);
		return ret;
	}
	PQclear(res);
	return DB_OK;
}

static int
pg_savepoint(struct db *db, char *err, size_t errlen)
{
	return simple(db, "SAVEPOINT ev", err, errlen);
}

static int
pg_release(struct db *db, char *err, size_t errlen)
{
	return simple(db, "RELEASE SAVEPOINT ev", err, errlen);
}

static int
pg_rollback_to(struct db *db, char *err, size_t errlen)
{
	int64_t changes;

	/* Errors of the queued statements are what is being undone. */
	drain(db, NULL, err, errlen);
	return pg_exec(db, "ROLLBACK TO SAVEPOINT ev", NULL, 0, &changes, err,
	    errlen);
}

static int
pg_sync(struct db *db, char *err, size_t errlen)
{
	return drain(db, NULL, err, errlen);
}

static int
pg_exec_script(struct db *db, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	int ret;

	if ((ret = drain(db, NULL, err, errlen)) != DB_OK)
		return ret;
	/*
	 * A script changes tables: forget the prepared statements (a plan
	 * whose result type changed would fail).  DEALLOCATE is not
	 * transactional, nothing to undo if the script fails.
	 */
	if (sqlcache_count(db->stmts) > 0) {
		res = PQexec(db->c, "DEALLOCATE ALL");
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			ret = report(db, res, err, errlen);
			PQclear(res);
			return ret;
		}
		PQclear(res);
		sqlcache_clear(db->stmts);
	}
	res = PQexec(db->c, sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		ret = DB_OK;
		break;
	default:
		ret = report(db, res, err, errlen);
		break;
	}
	PQclear(res);
	return ret;
}

static int
pg_has(struct db *db, const char *table, const char *column, int *exists,
    char *err, size_t errlen)
{
	struct db_val p[2] = { db_text(table), db_text(column) };

	*exists = 0;
	if (column == NULL)
		return pg_query(db, "SELECT 1 FROM information_schema.tables "
		    "WHERE table_schema = current_schema() AND table_name = ?",
		    p, 1, db_row_found, exists, err, errlen);
	return pg_query(db, "SELECT 1 FROM information_schema.columns "
	    "WHERE table_schema = current_schema() AND table_name = ? "
	    "AND column_name = ?", p, 2, db_row_found, exists, err, errlen);
}

const struct backend_ops backend_pgsql = {
	.name = "postgresql",
	.schema_file = "pgsql.sql",
	.connect = pg_connect,
	.close = pg_close,
	.exec_script = pg_exec_script,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.rollback_to = pg_rollback_to,
	.exec = pg_exec,
	.query = pg_query,
	.sync = pg_sync,
	.has = pg_has,
};
