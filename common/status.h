/*
 * status — parser for OpenVPN status files (status-version 2 and 3) and
 * the management interface's `status 2` / `status 3` answers.
 *
 * A pure function from bytes to a snapshot: status_parse() never reads a
 * file.  Columns of CLIENT_LIST lines are found by the names on the
 * matching HEADER line (layouts of 2.3, 2.4 and 2.5+ all work; unknown
 * columns are ignored).  In version 2 a common name may contain commas:
 * the other columns are anchored from both ends.
 *
 * Return: 0 with *out filled (the snapshot owns one heap block, released
 * by status_free()); -1 with a reason in err when the input is not a
 * complete status snapshot (no END line: torn or still being written; no
 * TIME line; no CLIENT_LIST header; garbage).  A complete snapshot whose
 * individual CLIENT_LIST lines are bad still parses: those lines are
 * counted in nrejected and described in rejects[] (the first
 * STATUS_MAX_REJECTS of them).
 */
#ifndef OVPNLOG_STATUS_H
#define OVPNLOG_STATUS_H

#include <stddef.h>
#include <stdint.h>

#define STATUS_MAX_REJECTS 64

struct status_client {
	const char	*cn;
	const char	*real_ip;	/* without port or brackets */
	unsigned	 real_port;	/* 0 when the address had no port */
	const char	*vpn_ip4;	/* NULL when empty */
	const char	*vpn_ip6;	/* NULL when empty or column absent */
	uint64_t	 bytes_received;	/* by the server: session bytes_in */
	uint64_t	 bytes_sent;		/* session bytes_out */
	int64_t		 connected_since;	/* time_t column; = env time_unix */
	const char	*username;	/* NULL when UNDEF or column absent */
	int64_t		 client_id;	/* -1 when column absent */
	const char	*cipher;	/* NULL when column absent */
};

struct status_reject {
	size_t		 lineno;
	const char	*reason;
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
