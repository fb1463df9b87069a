#include "watch.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define NEVER	INT64_MAX

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static uint64_t
rng_next(struct watch *w)
{
	/* xorshift64*: jitter needs spread, not secrecy. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545F4914F6CDD1DULL;
}

int64_t
watch_backoff_ms(struct watch *w, unsigned n)
{
	int64_t d = w->p.retry_min_ms > 0 ? w->p.retry_min_ms : 1;
	int64_t cap = max64(w->p.retry_max_ms, d);

	while (n > 1 && d < cap) {
		d = d > cap / 2 ? cap : d * 2;
		n--;
	}
	/* "Equal jitter": between half and all of the delay, so that many
	 * watchers behind one database do not reconnect in step. */
	return d / 2 + (int64_t)(rng_next(w) % (uint64_t)(d - d / 2 + 1));
}

static int
add_watch(struct watch *w, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int n;

	n = snprintf(path, sizeof(path), "%s/new", w->spooldir);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "spool path too long: %s", w->spooldir);
		return -1;
	}
	w->wd = inotify_add_watch(w->ifd, path, IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW);
	if (w->wd == -1) {
		snprintf(err, errlen, "unable to watch %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
watch_open(struct watch *w, const char *spooldir,
    const struct watch_params *p, const struct logger *log, char *err,
    size_t errlen)
{
	sigset_t set;

	memset(w, 0, sizeof(*w));
	w->ifd = w->sfd = w->wd = -1;
	w->spooldir = spooldir;
	w->p = *p;
	w->log = log;
	if (getrandom(&w->rng, sizeof(w->rng), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(w->rng))
		w->rng = (uint64_t)mono_ms() ^ ((uint64_t)getpid() << 32);
	if (w->rng == 0)
		w->rng = 0x9E3779B97F4A7C15ULL;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, &w->oldmask) == -1) {
		snprintf(err, errlen, "unable to block signals: %s",
		    strerror(errno));
		return -1;
	}
	w->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->sfd == -1) {
		snprintf(err, errlen, "unable to create a signalfd: %s",
		    strerror(errno));
		goto fail;
	}
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd == -1) {
		snprintf(err, errlen, "unable to create an inotify instance: %s",
		    strerror(errno));
		goto fail;
	}
	if (add_watch(w, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	watch_close(w);
	return -1;
}

void
watch_close(struct watch *w)
{
	if (w->ifd != -1)
		close(w->ifd);
	if (w->sfd != -1) {
		close(w->sfd);
		sigprocmask(SIG_SETMASK, &w->oldmask, NULL);
	}
	w->ifd = w->sfd = w->wd = -1;
}

/* Reads what the signalfd holds; never blocks. */
static void
read_signals(struct watch *w)
{
	struct signalfd_siginfo si;

	for (;;) {
		ssize_t n = read(w->sfd, &si, sizeof(si));

		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si))
			return;
		if (si.ssi_signo == SIGHUP)
			w->hup = 1;
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			if (!w->stop)
				log_msg(w->log, LOG_INFO, "%s received, "
				    "stopping", si.ssi_signo == SIGTERM ?
				    "SIGTERM" : "SIGINT");
			w->stop = 1;
		}
	}
}

int
watch_interrupted(struct watch *w)
{
	if (!w->stop)
		read_signals(w);
	return w->stop;
}

/*
 * Drains the inotify queue.  Returns the number of files that arrived,
 * or -1 on a read error.  An overflow counts as one: it says only that
 * something arrived (the queue may be tiny), so the pass still waits
 * for its latency window like any other.
 */
static int64_t
read_inotify(struct watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	int64_t count = 0;

	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof(buf));

		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return count;
		if (n <= 0)
			return n == 0 ? count : -1;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev =
			    (const struct inotify_event *)(void *)p;

			if (ev->mask & IN_Q_OVERFLOW) {
				w->noverflows++;
				count++;
				log_msg(w->log, LOG_DEBUG, "inotify queue "
				    "overflow: rescanning %s/new", w->spooldir);
			} else if (ev->mask & (IN_MOVED_TO | IN_CLOSE_WRITE)) {
				count++;
			}
			/*
			 * new/ was removed, moved or unmounted: the open
			 * spool descriptors now name a directory the hook no
			 * longer writes to.  Only a fresh start sees the new
			 * one (systemd restarts the service).
			 */
			if (ev->wd == w->wd && ev->wd != -1 && (ev->mask &
			    (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)))
				w->lost = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
}

