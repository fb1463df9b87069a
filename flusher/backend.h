/*
 * backend — the one small interface every SQL backend implements.
 *
 * Each backend is one file (backend_sqlite.c, backend_pgsql.c,
 * backend_mysql.c) exporting one const struct backend_ops; backend.c holds
 * the registry (backend_find by config name, backend_list for --version).
 *
 * The replay logic (flusher/apply.c) and the queries are written once, in
 * portable SQL with '?' placeholders; a backend translates placeholders if
 * its driver needs it (PostgreSQL: $1, $2, ...), prepares each distinct
 * SQL text once per connection and caches the prepared statement.
 *
 * Return convention of every operation: DB_OK (0), or DB_RETRY (transient:
 * connection lost or refused, server shutting down, deadlock, lock or
 * busy timeout, serialization failure — the caller rolls back and keeps
 * every file) or DB_REJECT (this statement's data is bad: constraint,
 * invalid value — the caller isolates and quarantines the event), with a
 * one-line reason in err that names the backend (and host, for servers).
 * A connection broken by a DB_RETRY is unusable; the caller closes it.
 *
 * Deferred execution: exec() with changes == NULL may be queued by the
 * backend (e.g. PostgreSQL pipeline mode) and only sent at the next
 * query(), exec() with changes, sync(), or commit(); an error of a queued
 * statement is reported there.  sync() forces everything queued out and
 * reports the first error.
 */
#ifndef OVPNLOG_BACKEND_H
#define OVPNLOG_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum db_status { DB_OK = 0, DB_RETRY = 1, DB_REJECT = 2 };

enum db_kind { DBV_NULL = 0, DBV_INT, DBV_TEXT };

struct db_val {
	enum db_kind	 kind;
	int64_t		 i;	/* DBV_INT */
	const char	*s;	/* DBV_TEXT: not necessarily NUL-terminated */
	size_t		 len;	/* DBV_TEXT */
};

/* Helpers to build parameter arrays. */
static inline struct db_val db_null(void) { struct db_val v = { DBV_NULL, 0, 0, 0 }; return v; }
static inline struct db_val db_int(int64_t i) { struct db_val v = { DBV_INT, i, 0, 0 }; return v; }
struct db_val db_text(const char *s);		/* NULL s gives DBV_NULL */
struct db_val db_textn(const char *s, size_t len);

/*
 * Row callback of query(): cols[i] is DBV_NULL, DBV_INT (integer columns,
 * where the driver tells) or DBV_TEXT (everything else, NUL-terminated,
 * valid until the callback returns).  Return 0 to go on, -1 to stop
 * (query() then returns DB_OK).  The callback may run other statements
 * on the same connection, but not the same SQL text.
 */
typedef int (*db_row_fn)(void *ctx, int ncols, const struct db_val *cols);

/* A db_row_fn for "is there a row?": sets *(int *)ctx to 1 and stops.
 * The backends' has() use it. */
int db_row_found(void *ctx, int ncols, const struct db_val *cols);

struct db;	/* a backend's connection, opaque */

struct backend_ops {
	const char *name;	/* config name: "sqlite", "postgresql", "mysql" */
	const char *schema_file;/* its schema in schema/: "sqlite.sql", ... */

	int	(*connect)(const struct config *cfg, struct db **out,
		    char *err, size_t errlen);
	void	(*close)(struct db *db);

	/* Several ';'-separated statements, no parameters (schema files). */
	int	(*exec_script)(struct db *db, const char *sql, char *err,
		    size_t errlen);

	int	(*begin)(struct db *db, char *err, size_t errlen);
	int	(*commit)(struct db *db, char *err, size_t errlen);
	int	(*rollback)(struct db *db, char *err, size_t errlen);
	/*
	 * Savepoints inside a transaction, to isolate one event.  SQL
	 * semantics: rollback_to() undoes the work since savepoint() and
	 * keeps the savepoint (release() after it is allowed, not needed);
	 * after a DB_REJECT inside a savepoint, rollback_to() makes the
	 * transaction usable again.
	 */
	int	(*savepoint)(struct db *db, char *err, size_t errlen);
	int	(*release)(struct db *db, char *err, size_t errlen);
	int	(*rollback_to)(struct db *db, char *err, size_t errlen);

	int	(*exec)(struct db *db, const char *sql,
		    const struct db_val *params, int nparams,
		    int64_t *changes, char *err, size_t errlen);
	int	(*query)(struct db *db, const char *sql,
		    const struct db_val *params, int nparams,
		    db_row_fn row, void *ctx, char *err, size_t errlen);
	int	(*sync)(struct db *db, char *err, size_t errlen);

	/* 1 if the table (or table.column when column != NULL) exists. */
	int	(*has)(struct db *db, const char *table, const char *column,
		    int *exists, char *err, size_t errlen);
};

const struct backend_ops *backend_find(const char *name);
/* NULL-terminated list of the backends compiled in. */
const struct backend_ops *const *backend_list(void);

#endif
