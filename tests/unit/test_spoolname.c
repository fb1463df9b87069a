/*
 * test_spoolname — spool file names (common/spoolname.c): fixed width,
 * lexical order = time order, make/parse round-trip, bounds, and every
 * malformed directory entry rejected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spoolname.h"
#include "tap.h"

static char err[256];

static int
rejected(const char *name)
{
	struct spoolname sn;

	if (spoolname_parse(name, &sn, err, sizeof(err)) == 0) {
		printf("# accepted '%s'\n", name);
		return 0;
	}
	return strstr(err, "not a spool event name") != NULL;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(void)
{
	char n[SPOOLNAME_MAX];
	struct spoolname sn;

	int len = spoolname_make(n, sizeof(n), 1795783430, 452491047, 21380,
	    0xa1b2c3d4u, EV_CONNECT);
	ok(len > 0 && strcmp(n, "1795783430.452491047.21380.a1b2c3d4.connect")
	    == 0 && (size_t)len == strlen(n),
	    "make: DESIGN.md's example shape ('%s')", n);
	ok(spoolname_make(n, sizeof(n), 5, 7, 1, 0, EV_STATUS) > 0 &&
	    strcmp(n, "0000000005.000000007.1.00000000.status") == 0,
	    "make: seconds and nanoseconds zero-padded, random bits 8 hex "
	    "digits ('%s')", n);
	ok(spoolname_parse("1795783430.452491047.21380.a1b2c3d4.connect", &sn,
	    err, sizeof(err)) == 0 && sn.sec == 1795783430 &&
	    sn.nsec == 452491047 && sn.type == EV_CONNECT,
	    "parse: fields come back");

	/* Round trip over types, extremes and pids. */
	const int64_t secs[] = { 0, 1, 999999999, 1795783430, 9999999999LL };
	const long nsecs[] = { 0, 1, 500000000, 999999999 };
	const pid_t pids[] = { 1, 42, 4194304, 2147483647 };
	const uint32_t rnds[] = { 0, 1, 0xffffffffu, 0x0000beefu };
	int good = 1;
	for (size_t a = 0; a < 5; a++)
		for (size_t b = 0; b < 4; b++)
			for (size_t c = 0; c < 4; c++)
				for (int t = 0; t < EV_TYPE_COUNT; t++) {
					if (spoolname_make(n, sizeof(n), secs[a],
					    nsecs[b], pids[c], rnds[c],
					    (enum event_type)t) < 0 ||
					    spoolname_parse(n, &sn, err,
					    sizeof(err)) == -1 ||
					    sn.sec != secs[a] ||
					    sn.nsec != nsecs[b] ||
					    sn.type != (enum event_type)t) {
						printf("# %s: %s\n", n, err);
						good = 0;
					}
				}
	ok(good, "make/parse round-trip over time extremes, pids, random "
	    "bits and every type");

	/* Lexical order = time order, whatever pid, randomness and type. */
	enum { N = 200 };
	char *names[N];
	uint32_t x = 88172645u;
	for (int i = 0; i < N; i++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		/* Times spread over digit-count changes of a plain %lld. */
		int64_t s = (int64_t)(x % 3) == 0 ? x % 1000 :
		    (x % 3 == 1 ? 999999990 + x % 20 : 1795783430 + x % 5);
		long ns = (long)(x % 1000000000u);
		names[i] = malloc(SPOOLNAME_MAX);
		spoolname_make(names[i], SPOOLNAME_MAX, s, ns,
		    (pid_t)(x % 5000000), x, (enum event_type)(x % EV_TYPE_COUNT));
	}
	qsort(names, N, sizeof(*names), cmpstr);
	int ordered = 1;
	int64_t prev = -1;
	for (int i = 0; i < N; i++) {
		spoolname_parse(names[i], &sn, err, sizeof(err));
		int64_t cur = sn.sec * 1000000000 + sn.nsec;
		if (cur < prev)
			ordered = 0;
		prev = cur;
		free(names[i]);
	}
	ok(ordered, "sorted names are in time order (%d random names across "
	    "digit-count changes)", N);

	ok(spoolname_make(n, sizeof(n), -1, 0, 1, 0, EV_CONNECT) == -1,
	    "make: negative seconds refused");
	ok(spoolname_make(n, sizeof(n), 10000000000LL, 0, 1, 0, EV_CONNECT)
	    == -1, "make: seconds over ten digits refused");
	ok(spoolname_make(n, sizeof(n), 1, 1000000000L, 1, 0, EV_CONNECT)
	    == -1, "make: nanoseconds over 999999999 refused");
	ok(spoolname_make(n, sizeof(n), 1, -1, 1, 0, EV_CONNECT) == -1,
	    "make: negative nanoseconds refused");
	ok(spoolname_make(n, sizeof(n), 1, 0, 1, 0, EV_TYPE_COUNT) == -1,
	    "make: unknown type refused");
	ok(spoolname_make(n, 20, 1795783430, 0, 1, 0, EV_CONNECT) == -1,
	    "make: too small a buffer refused");
	len = spoolname_make(n, sizeof(n), 9999999999LL, 999999999, 2147483647,
	    0xffffffffu, EV_DISCONNECT);
	ok(len > 0 && len < SPOOLNAME_MAX, "make: the longest name (%d bytes) "
	    "fits SPOOLNAME_MAX", len);

	ok(rejected(""), "parse: empty name rejected");
	ok(rejected("."), "parse: '.' rejected");
	ok(rejected(".."), "parse: '..' rejected");
	ok(rejected("179578343.452491047.21380.a1b2c3d4.connect"),
	    "parse: nine-digit seconds rejected");
	ok(rejected("17957834300.452491047.21380.a1b2c3d4.connect"),
	    "parse: eleven-digit seconds rejected");
	ok(rejected("1795783430.45249104.21380.a1b2c3d4.connect"),
	    "parse: eight-digit nanoseconds rejected");
	ok(rejected("1795783430.452491047..a1b2c3d4.connect"),
	    "parse: empty pid rejected");
	ok(rejected("1795783430.452491047.12345678901.a1b2c3d4.connect"),
	    "parse: eleven-digit pid rejected");
	ok(rejected("1795783430.452491047.21380.a1b.connect"),
	    "parse: three hex digits rejected");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4a1b2c3d4a.connect"),
	    "parse: seventeen hex digits rejected");
	ok(rejected("1795783430.452491047.21380.A1B2C3D4.connect"),
	    "parse: uppercase hex rejected");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4.login"),
	    "parse: unknown type rejected");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4.connect.tmp"),
	    "parse: trailing suffix rejected");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4.connect.reason"),
	    "parse: a quarantine .reason file is not an event");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4."),
	    "parse: missing type rejected");
	ok(rejected("../1795783430.452491047.21380.a1b2c3d4.connect"),
	    "parse: path components rejected");
	ok(rejected("179578343a.452491047.21380.a1b2c3d4.connect"),
	    "parse: letter in seconds rejected");
	ok(rejected(" 795783430.452491047.21380.a1b2c3d4.connect"),
	    "parse: space in seconds rejected");
	ok(rejected("1795783430.452491047.21380.a1b2c3d4.connect\n"),
	    "parse: trailing newline rejected");
	char longname[200];
	memset(longname, '1', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ok(rejected(longname), "parse: over-long name rejected");
	ok(spoolname_parse("1795783430.452491047.1.abcd.status", &sn, err,
	    sizeof(err)) == 0 && sn.type == EV_STATUS,
	    "parse: 4 hex digits and a one-digit pid accepted");
	return done_testing();
}
