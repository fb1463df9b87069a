#include "schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numparse.h"

/* Columns every openvpn-db-log layout has; checked before altering. */
static const char *const odl_session_cols[] = { "id", "instance_id",
    "connect_time", "src_ip", "src_port", "cn", "vpn_ip4",
    "disconnect_time", "duration", "bytes_in", "bytes_out", NULL };
static const char *const odl_instance_cols[] = { "id", "name", "port",
    "protocol", NULL };

const char *
schema_text(const char *name)
{
	for (size_t i = 0; schema_files[i].name != NULL; i++)
		if (strcmp(schema_files[i].name, name) == 0)
			return schema_files[i].text;
	return NULL;
}

static int
rc_of(int dbrc)
{
	return dbrc == DB_OK ? SCHEMA_OK : SCHEMA_RETRY;
}

static int
one_int(void *ctx, int ncols, const struct db_val *cols)
{
	int64_t *v = ctx;
	char e[64];

	if (ncols < 1 || cols[0].kind == DBV_NULL)
		*v = 0;
	else if (cols[0].kind == DBV_INT)
		*v = cols[0].i;
	else if (parse_i64(cols[0].s, cols[0].len, INT64_MIN, INT64_MAX, v, e,
	    sizeof(e)) == -1)
		*v = -1;
	return -1;
}

static int
query_int(const struct backend_ops *ops, struct db *db, const char *sql,
    int64_t *v, char *err, size_t errlen)
{
	*v = 0;
	return ops->query(db, sql, NULL, 0, one_int, v, err, errlen);
}

static int
has(const struct backend_ops *ops, struct db *db, const char *t,
    const char *c, int *yes, char *err, size_t errlen)
{
	return ops->has(db, t, c, yes, err, errlen);
}

int
schema_check(const struct backend_ops *ops, struct db *db, char *err,
    size_t errlen)
{
	int yes = 0, rc;
	int64_t v;

	if ((rc = has(ops, db, "ovpnlog_schema", NULL, &yes, err,
	    errlen)) != DB_OK)
		return rc_of(rc);
	if (!yes) {
		if ((rc = has(ops, db, "session", NULL, &yes, err, errlen)) !=
		    DB_OK)
			return rc_of(rc);
		snprintf(err, errlen, yes ? "database has openvpn-db-log's "
		    "tables but no ovpnlog schema: run ovpnlog init-db to "
		    "upgrade it" : "database has no ovpnlog schema: run "
		    "ovpnlog init-db");
		return SCHEMA_FAIL;
	}
	if ((rc = query_int(ops, db, "SELECT MAX(version) FROM ovpnlog_schema",
	    &v, err, errlen)) != DB_OK)
		return rc_of(rc);
	if (v < SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %lld is older "
		    "than this ovpnlog's (%d): run ovpnlog init-db to upgrade "
		    "it", (long long)v, SCHEMA_VERSION);
		return SCHEMA_FAIL;
	}
	if (v > SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %lld is newer "
		    "than this ovpnlog's (%d): upgrade ovpnlog", (long long)v,
		    SCHEMA_VERSION);
		return SCHEMA_FAIL;
	}
	return SCHEMA_OK;
}

/* Skips blanks and "--" comments. */
static const char *
skip_blank(const char *p)
{
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] != '-' || p[1] != '-')
			return p;
		while (*p != '\0' && *p != '\n')
			p++;
	}
}

/* Matches a case-insensitive keyword and the blanks after it. */
static const char *
keyword(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	if (strncasecmp(p, kw, n) != 0 || !isspace((unsigned char)p[n]))
		return NULL;
	return skip_blank(p + n);
}

static const char *
ident(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return NULL;
	while ((isalnum((unsigned char)p[n]) || p[n] == '_') && n + 1 < len) {
		out[n] = p[n];
		n++;
	}
	out[n] = '\0';
	return p + n;
}

/* 1 when stmt is "ALTER TABLE t ADD COLUMN c ..." (without IF NOT EXISTS). */
static int
add_column(const char *stmt, char *table, char *col, size_t len)
{
	const char *p = skip_blank(stmt);

	if ((p = keyword(p, "ALTER")) == NULL ||
	    (p = keyword(p, "TABLE")) == NULL ||
	    (p = ident(p, table, len)) == NULL ||
	    (p = keyword(skip_blank(p), "ADD")) == NULL ||
	    (p = keyword(p, "COLUMN")) == NULL ||
	    (p = ident(p, col, len)) == NULL)
		return 0;
	return strcasecmp(col, "IF") != 0;
}

