/*
 * `ovpnlog watch [--syslog]` — the long-running flusher: the replay loop
 * of flush.h driven by the event loop of watch.h, on one connection and
 * under the spool lock for the whole run.  Stays in the foreground and
 * logs to stderr (systemd's journal); --syslog sends the messages to
 * syslog as well.
 *
 * Exit: 0 after SIGTERM/SIGINT; 78 bad config, unknown backend or no
 * spool at start; 74 when the event loop fails or SPOOL/new is removed
 * or replaced (systemd restarts it on the new one); 64 usage.  Once
 * running, nothing an operator can fix (database down, schema missing,
 * unreadable spool, another process holding the lock) stops it: the
 * pass is retried with backoff and the files stay in the spool.
 */
#include "watch.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "backend.h"
#include "cli.h"
#include "flush.h"
#include "spool_dir.h"
#include "status_snap.h"

static const char watch_usage[] =
    "usage: ovpnlog watch [--syslog]\n"
    "\n"
    "Applies spooled events as they arrive (inotify on SPOOL/new), in\n"
    "batches of at most [flush] batch_size waiting at most watch_latency;\n"
    "rescans every rescan_interval, snapshots status files every\n"
    "status_interval, retries an unreachable database from retry_min to\n"
    "retry_max.  SIGTERM/SIGINT: stop after the current transaction.\n"
    "SIGHUP: reload the config (a bad one is reported and ignored).\n"
    "Exit status: 0 stopped by a signal; 64 usage; 74 internal error or\n"
    "SPOOL/new removed or replaced; 78 bad config or spool at start.\n";

struct wctx {
	struct cli		*cli;
	struct spool_dirs	 d;
	int			 locked;
	int			 lock_waiting;	/* "waiting for the lock" said */
	int			 down;		/* the last pass failed */
	struct flush_conn	 conn;
};

static int
has_status_files(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->ninstances; i++)
		if (cfg->instances[i].status_file != NULL)
			return 1;
	return 0;
}

static void
params_from(const struct config *cfg, struct watch_params *p)
{
	p->latency_ms = cfg->watch_latency_ms;
	p->rescan_ms = cfg->rescan_interval * 1000;
	p->status_ms = has_status_files(cfg) ? cfg->status_interval * 1000 : 0;
	p->retry_min_ms = cfg->retry_min_ms;
	p->retry_max_ms = cfg->retry_max_ms;
	p->batch_size = cfg->batch_size > 0 ? (uint64_t)cfg->batch_size : 1;
}

static int
interrupted(void *w)
{
	return watch_interrupted(w);
}

static int
take_lock(struct wctx *x)
{
	char err[1024];
	int rc;

	if (x->locked)
		return 0;
	rc = spool_lock(&x->d, err, sizeof(err));
	if (rc == 0) {
		x->locked = 1;
		if (x->lock_waiting)
			log_msg(&x->cli->log, LOG_INFO, "got the lock on %s",
			    x->d.path);
		x->lock_waiting = 0;
		return 0;
	}
	if (rc == 1 && !x->lock_waiting)
		log_msg(&x->cli->log, LOG_NOTICE, "another flush holds the "
		    "lock on %s: waiting for it", x->d.path);
	else if (rc == -1)
		log_msg(&x->cli->log, LOG_ERR, "%s", err);
	x->lock_waiting = 1;
	return -1;
}

static enum watch_pass
pass(void *ctx, struct watch *w)
{
	struct wctx *x = ctx;
	struct flush_opts fo;
	struct flush_result res;
	enum flush_status st;

	if (take_lock(x) == -1)
		return WATCH_RETRY;
	memset(&fo, 0, sizeof(fo));
	fo.interrupted = interrupted;
	fo.ictx = w;
	fo.skip_status = 1;
	st = flush_run(x->cli->cfg, &x->cli->log, &x->d, &x->conn, &fo, &res);
	switch (st) {
	case FLUSH_OK:
	case FLUSH_DATAERR:
		if (x->down)
			log_msg(&x->cli->log, LOG_INFO, "%s: flushing again",
			    x->d.path);
		x->down = 0;
		return res.interrupted ? WATCH_MORE : WATCH_DONE;
	default:
		/* flush_run said why; the files stay where they are. */
		x->down = 1;
		return WATCH_RETRY;
	}
}

static void
snapshot(void *ctx)
{
	struct wctx *x = ctx;

	/* The snapshot state files are the lock holder's; without the
	 * lock, skip this one (the next interval tries again). */
	if (take_lock(x) == -1)
		return;
	/* Problems are logged there; the pass that follows goes on. */
	(void)status_snap_all(x->cli->cfg, &x->cli->log, &x->d, NULL);
}

