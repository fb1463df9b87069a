/*
 * `ovpnlog stats [--prometheus FILE] [--max-age DURATION] [--timeout SECS]`
 * — is logging healthy?  Spool depth, age of the oldest pending event,
 * quarantined files, the last successful flush and the lag since, and
 * whether the database answers, as `key: value` lines; with --prometheus
 * the same as node_exporter textfile metrics.  The exit status makes it a
 * monitoring check (Nagios plugin convention): 0 OK, 1 WARNING, 2
 * CRITICAL, 3 UNKNOWN.
 */
#include "stats.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "cli.h"
#include "dbopen.h"
#include "numparse.h"
#include "timefmt.h"

#define STATS_OK	0
#define STATS_WARNING	1
#define STATS_CRITICAL	2
#define STATS_UNKNOWN	3

#define DEFAULT_MAX_AGE	300	/* seconds */
#define DEFAULT_TIMEOUT	5	/* seconds */

static const char stats_usage[] =
    "usage: ovpnlog stats [--prometheus FILE] [--max-age DURATION] "
    "[--timeout SECONDS]\n"
    "\n"
    "Prints the health of the spool and the database as `key: value`\n"
    "lines; --prometheus FILE also writes them as node_exporter textfile\n"
    "metrics (atomically).  --max-age: how old the oldest pending event\n"
    "and the last successful flush may be (default 5m); --timeout: the\n"
    "database check's limit (default 5 s).\n"
    "Exit status: 0 healthy; 1 warning (quarantined files, or no\n"
    "successful flush within --max-age); 2 critical (database\n"
    "unreachable, or an event pending longer than --max-age); 3 unknown\n"
    "(the spool could not be read); 64 usage; 73 FILE could not be\n"
    "written; 78 bad config.\n";

struct health {
	struct spool_stats	 sp;
	int			 sp_ok;		/* new/ could be listed */
	char			 sp_err[512];
	struct stats_state	 st;
	int			 st_ok;
	char			 st_err[256];
	int			 db_up;
	char			 db_err[512];
	int64_t			 now;
};

/* Connect with a short timeout and ask for the session table. */
static void
check_database(const struct config *cfg, int64_t timeout, struct health *h)
{
	const struct backend_ops *ops = NULL;
	struct config c = *cfg;	/* shallow: only the timeouts change */
	struct db *db = NULL;
	int exists = 0, rc;

	h->db_up = 0;
	/* Opening a missing SQLite file would create it. */
	if (cfg->backend != NULL && strcmp(cfg->backend, "sqlite") == 0 &&
	    cfg->db_path != NULL && access(cfg->db_path, F_OK) == -1) {
		snprintf(h->db_err, sizeof(h->db_err), "sqlite at %s: %s",
		    cfg->db_path, strerror(errno));
		return;
	}
	if (c.connect_timeout <= 0 || c.connect_timeout > timeout)
		c.connect_timeout = timeout;
	if (c.busy_timeout_ms <= 0 || c.busy_timeout_ms > timeout * 1000)
		c.busy_timeout_ms = timeout * 1000;
	rc = db_open(&c, &ops, &db, h->db_err, sizeof(h->db_err));
	if (rc != DB_OK)
		return;
	if (ops->has(db, "session", NULL, &exists, h->db_err,
	    sizeof(h->db_err)) != DB_OK) {
		ops->close(db);
		return;
	}
	ops->close(db);
	if (!exists) {
		snprintf(h->db_err, sizeof(h->db_err), "no session table "
		    "(run `ovpnlog init-db`)");
		return;
	}
	h->db_up = 1;
}

static int64_t
age(const struct health *h, int64_t t)
{
	return t > 0 && h->now > t ? h->now - t : 0;
}

/* The worse of two states: critical > unknown > warning > ok. */
static int
worse(int a, int b)
{
	static const int rank[] = { 0, 1, 3, 2 };	/* by exit status */

	return rank[b] > rank[a] ? b : a;
}

struct reasons {
	int	 rc;
	char	*buf;
	size_t	 len, off;
};

