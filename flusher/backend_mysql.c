/*
 * backend_mysql — MySQL and MariaDB through libmariadb (or libmysqlclient).
 *
 * Server-side prepared statements (mysql_stmt_*), one per distinct SQL
 * text, kept in a sqlcache; '?' is the driver's own placeholder.  The
 * session runs with utf8mb4, a strict SQL mode (bad data is an error, never
 * a silent truncation) plus the ANSI habits the portable SQL of apply.c
 * may rely on, READ COMMITTED like PostgreSQL, and CLIENT_FOUND_ROWS so
 * that an UPDATE reports the rows it matched, as the other backends do.
 * No automatic reconnect: a lost connection surfaces as DB_RETRY and is
 * never silently replaced in the middle of a transaction.  Nothing is
 * deferred: every exec() runs at once, sync() has nothing to do.
 */
#include "backend.h"
#include "numparse.h"
#include "sqlcache.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#define MY_MAX_PARAMS		65535	/* the protocol's limit */
#define MY_MAX_COLS		64
#define MY_DEFAULT_TIMEOUT	10	/* connect, seconds */
#define MY_IO_TIMEOUT		120	/* read/write, seconds */
#define MY_COLBUF		256

/* Not in every client library's headers. */
#ifndef ER_CONNECTION_KILLED
#define ER_CONNECTION_KILLED	1927
#endif

/*
 * Strict: bad data is an error (DB_REJECT), not a warning.  The ANSI
 * modes make the one portable SQL text mean the same as on PostgreSQL
 * and SQLite: '||' concatenates, "x" is an identifier, '\' is a plain
 * character in a literal.
 */
#define MY_SQL_MODE	"STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE," \
			"ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION," \
			"NO_BACKSLASH_ESCAPES,PIPES_AS_CONCAT,ANSI_QUOTES"

struct db {
	MYSQL		*m;
	char		 where[300];	/* socket path or host:port */
	struct sqlcache	*stmts;
	/* execute()'s bindings, grown to the largest statement's */
	MYSQL_BIND	*bind;
	long long	*ints;
	unsigned long	*lens;
	int		 nbind;
};

static int
classify(unsigned int no)
{
	switch (no) {
	case ER_DUP_ENTRY:			/* 1062 */
	case ER_BAD_NULL_ERROR:			/* 1048 */
	case ER_WARN_DATA_OUT_OF_RANGE:		/* 1264 */
	case WARN_DATA_TRUNCATED:		/* 1265 */
	case ER_DATA_TOO_LONG:			/* 1406 */
	case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:/* 1366 */
	case ER_TRUNCATED_WRONG_VALUE:		/* 1292 */
	case ER_INVALID_CHARACTER_STRING:	/* 1300 */
	case ER_DATA_OUT_OF_RANGE:		/* 1690 */
	case ER_CONSTRAINT_FAILED:		/* 4025: a CHECK constraint */
		return DB_REJECT;
	default:
		/*
		 * CR_SERVER_GONE_ERROR, CR_SERVER_LOST, CR_CONN_HOST_ERROR,
		 * CR_CONNECTION_ERROR, ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT,
		 * ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED; and anything
		 * else (a syntax error is a bug, a missing table a missing
		 * schema): keep the files.
		 */
		return DB_RETRY;
	}
}

static int
report_no(struct db *db, unsigned int no, const char *msg, char *err,
    size_t errlen)
{
	snprintf(err, errlen, "mysql at %s: %s (error %u)", db->where,
	    msg != NULL && *msg != '\0' ? msg : "unknown error", no);
	return classify(no);
}

static int
report(struct db *db, char *err, size_t errlen)
{
	return report_no(db, mysql_errno(db->m), mysql_error(db->m), err,
	    errlen);
}

static int
report_stmt(struct db *db, MYSQL_STMT *st, char *err, size_t errlen)
{
	return report_no(db, mysql_stmt_errno(st), mysql_stmt_error(st), err,
	    errlen);
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
	snprintf(err, errlen, "mysql at %s: %s", db->where, what);
	return DB_RETRY;
}

static void
stmt_destroy(void *value, void *arg)
{
	mysql_stmt_close(value);
}

static void
my_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlcache_free(db->stmts);
	if (db->m != NULL)
		mysql_close(db->m);
	free(db->bind);
	free(db->ints);
	free(db->lens);
	free(db);
}

