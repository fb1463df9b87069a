#include "capture.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"

/* 2286-11-20: ten digits, the width of a spool name's seconds. */
#define TIME_MAX	9999999999ULL

enum vkind { V_TEXT, V_NUM };

struct allowed {
	const char	*name;
	enum vkind	 kind;
	size_t		 max;		/* V_TEXT: bytes kept */
	uint64_t	 nmax;		/* V_NUM: largest value */
};

/* DESIGN.md's allow-list, in its order, plus time_update (db-update). */
static const struct allowed allow[] = {
	{ "script_type",		V_TEXT,	32,	0 },
	{ "time_unix",			V_NUM,	0,	TIME_MAX },
	{ "time_ascii",			V_TEXT,	64,	0 },
	{ "time_duration",		V_NUM,	0,	TIME_MAX },
	{ "bytes_received",		V_NUM,	0,	INT64_MAX },
	{ "bytes_sent",			V_NUM,	0,	INT64_MAX },
	{ "common_name",		V_TEXT,	256,	0 },
	{ "username",			V_TEXT,	256,	0 },
	{ "trusted_ip",			V_TEXT,	64,	0 },
	{ "trusted_ip6",		V_TEXT,	64,	0 },
	{ "trusted_port",		V_NUM,	0,	65535 },
	{ "untrusted_ip",		V_TEXT,	64,	0 },
	{ "untrusted_ip6",		V_TEXT,	64,	0 },
	{ "untrusted_port",		V_NUM,	0,	65535 },
	{ "ifconfig_pool_remote_ip",	V_TEXT,	64,	0 },
	{ "ifconfig_pool_remote_ip6",	V_TEXT,	64,	0 },
	{ "IV_VER",			V_TEXT,	256,	0 },
	{ "IV_PLAT",			V_TEXT,	256,	0 },
	{ "IV_PLAT_VER",		V_TEXT,	256,	0 },
	{ "IV_GUI_VER",			V_TEXT,	256,	0 },
	{ "tls_serial_0",		V_TEXT,	256,	0 },
	{ "tls_serial_hex_0",		V_TEXT,	256,	0 },
	{ "tls_digest_sha256_0",	V_TEXT,	256,	0 },
	{ "tls_digest_0",		V_TEXT,	256,	0 },
	{ "session_id",			V_TEXT,	256,	0 },
	{ "proto_1",			V_TEXT,	32,	0 },
	{ "local_1",			V_TEXT,	256,	0 },
	{ "local_port_1",		V_NUM,	0,	65535 },
	{ "dev",			V_TEXT,	64,	0 },
	{ "daemon_pid",			V_NUM,	0,	INT32_MAX },
	{ "daemon_start_time",		V_NUM,	0,	TIME_MAX },
	{ "time_update",		V_NUM,	0,	TIME_MAX },
};
#define NALLOW (sizeof(allow) / sizeof(allow[0]))

struct script {
	const char	*script_type;
	enum event_type	 type;
	const char	*required[8];	/* besides the address rule */
	int		 port_always;	/* trusted_port even with IPv6 */
};

static const struct script scripts[] = {
	{ "client-connect", EV_CONNECT,
	    { "common_name", "time_unix", NULL }, 0 },
	{ "client-disconnect", EV_DISCONNECT,
	    { "common_name", "time_unix", "time_duration", "bytes_received",
	    "bytes_sent", NULL }, 0 },
	/* openvpn-db-log's partial-update API. */
	{ "db-update", EV_UPDATE,
	    { "common_name", "time_unix", "bytes_received", "bytes_sent",
	    NULL }, 1 },
};

/* An untrusted value, bounded and with non-printable bytes as \xHH,
 * for a message. */
static const char *
quoted(char *dst, size_t size, const char *s)
{
	size_t o = 0, i;

	for (i = 0; s[i] != '\0' && i < 40 && o + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'')
			dst[o++] = (char)ch;
		else
			o += (size_t)snprintf(dst + o, size - o, "\\x%02x", ch);
	}
	if (s[i] != '\0' && o + 4 < size) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
	return dst;
}

static int
present(env_lookup_fn get, const char *name)
{
	const char *v = get(name);

	return v != NULL && v[0] != '\0';
}

static void
add_missing(char *buf, size_t size, const char *name)
{
	size_t l = strlen(buf);

	snprintf(buf + l, size - l, "%s%s", l ? ", " : "", name);
}

/* All missing required variables in one message. */
static int
check_required(const struct script *s, env_lookup_fn get, char *err,
    size_t errlen)
{
	char missing[256] = "";

	for (size_t i = 0; s->required[i] != NULL; i++)
		if (!present(get, s->required[i]))
			add_missing(missing, sizeof(missing), s->required[i]);
	if (present(get, "trusted_ip")) {
		if (!present(get, "trusted_port"))
			add_missing(missing, sizeof(missing), "trusted_port");
	} else if (present(get, "trusted_ip6")) {
		/* Native IPv6 clients may have no port. */
		if (s->port_always && !present(get, "trusted_port"))
			add_missing(missing, sizeof(missing), "trusted_port");
	} else
		add_missing(missing, sizeof(missing),
		    "trusted_ip or trusted_ip6");
	if (missing[0] == '\0')
		return 0;
	snprintf(err, errlen, "missing required variable%s for %s (absent "
	    "or empty): %s", strchr(missing, ',') ? "s" : "", s->script_type,
	    missing);
	return -1;
}

