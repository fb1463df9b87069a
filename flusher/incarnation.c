#include "incarnation.h"

#include <stdio.h>
#include <string.h>

#include "numparse.h"

/* The last-seen time of a session: its newest update, else its start. */
#define LAST_SEEN	"COALESCE(last_update, connect_time)"

static const char sql_get[] =
    "SELECT daemon_start_time FROM instance WHERE id = ?";
static const char sql_close_older[] =
    "UPDATE session SET disconnect_time = " LAST_SEEN ", "
    "duration = " LAST_SEEN " - connect_time, end_reason = 'inferred' "
    "WHERE instance_id = ? AND disconnect_time IS NULL AND "
    "(daemon_start_time < ? OR "
    "(daemon_start_time IS NULL AND connect_time < ?))";
static const char sql_set[] =
    "UPDATE instance SET daemon_pid = ?, daemon_start_time = ? "
    "WHERE id = ? AND (daemon_start_time IS NULL OR daemon_start_time < ?)";

struct got {
	int64_t	 v;
	int	 bad;
};

static int
got_time(void *ctx, int ncols, const struct db_val *cols)
{
	struct got *g = ctx;
	char e[64];

	if (ncols < 1)
		g->bad = 1;
	else if (cols[0].kind == DBV_NULL)
		g->v = INCARNATION_NONE;
	else if (cols[0].kind == DBV_INT)
		g->v = cols[0].i;
	else if (parse_i64(cols[0].s, cols[0].len, 0, INT64_MAX, &g->v, e,
	    sizeof(e)) == -1)
		g->bad = 1;
	return -1;
}

int
incarnation_check(struct apply_ctx *ax, const struct ev_row *r, int64_t inst,
    char *err, size_t errlen)
{
	struct apply_inst *in = NULL;
	struct db_val p[4];
	struct got g = { INCARNATION_NONE, 0 };
	int64_t changes = 0;
	int rc;

	if (r->daemon_start_time < 0)
		return DB_OK;
	for (size_t i = 0; i < ax->ninst; i++)
		if (ax->inst[i].id == inst)
			in = &ax->inst[i];
	if (in != NULL && in->daemon_start_time >= r->daemon_start_time)
		return DB_OK;
	if (in == NULL || in->daemon_start_time == INCARNATION_UNKNOWN) {
		p[0] = db_int(inst);
		if ((rc = ax->ops->query(ax->db, sql_get, p, 1, got_time, &g,
		    err, errlen)) != DB_OK)
			return rc;
		if (g.bad) {
			snprintf(err, errlen, "instance.daemon_start_time is "
			    "not a number");
			return DB_RETRY;
		}
		if (in != NULL)
			in->daemon_start_time = g.v;
		if (g.v >= r->daemon_start_time)
			return DB_OK;
	}

	/* A newer server: what the older ones left open is over. */
	p[0] = db_int(inst);
	p[1] = db_int(r->daemon_start_time);
	p[2] = db_int(r->daemon_start_time);
	if ((rc = ax->ops->exec(ax->db, sql_close_older, p, 3, &changes, err,
	    errlen)) != DB_OK)
		return rc;
	ax->st.inferred_restart += (uint64_t)changes;
	p[0] = r->daemon_pid >= 0 ? db_int(r->daemon_pid) : db_null();
	p[1] = db_int(r->daemon_start_time);
	p[2] = db_int(inst);
	p[3] = db_int(r->daemon_start_time);
	if ((rc = ax->ops->exec(ax->db, sql_set, p, 4, NULL, err,
	    errlen)) != DB_OK)
		return rc;
	if (in != NULL)
		in->daemon_start_time = r->daemon_start_time;
	return DB_OK;
}

int
incarnation_current(const struct apply_ctx *ax, const struct ev_row *r,
    int64_t inst)
{
	if (r->daemon_start_time < 0)
		return 1;
	for (size_t i = 0; i < ax->ninst; i++)
		if (ax->inst[i].id == inst)
			return ax->inst[i].daemon_start_time >=
			    r->daemon_start_time;
	return 0;
}
