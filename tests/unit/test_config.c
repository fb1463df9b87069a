/*
 * test_config — the INI loader (flusher/config.c): values, defaults,
 * durations, and every error naming FILE:LINE; password warnings and
 * masking.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "tap.h"

static char dir[] = "/tmp/test_config.XXXXXX";
static char path[512];
static char err[1024];

static void
write_file(const char *p, const char *text, mode_t mode)
{
	FILE *f = fopen(p, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) == EOF) {
		perror(p);
		exit(1);
	}
	chmod(p, mode);
}

/* Loads text as a config file (mode 0600); NULL with err on error. */
static struct config *
load_mode(const char *text, mode_t mode)
{
	write_file(path, text, mode);
	err[0] = '\0';
	return config_load(path, err, sizeof(err));
}

static struct config *
load(const char *text)
{
	return load_mode(text, 0600);
}

#define SQLITE	"[database]\nbackend = sqlite\npath = /var/lib/x.sqlite\n"

/* The config must fail with "PATH:LINE: ..." containing what. */
static void
fails_at(const char *name, const char *text, int line, const char *what)
{
	struct config *cfg = load(text);
	char want[600];

	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: ", path, line);
	else
		snprintf(want, sizeof(want), "%s: ", path);
	if (!ok(cfg == NULL && strncmp(err, want, strlen(want)) == 0 &&
	    strstr(err, what) != NULL, "config: %s is an error at %s%d "
	    "naming '%s'", name, line > 0 ? "line " : "no line", line, what))
		printf("# got: %s\n", cfg ? "(loaded)" : err);
	config_free(cfg);
}

static void
test_values(void)
{
	struct config *cfg;

	cfg = load("; comment\n# comment\n[spool]\ndir = /srv/spool\n"
	    "tmp_grace = 10m\n\n" SQLITE "busy_timeout = 250ms\n"
	    "[flush]\nbatch_size = 77\nretry_min = 2s\nretry_max = 1h\n"
	    "watch_latency = 0\nrescan_interval = 30s\nstatus_interval = 1d\n"
	    "stats_file = /var/lib/ovpnlog/stats\n");
	if (!ok(cfg != NULL, "config: a complete sqlite config loads"))
		printf("# %s\n", err);
	if (cfg == NULL)
		return;
	ok(strcmp(cfg->spool_dir, "/srv/spool") == 0 && cfg->tmp_grace == 600,
	    "config: [spool] dir and tmp_grace = 10m (600 s)");
	ok(strcmp(cfg->backend, "sqlite") == 0 &&
	    strcmp(cfg->db_path, "/var/lib/x.sqlite") == 0 &&
	    cfg->busy_timeout_ms == 250,
	    "config: [database] backend, path, busy_timeout = 250ms");
	ok(cfg->batch_size == 77 && cfg->retry_min_ms == 2000 &&
	    cfg->retry_max_ms == 3600000 && cfg->watch_latency_ms == 0 &&
	    cfg->rescan_interval == 30 && cfg->status_interval == 86400 &&
	    strcmp(cfg->stats_file, "/var/lib/ovpnlog/stats") == 0,
	    "config: every [flush] value in its unit");
	ok(cfg->warnings == NULL, "config: no warnings for a 0600 file");
	config_free(cfg);

	cfg = load(SQLITE);
	ok(cfg != NULL && strcmp(cfg->spool_dir, "/var/spool/ovpnlog") == 0 &&
	    cfg->tmp_grace == 300 && cfg->batch_size == 2000 &&
	    cfg->busy_timeout_ms == 5000 && cfg->ninstances == 0,
	    "config: defaults (spool /var/spool/ovpnlog, tmp_grace 300 s, "
	    "batch 2000, busy_timeout 5 s)");
	config_free(cfg);

	cfg = load("[database]\nbackend = postgresql\nhost = /run/postgresql"
	    "\nport = 6432\ndbname = logs\nuser = vpn\npassword = a;b\n"
	    "sslmode = verify-full\nconnect_timeout = 3s\n"
	    "option.application_name = ovpnlog\noption.keepalives = 1\n"
	    "env.PGSERVICEFILE = /etc/pg_service.conf\n");
	if (!ok(cfg != NULL && strcmp(cfg->host, "/run/postgresql") == 0 &&
	    cfg->port == 6432 && strcmp(cfg->dbname, "logs") == 0 &&
	    strcmp(cfg->user, "vpn") == 0 &&
	    strcmp(cfg->password, "a;b") == 0 &&
	    strcmp(cfg->sslmode, "verify-full") == 0 &&
	    cfg->connect_timeout == 3,
	    "config: server settings; 'a;b' keeps its ';' (no space before)"))
		printf("# %s\n", err);
	if (cfg != NULL)
		ok(cfg->noptions == 2 &&
		    strcmp(cfg->options[0].key, "application_name") == 0 &&
		    strcmp(cfg->options[1].value, "1") == 0 && cfg->nenv == 1 &&
		    strcmp(cfg->env[0].key, "PGSERVICEFILE") == 0 &&
		    strcmp(cfg->env[0].value, "/etc/pg_service.conf") == 0,
		    "config: option.KEY and env.NAME pass through in order");
	config_free(cfg);

	cfg = load(SQLITE "[instance udp-1194]\nport = 1194\nprotocol = udp\n"
	    "status_file = /run/openvpn/status.log\nstatus_version = 3\n"
	    "status_max_age = 2m\nstatus_create_missing = yes\n"
	    "[instance tcp]\nname = main\nport = 443\nprotocol = tcp\n");
	if (!ok(cfg != NULL && cfg->ninstances == 2, "config: two [instance] "
	    "sections"))
		printf("# %s\n", err);
	if (cfg != NULL && cfg->ninstances == 2) {
		struct config_instance *a = &cfg->instances[0],
		    *b = &cfg->instances[1];
		ok(strcmp(a->name, "udp-1194") == 0 && a->port == 1194 &&
		    strcmp(a->protocol, "udp") == 0 &&
		    strcmp(a->status_file, "/run/openvpn/status.log") == 0 &&
		    a->status_version == STATUS_V3 &&
		    a->status_max_age == 120 && a->status_create_missing == 1 &&
		    a->status_all_or_nothing == 0,
		    "config: instance name defaults to the section's NAME; "
		    "status settings");
		ok(strcmp(b->name, "main") == 0 && b->port == 443 &&
		    strcmp(b->protocol, "tcp") == 0 && b->status_file == NULL &&
		    b->status_version == STATUS_DETECT,
		    "config: name = overrides; status_version defaults to auto");
	}
	config_free(cfg);
}

