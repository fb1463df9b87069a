/*
 * readunlink DIR — the file-handling limit of a flush, for the benchmark:
 * readdir, sort by name, then open, read, close and unlink every file,
 * as the flusher does, and nothing else.  Prints "FILES SECONDS".
 *
 * Exit: 0; 1 with "readunlink: reason" on an error; 64 usage.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct dirent *de;
	char **names = NULL, buf[65536];
	size_t n = 0, cap = 0;
	DIR *d;
	int dfd;

	if (argc != 2) {
		fprintf(stderr, "usage: readunlink DIR\n");
		return EX_USAGE;
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
		    close(fd) == -1 || unlinkat(dfd, names[i], 0) == -1) {
			perror("readunlink");
			return 1;
		}
		free(names[i]);
	}
	fsync(dfd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	closedir(d);
	free(names);
	printf("%zu %.6f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
