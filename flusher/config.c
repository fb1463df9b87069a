/*
 * config — the INI loader.  libinih does the tokenizing; this file owns
 * the rules: which sections and keys exist, their types and bounds,
 * duplicates, cross-checks, and "FILE:LINE: reason" for every error.
 *
 * The file is read into memory first and fed to ini_parse_stream()
 * through our own line reader, which knows the line number of every
 * handler call (the Debian libinih is built without INI_HANDLER_LINENO),
 * sees section headers (so an empty unknown or duplicate section is still
 * an error), and refuses lines longer than libinih's buffer, which libinih
 * itself would silently split into two lines.
 *
 * libinih facts documented in ovpnlog.ini(5): ';' at the start of a line,
 * or after whitespace inside a value, starts a comment ("password = a ;b"
 * gives "a"); '#' starts a comment only at the start of a line; an
 * indented line continues the previous value (refused here); quotes are
 * not removed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numparse.h"

#define DEFAULT_SPOOL_DIR	"/var/spool/ovpnlog"
#define PASSWORD_FILE_MAX	4096
#define MS_PER_S		INT64_C(1000)
#define MS_PER_DAY		(INT64_C(86400) * MS_PER_S)

enum sect { S_SPOOL, S_DATABASE, S_FLUSH, S_INSTANCE, S_COUNT };

static const char *const sect_names[S_COUNT] = {
	[S_SPOOL] = "spool",
	[S_DATABASE] = "database",
	[S_FLUSH] = "flush",
	[S_INSTANCE] = "instance",
};

enum vtype {
	V_STR,		/* any text, may be empty */
	V_NAME,		/* non-empty text */
	V_PATH,		/* absolute path */
	V_PORT,		/* unsigned in [min, max] */
	V_INT,		/* int64_t in [min, max] */
	V_MS,		/* duration stored in ms, bounds in ms */
	V_SEC,		/* duration stored in whole seconds, bounds in ms */
	V_BOOL,
	V_BACKEND,
	V_SSLMODE,
	V_STATUSVER,
};

struct keydef {
	enum sect	 sect;
	const char	*key;
	enum vtype	 type;
	size_t		 off;	/* in struct config, or config_instance */
	int64_t		 min, max;
	size_t		 maxlen;	/* strings: bytes, 0 = no limit */
};

#define C(f)	offsetof(struct config, f)
#define I(f)	offsetof(struct config_instance, f)
#define SEC(n)	((int64_t)(n) * MS_PER_S)

