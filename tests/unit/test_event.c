/*
 * test_event — event file format v1 (common/event.c): every byte value
 * round-trips in every field and position; the writer refuses what the
 * parser would reject; damaged files are rejected with the expected
 * reason.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "tap.h"

/* Realistic keys: the hook's own and the allow-list. */
static const char *const keys[] = {
	"spool_time", "hook_version", "instance_name", "instance_proto",
	"instance_port", "script_type", "time_unix", "time_ascii",
	"time_duration", "bytes_received", "bytes_sent", "common_name",
	"username", "trusted_ip", "trusted_ip6", "trusted_port",
	"untrusted_ip", "untrusted_ip6", "untrusted_port",
	"ifconfig_pool_remote_ip", "ifconfig_pool_remote_ip6", "IV_VER",
	"IV_PLAT", "IV_PLAT_VER", "IV_GUI_VER", "tls_serial_0",
	"tls_serial_hex_0", "tls_digest_sha256_0", "tls_digest_0",
	"session_id", "proto_1", "local_1", "local_port_1", "dev",
	"daemon_pid", "daemon_start_time", "time_update", "truncated",
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static char buf[EVENT_STATUS_MAX_SIZE / 64];
static char err[512];

/* The file a writer made stays readable: no raw control bytes but the
 * line ends, no DEL, no C1, only well-formed UTF-8. */
static int
readable(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			continue;
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		if (s[i] >= 0x80) {
			size_t need = s[i] >= 0xf0 ? 4 : s[i] >= 0xe0 ? 3 : 2;
			if (s[i] < 0xc2 || s[i] > 0xf4 || i + need > n)
				return 0;
			if (s[i] == 0xc2 && s[i + 1] < 0xa0)
				return 0;
			for (size_t k = 1; k < need; k++)
				if ((s[i + k] & 0xc0) != 0x80)
					return 0;
			i += need - 1;
		}
	}
	return 1;
}

/* Writes type=connect plus nk keys all holding val; parses it back;
 * 1 if every value came back byte for byte. */
static int
roundtrip_all(const char *val, size_t vl, size_t nk, const char **why)
{
	struct event_writer w;
	struct event ev;

	*why = "";
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	if (event_put(&w, "type", "connect", 7, err, sizeof(err)) == -1) {
		*why = err;
		return 0;
	}
	for (size_t k = 0; k < nk; k++)
		if (event_put(&w, keys[k], val, vl, err, sizeof(err)) == -1) {
			*why = err;
			return 0;
		}
	long n = event_finish(&w, err, sizeof(err));
	if (n < 0) {
		*why = err;
		return 0;
	}
	if (!readable(buf, (size_t)n)) {
		*why = "written file not readable text";
		return 0;
	}
	if (event_parse(buf, (size_t)n, EVENT_MAX_SIZE, &ev, err,
	    sizeof(err)) == -1) {
		*why = err;
		return 0;
	}
	int good = ev.nfields == nk + 1 && event_type_of(&ev) == EV_CONNECT;
	for (size_t k = 0; good && k < nk; k++) {
		size_t gl;
		const char *g = event_get(&ev, keys[k], &gl);
		good = g != NULL && gl == vl && memcmp(g, val, vl) == 0 &&
		    g[gl] == '\0';
		if (!good)
			*why = keys[k];
	}
	event_free(&ev);
	return good;
}

