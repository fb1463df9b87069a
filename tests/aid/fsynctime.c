/*
 * fsynctime [-n] SPOOL N [OUT] — the cost of the two flushes of --fsync=full on
 * the file system of SPOOL, without the hook: N times, the hook's own
 * sequence (common/spoolwrite.c) on SPOOL/tmp and SPOOL/new — create a
 * file in tmp/, write 2 KiB (a client-connect event's size), fdatasync()
 * it, close, rename it into new/ under a unique name, fsync() new/ —
 * timing the two flushes together, and apart the creation of the file.
 * The files stay in new/, as the hook's do.
 *
 * Started once with N runs, it measures back-to-back flushes; started N
 * times with N=1 (tests/aid/launch), it measures them as a hook process
 * meets them: after a program start, with the disk idle in between.  -n
 * skips the two flushes (and times nothing but the creation), so that the
 * wall times of started runs with and without -n differ by what the
 * flushes cost a process, including its slower run after the wait.
 *
 * Prints "runs=N median_ns=.. p10_ns=.. p90_ns=.. create_median_ns=..";
 * with OUT, also appends one "FLUSH_NS CREATE_NS" line per run to OUT, so
 * that batches can be pooled.  Exit 1 on error, 64 usage.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidtime.h"
#include "numparse.h"

static int
open_dir(const char *spool, const char *sub)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", spool, sub);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		perror(path);
	return fd;
}

/* One run; *flush gets the time of the two flushes, *create that of the
 * file's creation. */
static int
one_run(int tmpfd, int newfd, const char *name, int flushes, int64_t *flush,
    int64_t *create)
{
	char buf[2048];

	memset(buf, 'x', sizeof(buf));
	int64_t t0 = aid_now_ns();
	int fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	*create = aid_now_ns() - t0;
	if (fd == -1 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
		perror(name);
		return -1;
	}
	int64_t t1 = aid_now_ns();
	if (flushes && fdatasync(fd) == -1) {
		perror("fdatasync");
		return -1;
	}
	int64_t t2 = aid_now_ns();
	close(fd);
	if (renameat(tmpfd, name, newfd, name) == -1) {
		perror("rename");
		return -1;
	}
	int64_t t3 = aid_now_ns();
	if (flushes && fsync(newfd) == -1) {
		perror("fsync");
		return -1;
	}
	*flush = (t2 - t1) + (aid_now_ns() - t3);
	return 0;
}

int
main(int argc, char **argv)
{
	char err[128], name[64];
	uint64_t n;
	int flushes = 1;

	if (argc > 1 && strcmp(argv[1], "-n") == 0) {
		flushes = 0;
		argc--;
		argv++;
	}
	if (argc < 3 || argc > 4 || parse_u64z(argv[2], 1, 100000, &n, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "usage: fsynctime [-n] SPOOL N [OUT]\n");
		return 64;
	}
	int tmpfd = open_dir(argv[1], "tmp"), newfd = open_dir(argv[1], "new");
	int64_t *t = calloc(n, sizeof(*t)), *c = calloc(n, sizeof(*c));
	if (tmpfd == -1 || newfd == -1 || t == NULL || c == NULL)
		return 1;
	for (uint64_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "fsynctime.%ld.%llu",
		    (long)getpid(), (unsigned long long)i);
		if (one_run(tmpfd, newfd, name, flushes, &t[i], &c[i]) == -1)
			return 1;
	}
	if (argc == 4) {
		FILE *o = fopen(argv[3], "a");
		if (o == NULL) {
			perror(argv[3]);
			return 1;
		}
		for (uint64_t i = 0; i < n; i++)
			fprintf(o, "%lld %lld\n", (long long)t[i],
			    (long long)c[i]);
		fclose(o);
	}
	qsort(t, n, sizeof(*t), aid_cmp64);
	qsort(c, n, sizeof(*c), aid_cmp64);
	printf("runs=%llu median_ns=%lld p10_ns=%lld p90_ns=%lld "
	    "create_median_ns=%lld\n", (unsigned long long)n,
	    (long long)t[n / 2], (long long)t[n / 10],
	    (long long)t[n * 9 / 10], (long long)c[n / 2]);
	free(t);
	free(c);
	close(tmpfd);
	close(newfd);
	return 0;
}
