/*
 * test_backend — conformance of every compiled backend to flusher/backend.h.
 *
 * One suite, run on each backend in backend_list(): connect, the real
 * schema file, transactions, savepoints, parameters and result kinds,
 * classification (DB_REJECT for a unique violation, DB_RETRY for a locked
 * database or a stopped server), deferred errors, has().
 *
 * Server backends use the servers of tests/lib/servers.sh through its
 * environment (OVPNLOG_TEST_PG_*, OVPNLOG_TEST_MYSQL_*, and the control
 * scripts in $OVPNLOG_TEST_SERVERS).  A compiled backend whose server is
 * not configured is a failure, not a skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "config.h"
#include "tap.h"

#define ERRLEN	512

static const char *const weird_texts[] = {
	"x'); DROP TABLE session;--",
	"comma, \"double\" 'single' \\backslash",
	"utf-8: J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x94\x92",
	"?",
	"$1",
	"",
};

struct rows {
	int		 n;
	int		 ncols;
	struct db_val	 v[8];		/* the first row */
	char		 s[8][300];	/* its texts */
	char		 all[8192];	/* every row, '|'-joined, ';'-ended */
};

static int
collect(void *ctx, int ncols, const struct db_val *cols)
{
	struct rows *r = ctx;
	size_t len = strlen(r->all);

	for (int i = 0; i < ncols; i++) {
		char buf[300];

		if (cols[i].kind == DBV_INT)
			snprintf(buf, sizeof(buf), "%" PRId64, cols[i].i);
		else if (cols[i].kind == DBV_TEXT)
			snprintf(buf, sizeof(buf), "%.*s", (int)cols[i].len,
			    cols[i].s);
		else
			buf[0] = '\0';
		len += (size_t)snprintf(r->all + len, sizeof(r->all) - len,
		    "%s%s", i ? "|" : "", buf);
		if (len >= sizeof(r->all))
			len = sizeof(r->all) - 1;
		if (r->n == 0 && i < 8) {
			r->v[i] = cols[i];
			snprintf(r->s[i], sizeof(r->s[i]), "%s", buf);
			r->v[i].s = r->s[i];
			/* A DBV_TEXT must be NUL-terminated at len. */
			if (cols[i].kind == DBV_TEXT &&
			    cols[i].s[cols[i].len] != '\0')
				r->v[i].kind = -1;
		}
	}
	len += (size_t)snprintf(r->all + len, sizeof(r->all) - len, ";");
	if (len >= sizeof(r->all))
		len = sizeof(r->all) - 1;
	r->ncols = ncols;
	r->n++;
	return 0;
}

static int
q(const struct backend_ops *ops, struct db *db, const char *sql,
    const struct db_val *p, int np, struct rows *r, char *err)
{
	memset(r, 0, sizeof(*r));
	return ops->query(db, sql, p, np, collect, r, err, ERRLEN);
}

/* The single integer a query returns, or -1. */
static int64_t
q_int(const struct backend_ops *ops, struct db *db, const char *sql)
{
	struct rows r;
	char err[ERRLEN];

	if (q(ops, db, sql, NULL, 0, &r, err) != DB_OK) {
		printf("# %s: %s\n", sql, err);
		return -1;
	}
	if (r.n != 1 || r.v[0].kind != DBV_INT)
		return -1;
	return r.v[0].i;
}