static void
test_bytes(void)
{
	char v[8];
	const char *why;
	size_t bad = 0;

	/* Every byte value at every position of an 8-byte value, in every
	 * field, next to ASCII, a lone UTF-8 lead and a continuation. */
	static const unsigned char fill[] = { 'x', 0xc3, 0x80, '%', 0xe2 };
	for (size_t f = 0; f < sizeof(fill); f++)
		for (int b = 0; b < 256; b++)
			for (size_t pos = 0; pos < sizeof(v); pos++) {
				memset(v, fill[f], sizeof(v));
				v[pos] = (char)b;
				if (!roundtrip_all(v, sizeof(v), NKEYS, &why)) {
					if (bad++ == 0)
						printf("# byte 0x%02x pos %zu fill "
						    "0x%02x: %s\n", b, pos,
						    fill[f], why);
				}
			}
	ok(bad == 0, "every byte 0..255 at every position of a value, in "
	    "every one of %zu fields, round-trips (%zu failures)", NKEYS, bad);

	bad = 0;
	for (int a = 0; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			v[0] = (char)a;
			v[1] = (char)b;
			if (!roundtrip_all(v, 2, 1, &why) && bad++ == 0)
				printf("# pair %02x %02x: %s\n", a, b, why);
		}
	ok(bad == 0, "every two-byte value round-trips (%zu failures)", bad);

	/* UTF-8 edge cases: leads with every second byte and a few thirds. */
	static const unsigned char leads[] = { 0xc2, 0xdf, 0xe0, 0xed, 0xef,
	    0xf0, 0xf4, 0xf5 };
	static const unsigned char thirds[] = { 0x80, 0xbf, 0x41, 0xc0 };
	bad = 0;
	for (size_t l = 0; l < sizeof(leads); l++)
		for (int b = 0; b < 256; b++)
			for (size_t t = 0; t < sizeof(thirds); t++) {
				v[0] = (char)leads[l];
				v[1] = (char)b;
				v[2] = (char)thirds[t];
				v[3] = (char)0x80;
				if (!roundtrip_all(v, 4, 1, &why) && bad++ == 0)
					printf("# utf8 %02x %02x %02x: %s\n",
					    leads[l], b, thirds[t], why);
			}
	ok(bad == 0, "UTF-8 edge sequences (overlong, surrogate, C1, "
	    "> U+10FFFF, cut) round-trip (%zu failures)", bad);

	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	ok(roundtrip_all(all, 256, NKEYS, &why),
	    "a value holding all 256 byte values round-trips in every field "
	    "%s", why);
	ok(roundtrip_all("", 0, NKEYS, &why), "empty values round-trip %s",
	    why);
	ok(roundtrip_all("a=b=%41%", 8, 3, &why),
	    "'=' and '%%' in values round-trip %s", why);

	/* Pseudo-random binary values up to the value limit. */
	static char rv[EVENT_MAX_VALUE];
	uint32_t x = 2463534242u;
	bad = 0;
	for (int it = 0; it < 300; it++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		size_t len = x % (EVENT_MAX_VALUE + 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			rv[i] = (char)(x >> 24);
		}
		if (!roundtrip_all(rv, len, 4, &why) && bad++ == 0)
			printf("# random %d len %zu: %s\n", it, len, why);
	}
	ok(bad == 0, "300 random binary values up to %d bytes round-trip "
	    "(%zu failures)", EVENT_MAX_VALUE, bad);

	const char *utf = "M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x91";
	struct event_writer w;
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	event_put(&w, "common_name", utf, strlen(utf), err, sizeof(err));
	event_put(&w, "x", "\x85\xc2\x85", 3, err, sizeof(err));
	long n = event_finish(&w, err, sizeof(err));
	ok(n > 0 && memmem(buf, (size_t)n, utf, strlen(utf)) != NULL,
	    "well-formed UTF-8 stays raw (readable with cat)");
	ok(n > 0 && memmem(buf, (size_t)n, "x=%85%C2%85\n", 12) != NULL,
	    "C1 control U+0085 and a lone 0x85 are escaped as %%XX");
}

/* Appends a correct end line to body (NUL-terminated) into buf. */
static size_t
seal(const char *body)
{
	size_t bl = strlen(body);

	memcpy(buf, body, bl);
	int n = snprintf(buf + bl, sizeof(buf) - bl, "end %zu %08x\n", bl,
	    crc32_ieee(0, body, bl));
	return bl + (size_t)n;
}