/* option.KEY = VALUE pass-through: the driver options worth exposing. */
static int
set_option(struct db *db, const char *key, const char *val, char *err,
    size_t errlen)
{
	static const struct {
		const char		*key;
		enum mysql_option	 opt;
		int			 kind;	/* 0 string, 1 uint, 2 flag */
	} map[] = {
		{ "read_timeout", MYSQL_OPT_READ_TIMEOUT, 1 },
		{ "write_timeout", MYSQL_OPT_WRITE_TIMEOUT, 1 },
		{ "read_default_file", MYSQL_READ_DEFAULT_FILE, 0 },
		{ "read_default_group", MYSQL_READ_DEFAULT_GROUP, 0 },
		{ "init_command", MYSQL_INIT_COMMAND, 0 },
		{ "ssl_cipher", MYSQL_OPT_SSL_CIPHER, 0 },
		{ "ssl_crl", MYSQL_OPT_SSL_CRL, 0 },
		{ "ssl_crlpath", MYSQL_OPT_SSL_CRLPATH, 0 },
		{ "ssl_capath", MYSQL_OPT_SSL_CAPATH, 0 },
		{ "tls_version", MARIADB_OPT_TLS_VERSION, 0 },
		{ "tls_peer_fp", MARIADB_OPT_TLS_PEER_FP, 0 },
		{ "server_public_key", MYSQL_SERVER_PUBLIC_KEY, 0 },
		{ "default_auth", MYSQL_DEFAULT_AUTH, 0 },
		{ "plugin_dir", MYSQL_PLUGIN_DIR, 0 },
		{ "compress", MYSQL_OPT_COMPRESS, 2 },
	};
	char e2[128];
	uint64_t u;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		unsigned int ui;
		int rc;

		if (strcmp(map[i].key, key) != 0)
			continue;
		switch (map[i].kind) {
		case 1:
		case 2:
			if (parse_u64z(val, 0, map[i].kind == 2 ? 1 : 86400,
			    &u, e2, sizeof(e2)) == -1)
				return failf(db, err, errlen, "option.%s: %s",
				    key, e2);
			ui = (unsigned int)u;
			/* A flag option is set by naming it, without value. */
			if (map[i].kind == 2)
				rc = u ? mysql_options(db->m, map[i].opt,
				    NULL) : 0;
			else
				rc = mysql_options(db->m, map[i].opt, &ui);
			break;
		default:
			rc = mysql_options(db->m, map[i].opt, val);
			break;
		}
		if (rc != 0)
			return failf(db, err, errlen, "option.%s not "
			    "supported by this client library", key);
		return DB_OK;
	}
	return failf(db, err, errlen, "unknown option.%s (see "
	    "doc/backends.md for the options of this backend)", key);
}

/*
 * sslmode as libpq means it.  The client library alone cannot express
 * "require": with MYSQL_OPT_SSL_ENFORCE but no verification it falls back
 * to plain text when the server offers no TLS, so my_connect() checks the
 * cipher after connecting.  Returns 1 in *need when TLS is mandatory.
 */