/* SIGHUP: a new config replaces the old one only when it is usable. */
static int
reload(void *ctx, struct watch_params *p, const char **spooldir)
{
	struct wctx *x = ctx;
	struct cli *cli = x->cli;
	struct config *old = cli->cfg, *cfg;
	struct spool_dirs nd;
	char err[1024];
	int missing, newspool;

	if ((cfg = config_load(cli->config_path, err, sizeof(err))) == NULL) {
		log_msg(&cli->log, LOG_ERR, "unable to reload the "
		    "configuration: %s; keeping the old one", err);
		return -1;
	}
	if (cfg->backend == NULL || backend_find(cfg->backend) == NULL) {
		log_msg(&cli->log, LOG_ERR, "unable to reload the "
		    "configuration: backend %s is not compiled in; keeping "
		    "the old one", cfg->backend ? cfg->backend : "(none)");
		config_free(cfg);
		return -1;
	}
	newspool = strcmp(cfg->spool_dir, old->spool_dir) != 0;
	if (newspool) {
		if (spool_open(cfg->spool_dir, &nd, &missing, err,
		    sizeof(err)) == -1) {
			log_msg(&cli->log, LOG_ERR, "unable to reload the "
			    "configuration: %s; keeping the old one", err);
			config_free(cfg);
			return -1;
		}
		spool_close(&x->d);	/* releases the old lock */
		x->d = nd;
		x->locked = 0;
		x->lock_waiting = 0;
	}
	for (char *wl = cfg->warnings, *nl; wl != NULL && *wl != '\0';
	    wl = nl + 1) {
		if ((nl = strchr(wl, '\n')) == NULL)
			break;
		log_msg(&cli->log, LOG_WARNING, "%.*s", (int)(nl - wl), wl);
	}
	/* The database settings may have changed: reconnect on demand. */
	flush_conn_close(&x->conn);
	memset(&x->conn, 0, sizeof(x->conn));
	cli->cfg = cfg;
	x->d.path = cfg->spool_dir;
	config_free(old);
	params_from(cfg, p);
	*spooldir = cfg->spool_dir;
	log_msg(&cli->log, LOG_INFO, "configuration reloaded from %s%s",
	    cfg->path, newspool ? " (new spool)" : "");
	return 0;
}

int
cmd_watch(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "syslog", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct watch_ops ops = {
		.pass = pass,
		.snapshot = snapshot,
		.reload = reload,
	};
	struct watch_params p;
	struct watch w;
	struct wctx x;
	struct config *cfg;
	char err[1024];
	int ch, missing, rc;

	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			cli->log.to_syslog = 1;
			break;
		case 'h':
			fputs(watch_usage, stdout);
			return EX_OK;
		default:
			fputs(watch_usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		fputs(watch_usage, stderr);
		return EX_USAGE;
	}
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	if (cfg->backend == NULL || backend_find(cfg->backend) == NULL) {
		log_msg(&cli->log, LOG_ERR, "unable to use backend %s: not "
		    "compiled into this ovpnlog (%s)",
		    cfg->backend ? cfg->backend : "(none)", cfg->path);
		return EX_CONFIG;
	}
	memset(&x, 0, sizeof(x));
	x.cli = cli;
	if (spool_open(cfg->spool_dir, &x.d, &missing, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "%s (spool dir in %s)", err,
		    cfg->path);
		return EX_CONFIG;
	}
	params_from(cfg, &p);
	/* The inotify watch exists before the first pass lists new/. */
	if (watch_open(&w, cfg->spool_dir, &p, &cli->log, err,
	    sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "%s", err);
		spool_close(&x.d);
		return EX_CONFIG;
	}
	log_msg(&cli->log, LOG_INFO, "watching %s/new (backend %s, latency "
	    "%lld ms, batch %lld)", cfg->spool_dir, cfg->backend,
	    (long long)p.latency_ms, (long long)p.batch_size);
	rc = watch_run(&w, &ops, &x, err, sizeof(err));
	if (rc == -1)
		log_msg(&cli->log, LOG_ERR, "unable to keep watching %s: %s",
		    cli->cfg->spool_dir, err);
	else
		log_msg(&cli->log, LOG_INFO, "stopped (%llu passes, %llu "
		    "inotify overflows, %llu retries)",
		    (unsigned long long)w.npasses,
		    (unsigned long long)w.noverflows,
		    (unsigned long long)w.nretries);
	watch_close(&w);
	flush_conn_close(&x.conn);
	spool_close(&x.d);
	return rc == -1 ? EX_IOERR : EX_OK;
}