__attribute__((format(printf, 3, 4)))
static void
reason(struct reasons *r, int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->rc = worse(r->rc, level);
	if (r->off + 2 < r->len && r->off > 0) {
		memcpy(r->buf + r->off, "; ", 3);
		r->off += 2;
	}
	if (r->off >= r->len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->buf + r->off, r->len - r->off, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->off += (size_t)n < r->len - r->off ? (size_t)n :
		    r->len - r->off - 1;
}

/* The exit status, and the reasons in buf. */
static int
judge(const struct health *h, int64_t max_age, char *buf, size_t len)
{
	struct reasons r = { STATS_OK, buf, len, 0 };

	buf[0] = '\0';
	if (!h->db_up)
		reason(&r, STATS_CRITICAL, "database unreachable");
	if (!h->sp_ok)
		reason(&r, STATS_UNKNOWN, "spool not readable");
	else if (h->sp.pending > 0 && h->sp.oldest > 0 &&
	    age(h, h->sp.oldest) > max_age)
		reason(&r, STATS_CRITICAL, "oldest pending event is %llds old "
		    "(limit %llds)", (long long)age(h, h->sp.oldest),
		    (long long)max_age);
	if (h->sp_ok && h->sp.failed_readable && h->sp.quarantined > 0)
		reason(&r, STATS_WARNING, "%llu quarantined file%s in failed/",
		    (unsigned long long)h->sp.quarantined,
		    h->sp.quarantined == 1 ? "" : "s");
	if (h->sp_ok && !h->sp.failed_readable)
		reason(&r, STATS_UNKNOWN, "quarantine not readable");
	/* A flusher that stopped running: the timer or the watcher's
	 * rescans record a flush every minute or so when all is well. */
	if (h->st_ok && h->st.last_flush > 0 &&
	    age(h, h->st.last_flush) > max_age)
		reason(&r, STATS_WARNING, "last successful flush %llds ago "
		    "(limit %llds)", (long long)age(h, h->st.last_flush),
		    (long long)max_age);
	return r.rc;
}

static const char *
status_word(int rc)
{
	switch (rc) {
	case STATS_OK:		return "ok";
	case STATS_WARNING:	return "warning";
	case STATS_CRITICAL:	return "critical";
	default:		return "unknown";
	}
}

static void
print_text(FILE *f, const struct config *cfg, const struct health *h,
    int rc, const char *why)
{
	char tb[TF_BUFLEN];

	fprintf(f, "spool_dir: %s\n", cfg->spool_dir);
	if (!h->sp_ok)
		fprintf(f, "spool_pending: unknown (%s)\n", h->sp_err);
	else
		fprintf(f, "spool_pending: %llu\n",
		    (unsigned long long)h->sp.pending);
	if (!h->sp_ok) {
		fprintf(f, "spool_oldest: unknown\n");
	} else if (h->sp.oldest > 0) {
		fprintf(f, "spool_oldest: %s\n", tf_format(h->sp.oldest, 1, tb,
		    sizeof(tb)));
		fprintf(f, "spool_oldest_age_seconds: %lld\n",
		    (long long)age(h, h->sp.oldest));
	} else {
		fprintf(f, "spool_oldest: none\n");
		fprintf(f, "spool_oldest_age_seconds: 0\n");
	}
	if (h->sp.unnamed > 0)
		fprintf(f, "spool_unnamed: %llu\n",
		    (unsigned long long)h->sp.unnamed);
	if (!h->sp_ok)
		fprintf(f, "quarantined: unknown\n");
	else if (h->sp.failed_readable)
		fprintf(f, "quarantined: %llu\n",
		    (unsigned long long)h->sp.quarantined);
	else
		fprintf(f, "quarantined: unknown (%s)\n", h->sp.failed_err);
	if (!h->st_ok)
		fprintf(f, "last_flush: unknown (%s)\n", h->st_err);
	else if (h->st.last_flush > 0) {
		fprintf(f, "last_flush: %s\n", tf_format(h->st.last_flush, 1,
		    tb, sizeof(tb)));
		fprintf(f, "lag_seconds: %lld\n",
		    (long long)age(h, h->st.last_flush));
	} else
		fprintf(f, "last_flush: never\n");
	fprintf(f, "database_backend: %s\n", cfg->backend ? cfg->backend : "");
	fprintf(f, "database_up: %d\n", h->db_up);
	if (!h->db_up)
		fprintf(f, "database_error: %s\n", h->db_err);
	if (rc == STATS_OK)
		fprintf(f, "status: ok\n");
	else
		fprintf(f, "status: %s: %s\n", status_word(rc), why);
}

static int
write_prometheus(const char *path, const struct health *h, char *err,
    size_t errlen)
{
	char buf[2048], pend[32] = "NaN", oldest[32] = "NaN", quar[32] = "NaN";
	int n;

	/* NaN: not known (the spool or failed/ could not be read). */
	if (h->sp_ok) {
		snprintf(pend, sizeof(pend), "%llu",
		    (unsigned long long)h->sp.pending);
		snprintf(oldest, sizeof(oldest), "%lld", (long long)
		    (h->sp.oldest > 0 ? age(h, h->sp.oldest) : 0));
		if (h->sp.failed_readable)
			snprintf(quar, sizeof(quar), "%llu",
			    (unsigned long long)h->sp.quarantined);
	}
	n = snprintf(buf, sizeof(buf),
	    "# HELP ovpnlog_spool_pending Event files waiting in the spool's new/ directory.\n"
	    "# TYPE ovpnlog_spool_pending gauge\n"
	    "ovpnlog_spool_pending %s\n"
	    "# HELP ovpnlog_spool_oldest_age_seconds Age of the oldest pending event (0: none).\n"
	    "# TYPE ovpnlog_spool_oldest_age_seconds gauge\n"
	    "ovpnlog_spool_oldest_age_seconds %s\n"
	    "# HELP ovpnlog_quarantined Event files quarantined in failed/.\n"
	    "# TYPE ovpnlog_quarantined gauge\n"
	    "ovpnlog_quarantined %s\n"
	    "# HELP ovpnlog_last_flush_timestamp_seconds Time of the last successful flush (0: never).\n"
	    "# TYPE ovpnlog_last_flush_timestamp_seconds gauge\n"
	    "ovpnlog_last_flush_timestamp_seconds %lld\n"
	    "# HELP ovpnlog_database_up Whether the database answered (1) or not (0).\n"
	    "# TYPE ovpnlog_database_up gauge\n"
	    "ovpnlog_database_up %d\n",
	    pend, oldest, quar,
	    (long long)(h->st_ok ? h->st.last_flush : 0), h->db_up);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		snprintf(err, errlen, "metrics too long");
		return -1;
	}
	/* node_exporter runs as another user: world-readable. */
	return stats_write_atomic(path, buf, (size_t)n, 0644, err, errlen);
}

