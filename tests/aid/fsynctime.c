/*
 * fsynctime DIR N [OUT] — the cost of the two flushes of --fsync=full on the
 * file system of DIR, in-process (no program start): N times, create and
 * write a 1 KiB file, fdatasync() it, rename it, fsync() DIR, remove it;
 * the two flushes are timed.
 * Prints "runs=N median_ns=.. p10_ns=.. p90_ns=.."; with OUT, also
 * appends each run's time ("NS" lines) to OUT, to pool batches.
 * Exit 1 on error, 64 usage.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "numparse.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	char buf[1024], err[128];
	uint64_t n;

	if (argc < 3 || argc > 4 || parse_u64z(argv[2], 1, 100000, &n, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "usage: fsynctime DIR N [OUT]\n");
		return 64;
	}
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	int64_t *t = calloc(n, sizeof(*t));
	if (dfd == -1 || t == NULL) {
		perror(argv[1]);
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	for (uint64_t i = 0; i < n; i++) {
		int fd = openat(dfd, "fsynctime.a", O_WRONLY | O_CREAT |
		    O_EXCL, 0600);
		if (fd == -1 || write(fd, buf, sizeof(buf)) !=
		    (ssize_t)sizeof(buf)) {
			perror("fsynctime.a");
			return 1;
		}
		/* The hook's sequence: a new file flushed, then renamed and
		 * its directory flushed; only the two flushes are timed. */
		int64_t t0 = now_ns();
		if (fdatasync(fd) == -1) {
			perror("fdatasync");
			return 1;
		}
		int64_t t1 = now_ns();
		close(fd);
		if (renameat(dfd, "fsynctime.a", dfd, "fsynctime.b") == -1) {
			perror("rename");
			return 1;
		}
		int64_t t2 = now_ns();
		if (fsync(dfd) == -1) {
			perror("fsync");
			return 1;
		}
		t[i] = (t1 - t0) + (now_ns() - t2);
		unlinkat(dfd, "fsynctime.b", 0);
	}
	if (argc == 4) {
		FILE *o = fopen(argv[3], "a");
		if (o == NULL) {
			perror(argv[3]);
			return 1;
		}
		for (uint64_t i = 0; i < n; i++)
			fprintf(o, "%lld\n", (long long)t[i]);
		fclose(o);
	}
	qsort(t, n, sizeof(*t), cmp64);
	printf("runs=%llu median_ns=%lld p10_ns=%lld p90_ns=%lld\n",
	    (unsigned long long)n, (long long)t[n / 2], (long long)t[n / 10],
	    (long long)t[n * 9 / 10]);
	free(t);
	close(dfd);
	return 0;
}
