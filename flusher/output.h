/*
 * output — the result of a query command as an aligned table for people,
 * or CSV or JSON for scripts.
 *
 * The caller describes its columns once (key for CSV/JSON, title for the
 * table, type) and hands rows of cells; strings are copied, so a cell may
 * point into a database row callback's buffer.
 *
 *   table  human units: bytes as B/KiB/MiB/GiB/..., durations as 1h02m,
 *          times as ISO 8601; NULL as "-"; control characters and invalid
 *          UTF-8 shown as '?'; rows are kept until out_close() to align
 *          the columns.
 *   csv    RFC 4180 quoting, a header line of keys, LF line ends; bytes
 *          and durations as plain integers (bytes, seconds), times as
 *          ISO 8601, NULL as an empty field and an empty string as "".
 *          No totals row (sum the column).
 *   json   an array of objects, one per row; with a totals row the
 *          document is {"rows": [...], "total": {...}}.  Numbers are
 *          numbers, NULL is null, times are ISO 8601 strings, strings are
 *          escaped (invalid UTF-8 becomes U+FFFD).
 * CSV and JSON rows are written as they come.
 *
 * Return: 0, or -1 with a reason in err (out of memory, write error).
 */
#ifndef OVPNLOG_OUTPUT_H
#define OVPNLOG_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format { OUT_TABLE = 0, OUT_CSV, OUT_JSON };
enum out_type {
	OUT_TEXT = 0,
	OUT_INT,	/* a count */
	OUT_BYTES,	/* a byte count */
	OUT_SECS,	/* a duration in seconds */
	OUT_TIME	/* seconds since the epoch */
};

struct out_col {
	const char	*key;	/* "connect_time" */
	const char	*title;	/* "CONNECTED" */
	enum out_type	 type;
};

struct out_cell {
	int		 isnull;
	int64_t		 i;	/* OUT_INT, OUT_BYTES, OUT_SECS, OUT_TIME */
	const char	*s;	/* OUT_TEXT, NUL-terminated */
};

static inline struct out_cell
out_null(void)
{
	struct out_cell c = { 1, 0, NULL };
	return c;
}

static inline struct out_cell
out_i(int64_t i)
{
	struct out_cell c = { 0, i, NULL };
	return c;
}

/* A NULL s gives a NULL cell. */
static inline struct out_cell
out_s(const char *s)
{
	struct out_cell c = { s == NULL, 0, s };
	return c;
}

struct out;

/* "table", "csv" or "json". */
int	out_parse_format(const char *s, enum out_format *fmt, char *err,
	    size_t errlen);

struct out *out_open(FILE *f, enum out_format fmt, const struct out_col *cols,
	    int ncols, int utc, int with_total, char *err, size_t errlen);
int	out_row(struct out *o, const struct out_cell *cells, char *err,
	    size_t errlen);
/* The totals row (table and JSON; CSV leaves it out).  At most once. */
int	out_total(struct out *o, const struct out_cell *cells, char *err,
	    size_t errlen);
/* Writes what is pending, checks the stream for errors, frees o. */
int	out_close(struct out *o, char *err, size_t errlen);
/* Frees o without writing anything more (an error path). */
void	out_abort(struct out *o);

/* "512 B", "1.0 KiB", "12.3 MiB", "1.5 GiB" ... */
char	*out_human_bytes(int64_t n, char *buf, size_t len);

#endif