static const struct keydef keys[] = {
	{ S_SPOOL, "dir", V_PATH, C(spool_dir), 0, 0, 0 },
	{ S_SPOOL, "tmp_grace", V_SEC, C(tmp_grace), SEC(1), 7 * MS_PER_DAY, 0 },

	{ S_DATABASE, "backend", V_BACKEND, C(backend), 0, 0, 0 },
	{ S_DATABASE, "path", V_PATH, C(db_path), 0, 0, 0 },
	{ S_DATABASE, "host", V_NAME, C(host), 0, 0, 1024 },
	{ S_DATABASE, "port", V_PORT, C(port), 1, 65535, 0 },
	{ S_DATABASE, "dbname", V_NAME, C(dbname), 0, 0, 256 },
	{ S_DATABASE, "user", V_NAME, C(user), 0, 0, 256 },
	{ S_DATABASE, "password", V_STR, C(password), 0, 0, 1024 },
	{ S_DATABASE, "password_file", V_PATH, C(password_file), 0, 0, 0 },
	{ S_DATABASE, "sslmode", V_SSLMODE, C(sslmode), 0, 0, 0 },
	{ S_DATABASE, "sslrootcert", V_PATH, C(sslrootcert), 0, 0, 0 },
	{ S_DATABASE, "sslcert", V_PATH, C(sslcert), 0, 0, 0 },
	{ S_DATABASE, "sslkey", V_PATH, C(sslkey), 0, 0, 0 },
	{ S_DATABASE, "connect_timeout", V_SEC, C(connect_timeout), 0,
	    SEC(3600), 0 },
	{ S_DATABASE, "busy_timeout", V_MS, C(busy_timeout_ms), 1,
	    SEC(3600), 0 },

	{ S_FLUSH, "batch_size", V_INT, C(batch_size), 1, 100000, 0 },
	{ S_FLUSH, "retry_min", V_MS, C(retry_min_ms), 1, MS_PER_DAY, 0 },
	{ S_FLUSH, "retry_max", V_MS, C(retry_max_ms), 1, MS_PER_DAY, 0 },
	{ S_FLUSH, "watch_latency", V_MS, C(watch_latency_ms), 0, SEC(60),
	    0 },
	{ S_FLUSH, "rescan_interval", V_SEC, C(rescan_interval), SEC(1),
	    MS_PER_DAY, 0 },
	{ S_FLUSH, "status_interval", V_SEC, C(status_interval), SEC(1),
	    MS_PER_DAY, 0 },
	{ S_FLUSH, "stats_file", V_PATH, C(stats_file), 0, 0, 0 },

	{ S_INSTANCE, "name", V_STR, I(name), 0, 0, 64 },
	{ S_INSTANCE, "port", V_PORT, I(port), 0, 65535, 0 },
	{ S_INSTANCE, "protocol", V_STR, I(protocol), 0, 0, 10 },
	{ S_INSTANCE, "status_file", V_PATH, I(status_file), 0, 0, 0 },
	{ S_INSTANCE, "status_version", V_STATUSVER, I(status_version), 0, 0,
	    0 },
	{ S_INSTANCE, "status_max_age", V_SEC, I(status_max_age), 0,
	    MS_PER_DAY, 0 },
	{ S_INSTANCE, "status_create_missing", V_BOOL,
	    I(status_create_missing), 0, 0, 0 },
	{ S_INSTANCE, "status_all_or_nothing", V_BOOL,
	    I(status_all_or_nothing), 0, 0, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

/* Keys of [database] that only one kind of backend uses. */
static const char *const server_only[] = {
	"host", "port", "dbname", "user", "password", "password_file",
	"sslmode", "sslrootcert", "sslcert", "sslkey", NULL
};

static const char *const backends[] = { "sqlite", "postgresql", "mysql",
    NULL };
static const char *const sslmodes[] = { "disable", "allow", "prefer",
    "require", "verify-ca", "verify-full", NULL };

struct parse {
	struct config	*cfg;
	const char	*buf;
	size_t		 len, pos;
	int		 lineno;
	int		 indented;	/* the current raw line starts blank */
	int		 cut;		/* ... has " ;" after its '=' */
	int		 stopped;	/* the reader gave up (line too long) */
	char		 err[512];
	int		 errline;	/* 0: no error yet */
	int		 sect_line[S_COUNT];	/* header lines (not instances) */
	int		 inst_line[CONFIG_MAX_INSTANCES];
	int		 unknown_sect;	/* keys of the current section ignored */
	int		 seen[NKEYS];	/* line of each global key */
	int		 iseen[CONFIG_MAX_INSTANCES][NKEYS];
	int		 kvline;	/* line of the last option./env. key */
	char		 last_key[80];	/* to explain continuation lines */
};

__attribute__((format(printf, 3, 4)))
static void
perr(struct parse *p, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (p->errline != 0 && p->errline <= line)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, sizeof(p->err), "%s:%d: %s", p->cfg->path,
		    line, msg);
	else
		snprintf(p->err, sizeof(p->err), "%s: %s", p->cfg->path, msg);
	p->errline = line > 0 ? line : INT_MAX;
}

__attribute__((format(printf, 2, 3)))
static int
warn(struct config *cfg, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	size_t old = cfg->warnings ? strlen(cfg->warnings) : 0;
	size_t n;
	char *w;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if ((w = realloc(cfg->warnings, old + n + 2)) == NULL)
		return -1;
	memcpy(w + old, msg, n);
	w[old + n] = '\n';
	w[old + n + 1] = '\0';
	cfg->warnings = w;
	return 0;
}

static int
instance_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("_.:-", *s) != NULL))
			return 0;
	return 1;
}

static int
find_instance(const struct config *cfg, const char *sect)
{
	for (size_t i = 0; i < cfg->ninstances; i++)
		if (strcmp(cfg->instances[i].section, sect) == 0)
			return (int)i;
	return -1;
}

