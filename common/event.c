#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[EV_TYPE_COUNT] = {
	[EV_CONNECT] = "connect",
	[EV_DISCONNECT] = "disconnect",
	[EV_UPDATE] = "update",
	[EV_STATUS] = "status",
};

const char *
event_type_name(enum event_type t)
{
	if ((unsigned)t >= EV_TYPE_COUNT)
		return NULL;
	return type_names[t];
}

int
event_type_from_name(const char *s, size_t len)
{
	for (int i = 0; i < EV_TYPE_COUNT; i++)
		if (strlen(type_names[i]) == len &&
		    memcmp(type_names[i], s, len) == 0)
			return i;
	return -1;
}

uint32_t
crc32_ieee(uint32_t crc, const void *buf, size_t len)
{
	static uint32_t table[256];
	static int ready;
	const unsigned char *p = buf;

	/* Built on first use; idempotent, so a race only repeats work. */
	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
		ready = 1;
	}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Length of the well-formed UTF-8 sequence starting at p, or 0. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	size_t need;
	unsigned char c = p[0];

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Reject overlongs, surrogates and code points above U+10FFFF. */
	if (c == 0xe0 && p[1] < 0xa0)
		return 0;
	if (c == 0xed && p[1] > 0x9f)
		return 0;
	if (c == 0xf0 && p[1] < 0x90)
		return 0;
	if (c == 0xf4 && p[1] > 0x8f)
		return 0;
	return need;
}

static int
key_ok(const char *k, size_t n)
{
	if (n == 0 || n > EVENT_MAX_KEY)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/* Writes the escaped value to out (if not NULL); returns its length. */
static size_t
escape_into(char *out, const char *val, size_t vallen)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)val;
	size_t o = 0;

	for (size_t i = 0; i < vallen; ) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t n = utf8_seq(p + i, vallen - i);
			if (n > 0) {
				if (out)
					memcpy(out + o, p + i, n);
				o += n;
				i += n;
				continue;
			}
		} else if (c >= 0x20 && c != 0x7f && c != '%') {
			if (out)
				out[o] = (char)c;
			o++;
			i++;
			continue;
		}
		if (out) {
			out[o] = '%';
			out[o + 1] = hex[c >> 4];
			out[o + 2] = hex[c & 15];
		}
		o += 3;
		i++;
	}
	return o;
}

size_t
event_escaped_len(const char *val, size_t vallen)
{
	return escape_into(NULL, val, vallen);
}

void
event_writer_init(struct event_writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = 0;
	size_t m = sizeof(EVENT_MAGIC);	/* includes room for '\n' */
	if (cap < m) {
		w->failed = 1;
		return;
	}
	memcpy(buf, EVENT_MAGIC "\n", m);
	w->len = m;
}

int
event_put(struct event_writer *w, const char *key, const char *val,
    size_t vallen, char *err, size_t errlen)
{
	size_t klen = strlen(key);

	if (w->failed) {
		snprintf(err, errlen, "event buffer already overflowed");
		return -1;
	}
	if (!key_ok(key, klen)) {
		snprintf(err, errlen, "invalid event key '%.64s'", key);
		return -1;
	}
	size_t elen = escape_into(NULL, val, vallen);
	if (w->cap - w->len < klen + 1 + elen + 1) {
		w->failed = 1;
		snprintf(err, errlen, "event too large at key '%s' (limit %zu bytes)",
		    key, w->cap);
		return -1;
	}
	memcpy(w->buf + w->len, key, klen);
	w->len += klen;
	w->buf[w->len++] = '=';
	w->len += escape_into(w->buf + w->len, val, vallen);
	w->buf[w->len++] = '\n';
	return 0;
}