static int
rejects(const char *file, size_t len, size_t max, const char *want)
{
	struct event ev;

	if (event_parse(file, len, max, &ev, err, sizeof(err)) == 0) {
		event_free(&ev);
		printf("# accepted, wanted '%s'\n", want);
		return 0;
	}
	if (strstr(err, want) == NULL) {
		printf("# reason '%s', wanted '%s'\n", err, want);
		return 0;
	}
	return 1;
}

static int
accepts(const char *file, size_t len, size_t max)
{
	struct event ev;

	if (event_parse(file, len, max, &ev, err, sizeof(err)) == -1) {
		printf("# rejected: %s\n", err);
		return 0;
	}
	event_free(&ev);
	return 1;
}

static void
test_reject(void)
{
	size_t n;
	char good[4096];
	struct event_writer w;

	event_writer_init(&w, good, sizeof(good));
	event_put(&w, "type", "disconnect", 10, err, sizeof(err));
	event_put(&w, "common_name", "client1", 7, err, sizeof(err));
	event_put(&w, "bytes_sent", "12345", 5, err, sizeof(err));
	long gl = event_finish(&w, err, sizeof(err));
	ok(gl > 0 && accepts(good, (size_t)gl, EVENT_MAX_SIZE),
	    "a written file parses");

	size_t bad = 0;
	for (long cut = 0; cut < gl; cut++) {
		struct event ev;
		if (event_parse(good, (size_t)cut, EVENT_MAX_SIZE, &ev, err,
		    sizeof(err)) == 0) {
			event_free(&ev);
			bad++;
		}
	}
	ok(bad == 0, "every truncation (%ld cut points) is rejected (%zu "
	    "accepted)", gl, bad);
	ok(rejects(good, (size_t)gl - 1, EVENT_MAX_SIZE, "missing end marker"),
	    "truncated: last newline missing -> 'missing end marker'");
	const char *endl = strstr(good, "\nend ");
	ok(rejects(good, (size_t)(endl - good) + 1, EVENT_MAX_SIZE,
	    "missing end marker"),
	    "truncated: end line missing -> 'missing end marker'");

	n = seal("ovpnlog-event 1\ntype=connect\ncommon_name=a\n"
	    "common_name=b\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "duplicate key 'common_name'"),
	    "duplicated key -> 'duplicate key'");
	n = seal("ovpnlog-event 1\ntype=connect\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "duplicate key 'type'"),
	    "duplicated type -> 'duplicate key'");
	n = seal("ovpnlog-event 2\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "unsupported event format version: "
	    "'ovpnlog-event 2'"), "wrong version 2 -> 'unsupported event "
	    "format version'");
	n = seal("ovpnlog-event 10\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "unsupported event format version"),
	    "wrong version 10 -> 'unsupported event format version'");
	n = seal("ovpnlog-event 1\x1b[31m\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "'ovpnlog-event 1%1B[31m'"),
	    "a bad first line is quoted escaped in the reason");
	n = seal("OVPNLOG-EVENT 1\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "not an ovpnlog event file"),
	    "foreign file -> 'not an ovpnlog event file'");
	ok(rejects("", 0, EVENT_MAX_SIZE, "not an ovpnlog event file"),
	    "empty file -> 'not an ovpnlog event file'");

	/* Bad length: say one byte more and one byte less. */
	const char *body = "ovpnlog-event 1\ntype=connect\n";
	size_t bl = strlen(body);
	n = (size_t)snprintf(buf, sizeof(buf), "%send %zu %08x\n", body,
	    bl + 1, crc32_ieee(0, body, bl));
	ok(rejects(buf, n, EVENT_MAX_SIZE, "length mismatch: end marker says "),
	    "bad length (+1) -> 'length mismatch'");
	n = (size_t)snprintf(buf, sizeof(buf), "%send %zu %08x\n", body,
	    bl - 1, crc32_ieee(0, body, bl));
	ok(rejects(buf, n, EVENT_MAX_SIZE, "length mismatch"),
	    "bad length (-1) -> 'length mismatch'");
	n = (size_t)snprintf(buf, sizeof(buf), "%send 0%zu %08x\n", body, bl,
	    crc32_ieee(0, body, bl));
	ok(rejects(buf, n, EVENT_MAX_SIZE, "malformed end marker"),
	    "length with a leading zero -> 'malformed end marker'");
	n = (size_t)snprintf(buf, sizeof(buf), "%send %zu %08x\n", body, bl,
	    crc32_ieee(0, body, bl) ^ 1);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "checksum mismatch"),
	    "bad checksum -> 'checksum mismatch'");
	n = (size_t)snprintf(buf, sizeof(buf), "%send %zu %08X\n", body, bl,
	    crc32_ieee(0, body, bl) | 0xa0000000u);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "malformed checksum"),
	    "uppercase checksum -> 'malformed checksum'");
	memcpy(buf, good, (size_t)gl);
	buf[20] ^= 0x01;	/* one flipped bit in the body */
	ok(rejects(buf, (size_t)gl, EVENT_MAX_SIZE, "checksum mismatch"),
	    "a flipped bit in the body -> 'checksum mismatch'");
	n = (size_t)snprintf(buf, sizeof(buf), "%send %zu\n", body, bl);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "malformed end marker"),
	    "end line without checksum -> 'malformed end marker'");

	ok(rejects(good, (size_t)gl, (size_t)gl - 1, "file too large"),
	    "over-size (limit - 1) -> 'file too large'");
	ok(accepts(good, (size_t)gl, (size_t)gl), "exactly at the size limit "
	    "parses");

	/* Values over the limit. */
	static char big[EVENT_MAX_VALUE + 200];
	memset(big, 0, sizeof(big));
	strcpy(big, "ovpnlog-event 1\ntype=connect\ncommon_name=");
	size_t o = strlen(big);
	memset(big + o, 'a', EVENT_MAX_VALUE + 1);
	strcpy(big + o + EVENT_MAX_VALUE + 1, "\n");
	n = seal(big);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "value of 'common_name' too long"),
	    "too-long value (%d bytes) -> 'too long'", EVENT_MAX_VALUE + 1);
	big[o + EVENT_MAX_VALUE] = '\n';
	big[o + EVENT_MAX_VALUE + 1] = '\0';
	n = seal(big);
	ok(accepts(buf, n, EVENT_MAX_SIZE), "a value of exactly %d bytes "
	    "parses", EVENT_MAX_VALUE);
	strcpy(big, "ovpnlog-event 1\ntype=status\nstatus_text=");
	o = strlen(big);
	memset(big + o, 'a', EVENT_MAX_VALUE + 100);
	strcpy(big + o + EVENT_MAX_VALUE + 100, "\n");
	n = seal(big);
	ok(accepts(buf, n, EVENT_MAX_SIZE), "status_text of a status event "
	    "may exceed %d bytes", EVENT_MAX_VALUE);
	memcpy(big, "ovpnlog-event 1\ntype=update\n", 28);
	n = seal(big);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "value of 'status_text' too long"),
	    "status_text over the limit in a non-status event is rejected");
	/* %XX counts as one byte: 4096 escaped bytes are a legal value. */
	static char big3[3 * EVENT_MAX_VALUE + 200];
	strcpy(big3, "ovpnlog-event 1\ntype=connect\nx=");
	o = strlen(big3);
	for (size_t i = 0; i < EVENT_MAX_VALUE; i++)
		memcpy(big3 + o + 3 * i, "%0A", 3);
	o += 3 * EVENT_MAX_VALUE;
	big3[o++] = '\n';
	n = o + (size_t)snprintf(big3 + o, sizeof(big3) - o, "end %zu %08x\n",
	    o, crc32_ieee(0, big3, o));
	ok(accepts(big3, n, EVENT_MAX_SIZE), "the value limit counts "
	    "decoded bytes");

	n = seal("ovpnlog-event 1\ncommon_name=a\ntype=connect\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "first field must be type"),
	    "type not first -> 'first field must be type'");
	n = seal("ovpnlog-event 1\ntype=login\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "first field must be type"),
	    "unknown type -> 'first field must be type'");
	n = seal("ovpnlog-event 1\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "no fields"),
	    "no fields -> 'no fields'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=%4\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "bad % escape in 'x'"),
	    "short escape -> 'bad %% escape'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=%zz1\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "bad % escape"),
	    "non-hex escape -> 'bad %% escape'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=%0a\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "bad % escape"),
	    "lowercase escape -> 'bad %% escape'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=a\tb\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "raw control byte 0x09 in 'x'"),
	    "raw TAB -> 'raw control byte'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=a\x7f\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "raw control byte 0x7f"),
	    "raw DEL -> 'raw control byte'");
	n = seal("ovpnlog-event 1\ntype=connect\nx=a\xff\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "raw byte 0xff in 'x'"),
	    "raw invalid UTF-8 -> rejected");
	n = seal("ovpnlog-event 1\ntype=connect\nx=\xc2\x9b\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "raw byte 0xc2"),
	    "raw C1 control (U+009B) -> rejected");
	n = seal("ovpnlog-event 1\ntype=connect\nno equals sign\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "not a key=value line"),
	    "line without '=' -> 'not a key=value line'");
	n = seal("ovpnlog-event 1\ntype=connect\nbad-key=1\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "not a key=value line"),
	    "key with '-' -> 'not a key=value line'");
	n = seal("ovpnlog-event 1\ntype=connect\n=1\n");
	ok(rejects(buf, n, EVENT_MAX_SIZE, "not a key=value line"),
	    "empty key -> 'not a key=value line'");

	char many[8192];
	o = (size_t)snprintf(many, sizeof(many), "ovpnlog-event 1\ntype=connect\n");
	for (int i = 1; i < EVENT_MAX_FIELDS; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "k%d=%d\n", i, i);
	n = seal(many);
	ok(accepts(buf, n, EVENT_MAX_SIZE), "%d fields parse",
	    EVENT_MAX_FIELDS);
	snprintf(many + o, sizeof(many) - o, "k%d=x\n", EVENT_MAX_FIELDS);
	n = seal(many);
	ok(rejects(buf, n, EVENT_MAX_SIZE, "more than 96 fields"),
	    "%d fields -> 'more than %d fields'", EVENT_MAX_FIELDS + 1,
	    EVENT_MAX_FIELDS);

	/* Unknown keys are kept (forward compatibility). */
	struct event ev;
	n = seal("ovpnlog-event 1\ntype=update\nfuture.key_2=%25x\n");
	int r = event_parse(buf, n, EVENT_MAX_SIZE, &ev, err, sizeof(err));
	size_t vl = 0;
	const char *v = r == 0 ? event_get(&ev, "future.key_2", &vl) : NULL;
	ok(v != NULL && vl == 2 && memcmp(v, "%x", 2) == 0 &&
	    event_type_of(&ev) == EV_UPDATE && event_get(&ev, "nope", NULL) ==
	    NULL, "unknown keys are kept; absent keys are NULL");
	if (r == 0)
		event_free(&ev);

	/* Reasons never carry raw control bytes from the input. */
	n = seal("ovpnlog-event 1\ntype=connect\n\x1b]0;x\x07=1\n");
	r = event_parse(buf, n, EVENT_MAX_SIZE, &ev, err, sizeof(err));
	int clean = r == -1;
	for (const char *p = err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			clean = 0;
	ok(clean, "reasons are escaped: '%s'", err);
}