static void
section_start(struct parse *p, const char *name)
{
	struct config *cfg = p->cfg;

	p->unknown_sect = 1;
	p->last_key[0] = '\0';
	for (int k = 0; k < S_INSTANCE; k++)
		if (strcmp(name, sect_names[k]) == 0) {
			if (p->sect_line[k] != 0) {
				perr(p, p->lineno, "duplicate section [%s] "
				    "(first at line %d)", name,
				    p->sect_line[k]);
				return;
			}
			p->sect_line[k] = p->lineno;
			p->unknown_sect = 0;
			return;
		}
	if (strncmp(name, "instance ", 9) == 0) {
		const char *in = name + 9;
		struct config_instance *ci;

		while (*in == ' ')
			in++;
		if (!instance_name_ok(in)) {
			perr(p, p->lineno, "bad section [%s]: the NAME of "
			    "[instance NAME] is 1 to 64 letters, digits and "
			    "'_.:-'", name);
			return;
		}
		if (find_instance(cfg, in) != -1) {
			perr(p, p->lineno, "duplicate section [instance %s]",
			    in);
			return;
		}
		if (cfg->ninstances == CONFIG_MAX_INSTANCES) {
			perr(p, p->lineno, "too many [instance] sections "
			    "(at most %d)", CONFIG_MAX_INSTANCES);
			return;
		}
		ci = &cfg->instances[cfg->ninstances];
		if ((ci->section = strdup(in)) == NULL) {
			perr(p, p->lineno, "out of memory");
			return;
		}
		ci->status_version = STATUS_DETECT;
		p->inst_line[cfg->ninstances] = p->lineno;
		cfg->ninstances++;
		p->unknown_sect = 0;
		return;
	}
	perr(p, p->lineno, "unknown section [%s] (known: [spool], [database], "
	    "[flush], [instance NAME])", name);
}

/* fgets for ini_parse_stream() over the in-memory file. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	const char *line = p->buf + p->pos, *nl, *eq;
	size_t n;

	if (p->stopped || p->pos >= p->len || num < 2)
		return NULL;
	nl = memchr(line, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - line) + 1 : p->len - p->pos;
	p->lineno++;
	if (n > (size_t)num - 1) {
		perr(p, p->lineno, "line too long (%zu bytes; libinih reads at "
		    "most %d)", n - (nl != NULL), num - 2);
		p->stopped = 1;
		return NULL;
	}
	memcpy(str, line, n);
	str[n] = '\0';
	p->pos += n;
	p->indented = n > 0 && (line[0] == ' ' || line[0] == '\t');

	/* libinih cuts a value at whitespace followed by ';'. */
	p->cut = 0;
	if ((eq = memchr(line, '=', n)) != NULL)
		for (const char *s = eq + 1; s + 1 < line + n; s++)
			if ((s[0] == ' ' || s[0] == '\t') && s[1] == ';')
				p->cut = 1;

	/* Section headers, as libinih finds them. */
	const char *s = line, *e = line + n;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
		s++;
	if (s < e && *s == '[') {
		const char *end = memchr(s, ']', (size_t)(e - s));
		if (end != NULL) {
			char name[128];
			size_t l = (size_t)(end - s - 1);
			if (l >= sizeof(name))
				l = sizeof(name) - 1;
			memcpy(name, s + 1, l);
			name[l] = '\0';
			section_start(p, name);
		}
	}
	return str;
}

int
config_parse_duration(const char *s, int64_t max_ms, int64_t *out_ms,
    char *err, size_t errlen)
{
	static const struct { const char *u; int64_t ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	size_t nd = strspn(s, "0123456789");
	char e2[128];
	uint64_t v;

	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	if (nd == 0 || parse_u64(s, nd, 0, UINT64_MAX, &v, e2,
	    sizeof(e2)) == -1) {
		snprintf(err, errlen, "not a duration: '%.40s' (write e.g. "
		    "200ms, 5s, 10m, 1h or 1d)", s);
		return -1;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + nd, units[i].u) != 0)
			continue;
		if (v > (uint64_t)max_ms / (uint64_t)units[i].ms) {
			snprintf(err, errlen, "duration '%.40s' too long", s);
			return -1;
		}
		*out_ms = (int64_t)v * units[i].ms;
		if (*out_ms > max_ms) {
			snprintf(err, errlen, "duration '%.40s' too long", s);
			return -1;
		}
		return 0;
	}
	snprintf(err, errlen, "'%.40s' lacks a unit or has an unknown one "
	    "(ms, s, m, h, d; e.g. %llus)", s, (unsigned long long)v);
	return -1;
}

