/*
 * Unit checks of the status-file parser (common/status.h): completeness
 * (torn reads), version detection, header-driven columns, version-2
 * common names with commas, real-address forms, rejected lines, limits.
 * The golden files in tests/status/ cover whole files; these cover the
 * properties that need many inputs (every cut point, shuffled layouts).
 */
#include "status.h"
#include "tap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TITLE	"OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [DCO]"
#define HDR25	"Common Name,Real Address,Virtual Address,Virtual IPv6 Address," \
		"Bytes Received,Bytes Sent,Connected Since," \
		"Connected Since (time_t),Username,Client ID,Peer ID," \
		"Data Channel Cipher"

static const char v2file[] =
    "TITLE," TITLE "\n"
    "TIME,2026-11-27 12:48:33,1795783713\n"
    "HEADER,CLIENT_LIST," HDR25 "\n"
    "CLIENT_LIST,client1,127.0.0.1:43396,10.99.0.2,fd99:99::1000,3035,2920,"
    "2026-11-27 12:48:30,1795783710,alice,0,0,AES-256-GCM\n"
    "CLIENT_LIST,client2,127.0.0.1:56042,10.99.0.3,fd99:99::1001,2689,2665,"
    "2026-11-27 12:48:30,1795783710,UNDEF,1,1,AES-256-GCM\n"
    "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,"
    "Last Ref (time_t)\n"
    "ROUTING_TABLE,10.99.0.2,client1,127.0.0.1:43396,2026-11-27 12:48:31,"
    "1795783711\n"
    "GLOBAL_STATS,Max bcast/mcast queue length,0\n"
    "END\n";

/* Replaces every ',' by TAB: the same file in status-version 3. */
static char *
to_v3(const char *s)
{
	char *t = strdup(s);

	for (char *p = t; *p; p++)
		if (*p == ',')
			*p = '\t';
	return t;
}

