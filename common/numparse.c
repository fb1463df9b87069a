#include "numparse.h"

#include <stdio.h>
#include <string.h>

int
parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
          uint64_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (len == 0) {
		snprintf(err, errlen, "empty number");
		return -1;
	}
	if (len > 20) {
		snprintf(err, errlen, "number too long (%zu digits)", len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9) {
			snprintf(err, errlen, "not a decimal number: '%.*s'",
			    (int)(len > 32 ? 32 : len), s);
			return -1;
		}
		if (v > (UINT64_MAX - d) / 10) {
			snprintf(err, errlen, "number out of range: '%.*s'",
			    (int)len, s);
			return -1;
		}
		v = v * 10 + d;
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "number %llu out of range %llu..%llu",
		    (unsigned long long)v, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_i64(const char *s, size_t len, int64_t min, int64_t max,
          int64_t *out, char *err, size_t errlen)
{
	uint64_t mag;
	int neg = 0;

	if (len > 0 && s[0] == '-') {
		neg = 1;
		s++;
		len--;
	}
	if (parse_u64(s, len, 0, neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX,
	    &mag, err, errlen) == -1)
		return -1;
	int64_t v = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
	    : -(int64_t)mag) : (int64_t)mag;
	if (v < min || v > max) {
		snprintf(err, errlen, "number %lld out of range %lld..%lld",
		    (long long)v, (long long)min, (long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_u64z(const char *s, uint64_t min, uint64_t max, uint64_t *out,
           char *err, size_t errlen)
{
	return parse_u64(s, strlen(s), min, max, out, err, errlen);
}

int
parse_i64z(const char *s, int64_t min, int64_t max, int64_t *out,
           char *err, size_t errlen)
{
	return parse_i64(s, strlen(s), min, max, out, err, errlen);
}