/* "1h", "200ms": the largest unit that divides ms. */
static const char *
fmt_duration(int64_t ms, char *buf, size_t len)
{
	static const struct { const char *u; int64_t ms; } units[] = {
		{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
		{ "s", 1000 },
	};

	if (ms == 0) {
		snprintf(buf, len, "0");
		return buf;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ms % units[i].ms == 0) {
			snprintf(buf, len, "%lld%s",
			    (long long)(ms / units[i].ms), units[i].u);
			return buf;
		}
	snprintf(buf, len, "%lldms", (long long)ms);
	return buf;
}

static int
in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

static void
list_keys(enum sect sect, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NKEYS && o < len; i++)
		if (keys[i].sect == sect)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o ? ", " : "", keys[i].key);
	if (sect == S_DATABASE && o < len)
		snprintf(buf + o, len - o, ", option.KEY, env.NAME");
}

/* Parses value by kd into the field at base + kd->off. */
static int
set_value(struct parse *p, const struct keydef *kd, void *base,
    const char *value)
{
	char e[200];
	int64_t ms;
	uint64_t u;
	void *field = (char *)base + kd->off;

	switch (kd->type) {
	case V_NAME:
		if (*value == '\0') {
			perr(p, p->lineno, "%s: empty value", kd->key);
			return -1;
		}
		/* FALLTHROUGH */
	case V_STR:
		if (kd->maxlen > 0 && strlen(value) > kd->maxlen) {
			perr(p, p->lineno, "%s: value longer than %zu bytes",
			    kd->key, kd->maxlen);
			return -1;
		}
		break;
	case V_PATH:
		if (value[0] != '/') {
			perr(p, p->lineno, "%s: '%.100s' is not an absolute "
			    "path", kd->key, value);
			return -1;
		}
		if (strlen(value) >= PATH_MAX) {
			perr(p, p->lineno, "%s: path too long", kd->key);
			return -1;
		}
		break;
	case V_PORT:
		if (parse_u64z(value, (uint64_t)kd->min, (uint64_t)kd->max, &u,
		    e, sizeof(e)) == -1) {
			perr(p, p->lineno, "%s: bad port: %s", kd->key, e);
			return -1;
		}
		*(unsigned *)field = (unsigned)u;
		return 0;
	case V_INT:
		if (parse_i64z(value, kd->min, kd->max, &ms, e,
		    sizeof(e)) == -1) {
			perr(p, p->lineno, "%s: bad number: %s", kd->key, e);
			return -1;
		}
		*(int64_t *)field = ms;
		return 0;
	case V_MS:
	case V_SEC:
		if (config_parse_duration(value, kd->max, &ms, e,
		    sizeof(e)) == -1) {
			perr(p, p->lineno, "%s: %s", kd->key, e);
			return -1;
		}
		if (ms < kd->min) {
			char b[32];
			perr(p, p->lineno, "%s: %s is below the minimum %s",
			    kd->key, value, fmt_duration(kd->min, b,
			    sizeof(b)));
			return -1;
		}
		if (kd->type == V_SEC && ms % MS_PER_S != 0) {
			perr(p, p->lineno, "%s: %s is not a whole number of "
			    "seconds", kd->key, value);
			return -1;
		}
		*(int64_t *)field = kd->type == V_SEC ? ms / MS_PER_S : ms;
		return 0;
	case V_BOOL:
		if (in_list((const char *const[]){ "yes", "true", "on", "1",
		    NULL }, value))
			*(int *)field = 1;
		else if (in_list((const char *const[]){ "no", "false", "off",
		    "0", NULL }, value))
			*(int *)field = 0;
		else {
			perr(p, p->lineno, "%s: '%.40s' is not yes or no",
			    kd->key, value);
			return -1;
		}
		return 0;
	case V_BACKEND:
		if (!in_list(backends, value)) {
			perr(p, p->lineno, "backend: unknown backend "
			    "'%.40s' (sqlite, postgresql or mysql)", value);
			return -1;
		}
		break;
	case V_SSLMODE:
		if (!in_list(sslmodes, value)) {
			perr(p, p->lineno, "sslmode: unknown mode '%.40s' "
			    "(disable, allow, prefer, require, verify-ca, "
			    "verify-full)", value);
			return -1;
		}
		break;
	case V_STATUSVER:
		if (strcmp(value, "auto") == 0)
			*(enum status_version *)field = STATUS_DETECT;
		else if (strcmp(value, "2") == 0)
			*(enum status_version *)field = STATUS_V2;
		else if (strcmp(value, "3") == 0)
			*(enum status_version *)field = STATUS_V3;
		else {
			perr(p, p->lineno, "status_version: '%.40s' is not "
			    "auto, 2 or 3", value);
			return -1;
		}
		return 0;
	}
	/* The string types. */
	char **sp = field;
	free(*sp);
	if ((*sp = strdup(value)) == NULL) {
		perr(p, p->lineno, "out of memory");
		return -1;
	}
	return 0;
}