long
event_finish(struct event_writer *w, char *err, size_t errlen)
{
	char tail[48];

	if (w->failed) {
		snprintf(err, errlen, "event buffer overflowed");
		return -1;
	}
	uint32_t crc = crc32_ieee(0, w->buf, w->len);
	int n = snprintf(tail, sizeof(tail), "end %zu %08x\n", w->len, crc);
	if (n < 0 || (size_t)n > w->cap - w->len) {
		w->failed = 1;
		snprintf(err, errlen, "event too large for end line (limit %zu bytes)",
		    w->cap);
		return -1;
	}
	memcpy(w->buf + w->len, tail, (size_t)n);
	w->len += (size_t)n;
	return (long)w->len;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse "end LEN CRC\n" at the very end of buf; sets *body_len. */
static int
parse_end(const char *buf, size_t len, size_t *body_len, char *err,
    size_t errlen)
{
	if (len == 0 || buf[len - 1] != '\n') {
		snprintf(err, errlen, "missing end marker (file does not end "
		    "with a newline: truncated?)");
		return -1;
	}
	size_t s = len - 1;
	while (s > 0 && buf[s - 1] != '\n')
		s--;
	const char *line = buf + s;
	size_t ll = len - 1 - s;
	if (ll < 4 || memcmp(line, "end ", 4) != 0) {
		snprintf(err, errlen, "missing end marker (last line is not "
		    "'end LEN CRC': truncated?)");
		return -1;
	}
	const char *p = line + 4, *e = line + ll;
	size_t v = 0, digits = 0;
	while (p < e && *p >= '0' && *p <= '9' && digits < 12) {
		v = v * 10 + (size_t)(*p - '0');
		p++;
		digits++;
	}
	if (digits == 0 || p >= e || *p != ' ' || e - p != 9) {
		snprintf(err, errlen, "malformed end marker '%.*s'",
		    (int)(ll > 60 ? 60 : ll), line);
		return -1;
	}
	p++;
	uint32_t crc = 0;
	for (int i = 0; i < 8; i++) {
		int h = hexval(p[i]);
		if (h < 0 || (p[i] >= 'A' && p[i] <= 'F')) {
			snprintf(err, errlen, "malformed checksum in end marker");
			return -1;
		}
		crc = crc << 4 | (uint32_t)h;
	}
	if (v != s) {
		snprintf(err, errlen, "length mismatch: end marker says %zu "
		    "bytes, file has %zu", v, s);
		return -1;
	}
	uint32_t got = crc32_ieee(0, buf, s);
	if (got != crc) {
		snprintf(err, errlen, "checksum mismatch: end marker says "
		    "%08x, content has %08x", crc, got);
		return -1;
	}
	*body_len = s;
	return 0;
}

int
event_parse(const char *buf, size_t len, size_t maxsize, struct event *ev,
    char *err, size_t errlen)
{
	size_t body;
	const size_t mlen = sizeof(EVENT_MAGIC) - 1;

	memset(ev, 0, sizeof(*ev));
	if (len > maxsize) {
		snprintf(err, errlen, "file too large: %zu bytes (limit %zu)",
		    len, maxsize);
		return -1;
	}
	if (len < mlen + 1 || memcmp(buf, "ovpnlog-event ", 14) != 0) {
		snprintf(err, errlen, "not an ovpnlog event file (bad first line)");
		return -1;
	}
	if (memcmp(buf, EVENT_MAGIC, mlen) != 0 || buf[mlen] != '\n') {
		const char *nl = memchr(buf, '\n', len);
		size_t l = nl ? (size_t)(nl - buf) : len;
		snprintf(err, errlen, "unsupported event format version: '%.*s'",
		    (int)(l > 40 ? 40 : l), buf);
		return -1;
	}
	if (parse_end(buf, len, &body, err, errlen) == -1)
		return -1;

	/* Decoded text never exceeds the encoded body; +1 NUL per line. */
	ev->store = malloc(body + EVENT_MAX_FIELDS + 1);
	if (ev->store == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ev->version = 1;
	int is_status = 0;
	char *o = ev->store;
	size_t lineno = 1;
	for (size_t i = mlen + 1; i < body; ) {
		lineno++;
		const char *nl = memchr(buf + i, '\n', body - i);
		if (nl == NULL) {
			snprintf(err, errlen, "line %zu: not terminated", lineno);
			goto fail;
		}
		const char *ln = buf + i;
		size_t ll = (size_t)(nl - ln);
		i += ll + 1;
		const char *eq = memchr(ln, '=', ll);
		if (eq == NULL || !key_ok(ln, (size_t)(eq - ln))) {
			snprintf(err, errlen, "line %zu: not a key=value line",
			    lineno);
			goto fail;
		}
		size_t kl = (size_t)(eq - ln);
		if (ev->nfields == EVENT_MAX_FIELDS) {
			snprintf(err, errlen, "line %zu: more than %d fields",
			    lineno, EVENT_MAX_FIELDS);
			goto fail;
		}
		for (size_t k = 0; k < ev->nfields; k++)
			if (strlen(ev->f[k].key) == kl &&
			    memcmp(ev->f[k].key, ln, kl) == 0) {
				snprintf(err, errlen, "line %zu: duplicate key "
				    "'%.*s'", lineno, (int)kl, ln);
				goto fail;
			}
		struct event_field *f = &ev->f[ev->nfields++];
		memcpy(o, ln, kl);
		o[kl] = '\0';
		f->key = o;
		o += kl + 1;
		f->val = o;
		const unsigned char *v = (const unsigned char *)eq + 1;
		const unsigned char *ve = (const unsigned char *)ln + ll;
		size_t dl = 0;
		while (v < ve) {
			unsigned char c = *v;
			if (c == '%') {
				int h1 = ve - v >= 3 ? hexval((char)v[1]) : -1;
				int h2 = ve - v >= 3 ? hexval((char)v[2]) : -1;
				if (h1 < 0 || h2 < 0) {
					snprintf(err, errlen, "line %zu: bad %% "
					    "escape in '%s'", lineno, f->key);
					goto fail;
				}
				o[dl++] = (char)(h1 << 4 | h2);
				v += 3;
			} else if (c < 0x20 || c == 0x7f) {
				snprintf(err, errlen, "line %zu: raw control "
				    "byte 0x%02x in '%s'", lineno, c, f->key);
				goto fail;
			} else {
				o[dl++] = (char)c;
				v++;
			}
		}
		o[dl] = '\0';
		f->vallen = dl;
		o += dl + 1;
		if (ev->nfields == 1) {
			/* type comes first so size rules are known early. */
			if (strcmp(f->key, "type") != 0 ||
			    event_type_from_name(f->val, dl) < 0) {
				snprintf(err, errlen, "line %zu: first field must "
				    "be type=connect|disconnect|update|status",
				    lineno);
				goto fail;
			}
			is_status = strcmp(f->val, "status") == 0;
		}
		if (dl > EVENT_MAX_VALUE &&
		    !(is_status && strcmp(f->key, "status_text") == 0)) {
			snprintf(err, errlen, "line %zu: value of '%s' too long "
			    "(%zu bytes, limit %d)", lineno, f->key, dl,
			    EVENT_MAX_VALUE);
			goto fail;
		}
	}
	if (ev->nfields == 0) {
		snprintf(err, errlen, "no fields (missing type)");
		goto fail;
	}
	return 0;
fail:
	event_free(ev);
	return -1;
}

void
event_free(struct event *ev)
{
	free(ev->store);
	ev->store = NULL;
	ev->nfields = 0;
}

const char *
event_get(const struct event *ev, const char *key, size_t *lenp)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (strcmp(ev->f[i].key, key) == 0) {
			if (lenp)
				*lenp = ev->f[i].vallen;
			return ev->f[i].val;
		}
	return NULL;
}

enum event_type
event_type_of(const struct event *ev)
{
	return (enum event_type)event_type_from_name(ev->f[0].val,
	    ev->f[0].vallen);
}
