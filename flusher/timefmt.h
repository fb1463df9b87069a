/*
 * timefmt — the times and durations an operator types, and the times
 * ovpnlog prints, as ISO 8601.
 *
 * Accepted times (tf_parse):
 *   now                         the given `now`
 *   -2h, +30m, -7d, -1h30m      now plus or minus a duration
 *   @1795783710                 seconds since the epoch
 *   2026-11-27                  midnight at the start of that day
 *   2026-11-27T14:02            (a space may replace the T)
 *   2026-11-27T14:02:05         (a fraction of a second is ignored)
 *   any of these + Z, +01:00, +0100, +01, -05:00
 * Without an offset the time is local (the TZ environment variable), or
 * UTC when utc is set.
 *
 * Accepted durations (tf_parse_duration): one or more NUMBER UNIT pairs,
 * units s, m (minutes), h, d, w: "30d", "12h", "90m", "1h30m".
 *
 * Return: 0 and *out set; -1 with a reason in err that quotes the input.
 */
#ifndef OVPNLOG_TIMEFMT_H
#define OVPNLOG_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Enough for "-292277026596-12-04T15:30:07+14:00" and then some. */
#define TF_BUFLEN	48

int	tf_parse(const char *s, int64_t now, int utc, int64_t *out,
	    char *err, size_t errlen);
int	tf_parse_duration(const char *s, int64_t *out, char *err,
	    size_t errlen);

/*
 * "2026-11-27T13:48:30+01:00" (local) or "2026-11-27T12:48:30Z" (utc)
 * into buf; returns buf.  A time the C library cannot break down is
 * printed as "@SECONDS".
 */
char	*tf_format(int64_t t, int utc, char *buf, size_t len);

/* "45s", "12m05s", "1h02m", "3d04h" — for people; negative gives "-". */
char	*tf_human_duration(int64_t secs, char *buf, size_t len);

#endif