static int
set_tls(struct db *db, const struct config *cfg, int *need, char *err,
    size_t errlen)
{
	my_bool enforce = 0, verify = 0;
	const char *mode = cfg->sslmode != NULL ? cfg->sslmode : "prefer";
	int rc = 0;

	*need = 0;
	if (strcmp(mode, "disable") == 0)
		;
	else if (strcmp(mode, "allow") == 0 || strcmp(mode, "prefer") == 0)
		enforce = 1;		/* TLS when offered */
	else if (strcmp(mode, "require") == 0)
		enforce = *need = 1;
	else if (strcmp(mode, "verify-ca") == 0 ||
	    strcmp(mode, "verify-full") == 0)
		enforce = verify = *need = 1;
	else
		return failf(db, err, errlen, "unknown sslmode '%s'", mode);
	if (cfg->sslrootcert != NULL)
		rc |= mysql_options(db->m, MYSQL_OPT_SSL_CA, cfg->sslrootcert);
	if (cfg->sslcert != NULL)
		rc |= mysql_options(db->m, MYSQL_OPT_SSL_CERT, cfg->sslcert);
	if (cfg->sslkey != NULL)
		rc |= mysql_options(db->m, MYSQL_OPT_SSL_KEY, cfg->sslkey);
	rc |= mysql_options(db->m, MYSQL_OPT_SSL_ENFORCE, &enforce);
	rc |= mysql_options(db->m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	if (rc != 0)
		return failf(db, err, errlen, "TLS options not supported by "
		    "this client library");
	return DB_OK;
}

static int
my_connect(const struct config *cfg, struct db **out, char *err,
    size_t errlen)
{
	const char *host = NULL, *sock = NULL;
	unsigned int timeout, iot = MY_IO_TIMEOUT;
	my_bool no = 0;
	struct db *db;
	int ret, need_tls;

	*out = NULL;
	for (size_t i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].key, cfg->env[i].value, 1) == -1) {
			snprintf(err, errlen, "mysql: cannot set environment "
			    "variable %s: %s", cfg->env[i].key,
			    strerror(errno));
			return DB_RETRY;
		}
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (db->stmts = sqlcache_new(stmt_destroy, NULL)) == NULL) {
		snprintf(err, errlen, "mysql: %s", strerror(errno));
		my_close(db);
		return DB_RETRY;
	}
	/* A host starting with '/' is the server's unix socket. */
	if (cfg->host != NULL && cfg->host[0] == '/') {
		sock = cfg->host;
		snprintf(db->where, sizeof(db->where), "%s", sock);
	} else {
		host = cfg->host;
		snprintf(db->where, sizeof(db->where), "%s:%u",
		    host != NULL ? host : "localhost",
		    cfg->port != 0 ? cfg->port : 3306);
	}
	if ((db->m = mysql_init(NULL)) == NULL) {
		snprintf(err, errlen, "mysql at %s: out of memory", db->where);
		my_close(db);
		return DB_RETRY;
	}
	timeout = cfg->connect_timeout > 0 && cfg->connect_timeout < 86400 ?
	    (unsigned int)cfg->connect_timeout : MY_DEFAULT_TIMEOUT;
	if (mysql_options(db->m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout) != 0 ||
	    mysql_options(db->m, MYSQL_OPT_READ_TIMEOUT, &iot) != 0 ||
	    mysql_options(db->m, MYSQL_OPT_WRITE_TIMEOUT, &iot) != 0 ||
	    mysql_options(db->m, MYSQL_OPT_RECONNECT, &no) != 0 ||
	    mysql_options(db->m, MYSQL_SET_CHARSET_NAME, "utf8mb4") != 0) {
		ret = failf(db, err, errlen, "cannot set connection options");
		my_close(db);
		return ret;
	}
	if ((ret = set_tls(db, cfg, &need_tls, err, errlen)) != DB_OK) {
		my_close(db);
		return ret;
	}
	for (size_t i = 0; i < cfg->noptions; i++)
		if ((ret = set_option(db, cfg->options[i].key,
		    cfg->options[i].value, err, errlen)) != DB_OK) {
			my_close(db);
			return ret;
		}
	if (mysql_real_connect(db->m, host, cfg->user, cfg->password,
	    cfg->dbname, sock != NULL ? 0 : cfg->port, sock,
	    CLIENT_FOUND_ROWS) == NULL) {
		snprintf(err, errlen, "mysql at %s: %s "
		    "(error %u)", db->where, mysql_error(db->m),
		    mysql_errno(db->m));
		my_close(db);
		return DB_RETRY;
	}
	/* As with libpq, a unix socket needs no TLS and never gets it. */
	if (need_tls && sock == NULL && mysql_get_ssl_cipher(db->m) == NULL) {
		snprintf(err, errlen, "mysql at %s: TLS "
		    "required (sslmode=%s) but the server does not offer it",
		    db->where, cfg->sslmode);
		my_close(db);
		return DB_RETRY;
	}
	if (mysql_query(db->m, "SET SESSION sql_mode = '" MY_SQL_MODE "'")
	    != 0 || mysql_query(db->m, "SET SESSION TRANSACTION "
	    "ISOLATION LEVEL READ COMMITTED") != 0) {
		ret = report(db, err, errlen);
		my_close(db);
		return ret == DB_OK ? DB_RETRY : ret;
	}
	*out = db;
	return DB_OK;
}

