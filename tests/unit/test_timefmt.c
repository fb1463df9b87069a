/*
 * test_timefmt — the times and durations operators type, and ISO 8601
 * printing, in UTC and in a zone with daylight saving time.
 */
#include "tap.h"
#include "timefmt.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOW	1795783710	/* 2026-11-27T12:48:30Z, the fixtures' time */

static void
time_is(const char *in, int utc, int64_t want, const char *name)
{
	char err[256] = "";
	int64_t got = 0;
	int r = tf_parse(in, NOW, utc, &got, err, sizeof(err));

	ok(r == 0 && got == want, "timefmt: %s ('%s' -> %lld, got %lld%s%s)",
	    name, in, (long long)want, (long long)got, r ? ": " : "", err);
}

static void
time_bad(const char *in, const char *needle, const char *name)
{
	char err[256] = "";
	int64_t got = 0;
	int r = tf_parse(in, NOW, 1, &got, err, sizeof(err));

	ok(r == -1 && strstr(err, needle) != NULL, "timefmt: rejects %s "
	    "('%s': %s)", name, in, err);
}

static void
dur_is(const char *in, int64_t want)
{
	char err[256] = "";
	int64_t got = -1;
	int r = tf_parse_duration(in, &got, err, sizeof(err));

	ok(r == 0 && got == want, "timefmt: duration '%s' is %lld s "
	    "(got %lld %s)", in, (long long)want, (long long)got, err);
}

static void
dur_bad(const char *in)
{
	char err[256] = "";
	int64_t got = -1;
	int r = tf_parse_duration(in, &got, err, sizeof(err));

	ok(r == -1 && strstr(err, in) != NULL, "timefmt: rejects duration "
	    "'%s' naming it (%s)", in, err);
}

static void
fmt_is(int64_t t, int utc, const char *want)
{
	char buf[TF_BUFLEN];

	tf_format(t, utc, buf, sizeof(buf));
	ok(strcmp(buf, want) == 0, "timefmt: prints %lld as %s (got %s)",
	    (long long)t, want, buf);
}

static void
human_is(int64_t s, const char *want)
{
	char buf[32];

	tf_human_duration(s, buf, sizeof(buf));
	ok(strcmp(buf, want) == 0, "timefmt: human duration %lld s is %s "
	    "(got %s)", (long long)s, want, buf);
}

int
main(void)
{
	/* UTC, every accepted spelling of one instant. */
	time_is("2026-11-27T12:48:30Z", 0, NOW, "Z offset");
	time_is("2026-11-27T12:48:30", 1, NOW, "--utc without offset");
	time_is("2026-11-27 12:48:30", 1, NOW, "space instead of T");
	time_is("2026-11-27t12:48:30z", 0, NOW, "lower-case t and z");
	time_is("2026-11-27T12:48:30.999Z", 0, NOW, "fraction ignored");
	time_is("2026-11-27T13:48:30+01:00", 0, NOW, "+01:00 offset");
	time_is("2026-11-27T13:48:30+0100", 0, NOW, "+0100 offset");
	time_is("2026-11-27T13:48:30+01", 0, NOW, "+01 offset");
	time_is("2026-11-27T07:48:30-05:00", 0, NOW, "-05:00 offset");
	time_is("2026-11-27T12:48", 1, NOW - 30, "minutes only");
	time_is("2026-11-27", 1, NOW - 12 * 3600 - 48 * 60 - 30, "date only");
	time_is("2024-02-29T00:00Z", 0, 1709164800, "leap day");
	time_is("1970-01-01T00:00:00Z", 0, 0, "the epoch");
	time_is("now", 0, NOW, "now");
	time_is("-2h", 0, NOW - 7200, "relative -2h");
	time_is("+90m", 0, NOW + 5400, "relative +90m");
	time_is("-1d12h", 0, NOW - 86400 - 43200, "relative -1d12h");
	time_is("@1795783710", 0, NOW, "@SECONDS");

	/* Local time through TZ, with daylight saving time. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	time_is("2026-11-27T13:48:30", 0, NOW, "Europe/Berlin winter (+01)");
	time_is("2026-07-01T14:00:00", 0, 1782907200,
	    "Europe/Berlin summer (+02)");
	time_is("2026-11-27T12:48:30", 1, NOW, "--utc overrides TZ");
	time_is("2026-11-27T12:48:30Z", 0, NOW, "explicit Z overrides TZ");
	fmt_is(NOW, 0, "2026-11-27T13:48:30+01:00");
	fmt_is(1782907200, 0, "2026-07-01T14:00:00+02:00");
	fmt_is(NOW, 1, "2026-11-27T12:48:30Z");
	setenv("TZ", "America/St_Johns", 1);	/* a half-hour offset */
	tzset();
	fmt_is(NOW, 0, "2026-11-27T09:18:30-03:30");
	time_is("2026-11-27T09:18:30", 0, NOW, "America/St_Johns (-03:30)");
	setenv("TZ", "UTC", 1);
	tzset();
	fmt_is(0, 1, "1970-01-01T00:00:00Z");

	time_bad("yesterday", "yesterday", "a word");
	time_bad("", "expected ISO 8601", "the empty string");
	time_bad("2026-13-01", "2026-13-01", "month 13");
	time_bad("2026-02-29", "does not exist", "29 February of 2026");
	time_bad("2026-04-31T10:00", "does not exist", "31 April");
	time_bad("2026-11-27T24:00", "2026-11-27T24:00", "hour 24");
	time_bad("2026-11-27T12:60", "2026-11-27T12:60", "minute 60");
	time_bad("2026-11-27T12", "2026-11-27T12", "an hour without minutes");
	time_bad("2026-11-27T12:00+25:00", "+25:00", "offset +25:00");
	time_bad("2026-11-27T12:00 junk", "junk", "trailing junk");
	time_bad("26-11-27", "26-11-27", "a two-digit year");
	time_bad("2h", "-2h", "a bare duration, suggesting -2h");
	time_bad("-2x", "unknown unit", "a relative time with a bad unit");
	time_bad("@12ab", "@12ab", "@ with junk");
	time_bad("99999-01-01", "99999-01-01", "a five-digit year");

	dur_is("30d", 30 * 86400);
	dur_is("12h", 12 * 3600);
	dur_is("90m", 5400);
	dur_is("45s", 45);
	dur_is("2w", 14 * 86400);
	dur_is("1h30m", 5400);
	dur_is("0s", 0);
	dur_bad("30");
	dur_bad("d");
	dur_bad("30x");
	dur_bad("-30d");
	dur_bad("99999999999999999999d");
	dur_bad("400000d");
	dur_bad("30d ");

	human_is(0, "0s");
	human_is(59, "59s");
	human_is(60, "1m00s");
	human_is(725, "12m05s");
	human_is(3720, "1h02m");
	human_is(86399, "23h59m");
	human_is(86400 + 4 * 3600 + 59, "1d04h");
	human_is(-1, "-");
	return done_testing();
}
