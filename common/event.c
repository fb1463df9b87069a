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

/* CRC-32/IEEE (reflected, polynomial 0xedb88320); a constant table so
 * that no static state is built at run time. */
static const uint32_t crc_table[256] = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau,
	0x076dc419u, 0x706af48fu, 0xe963a535u, 0x9e6495a3u,
	0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u,
	0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu,
	0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
	0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u,
	0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
	0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u,
	0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u,
	0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
	0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du,
	0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au,
	0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u,
	0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
	0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u,
	0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau, 0xfcb9887cu,
	0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u,
	0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu,
	0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
	0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u,
	0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u,
	0x59b33d17u, 0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu,
	0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u,
	0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
	0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu,
	0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u,
	0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
	0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u,
	0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u,
	0xdf60efc3u, 0xa867df55u, 0x316e8eefu, 0x4669be79u,
	0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu,
	0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u,
	0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
	0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
	0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u,
	0x86d3d2d4u, 0xf1d4e242u, 0x68ddb3f8u, 0x1fda836eu,
	0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu,
	0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
	0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu,
	0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u,
	0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u,
	0xbad03605u, 0xcdd70693u, 0x54de5729u, 0x23d967bfu,
	0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
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
	const unsigned char *p = buf;

	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * Length of the well-formed UTF-8 sequence starting at p that may stay
 * raw in a value, or 0.  C1 controls (U+0080..U+009F, C2 80..C2 9F) are
 * well-formed but some terminals act on them, so they are escaped.
 */
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
	if (c == 0xc2 && p[1] < 0xa0)
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

/*
 * Quotes at most max bytes of untrusted input for an error message,
 * escaped like a value so that a reason never carries control bytes.
 */
static const char *
quote(char *dst, size_t dstlen, const char *s, size_t len, size_t max)
{
	char tmp[64 * 3 + 1];

	if (max > 64)
		max = 64;
	if (len > max)
		len = max;
	/* Escape byte by byte: a cut UTF-8 sequence becomes %XX too. */
	size_t o = escape_into(tmp, s, len);
	tmp[o] = '\0';
	snprintf(dst, dstlen, "%s", tmp);
	return dst;
}

void
event_writer_init(struct event_writer *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->failed = 0;
	w->is_status = 0;
	w->nfields = 0;
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
	char q[200];

	if (w->failed) {
		snprintf(err, errlen, "event buffer already overflowed");
		return -1;
	}
	if (!key_ok(key, klen)) {
		snprintf(err, errlen, "invalid event key '%s'",
		    quote(q, sizeof(q), key, klen, 64));
		goto refuse;
	}
	if (w->nfields == 0) {
		if (strcmp(key, "type") != 0 ||
		    event_type_from_name(val, vallen) < 0) {
			snprintf(err, errlen, "first event field must be "
			    "type=connect|disconnect|update|status, not '%s'",
			    key);
			goto refuse;
		}
		w->is_status = vallen == 6 && memcmp(val, "status", 6) == 0;
	}
	if (w->nfields == EVENT_MAX_FIELDS) {
		snprintf(err, errlen, "more than %d event fields at key '%s'",
		    EVENT_MAX_FIELDS, key);
		goto refuse;
	}
	for (size_t i = 0; i < w->nfields; i++)
		if (w->keylen[i] == klen &&
		    memcmp(w->buf + w->keyoff[i], key, klen) == 0) {
			snprintf(err, errlen, "duplicate event key '%s'", key);
			goto refuse;
		}
	if (vallen > EVENT_MAX_VALUE &&
	    !(w->is_status && strcmp(key, "status_text") == 0)) {
		snprintf(err, errlen, "value of '%s' too long (%zu bytes, "
		    "limit %d)", key, vallen, EVENT_MAX_VALUE);
		goto refuse;
	}
	size_t elen = escape_into(NULL, val, vallen);
	if (w->cap - w->len < klen + 1 ||
	    w->cap - w->len - klen - 1 < elen ||
	    w->cap - w->len - klen - 1 - elen < 1) {
		snprintf(err, errlen, "event too large at key '%s' (limit %zu "
		    "bytes)", key, w->cap);
		goto refuse;
	}
	w->keyoff[w->nfields] = w->len;
	w->keylen[w->nfields] = (unsigned char)klen;
	w->nfields++;
	memcpy(w->buf + w->len, key, klen);
	w->len += klen;
	w->buf[w->len++] = '=';
	w->len += escape_into(w->buf + w->len, val, vallen);
	w->buf[w->len++] = '\n';
	return 0;
refuse:
	w->failed = 1;
	return -1;
}

