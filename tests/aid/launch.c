/*
 * launch [-n N] [-P] [-q] [-e ENVFILE] [-o FILE] PROG [ARG...] — starts PROG N times
 * with fork+execve and reports, for benchmarks and concurrency tests:
 *
 *   runs=N failed=K median_ns=.. p10_ns=.. p90_ns=.. min_ns=.. \
 *       maxrss_kb=.. median_rss_kb=..
 *
 * Sequential by default (wall time from fork to wait4 per run).  With -P
 * all N children are forked first and held at a gate (a pipe), then
 * released at once; the times are then each child's from release to its
 * reaping.  -e ENVFILE: the children's whole environment is the
 * NAME=value lines of ENVFILE (lines starting with '#' skipped), as with
 * env -i; without -e they get an empty one.  -q sends the children's
 * stdout and stderr to /dev/null.  -o FILE appends each run's time and
 * peak RSS ("NS KB" lines) to FILE, so that interleaved batches can be
 * pooled.  failed counts children that did not exit 0.  Exit: 0, or 1
 * when a fork or exec failed, 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "aidtime.h"
#include "numparse.h"

static char **
load_env(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;
	char **env = calloc(1, sizeof(char *));

	if (f == NULL || env == NULL) {
		perror(path);
		exit(1);
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] == '#' || strchr(line, '=') == NULL)
			continue;
		env = realloc(env, (n + 2) * sizeof(char *));
		if (env == NULL || (env[n] = strdup(line)) == NULL) {
			perror("launch");
			exit(1);
		}
		env[++n] = NULL;
	}
	free(line);
	fclose(f);
	return env;
}

static int
cmplong(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static void
child(char **argv, char **env, int quiet, int gate)
{
	if (gate != -1) {
		char c;
		while (read(gate, &c, 1) == -1 && errno == EINTR)
			;
		close(gate);
	}
	if (quiet) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	execve(argv[0], argv, env);
	_exit(127);
}

int
main(int argc, char **argv)
{
	char *empty[] = { NULL }, **env = empty, nerr[128];
	const char *outpath = NULL;
	int par = 0, quiet = 0, c, execfail = 0;
	uint64_t n = 1;

	while ((c = getopt(argc, argv, "+n:Pqe:o:")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64z(optarg, 1, 100000, &n, nerr,
			    sizeof(nerr)) == -1) {
				fprintf(stderr, "launch: -n: %s\n", nerr);
				return EX_USAGE;
			}
			break;
		case 'P':
			par = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'e':
			env = load_env(optarg);
			break;
		case 'o':
			outpath = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	argv += optind;

	int64_t *t = calloc(n, sizeof(*t));
	long *rss = calloc(n, sizeof(*rss));
	pid_t *pids = calloc(n, sizeof(*pids));
	uint64_t failed = 0;
	if (t == NULL || rss == NULL || pids == NULL)
		return 1;
	if (!par) {
		for (uint64_t i = 0; i < n; i++) {
			struct rusage ru;
			int st;
			int64_t t0 = aid_now_ns();
			pid_t p = fork();
			if (p == -1) {
				perror("fork");
				return 1;
			}
			if (p == 0)
				child(argv, env, quiet, -1);
			while (wait4(p, &st, 0, &ru) == -1 && errno == EINTR)
				;
			t[i] = aid_now_ns() - t0;
			rss[i] = ru.ru_maxrss;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed++;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
				execfail = 1;
		}
	} else {
		int gate[2];
		if (pipe(gate) == -1) {
			perror("pipe");
			return 1;
		}
		for (uint64_t i = 0; i < n; i++) {
			pids[i] = fork();
			if (pids[i] == -1) {
				perror("fork");
				return 1;
			}
			if (pids[i] == 0) {
				close(gate[1]);
				child(argv, env, quiet, gate[0]);
			}
		}
		close(gate[0]);
		int64_t t0 = aid_now_ns();
		close(gate[1]);
		for (uint64_t done = 0; done < n; done++) {
			struct rusage ru;
			int st;
			pid_t p = wait4(-1, &st, 0, &ru);
			if (p == -1) {
				if (errno == EINTR) {
					done--;
					continue;
				}
				perror("wait4");
				return 1;
			}
			t[done] = aid_now_ns() - t0;
			rss[done] = ru.ru_maxrss;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed++;
			if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
				execfail = 1;
		}
	}
	if (outpath != NULL) {
		FILE *o = fopen(outpath, "a");
		if (o == NULL) {
			perror(outpath);
			return 1;
		}
		for (uint64_t i = 0; i < n; i++)
			fprintf(o, "%lld %ld\n", (long long)t[i], rss[i]);
		fclose(o);
	}
	long maxrss = 0;
	for (uint64_t i = 0; i < n; i++)
		if (rss[i] > maxrss)
			maxrss = rss[i];
	qsort(t, n, sizeof(*t), aid_cmp64);
	qsort(rss, n, sizeof(*rss), cmplong);
	printf("runs=%llu failed=%llu median_ns=%lld p10_ns=%lld p90_ns=%lld "
	    "min_ns=%lld maxrss_kb=%ld median_rss_kb=%ld\n",
	    (unsigned long long)n, (unsigned long long)failed,
	    (long long)t[n / 2], (long long)t[n / 10],
	    (long long)t[n * 9 / 10], (long long)t[0], maxrss, rss[n / 2]);
	fflush(stdout);
	free(t);
	free(rss);
	free(pids);
	if (env != empty) {
		for (char **e = env; *e; e++)
			free(*e);
		free(env);
	}
	return execfail;
usage:
	fprintf(stderr, "usage: launch [-n N] [-P] [-q] [-e ENVFILE] [-o FILE] PROG "
	    "[ARG...]\n");
	return EX_USAGE;
}