static void
test_durations(void)
{
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "0", 0 }, { "200ms", 200 }, { "5s", 5000 }, { "1m", 60000 },
		{ "2h", 7200000 }, { "1d", 86400000 },
	};
	static const char *const bad[] = { "", "5", "5x", "-1s", "s", "1.5s",
	    " 5s", "5 s", "99999999999999999999d", "2d" };
	int64_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(config_parse_duration(good[i].s, 86400000, &v, err,
		    sizeof(err)) == 0 && v == good[i].ms,
		    "duration: '%s' is %lld ms", good[i].s,
		    (long long)good[i].ms);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(config_parse_duration(bad[i], 86400000, &v, err,
		    sizeof(err)) == -1 && err[0] != '\0',
		    "duration: '%s' is refused (%s)", bad[i], err);
}

static void
test_errors(void)
{
	char longline[400];

	fails_at("an unknown section", SQLITE "[flsh]\nbatch_size = 1\n", 4,
	    "unknown section [flsh]");
	fails_at("an empty unknown section", SQLITE "\n[spol]\n", 5,
	    "unknown section [spol]");
	fails_at("an unknown key", "[spool]\ndir = /s\n" SQLITE "paht = /x\n", 6,
	    "unknown key 'paht' in [database]");
	fails_at("a duplicate key", SQLITE "[flush]\nbatch_size = 1\n"
	    "batch_size = 2\n", 6, "duplicate key 'batch_size' in [flush] "
	    "(first set at line 5)");
	fails_at("a duplicate section", SQLITE "[flush]\n[database]\n", 5,
	    "duplicate section [database]");
	fails_at("a bad number", SQLITE "[flush]\nbatch_size = 12a\n", 5,
	    "batch_size: bad number");
	fails_at("a number out of range", SQLITE "[flush]\nbatch_size = 0\n",
	    5, "batch_size: bad number");
	fails_at("a duration without unit", SQLITE "busy_timeout = 5000\n", 4,
	    "lacks a unit");
	fails_at("sub-second tmp_grace", "[spool]\ntmp_grace = 1500ms\n"
	    SQLITE, 2, "not a whole number of seconds");
	fails_at("a relative path", "[database]\nbackend = sqlite\n"
	    "path = db.sqlite\n", 3, "not an absolute path");
	fails_at("an unknown backend", "[database]\nbackend = oracle\n", 2,
	    "unknown backend 'oracle'");
	fails_at("a bad boolean", SQLITE "[instance a]\n"
	    "status_create_missing = maybe\n", 5, "not yes or no");
	fails_at("a bad status_version", SQLITE "[instance a]\n"
	    "status_version = 4\n", 5, "not auto, 2 or 3");
	fails_at("a key outside any section", "batch_size = 1\n" SQLITE, 1,
	    "outside any section");
	fails_at("an indented continuation line", SQLITE "[flush]\n"
	    "batch_size = 1\n  2\n", 6, "cannot span lines");
	fails_at("a line without '='", SQLITE "[flush]\nbatch_size\n", 5,
	    "syntax error");
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "host = ", 7);
	longline[300] = '\0';
	{
		char text[600];
		snprintf(text, sizeof(text), "[database]\nbackend = postgresql"
		    "\ndbname = d\n%s\n", longline);
		fails_at("a line longer than libinih reads", text, 4,
		    "line too long");
	}
	fails_at("a missing backend", "[spool]\ndir = /s\n[database]\n"
	    "path = /x\n", 3, "has no backend");
	fails_at("no [database] section", "[spool]\ndir = /s\n", 0,
	    "no [database] section");
	fails_at("sqlite without path", "[database]\nbackend = sqlite\n", 1,
	    "needs path");
	fails_at("a server backend without dbname", "[database]\n"
	    "backend = mysql\nhost = db\n", 1, "needs dbname");
	fails_at("a server setting with sqlite", SQLITE "host = db\n", 4,
	    "host does not apply to backend = sqlite");
	fails_at("path with a server backend", "[database]\n"
	    "backend = postgresql\ndbname = d\npath = /x\n", 4,
	    "path applies to backend = sqlite only");
	fails_at("password and password_file", "[database]\n"
	    "backend = postgresql\ndbname = d\npassword = x\n"
	    "password_file = /etc/pw\n", 5, "exclude each other");
	fails_at("retry_min above retry_max", SQLITE "[flush]\n"
	    "retry_min = 10m\nretry_max = 1m\n", 5, "retry_min");
	fails_at("a bad instance NAME", SQLITE "[instance a b]\n", 4,
	    "bad section [instance a b]");
	fails_at("two instances with one triple", SQLITE "[instance a]\n"
	    "name = x\n[instance b]\nname = x\n", 6, "same name, port and "
	    "protocol as [instance a]");
	fails_at("a bad env name", "[database]\nbackend = postgresql\n"
	    "dbname = d\nenv.1X = y\n", 4, "bad key 'env.1X'");
	fails_at("a duplicate option", "[database]\nbackend = postgresql\n"
	    "dbname = d\noption.a = 1\noption.a = 2\n", 5,
	    "duplicate key 'option.a'");
	fails_at("an unreadable password_file", "[database]\n"
	    "backend = postgresql\ndbname = d\n"
	    "password_file = /nonexistent/pw\n", 4, "cannot open");

	err[0] = '\0';
	ok(config_load("/nonexistent/ovpnlog.ini", err, sizeof(err)) == NULL &&
	    strstr(err, "/nonexistent/ovpnlog.ini") != NULL &&
	    strstr(err, "No such file") != NULL,
	    "config: a missing file names the path and the reason (%s)", err);
}

