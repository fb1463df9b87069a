#include "output.h"
#include "timefmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OUT_CELLBUF	64	/* a formatted number, time or duration */

struct out {
	FILE			*f;
	enum out_format		 fmt;
	const struct out_col	*cols;
	int			 ncols;
	int			 utc;
	int			 with_total;
	size_t			 nrows;
	/* table: each row's formatted cells, then the totals row */
	char			***rows;
	size_t			 cap;
	char			**total;
	size_t			*width;
};

int
out_parse_format(const char *s, enum out_format *fmt, char *err,
    size_t errlen)
{
	if (strcmp(s, "table") == 0)
		*fmt = OUT_TABLE;
	else if (strcmp(s, "csv") == 0)
		*fmt = OUT_CSV;
	else if (strcmp(s, "json") == 0)
		*fmt = OUT_JSON;
	else {
		snprintf(err, errlen, "unknown format '%s' (use table, csv "
		    "or json)", s);
		return -1;
	}
	return 0;
}

char *
out_human_bytes(int64_t n, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v;
	int u;

	if (n < 1024) {
		snprintf(buf, len, "%lld B", (long long)n);
		return buf;
	}
	v = (double)n / 1024;
	for (u = 0; v >= 1024 && u < 5; u++)
		v /= 1024;
	/* 1023.96 KiB would print as "1024.0 KiB": say 1.0 MiB instead. */
	if (v >= 1023.95 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) ||	/* overlong */
		    (s[0] == 0xed && s[1] >= 0xa0))	/* surrogate */
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * A table cell: control characters and invalid UTF-8 become '?', so a
 * hostile user name cannot move the cursor of the operator's terminal.
 * *width is the number of characters shown.
 */
static char *
table_text(const char *s, size_t *width)
{
	const unsigned char *p = (const unsigned char *)s;
	char *buf, *q;

	if ((buf = malloc(strlen(s) + 1)) == NULL)
		return NULL;
	q = buf;
	*width = 0;
	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			*q++ = '?';
			p++;
		} else {
			memcpy(q, p, n);
			q += n;
			p += n;
		}
		(*width)++;
	}
	*q = '\0';
	return buf;
}

/* The text of a non-NULL cell for the table or CSV, in buf or c->s. */
static const char *
plain(const struct out *o, enum out_type type, const struct out_cell *c,
    char *buf, size_t len)
{
	switch (type) {
	case OUT_TEXT:
		return c->s;
	case OUT_TIME:
		return tf_format(c->i, o->utc, buf, len);
	case OUT_BYTES:
		if (o->fmt == OUT_TABLE)
			return out_human_bytes(c->i, buf, len);
		break;
	case OUT_SECS:
		if (o->fmt == OUT_TABLE)
			return tf_human_duration(c->i, buf, len);
		break;
	case OUT_INT:
		break;
	}
	snprintf(buf, len, "%lld", (long long)c->i);
	return buf;
}

static void
csv_field(FILE *f, const char *s)
{
	if (*s != '\0' && strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	/* An empty string is quoted, so that it differs from NULL. */
	putc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

static void
json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	putc('"', f);
	while (*p != '\0') {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		switch (*p) {
		case '"':	fputs("\\\"", f); break;
		case '\\':	fputs("\\\\", f); break;
		case '\n':	fputs("\\n", f); break;
		case '\r':	fputs("\\r", f); break;
		case '\t':	fputs("\\t", f); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				putc(*p, f);
		}
		p++;
	}
	putc('"', f);
}

static void
json_object(struct out *o, const struct out_cell *cells)
{
	char buf[OUT_CELLBUF];

	putc('{', o->f);
	for (int i = 0; i < o->ncols; i++) {
		const struct out_cell *c = &cells[i];

		if (i > 0)
			fputs(", ", o->f);
		json_string(o->f, o->cols[i].key);
		fputs(": ", o->f);
		if (c->isnull)
			fputs("null", o->f);
		else if (o->cols[i].type == OUT_TEXT)
			json_string(o->f, c->s);
		else if (o->cols[i].type == OUT_TIME)
			json_string(o->f, tf_format(c->i, o->utc, buf,
			    sizeof(buf)));
		else
			fprintf(o->f, "%lld", (long long)c->i);
	}
	putc('}', o->f);
}

struct out *
out_open(FILE *f, enum out_format fmt, const struct out_col *cols,
    int ncols, int utc, int with_total, char *err, size_t errlen)
{
	struct out *o;

	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->width = calloc((size_t)ncols, sizeof(*o->width))) == NULL) {
		snprintf(err, errlen, "output: %s", strerror(errno));
		free(o);
		return NULL;
	}
	o->f = f;
	o->fmt = fmt;
	o->cols = cols;
	o->ncols = ncols;
	o->utc = utc;
	o->with_total = with_total;
	for (int i = 0; i < ncols; i++)
		o->width[i] = strlen(cols[i].title);
	if (fmt == OUT_CSV) {
		for (int i = 0; i < ncols; i++) {
			if (i > 0)
				putc(',', f);
			csv_field(f, cols[i].key);
		}
		putc('\n', f);
	} else if (fmt == OUT_JSON)
		fputs(with_total ? "{\"rows\": [" : "[", f);
	return o;
}