static int
kv_key_ok(const char *k, int env)
{
	if (*k == '\0' || strlen(k) > 64)
		return 0;
	if (env && *k >= '0' && *k <= '9')
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		    (*k >= '0' && *k <= '9') || *k == '_'))
			return 0;
	return 1;
}

/* option.KEY = VALUE and env.NAME = VALUE of [database]. */
static int
set_kv(struct parse *p, const char *name, const char *value)
{
	struct config *cfg = p->cfg;
	int env = strncmp(name, "env.", 4) == 0;
	const char *k = name + (env ? 4 : 7);
	struct config_kv *list = env ? cfg->env : cfg->options;
	size_t *n = env ? &cfg->nenv : &cfg->noptions;

	if (!kv_key_ok(k, env)) {
		perr(p, p->lineno, "bad key '%.80s': %s", name, env ?
		    "env.NAME needs a variable name (letters, digits, '_')" :
		    "option.KEY needs a driver option name (letters, "
		    "digits, '_')");
		return -1;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp(list[i].key, k) == 0) {
			perr(p, p->lineno, "duplicate key '%.80s' in "
			    "[database]", name);
			return -1;
		}
	if (*n == CONFIG_MAX_KV) {
		perr(p, p->lineno, "too many %s keys (at most %d)",
		    env ? "env." : "option.", CONFIG_MAX_KV);
		return -1;
	}
	if ((list[*n].key = strdup(k)) == NULL ||
	    (list[*n].value = strdup(value)) == NULL) {
		free(list[*n].key);
		list[*n].key = NULL;
		perr(p, p->lineno, "out of memory");
		return -1;
	}
	(*n)++;
	p->kvline = p->lineno;
	return 1;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	struct config *cfg = p->cfg;
	enum sect sect = S_COUNT;
	int inst = -1, *seen;
	void *base = cfg;
	char known[600];

	if (*section == '\0') {
		perr(p, p->lineno, "key '%.80s' outside any section", name);
		return 0;
	}
	if (p->unknown_sect)
		return 0;	/* the section header was reported */
	for (int k = 0; k < S_INSTANCE; k++)
		if (strcmp(section, sect_names[k]) == 0)
			sect = (enum sect)k;
	if (sect == S_COUNT) {
		const char *in = section + 9;
		while (*in == ' ')
			in++;
		inst = find_instance(cfg, in);
		if (inst == -1)
			return 0;
		sect = S_INSTANCE;
		base = &cfg->instances[inst];
	}
	seen = inst >= 0 ? p->iseen[inst] : p->seen;

	if (p->indented && strcmp(p->last_key, name) == 0) {
		perr(p, p->lineno, "indented line continues the value of "
		    "'%s': a value cannot span lines (remove the "
		    "indentation)", name);
		return 0;
	}
	snprintf(p->last_key, sizeof(p->last_key), "%s", name);

	if (sect == S_DATABASE && (strncmp(name, "option.", 7) == 0 ||
	    strncmp(name, "env.", 4) == 0))
		return set_kv(p, name, value) == 1;

	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].sect != sect || strcmp(keys[i].key, name) != 0)
			continue;
		if (seen[i] != 0) {
			perr(p, p->lineno, "duplicate key '%s' in [%s] (first "
			    "set at line %d)", name, section, seen[i]);
			return 0;
		}
		seen[i] = p->lineno;
		if (strcmp(name, "password") == 0 && p->cut)
			warn(cfg, "%s:%d: the password value contains ' ;', "
			    "which starts a comment: it was cut there (put "
			    "such a password into password_file)", cfg->path,
			    p->lineno);
		return set_value(p, &keys[i], base, value) == 0;
	}
	list_keys(sect, known, sizeof(known));
	perr(p, p->lineno, "unknown key '%.80s' in [%s] (known: %s)", name,
	    section, known);
	return 0;
}