static void
test_passwords(void)
{
	struct config *cfg;
	char pwpath[600], text[800], *out = NULL;
	size_t outlen = 0;
	FILE *f;

	cfg = load_mode("[database]\nbackend = postgresql\ndbname = d\n"
	    "password = s3cret\n", 0644);
	ok(cfg != NULL && cfg->warnings != NULL &&
	    strstr(cfg->warnings, "holds a password and is readable by others")
	    != NULL, "config: password in a world-readable file warns");
	config_free(cfg);
	cfg = load_mode("[database]\nbackend = postgresql\ndbname = d\n"
	    "password = s3cret\n", 0640);
	ok(cfg != NULL && cfg->warnings == NULL,
	    "config: password in a 0640 file does not warn");
	config_free(cfg);
	cfg = load_mode(SQLITE, 0644);
	ok(cfg != NULL && cfg->warnings == NULL,
	    "config: a world-readable file without password does not warn");
	config_free(cfg);

	cfg = load("[database]\nbackend = postgresql\ndbname = d\n"
	    "password = ab ;cd\n");
	ok(cfg != NULL && strcmp(cfg->password, "ab") == 0 &&
	    cfg->warnings != NULL && strstr(cfg->warnings, ":4: the password "
	    "value contains ' ;'") != NULL,
	    "config: ' ;' cuts a password (libinih) and warns at its line");
	config_free(cfg);

	snprintf(pwpath, sizeof(pwpath), "%s/pw", dir);
	write_file(pwpath, "pa ss;word\nsecond line\n", 0600);
	snprintf(text, sizeof(text), "[database]\nbackend = postgresql\n"
	    "dbname = d\npassword_file = %s\n", pwpath);
	cfg = load(text);
	ok(cfg != NULL && strcmp(cfg->password, "pa ss;word") == 0 &&
	    cfg->warnings == NULL,
	    "config: password_file gives its first line verbatim");
	if (cfg != NULL && (f = open_memstream(&out, &outlen)) != NULL) {
		config_print(cfg, f);
		fclose(f);
		ok(strstr(out, "pa ss;word") == NULL &&
		    strstr(out, "********") != NULL &&
		    strstr(out, "dbname = d") != NULL,
		    "config: check-config output masks the password");
		free(out);
	}
	config_free(cfg);
	chmod(pwpath, 0644);
	cfg = load(text);
	ok(cfg != NULL && cfg->warnings != NULL &&
	    strstr(cfg->warnings, "is readable by others") != NULL,
	    "config: a world-readable password_file warns");
	config_free(cfg);
	write_file(pwpath, "\n", 0600);
	cfg = load(text);
	ok(cfg == NULL && strstr(err, "the first line is empty") != NULL,
	    "config: an empty password_file is an error");
	config_free(cfg);
	unlink(pwpath);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ovpnlog.ini", dir);
	test_values();
	test_durations();
	test_errors();
	test_passwords();
	unlink(path);
	rmdir(dir);
	return done_testing();
}
