/*
 * evgen [-n N] [-r RATE] [-c PREFIX] [-f full|file|none] SPOOL TEMPLATE
 * — writes N copies of the event file TEMPLATE (made by the hook) into
 * SPOOL the way the hook does (spoolwrite: tmp/, then rename into new/),
 * each with common_name replaced by PREFIX-NUMBER (1..N, default prefix
 * "gen") so that every copy is a distinct session.  For tests and
 * benchmarks that need thousands of events faster than one hook process
 * per event.  -r RATE: at most RATE events per second (0, the default:
 * as fast as possible).  -f: the fsync policy (default none).
 *
 * Exit: 0; 1 with "evgen: reason" when a file could not be written or the
 * template is bad; 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "numparse.h"
#include "spoolname.h"
#include "spoolwrite.h"

static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	char *buf;

	if (fd == -1 || (buf = malloc(max + 1)) == NULL)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, buf + len, max + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > max)
			break;
	}
	close(fd);
	*lenp = len;
	return buf;
}

static void
usage(void)
{
	fputs("usage: evgen [-n N] [-r RATE] [-c PREFIX] [-f POLICY] SPOOL "
	    "TEMPLATE\n", stderr);
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	uint64_t n = 1, rate = 0;
	const char *prefix = "gen";
	int policy = SPOOL_FSYNC_NONE, c;
	struct event ev;
	struct timespec start, now;
	char err[512], *tpl, *buf;
	size_t tlen, cap;

	while ((c = getopt(argc, argv, "n:r:c:f:")) != -1) {
		switch (c) {
		case 'n':
			if (parse_u64z(optarg, 1, 100000000, &n, err,
			    sizeof(err)) == -1)
				usage();
			break;
		case 'r':
			if (parse_u64z(optarg, 0, 1000000, &rate, err,
			    sizeof(err)) == -1)
				usage();
			break;
		case 'c':
			prefix = optarg;
			break;
		case 'f':
			if ((policy = spool_fsync_from_name(optarg)) == -1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	if ((tpl = slurp(argv[optind + 1], EVENT_MAX_SIZE, &tlen)) == NULL) {
		fprintf(stderr, "evgen: %s: %s\n", argv[optind + 1],
		    strerror(errno));
		return 1;
	}
	if (event_parse(tpl, tlen, EVENT_MAX_SIZE, &ev, err, sizeof(err)) == -1) {
		fprintf(stderr, "evgen: %s: %s\n", argv[optind + 1], err);
		return 1;
	}
	cap = tlen + 4096;
	if ((buf = malloc(cap)) == NULL) {
		fprintf(stderr, "evgen: out of memory\n");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (uint64_t i = 1; i <= n; i++) {
		struct event_writer w;
		struct timespec rt;
		char cn[256], name[SPOOLNAME_MAX];
		long len;

		if (rate > 0) {
			/* Event i is due at start + (i-1)/rate. */
			long double due = (long double)(i - 1) / rate;
			for (;;) {
				clock_gettime(CLOCK_MONOTONIC, &now);
				long double el = (now.tv_sec - start.tv_sec) +
				    (now.tv_nsec - start.tv_nsec) / 1e9L;
				if (el >= due)
					break;
				struct timespec d;
				long double rest = due - el;
				d.tv_sec = (time_t)rest;
				d.tv_nsec = (long)((rest - d.tv_sec) * 1e9L);
				nanosleep(&d, NULL);
			}
		}
		snprintf(cn, sizeof(cn), "%s-%llu", prefix,
		    (unsigned long long)i);
		event_writer_init(&w, buf, cap);
		for (size_t f = 0; f < ev.nfields; f++) {
			const char *v = ev.f[f].val;
			size_t vl = ev.f[f].vallen;

			if (strcmp(ev.f[f].key, "common_name") == 0) {
				v = cn;
				vl = strlen(cn);
			}
			if (event_put(&w, ev.f[f].key, v, vl, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "evgen: %s\n", err);
				return 1;
			}
		}
		if ((len = event_finish(&w, err, sizeof(err))) == -1) {
			fprintf(stderr, "evgen: %s\n", err);
			return 1;
		}
		clock_gettime(CLOCK_REALTIME, &rt);
		if (spoolname_make(name, sizeof(name), (int64_t)rt.tv_sec,
		    rt.tv_nsec, getpid(), (uint32_t)i, event_type_of(&ev)) == -1) {
			fprintf(stderr, "evgen: cannot make a spool name\n");
			return 1;
		}
		if (spoolwrite(argv[optind], name, buf, (size_t)len,
		    (enum spool_fsync)policy, err, sizeof(err)) == -1) {
			fprintf(stderr, "evgen: %s\n", err);
			return 1;
		}
	}
	event_free(&ev);
	free(buf);
	free(tpl);
	return 0;
}