/* Runs a parameterless statement with the text protocol. */
static int
run_text(struct db *db, const char *sql, size_t len, char *err,
    size_t errlen)
{
	MYSQL_RES *res;

	if (mysql_real_query(db->m, sql, len) != 0)
		return report(db, err, errlen);
	/* Statements of a script may return rows: read and drop them. */
	do {
		if ((res = mysql_store_result(db->m)) != NULL)
			mysql_free_result(res);
		else if (mysql_field_count(db->m) != 0)
			return report(db, err, errlen);
	} while (mysql_next_result(db->m) == 0);
	if (mysql_errno(db->m) != 0)
		return report(db, err, errlen);
	return DB_OK;
}

/*
 * Splits a script at ';' outside quotes and comments and runs each
 * statement (the text protocol takes one statement at a time unless
 * multi-statements are enabled, which we do not want for the rest).
 */
static int
my_exec_script(struct db *db, const char *sql, char *err, size_t errlen)
{
	const char *start = sql, *p = sql;
	int ret, empty = 1;

	/* A script changes tables: prepare again what comes after it. */
	sqlcache_clear(db->stmts);

	for (;; p++) {
		char q;

		switch (*p) {
		case '\'':
		case '"':
		case '`':
			q = *p;
			for (p++; *p != '\0' && *p != q; p++)
				;
			if (*p == '\0')
				p--;
			empty = 0;
			continue;
		case '-':
			if (p[1] != '-') {
				empty = 0;
				continue;
			}
			/* FALLTHROUGH */
		case '#':
			while (p[1] != '\0' && p[1] != '\n')
				p++;
			continue;
		case '/':
			if (p[1] == '*') {
				for (p += 2; *p != '\0' &&
				    !(p[0] == '*' && p[1] == '/'); p++)
					;
				if (*p == '\0')
					p--;
				else
					p++;
			} else
				empty = 0;
			continue;
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			continue;
		case ';':
		case '\0':
			if (!empty && (ret = run_text(db, start,
			    (size_t)(p - start), err, errlen)) != DB_OK)
				return ret;
			if (*p == '\0')
				return DB_OK;
			start = p + 1;
			empty = 1;
			continue;
		default:
			empty = 0;
			continue;
		}
	}
}

/* The prepared statement of sql, prepared now if new. */
static int
stmt_get(struct db *db, const char *sql, int nparams, MYSQL_STMT **out,
    char *err, size_t errlen)
{
	MYSQL_STMT *st;

	*out = NULL;
	if ((st = sqlcache_get(db->stmts, sql)) == NULL) {
		if ((st = mysql_stmt_init(db->m)) == NULL)
			return report(db, err, errlen);
		if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0) {
			report_stmt(db, st, err, errlen);
			mysql_stmt_close(st);
			/* A text the server cannot prepare is a bug. */
			return DB_RETRY;
		}
		if (sqlcache_put(db->stmts, sql, st) == -1) {
			mysql_stmt_close(st);
			return failf(db, err, errlen, "%s", strerror(errno));
		}
	}
	if (mysql_stmt_param_count(st) != (unsigned long)nparams)
		return failf(db, err, errlen, "\"%.60s\" takes %lu "
		    "parameters, %d given", sql, mysql_stmt_param_count(st),
		    nparams);
	*out = st;
	return DB_OK;
}

/* Binds, executes; the statement's result (if any) is left to the caller. */
/* Room for n bindings in db->bind, db->ints, db->lens. */
static int
bind_room(struct db *db, int n, char *err, size_t errlen)
{
	MYSQL_BIND *b;
	long long *ints;
	unsigned long *lens;

	if (n <= db->nbind)
		return DB_OK;
	if ((b = reallocarray(db->bind, (size_t)n, sizeof(*b))) != NULL)
		db->bind = b;
	if ((ints = reallocarray(db->ints, (size_t)n, sizeof(*ints))) != NULL)
		db->ints = ints;
	if ((lens = reallocarray(db->lens, (size_t)n, sizeof(*lens))) != NULL)
		db->lens = lens;
	if (b == NULL || ints == NULL || lens == NULL)
		return failf(db, err, errlen, "%s", strerror(errno));
	db->nbind = n;
	return DB_OK;
}

