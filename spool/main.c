/*
 * ovpnlog-spool — the OpenVPN client-connect / client-disconnect hook.
 *
 * WARNING: everything this program reads is untrusted.  OpenVPN runs it
 * with an environment partly chosen by the VPN client (common_name,
 * username, IV_* peer info, ...), often as user nobody, while the whole
 * server waits.  So it:
 *   - reads only the allow-listed variables (capture.c), each with a
 *     maximum length, numbers through the bounded parser;
 *   - uses absolute paths only (no PATH, no HOME, no locale), opens
 *     fds 0-2 to /dev/null when closed, sets umask 027;
 *   - links libc only, reads no config file (the config holds database
 *     passwords the OpenVPN user must not read);
 *   - writes one event file atomically (common/spoolwrite.c) and exits,
 *     0 unless --strict and the event could not be spooled.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "emit.h"
#include "event.h"
#include "hookfields.h"
#include "log.h"
#include "opts.h"
#include "spoolname.h"
#include "statussnap.h"

/* OpenVPN may start us with 0-2 closed: the event file must never
 * become fd 2 and receive our messages. */
static int
sane_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) {
			if (n != -1)
				close(n);
			return -1;
		}
	}
	return 0;
}

/* The only way this program reads its environment (allow-listed names). */
static const char *
env_get(const char *name)
{
	return getenv(name);
}

static int
spool_env(const struct hook_opts *o, const struct logger *lg,
    const struct timespec *now)
{
	static char buf[EVENT_MAX_SIZE];
	char err[512], name[SPOOLNAME_MAX];
	struct capture c;
	const char *what;

	long n = capture_build(o, env_get, now, buf, sizeof(buf), &c, err,
	    sizeof(err));
	what = c.type >= 0 && c.script_type != NULL ? c.script_type : "event";
	if (n == -1) {
		log_msg(lg, LOG_ERR, "unable to record %s: %s", what, err);
		return -1;
	}
	for (size_t i = 0; i < c.nnotes; i++) {
		const struct capture_note *nt = &c.notes[i];
		if (nt->truncated)
			log_msg(lg, LOG_WARNING, "%s: %s is %zu bytes, over its "
			    "limit of %zu: kept truncated (listed in the event's "
			    "'truncated' field)", what, nt->key, nt->len,
			    nt->max);
		if (nt->binary)
			log_msg(lg, LOG_WARNING, "%s: %s contains control or "
			    "non-UTF-8 bytes: kept, escaped in the event file",
			    what, nt->key);
	}
	if (emit_event(o->spool, (enum event_type)c.type, now->tv_sec,
	    now->tv_nsec, buf, (size_t)n, o->fsync, name, err,
	    sizeof(err)) == -1) {
		log_msg(lg, LOG_ERR, "unable to spool %s event: %s", what, err);
		return -1;
	}
	log_msg(lg, LOG_DEBUG, "spooled %s", name);
	return 0;
}

static int
spool_status(const struct hook_opts *o, const struct logger *lg,
    const struct timespec *now)
{
	char err[512], name[SPOOLNAME_MAX];
	struct hook_instance in;
	char *text = NULL, *ev = NULL;
	size_t len;
	int64_t stime;
	int rc = -1;

	if (instance_resolve(o, env_get, &in, err, sizeof(err)) == -1) {
		log_msg(lg, LOG_ERR, "unable to snapshot status: %s", err);
		return -1;
	}
	if (statussnap_read(o->status, &text, &len, &stime, err,
	    sizeof(err)) == -1) {
		log_msg(lg, LOG_ERR, "unable to snapshot status: %s", err);
		return -1;
	}
	long n = statussnap_event(o->status, text, len, stime, now, &in, &ev,
	    err, sizeof(err));
	if (n == -1) {
		log_msg(lg, LOG_ERR, "unable to snapshot status %s: %s",
		    o->status, err);
		goto out;
	}
	/* The snapshot's own time names it: replay orders it by TIME. */
	if (emit_event(o->spool, EV_STATUS, stime, 0, ev, (size_t)n, o->fsync,
	    name, err, sizeof(err)) == -1) {
		log_msg(lg, LOG_ERR, "unable to spool status snapshot of %s: %s",
		    o->status, err);
		goto out;
	}
	log_msg(lg, LOG_DEBUG, "spooled %s", name);
	rc = 0;
out:
	free(text);
	free(ev);
	return rc;
}

int
main(int argc, char **argv)
{
	struct logger lg = { "ovpnlog-spool", 1, 1, 0, 0 };
	struct hook_opts o;
	struct timespec now;
	char err[512];

	umask(027);
	signal(SIGPIPE, SIG_IGN);
	if (sane_fds() == -1) {
		lg.to_stderr = 0;
		log_msg(&lg, LOG_ERR, "unable to open /dev/null for closed "
		    "standard descriptors: %s", strerror(errno));
		return EX_OSERR;
	}
	if (opts_parse(argc, argv, &o, err, sizeof(err)) == -1) {
		lg.quiet = o.quiet;
		/* A typo must not lock every VPN user out, unless the
		 * operator asked for exactly that with --strict. */
		log_msg(&lg, LOG_ERR, "usage error: %s (try --help); %s", err,
		    o.strict ? "exit 64 (--strict)" :
		    "event not recorded, exit 0 (no --strict)");
		return o.strict ? EX_USAGE : 0;
	}
	lg.quiet = o.quiet;
	if (o.help) {
		fputs(opts_usage, stdout);
		return 0;
	}
	if (o.version) {
		printf("ovpnlog-spool %s\n", OVPNLOG_VERSION);
		return 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	int r = o.status != NULL ? spool_status(&o, &lg, &now) :
	    spool_env(&o, &lg, &now);
	if (r == -1)
		return o.strict ? 1 : 0;
	return 0;
}