static int
check_numbers(env_lookup_fn get, char *err, size_t errlen)
{
	char nerr[128], q[220];
	uint64_t v;

	for (size_t i = 0; i < NALLOW; i++) {
		if (allow[i].kind != V_NUM)
			continue;
		const char *val = get(allow[i].name);
		if (val == NULL)
			continue;
		if (parse_u64z(val, 0, allow[i].nmax, &v, nerr,
		    sizeof(nerr)) == -1) {
			snprintf(err, errlen, "bad value for %s: '%s' is not a "
			    "decimal number in 0..%llu", allow[i].name,
			    quoted(q, sizeof(q), val),
			    (unsigned long long)allow[i].nmax);
			return -1;
		}
	}
	return 0;
}

/* Bytes to keep of a value cut at max: never half a UTF-8 character. */
static size_t
cut_len(const char *v, size_t max)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t j = max;

	while (j > 0 && max - j < 3 && (p[j] & 0xc0) == 0x80)
		j--;
	if (j < max && p[j] >= 0xc0) {
		size_t need = p[j] >= 0xf0 ? 4 : p[j] >= 0xe0 ? 3 : 2;
		if (j + need > max)
			return j;
	}
	return max;
}

static int
is_binary(const char *v, size_t len)
{
	size_t pct = 0;

	for (size_t i = 0; i < len; i++)
		pct += v[i] == '%';
	/* Only '%' is escaped in clean text; anything else is binary. */
	return event_escaped_len(v, len) != len + 2 * pct;
}

static struct capture_note *
note(struct capture *c, const char *key)
{
	for (size_t i = 0; i < c->nnotes; i++)
		if (c->notes[i].key == key)
			return &c->notes[i];
	if (c->nnotes == CAPTURE_MAX_NOTES)
		return NULL;
	struct capture_note *n = &c->notes[c->nnotes++];
	memset(n, 0, sizeof(*n));
	n->key = key;
	return n;
}

static void
add_truncated(char *list, size_t size, const char *key, size_t origlen)
{
	size_t l = strlen(list);

	snprintf(list + l, size - l, "%s%s:%zu", l ? "," : "", key, origlen);
}

long
capture_build(const struct hook_opts *o, env_lookup_fn get,
    const struct timespec *now, char *buf, size_t cap, struct capture *c,
    char *err, size_t errlen)
{
	struct event_writer w;
	struct hook_instance in;
	const struct script *s = NULL;
	/* Every allow-listed key with a 20-digit length fits. */
	char trunc[NALLOW * 48 + 64] = "";

	memset(c, 0, sizeof(*c));
	c->type = -1;
	c->script_type = get("script_type");
	if (c->script_type == NULL || c->script_type[0] == '\0') {
		snprintf(err, errlen, "missing required variable script_type "
		    "(not run by OpenVPN?)");
		return -1;
	}
	for (size_t i = 0; i < sizeof(scripts) / sizeof(*scripts); i++)
		if (strcmp(c->script_type, scripts[i].script_type) == 0)
			s = &scripts[i];
	if (s == NULL) {
		char q[220];
		snprintf(err, errlen, "unknown script_type '%s' (expected "
		    "client-connect, client-disconnect or db-update)",
		    quoted(q, sizeof(q), c->script_type));
		return -1;
	}
	c->type = (int)s->type;
	if (check_required(s, get, err, errlen) == -1 ||
	    check_numbers(get, err, errlen) == -1 ||
	    instance_resolve(o, get, &in, err, errlen) == -1)
		return -1;

	event_writer_init(&w, buf, cap);
	if (hookfields_put(&w, s->type, now, &in, err, errlen) == -1)
		return -1;
	if (in.proto_cut)
		add_truncated(trunc, sizeof(trunc), "instance_proto",
		    in.proto_cut);
	for (size_t i = 0; i < NALLOW; i++) {
		const char *val = get(allow[i].name);
		if (val == NULL)
			continue;
		size_t len = strlen(val), keep = len;
		if (allow[i].kind == V_TEXT && len > allow[i].max) {
			keep = cut_len(val, allow[i].max);
			add_truncated(trunc, sizeof(trunc), allow[i].name, len);
			struct capture_note *n = note(c, allow[i].name);
			if (n) {
				n->truncated = 1;
				n->len = len;
				n->max = allow[i].max;
			}
		}
		if (is_binary(val, keep)) {
			struct capture_note *n = note(c, allow[i].name);
			if (n) {
				n->binary = 1;
				n->len = len;
			}
		}
		if (event_put(&w, allow[i].name, val, keep, err, errlen) == -1)
			return -1;
	}
	if (trunc[0] != '\0' &&
	    event_put(&w, "truncated", trunc, strlen(trunc), err, errlen) == -1)
		return -1;
	return event_finish(&w, err, errlen);
}