static char *
slurp(const char *path)
{
	FILE *f;
	char *buf;
	long len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static int
run_cmd(const char *script)
{
	const char *dir = getenv("OVPNLOG_TEST_SERVERS");
	char cmd[1024];

	if (dir == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s/%s' >/dev/null 2>&1", dir, script);
	return system(cmd) == 0 ? 0 : -1;
}

static int
has(const struct backend_ops *ops, struct db *db, const char *t,
    const char *c)
{
	char err[ERRLEN];
	int e = -1;

	if (ops->has(db, t, c, &e, err, ERRLEN) != DB_OK) {
		printf("# has %s.%s: %s\n", t, c ? c : "", err);
		return -1;
	}
	return e;
}

static const char ins_instance[] =
    "INSERT INTO instance (name, port, protocol) VALUES (?, ?, ?)";
static const char ins_session[] =
    "INSERT INTO session (instance_id, connect_time, src_ip, src_port, cn,"
    " vpn_ip4, bytes_in) VALUES (?, ?, ?, ?, ?, ?, ?)";

static int
add_instance(const struct backend_ops *ops, struct db *db, const char *name,
    char *err)
{
	struct db_val p[3] = { db_text(name), db_int(1194), db_text("udp") };
	int64_t n = -1;
	int rc;

	rc = ops->exec(db, ins_instance, p, 3, &n, err, ERRLEN);
	return rc == DB_OK && n != 1 ? -1 : rc;
}

static int64_t
count_instances(const struct backend_ops *ops, struct db *db,
    const char *name)
{
	struct db_val p = db_text(name);
	struct rows r;
	char err[ERRLEN];

	if (q(ops, db, "SELECT count(*) FROM instance WHERE name = ?", &p, 1,
	    &r, err) != DB_OK || r.n != 1 || r.v[0].kind != DBV_INT) {
		printf("# count %s: %s\n", name, err);
		return -1;
	}
	return r.v[0].i;
}

static void
suite(const struct backend_ops *ops, const struct config *cfg,
    const char *where)
{
	const char *B = ops->name;
	char err[ERRLEN], path[512], *script;
	struct db *db = NULL, *db2 = NULL;
	struct rows r;
	int rc;

	err[0] = '\0';
	rc = ops->connect(cfg, &db, err, ERRLEN);
	if (!ok(rc == DB_OK && db != NULL, "%s: connect to %s", B, where)) {
		printf("# %s\n", err);
		return;
	}

	/* A clean slate, so that the test can run again on the same db. */
	rc = ops->exec_script(db,
	    "DROP TABLE IF EXISTS session;\n"
	    "DROP TABLE IF EXISTS instance;\n"
	    "DROP TABLE IF EXISTS applied_event;\n"
	    "DROP TABLE IF EXISTS ovpnlog_schema;\n", err, ERRLEN);
	ok(rc == DB_OK, "%s: exec_script drops leftover tables", B);
	if (rc != DB_OK)
		printf("# %s\n", err);

	snprintf(path, sizeof(path), "schema/%s", ops->schema_file);
	script = slurp(path);
	ok(script != NULL, "%s: schema file %s readable", B, path);
	if (script == NULL)
		goto out;
	rc = ops->exec_script(db, script, err, ERRLEN);
	if (!ok(rc == DB_OK, "%s: exec_script of %s creates the schema", B,
	    path))
		printf("# %s\n", err);
	rc = ops->exec_script(db, script, err, ERRLEN);
	if (!ok(rc == DB_OK, "%s: %s applies twice (IF NOT EXISTS)", B, path))
		printf("# %s\n", err);
	free(script);

	/* has() */
	ok(has(ops, db, "session", NULL) == 1, "%s: has(session)", B);
	ok(has(ops, db, "applied_event", NULL) == 1, "%s: has(applied_event)",
	    B);
	ok(has(ops, db, "session", "disconnect_src_port") == 1,
	    "%s: has(session.disconnect_src_port)", B);
	ok(has(ops, db, "session", "no_such_column") == 0,
	    "%s: has(session.no_such_column) is 0", B);
	ok(has(ops, db, "no_such_table", NULL) == 0,
	    "%s: has(no_such_table) is 0", B);
	ok(has(ops, db, "no_such_table", "cn") == 0,
	    "%s: has(no_such_table.cn) is 0", B);

	/* begin/exec/commit and rollback visibility */
	rc = ops->begin(db, err, ERRLEN);
	ok(rc == DB_OK, "%s: begin", B);
	rc = add_instance(ops, db, "committed", err);
	ok(rc == DB_OK, "%s: insert inside a transaction, changes = 1", B);
	rc = ops->commit(db, err, ERRLEN);
	ok(rc == DB_OK, "%s: commit", B);
	ok(count_instances(ops, db, "committed") == 1,
	    "%s: committed row visible", B);

	rc = ops->begin(db, err, ERRLEN);
	rc |= add_instance(ops, db, "rolledback", err);
	ok(rc == DB_OK && count_instances(ops, db, "rolledback") == 1,
	    "%s: own uncommitted row visible inside the transaction", B);
	rc = ops->rollback(db, err, ERRLEN);
	ok(rc == DB_OK && count_instances(ops, db, "rolledback") == 0,
	    "%s: rolled-back row gone", B);

	/* A second connection does not see uncommitted rows. */
	rc = ops->connect(cfg, &db2, err, ERRLEN);
	ok(rc == DB_OK, "%s: second connection", B);
	if (rc == DB_OK) {
		rc = ops->begin(db, err, ERRLEN);
		rc |= add_instance(ops, db, "pending", err);
		rc |= ops->sync(db, err, ERRLEN);
		ok(rc == DB_OK && count_instances(ops, db2, "pending") == 0,
		    "%s: uncommitted row invisible to another connection", B);
		rc = ops->commit(db, err, ERRLEN);
		ok(rc == DB_OK && count_instances(ops, db2, "pending") == 1,
		    "%s: committed row visible to another connection", B);
	}

	/* Savepoints isolate one event. */
	rc = ops->begin(db, err, ERRLEN);
	rc |= add_instance(ops, db, "sp-a", err);
	rc |= ops->savepoint(db, err, ERRLEN);
	rc |= add_instance(ops, db, "sp-b", err);
	rc |= ops->rollback_to(db, err, ERRLEN);
	rc |= ops->release(db, err, ERRLEN);
	rc |= ops->savepoint(db, err, ERRLEN);
	rc |= add_instance(ops, db, "sp-c", err);
	rc |= ops->release(db, err, ERRLEN);
	rc |= ops->commit(db, err, ERRLEN);
	if (!ok(rc == DB_OK, "%s: savepoint, rollback_to, release, commit", B))
		printf("# %s\n", err);
	ok(count_instances(ops, db, "sp-a") == 1 &&
	    count_instances(ops, db, "sp-b") == 0 &&
	    count_instances(ops, db, "sp-c") == 1,
	    "%s: rollback_to undoes only the work since the savepoint", B);

	/* Parameters and result kinds. */
	{
		int64_t iid = q_int(ops, db,
		    "SELECT id FROM instance WHERE name = 'committed'");
		int all = 1, n;

		ok(iid > 0, "%s: integer column read back as DBV_INT", B);
		rc = ops->begin(db, err, ERRLEN);
		for (n = 0; n < (int)(sizeof(weird_texts) /
		    sizeof(weird_texts[0])); n++) {
			struct db_val p[7] = { db_int(iid),
			    db_int(1700000000 + n), db_text("192.0.2.1"),
			    db_int(1194), db_text(weird_texts[n]),
			    db_null(), db_int(INT64_C(1) << 40) };
			int64_t ch = 0;

			rc |= ops->exec(db, ins_session, p, 7, &ch, err,
			    ERRLEN);
			all &= ch == 1;
		}
		rc |= ops->commit(db, err, ERRLEN);
		if (!ok(rc == DB_OK && all,
		    "%s: sessions with hostile common names inserted", B))
			printf("# %s\n", err);
		for (n = 0; n < (int)(sizeof(weird_texts) /
		    sizeof(weird_texts[0])); n++) {
			struct db_val p = db_int(1700000000 + n);

			rc = q(ops, db, "SELECT cn, vpn_ip4, bytes_in, "
			    "connect_time, src_ip FROM session "
			    "WHERE connect_time = ?", &p, 1, &r, err);
			ok(rc == DB_OK && r.n == 1 &&
			    r.v[0].kind == DBV_TEXT &&
			    r.v[0].len == strlen(weird_texts[n]) &&
			    strcmp(r.s[0], weird_texts[n]) == 0 &&
			    r.v[1].kind == DBV_NULL &&
			    r.v[2].kind == DBV_INT &&
			    r.v[2].i == INT64_C(1) << 40 &&
			    r.v[3].kind == DBV_INT &&
			    r.v[3].i == 1700000000 + n &&
			    r.v[4].kind == DBV_TEXT &&
			    strcmp(r.s[4], "192.0.2.1") == 0,
			    "%s: text '%s' stored verbatim, NULL, ints, "
			    "address read back", B, weird_texts[n]);
		}
		ok(has(ops, db, "session", NULL) == 1,
		    "%s: session table survives a hostile cn", B);
	}

	/* '?' inside a string literal is not a placeholder. */
	{
		struct db_val p[2] = { db_text("a'b"), db_int(-7) };

		rc = q(ops, db, "SELECT '?', ?, ?, 'it''s ?'", p, 2, &r, err);
		if (!ok(rc == DB_OK && r.n == 1 && r.ncols == 4 &&
		    strcmp(r.s[0], "?") == 0 && strcmp(r.s[1], "a'b") == 0 &&
		    strcmp(r.s[2], "-7") == 0 &&
		    strcmp(r.s[3], "it's ?") == 0,
		    "%s: '?' inside quotes is literal, two parameters bound",
		    B))
			printf("# %s / %s\n", err, r.all);
	}

	/* Text bound by length, not NUL-terminated. */
	{
		struct db_val p = db_textn("abcdef", 3);

		rc = q(ops, db, "SELECT ?", &p, 1, &r, err);
		ok(rc == DB_OK && r.n == 1 && strcmp(r.s[0], "abc") == 0,
		    "%s: text parameter bound by its length", B);
	}

	/* Rows come in order; a callback can stop early. */
	rc = q(ops, db, "SELECT name FROM instance ORDER BY name", NULL, 0,
	    &r, err);
	if (!ok(rc == DB_OK && strcmp(r.all,
	    "committed;pending;sp-a;sp-c;") == 0,
	    "%s: query returns every row in order", B))
		printf("# %s / %s\n", err, r.all);

	/* UPDATE changes counts matched rows, even when values are equal. */
	{
		int64_t ch = -1;

		rc = ops->exec(db, "UPDATE instance SET port = 1194 "
		    "WHERE name LIKE 'sp-%'", NULL, 0, &ch, err, ERRLEN);
		ok(rc == DB_OK && ch == 2,
		    "%s: UPDATE reports matched rows as changes (got %" PRId64
		    ")", B, ch);
		rc = ops->exec(db, "DELETE FROM instance WHERE name = 'none'",
		    NULL, 0, &ch, err, ERRLEN);
		ok(rc == DB_OK && ch == 0, "%s: DELETE of nothing: 0 changes",
		    B);
	}

	/* A unique violation is DB_REJECT; the transaction stays usable. */
	rc = ops->begin(db, err, ERRLEN);
	rc |= ops->savepoint(db, err, ERRLEN);
	err[0] = '\0';
	rc = add_instance(ops, db, "committed", err);
	if (rc == DB_OK)
		rc = ops->sync(db, err, ERRLEN);
	if (!ok(rc == DB_REJECT, "%s: duplicate unique key is DB_REJECT", B))
		printf("# rc %d: %s\n", rc, err);
	ok(strstr(err, B) != NULL, "%s: reject reason names the backend: %s",
	    B, err);
	rc = ops->rollback_to(db, err, ERRLEN);
	rc |= ops->release(db, err, ERRLEN);
	rc |= add_instance(ops, db, "after-reject", err);
	rc |= ops->commit(db, err, ERRLEN);
	if (!ok(rc == DB_OK && count_instances(ops, db, "after-reject") == 1,
	    "%s: rest of the transaction commits after rollback_to", B))
		printf("# %s\n", err);

	/* Deferred statements: an error surfaces at sync or commit. */
	{
		struct db_val p[3] = { db_text("committed"), db_int(1194),
		    db_text("udp") };
		int r1, r2, r3;

		rc = ops->begin(db, err, ERRLEN);
		r1 = add_instance(ops, db, "deferred-ok", err);
		r2 = ops->exec(db, ins_instance, p, 3, NULL, err, ERRLEN);
		r3 = r2 == DB_OK ? ops->commit(db, err, ERRLEN) : r2;
		ok(rc == DB_OK && r1 == DB_OK && r3 == DB_REJECT,
		    "%s: deferred duplicate reported as DB_REJECT by exec or "
		    "commit (%d %d %d)", B, r1, r2, r3);
		rc = ops->rollback(db, err, ERRLEN);
		ok(rc == DB_OK && count_instances(ops, db, "deferred-ok") == 0,
		    "%s: rollback after a deferred error keeps nothing", B);

		/* Many deferred statements, then one sync point. */
		rc = ops->begin(db, err, ERRLEN);
		for (int i = 0; i < 3000 && rc == DB_OK; i++) {
			char name[32];
			struct db_val pp[3];

			snprintf(name, sizeof(name), "bulk-%04d", i);
			pp[0] = db_text(name);
			pp[1] = db_int(i);
			pp[2] = db_text("tcp");
			rc = ops->exec(db, ins_instance, pp, 3, NULL, err,
			    ERRLEN);
		}
		if (rc == DB_OK)
			rc = ops->sync(db, err, ERRLEN);
		ok(rc == DB_OK, "%s: 3000 deferred inserts and sync", B);
		ok(q_int(ops, db, "SELECT count(*) FROM instance WHERE "
		    "protocol = 'tcp'") == 3000,
		    "%s: a query sees every deferred insert", B);
		rc = ops->commit(db, err, ERRLEN);
		ok(rc == DB_OK, "%s: commit after deferred inserts", B);
	}

	/* After a failed statement outside a savepoint, rollback recovers. */
	rc = ops->exec(db, "SELECT no_such_column FROM instance", NULL, 0,
	    NULL, err, ERRLEN);
	if (rc == DB_OK)
		rc = ops->sync(db, err, ERRLEN);
	ok(rc == DB_RETRY, "%s: an unknown column is DB_RETRY (a bug, keep "
	    "the files): %s", B, err);
	rc = ops->rollback(db, err, ERRLEN);
	ok(rc == DB_OK && q_int(ops, db, "SELECT count(*) FROM instance "
	    "WHERE name = 'committed'") == 1,
	    "%s: connection usable after an error", B);

out:
	if (db2 != NULL)
		ops->close(db2);
	ops->close(db);
}

/* SQLite: a writer holding the lock longer than busy_timeout -> RETRY. */
static void
sqlite_faults(const struct backend_ops *ops, struct config *cfg)
{
	struct db *a = NULL, *b = NULL;
	char err[ERRLEN];
	int rc;

	cfg->busy_timeout_ms = 200;
	if (ops->connect(cfg, &a, err, ERRLEN) != DB_OK ||
	    ops->connect(cfg, &b, err, ERRLEN) != DB_OK) {
		ok(0, "sqlite: two connections: %s", err);
		goto out;
	}
	ok(ops->begin(a, err, ERRLEN) == DB_OK, "sqlite: first writer begins");
	err[0] = '\0';
	rc = ops->begin(b, err, ERRLEN);
	ok(rc == DB_RETRY && strstr(err, "sqlite at ") != NULL &&
	    strstr(err, cfg->db_path) != NULL,
	    "sqlite: second writer gets DB_RETRY after busy_timeout: %s", err);
	ops->rollback(a, err, ERRLEN);
	ok(ops->begin(b, err, ERRLEN) == DB_OK && ops->commit(b, err, ERRLEN)
	    == DB_OK, "sqlite: second writer proceeds once the lock is gone");

	/* A reader does not block a writer (WAL). */
	{
		struct rows r;

		rc = ops->begin(a, err, ERRLEN);
		rc |= q(ops, a, "SELECT count(*) FROM instance", NULL, 0, &r,
		    err);
		rc |= ops->exec(b, "PRAGMA user_version", NULL, 0, NULL, err,
		    ERRLEN);
		ops->rollback(a, err, ERRLEN);
		ok(rc == DB_OK, "sqlite: WAL read next to a connection");
	}
out:
	if (a != NULL)
		ops->close(a);
	if (b != NULL)
		ops->close(b);

	/* A write-protected database file: DB_RETRY at connect. */
	if (geteuid() != 0) {
		chmod(cfg->db_path, 0444);
		a = NULL;
		rc = ops->connect(cfg, &a, err, ERRLEN);
		ok(rc == DB_RETRY && strstr(err, "not writable") != NULL,
		    "sqlite: read-only file is DB_RETRY at connect: %s", err);
		if (a != NULL)
			ops->close(a);
		chmod(cfg->db_path, 0644);
	}
	{
		struct config c2 = *cfg;

		c2.db_path = (char *)"/nonexistent-dir/x.sqlite";
		a = NULL;
		rc = ops->connect(&c2, &a, err, ERRLEN);
		ok(rc == DB_RETRY && a == NULL &&
		    strstr(err, "sqlite at /nonexistent-dir/x.sqlite") != NULL,
		    "sqlite: unopenable path is DB_RETRY: %s", err);
	}
}

/* A server that goes away: DB_RETRY naming backend and host, then back. */
static void
server_outage(const struct backend_ops *ops, const struct config *cfg,
    const char *stop, const char *start, const char *hostword)
{
	struct db *db = NULL;
	char err[ERRLEN];
	int rc;

	if (ops->connect(cfg, &db, err, ERRLEN) != DB_OK) {
		ok(0, "%s: connect before outage: %s", ops->name, err);
		return;
	}
	rc = ops->begin(db, err, ERRLEN);
	rc |= add_instance(ops, db, "outage", err);
	ok(rc == DB_OK, "%s: transaction open before the outage", ops->name);
	ok(run_cmd(stop) == 0, "%s: %s", ops->name, stop);
	err[0] = '\0';
	rc = add_instance(ops, db, "outage-2", err);
	if (rc == DB_OK)
		rc = ops->commit(db, err, ERRLEN);
	ok(rc == DB_RETRY && strstr(err, ops->name) != NULL &&
	    strstr(err, hostword) != NULL,
	    "%s: statement on a stopped server is DB_RETRY naming backend "
	    "and host: %s", ops->name, err);
	ops->close(db);
	db = NULL;
	err[0] = '\0';
	rc = ops->connect(cfg, &db, err, ERRLEN);
	ok(rc == DB_RETRY && db == NULL && strstr(err, ops->name) != NULL &&
	    strstr(err, hostword) != NULL,
	    "%s: connect to a stopped server is DB_RETRY: %s", ops->name, err);
	if (db != NULL)
		ops->close(db);
	ok(run_cmd(start) == 0, "%s: %s", ops->name, start);
	db = NULL;
	rc = ops->connect(cfg, &db, err, ERRLEN);
	ok(rc == DB_OK, "%s: connect after restart", ops->name);
	if (rc == DB_OK) {
		ok(count_instances(ops, db, "outage") == 0,
		    "%s: the interrupted transaction left nothing", ops->name);
		ops->close(db);
	}
}

/*
 * openvpn-db-log's layout (its pg.sql / mysql.sql: the two tables, their
 * columns and unique keys), then schema/B-from-openvpn-db-log.sql and the
 * main schema, as init-db runs them: rows and ids survive, the new columns,
 * tables and indexes appear, and the upgrade can run again.
 */
static const char orig_pgsql[] =
    "CREATE TABLE session (id bigserial UNIQUE PRIMARY KEY,"
    " instance_id bigint NOT NULL, connect_time bigint NOT NULL,"
    " src_ip inet NOT NULL, src_port integer NOT NULL,"
    " cn varchar(64) NOT NULL, vpn_ip4 inet, vpn_ip6 inet,"
    " disconnect_time bigint, duration integer, bytes_in bigint,"
    " bytes_out bigint, CONSTRAINT unique_session UNIQUE"
    " (instance_id, connect_time, src_ip, src_port, cn));\n"
    "CREATE TABLE instance (id bigserial UNIQUE PRIMARY KEY,"
    " name varchar(64) NOT NULL DEFAULT '', port integer NOT NULL DEFAULT 0,"
    " protocol varchar(10) NOT NULL DEFAULT '',"
    " CONSTRAINT unique_instance UNIQUE (name, port, protocol));\n";
/* An old server's defaults: latin1 tables. */
static const char orig_mysql[] =
    "CREATE TABLE session (id bigint unsigned NOT NULL AUTO_INCREMENT"
    " UNIQUE PRIMARY KEY, instance_id bigint unsigned NOT NULL,"
    " connect_time bigint NOT NULL, src_ip varchar(39) NOT NULL,"
    " src_port smallint unsigned NOT NULL, cn varchar(64) NOT NULL,"
    " vpn_ip4 varchar(15), vpn_ip6 varchar(39), disconnect_time bigint,"
    " duration integer, bytes_in bigint unsigned, bytes_out bigint unsigned,"
    " CONSTRAINT unique_session UNIQUE"
    " (instance_id, connect_time, src_ip, src_port, cn))"
    " DEFAULT CHARSET=latin1;\n"
    "CREATE TABLE instance (id bigint unsigned NOT NULL AUTO_INCREMENT"
    " UNIQUE PRIMARY KEY, name varchar(64) NOT NULL DEFAULT '',"
    " port smallint unsigned NOT NULL DEFAULT 0,"
    " protocol varchar(10) NOT NULL DEFAULT '',"
    " CONSTRAINT unique_instance UNIQUE (name, port, protocol))"
    " DEFAULT CHARSET=latin1;\n";

static int
run_file(const struct backend_ops *ops, struct db *db, const char *file,
    char *err)
{
	char path[300], *text;
	int rc;

	snprintf(path, sizeof(path), "schema/%s", file);
	if ((text = slurp(path)) == NULL) {
		snprintf(err, ERRLEN, "cannot read %s", path);
		return -1;
	}
	rc = ops->exec_script(db, text, err, ERRLEN);
	free(text);
	return rc;
}

/*
 * The shape of the schema: column names of the four tables and the names
 * of the non-unique indexes, sorted ('|'-joined in r->all).
 */
static int
schema_shape(const struct backend_ops *ops, struct db *db, int pg,
    struct rows *cols, struct rows *idx, char *err)
{
	int rc;

	rc = q(ops, db, pg ?
	    "SELECT table_name, column_name FROM information_schema.columns "
	    "WHERE table_schema = current_schema() ORDER BY 1, 2" :
	    "SELECT table_name, column_name FROM information_schema.columns "
	    "WHERE table_schema = DATABASE() ORDER BY 1, 2", NULL, 0, cols,
	    err);
	if (rc != DB_OK)
		return rc;
	return q(ops, db, pg ?
	    "SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = "
	    "x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN "
	    "pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = "
	    "current_schema() AND NOT x.indisunique ORDER BY 1" :
	    "SELECT DISTINCT index_name FROM information_schema.statistics "
	    "WHERE table_schema = DATABASE() AND non_unique = 1 ORDER BY 1",
	    NULL, 0, idx, err);
}

static void
upgrade_suite(const struct backend_ops *ops, const struct config *cfg)
{
	const char *B = ops->name;
	char err[ERRLEN], upgrade[128];
	struct db *db = NULL;
	struct rows r, fcols, fidx, ucols, uidx;
	int rc, pg = strcmp(B, "postgresql") == 0;

	if (ops->connect(cfg, &db, err, ERRLEN) != DB_OK) {
		ok(0, "%s: upgrade: connect: %s", B, err);
		return;
	}
	snprintf(upgrade, sizeof(upgrade), "%s-from-openvpn-db-log.sql",
	    pg ? "pgsql" : "mysql");

	/* A fresh schema, as the reference. */
	rc = ops->exec_script(db,
	    "DROP TABLE IF EXISTS session;\n"
	    "DROP TABLE IF EXISTS instance;\n"
	    "DROP TABLE IF EXISTS applied_event;\n"
	    "DROP TABLE IF EXISTS ovpnlog_schema;\n", err, ERRLEN);
	rc |= run_file(ops, db, ops->schema_file, err);
	rc |= schema_shape(ops, db, pg, &fcols, &fidx, err);
	if (!ok(rc == DB_OK && fcols.n >= 36 && fidx.n >= 8,
	    "%s: fresh schema: %d columns, %d indexes", B, fcols.n, fidx.n))
		printf("# %s\n", err);

	rc = ops->exec_script(db,
	    "DROP TABLE IF EXISTS session;\n"
	    "DROP TABLE IF EXISTS instance;\n"
	    "DROP TABLE IF EXISTS applied_event;\n"
	    "DROP TABLE IF EXISTS ovpnlog_schema;\n", err, ERRLEN);
	rc |= ops->exec_script(db, pg ? orig_pgsql : orig_mysql, err, ERRLEN);
	rc |= ops->exec(db, "INSERT INTO instance (name, port, protocol) "
	    "VALUES ('old', 1194, 'udp')", NULL, 0, NULL, err, ERRLEN);
	rc |= ops->exec(db, "INSERT INTO session (instance_id, connect_time, "
	    "src_ip, src_port, cn, vpn_ip4, disconnect_time, duration, "
	    "bytes_in, bytes_out) SELECT id, 1600000000, '198.51.100.7', "
	    "40000, 'olduser', '10.8.0.6', 1600000100, 100, 5, 6 "
	    "FROM instance", NULL, 0, NULL, err, ERRLEN);
	if (!ok(rc == DB_OK, "%s: database in openvpn-db-log's layout with "
	    "a session", B))
		printf("# %s\n", err);
	ok(has(ops, db, "session", "username") == 0,
	    "%s: original layout has no ovpnlog columns", B);

	rc = run_file(ops, db, upgrade, err);
	if (!ok(rc == DB_OK, "%s: %s runs", B, upgrade))
		printf("# %s\n", err);
	rc = run_file(ops, db, ops->schema_file, err);
	if (!ok(rc == DB_OK, "%s: %s runs after it", B, ops->schema_file))
		printf("# %s\n", err);
	rc = run_file(ops, db, upgrade, err);
	rc |= run_file(ops, db, ops->schema_file, err);
	if (!ok(rc == DB_OK, "%s: upgrade and schema run again (idempotent)",
	    B))
		printf("# %s\n", err);

	ok(has(ops, db, "session", "username") == 1 &&
	    has(ops, db, "session", "disconnect_src_port") == 1 &&
	    has(ops, db, "instance", "last_status_time") == 1 &&
	    has(ops, db, "applied_event", NULL) == 1 &&
	    has(ops, db, "ovpnlog_schema", NULL) == 1,
	    "%s: upgraded: new columns and tables exist", B);
	rc = q(ops, db, "SELECT s.id, i.name, s.cn, s.src_ip, s.bytes_out, "
	    "s.username FROM session s JOIN instance i ON i.id = "
	    "s.instance_id", NULL, 0, &r, err);
	if (!ok(rc == DB_OK && strcmp(r.all,
	    "1|old|olduser|198.51.100.7|6|;") == 0,
	    "%s: the old session and instance survive unchanged", B))
		printf("# %s / %s\n", err, r.all);
	{
		struct db_val p[2] = { db_text("utf-8 J\xc3\xbcrgen \xf0\x9f\x94\x92"),
		    db_text("alice") };

		rc = ops->exec(db, "INSERT INTO session (instance_id, "
		    "connect_time, src_ip, src_port, cn, username) SELECT id, "
		    "1700000000, '2001:db8::1', 1194, ?, ? FROM instance "
		    "WHERE name = 'old'", p, 2, NULL, err, ERRLEN);
		rc |= q(ops, db, "SELECT id, cn, username, instance_id FROM "
		    "session WHERE connect_time = 1700000000", NULL, 0, &r,
		    err);
		if (!ok(rc == DB_OK && r.n == 1 && r.v[0].i == 2 &&
		    strcmp(r.s[1], p[0].s) == 0 &&
		    strcmp(r.s[2], "alice") == 0 && r.v[3].i == 1,
		    "%s: new sessions go into the same instance, next id, "
		    "UTF-8 and new columns stored", B))
			printf("# %s / %s\n", err, r.all);
	}
	rc = schema_shape(ops, db, pg, &ucols, &uidx, err);
	if (!ok(rc == DB_OK && strcmp(ucols.all, fcols.all) == 0,
	    "%s: upgraded database has exactly the columns of a fresh one",
	    B))
		printf("# %s\n# upgraded: %s\n# fresh:    %s\n", err,
		    ucols.all, fcols.all);
	if (!ok(rc == DB_OK && strcmp(uidx.all, fidx.all) == 0,
	    "%s: upgraded database has exactly the indexes of a fresh one",
	    B))
		printf("# upgraded: %s\n# fresh:    %s\n", uidx.all,
		    fidx.all);
	if (!pg) {
		rc = q(ops, db, "SELECT count(*) FROM information_schema.tables"
		    " WHERE table_schema = DATABASE() AND (engine <> 'InnoDB'"
		    " OR table_collation <> 'utf8mb4_bin')", NULL, 0, &r, err);
		ok(rc == DB_OK && r.n == 1 && r.v[0].i == 0,
		    "%s: every table InnoDB and utf8mb4_bin after the upgrade",
		    B);
	}
	ops->close(db);
}

/*
 * Connection failures: each is DB_RETRY (files kept) with one line that
 * names the backend, where it tried, and the cause.
 */
static void
connect_errors(const struct backend_ops *ops, const struct config *good,
    unsigned tcp_port, unsigned closed)
{
	static const struct {
		const char	*what;
		const char	*cause;		/* in the message */
		const char	*cause2;	/* or this */
	} cases[] = {
		{ "wrong password", "password", "Access denied" },
		{ "unknown database", "does not exist", "no_such_database" },
		{ "closed port", "refused", "Can't connect" },
		{ "sslmode=require without server TLS", "SSL", "TLS" },
	};
	char err[ERRLEN], where[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c = *good;
		struct db *db = NULL;
		const char *host = c.host;
		int rc;

		switch (i) {
		case 0:
			c.password = (char *)"wrong-password";
			break;
		case 1:
			c.dbname = (char *)"no_such_database";
			break;
		case 2:
			c.host = (char *)"127.0.0.1";
			c.port = closed;
			snprintf(where, sizeof(where), "127.0.0.1:%u", closed);
			host = where;
			break;
		case 3:
			/* TLS is never used on a unix socket: go by TCP. */
			c.host = (char *)"127.0.0.1";
			c.port = tcp_port;
			c.sslmode = (char *)"require";
			snprintf(where, sizeof(where), "127.0.0.1:%u",
			    tcp_port);
			host = where;
			break;
		}
		err[0] = '\0';
		rc = ops->connect(&c, &db, err, ERRLEN);
		ok(rc == DB_RETRY && db == NULL &&
		    strncmp(err, ops->name, strlen(ops->name)) == 0 &&
		    strstr(err, host) != NULL && strchr(err, '\n') == NULL &&
		    (strstr(err, cases[i].cause) != NULL ||
		    strstr(err, cases[i].cause2) != NULL),
		    "%s: %s is DB_RETRY naming backend, host and cause: %s",
		    ops->name, cases[i].what, err);
		if (db != NULL)
			ops->close(db);
	}
}

/*
 * The server killed (PostgreSQL immediate stop, SIGKILL to mariadbd) with
 * a transaction of queued statements open: commit is DB_RETRY, no hang,
 * and after a restart none of it is there.
 */
static void
server_kill(const struct backend_ops *ops, const struct config *cfg,
    const char *kill, const char *start)
{
	struct db *db = NULL;
	char err[ERRLEN];
	int rc;

	if (ops->connect(cfg, &db, err, ERRLEN) != DB_OK) {
		ok(0, "%s: connect before kill: %s", ops->name, err);
		return;
	}
	rc = ops->begin(db, err, ERRLEN);
	for (int i = 0; i < 200 && rc == DB_OK; i++) {
		char name[32];
		struct db_val p[3];

		snprintf(name, sizeof(name), "killed-%03d", i);
		p[0] = db_text(name);
		p[1] = db_int(i);
		p[2] = db_text("udp");
		rc = ops->exec(db, ins_instance, p, 3, NULL, err, ERRLEN);
	}
	ok(rc == DB_OK, "%s: 200 statements queued before the kill",
	    ops->name);
	ok(run_cmd(kill) == 0, "%s: %s", ops->name, kill);
	err[0] = '\0';
	rc = ops->exec(db, ins_instance, (struct db_val[3]){ db_text("x"),
	    db_int(1), db_text("udp") }, 3, NULL, err, ERRLEN);
	if (rc == DB_OK)
		rc = ops->commit(db, err, ERRLEN);
	ok(rc == DB_RETRY && strstr(err, ops->name) != NULL,
	    "%s: commit after the server was killed is DB_RETRY: %s",
	    ops->name, err);
	rc = ops->rollback(db, err, ERRLEN);
	ok(rc == DB_OK || rc == DB_RETRY, "%s: rollback on a dead connection "
	    "returns", ops->name);
	ops->close(db);
	ok(run_cmd(start) == 0, "%s: %s", ops->name, start);
	db = NULL;
	if (ops->connect(cfg, &db, err, ERRLEN) != DB_OK) {
		ok(0, "%s: connect after kill and restart: %s", ops->name, err);
		return;
	}
	ok(q_int(ops, db, "SELECT count(*) FROM instance WHERE name LIKE "
	    "'killed-%'") == 0, "%s: nothing of the killed transaction was "
	    "committed", ops->name);
	ops->close(db);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
main(void)
{
	const struct backend_ops *const *list = backend_list();
	char tmpl[] = "/tmp/ovpnlog-test-backend.XXXXXX", dbpath[600];
	char where[600];
	int nb = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (mkdtemp(tmpl) == NULL) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return 1;
	}
	for (; *list != NULL; list++) {
		const struct backend_ops *ops = *list;
		struct config cfg;

		memset(&cfg, 0, sizeof(cfg));
		cfg.backend = (char *)ops->name;
		cfg.connect_timeout = 5;
		nb++;
		if (strcmp(ops->name, "sqlite") == 0) {
			snprintf(dbpath, sizeof(dbpath), "%s/t.sqlite", tmpl);
			cfg.db_path = dbpath;
			suite(ops, &cfg, dbpath);
			sqlite_faults(ops, &cfg);
		} else if (strcmp(ops->name, "postgresql") == 0) {
			cfg.host = (char *)env("OVPNLOG_TEST_PG_HOST");
			cfg.user = (char *)env("OVPNLOG_TEST_PG_USER");
			cfg.password = (char *)env("OVPNLOG_TEST_PG_PASSWORD");
			cfg.dbname = (char *)env("OVPNLOG_TEST_PG_DB");
			if (env("OVPNLOG_TEST_PG_PORT") != NULL)
				cfg.port = (unsigned)strtoul(
				    env("OVPNLOG_TEST_PG_PORT"), NULL, 10);
			if (!ok(cfg.host && cfg.user && cfg.password &&
			    cfg.dbname && cfg.port,
			    "postgresql: test server configured "
			    "(OVPNLOG_TEST_PG_*)"))
				continue;
			snprintf(where, sizeof(where), "%s:%u", cfg.host,
			    cfg.port);
			suite(ops, &cfg, where);
			/* Port 1 (tcpmux): nothing listens there. */
			connect_errors(ops, &cfg, cfg.port, 1);
			upgrade_suite(ops, &cfg);
			server_outage(ops, &cfg, "pg-stop", "pg-start",
			    cfg.host);
			server_kill(ops, &cfg, "pg-kill", "pg-start");
		} else if (strcmp(ops->name, "mysql") == 0) {
			cfg.host = (char *)env("OVPNLOG_TEST_MYSQL_SOCKET");
			cfg.user = (char *)env("OVPNLOG_TEST_MYSQL_USER");
			cfg.password = (char *)
			    env("OVPNLOG_TEST_MYSQL_PASSWORD");
			cfg.dbname = (char *)env("OVPNLOG_TEST_MYSQL_DB");
			if (!ok(cfg.host && cfg.user && cfg.password &&
			    cfg.dbname, "mysql: test server configured "
			    "(OVPNLOG_TEST_MYSQL_*)"))
				continue;
			suite(ops, &cfg, cfg.host);
			connect_errors(ops, &cfg, env("OVPNLOG_TEST_MYSQL_PORT") ?
			    (unsigned)strtoul(env("OVPNLOG_TEST_MYSQL_PORT"),
			    NULL, 10) : 0, 1);
			upgrade_suite(ops, &cfg);
			server_outage(ops, &cfg, "mysql-stop", "mysql-start",
			    cfg.host);
			server_kill(ops, &cfg, "mysql-kill", "mysql-start");
			/* The same server over TCP. */
			if (env("OVPNLOG_TEST_MYSQL_PORT") != NULL) {
				struct db *db = NULL;
				char err[ERRLEN];

				cfg.host = (char *)"127.0.0.1";
				cfg.port = (unsigned)strtoul(
				    env("OVPNLOG_TEST_MYSQL_PORT"), NULL, 10);
				ok(ops->connect(&cfg, &db, err, ERRLEN) ==
				    DB_OK, "mysql: connect over TCP to "
				    "127.0.0.1:%u", cfg.port);
				if (db != NULL)
					ops->close(db);
			}
		} else {
			ok(0, "%s: no conformance setup for this backend",
			    ops->name);
		}
	}
	ok(nb >= 1, "at least one backend compiled in (%d)", nb);
	snprintf(dbpath, sizeof(dbpath), "rm -rf '%s'", tmpl);
	if (system(dbpath) != 0)
		printf("# could not remove %s\n", tmpl);
	return done_testing();
}
