/*
 * apply — one spool event to SQL, the same statements on every backend
 * (portable SQL, '?' placeholders, every value bound).
 *
 * apply_prepare() is pure: it checks an event's fields and fills a
 * struct ev_row that points into the event (keep the event alive while
 * the row is used).  Addresses must parse (IPv4 or IPv6 for the real
 * address, the matching family for the VPN addresses) and are stored in
 * inet_ntop's form, the form PostgreSQL's inet gives back.  It returns 0, or -1 with a reason when the event
 * can never apply (missing or malformed field): quarantine it.  Text
 * columns must be valid UTF-8 without NUL bytes and fit their column (in
 * characters, as PostgreSQL and MySQL count), so that every backend
 * accepts or refuses the same events; descriptive columns (username,
 * client version and platform, certificate serial and digest) are cut at
 * their column size instead.  A duration (time_duration, or an update's
 * time since connect) above 2^31-1 seconds is refused on every backend:
 * PostgreSQL's and MySQL's duration column is a 32-bit integer, and
 * storing it on SQLite alone would make the backends differ.
 *
 * apply_event() runs the statements of one row on an open transaction:
 *   connect     get-or-create the instance; insert the session unless a
 *               row with its unique key exists (created by a status
 *               snapshot, or by a disconnect replayed earlier), whose
 *               empty connect columns are then filled; first, a
 *               connect of a newer server incarnation closes the
 *               sessions of older ones as inferred (incarnation.h);
 *   disconnect  close the open or inferred-closed session with the same
 *               key; else, when exactly one open or inferred session has
 *               the same instance, connect time and common name (the
 *               client floated to another address), close that one; else
 *               insert a complete row (the connect was never recorded).
 *               A session already closed by a disconnect is never touched;
 *   update      set duration, bytes and last_update of the open session,
 *               only if newer than its last_update;
 *   status      a snapshot (status_apply.h; apply_prepare() reads only
 *               its instance, status_prepare() the rest).
 * Connect statements need no answer from the server (changes == NULL),
 * so a backend may pipeline them.  Returns DB_OK, DB_RETRY or DB_REJECT
 * with the backend's reason in err.
 *
 * The context caches instance ids for one transaction's lifetime at most
 * as far as uncommitted ids go: call apply_forget() after every rollback
 * or rollback_to (an instance inserted there is gone).
 */
#ifndef OVPNLOG_APPLY_H
#define OVPNLOG_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "event.h"
#include "spoolname.h"

/* Column sizes of schema/sqlite.sql, in characters. */
enum {
	LEN_INST_NAME = 64, LEN_INST_PROTO = 10, LEN_CN = 64,
	LEN_USERNAME = 256, LEN_CLIENT = 64,
	LEN_SERIAL = 128, LEN_SHA256 = 95,
};

struct status_prep;

struct ev_text {
	const char	*s;	/* NULL: SQL NULL */
	size_t		 len;
};

struct ev_row {
	enum event_type	 type;
	struct ev_text	 inst_name, inst_proto;
	int64_t		 inst_port;
	int64_t		 connect_time;		/* time_unix */
	struct ev_text	 src_ip;		/* trusted_ip or trusted_ip6 */
	int64_t		 src_port;		/* trusted_port, 0 if absent */
	struct ev_text	 cn;
	struct ev_text	 vpn_ip4, vpn_ip6, username;
	struct ev_text	 client_version, client_platform;
	struct ev_text	 client_platform_version, client_gui_version;
	struct ev_text	 cert_serial, cert_sha256;
	int64_t		 daemon_pid, daemon_start_time;	/* -1: absent */
	int64_t		 duration;		/* disconnect, update */
	int64_t		 bytes_in, bytes_out;	/* disconnect, update */
	int64_t		 end_time;		/* disconnect or update time */
	/* Addresses in inet_ntop's form (at most 45 bytes). */
	char		 src_ip_buf[48], vpn_ip4_buf[16], vpn_ip6_buf[48];
	/* EV_STATUS: the parsed snapshot (status_apply.h), owned. */
	struct status_prep *status;
	/* The texts above, copied out of the event by apply_row_own(). */
	char		*own;
};

