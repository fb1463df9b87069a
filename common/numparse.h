/*
 * numparse — bounded decimal number parsing for untrusted text.
 *
 * Every number that enters ovpnlog (environment variables, spool files,
 * status files, config values, command-line options) goes through here,
 * never through atoi/strtol directly.  Input is a byte range (not
 * necessarily NUL-terminated).  Accepts only ASCII digits (an optional
 * leading '-' for the signed variant); no whitespace, no '+', no empty
 * string, no overflow past the given bounds.
 *
 * Return: 0 and *out set on success; -1 with a reason in err otherwise.
 */
#ifndef OVPNLOG_NUMPARSE_H
#define OVPNLOG_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

int parse_u64(const char *s, size_t len, uint64_t min, uint64_t max,
              uint64_t *out, char *err, size_t errlen);
int parse_i64(const char *s, size_t len, int64_t min, int64_t max,
              int64_t *out, char *err, size_t errlen);

/* Convenience for NUL-terminated strings. */
int parse_u64z(const char *s, uint64_t min, uint64_t max, uint64_t *out,
               char *err, size_t errlen);
int parse_i64z(const char *s, int64_t min, int64_t max, int64_t *out,
               char *err, size_t errlen);

#endif
