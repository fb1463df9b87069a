/*
 * incarnation — sessions a server restart left open.  OpenVPN runs no
 * client-disconnect when it crashes or is killed with SIGKILL; its
 * connect events carry daemon_pid and daemon_start_time, which name one
 * server incarnation.
 *
 * incarnation_check() runs in apply.c's connect path, on the open
 * transaction, for instance id inst.  When the connect's
 * daemon_start_time is newer than the instance's (instance.
 * daemon_start_time; NULL counts as older), the instance's sessions
 * still open from before are closed as inferred at their last-seen time
 * (last_update, else connect_time): those whose daemon_start_time is
 * older, and those without one that connected before the new server
 * started.  The instance row then holds the new daemon_pid and
 * daemon_start_time.  A later real disconnect replaces the inferred
 * values (apply.c).  Connects without daemon_start_time do nothing.
 *
 * The instance's incarnation is cached in its struct apply_inst, so a
 * connect of the known incarnation costs no statement; apply_forget()
 * (after a rollback) drops the cache with the instance ids.
 * Returns DB_OK, DB_RETRY or DB_REJECT with the reason in err.
 */
#ifndef OVPNLOG_INCARNATION_H
#define OVPNLOG_INCARNATION_H

#include <stddef.h>
#include <stdint.h>

#include "apply.h"

#define INCARNATION_UNKNOWN	INT64_C(-2)	/* not read yet */
#define INCARNATION_NONE	INT64_C(-1)	/* instance has none */

int	incarnation_check(struct apply_ctx *ax, const struct ev_row *r,
	    int64_t inst, char *err, size_t errlen);
/*
 * 1 when incarnation_check(ax, r, inst) would run no statement (the row
 * has no daemon_start_time, or the cached one is as new): a batch may
 * then defer the row's insert past it (bulk.h).
 */
int	incarnation_current(const struct apply_ctx *ax,
	    const struct ev_row *r, int64_t inst);

#endif
