/*
 * readunlink DIR [THREADS] — the file-handling limit of a flush, for the
 * benchmark: readdir, sort by name, then open, read, close and unlink
 * every file, and nothing else.  Prints "FILES SECONDS".  With THREADS
 * (2..64) the files are read in order first and then removed by that
 * many threads, as the flusher's unlinker does (a removal may wait for
 * the device: ext4 mounted with discard).
 *
 * Exit: 0; 1 with "readunlink: reason" on an error; 64 usage.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "numparse.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct share {
	char	**names;
	size_t	  n, step, first;
	int	  dfd, failed;
};

static void *
remover(void *arg)
{
	struct share *sh = arg;

	for (size_t i = sh->first; i < sh->n; i += sh->step)
		if (unlinkat(sh->dfd, sh->names[i], 0) == -1)
			sh->failed = 1;
	return NULL;
}

/* Removes names[0..n) with nth threads; -1 when one removal failed. */
static int
remove_all(int dfd, char **names, size_t n, int nth)
{
	struct share sh[64];
	pthread_t th[64];
	int rc = 0;

	for (int k = 0; k < nth; k++) {
		sh[k] = (struct share){ names, n, (size_t)nth, (size_t)k, dfd,
		    0 };
		if (pthread_create(&th[k], NULL, remover, &sh[k]) != 0)
			return -1;
	}
	for (int k = 0; k < nth; k++) {
		pthread_join(th[k], NULL);
		if (sh[k].failed)
			rc = -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct dirent *de;
	char **names = NULL, buf[65536];
	size_t n = 0, cap = 0;
	DIR *d;
	int dfd, nth = 1;
	int64_t v;
	char err[128];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: readunlink DIR [THREADS]\n");
		return EX_USAGE;
	}
	if (argc == 3) {
		if (parse_i64z(argv[2], 1, 64, &v, err, sizeof(err)) == -1) {
			fprintf(stderr, "readunlink: THREADS: %s\n", err);
			return EX_USAGE;
		}
		nth = (int)v;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((d = opendir(argv[1])) == NULL) {
		perror("readunlink: opendir");
		return 1;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((names = realloc(names, cap * sizeof(*names))) ==
			    NULL) {
				perror("readunlink: realloc");
				return 1;
			}
		}
		if ((names[n++] = strdup(de->d_name)) == NULL) {
			perror("readunlink: strdup");
			return 1;
		}
	}
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		int fd = openat(dfd, names[i], O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (fd == -1 || read(fd, buf, sizeof(buf)) < 0 ||
		    close(fd) == -1 ||
		    (nth == 1 && unlinkat(dfd, names[i], 0) == -1)) {
			perror("readunlink");
			return 1;
		}
	}
	if (nth > 1 && remove_all(dfd, names, n, nth) == -1) {
		fprintf(stderr, "readunlink: a removal failed\n");
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	fsync(dfd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	closedir(d);
	free(names);
	printf("%zu %.6f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
