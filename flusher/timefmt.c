#include "timefmt.h"
#include "numparse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Bounds that keep every sum below overflow and inside struct tm. */
#define TF_MAX_DURATION	((int64_t)1000 * 366 * 86400)	/* ~1000 years */
#define TF_MIN_YEAR	1900
#define TF_MAX_YEAR	9999

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

static size_t
digits(const char *s)
{
	size_t n = 0;

	while (isdig(s[n]))
		n++;
	return n;
}

int
tf_parse_duration(const char *s, int64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	int64_t total = 0;
	char nerr[128];

	if (*p == '\0') {
		snprintf(err, errlen, "empty duration");
		return -1;
	}
	while (*p != '\0') {
		size_t n = digits(p);
		uint64_t v;
		int64_t unit;

		if (n == 0) {
			snprintf(err, errlen, "bad duration '%s': expected a "
			    "number at '%s' (e.g. 30d, 12h, 90m, 1h30m)", s, p);
			return -1;
		}
		if (parse_u64(p, n, 0, (uint64_t)TF_MAX_DURATION, &v, nerr,
		    sizeof(nerr)) == -1) {
			snprintf(err, errlen, "bad duration '%s': %s", s, nerr);
			return -1;
		}
		p += n;
		switch (*p) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		case 'w': unit = 7 * 86400; break;
		case '\0':
			snprintf(err, errlen, "bad duration '%s': the number "
			    "needs a unit (s, m, h, d or w), e.g. 30d", s);
			return -1;
		default:
			snprintf(err, errlen, "bad duration '%s': unknown unit "
			    "'%c' (use s, m, h, d or w)", s, *p);
			return -1;
		}
		p++;
		if ((int64_t)v > (TF_MAX_DURATION - total) / unit) {
			snprintf(err, errlen, "bad duration '%s': longer than "
			    "1000 years", s);
			return -1;
		}
		total += (int64_t)v * unit;
	}
	*out = total;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int64_t y, int m)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* A fixed-width field of n digits at *p, within lo..hi; advances *p. */
static int
field(const char **p, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
	char nerr[64];

	if (digits(*p) < n)
		return -1;
	if (parse_i64(*p, n, lo, hi, out, nerr, sizeof(nerr)) == -1)
		return -1;
	*p += n;
	return 0;
}

/* Z, +HH, +HHMM, +HH:MM (or -): seconds east of UTC into *off. */
static int
offset(const char **pp, int64_t *off)
{
	const char *p = *pp;
	int64_t hh, mm = 0;
	int sign;

	if (*p == 'Z' || *p == 'z') {
		*off = 0;
		*pp = p + 1;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (field(&p, 2, 0, 23, &hh) == -1)
		return -1;
	if (*p == ':') {
		p++;
		if (field(&p, 2, 0, 59, &mm) == -1)
			return -1;
	} else if (isdig(*p) && field(&p, 2, 0, 59, &mm) == -1)
		return -1;
	*off = sign * (hh * 3600 + mm * 60);
	*pp = p;
	return 0;
}

static int
parse_iso(const char *s, int utc, int64_t *out, char *err, size_t errlen)
{
	const char *p = s;
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
	int have_off = 0;

	if (field(&p, 4, TF_MIN_YEAR, TF_MAX_YEAR, &y) == -1 || *p++ != '-' ||
	    field(&p, 2, 1, 12, &mo) == -1 || *p++ != '-' ||
	    field(&p, 2, 1, 31, &d) == -1)
		goto bad;
	if (d > days_in_month(y, (int)mo)) {
		snprintf(err, errlen, "bad time '%s': day %lld does not "
		    "exist in %04lld-%02lld", s, (long long)d, (long long)y,
		    (long long)mo);
		return -1;
	}
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (field(&p, 2, 0, 23, &h) == -1 || *p++ != ':' ||
		    field(&p, 2, 0, 59, &mi) == -1)
			goto bad;
		if (*p == ':') {
			p++;
			/* 60: a leap second, one second later than :59. */
			if (field(&p, 2, 0, 60, &sec) == -1)
				goto bad;
			if (*p == '.' || *p == ',') {
				/* The database keeps whole seconds. */
				if (digits(++p) == 0)
					goto bad;
				p += digits(p);
			}
		}
		if (*p != '\0') {
			if (offset(&p, &off) == -1)
				goto bad;
			have_off = 1;
		}
	}
	if (*p != '\0')
		goto bad;

	if (have_off || utc) {
		*out = days_from_civil(y, (int)mo, (int)d) * 86400 +
		    h * 3600 + mi * 60 + sec - off;
		return 0;
	} else {
		struct tm tm;
		time_t t;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)(y - 1900);
		tm.tm_mon = (int)mo - 1;
		tm.tm_mday = (int)d;
		tm.tm_hour = (int)h;
		tm.tm_min = (int)mi;
		tm.tm_sec = (int)sec;
		tm.tm_isdst = -1;	/* let the time zone rules decide */
		if ((t = mktime(&tm)) == (time_t)-1 && tm.tm_year != 69) {
			snprintf(err, errlen, "bad time '%s': not "
			    "representable in the local time zone", s);
			return -1;
		}
		*out = (int64_t)t;
		return 0;
	}
bad:
	snprintf(err, errlen, "bad time '%s': expected ISO 8601 like "
	    "2026-11-27T14:02[:05][Z|+01:00], a date, now, -2h or @SECONDS",
	    s);
	return -1;
}

int
tf_parse(const char *s, int64_t now, int utc, int64_t *out, char *err,
    size_t errlen)
{
	char derr[160];
	int64_t d;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (s[0] == '@') {
		if (parse_i64z(s + 1, -TF_MAX_DURATION * 10,
		    TF_MAX_DURATION * 10, out, derr, sizeof(derr)) == -1) {
			snprintf(err, errlen, "bad time '%s': %s", s, derr);
			return -1;
		}
		return 0;
	}
	if (s[0] == '-' || s[0] == '+') {
		if (tf_parse_duration(s + 1, &d, derr, sizeof(derr)) == -1) {
			snprintf(err, errlen, "bad time '%s': %s", s, derr);
			return -1;
		}
		*out = s[0] == '-' ? now - d : now + d;
		return 0;
	}
	if (digits(s) > 0 && digits(s) < 4 &&
	    tf_parse_duration(s, &d, derr, sizeof(derr)) == 0) {
		snprintf(err, errlen, "bad time '%s': a duration; for that "
		    "long ago write -%s", s, s);
		return -1;
	}
	return parse_iso(s, utc, out, err, errlen);
}

char *
tf_format(int64_t t, int utc, char *buf, size_t len)
{
	struct tm tm;
	time_t tt = (time_t)t;
	long off;

	if ((utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)) == NULL) {
		snprintf(buf, len, "@%lld", (long long)t);
		return buf;
	}
	off = utc ? 0 : tm.tm_gmtoff;
	if (off == 0 && utc)
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
		    (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
		    (long long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		    (off < 0 ? -off : off) / 3600,
		    (off < 0 ? -off : off) / 60 % 60);
	return buf;
}

char *
tf_human_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s / 60 % 60));
	else
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s / 3600 % 24));
	return buf;
}
