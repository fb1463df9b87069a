/*
 * evwrite FILE KEY=VALUE... — writes one event file with the event writer
 * (common/event.h), fields in the order given (the first must be type=).
 * KEY=@PATH takes the value from the file PATH, byte for byte.  For
 * tests that need an event the hook would never write (e.g. a status
 * event whose status_text is not a complete snapshot).
 *
 * Exit: 0; 1 with "evwrite: reason" when the writer refuses a field or a
 * file cannot be read or written; 64 usage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "event.h"

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	*lenp = (size_t)n;
	return buf;
}

int
main(int argc, char **argv)
{
	static char buf[EVENT_STATUS_MAX_SIZE];
	struct event_writer w;
	char err[256], key[EVENT_MAX_KEY + 1];
	long n;
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: evwrite FILE KEY=VALUE...\n");
		return EX_USAGE;
	}
	event_writer_init(&w, buf, sizeof(buf));
	for (int i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '='), *v;
		char *file = NULL;
		size_t len;
		int rc;

		if (eq == NULL || (size_t)(eq - argv[i]) > EVENT_MAX_KEY) {
			fprintf(stderr, "evwrite: bad field %s\n", argv[i]);
			return EX_USAGE;
		}
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		v = eq + 1;
		len = strlen(v);
		if (*v == '@' && (v = file = slurp(v + 1, &len)) == NULL) {
			fprintf(stderr, "evwrite: cannot read %s\n", eq + 2);
			return 1;
		}
		rc = event_put(&w, key, v, len, err, sizeof(err));
		free(file);
		if (rc == -1) {
			fprintf(stderr, "evwrite: %s\n", err);
			return 1;
		}
	}
	if ((n = event_finish(&w, err, sizeof(err))) == -1) {
		fprintf(stderr, "evwrite: %s\n", err);
		return 1;
	}
	if ((out = fopen(argv[1], "wb")) == NULL ||
	    fwrite(buf, 1, (size_t)n, out) != (size_t)n || fclose(out) != 0) {
		fprintf(stderr, "evwrite: cannot write %s\n", argv[1]);
		return 1;
	}
	return 0;
}
