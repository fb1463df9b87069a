#include "status.h"
#include "numparse.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col {
	C_CN, C_REAL, C_VIP4, C_VIP6, C_RX, C_TX, C_SINCE_T, C_USER, C_CID,
	C_PID, C_CIPHER, C_COUNT
};

static const struct {
	const char	*name;
	int		 required;
} colspec[C_COUNT] = {
	[C_CN] =	{ "Common Name", 1 },
	[C_REAL] =	{ "Real Address", 1 },
	[C_VIP4] =	{ "Virtual Address", 0 },
	[C_VIP6] =	{ "Virtual IPv6 Address", 0 },
	[C_RX] =	{ "Bytes Received", 1 },
	[C_TX] =	{ "Bytes Sent", 1 },
	[C_SINCE_T] =	{ "Connected Since (time_t)", 1 },
	[C_USER] =	{ "Username", 0 },
	[C_CID] =	{ "Client ID", 0 },
	[C_PID] =	{ "Peer ID", 0 },
	[C_CIPHER] =	{ "Data Channel Cipher", 0 },
};

/* Where we are in OpenVPN's fixed order of sections. */
enum phase { P_TITLE, P_TIME, P_HEADER, P_CLIENTS, P_REST };

struct span {
	const char	*p;
	size_t		 n;
};

struct parser {
	char			 sep;
	struct status_snapshot	*out;
	char			*arena;		/* strings */
	size_t			 used;
	size_t			 cap;		/* len + 1: see keep() */
	size_t			 maxclients;
	int			 pos[C_COUNT];	/* header position, or -1 */
	size_t			 ncols;
};

static int
span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && memcmp(s.p, lit, n) == 0;
}

static int
starts(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && memcmp(p, lit, l) == 0;
}

/* Whether the field starting at p (up to sep or e) is lit. */
static int
field_is(const char *p, const char *e, char sep, const char *lit)
{
	const char *b = memchr(p, sep, (size_t)(e - p));
	struct span s = { p, (size_t)((b ? b : e) - p) };

	return span_is(s, lit);
}

/*
 * Copies a string into the arena.  A line never keeps more than its own
 * length plus one byte (the kept fields are separated by at least one
 * byte in the line), so len + 1 bytes always suffice; running out would
 * be a bug in this file, not bad input.
 */
static const char *
keep(struct parser *ps, const char *p, size_t n)
{
	char *s = ps->arena + ps->used;

	if (n >= ps->cap - ps->used)
		abort();

	memcpy(s, p, n);
	s[n] = '\0';
	ps->used += n + 1;
	return s;
}

static const char *
keep_opt(struct parser *ps, struct span s)
{
	return s.n == 0 ? NULL : keep(ps, s.p, s.n);
}

/*
 * Next line from *off: [*lp, *lp + *ll) without "\n" or "\r\n".  *nl says
 * whether a newline ended it.  0 at end of input.
 */
static int
next_line(const char *buf, size_t len, size_t *off, const char **lp,
    size_t *ll, int *nl)
{
	if (*off >= len)
		return 0;
	const char *s = buf + *off;
	const char *e = memchr(s, '\n', len - *off);
	size_t n = e ? (size_t)(e - s) : len - *off;

	*off += n + (e != NULL);
	*nl = e != NULL;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	*lp = s;
	*ll = n;
	return 1;
}

static void
show(char *dst, size_t dstlen, const char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < dstlen; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(dst + o, dstlen - o, "\\x%02x", c);
		else
			dst[o++] = (char)c;
	}
	if (dstlen > 0)
		dst[o < dstlen ? o : dstlen - 1] = '\0';
}

__attribute__((format(printf, 5, 6)))
static void
reject(struct parser *ps, size_t lineno, const char *line, size_t ll,
    const char *fmt, ...)
{
	struct status_snapshot *s = ps->out;
	va_list ap;

	s->nrejected++;
	if (s->nrejects == STATUS_MAX_REJECTS)
		return;
	struct status_reject *r = &s->rejects[s->nrejects++];
	r->lineno = lineno;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	r->line = keep(ps, line, ll > STATUS_MAX_LINE ? STATUS_MAX_LINE : ll);
}