static int
execute(struct db *db, const char *sql, const struct db_val *params,
    int nparams, MYSQL_STMT **out, char *err, size_t errlen)
{
	MYSQL_BIND *b;
	long long *ints;
	unsigned long *lens;
	MYSQL_STMT *st;
	int ret;

	*out = NULL;
	if (nparams > MY_MAX_PARAMS)
		return failf(db, err, errlen, "too many parameters (%d)",
		    nparams);
	if ((ret = bind_room(db, nparams > 0 ? nparams : 1, err, errlen)) !=
	    DB_OK)
		return ret;
	b = db->bind;
	ints = db->ints;
	lens = db->lens;
	if ((ret = stmt_get(db, sql, nparams, &st, err, errlen)) != DB_OK)
		return ret;
	memset(b, 0, sizeof(b[0]) * (size_t)(nparams > 0 ? nparams : 1));
	for (int i = 0; i < nparams; i++) {
		switch (params[i].kind) {
		case DBV_INT:
			ints[i] = params[i].i;
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &ints[i];
			break;
		case DBV_TEXT:
			lens[i] = params[i].len;
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(params[i].s != NULL ?
			    params[i].s : "");
			b[i].buffer_length = params[i].len;
			b[i].length = &lens[i];
			break;
		default:
			b[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		}
	}
	if (nparams > 0 && mysql_stmt_bind_param(st, b) != 0)
		return report_stmt(db, st, err, errlen);
	if (mysql_stmt_execute(st) != 0)
		return report_stmt(db, st, err, errlen);
	*out = st;
	return DB_OK;
}

static int
my_exec(struct db *db, const char *sql, const struct db_val *params,
    int nparams, int64_t *changes, char *err, size_t errlen)
{
	MYSQL_STMT *st;
	my_ulonglong n;
	int ret;

	if ((ret = execute(db, sql, params, nparams, &st, err, errlen)) !=
	    DB_OK)
		return ret;
	if (mysql_stmt_field_count(st) != 0) {
		/* Rows nobody asked for: read them off the wire. */
		if (mysql_stmt_store_result(st) != 0)
			return report_stmt(db, st, err, errlen);
		mysql_stmt_free_result(st);
	} else if (changes != NULL) {
		n = mysql_stmt_affected_rows(st);
		*changes = n == (my_ulonglong)-1 ? 0 : (int64_t)n;
	}
	return DB_OK;
}

static int
is_int_type(enum enum_field_types t)
{
	return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT ||
	    t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_LONGLONG ||
	    t == MYSQL_TYPE_INT24;
}

static int
my_query(struct db *db, const char *sql, const struct db_val *params,
    int nparams, db_row_fn row, void *ctx, char *err, size_t errlen)
{
	MYSQL_BIND rb[MY_MAX_COLS];
	struct db_val cols[MY_MAX_COLS];
	unsigned long lens[MY_MAX_COLS];
	my_bool nulls[MY_MAX_COLS], errs[MY_MAX_COLS];
	char *bufs[MY_MAX_COLS];
	size_t sizes[MY_MAX_COLS];
	MYSQL_RES *meta = NULL;
	MYSQL_FIELD *fields;
	MYSQL_STMT *st;
	unsigned int ncols;
	char e2[128];
	int ret, rc;

	if ((ret = execute(db, sql, params, nparams, &st, err, errlen)) !=
	    DB_OK)
		return ret;
	ncols = mysql_stmt_field_count(st);
	if (ncols == 0)
		return DB_OK;
	memset(bufs, 0, sizeof(bufs));
	/* All rows client-side: the callback may run other statements. */
	if (mysql_stmt_store_result(st) != 0 ||
	    (meta = mysql_stmt_result_metadata(st)) == NULL) {
		ret = report_stmt(db, st, err, errlen);
		goto out;
	}
	if (ncols > MY_MAX_COLS) {
		ret = failf(db, err, errlen, "too many columns (%u)", ncols);
		goto out;
	}
	fields = mysql_fetch_fields(meta);
	memset(rb, 0, sizeof(rb[0]) * ncols);
	for (unsigned int i = 0; i < ncols; i++) {
		sizes[i] = MY_COLBUF;
		if ((bufs[i] = malloc(sizes[i])) == NULL) {
			ret = failf(db, err, errlen, "%s", strerror(errno));
			goto out;
		}
		/* Text for every column; integers are parsed back below. */
		rb[i].buffer_type = MYSQL_TYPE_STRING;
		rb[i].buffer = bufs[i];
		rb[i].buffer_length = sizes[i] - 1;
		rb[i].length = &lens[i];
		rb[i].is_null = &nulls[i];
		rb[i].error = &errs[i];
	}
	if (mysql_stmt_bind_result(st, rb) != 0) {
		ret = report_stmt(db, st, err, errlen);
		goto out;
	}
	ret = DB_OK;
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED) {
		for (unsigned int i = 0; i < ncols; i++) {
			if (nulls[i]) {
				cols[i] = db_null();
				continue;
			}
			if (lens[i] >= sizes[i]) {
				char *nb = realloc(bufs[i], lens[i] + 1);

				if (nb == NULL) {
					ret = failf(db, err, errlen, "%s",
					    strerror(errno));
					goto out;
				}
				bufs[i] = nb;
				sizes[i] = lens[i] + 1;
				rb[i].buffer = nb;
				rb[i].buffer_length = sizes[i] - 1;
				if (mysql_stmt_fetch_column(st, &rb[i], i,
				    0) != 0) {
					ret = report_stmt(db, st, err, errlen);
					goto out;
				}
				/* Rebind the grown buffer for later rows. */
				if (mysql_stmt_bind_result(st, rb) != 0) {
					ret = report_stmt(db, st, err, errlen);
					goto out;
				}
			}
			bufs[i][lens[i]] = '\0';
			if (is_int_type(fields[i].type) &&
			    parse_i64(bufs[i], lens[i], INT64_MIN, INT64_MAX,
			    &cols[i].i, e2, sizeof(e2)) == 0)
				cols[i].kind = DBV_INT;
			else
				cols[i] = db_textn(bufs[i], lens[i]);
		}
		if (row(ctx, (int)ncols, cols) != 0)
			break;
	}
	if (rc == 1)
		ret = report_stmt(db, st, err, errlen);
out:
	if (meta != NULL)
		mysql_free_result(meta);
	mysql_stmt_free_result(st);
	for (unsigned int i = 0; i < ncols && i < MY_MAX_COLS; i++)
		free(bufs[i]);
	return ret;
}