static int
key_line(const struct parse *p, const char *key)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].sect != S_INSTANCE && strcmp(keys[i].key, key) == 0)
			return p->seen[i];
	return 0;
}

static char *
read_file(const char *path, size_t max, size_t *lenp, struct stat *st,
    char *err, size_t errlen)
{
	int fd;
	char *buf;
	size_t len = 0;
	ssize_t n;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: %s", path, S_ISREG(st->st_mode) ?
		    strerror(errno) : "not a regular file");
		close(fd);
		return NULL;
	}
	if ((size_t)st->st_size > max) {
		snprintf(err, errlen, "%s: too large (%lld bytes, at most "
		    "%zu)", path, (long long)st->st_size, max);
		close(fd);
		return NULL;
	}
	if ((buf = malloc(max + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (len <= max && (n = read(fd, buf + len, max + 1 - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot read %s: %s", path,
			    strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	if (len > max) {
		snprintf(err, errlen, "%s: too large (more than %zu bytes)",
		    path, max);
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

static void
load_password_file(struct parse *p)
{
	struct config *cfg = p->cfg;
	int line = key_line(p, "password_file");
	struct stat st;
	char e[300], *buf;
	size_t len;

	if ((buf = read_file(cfg->password_file, PASSWORD_FILE_MAX, &len, &st,
	    e, sizeof(e))) == NULL) {
		perr(p, line, "password_file: %s", e);
		return;
	}
	/* The first line; a final newline (or CRLF) is not part of it. */
	len = strcspn(buf, "\n");
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL || len == 0) {
		perr(p, line, "password_file: %s: the first line is empty",
		    cfg->password_file);
		free(buf);
		return;
	}
	free(cfg->password);
	cfg->password = buf;
	if (st.st_mode & S_IROTH)
		warn(cfg, "%s: password_file %s is readable by others (mode "
		    "%04o): chmod o-r %s", cfg->path, cfg->password_file,
		    (unsigned)(st.st_mode & 07777), cfg->password_file);
}

/* Rules that span keys, checked once the whole file is read. */
static void
validate(struct parse *p, const struct stat *st)
{
	struct config *cfg = p->cfg;
	int dbline = p->sect_line[S_DATABASE];

	if (cfg->backend == NULL) {
		if (dbline)
			perr(p, dbline, "[database] has no backend (sqlite, "
			    "postgresql or mysql)");
		else
			perr(p, 0, "no [database] section");
		return;
	}
	if (strcmp(cfg->backend, "sqlite") == 0) {
		if (cfg->db_path == NULL)
			perr(p, dbline, "[database] backend = sqlite needs "
			    "path = /FILE");
		for (size_t i = 0; server_only[i] != NULL; i++) {
			int l = key_line(p, server_only[i]);
			if (l)
				perr(p, l, "%s does not apply to backend = "
				    "sqlite", server_only[i]);
		}
	} else {
		if (cfg->dbname == NULL)
			perr(p, dbline, "[database] backend = %s needs "
			    "dbname", cfg->backend);
		if (key_line(p, "path"))
			perr(p, key_line(p, "path"), "path applies to backend "
			    "= sqlite only (use host and dbname)");
		if (key_line(p, "busy_timeout"))
			perr(p, key_line(p, "busy_timeout"), "busy_timeout "
			    "applies to backend = sqlite only");
	}
	if (cfg->password != NULL && cfg->password_file != NULL) {
		int a = key_line(p, "password"), b = key_line(p,
		    "password_file");
		perr(p, a > b ? a : b, "password and password_file exclude "
		    "each other");
	}
	if (cfg->retry_min_ms > cfg->retry_max_ms)
		perr(p, key_line(p, "retry_min") ? key_line(p, "retry_min") :
		    key_line(p, "retry_max"), "retry_min (%lldms) is longer "
		    "than retry_max (%lldms)", (long long)cfg->retry_min_ms,
		    (long long)cfg->retry_max_ms);
	for (size_t i = 0; i < cfg->ninstances; i++) {
		struct config_instance *a = &cfg->instances[i];

		if (a->name == NULL && (a->name = strdup(a->section)) == NULL)
			perr(p, p->inst_line[i], "out of memory");
		if (a->protocol == NULL && (a->protocol = strdup("")) == NULL)
			perr(p, p->inst_line[i], "out of memory");
		if (a->name == NULL || a->protocol == NULL)
			return;
		for (size_t j = 0; j < i; j++) {
			struct config_instance *b = &cfg->instances[j];
			if (strcmp(a->name, b->name) == 0 &&
			    a->port == b->port &&
			    strcmp(a->protocol, b->protocol) == 0)
				perr(p, p->inst_line[i], "[instance %s] has "
				    "the same name, port and protocol as "
				    "[instance %s]", a->section, b->section);
		}
	}
	if (p->errline == 0 && cfg->password_file != NULL)
		load_password_file(p);
	if (p->errline == 0 && key_line(p, "password") &&
	    (st->st_mode & S_IROTH))
		warn(cfg, "%s holds a password and is readable by others "
		    "(mode %04o): chmod o-r %s, or use password_file",
		    cfg->path, (unsigned)(st->st_mode & 07777), cfg->path);
}

static void
set_defaults(struct config *cfg)
{
	cfg->tmp_grace = 300;
	cfg->connect_timeout = 10;
	cfg->busy_timeout_ms = 5000;
	cfg->batch_size = 2000;
	cfg->retry_min_ms = 1000;
	cfg->retry_max_ms = 300000;
	cfg->watch_latency_ms = 200;
	cfg->rescan_interval = 60;
	cfg->status_interval = 60;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct parse *p;
	struct config *cfg;
	struct stat st;
	char *buf, e[400];
	size_t len;
	int rc;

	if ((buf = read_file(path, CONFIG_MAX_SIZE, &len, &st, e,
	    sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte: not a text "
		    "file", path);
		free(buf);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	cfg = calloc(1, sizeof(*cfg));
	if (p == NULL || cfg == NULL ||
	    (cfg->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		config_free(cfg);
		free(p);
		free(buf);
		return NULL;
	}
	set_defaults(cfg);
	p->cfg = cfg;
	p->buf = buf;
	p->len = len;
	rc = ini_parse_stream(reader, p, handler, p);
	if (rc > 0 && (p->errline == 0 || rc < p->errline))
		perr(p, rc, "syntax error: expected [section], key = value, "
		    "or a comment");
	else if (rc < 0)
		perr(p, 0, "out of memory while parsing");
	if (p->errline == 0 && cfg->spool_dir == NULL &&
	    (cfg->spool_dir = strdup(DEFAULT_SPOOL_DIR)) == NULL)
		perr(p, 0, "out of memory");
	if (p->errline == 0)
		validate(p, &st);
	free(buf);
	if (p->errline != 0) {
		snprintf(err, errlen, "%s", p->err);
		config_free(cfg);
		free(p);
		return NULL;
	}
	free(p);
	return cfg;
}

int
config_apply_env(const struct config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].key, cfg->env[i].value, 1) == -1) {
			snprintf(err, errlen, "cannot set environment "
			    "variable %s: %s", cfg->env[i].key,
			    strerror(errno));
			return -1;
		}
	return 0;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		if (keys[i].type != V_STR && keys[i].type != V_NAME &&
		    keys[i].type != V_PATH && keys[i].type != V_BACKEND &&
		    keys[i].type != V_SSLMODE)
			continue;
		if (keys[i].sect == S_INSTANCE) {
			for (size_t j = 0; j < cfg->ninstances; j++)
				free(*(char **)((char *)&cfg->instances[j] +
				    keys[i].off));
		} else
			free(*(char **)((char *)cfg + keys[i].off));
	}
	for (size_t j = 0; j < cfg->ninstances; j++)
		free(cfg->instances[j].section);
	for (size_t i = 0; i < cfg->noptions; i++) {
		free(cfg->options[i].key);
		free(cfg->options[i].value);
	}
	for (size_t i = 0; i < cfg->nenv; i++) {
		free(cfg->env[i].key);
		free(cfg->env[i].value);
	}
	free(cfg->path);
	free(cfg->warnings);
	free(cfg);
}

static void
print_str(FILE *f, const char *key, const char *v)
{
	if (v != NULL)
		fprintf(f, "%s = %s\n", key, v);
}

void
config_print(const struct config *cfg, FILE *f)
{
	char b[32];

	fprintf(f, "; effective configuration from %s\n", cfg->path);
	fprintf(f, "[spool]\n");
	print_str(f, "dir", cfg->spool_dir);
	fprintf(f, "tmp_grace = %s\n", fmt_duration(cfg->tmp_grace * MS_PER_S,
	    b, sizeof(b)));

	fprintf(f, "\n[database]\n");
	print_str(f, "backend", cfg->backend);
	print_str(f, "path", cfg->db_path);
	print_str(f, "host", cfg->host);
	if (cfg->port)
		fprintf(f, "port = %u\n", cfg->port);
	print_str(f, "dbname", cfg->dbname);
	print_str(f, "user", cfg->user);
	if (cfg->password_file != NULL)
		fprintf(f, "password_file = %s\t; password (masked) = ********"
		    "\n", cfg->password_file);
	else if (cfg->password != NULL)
		fprintf(f, "password = ********\n");
	print_str(f, "sslmode", cfg->sslmode);
	print_str(f, "sslrootcert", cfg->sslrootcert);
	print_str(f, "sslcert", cfg->sslcert);
	print_str(f, "sslkey", cfg->sslkey);
	if (cfg->backend != NULL && strcmp(cfg->backend, "sqlite") == 0)
		fprintf(f, "busy_timeout = %s\n",
		    fmt_duration(cfg->busy_timeout_ms, b, sizeof(b)));
	else
		fprintf(f, "connect_timeout = %s\n",
		    fmt_duration(cfg->connect_timeout * MS_PER_S, b,
		    sizeof(b)));
	for (size_t i = 0; i < cfg->noptions; i++)
		fprintf(f, "option.%s = %s\n", cfg->options[i].key,
		    cfg->options[i].value);
	for (size_t i = 0; i < cfg->nenv; i++)
		fprintf(f, "env.%s = %s\n", cfg->env[i].key,
		    cfg->env[i].value);

	fprintf(f, "\n[flush]\n");
	fprintf(f, "batch_size = %lld\n", (long long)cfg->batch_size);
	fprintf(f, "retry_min = %s\n", fmt_duration(cfg->retry_min_ms, b,
	    sizeof(b)));
	fprintf(f, "retry_max = %s\n", fmt_duration(cfg->retry_max_ms, b,
	    sizeof(b)));
	fprintf(f, "watch_latency = %s\n", fmt_duration(cfg->watch_latency_ms,
	    b, sizeof(b)));
	fprintf(f, "rescan_interval = %s\n",
	    fmt_duration(cfg->rescan_interval * MS_PER_S, b, sizeof(b)));
	fprintf(f, "status_interval = %s\n",
	    fmt_duration(cfg->status_interval * MS_PER_S, b, sizeof(b)));
	print_str(f, "stats_file", cfg->stats_file);

	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct config_instance *ci = &cfg->instances[i];

		fprintf(f, "\n[instance %s]\n", ci->section);
		fprintf(f, "name = %s\n", ci->name);
		fprintf(f, "port = %u\n", ci->port);
		fprintf(f, "protocol = %s\n", ci->protocol);
		print_str(f, "status_file", ci->status_file);
		fprintf(f, "status_version = %s\n",
		    ci->status_version == STATUS_DETECT ? "auto" :
		    ci->status_version == STATUS_V2 ? "2" : "3");
		fprintf(f, "status_max_age = %s\n",
		    fmt_duration(ci->status_max_age * MS_PER_S, b, sizeof(b)));
		fprintf(f, "status_create_missing = %s\n",
		    ci->status_create_missing ? "yes" : "no");
		fprintf(f, "status_all_or_nothing = %s\n",
		    ci->status_all_or_nothing ? "yes" : "no");
	}
}