static int
parse(const char *s, int version, struct status_snapshot *st, char *err,
    size_t errlen)
{
	/* A heap copy of exactly strlen bytes: ASan sees any over-read. */
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	memcpy(copy, s, n);
	int rc = status_parse(copy, n, version, st, err, errlen);
	free(copy);	/* the snapshot must not point into the input */
	return rc;
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* A whole file around the given CLIENT_LIST header and lines (v2 text). */
static char *
mkfile(const char *header, const char *lines)
{
#define MKFILE_FMT "TITLE," TITLE "\nTIME,x,1795783713\n" \
	    "HEADER,CLIENT_LIST,%s\n%sGLOBAL_STATS,dco_enabled,0\nEND\n"
	size_t n = sizeof(MKFILE_FMT) + strlen(header) + strlen(lines);
	char *s = malloc(n);
	snprintf(s, n, MKFILE_FMT, header, lines);
#undef MKFILE_FMT
	return s;
}

static void
test_fixture_shape(void)
{
	struct status_snapshot st;
	char err[256];

	for (int v3 = 0; v3 <= 1; v3++) {
		char *f = v3 ? to_v3(v2file) : strdup(v2file);
		const char *tag = v3 ? "v3" : "v2";
		int rc = parse(f, 0, &st, err, sizeof(err));
		ok(rc == 0, "%s: a complete 2.6 snapshot parses (%s)", tag,
		    rc ? err : "ok");
		if (rc == 0) {
			ok(st.version == (v3 ? 3 : 2), "%s: version detected from "
			    "the first line", tag);
			ok(st.time == 1795783713, "%s: snapshot time is the TIME "
			    "line's time_t", tag);
			ok(streq(st.title, TITLE), "%s: title kept", tag);
			ok(st.nclients == 2 && st.nrejected == 0, "%s: two "
			    "clients, nothing rejected", tag);
			const struct status_client *c = &st.clients[0];
			ok(streq(c->cn, "client1") && streq(c->real_ip, "127.0.0.1")
			    && c->real_port == 43396 &&
			    streq(c->vpn_ip4, "10.99.0.2") &&
			    streq(c->vpn_ip6, "fd99:99::1000") &&
			    c->bytes_received == 3035 && c->bytes_sent == 2920 &&
			    c->connected_since == 1795783710 &&
			    streq(c->username, "alice") && c->client_id == 0 &&
			    c->peer_id == 0 && streq(c->cipher, "AES-256-GCM") &&
			    c->lineno == 4,
			    "%s: every field of client1 as OpenVPN printed it", tag);
			ok(st.clients[1].username == NULL, "%s: username UNDEF is "
			    "NULL", tag);
			status_free(&st);
			ok(st.store == NULL && st.nclients == 0, "%s: status_free "
			    "empties the snapshot", tag);
		}
		free(f);
	}
}

static void
test_torn(void)
{
	struct status_snapshot st;
	char err[256];
	size_t len = strlen(v2file);
	int bad = 0, badmsg = 0;

	/* Every prefix is what a reader sees while OpenVPN writes. */
	for (size_t cut = 0; cut < len - 1; cut++) {
		char *p = strndup(v2file, cut);
		if (parse(p, 0, &st, err, sizeof(err)) == 0) {
			if (bad++ == 0)
				printf("# prefix of %zu bytes accepted\n", cut);
			status_free(&st);
		} else if (strstr(err, "torn read?") == NULL) {
			if (badmsg++ == 0)
				printf("# prefix of %zu bytes: %s\n", cut, err);
		}
		free(p);
	}
	ok(bad == 0, "torn: every proper prefix of a snapshot (%zu cut points) "
	    "is refused", len - 1);
	ok(badmsg == 0, "torn: every refused prefix says 'torn read?' so the "
	    "caller retries");

	char *p = strndup(v2file, len - 1);
	ok(parse(p, 0, &st, err, sizeof(err)) == 0, "torn: END without the "
	    "final newline is complete");
	status_free(&st);
	free(p);

	ok(parse("TITLE,x\nTIME,a,1\nHEADER,CLIENT_LIST," HDR25 "\n", 0, &st,
	    err, sizeof(err)) == -1 && strstr(err, "incomplete snapshot (no END "
	    "line): torn read?") != NULL, "torn: no END line is an incomplete "
	    "snapshot (%s)", err);

	/* A rewrite that shrank: the new END, then the old file's tail. */
	char buf[4096];
	snprintf(buf, sizeof(buf), "%sGLOBAL_STATS,dco_enabled,0\nEND\n",
	    v2file);
	ok(parse(buf, 0, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "after the END line") && strstr(err, "torn read?"),
	    "torn: END not at the end is refused (%s)", err);
	snprintf(buf, sizeof(buf), "%s\n", v2file);
	ok(parse(buf, 0, &st, err, sizeof(err)) == -1, "torn: even an empty "
	    "line after END is refused");
	snprintf(buf, sizeof(buf), "%s\r\n", v2file);
	ok(parse(buf, 0, &st, err, sizeof(err)) == -1, "torn: a CRLF after "
	    "END's newline is refused");

	/* Shrunk list: routing table of the new head, clients of the old tail. */
	char *f = mkfile(HDR25, "");
	char *g = strstr(f, "END\n");
	snprintf(buf, sizeof(buf), "%.*sCLIENT_LIST,old,1.2.3.4:5,,,1,2,x,3,"
	    "UNDEF,1,1,c\n%s", (int)(g - f), f, g);
	int rc = parse(buf, 0, &st, err, sizeof(err));
	ok(rc == -1 && strstr(err, "after the client list") &&
	    strstr(err, "torn read?"), "torn: a CLIENT_LIST line after "
	    "GLOBAL_STATS is refused (%s)", rc ? err : "accepted");
	if (rc == 0)
		status_free(&st);
	free(f);

	ok(parse("", 0, &st, err, sizeof(err)) == -1 && strstr(err,
	    "torn read?"), "torn: an empty file (just truncated) is retried "
	    "(%s)", err);
	ok(st.store == NULL, "torn: a failed parse leaves nothing to free");
	status_free(&st);	/* and freeing it anyway is safe */

	char nul[] = "TITLE,x\nTIME,a,1\nHEADER,CLIENT_LIST," HDR25
	    "\nX\nEND\n";
	size_t nl = sizeof(nul) - 1;
	nul[nl - 6] = '\0';
	ok(status_parse(nul, nl, 0, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "NUL byte"), "torn: a NUL byte is refused (%s)", err);
}

static void
test_versions(void)
{
	struct status_snapshot st;
	char err[256];
	char *v3 = to_v3(v2file);

	ok(parse(v2file, 2, &st, err, sizeof(err)) == 0 && st.version == 2,
	    "version: 2 asked, 2 found");
	status_free(&st);
	ok(parse(v3, 3, &st, err, sizeof(err)) == 0 && st.version == 3,
	    "version: 3 asked, 3 found");
	status_free(&st);
	ok(parse(v2file, 3, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "version 3 expected") && strstr(err, "version 2"),
	    "version: 3 asked, 2 found is refused (%s)", err);
	ok(parse(v3, 2, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "version 2 expected") && strstr(err, "version 3"),
	    "version: 2 asked, 3 found is refused (%s)", err);
	ok(parse(v2file, 1, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "unsupported status version 1"),
	    "version: asking for version 1 is refused (%s)", err);
	ok(parse(v2file, 4, &st, err, sizeof(err)) == -1,
	    "version: asking for version 4 is refused");
	ok(parse("OpenVPN CLIENT LIST\nUpdated,x\nEND\n", 0, &st, err,
	    sizeof(err)) == -1 && strstr(err, "status-version 2 or 3"),
	    "version: a version 1 file names status-version 2 or 3 (%s)", err);
	ok(parse("hello\nEND\n", 0, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "not an OpenVPN status"), "version: garbage is not a "
	    "status file (%s)", err);
	free(v3);
}

static void
test_mgmt(void)
{
	struct status_snapshot st;
	char err[256];
	char buf[4096];
	size_t o = 0;

	/* The management interface ends lines with CRLF. */
	o += (size_t)snprintf(buf, sizeof(buf), ">INFO:OpenVPN Management "
	    "Interface Version 5\r\n");
	for (const char *p = v2file; *p; p++) {
		if (*p == '\n')
			buf[o++] = '\r';
		buf[o++] = *p;
	}
	buf[o] = '\0';
	char *v3 = to_v3(buf);
	int rc = parse(v3, 0, &st, err, sizeof(err));
	ok(rc == 0, "mgmt: a CRLF 'status 3' answer after the banner parses "
	    "(%s)", rc ? err : "ok");
	if (rc == 0) {
		ok(st.nclients == 2 && streq(st.clients[1].cipher,
		    "AES-256-GCM") && streq(st.title, TITLE),
		    "mgmt: no CR is left on the last column or the title");
		status_free(&st);
	}
	free(v3);
}

static void
test_commas(void)
{
	struct status_snapshot st;
	char err[256];
	static const char *const cns[] = {
		"Doe, John", "a,b,c,d,e,f", ",", ",,lead", "trail,,",
		"O=Org\\, Inc., CN=x", "Zoë, Ünïcode",
	};

	for (size_t i = 0; i < sizeof(cns) / sizeof(cns[0]); i++) {
		char line[512];
		snprintf(line, sizeof(line), "CLIENT_LIST,%s,192.0.2.1:1194,"
		    "10.8.0.2,fd00::2,11,22,2026-11-27 12:00:00,1795780800,"
		    "bob,5,6,AES-256-GCM\n", cns[i]);
		char *f = mkfile(HDR25, line);
		int rc = parse(f, 2, &st, err, sizeof(err));
		ok(rc == 0 && st.nclients == 1 && streq(st.clients[0].cn, cns[i])
		    && streq(st.clients[0].real_ip, "192.0.2.1") &&
		    st.clients[0].bytes_received == 11 &&
		    st.clients[0].bytes_sent == 22 &&
		    streq(st.clients[0].username, "bob") &&
		    st.clients[0].peer_id == 6,
		    "v2 commas: CN '%s' parses with every other column in place",
		    cns[i]);
		if (rc == 0)
			status_free(&st);
		free(f);
	}

	/* In version 3 a comma is an ordinary byte, a TAB too many is bad. */
	char *f = mkfile(HDR25, "CLIENT_LIST,a\tb,192.0.2.1:1194,10.8.0.2,,1,"
	    "2,x,3,UNDEF,1,1,c\n");
	char *v3 = to_v3(f);
	ok(parse(v3, 3, &st, err, sizeof(err)) == 0 && st.nclients == 0 &&
	    st.nrejected == 1 && strstr(st.rejects[0].reason, "13 fields"),
	    "v3: a line with an extra TAB is rejected, not absorbed");
	status_free(&st);
	free(v3);
	free(f);

	/* Only the CN absorbs: a surplus field elsewhere must not parse. */
	f = mkfile(HDR25, "CLIENT_LIST,cn,192.0.2.1:1194,10.8.0.2,fd00::2,1,2,"
	    "x,3,UNDEF,1,1,AES-256-GCM,surplus\n");
	ok(parse(f, 2, &st, err, sizeof(err)) == 0 && st.nclients == 0 &&
	    st.nrejected == 1, "v2: a surplus trailing field shifts the "
	    "columns and the line is rejected (%s)",
	    st.nrejects ? st.rejects[0].reason : "accepted");
	status_free(&st);
	free(f);
}

static void
test_addresses(void)
{
	struct status_snapshot st;
	char err[256];
	static const struct {
		const char	*in;
		const char	*ip;	/* NULL: rejected */
		unsigned	 port;
	} cases[] = {
		{ "192.0.2.1:1194", "192.0.2.1", 1194 },
		{ "192.0.2.1:0", "192.0.2.1", 0 },
		{ "192.0.2.1:65535", "192.0.2.1", 65535 },
		/* 2.4-2.6: a native IPv6 peer without its port */
		{ "2001:db8::1", "2001:db8::1", 0 },
		{ "2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6", 0 },
		{ "::1", "::1", 0 },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1", 0 },
		/* later versions: bracketed with port, or bracketed alone */
		{ "[2001:db8::1]:51000", "2001:db8::1", 51000 },
		{ "[2001:db8::1]", "2001:db8::1", 0 },
		/* v4-mapped IPv6 peers print as IPv4 with port */
		{ "198.51.100.7:40000", "198.51.100.7", 40000 },
		/* a protocol prefix is skipped */
		{ "udp6:[2001:db8::1]:1194", "2001:db8::1", 1194 },
		{ "tcp4-server:192.0.2.1:443", "192.0.2.1", 443 },
		{ "192.0.2.1", NULL, 0 },		/* v4 without port */
		{ "192.0.2.1:65536", NULL, 0 },
		{ "192.0.2.1:", NULL, 0 },
		{ "192.0.2.1:x", NULL, 0 },
		{ "192.0.2.256:1", NULL, 0 },
		{ "[2001:db8::1", NULL, 0 },
		{ "[2001:db8::1]1194", NULL, 0 },
		{ "[2001:db8::1]:", NULL, 0 },
		{ "[192.0.2.1]:1", NULL, 0 },
		{ "2001:db8::1:", NULL, 0 },
		{ "[]:1", NULL, 0 },
		{ "UNKNOWN", NULL, 0 },
		{ "IPV6", NULL, 0 },
		{ ":1194", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512];
		snprintf(line, sizeof(line), "CLIENT_LIST,c,%s,10.8.0.2,,1,2,x,"
		    "3,UNDEF,1,1,c\n", cases[i].in);
		char *f = mkfile(HDR25, line);
		char *v3 = to_v3(f);
		int rc = parse(v3, 0, &st, err, sizeof(err));
		if (cases[i].ip)
			ok(rc == 0 && st.nclients == 1 &&
			    streq(st.clients[0].real_ip, cases[i].ip) &&
			    st.clients[0].real_port == cases[i].port,
			    "real address '%s' is %s port %u", cases[i].in,
			    cases[i].ip, cases[i].port);
		else
			ok(rc == 0 && st.nclients == 0 && st.nrejected == 1 &&
			    strstr(st.rejects[0].reason, "Real Address"),
			    "real address '%s' is rejected (%s)", cases[i].in,
			    st.nrejects ? st.rejects[0].reason : "accepted");
		status_free(&st);
		free(v3);
		free(f);
	}
}

static void
test_fields(void)
{
	struct status_snapshot st;
	char err[256];
	char *f = mkfile(HDR25,
	    "CLIENT_LIST,a,192.0.2.1:1,,,1,2,x,3,UNDEF,1,1,c\n"
	    "CLIENT_LIST,b,192.0.2.1:2,10.8.0.3,,1,2,x,3,,,,\n"
	    "CLIENT_LIST,c,192.0.2.1:3,,fd00::3,1,2,x,3,UNDEFINED,4294967295,"
	    "4294967295,c\n");
	int rc = parse(f, 0, &st, err, sizeof(err));
	ok(rc == 0 && st.nclients == 3, "fields: three clients with empty "
	    "fields parse (%s)", rc ? err : "ok");
	if (rc == 0) {
		ok(st.clients[0].vpn_ip4 == NULL && st.clients[0].vpn_ip6 ==
		    NULL, "fields: empty Virtual Address and IPv6 Address are NULL");
		ok(st.clients[0].username == NULL && st.clients[1].username ==
		    NULL && streq(st.clients[2].username, "UNDEFINED"),
		    "fields: username UNDEF and empty are NULL, only exactly UNDEF");
		ok(st.clients[1].client_id == -1 && st.clients[1].peer_id == -1 &&
		    st.clients[1].cipher == NULL, "fields: empty ids are -1, "
		    "empty cipher NULL");
		ok(st.clients[2].client_id == 4294967295LL &&
		    st.clients[2].peer_id == 4294967295LL,
		    "fields: ids up to 2^32-1 parse");
		status_free(&st);
	}
	free(f);

	/* 2.3 layout: no IPv6, ids or cipher columns at all. */
	f = mkfile("Common Name,Real Address,Virtual Address,Bytes Received,"
	    "Bytes Sent,Connected Since,Connected Since (time_t),Username",
	    "CLIENT_LIST,old,192.0.2.1:1,10.8.0.2,1,2,x,3,joe\n");
	rc = parse(f, 0, &st, err, sizeof(err));
	ok(rc == 0 && st.nclients == 1 && st.clients[0].vpn_ip6 == NULL &&
	    st.clients[0].client_id == -1 && st.clients[0].peer_id == -1 &&
	    st.clients[0].cipher == NULL && streq(st.clients[0].username, "joe"),
	    "fields: the 2.3 layout leaves absent columns NULL / -1");
	status_free(&st);
	free(f);

	static const char *const required[] = {
		"Common Name", "Real Address", "Bytes Received", "Bytes Sent",
		"Connected Since (time_t)",
	};
	for (size_t i = 0; i < 5; i++) {
		char hdr[512] = "";
		for (size_t k = 0; k < 5; k++)
			if (k != i) {
				strcat(hdr, required[k]);
				strcat(hdr, ",");
			}
		strcat(hdr, "Username");
		f = mkfile(hdr, "");
		ok(parse(f, 0, &st, err, sizeof(err)) == -1 && strstr(err,
		    required[i]), "fields: a header without '%s' is refused (%s)",
		    required[i], err);
		free(f);
	}
}

/* Header-driven columns: many random column orders, plus unknown ones. */
static void
test_shuffle(void)
{
	static const char *const names[] = {
		"Common Name", "Real Address", "Virtual Address",
		"Virtual IPv6 Address", "Bytes Received", "Bytes Sent",
		"Connected Since", "Connected Since (time_t)", "Username",
		"Client ID", "Peer ID", "Data Channel Cipher", "Extra One",
		"Extra Two",
	};
	static const char *const vals[] = {
		"Doe\001 Jane", "[2001:db8::9]:4242", "10.8.0.77", "fd00::77",
		"123456789012", "987654321098", "2026-11-27 12:00:00",
		"1795780800", "jane", "42", "7", "AES-128-GCM", "junk", "",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	uint32_t seed = 12345;
	int bad = 0;

	for (int round = 0; round < 200; round++) {
		size_t perm[N];
		char hdr[1024] = "", line[1024] = "CLIENT_LIST,";
		struct status_snapshot st;
		char err[256];

		for (size_t i = 0; i < N; i++)
			perm[i] = i;
		for (size_t i = N - 1; i > 0; i--) {
			seed = seed * 1103515245u + 12345u;
			size_t j = (seed >> 8) % (i + 1);
			size_t t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (size_t i = 0; i < N; i++) {
			strcat(hdr, names[perm[i]]);
			strcat(line, vals[perm[i]]);
			if (i + 1 < N) {
				strcat(hdr, ",");
				strcat(line, ",");
			}
		}
		strcat(line, "\n");
		char *f = mkfile(hdr, line);
		int v3 = round % 2;
		char *in = v3 ? to_v3(f) : strdup(f);
		for (char *p = in; *p; p++)
			if (*p == '\001')
				*p = ',';	/* the CN's own comma */
		const struct status_client *c;
		int rc = parse(in, 0, &st, err, sizeof(err));
		/* In v3 the CN has a real comma; in v2 it spans two fields. */
		if (rc != 0 || st.nclients != 1 ||
		    !streq((c = &st.clients[0])->cn, "Doe, Jane") ||
		    !streq(c->real_ip, "2001:db8::9") || c->real_port != 4242 ||
		    !streq(c->vpn_ip4, "10.8.0.77") ||
		    !streq(c->vpn_ip6, "fd00::77") ||
		    c->bytes_received != 123456789012ULL ||
		    c->bytes_sent != 987654321098ULL ||
		    c->connected_since != 1795780800 ||
		    !streq(c->username, "jane") || c->client_id != 42 ||
		    c->peer_id != 7 || !streq(c->cipher, "AES-128-GCM")) {
			if (bad++ == 0)
				printf("# round %d (v%d) failed: %s\n# %s# %s\n",
				    round, v3 ? 3 : 2, rc ? err : "wrong values",
				    hdr, line);
		}
		if (rc == 0)
			status_free(&st);
		free(in);
		free(f);
	}
	ok(bad == 0, "shuffle: 200 random column orders (v2 and v3, CN with a "
	    "comma, two unknown columns) all map every field by header name");
}

static void
test_rejects(void)
{
	struct status_snapshot st;
	char err[256];
	size_t cap = 200 * 64 + 1024;
	char *lines = malloc(cap);
	size_t o = 0;

	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(lines + o, cap - o, "CLIENT_LIST,bad%d,"
		    "192.0.2.1:1,,,x,2,x,3,UNDEF,1,1,c\n", i);
	o += (size_t)snprintf(lines + o, cap - o, "CLIENT_LIST,good,192.0.2.1:1,"
	    ",,1,2,x,3,UNDEF,1,1,c\n");
	char *f = mkfile(HDR25, lines);
	int rc = parse(f, 0, &st, err, sizeof(err));
	ok(rc == 0 && st.nclients == 1 && st.nrejected == 100 &&
	    st.nrejects == STATUS_MAX_REJECTS,
	    "rejects: 100 bad lines are all counted, %d described, and the good "
	    "line still parses", STATUS_MAX_REJECTS);
	if (rc == 0) {
		ok(st.rejects[0].lineno == 4 && strstr(st.rejects[0].line,
		    "CLIENT_LIST,bad0,") == st.rejects[0].line &&
		    strstr(st.rejects[0].reason, "Bytes Received"),
		    "rejects: a reject has its line number, raw line and reason");
		status_free(&st);
	}
	free(f);
	free(lines);

	/* An over-long line is rejected, not fatal. */
	size_t big = STATUS_MAX_LINE + 100;
	char *l = malloc(big + 64);
	strcpy(l, "CLIENT_LIST,");
	memset(l + 12, 'A', big);
	strcpy(l + 12 + big, ",192.0.2.1:1,,,1,2,x,3,UNDEF,1,1,c\n");
	f = mkfile(HDR25, l);
	rc = parse(f, 0, &st, err, sizeof(err));
	ok(rc == 0 && st.nclients == 0 && st.nrejected == 1 &&
	    strstr(st.rejects[0].reason, "too long") &&
	    strlen(st.rejects[0].line) == STATUS_MAX_LINE,
	    "rejects: a line over %d bytes is rejected and kept truncated",
	    STATUS_MAX_LINE);
	status_free(&st);
	free(f);
	free(l);

	/* A tiny error buffer is never overrun. */
	char small[8];
	ok(parse("OpenVPN CLIENT LIST\n", 0, &st, small, sizeof(small)) == -1
	    && strlen(small) == sizeof(small) - 1,
	    "errors: the reason is truncated to the caller's buffer");
}

static void
test_limits(void)
{
	struct status_snapshot st;
	char err[256];
	const char *head = "TITLE,x\nTIME,x,1\nHEADER,CLIENT_LIST," HDR25 "\n";
	const char *cl = "CLIENT_LIST,\n";
	size_t n = STATUS_MAX_CLIENTS + 1;
	size_t len = strlen(head) + n * strlen(cl) + 4;
	char *buf = malloc(len + 1);
	size_t o = strlen(head);

	memcpy(buf, head, o);
	for (size_t i = 0; i < n; i++, o += strlen(cl))
		memcpy(buf + o, cl, strlen(cl));
	memcpy(buf + o, "END\n", 4);
	ok(status_parse(buf, len, 0, &st, err, sizeof(err)) == -1 &&
	    strstr(err, "more than"), "limits: more than %d client lines are "
	    "refused before allocating (%s)", STATUS_MAX_CLIENTS, err);
	free(buf);

	/* 100,000 real lines: memory stays proportional, time measured. */
	n = 100000;
	len = strlen(head) + n * 160 + 8;
	buf = malloc(len);
	o = (size_t)snprintf(buf, len, "%s", head);
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, len - o, "CLIENT_LIST,client%zu,"
		    "192.0.2.%zu:%zu,10.8.%zu.%zu,fd00::%zx:%zx,%zu,%zu,2026-11-27 "
		    "12:00:00,1795780800,user%zu,%zu,%zu,AES-256-GCM\n", i,
		    i % 250 + 1,
		    i % 60000 + 1024, i / 250 % 250, i % 250 + 1, i >> 16,
		    i & 0xffff, i * 3, i * 5,
		    i, i, i);
	o += (size_t)snprintf(buf + o, len - o, "END\n");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = status_parse(buf, o, 0, &st, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc == 0 && st.nrejects > 0)
		printf("# first reject: line %zu: %s\n", st.rejects[0].lineno,
		    st.rejects[0].reason);
	ok(rc == 0 && st.nclients == n && st.nrejected == 0 &&
	    streq(st.clients[n - 1].cn, "client99999") &&
	    st.clients[n - 1].bytes_sent == 99999 * 5,
	    "limits: %zu clients (%zu bytes) parse (%s)", n, o,
	    rc ? err : "ok");
	printf("# parsed %zu clients, %.1f MB, in %.3f s (this build)\n", n,
	    (double)o / 1e6, secs);
	if (rc == 0)
		status_free(&st);
	free(buf);
}

int
main(void)
{
	test_fixture_shape();
	test_torn();
	test_versions();
	test_mgmt();
	test_commas();
	test_addresses();
	test_fields();
	test_shuffle();
	test_rejects();
	test_limits();
	return done_testing();
}