long
event_finish(struct event_writer *w, char *err, size_t errlen)
{
	char tail[48];

	if (w->failed) {
		snprintf(err, errlen, "event buffer overflowed");
		return -1;
	}
	if (w->nfields == 0) {
		w->failed = 1;
		snprintf(err, errlen, "event has no fields (missing type)");
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

/* Uppercase only: one byte has one escaped form. */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse "end LEN CRC\n" at the very end of buf; sets *body_len. */
static int
parse_end(const char *buf, size_t len, size_t *body_len, char *err,
    size_t errlen)
{
	char q[200];

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
	/* Canonical decimal only (no leading zero), one space, 8 hex. */
	if (digits == 0 || (digits > 1 && line[4] == '0') || p >= e ||
	    *p != ' ' || e - p != 9) {
		snprintf(err, errlen, "malformed end marker '%s'",
		    quote(q, sizeof(q), line, ll, 40));
		return -1;
	}
	p++;
	uint32_t crc = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char c = (unsigned char)p[i];
		/* Lowercase hex, as the writer prints it. */
		int h = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (h < 0) {
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

/* Decodes the escaped value [v, ve) into o; returns its length or -1. */
static long
decode_value(const unsigned char *v, const unsigned char *ve, char *o,
    size_t lineno, const char *key, char *err, size_t errlen)
{
	size_t dl = 0;

	while (v < ve) {
		unsigned char c = *v;
		if (c == '%') {
			int h1 = ve - v >= 3 ? hexval(v[1]) : -1;
			int h2 = ve - v >= 3 ? hexval(v[2]) : -1;
			if (h1 < 0 || h2 < 0) {
				snprintf(err, errlen, "line %zu: bad %% escape "
				    "in '%s' (want %%XX, uppercase hex)",
				    lineno, key);
				return -1;
			}
			o[dl++] = (char)(h1 << 4 | h2);
			v += 3;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "line %zu: raw control byte 0x%02x "
			    "in '%s'", lineno, c, key);
			return -1;
		} else if (c >= 0x80) {
			size_t n = utf8_seq(v, (size_t)(ve - v));
			if (n == 0) {
				snprintf(err, errlen, "line %zu: raw byte 0x%02x "
				    "in '%s' is not allowed UTF-8 (must be "
				    "escaped)", lineno, c, key);
				return -1;
			}
			memcpy(o + dl, v, n);
			dl += n;
			v += n;
		} else {
			o[dl++] = (char)c;
			v++;
		}
	}
	return (long)dl;
}

int
event_parse(const char *buf, size_t len, size_t maxsize, struct event *ev,
    char *err, size_t errlen)
{
	size_t body;
	const size_t mlen = sizeof(EVENT_MAGIC) - 1;
	char q[200];

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
		snprintf(err, errlen, "unsupported event format version: '%s'",
		    quote(q, sizeof(q), buf, l, 40));
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
			snprintf(err, errlen, "line %zu: not a key=value line: "
			    "'%s'", lineno, quote(q, sizeof(q), ln, ll, 40));
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
		long dl = decode_value((const unsigned char *)eq + 1,
		    (const unsigned char *)ln + ll, o, lineno, f->key, err,
		    errlen);
		if (dl < 0)
			goto fail;
		o[dl] = '\0';
		f->vallen = (size_t)dl;
		o += dl + 1;
		if (ev->nfields == 1) {
			/* type comes first so size rules are known early. */
			if (strcmp(f->key, "type") != 0 ||
			    event_type_from_name(f->val, f->vallen) < 0) {
				snprintf(err, errlen, "line %zu: first field must "
				    "be type=connect|disconnect|update|status",
				    lineno);
				goto fail;
			}
			is_status = strcmp(f->val, "status") == 0;
		}
		if (f->vallen > EVENT_MAX_VALUE &&
		    !(is_status && strcmp(f->key, "status_text") == 0)) {
			snprintf(err, errlen, "line %zu: value of '%s' too long "
			    "(%zu bytes, limit %d)", lineno, f->key, f->vallen,
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
