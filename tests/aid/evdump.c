/*
 * evdump [-k KEY] FILE — parses an event file with event_parse() (the
 * size limit by type, as the flusher applies it) and prints every field
 * as `key=value`, value decoded (raw bytes), one field a line, in file
 * order.  With -k KEY, prints only KEY's decoded value, raw, without a
 * newline (for byte-exact round-trip checks).
 *
 * Exit: 0; 1 with "evdump: FILE: reason" when the file is bad or
 * unreadable; 2 when -k names an absent key; 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "event.h"

static char *
slurp(const char *path, size_t max, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = max + 1, len = 0;
	char *buf;

	if (fd == -1)
		return NULL;
	if ((buf = malloc(cap)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	*lenp = len;
	return buf;
}

int
main(int argc, char **argv)
{
	const char *key = NULL;
	struct event ev;
	char err[512];
	size_t len;
	int c;

	while ((c = getopt(argc, argv, "k:")) != -1) {
		if (c == 'k')
			key = optarg;
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	const char *path = argv[optind];
	char *buf = slurp(path, EVENT_STATUS_MAX_SIZE, &len);
	if (buf == NULL) {
		fprintf(stderr, "evdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static const char st[] = EVENT_MAGIC "\ntype=status\n";
	size_t max = len >= sizeof(st) - 1 &&
	    memcmp(buf, st, sizeof(st) - 1) == 0 ?
	    EVENT_STATUS_MAX_SIZE : EVENT_MAX_SIZE;
	if (event_parse(buf, len, max, &ev, err, sizeof(err)) == -1) {
		fprintf(stderr, "evdump: %s: %s\n", path, err);
		free(buf);
		return 1;
	}
	int rc = 0;
	if (key != NULL) {
		size_t vl;
		const char *v = event_get(&ev, key, &vl);
		if (v == NULL)
			rc = 2;
		else
			fwrite(v, 1, vl, stdout);
	} else {
		for (size_t i = 0; i < ev.nfields; i++) {
			printf("%s=", ev.f[i].key);
			fwrite(ev.f[i].val, 1, ev.f[i].vallen, stdout);
			putchar('\n');
		}
	}
	event_free(&ev);
	free(buf);
	if (fflush(stdout) == EOF)
		return 1;
	return rc;
usage:
	fprintf(stderr, "usage: evdump [-k KEY] FILE\n");
	return EX_USAGE;
}
