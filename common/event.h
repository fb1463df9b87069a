/*
 * event — the spool event file format, version 1: the one module that
 * both writes (hook) and parses (flusher) it.  See doc/event-format.md.
 *
 *   ovpnlog-event 1\n
 *   type=TYPE\n            (always the first field)
 *   key=value\n            (one per field; keys [A-Za-z0-9_.], 1..64 bytes)
 *   ...
 *   end LEN CRC\n          (LEN: decimal byte count of everything before
 *                           this line; CRC: CRC-32/IEEE of those bytes,
 *                           8 lowercase hex digits)
 *
 * Values are escaped: '%', bytes below 0x20, 0x7f, the C1 controls
 * U+0080..U+009F, and bytes that are not part of a well-formed UTF-8
 * sequence become %XX (uppercase hex), so any byte string round-trips
 * and the file stays readable (and harmless to a terminal) with cat.
 *
 * Writer: the caller owns the buffer; event_put() appends, event_finish()
 * appends the end line.  The writer refuses anything the parser would
 * reject: a first field other than a valid type, malformed or duplicate
 * keys, more than EVENT_MAX_FIELDS fields, a value over EVENT_MAX_VALUE
 * (except status_text in a status event).  Both return -1 (and set err)
 * on such a refusal or when the buffer is too small; the writer is then
 * unusable (every later call fails too).
 *
 * Parser: event_parse() is a pure function from bytes to a struct event.
 * The event owns one heap block (decoded values, each NUL-terminated);
 * release it with event_free().  Returns 0, or -1 with a reason in err.
 * Rejected: wrong magic/version, missing or malformed end line, length or
 * checksum mismatch, input over maxsize, malformed or duplicate keys, bad
 * escapes (anything but %XX with uppercase hex), raw bytes the writer
 * escapes (controls, '%', malformed UTF-8), values over EVENT_MAX_VALUE
 * (except the field "status_text" of status events), more than
 * EVENT_MAX_FIELDS.  Unknown keys are kept.  Reasons quote at most a
 * few bytes of the input, escaped, so they are safe to log.
 *
 * Thread-safe: no static mutable state.
 */
#ifndef OVPNLOG_EVENT_H
#define OVPNLOG_EVENT_H

#include <stddef.h>
#include <stdint.h>

#define EVENT_MAGIC		"ovpnlog-event 1"
#define EVENT_MAX_SIZE		(64 * 1024)	/* connect/disconnect/update */
#define EVENT_STATUS_MAX_SIZE	(64 * 1024 * 1024) /* status snapshots */
#define EVENT_MAX_FIELDS	96
#define EVENT_MAX_KEY		64
#define EVENT_MAX_VALUE		4096	/* decoded bytes, per value */

enum event_type {
	EV_CONNECT,	/* script_type=client-connect */
	EV_DISCONNECT,	/* script_type=client-disconnect */
	EV_UPDATE,	/* script_type=db-update */
	EV_STATUS,	/* a status-file snapshot */
	EV_TYPE_COUNT
};

/* "connect", "disconnect", "update", "status"; NULL if out of range. */
const char *event_type_name(enum event_type t);
/* -1 if unknown. */
int event_type_from_name(const char *s, size_t len);

struct event_writer {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 failed;
	int	 is_status;			/* first field was type=status */
	size_t	 nfields;
	size_t	 keyoff[EVENT_MAX_FIELDS];	/* offsets of keys in buf */
	unsigned char keylen[EVENT_MAX_FIELDS];
};

void	event_writer_init(struct event_writer *w, char *buf, size_t cap);
int	event_put(struct event_writer *w, const char *key, const char *val,
	    size_t vallen, char *err, size_t errlen);
/* Returns the total length of the finished file, or -1. */
long	event_finish(struct event_writer *w, char *err, size_t errlen);
/* Bytes the escaped form of val takes (to size buffers). */
size_t	event_escaped_len(const char *val, size_t vallen);

struct event_field {
	const char	*key;	/* NUL-terminated, inside event.store */
	const char	*val;	/* decoded, NUL-terminated, may contain NULs */
	size_t		 vallen;
};

struct event {
	int			version;
	size_t			nfields;
	struct event_field	f[EVENT_MAX_FIELDS];
	char			*store;
};

int	event_parse(const char *buf, size_t len, size_t maxsize,
	    struct event *ev, char *err, size_t errlen);
void	event_free(struct event *ev);
/* The event's type (its first field, validated by the parser). */
enum event_type event_type_of(const struct event *ev);
/* NULL when absent; *lenp (if not NULL) gets the decoded length. */
const char *event_get(const struct event *ev, const char *key, size_t *lenp);

uint32_t crc32_ieee(uint32_t crc, const void *buf, size_t len);

#endif