/* The table's copy of one row; NULL on out of memory. */
static char **
table_cells(struct out *o, const struct out_cell *cells)
{
	char buf[OUT_CELLBUF], **row;

	if ((row = calloc((size_t)o->ncols, sizeof(*row))) == NULL)
		return NULL;
	for (int i = 0; i < o->ncols; i++) {
		size_t w;

		row[i] = table_text(cells[i].isnull ? "-" :
		    plain(o, o->cols[i].type, &cells[i], buf, sizeof(buf)),
		    &w);
		if (row[i] == NULL) {
			while (i-- > 0)
				free(row[i]);
			free(row);
			return NULL;
		}
		if (w > o->width[i])
			o->width[i] = w;
	}
	return row;
}

int
out_row(struct out *o, const struct out_cell *cells, char *err,
    size_t errlen)
{
	char buf[OUT_CELLBUF];
	char **row;

	switch (o->fmt) {
	case OUT_CSV:
		for (int i = 0; i < o->ncols; i++) {
			if (i > 0)
				putc(',', o->f);
			if (!cells[i].isnull)
				csv_field(o->f, plain(o, o->cols[i].type,
				    &cells[i], buf, sizeof(buf)));
		}
		putc('\n', o->f);
		break;
	case OUT_JSON:
		fputs(o->nrows > 0 ? ",\n" : "\n", o->f);
		json_object(o, cells);
		break;
	case OUT_TABLE:
		if (o->nrows == o->cap) {
			size_t ncap = o->cap ? o->cap * 2 : 64;
			char ***n = reallocarray(o->rows, ncap,
			    sizeof(*n));

			if (n == NULL)
				goto nomem;
			o->rows = n;
			o->cap = ncap;
		}
		if ((row = table_cells(o, cells)) == NULL)
			goto nomem;
		o->rows[o->nrows] = row;
		break;
	}
	o->nrows++;
	return 0;
nomem:
	snprintf(err, errlen, "output: %s", strerror(errno));
	return -1;
}

int
out_total(struct out *o, const struct out_cell *cells, char *err,
    size_t errlen)
{
	switch (o->fmt) {
	case OUT_CSV:
		break;
	case OUT_JSON:
		fputs(o->nrows > 0 ? "\n], \"total\": " : "], \"total\": ",
		    o->f);
		json_object(o, cells);
		o->with_total = 2;	/* written */
		break;
	case OUT_TABLE:
		if (o->total != NULL ||
		    (o->total = table_cells(o, cells)) == NULL) {
			snprintf(err, errlen, "output: %s", o->total != NULL ?
			    "two totals rows" : strerror(errno));
			return -1;
		}
		break;
	}
	return 0;
}

/* Right-aligned: counts, bytes and durations (times are fixed-width). */
static int
numeric(enum out_type t)
{
	return t == OUT_INT || t == OUT_BYTES || t == OUT_SECS;
}

static void
table_line(struct out *o, char **row)
{
	for (int i = 0; i < o->ncols; i++) {
		/* Widths count characters, printf pads bytes. */
		size_t w = 0, pad;

		for (const unsigned char *p = (const unsigned char *)row[i];
		    *p != '\0'; p++)
			w += (*p & 0xc0) != 0x80;
		pad = o->width[i] - w;
		if (i > 0)
			fputs("  ", o->f);
		if (numeric(o->cols[i].type))
			fprintf(o->f, "%*s%s", (int)pad, "", row[i]);
		else if (i == o->ncols - 1)
			fputs(row[i], o->f);
		else
			fprintf(o->f, "%s%*s", row[i], (int)pad, "");
	}
	putc('\n', o->f);
}

static void
free_row(int ncols, char **row)
{
	if (row == NULL)
		return;
	for (int i = 0; i < ncols; i++)
		free(row[i]);
	free(row);
}

static void
table_write(struct out *o)
{
	char **hdr;

	if ((hdr = calloc((size_t)o->ncols, sizeof(*hdr))) == NULL)
		return;
	for (int i = 0; i < o->ncols; i++)
		hdr[i] = (char *)o->cols[i].title;
	table_line(o, hdr);
	free(hdr);
	for (size_t r = 0; r < o->nrows; r++)
		table_line(o, o->rows[r]);
	if (o->total != NULL) {
		for (int i = 0; i < o->ncols; i++) {
			if (i > 0)
				fputs("  ", o->f);
			for (size_t k = 0; k < o->width[i]; k++)
				putc('-', o->f);
		}
		putc('\n', o->f);
		table_line(o, o->total);
	}
}

void
out_abort(struct out *o)
{
	if (o == NULL)
		return;
	for (size_t r = 0; r < o->nrows && o->fmt == OUT_TABLE; r++)
		free_row(o->ncols, o->rows[r]);
	free(o->rows);
	free_row(o->ncols, o->total);
	free(o->width);
	free(o);
}

int
out_close(struct out *o, char *err, size_t errlen)
{
	int ret = 0;

	switch (o->fmt) {
	case OUT_CSV:
		break;
	case OUT_JSON:
		if (o->with_total == 2)
			fputs("}\n", o->f);
		else if (o->with_total)
			fputs(o->nrows > 0 ? "\n], \"total\": null}\n" :
			    "], \"total\": null}\n", o->f);
		else
			fputs(o->nrows > 0 ? "\n]\n" : "]\n", o->f);
		break;
	case OUT_TABLE:
		table_write(o);
		break;
	}
	if (fflush(o->f) == EOF || ferror(o->f)) {
		snprintf(err, errlen, "writing the output: %s",
		    errno != 0 ? strerror(errno) : "write error");
		ret = -1;
	}
	out_abort(o);
	return ret;
}
