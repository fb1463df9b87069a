/*
 * stats — what `ovpnlog stats` reports, and the small state file that
 * remembers the last successful flush.
 *
 * State file ([flush] stats_file, default SPOOL/.stats): text,
 *   ovpnlog-stats 1
 *   last_flush=SECONDS        (0 or absent: never)
 * rewritten atomically (temp file in the same directory, fsync, rename)
 * by `ovpnlog flush` and `ovpnlog watch` after each run or pass that left
 * the spool drained with the database reachable.  Unknown keys are
 * ignored when reading, so later versions may add some.
 *
 * stats_scan_spool() counts SPOOL/new (pending events; the oldest one's
 * time comes from its name, see spoolname.h) and SPOOL/failed
 * (quarantined files: every entry except NAME.reason and dot files).
 *
 * Return convention: 0, or -1 with a reason naming the path in err.
 * stats_state_read() of a missing file is not an error: *st is zeroed.
 */
#ifndef OVPNLOG_STATS_H
#define OVPNLOG_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define STATS_DEFAULT_NAME	".stats"

struct stats_state {
	int64_t	last_flush;	/* seconds since the epoch, 0 = never */
};

struct spool_stats {
	uint64_t pending;	/* entries in new/ */
	int64_t	 oldest;	/* time of the oldest pending name, 0 = none */
	uint64_t unnamed;	/* pending entries whose name is not an event id */
	uint64_t quarantined;	/* event files in failed/ */
	int	 failed_readable; /* 0: failed/ could not be listed */
	char	 failed_err[160];
};

/* cfg->stats_file, or SPOOL/.stats; -1 if it does not fit into buf. */
int	stats_path(const struct config *cfg, char *buf, size_t len,
	    char *err, size_t errlen);

int	stats_state_read(const char *path, struct stats_state *st,
	    char *err, size_t errlen);
int	stats_state_write(const char *path, const struct stats_state *st,
	    char *err, size_t errlen);
/* Records `when` as the last successful flush of cfg's spool. */
int	stats_record_flush(const struct config *cfg, int64_t when,
	    char *err, size_t errlen);

/*
 * Fills *out.  Fails only when new/ cannot be listed; an unreadable
 * failed/ (private to the flusher's user) sets failed_readable = 0 and
 * the reason in failed_err instead.
 */
int	stats_scan_spool(const char *spooldir, struct spool_stats *out,
	    char *err, size_t errlen);

/*
 * Writes `text` to path atomically with the given mode: a temp file in
 * the same directory, fsync, rename over path.
 */
int	stats_write_atomic(const char *path, const char *text, size_t len,
	    unsigned mode, char *err, size_t errlen);

#endif