static int
simple(struct db *db, const char *sql, char *err, size_t errlen)
{
	return run_text(db, sql, strlen(sql), err, errlen);
}

static int
my_begin(struct db *db, char *err, size_t errlen)
{
	return simple(db, "START TRANSACTION", err, errlen);
}

static int
my_commit(struct db *db, char *err, size_t errlen)
{
	return simple(db, "COMMIT", err, errlen);
}

static int
my_rollback(struct db *db, char *err, size_t errlen)
{
	return simple(db, "ROLLBACK", err, errlen);
}

static int
my_savepoint(struct db *db, char *err, size_t errlen)
{
	return simple(db, "SAVEPOINT ev", err, errlen);
}

static int
my_release(struct db *db, char *err, size_t errlen)
{
	return simple(db, "RELEASE SAVEPOINT ev", err, errlen);
}

static int
my_rollback_to(struct db *db, char *err, size_t errlen)
{
	return simple(db, "ROLLBACK TO SAVEPOINT ev", err, errlen);
}

static int
my_sync(struct db *db, char *err, size_t errlen)
{
	return DB_OK;
}

static int
my_has(struct db *db, const char *table, const char *column, int *exists,
    char *err, size_t errlen)
{
	struct db_val p[2] = { db_text(table), db_text(column) };

	*exists = 0;
	if (column == NULL)
		return my_query(db, "SELECT 1 FROM information_schema.tables "
		    "WHERE table_schema = DATABASE() AND table_name = ?",
		    p, 1, db_row_found, exists, err, errlen);
	return my_query(db, "SELECT 1 FROM information_schema.columns "
	    "WHERE table_schema = DATABASE() AND table_name = ? "
	    "AND column_name = ?", p, 2, db_row_found, exists, err, errlen);
}

const struct backend_ops backend_mysql = {
	.name = "mysql",
	.schema_file = "mysql.sql",
	.connect = my_connect,
	.close = my_close,
	.exec_script = my_exec_script,
	.begin = my_begin,
	.commit = my_commit,
	.rollback = my_rollback,
	.savepoint = my_savepoint,
	.release = my_release,
	.rollback_to = my_rollback_to,
	.exec = my_exec,
	.query = my_query,
	.sync = my_sync,
	.has = my_has,
};