struct apply_stats {
	uint64_t	 connects_merged;	/* into an existing row */
	uint64_t	 disconnects_floated;	/* matched by connect time + cn */
	uint64_t	 disconnects_unmatched;	/* complete row inserted */
	uint64_t	 disconnects_ignored;	/* session already closed */
	uint64_t	 connects_paired;	/* inserted closed (apply_pair) */
	uint64_t	 updates_unmatched;	/* no open session */
	/* status snapshots (status_apply.h) and server restarts */
	uint64_t	 status_applied;	/* snapshots applied */
	uint64_t	 status_older;		/* older than the last: ignored */
	uint64_t	 status_updated;	/* sessions updated */
	uint64_t	 status_created;	/* sessions created (create_missing) */
	uint64_t	 status_unmatched;	/* client lines without a session */
	uint64_t	 status_ambiguous;	/* lines matching several sessions */
	uint64_t	 status_rejected;	/* client lines refused */
	uint64_t	 inferred_absent;	/* closed: absent from a snapshot */
	uint64_t	 inferred_restart;	/* closed: older server incarnation */
};

struct apply_inst {
	char		*name;
	size_t		 name_len;
	char		*proto;
	size_t		 proto_len;
	int64_t		 port;
	int64_t		 id;
	int64_t		 daemon_start_time;	/* incarnation.h's cache */
};

struct apply_ctx {
	const struct backend_ops *ops;
	struct db		*db;
	struct apply_inst	*inst;
	size_t			 ninst, capinst;
	struct apply_stats	 st;
};

int	apply_prepare(const struct event *ev, const struct spoolname *sn,
	    struct ev_row *row, char *err, size_t errlen);
void	apply_init(struct apply_ctx *ax, const struct backend_ops *ops,
	    struct db *db);
int	apply_event(struct apply_ctx *ax, const struct ev_row *row, char *err,
	    size_t errlen);
void	apply_forget(struct apply_ctx *ax);
/*
 * A connect c and the disconnect d of the same session (same instance,
 * connect time, common name and real address) that a batch holds with
 * no other event of that instance, connect time and common name, and no
 * status snapshot, between them: one complete row, the result of c then
 * d, in one statement instead of three.  *done is 0 when a row with that
 * key existed already (created by a snapshot or an earlier replay): then
 * nothing was written, and the caller applies c and d one by one.
 */
int	apply_pair(struct apply_ctx *ax, const struct ev_row *c,
	    const struct ev_row *d, int *done, char *err, size_t errlen);
/*
 * For set-oriented batches (bulk.h).  apply_instance(): the instance id of
 * the row's triple into *id, created when missing if create (else -1).
 * APPLY_SESSION_COLS names the columns of a whole session row, and
 * apply_session_values() puts its APPLY_SESSION_NCOLS values at p: the
 * complete row of connect c and disconnect d (d == c for a disconnect
 * without its connect), or with d NULL the open row of connect c, exactly
 * as apply_pair(), apply_disconnect() and apply_connect() insert them.
 * apply_close_id() closes session id with disconnect r as the float and
 * key paths do, with no count asked (a backend may defer it).
 */
#define APPLY_SESSION_COLS \
	"instance_id, connect_time, src_ip, src_port, cn, vpn_ip4, vpn_ip6, " \
	"disconnect_time, duration, bytes_in, bytes_out, username, " \
	"client_version, client_platform, client_platform_version, " \
	"client_gui_version, cert_serial, cert_sha256, daemon_pid, " \
	"daemon_start_time, last_update, disconnect_src_ip, " \
	"disconnect_src_port, end_reason, origin"
#define APPLY_SESSION_NCOLS	25
int	apply_instance(struct apply_ctx *ax, const struct ev_row *r,
	    int create, int64_t *id, char *err, size_t errlen);
int	apply_session_values(struct db_val *p, const struct ev_row *c,
	    const struct ev_row *d, int64_t inst, const char *origin);
int	apply_close_id(struct apply_ctx *ax, const struct ev_row *r,
	    int64_t id, char *err, size_t errlen);
/*
 * Characters in s, or -1 when s is not valid UTF-8 or holds a NUL byte;
 * *cut gets the byte length of the first max characters.
 */
long	apply_text_chars(const char *s, size_t len, size_t max, size_t *cut);
void	apply_free(struct apply_ctx *ax);
/*
 * Copies the row's texts out of its event into one block the row owns,
 * so that the event can be freed while the row waits for its batch
 * (a batch then holds rows, not files).  -1 on allocation failure.
 * apply_row_release() frees that block (safe on any row).
 */
int	apply_row_own(struct ev_row *r);
void	apply_row_release(struct ev_row *r);
/*
 * Moves row src to dst (a plain copy would leave dst's addresses pointing
 * into src's buffers); src is left without its owned block.
 */
void	apply_row_move(struct ev_row *dst, struct ev_row *src);

#endif