static void
test_writer(void)
{
	struct event_writer w;
	char small[64];
	static char big[EVENT_MAX_VALUE + 10];

	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	ok(event_put(&w, "common_name", "a", 1, err, sizeof(err)) == -1 &&
	    strstr(err, "first event field must be type") != NULL,
	    "writer: first field other than type refused");
	ok(event_put(&w, "type", "connect", 7, err, sizeof(err)) == -1,
	    "writer: unusable after a refusal");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	ok(event_put(&w, "type", "bogus", 5, err, sizeof(err)) == -1,
	    "writer: unknown type refused");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	ok(event_put(&w, "bad key", "a", 1, err, sizeof(err)) == -1 &&
	    strstr(err, "invalid event key 'bad key'") != NULL,
	    "writer: invalid key refused");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	event_put(&w, "a", "1", 1, err, sizeof(err));
	ok(event_put(&w, "a", "2", 1, err, sizeof(err)) == -1 &&
	    strstr(err, "duplicate event key 'a'") != NULL,
	    "writer: duplicate key refused");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	ok(event_put(&w, "ab", "2", 1, err, sizeof(err)) == 0 &&
	    event_put(&w, "a", "2", 1, err, sizeof(err)) == 0 &&
	    event_put(&w, "abc", "2", 1, err, sizeof(err)) == 0,
	    "writer: keys that are prefixes of each other are distinct");
	memset(big, 'v', sizeof(big));
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	ok(event_put(&w, "x", big, EVENT_MAX_VALUE + 1, err,
	    sizeof(err)) == -1 && strstr(err, "too long") != NULL,
	    "writer: value over %d bytes refused", EVENT_MAX_VALUE);
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "status", 6, err, sizeof(err));
	ok(event_put(&w, "status_text", big, EVENT_MAX_VALUE + 1, err,
	    sizeof(err)) == 0, "writer: long status_text allowed in a status "
	    "event");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	int r = 0;
	for (int i = 1; i < EVENT_MAX_FIELDS && r == 0; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%d", i);
		r = event_put(&w, k, "1", 1, err, sizeof(err));
	}
	ok(r == 0 && event_put(&w, "one_more", "1", 1, err,
	    sizeof(err)) == -1 && strstr(err, "more than 96") != NULL,
	    "writer: field %d refused", EVENT_MAX_FIELDS + 1);

	event_writer_init(&w, small, sizeof(small));
	event_put(&w, "type", "connect", 7, err, sizeof(err));
	ok(event_put(&w, "common_name", big, 100, err, sizeof(err)) == -1 &&
	    strstr(err, "event too large") != NULL &&
	    event_finish(&w, err, sizeof(err)) == -1,
	    "writer: overflow refused, finish fails after it");
	event_writer_init(&w, small, 10);
	ok(w.failed && event_put(&w, "type", "connect", 7, err,
	    sizeof(err)) == -1, "writer: a buffer smaller than the magic "
	    "line fails");
	/* The end line does not fit: finish fails, no partial success. */
	event_writer_init(&w, small, 16 + 13 + 5);
	r = event_put(&w, "type", "connect", 7, err, sizeof(err));
	ok(r == 0 && event_finish(&w, err, sizeof(err)) == -1,
	    "writer: no room for the end line -> finish fails");
	event_writer_init(&w, buf, EVENT_MAX_SIZE);
	ok(event_finish(&w, err, sizeof(err)) == -1, "writer: an event "
	    "without fields is refused");
}

int
main(void)
{
	ok(crc32_ieee(0, "123456789", 9) == 0xcbf43926u,
	    "crc32_ieee check value");
	ok(crc32_ieee(crc32_ieee(0, "1234", 4), "56789", 5) == 0xcbf43926u,
	    "crc32_ieee is incremental");
	int names = 1;
	for (int t = 0; t < EV_TYPE_COUNT; t++) {
		const char *s = event_type_name((enum event_type)t);
		names &= s != NULL && event_type_from_name(s, strlen(s)) == t;
	}
	ok(names && event_type_name(EV_TYPE_COUNT) == NULL &&
	    event_type_from_name("connec", 6) == -1 &&
	    event_type_from_name("connects", 8) == -1,
	    "type names map both ways");
	test_bytes();
	test_reject();
	test_writer();
	return done_testing();
}