int
cmd_stats(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "prometheus", required_argument, NULL, 'p' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *prom = NULL;
	int64_t max_age = DEFAULT_MAX_AGE, timeout = DEFAULT_TIMEOUT;
	struct config *cfg;
	struct health h;
	char err[512], why[1024], path[4096];
	uint64_t u;
	int c, rc;

	optind = 0;	/* GNU: reinitialise; main may have used getopt */
	while ((c = getopt_long(argc, argv, "p:a:t:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prom = optarg;
			break;
		case 'a':
			if (tf_parse_duration(optarg, &max_age, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "stats: --max-age: "
				    "%s", err);
				return EX_USAGE;
			}
			break;
		case 't':
			if (parse_u64z(optarg, 1, 3600, &u, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "stats: --timeout: "
				    "%s", err);
				return EX_USAGE;
			}
			timeout = (int64_t)u;
			break;
		case 'h':
			fputs(stats_usage, stdout);
			return 0;
		default:
			fputs(stats_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fputs(stats_usage, stderr);
		return EX_USAGE;
	}
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;

	memset(&h, 0, sizeof(h));
	h.now = (int64_t)time(NULL);
	if (stats_scan_spool(cfg->spool_dir, &h.sp, h.sp_err,
	    sizeof(h.sp_err)) == 0)
		h.sp_ok = 1;
	if (stats_path(cfg, path, sizeof(path), h.st_err,
	    sizeof(h.st_err)) == 0 && stats_state_read(path, &h.st, h.st_err,
	    sizeof(h.st_err)) == 0)
		h.st_ok = 1;
	check_database(cfg, timeout, &h);

	rc = judge(&h, max_age, why, sizeof(why));
	print_text(stdout, cfg, &h, rc, why);
	if (fflush(stdout) == EOF || ferror(stdout))
		return EX_IOERR;
	if (prom != NULL && write_prometheus(prom, &h, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "stats: unable to write metrics: "
		    "%s", err);
		return EX_CANTCREAT;
	}
	return rc;
}
