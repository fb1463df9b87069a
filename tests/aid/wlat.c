/*
 * wlat -s SPOOL -n N -r RATE -e ENVFILE [-c PREFIX] [-t SECS] PROG [ARG...]
 * — the latency of a flusher that watches SPOOL: starts the hook PROG
 * N times at RATE per second (each with the environment of ENVFILE, its
 * NAME=value lines, common_name replaced by PREFIX-NUMBER), and for each
 * run measures the time from the hook's exit (when it was reaped) to the
 * removal of its file from SPOOL/new.  The flusher removes a file only
 * after the transaction that applied it committed, so this is an upper
 * bound of "hook exit to committed row".  A file is matched to its hook
 * by the pid in its name (spoolname.h).  Prints one line:
 *
 *   n=N applied=A quarantined=Q lost=L hook_failed=F median_ms=..
 *   p90_ms=.. p99_ms=.. max_ms=.. achieved_rate=..
 *
 * lost: files still in new/ (or never seen) -t SECS (default 30) after
 * the last hook exited.  Exit: 0; 1 on a system error; 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "aidtime.h"
#include "numparse.h"

struct run {
	pid_t	 pid;
	int64_t	 exit_ns;	/* 0: still running */
	int64_t	 gone_ns;	/* file left new/ */
	int	 quarantined;
	int	 failed;
};

static void
usage(void)
{
	fputs("usage: wlat -s SPOOL -n N -r RATE -e ENVFILE [-c PREFIX] "
	    "[-t SECS] PROG [ARG...]\n", stderr);
	exit(EX_USAGE);
}

/* pid from "SEC.NSEC.PID.RAND.TYPE"; -1 if not a spool name. */
static long
name_pid(const char *name)
{
	const char *p = strchr(name, '.'), *q;
	uint64_t v;
	char err[64];

	if (p == NULL || (p = strchr(p + 1, '.')) == NULL)
		return -1;
	p++;
	if ((q = strchr(p, '.')) == NULL)
		return -1;
	if (parse_u64(p, (size_t)(q - p), 1, 0x7fffffff, &v, err,
	    sizeof(err)) == -1)
		return -1;
	return (long)v;
}

