/*
 * status_snap — the flusher's own status snapshots: each configured
 * [instance]'s status_file into SPOOL/new/ as a type=status event, read
 * and written exactly as `ovpnlog-spool --status` does (common/
 * statusread.h), with the instance's name, port and protocol.
 *
 * A file is spooled only when its TIME line differs from the one last
 * spooled for that instance, remembered in SPOOL/.status-SECTION (one
 * decimal time_t; the flusher's own file, written by rename).  A file
 * whose TIME is older than the instance's status_max_age is skipped
 * without touching the spool or the database (said once per TIME).
 * The event is named by the snapshot's TIME, so that replay orders it
 * among the connect and disconnect events around it.
 *
 * status_snap_all() is part of the flush loop and logs through lg: an
 * unreadable or torn status file is a warning (the rest of the flush
 * goes on).  Returns 0, or -1 when a snapshot could not be written into
 * the spool (a local I/O problem, logged): the caller reports it in its
 * exit status.  Counts go to *n (zeroed first), which may be NULL.
 */
#ifndef OVPNLOG_STATUS_SNAP_H
#define OVPNLOG_STATUS_SNAP_H

#include "config.h"
#include "log.h"
#include "spool_dir.h"

struct status_snap_counts {
	unsigned	 spooled;	/* events written into new/ */
	unsigned	 unchanged;	/* same TIME as the last one spooled */
	unsigned	 stale;		/* older than status_max_age: skipped */
	unsigned	 failed;	/* unreadable, torn or refused file */
};

int	status_snap_all(const struct config *cfg, const struct logger *lg,
	    const struct spool_dirs *d, struct status_snap_counts *n);

#endif
