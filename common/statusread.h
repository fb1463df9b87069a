/*
 * statusread — a complete OpenVPN status snapshot read from a file, and
 * the type=status event that carries it into the spool.  Shared by
 * `ovpnlog-spool --status` (spool/statussnap.c) and the flusher's own
 * snapshots (flusher/status_snap.c), so both accept exactly the same
 * files and write exactly the same events.
 *
 * statusread_file(): reads path ("-" = standard input, read once) whole,
 * at most EVENT_STATUS_MAX_SIZE bytes, and accepts it only when
 *   - status_parse() (version 0 detects, else 2 or 3) finds a complete
 *     snapshot;
 *   - the client list ends with the next section's HEADER line, as
 *     OpenVPN writes it: OpenVPN rewrites the file in place one line per
 *     write(), and a reader that meets a writer paused at a line
 *     boundary sees the new head followed by the old file from the
 *     middle of one of its lines, which the parser would skip as an
 *     unknown line (or take for a ROUTING_TABLE line);
 *   - for a file, a second read gives the same bytes.
 * Each failure a concurrent rewrite can cause is retried, STATUSREAD_TRIES
 * reads in all with pauses of 20, 40, 80, 160 ms.  Returns 0 with *bufp
 * (malloc'd, the caller frees it), *lenp and *timep (the TIME line's
 * time_t); -1 with a reason in err that names the file.
 *
 * statusread_event(): the event file (malloc'd into *outp, the caller
 * frees it): type=status, spool_time (now), hook_version, instance_name,
 * instance_proto, instance_port, status_time, status_source (the file
 * name as given) and status_text (the raw bytes).  Returns its length,
 * or -1 with a reason in err (e.g. over EVENT_STATUS_MAX_SIZE).
 * Spool it with emit_event() (common/emit.h), named by the snapshot's
 * TIME (seconds, nanoseconds 0) so that replay orders it by TIME among
 * the connect and disconnect events.
 */
#ifndef OVPNLOG_STATUSREAD_H
#define OVPNLOG_STATUSREAD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STATUSREAD_TRIES	5

int	statusread_file(const char *path, int version, char **bufp,
	    size_t *lenp, int64_t *timep, char *err, size_t errlen);
long	statusread_event(const char *source, const char *text, size_t len,
	    int64_t stime, const struct timespec *now, const char *inst_name,
	    const char *inst_proto, unsigned inst_port, char **outp,
	    char *err, size_t errlen);

#endif
