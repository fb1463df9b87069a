/*
 * status_apply — one status snapshot event (type=status) to SQL, on the
 * flush loop's open transaction, with the same portable statements on
 * every backend (see DESIGN.md, Replay semantics).
 *
 * status_prepare() is pure: it reads the instance triple (apply_prepare),
 * parses status_text (status_parse) and checks each client line as
 * apply_prepare checks an event (common name valid UTF-8 within its
 * column, real and VPN addresses that parse, byte counts and connect
 * time in range, connected no later than the snapshot's TIME).  Lines it
 * refuses count with the parser's rejected lines.  The [instance] section
 * with the same name, port and protocol gives status_create_missing and
 * status_all_or_nothing (both off for an instance without one).  It
 * fills row (type EV_STATUS, the instance) and row->status, which it
 * owns: release it with status_release() (also safe on any other row).
 * Returns 0, or -1 with a reason to quarantine the event for: no
 * status_text, not a complete snapshot (the parser's reason), a
 * status_time that is not the TIME line's, or, with all_or_nothing, a
 * refused client line.
 *
 * status_apply() runs the snapshot on an open transaction for instance
 * id inst (created by apply_event()).  A snapshot older than the
 * instance's last_status_time is ignored (counted).  Otherwise:
 *   - each client line finds its session among the instance's open ones
 *     and those a snapshot closed as inferred: same connect time, common
 *     name and real address (a port-less IPv6 address matches any port);
 *     when no session has that address, the only one with that connect
 *     time and common name (the client floated).  Never by VPN address.
 *   - the session gets duration (TIME - connect time), bytes and
 *     last_update = TIME, only if TIME is newer than its last_update
 *     (NULL counts as older); one closed as inferred is open again (the
 *     inference was wrong).  A session closed by a disconnect is never
 *     touched.  With create_missing a line without a session creates
 *     one (origin 'status').
 *   - then the instance's sessions still open that connected before TIME
 *     and that this snapshot did not update are closed as inferred at
 *     their last-seen time (last_update, else connect_time) — unless a
 *     line was refused or matched several sessions (it may be one of
 *     them).
 *   - instance.last_status_time = TIME.
 * With all_or_nothing a line matching several sessions rejects the
 * whole snapshot; any statement the database refuses rejects it too.
 * Returns DB_OK, DB_RETRY or DB_REJECT with the reason in err.  Cost:
 * one SELECT of the candidate sessions, one UPDATE per 12 clients (by
 * id, one prepared text, no answer needed: pipelined where the backend
 * can), one UPDATE for the absent ones.
 *
 * status_report() and status_log_stats() are for the flush loop, which
 * logs: the refused lines (count at LOG_NOTICE; each one's reason and
 * then the line, control and invalid bytes escaped, at LOG_DEBUG, i.e.
 * with -v), and the counters of struct apply_stats.
 */
#ifndef OVPNLOG_STATUS_APPLY_H
#define OVPNLOG_STATUS_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"
#include "config.h"
#include "event.h"
#include "log.h"
#include "spoolname.h"
#include "status.h"

struct status_line {
	const struct status_client *c;
	char		 src_ip[48];		/* inet_ntop form */
	char		 vpn_ip4[16];		/* "" when none */
	char		 vpn_ip6[48];
	size_t		 cn_len;
	size_t		 user_len;		/* cut to the column */
};

struct status_bad {
	size_t		 lineno;
	char		 reason[STATUS_REASON_MAX];
};

struct status_prep {
	struct status_snapshot	 snap;
	int64_t			 time;		/* the TIME line */
	const char		*text;		/* status_text, in the event */
	size_t			 textlen;
	struct status_line	*lines;		/* the client lines kept */
	size_t			 nlines;
	size_t			 nbad;		/* lines status_prepare refused */
	size_t			 nbadkept;	/* entries in bad[] */
	struct status_bad	 bad[STATUS_MAX_REJECTS];
	int64_t			 min_since, max_since;	/* of lines[] */
	int			 configured;	/* an [instance] section matched */
	int			 create_missing;
	int			 all_or_nothing;
};

int	status_prepare(const struct event *ev, const struct spoolname *sn,
	    const struct config *cfg, struct ev_row *row, char *err,
	    size_t errlen);
void	status_release(struct ev_row *row);
/* Bytes row->status holds (0 for other rows): to bound a batch. */
size_t	status_weight(const struct ev_row *row);
int	status_apply(struct apply_ctx *ax, const struct ev_row *row,
	    int64_t inst, char *err, size_t errlen);

void	status_report(const struct logger *lg, const char *where,
	    const struct ev_row *row);
void	status_log_stats(const struct logger *lg,
	    const struct apply_stats *st);

#endif
