/*
 * status — parser for OpenVPN status files (status-version 2 and 3) and
 * the management interface's `status 2` / `status 3` answers.
 *
 * A pure function from bytes to a snapshot: status_parse() never reads a
 * file, never looks at the clock or the time zone.  Columns of CLIENT_LIST
 * lines are found by the names on the matching HEADER line (layouts of 2.3,
 * 2.4 and 2.5+ all work; unknown columns are ignored).  In version 2 a
 * common name may contain commas: the other columns are anchored from both
 * ends and only the Common Name absorbs extra fields.  Lines may end with
 * "\n" or "\r\n" (management interface); lines starting with '>' (real-time
 * management notifications) are skipped.  Version 1 files ("OpenVPN CLIENT
 * LIST") are refused with a message naming status-version 2 or 3.
 *
 * Completeness: OpenVPN rewrites the file in place, so a reader can see a
 * torn file.  The snapshot is accepted only when the END line is the very
 * last line (a final "\n" or "\r\n" is optional) and the structure is in
 * OpenVPN's order (one TITLE, one TIME, one CLIENT_LIST header before every
 * CLIENT_LIST line, no CLIENT_LIST line after the ROUTING_TABLE or
 * GLOBAL_STATS sections, no NUL byte).  Every failure that a concurrent
 * rewrite can cause has "torn read?" in its reason: callers retry those.
 * A rewrite that grows the file can still, rarely, splice the new file's
 * head onto the old file's tail at a line boundary; callers that must be
 * sure read twice and compare.
 *
 * Return: 0 with *out filled (the snapshot owns one heap block, released
 * by status_free(); every string is NUL-terminated inside it); -1 with a
 * reason in err (and *out empty, safe to status_free()) when the input is
 * not a complete status snapshot (no END line, data after END, no TIME
 * line, no CLIENT_LIST header or a required column missing, version 1 or
 * a version other than the one asked for, garbage).  A complete snapshot
 * whose individual CLIENT_LIST lines are bad (wrong field count, bad
 * number or address, empty common name, over-long line) still parses:
 * those lines are counted in nrejected and described in rejects[] (the
 * first STATUS_MAX_REJECTS of them).  Such a snapshot lacks those clients:
 * do not infer that a client disconnected from its absence when
 * nrejected > 0.
 *
 * Memory: O(input length): a copy of the input plus one struct
 * status_client per CLIENT_LIST line (at most STATUS_MAX_CLIENTS).
 */
#ifndef OVPNLOG_STATUS_H
#define OVPNLOG_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define STATUS_MAX_REJECTS	64
#define STATUS_MAX_LINE		16384	/* bytes, without the line end */
#define STATUS_MAX_CLIENTS	1000000
#define STATUS_MAX_COLUMNS	64	/* columns on the CLIENT_LIST header */
#define STATUS_REASON_MAX	128

struct status_client {
	const char	*cn;		/* never NULL nor empty */
	const char	*real_ip;	/* without port or brackets */
	unsigned	 real_port;	/* 0 when the address had no port */
	const char	*vpn_ip4;	/* NULL when empty */
	const char	*vpn_ip6;	/* NULL when empty or column absent */
	uint64_t	 bytes_received;	/* by the server: session bytes_in */
	uint64_t	 bytes_sent;		/* session bytes_out */
	int64_t		 connected_since;	/* time_t column; = env time_unix */
	const char	*username;	/* NULL when UNDEF, empty or column absent */
	int64_t		 client_id;	/* -1 when empty or column absent */
	int64_t		 peer_id;	/* -1 when empty or column absent */
	const char	*cipher;	/* NULL when empty or column absent */
	size_t		 lineno;	/* line of the input (1-based) */
};

struct status_reject {
	size_t		 lineno;
	char		 reason[STATUS_REASON_MAX];
	const char	*line;		/* the raw line, NUL-terminated */
};

struct status_snapshot {
	int			 version;	/* 2 or 3 */
	int64_t			 time;		/* from the TIME line (time_t) */
	const char		*title;		/* TITLE line, or NULL */
	size_t			 nclients;
	struct status_client	*clients;
	size_t			 nrejected;
	size_t			 nrejects;	/* entries in rejects[] */
	struct status_reject	 rejects[STATUS_MAX_REJECTS];
	void			*store;		/* owned memory */
};

/* version: 0 = detect from the first line, else 2 or 3 (mismatch = -1). */
int	status_parse(const char *buf, size_t len, int version,
	    struct status_snapshot *out, char *err, size_t errlen);
void	status_free(struct status_snapshot *s);

#endif