/*
 * Runs an upgrade file statement by statement, skipping each "ALTER TABLE
 * t ADD COLUMN c" whose column exists (SQLite has no ADD COLUMN IF NOT
 * EXISTS; some openvpn-db-log versions had columns others lack).  A file
 * with dollar quoting runs whole.
 */
static int
run_upgrade(const struct backend_ops *ops, struct db *db, const char *text,
    char *err, size_t errlen)
{
	char table[64], col[64], *buf, *stmt, *p;
	int rc = DB_OK, yes, quote = 0;

	if (strstr(text, "$$") != NULL)
		return ops->exec_script(db, text, err, errlen);
	if ((buf = strdup(text)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return DB_RETRY;
	}
	for (stmt = p = buf; *p != '\0' && rc == DB_OK; p++) {
		if (*p == '\'')
			quote = !quote;
		else if (!quote && p[0] == '-' && p[1] == '-') {
			while (p[1] != '\0' && p[1] != '\n')
				p++;
		} else if (!quote && *p == ';') {
			char save = p[1];
			p[1] = '\0';
			if (add_column(stmt, table, col, sizeof(table)) &&
			    (rc = ops->has(db, table, col, &yes, err,
			    errlen)) == DB_OK && yes)
				;	/* the column is there already */
			else if (rc == DB_OK)
				rc = ops->exec_script(db, stmt, err, errlen);
			p[1] = save;
			stmt = p + 1;
		}
	}
	if (rc == DB_OK && *skip_blank(stmt) != '\0')
		rc = ops->exec_script(db, stmt, err, errlen);
	free(buf);
	return rc;
}

/* Runs the embedded file "<base><suffix>" (an upgrade: see above). */
static int
run_file(const struct backend_ops *ops, struct db *db, const char *suffix,
    char *err, size_t errlen)
{
	char name[128];
	size_t bl = strlen(ops->schema_file);
	const char *text;
	int rc;

	if (bl > 4 && strcmp(ops->schema_file + bl - 4, ".sql") == 0)
		bl -= 4;
	snprintf(name, sizeof(name), "%.*s%s", (int)bl, ops->schema_file,
	    suffix);
	if ((text = schema_text(name)) == NULL) {
		snprintf(err, errlen, "schema file %s is not built into this "
		    "ovpnlog", name);
		return SCHEMA_FAIL;
	}
	rc = strcmp(suffix, ".sql") == 0 ?
	    ops->exec_script(db, text, err, errlen) :
	    run_upgrade(ops, db, text, err, errlen);
	if (rc != DB_OK) {
		size_t l = strlen(err);
		snprintf(err + l, errlen - l, " (in schema/%s)", name);
		return rc == DB_RETRY ? SCHEMA_RETRY : SCHEMA_FAIL;
	}
	return SCHEMA_OK;
}

static int
is_odl_layout(const struct backend_ops *ops, struct db *db, char *err,
    size_t errlen)
{
	const char *const *cols[2] = { odl_session_cols, odl_instance_cols };
	const char *tables[2] = { "session", "instance" };
	int yes, rc;

	for (int t = 0; t < 2; t++) {
		if ((rc = has(ops, db, tables[t], NULL, &yes, err,
		    errlen)) != DB_OK)
			return rc_of(rc);
		if (!yes) {
			snprintf(err, errlen, "the database has a table session "
			    "but no table %s: not openvpn-db-log's layout, "
			    "not touching it", tables[t]);
			return SCHEMA_FAIL;
		}
		for (size_t i = 0; cols[t][i] != NULL; i++) {
			if ((rc = has(ops, db, tables[t], cols[t][i], &yes,
			    err, errlen)) != DB_OK)
				return rc_of(rc);
			if (!yes) {
				snprintf(err, errlen, "table %s has no column "
				    "%s: not openvpn-db-log's layout, not "
				    "touching it", tables[t], cols[t][i]);
				return SCHEMA_FAIL;
			}
		}
	}
	return SCHEMA_OK;
}

static int
record_version(const struct backend_ops *ops, struct db *db, char *err,
    size_t errlen)
{
	struct db_val v = db_int(SCHEMA_VERSION);

	return rc_of(ops->exec(db, "INSERT INTO ovpnlog_schema (version) "
	    "VALUES (?)", &v, 1, NULL, err, errlen));
}

static int
init_in_tx(const struct backend_ops *ops, struct db *db, int *changed,
    char *did, size_t didlen, char *err, size_t errlen)
{
	int yes, rc;
	int64_t v, nsess, ninst;
	char suffix[64];

	*changed = 0;
	if ((rc = has(ops, db, "ovpnlog_schema", NULL, &yes, err,
	    errlen)) != DB_OK)
		return rc_of(rc);
	if (yes) {
		if ((rc = query_int(ops, db, "SELECT MAX(version) FROM "
		    "ovpnlog_schema", &v, err, errlen)) != DB_OK)
			return rc_of(rc);
		if (v == SCHEMA_VERSION) {
			snprintf(did, didlen, "schema version %d is current: "
			    "nothing to do", SCHEMA_VERSION);
			return SCHEMA_OK;
		}
		if (v == 0) {
			/* A server without transactional DDL stopped an
			 * earlier init-db half way: the files are idempotent. */
			if ((rc = run_file(ops, db, ".sql", err, errlen)) !=
			    SCHEMA_OK ||
			    (rc = record_version(ops, db, err, errlen)) !=
			    SCHEMA_OK)
				return rc;
			*changed = 1;
			snprintf(did, didlen, "completed an interrupted "
			    "init-db: schema version %d", SCHEMA_VERSION);
			return SCHEMA_OK;
		}
		if (v > SCHEMA_VERSION || v < 0) {
			snprintf(err, errlen, "database schema version %lld "
			    "is not one this ovpnlog (version %d) can "
			    "upgrade", (long long)v, SCHEMA_VERSION);
			return SCHEMA_FAIL;
		}
		for (int64_t from = v; from < SCHEMA_VERSION; from++) {
			snprintf(suffix, sizeof(suffix), "-%lld-to-%lld.sql",
			    (long long)from, (long long)from + 1);
			if ((rc = run_file(ops, db, suffix, err, errlen)) !=
			    SCHEMA_OK)
				return rc;
		}
		if ((rc = record_version(ops, db, err, errlen)) != SCHEMA_OK)
			return rc;
		*changed = 1;
		snprintf(did, didlen, "upgraded schema version %lld to %d",
		    (long long)v, SCHEMA_VERSION);
		return SCHEMA_OK;
	}
	if ((rc = has(ops, db, "session", NULL, &yes, err, errlen)) != DB_OK)
		return rc_of(rc);
	if (yes) {
		if ((rc = is_odl_layout(ops, db, err, errlen)) != SCHEMA_OK ||
		    (rc = rc_of(query_int(ops, db, "SELECT COUNT(*) FROM "
		    "session", &nsess, err, errlen))) != SCHEMA_OK ||
		    (rc = rc_of(query_int(ops, db, "SELECT COUNT(*) FROM "
		    "instance", &ninst, err, errlen))) != SCHEMA_OK ||
		    (rc = run_file(ops, db, "-from-openvpn-db-log.sql", err,
		    errlen)) != SCHEMA_OK ||
		    (rc = run_file(ops, db, ".sql", err, errlen)) !=
		    SCHEMA_OK ||
		    (rc = record_version(ops, db, err, errlen)) != SCHEMA_OK)
			return rc;
		*changed = 1;
		snprintf(did, didlen, "upgraded an openvpn-db-log database to "
		    "schema version %d, keeping its %lld sessions and %lld "
		    "instances", SCHEMA_VERSION, (long long)nsess,
		    (long long)ninst);
		return SCHEMA_OK;
	}
	if ((rc = run_file(ops, db, ".sql", err, errlen)) != SCHEMA_OK ||
	    (rc = record_version(ops, db, err, errlen)) != SCHEMA_OK)
		return rc;
	*changed = 1;
	snprintf(did, didlen, "created schema version %d", SCHEMA_VERSION);
	return SCHEMA_OK;
}

int
schema_init(const struct backend_ops *ops, struct db *db, char *did,
    size_t didlen, char *err, size_t errlen)
{
	char e2[256];
	int rc, changed;

	if ((rc = ops->begin(db, err, errlen)) != DB_OK)
		return rc_of(rc);
	rc = init_in_tx(ops, db, &changed, did, didlen, err, errlen);
	if (rc != SCHEMA_OK || !changed) {
		ops->rollback(db, e2, sizeof(e2));
		return rc;
	}
	if ((rc = ops->commit(db, err, errlen)) != DB_OK) {
		ops->rollback(db, e2, sizeof(e2));
		return rc_of(rc);
	}
	return SCHEMA_OK;
}
