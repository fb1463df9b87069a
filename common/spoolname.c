#include "spoolname.h"

#include <stdio.h>
#include <string.h>

#include "numparse.h"

int
spoolname_make(char *out, size_t cap, int64_t sec, long nsec, pid_t pid,
    uint32_t rnd, enum event_type type)
{
	const char *t = event_type_name(type);

	if (t == NULL || sec < 0 || sec > 9999999999LL || nsec < 0 ||
	    nsec > 999999999L)
		return -1;
	int n = snprintf(out, cap, "%010lld.%09ld.%ld.%08x.%s",
	    (long long)sec, nsec, (long)pid, rnd, t);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

static size_t
span(const char *s, const char *set)
{
	return strspn(s, set);
}

int
spoolname_parse(const char *name, struct spoolname *out, char *err,
    size_t errlen)
{
	const char *digits = "0123456789", *hex = "0123456789abcdef";
	const char *p = name;
	uint64_t v;
	size_t n;

	if (strlen(name) >= SPOOLNAME_MAX)
		goto bad;
	if (span(p, digits) != 10 || p[10] != '.')
		goto bad;
	if (parse_u64(p, 10, 0, 9999999999ULL, &v, err, errlen) == -1)
		goto bad;
	out->sec = (int64_t)v;
	p += 11;
	if (span(p, digits) != 9 || p[9] != '.')
		goto bad;
	if (parse_u64(p, 9, 0, 999999999ULL, &v, err, errlen) == -1)
		goto bad;
	out->nsec = (long)v;
	p += 10;
	n = span(p, digits);
	if (n < 1 || n > 10 || p[n] != '.')
		goto bad;
	p += n + 1;
	n = span(p, hex);
	if (n < 4 || n > 16 || p[n] != '.')
		goto bad;
	p += n + 1;
	int t = event_type_from_name(p, strlen(p));
	if (t < 0)
		goto bad;
	out->type = (enum event_type)t;
	return 0;
bad:
	snprintf(err, errlen, "not a spool event name: '%.80s'", name);
	return -1;
}

const char *
spoolname_shown(const char *name, char *out, size_t len)
{
	size_t o = 0;

	for (; *name != '\0' && o + 5 < len; name++) {
		unsigned char ch = (unsigned char)*name;
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}