static int
do_reload(struct watch *w, const struct watch_ops *ops, void *ctx)
{
	struct watch_params p = w->p;
	const char *dir = w->spooldir;
	char old[PATH_MAX], err[512];
	int n;

	/* The callback frees the old config, and w->spooldir with it. */
	n = snprintf(old, sizeof(old), "%s", w->spooldir);
	if (ops->reload == NULL || ops->reload(ctx, &p, &dir) == -1)
		return -1;
	w->p = p;
	w->spooldir = dir;
	if (n < 0 || (size_t)n >= sizeof(old) || strcmp(dir, old) != 0) {
		if (w->wd != -1)
			inotify_rm_watch(w->ifd, w->wd);
		w->wd = -1;
		if (add_watch(w, err, sizeof(err)) == -1) {
			log_msg(w->log, LOG_ERR, "%s", err);
			w->lost = 1;
		}
	}
	return 0;
}

int
watch_run(struct watch *w, const struct watch_ops *ops, void *ctx, char *err,
    size_t errlen)
{
	int64_t now = mono_ms();
	int64_t dirty_since = now;	/* NEVER: nothing to do */
	int64_t arrived = 0;		/* events since the last pass began */
	int64_t last_pass = now - w->p.latency_ms;
	int64_t next_rescan = now + w->p.rescan_ms;
	int64_t next_status = w->p.status_ms > 0 ? now : NEVER;
	int64_t retry_at = 0;
	unsigned failures = 0;

	while (!w->stop) {
		now = mono_ms();
		if (w->hup) {
			w->hup = 0;
			if (do_reload(w, ops, ctx) == 0) {
				next_rescan = now + w->p.rescan_ms;
				next_status = w->p.status_ms > 0 ? now : NEVER;
				/* New database settings: try them at once. */
				retry_at = 0;
				failures = 0;
				dirty_since = min64(dirty_since, now);
			}
		}
		if (now >= next_status) {
			if (ops->snapshot != NULL)
				ops->snapshot(ctx);
			next_status = now + w->p.status_ms;
			dirty_since = min64(dirty_since, now);
		}
		if (now >= next_rescan) {
			next_rescan = now + w->p.rescan_ms;
			dirty_since = min64(dirty_since, now);
		}

		int64_t due = NEVER;
		if (dirty_since != NEVER) {
			due = max64(dirty_since, last_pass + w->p.latency_ms);
			if (arrived >= (int64_t)w->p.batch_size)
				due = dirty_since;
			due = max64(due, retry_at);
		}
		if (now >= due) {
			enum watch_pass r;

			dirty_since = NEVER;
			arrived = 0;
			last_pass = now;
			w->npasses++;
			r = ops->pass(ctx, w);
			now = mono_ms();
			log_msg(w->log, LOG_DEBUG, "pass %llu: %lld ms",
			    (unsigned long long)w->npasses,
			    (long long)(now - last_pass));
			switch (r) {
			case WATCH_DONE:
				failures = 0;
				retry_at = 0;
				/* A full pass is as good as a rescan. */
				next_rescan = now + w->p.rescan_ms;
				break;
			case WATCH_MORE:
				failures = 0;
				retry_at = 0;
				dirty_since = now;
				break;
			case WATCH_RETRY: {
				int64_t d = watch_backoff_ms(w, ++failures);

				w->nretries++;
				retry_at = now + d;
				dirty_since = now;
				log_msg(w->log, LOG_INFO, "retrying in %lld.%03lld s",
				    (long long)(d / 1000), (long long)(d % 1000));
				break;
			}
			case WATCH_FATAL:
			default:
				snprintf(err, errlen, "giving up");
				return -1;
			}
			continue;
		}

		int64_t next = min64(min64(next_rescan, next_status), due);
		int timeout = next == NEVER ? -1 :
		    (int)min64(max64(next - now, 0), INT_MAX);
		struct pollfd pfd[2] = {
			{ .fd = w->sfd, .events = POLLIN },
			{ .fd = w->ifd, .events = POLLIN },
		};

		if (poll(pfd, 2, timeout) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
		if (pfd[0].revents)
			read_signals(w);
		if (pfd[1].revents) {
			int64_t n = read_inotify(w);

			if (n == -1) {
				snprintf(err, errlen, "read inotify: %s",
				    strerror(errno));
				return -1;
			}
			if (n > 0) {
				arrived += n;
				dirty_since = min64(dirty_since, mono_ms());
			}
		}
		if (w->lost) {
			snprintf(err, errlen, "%s/new was removed or replaced",
			    w->spooldir);
			return -1;
		}
	}
	return 0;
}