/*
 * Real Address as OpenVPN prints it: "a.b.c.d:port"; IPv6 as bare "addr"
 * (2.4-2.6 never print a port for it: "addr:port" would be ambiguous) or
 * "[addr]:port" (later versions); v4-mapped IPv6 as "a.b.c.d:port".  A
 * protocol prefix ("udp6:", "tcp4-server:") is skipped.  *ip gets the
 * address without brackets.
 */
static int
parse_real(struct span a, struct span *ip, unsigned *port, char *why,
    size_t whylen)
{
	const char *p = a.p, *e = a.p + a.n;
	const char *colon;
	char tmp[INET6_ADDRSTRLEN + 1], perr[96];
	unsigned char bin[16];
	int af;
	uint64_t v;

	if (e - p > 3 && (strncasecmp(p, "udp", 3) == 0 ||
	    strncasecmp(p, "tcp", 3) == 0)) {
		const char *q = p + 3;
		while (q < e && (*q == '-' || (*q >= '0' && *q <= '9') ||
		    (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
			q++;
		if (q < e && *q == ':')
			p = q + 1;
	}
	*port = 0;
	if (p < e && *p == '[') {
		const char *rb = memchr(p, ']', (size_t)(e - p));
		if (rb == NULL) {
			snprintf(why, whylen, "no ']'");
			return -1;
		}
		ip->p = p + 1;
		ip->n = (size_t)(rb - p - 1);
		af = AF_INET6;
		colon = rb + 1 < e ? rb + 1 : NULL;
		if (colon && *colon != ':') {
			snprintf(why, whylen, "junk after ']'");
			return -1;
		}
	} else {
		size_t ncolon = 0;
		colon = NULL;
		for (const char *q = p; q < e; q++)
			if (*q == ':') {
				ncolon++;
				colon = q;
			}
		ip->p = p;
		if (ncolon >= 2) {
			af = AF_INET6;
			ip->n = (size_t)(e - p);
			colon = NULL;
		} else {
			af = AF_INET;
			ip->n = (size_t)((colon ? colon : e) - p);
		}
	}
	if (ip->n == 0 || ip->n >= sizeof(tmp)) {
		snprintf(why, whylen, "bad address length");
		return -1;
	}
	memcpy(tmp, ip->p, ip->n);
	tmp[ip->n] = '\0';
	if (inet_pton(af, tmp, bin) != 1) {
		snprintf(why, whylen, "not an IPv%d address",
		    af == AF_INET ? 4 : 6);
		return -1;
	}
	if (af == AF_INET && colon == NULL) {
		/* OpenVPN always prints the port of an IPv4 peer. */
		snprintf(why, whylen, "IPv4 address without a port");
		return -1;
	}
	if (colon != NULL) {
		if (parse_u64(colon + 1, (size_t)(e - colon - 1), 0, 65535, &v,
		    perr, sizeof(perr)) == -1) {
			snprintf(why, whylen, "port: %s", perr);
			return -1;
		}
		*port = (unsigned)v;
	}
	return 0;
}

static int
valid_ip(struct span s, int af)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (s.n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s.p, s.n);
	tmp[s.n] = '\0';
	return inet_pton(af, tmp, bin) == 1;
}

/* A numeric column; empty means absent (-1) when allow_empty. */
static int
num_col(struct span s, int64_t max, int allow_empty, int64_t *out,
    char *why, size_t whylen)
{
	if (s.n == 0 && allow_empty) {
		*out = -1;
		return 0;
	}
	return parse_i64(s.p, s.n, 0, max, out, why, whylen);
}

/* Data of a CLIENT_LIST line (after "CLIENT_LIST" and the separator). */
static void
client_line(struct parser *ps, size_t lineno, const char *line, size_t ll)
{
	struct span f[STATUS_MAX_COLUMNS];
	const char *d = line + sizeof("CLIENT_LIST");
	const char *e = line + ll;
	size_t nf = 1, extra = 0;
	size_t cn = (size_t)ps->pos[C_CN];
	char why[STATUS_REASON_MAX];
	uint64_t rx, tx;
	int64_t since, cid = -1, pid = -1;
	unsigned port;
	struct span ip;

	if (ll < sizeof("CLIENT_LIST")) {
		reject(ps, lineno, line, ll, "no fields");
		return;
	}
	if (ll > STATUS_MAX_LINE) {
		reject(ps, lineno, line, ll, "line too long (%zu bytes, limit "
		    "%d)", ll, STATUS_MAX_LINE);
		return;
	}
	for (const char *q = d; q < e; q++)
		if (*q == ps->sep)
			nf++;
	if (nf > ps->ncols && ps->sep == ',')
		extra = nf - ps->ncols;
	else if (nf != ps->ncols) {
		reject(ps, lineno, line, ll, "%zu fields, the CLIENT_LIST "
		    "header has %zu", nf, ps->ncols);
		return;
	}
	/* In version 2 only the Common Name absorbs the extra commas. */
	size_t phys = 0;
	for (const char *a = d; ; phys++) {
		const char *b = memchr(a, ps->sep, (size_t)(e - a));
		if (b == NULL)
			b = e;
		size_t logical = phys < cn ? phys :
		    phys <= cn + extra ? cn : phys - extra;
		if (logical == cn && phys > cn)
			f[cn].n = (size_t)(b - f[cn].p);
		else {
			f[logical].p = a;
			f[logical].n = (size_t)(b - a);
		}
		if (b == e)
			break;
		a = b + 1;
	}

#define COL(c)	(f[ps->pos[c]])
#define HAS(c)	(ps->pos[c] >= 0)
	if (COL(C_CN).n == 0) {
		reject(ps, lineno, line, ll, "empty Common Name");
		return;
	}
	if (parse_real(COL(C_REAL), &ip, &port, why, sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Real Address: %s", why);
		return;
	}
	if (HAS(C_VIP4) && COL(C_VIP4).n > 0 && !valid_ip(COL(C_VIP4), AF_INET)) {
		reject(ps, lineno, line, ll, "bad Virtual Address");
		return;
	}
	if (HAS(C_VIP6) && COL(C_VIP6).n > 0 &&
	    !valid_ip(COL(C_VIP6), AF_INET6)) {
		reject(ps, lineno, line, ll, "bad Virtual IPv6 Address");
		return;
	}
	if (parse_u64(COL(C_RX).p, COL(C_RX).n, 0, UINT64_MAX, &rx, why,
	    sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Bytes Received: %s", why);
		return;
	}
	if (parse_u64(COL(C_TX).p, COL(C_TX).n, 0, UINT64_MAX, &tx, why,
	    sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Bytes Sent: %s", why);
		return;
	}
	if (num_col(COL(C_SINCE_T), INT64_MAX, 0, &since, why,
	    sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Connected Since (time_t): %s",
		    why);
		return;
	}
	if (HAS(C_CID) && num_col(COL(C_CID), INT64_MAX, 1, &cid, why,
	    sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Client ID: %s", why);
		return;
	}
	if (HAS(C_PID) && num_col(COL(C_PID), UINT32_MAX, 1, &pid, why,
	    sizeof(why)) == -1) {
		reject(ps, lineno, line, ll, "bad Peer ID: %s", why);
		return;
	}

	struct status_snapshot *s = ps->out;
	if (s->nclients == ps->maxclients) {
		/* Cannot happen: the first pass counted these lines. */
		reject(ps, lineno, line, ll, "client table full");
		return;
	}
	struct status_client *c = &s->clients[s->nclients++];
	c->cn = keep(ps, COL(C_CN).p, COL(C_CN).n);
	c->real_ip = keep(ps, ip.p, ip.n);
	c->real_port = port;
	c->vpn_ip4 = HAS(C_VIP4) ? keep_opt(ps, COL(C_VIP4)) : NULL;
	c->vpn_ip6 = HAS(C_VIP6) ? keep_opt(ps, COL(C_VIP6)) : NULL;
	c->bytes_received = rx;
	c->bytes_sent = tx;
	c->connected_since = since;
	c->username = NULL;
	if (HAS(C_USER) && !span_is(COL(C_USER), "UNDEF"))
		c->username = keep_opt(ps, COL(C_USER));
	c->client_id = cid;
	c->peer_id = pid;
	c->cipher = HAS(C_CIPHER) ? keep_opt(ps, COL(C_CIPHER)) : NULL;
	c->lineno = lineno;
#undef COL
#undef HAS
}

static int
header_line(struct parser *ps, size_t lineno, const char *line, size_t ll,
    char *err, size_t errlen)
{
	/* "HEADER" sep "CLIENT_LIST" sep names... */
	const size_t skip = sizeof("HEADER") + sizeof("CLIENT_LIST");
	const char *d = line + skip;
	const char *e = line + ll;
	char name[64];

	for (int c = 0; c < C_COUNT; c++)
		ps->pos[c] = -1;
	ps->ncols = 0;
	if (ll < skip)
		d = e;	/* no names: the check below reports Common Name */
	for (const char *a = d; ; ) {
		const char *b = memchr(a, ps->sep, (size_t)(e - a));
		if (b == NULL)
			b = e;
		if (ps->ncols == STATUS_MAX_COLUMNS) {
			snprintf(err, errlen, "line %zu: CLIENT_LIST header has "
			    "more than %d columns", lineno, STATUS_MAX_COLUMNS);
			return -1;
		}
		struct span s = { a, (size_t)(b - a) };
		for (int c = 0; c < C_COUNT; c++) {
			if (!span_is(s, colspec[c].name))
				continue;
			if (ps->pos[c] >= 0) {
				snprintf(err, errlen, "line %zu: CLIENT_LIST header "
				    "names '%s' twice", lineno, colspec[c].name);
				return -1;
			}
			ps->pos[c] = (int)ps->ncols;
		}
		ps->ncols++;
		if (b == e)
			break;
		a = b + 1;
	}
	for (int c = 0; c < C_COUNT; c++)
		if (colspec[c].required && ps->pos[c] < 0) {
			show(name, sizeof(name), colspec[c].name,
			    strlen(colspec[c].name));
			snprintf(err, errlen, "line %zu: CLIENT_LIST header lacks "
			    "the '%s' column", lineno, name);
			return -1;
		}
	return 0;
}

static int
time_line(struct parser *ps, size_t lineno, const char *line, size_t ll,
    char *err, size_t errlen)
{
	const char *d = line + sizeof("TIME");
	const char *last = NULL;
	char why[96];

	for (const char *q = d; q < line + ll; q++)
		if (*q == ps->sep)
			last = q;
	/*
	 * TIME,ascii,time_t since OpenVPN 2.0; the ascii form is local time
	 * and is not used (this parser does not depend on the time zone).
	 */
	if (last == NULL) {
		snprintf(err, errlen, "line %zu: TIME line has no time_t field",
		    lineno);
		return -1;
	}
	if (parse_i64(last + 1, (size_t)(line + ll - last - 1), 0, INT64_MAX,
	    &ps->out->time, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "line %zu: bad time_t on the TIME line: "
		    "%s", lineno, why);
		return -1;
	}
	return 0;
}

/* Version from the first line; -1 with a reason for anything else. */
static int
detect(const char *line, size_t ll, int want, char *err, size_t errlen)
{
	char got[64];
	int v;

	if (starts(line, ll, "TITLE,"))
		v = 2;
	else if (starts(line, ll, "TITLE\t"))
		v = 3;
	else if (starts(line, ll, "OpenVPN CLIENT LIST")) {
		snprintf(err, errlen, "status-version 1 file ('OpenVPN CLIENT "
		    "LIST') is not supported: set status-version 2 or 3 in "
		    "the OpenVPN server config");
		return -1;
	} else if (starts(line, ll, "OpenVPN STATISTICS")) {
		snprintf(err, errlen, "this is an OpenVPN client's status file "
		    "('OpenVPN STATISTICS'), not a server's");
		return -1;
	} else {
		show(got, sizeof(got), line, ll > 40 ? 40 : ll);
		snprintf(err, errlen, "not an OpenVPN status-version 2 or 3 "
		    "file: first line '%s' is not TITLE", got);
		return -1;
	}
	if (want != 0 && want != v) {
		snprintf(err, errlen, "status version %d expected, but the file "
		    "is version %d (%s-separated)", want, v,
		    v == 2 ? "comma" : "TAB");
		return -1;
	}
	return v;
}

/*
 * Whether the last line is "END" (then "\n", "\r\n" or nothing).  Checked
 * first: a file still being written fails here, whatever line it is cut in.
 */
static int
ends_with_end(const char *buf, size_t len)
{
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	return len >= 3 && memcmp(buf + len - 3, "END", 3) == 0 &&
	    (len == 3 || buf[len - 4] == '\n');
}

static void
snapshot_clear(struct status_snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

int
status_parse(const char *buf, size_t len, int version,
    struct status_snapshot *out, char *err, size_t errlen)
{
	struct parser ps;
	const char *line, *nul;
	size_t ll, off, lineno, nclient_lines;
	int nl, v = 0;
	enum phase phase = P_TITLE;

	snapshot_clear(out);
	if (version != 0 && version != 2 && version != 3) {
		snprintf(err, errlen, "unsupported status version %d (2 or 3, "
		    "or 0 to detect)", version);
		return -1;
	}
	if (len > (SIZE_MAX - 1) / 2) {
		snprintf(err, errlen, "input too large (%zu bytes)", len);
		return -1;
	}
	off = 0;
	while (next_line(buf, len, &off, &line, &ll, &nl))
		if (ll == 0 || line[0] != '>') {
			if (!nl && ll < 6 && (memcmp(line, "TITLE,", ll) == 0 ||
			    memcmp(line, "TITLE\t", ll) == 0))
				break;	/* the first bytes of a status file */
			if ((v = detect(line, ll, version, err, errlen)) == -1)
				return -1;
			break;
		}
	if (v == 0) {
		snprintf(err, errlen, "incomplete snapshot (%s, no END line): "
		    "torn read?", len == 0 ? "empty input" : "no complete TITLE "
		    "line");
		return -1;
	}
	if (!ends_with_end(buf, len)) {
		snprintf(err, errlen, "incomplete snapshot (no END line): "
		    "torn read?");
		return -1;
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		snprintf(err, errlen, "NUL byte at offset %zu: not a status "
		    "file, or torn read?", (size_t)(nul - buf));
		return -1;
	}

	memset(&ps, 0, sizeof(ps));
	ps.sep = v == 3 ? '\t' : ',';
	ps.out = out;

	/* First pass: size the client table. */
	nclient_lines = 0;
	off = 0;
	while (next_line(buf, len, &off, &line, &ll, &nl))
		if (starts(line, ll, "CLIENT_LIST") && ll > 11 &&
		    line[11] == ps.sep)
			nclient_lines++;
	if (nclient_lines > STATUS_MAX_CLIENTS) {
		snprintf(err, errlen, "more than %d CLIENT_LIST lines",
		    STATUS_MAX_CLIENTS);
		return -1;
	}
	/* Strings of a line never take more than the line and its end. */
	size_t cbytes = nclient_lines * sizeof(struct status_client);
	char *store = malloc(cbytes + len + 1);
	if (store == NULL) {
		snprintf(err, errlen, "out of memory (%zu clients, %zu bytes)",
		    nclient_lines, len);
		return -1;
	}
	out->store = store;
	out->version = v;
	out->clients = cbytes ? (struct status_client *)(void *)store : NULL;
	ps.maxclients = nclient_lines;
	ps.arena = store + cbytes;
	ps.cap = len + 1;

	off = 0;
	lineno = 0;
	while (next_line(buf, len, &off, &line, &ll, &nl)) {
		lineno++;
		if (ll > 0 && line[0] == '>')
			continue;	/* management notification */
		const char *k = memchr(line, ps.sep, ll);
		struct span kw = { line, k ? (size_t)(k - line) : ll };
		char what[32];

		if (phase == P_TITLE) {
			/* detect() accepted this line: "TITLE" sep text. */
			out->title = keep(&ps, line + 6, ll - 6);
			phase = P_TIME;
		} else if (span_is(kw, "END") && k == NULL) {
			if (off != len) {
				snprintf(err, errlen, "incomplete snapshot (data "
				    "after the END line %zu): torn read?", lineno);
				goto fail;
			}
			if (phase == P_TIME || phase == P_HEADER) {
				snprintf(err, errlen, "line %zu: END without %s",
				    lineno, phase == P_TIME ? "a TIME line" :
				    "a CLIENT_LIST header");
				goto fail;
			}
			return 0;
		} else if (span_is(kw, "END")) {
			snprintf(err, errlen, "line %zu: END line with fields",
			    lineno);
			goto fail;
		} else if (span_is(kw, "TITLE")) {
			/* A torn read never repeats the head of the file. */
			snprintf(err, errlen, "line %zu: second TITLE line",
			    lineno);
			goto fail;
		} else if (span_is(kw, "TIME")) {
			if (phase != P_TIME) {
				snprintf(err, errlen, "line %zu: second TIME line",
				    lineno);
				goto fail;
			}
			if (time_line(&ps, lineno, line, ll, err, errlen) == -1)
				goto fail;
			phase = P_HEADER;
		} else if (span_is(kw, "HEADER") && k != NULL &&
		    field_is(k + 1, line + ll, ps.sep, "CLIENT_LIST")) {
			if (phase != P_HEADER) {
				snprintf(err, errlen, "line %zu: %s", lineno,
				    phase == P_TIME ? "CLIENT_LIST header before "
				    "the TIME line" : "second CLIENT_LIST header");
				goto fail;
			}
			if (header_line(&ps, lineno, line, ll, err, errlen) == -1)
				goto fail;
			phase = P_CLIENTS;
		} else if (span_is(kw, "CLIENT_LIST")) {
			/*
			 * After the later sections only when the head of a
			 * rewrite that shrank the list met the old tail.
			 */
			if (phase == P_REST) {
				snprintf(err, errlen, "line %zu: CLIENT_LIST line "
				    "after the client list: torn read?", lineno);
				goto fail;
			}
			if (phase != P_CLIENTS) {
				snprintf(err, errlen, "line %zu: CLIENT_LIST line "
				    "before the CLIENT_LIST header", lineno);
				goto fail;
			}
			client_line(&ps, lineno, line, ll);
		} else if (span_is(kw, "HEADER") ||
		    span_is(kw, "ROUTING_TABLE") ||
		    span_is(kw, "GLOBAL_STATS")) {
			if (phase != P_CLIENTS && phase != P_REST) {
				show(what, sizeof(what), kw.p, kw.n);
				snprintf(err, errlen, "line %zu: %s line before the "
				    "CLIENT_LIST header", lineno, what);
				goto fail;
			}
			phase = P_REST;
		}
		/* Other lines (future sections) are ignored. */
	}
	snprintf(err, errlen, "incomplete snapshot (no END line): torn read?");
fail:
	status_free(out);
	return -1;
}

void
status_free(struct status_snapshot *s)
{
	free(s->store);
	snapshot_clear(s);
}
