/*
 * test_output — the aligned table, CSV (RFC 4180 quoting) and JSON
 * (escaping, numbers, null) of the query commands, byte for byte.
 */
#include "tap.h"
#include "output.h"

#include <stdlib.h>
#include <string.h>

static const struct out_col cols[] = {
	{ "cn", "CN", OUT_TEXT },
	{ "n", "N", OUT_INT },
	{ "bytes", "BYTES", OUT_BYTES },
	{ "time", "TIME", OUT_SECS },
	{ "at", "AT", OUT_TIME },
};

/* Renders rows (and a totals row when tot != NULL) into a string. */
static char *
render(enum out_format fmt, const struct out_cell (*rows)[5], int nrows,
    const struct out_cell *tot)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out *o = out_open(f, fmt, cols, 5, 1, tot != NULL, err,
	    sizeof(err));

	for (int i = 0; i < nrows; i++)
		out_row(o, rows[i], err, sizeof(err));
	if (tot != NULL)
		out_total(o, tot, err, sizeof(err));
	out_close(o, err, sizeof(err));
	fclose(f);
	return buf;
}

static void
str_is(const char *got, const char *want, const char *name)
{
	if (!ok(strcmp(got, want) == 0, "output: %s", name))
		printf("# got:\n%s# want:\n%s", got, want);
}

static void
bytes_is(int64_t n, const char *want)
{
	char buf[32];

	out_human_bytes(n, buf, sizeof(buf));
	ok(strcmp(buf, want) == 0, "output: %lld bytes read as %s (got %s)",
	    (long long)n, want, buf);
}

int
main(void)
{
	const struct out_cell rows[3][5] = {
		{ out_s("client1"), out_i(2), out_i(1536), out_i(3720),
		  out_i(1795783710) },
		{ out_s("a,b \"c\""), out_i(10), out_i(5LL << 30), out_i(45),
		  out_null() },
		{ out_s(""), out_i(0), out_null(), out_null(), out_i(0) },
	};
	const struct out_cell tot[5] = { out_null(), out_i(12),
	    out_i(1536 + (5LL << 30)), out_i(3765), out_null() };
	const struct out_cell nasty[1][5] = {
		{ out_s("q\"b\\s\nl\x01 \xc3\xa9 \xff end"), out_i(-1),
		  out_i(0), out_i(0), out_i(0) },
	};
	enum out_format fmt;
	char err[256], *s;

	s = render(OUT_TABLE, rows, 3, NULL);
	str_is(s,
	    "CN        N    BYTES   TIME  AT\n"
	    "client1   2  1.5 KiB  1h02m  2026-11-27T12:48:30Z\n"
	    "a,b \"c\"  10  5.0 GiB    45s  -\n"
	    "          0        -      -  1970-01-01T00:00:00Z\n",
	    "table aligns columns, numbers to the right, with human units");
	free(s);

	s = render(OUT_TABLE, rows, 1, tot);
	str_is(s,
	    "CN        N    BYTES   TIME  AT\n"
	    "client1   2  1.5 KiB  1h02m  2026-11-27T12:48:30Z\n"
	    "-------  --  -------  -----  --------------------\n"
	    "-        12  5.0 GiB  1h02m  -\n",
	    "table puts the totals row under a rule");
	free(s);

	s = render(OUT_TABLE, nasty, 1, NULL);
	ok(strstr(s, "q\"b\\s?l? \xc3\xa9 ? end") != NULL &&
	    strchr(s, '\x01') == NULL, "output: table shows control "
	    "characters and invalid UTF-8 as '?', keeps valid UTF-8");
	free(s);

	s = render(OUT_CSV, rows, 3, tot);
	str_is(s,
	    "cn,n,bytes,time,at\n"
	    "client1,2,1536,3720,2026-11-27T12:48:30Z\n"
	    "\"a,b \"\"c\"\"\",10,5368709120,45,\n"
	    "\"\",0,,,1970-01-01T00:00:00Z\n",
	    "csv quotes per RFC 4180, raw numbers, NULL empty, no totals");
	free(s);

	s = render(OUT_CSV, nasty, 1, NULL);
	ok(strstr(s, "\"q\"\"b\\s\nl\x01 \xc3\xa9 \xff end\",-1") != NULL,
	    "output: csv quotes a field with a newline, bytes kept as is");
	free(s);

	s = render(OUT_JSON, rows, 2, NULL);
	str_is(s,
	    "[\n"
	    "{\"cn\": \"client1\", \"n\": 2, \"bytes\": 1536, \"time\": 3720, "
	    "\"at\": \"2026-11-27T12:48:30Z\"},\n"
	    "{\"cn\": \"a,b \\\"c\\\"\", \"n\": 10, \"bytes\": 5368709120, "
	    "\"time\": 45, \"at\": null}\n"
	    "]\n",
	    "json: an array of objects, numbers as numbers, null");
	free(s);

	s = render(OUT_JSON, nasty, 1, NULL);
	str_is(s,
	    "[\n"
	    "{\"cn\": \"q\\\"b\\\\s\\nl\\u0001 \xc3\xa9 \\ufffd end\", "
	    "\"n\": -1, \"bytes\": 0, \"time\": 0, "
	    "\"at\": \"1970-01-01T00:00:00Z\"}\n"
	    "]\n",
	    "json escapes quote, backslash, newline, control bytes and "
	    "invalid UTF-8");
	free(s);

	s = render(OUT_JSON, rows, 1, tot);
	str_is(s,
	    "{\"rows\": [\n"
	    "{\"cn\": \"client1\", \"n\": 2, \"bytes\": 1536, \"time\": 3720, "
	    "\"at\": \"2026-11-27T12:48:30Z\"}\n"
	    "], \"total\": {\"cn\": null, \"n\": 12, \"bytes\": 5368710656, "
	    "\"time\": 3765, \"at\": null}}\n",
	    "json with totals: {rows, total}");
	free(s);

	s = render(OUT_JSON, rows, 0, NULL);
	str_is(s, "[]\n", "json of no rows is []");
	free(s);
	s = render(OUT_TABLE, rows, 0, NULL);
	str_is(s, "CN  N  BYTES  TIME  AT\n", "table of no rows is its header");
	free(s);

	bytes_is(0, "0 B");
	bytes_is(1023, "1023 B");
	bytes_is(1024, "1.0 KiB");
	bytes_is(1048575, "1.0 MiB");
	bytes_is(1048576, "1.0 MiB");
	bytes_is(123456789, "117.7 MiB");
	bytes_is(1LL << 40, "1.0 TiB");
	bytes_is(INT64_MAX, "8.0 EiB");

	ok(out_parse_format("json", &fmt, err, sizeof(err)) == 0 &&
	    fmt == OUT_JSON, "output: --format json is known");
	ok(out_parse_format("xml", &fmt, err, sizeof(err)) == -1 &&
	    strstr(err, "'xml'") != NULL, "output: --format xml is refused, "
	    "naming it (%s)", err);
	return done_testing();
}