static struct run *
find(struct run *runs, uint64_t n, long pid)
{
	/* Runs are few per second of latency; search from the end. */
	for (uint64_t i = n; i-- > 0;)
		if (runs[i].pid == pid)
			return &runs[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *spool = NULL, *envfile = NULL, *prefix = "lat";
	uint64_t n = 0, rate = 0, tmo = 30;
	char err[128], path[4096], line[8192];
	char **envp = NULL, *cnslot = NULL;
	size_t nenv = 0;
	struct run *runs;
	int c, ifd, sfd;
	sigset_t set;
	FILE *f;

	while ((c = getopt(argc, argv, "+s:n:r:e:c:t:")) != -1) {
		switch (c) {
		case 's': spool = optarg; break;
		case 'e': envfile = optarg; break;
		case 'c': prefix = optarg; break;
		case 'n':
			if (parse_u64z(optarg, 1, 10000000, &n, err, sizeof(err)))
				usage();
			break;
		case 'r':
			if (parse_u64z(optarg, 1, 100000, &rate, err, sizeof(err)))
				usage();
			break;
		case 't':
			if (parse_u64z(optarg, 1, 3600, &tmo, err, sizeof(err)))
				usage();
			break;
		default:
			usage();
		}
	}
	if (spool == NULL || envfile == NULL || n == 0 || rate == 0 ||
	    optind >= argc)
		usage();

	/* The environment: ENVFILE's lines, one slot kept for the CN. */
	if ((f = fopen(envfile, "r")) == NULL) {
		fprintf(stderr, "wlat: %s: %s\n", envfile, strerror(errno));
		return 1;
	}
	envp = calloc(1024, sizeof(*envp));
	while (envp != NULL && nenv < 1022 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || strchr(line, '=') == NULL)
			continue;
		if (strncmp(line, "common_name=", 12) == 0)
			continue;
		envp[nenv++] = strdup(line);
	}
	fclose(f);
	if (envp == NULL || (cnslot = malloc(512)) == NULL) {
		fprintf(stderr, "wlat: out of memory\n");
		return 1;
	}
	envp[nenv++] = cnslot;
	envp[nenv] = NULL;

	if ((runs = calloc(n, sizeof(*runs))) == NULL) {
		fprintf(stderr, "wlat: out of memory\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/new", spool);
	if ((ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(ifd, path, IN_DELETE | IN_MOVED_FROM) == -1) {
		fprintf(stderr, "wlat: inotify %s: %s\n", path, strerror(errno));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "wlat: signalfd: %s\n", strerror(errno));
		return 1;
	}

	int64_t t0 = aid_now_ns(), last_exit = 0, deadline = 0;
	uint64_t started = 0, exited = 0, gone = 0, overflow = 0;
	for (;;) {
		int64_t now = aid_now_ns();

		while (started < n && now >= t0 + (int64_t)(started *
		    1000000000ULL / rate)) {
			pid_t pid;

			snprintf(cnslot, 512, "common_name=%s-%llu", prefix,
			    (unsigned long long)started + 1);
			pid = fork();
			if (pid == -1) {
				fprintf(stderr, "wlat: fork: %s\n",
				    strerror(errno));
				return 1;
			}
			if (pid == 0) {
				int devnull = open("/dev/null", O_RDWR);
				sigprocmask(SIG_UNBLOCK, &set, NULL);
				dup2(devnull, 1);
				dup2(devnull, 2);
				execve(argv[optind], argv + optind, envp);
				_exit(127);
			}
			runs[started++].pid = pid;
			now = aid_now_ns();
		}
		if (exited == n && (gone == n || (deadline && now >= deadline)))
			break;
		if (exited == n && deadline == 0)
			deadline = last_exit + (int64_t)tmo * 1000000000;

		int64_t next = started < n ? t0 + (int64_t)(started *
		    1000000000ULL / rate) : (deadline ? deadline : now + 100000000);
		int timeout = (int)((next - now) / 1000000);
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = ifd, .events = POLLIN },
		};
		if (timeout < 0)
			timeout = 0;
		if (poll(pfd, 2, timeout) == -1 && errno != EINTR) {
			fprintf(stderr, "wlat: poll: %s\n", strerror(errno));
			return 1;
		}
		if (pfd[0].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			for (;;) {
				int st;
				pid_t p = waitpid(-1, &st, WNOHANG);
				struct run *r;

				if (p <= 0)
					break;
				if ((r = find(runs, started, p)) == NULL)
					continue;
				r->exit_ns = last_exit = aid_now_ns();
				r->failed = !(WIFEXITED(st) &&
				    WEXITSTATUS(st) == 0);
				exited++;
			}
		}
		if (pfd[1].revents) {
			char buf[8192] __attribute__((aligned(8)));
			ssize_t len;

			while ((len = read(ifd, buf, sizeof(buf))) > 0) {
				int64_t t = aid_now_ns();
				for (char *p = buf; p < buf + len;) {
					const struct inotify_event *ev =
					    (const void *)p;
					struct run *r;

					if (ev->mask & IN_Q_OVERFLOW)
						overflow++;
					else if (ev->len > 0 && (r = find(runs,
					    started, name_pid(ev->name))) &&
					    r->gone_ns == 0) {
						r->gone_ns = t;
						r->quarantined =
						    !!(ev->mask & IN_MOVED_FROM);
						gone++;
					}
					p += sizeof(*ev) + ev->len;
				}
			}
		}
	}

	int64_t *lat = calloc(n, sizeof(*lat));
	uint64_t nl = 0, quar = 0, failed = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (runs[i].failed)
			failed++;
		if (runs[i].gone_ns == 0)
			continue;
		if (runs[i].quarantined) {
			quar++;
			continue;
		}
		/* A file can leave new/ before its hook is reaped. */
		lat[nl++] = runs[i].gone_ns > runs[i].exit_ns ?
		    runs[i].gone_ns - runs[i].exit_ns : 0;
	}
	qsort(lat, nl, sizeof(*lat), aid_cmp64);
#define PCT(p)	(nl ? lat[(nl - 1) * (p) / 100] / 1e6 : -1.0)
	printf("n=%llu applied=%llu quarantined=%llu lost=%llu hook_failed=%llu "
	    "median_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f "
	    "achieved_rate=%.1f overflows=%llu\n",
	    (unsigned long long)n, (unsigned long long)nl,
	    (unsigned long long)quar,
	    (unsigned long long)(n - nl - quar), (unsigned long long)failed,
	    PCT(50), PCT(90), PCT(99), PCT(100),
	    started > 1 ? (double)(n - 1) * 1e9 / (double)(runs[n - 1].exit_ns -
	    runs[0].exit_ns + 1) : 0.0, (unsigned long long)overflow);
	return 0;
}
