/*
 * fuzz_event — libFuzzer target for event_parse() (common/event.h).
 * Every input the parser accepts must round-trip through the writer:
 * writing its fields back (event_put/event_finish) succeeds, the result
 * parses to the same keys and decoded values, and writing that again
 * gives the same bytes (the writer's output is canonical).  A stricter
 * size limit never accepts what the larger one refuses.  Each input is
 * tried as it is and as a body with a correct end line appended.  A
 * violation aborts, which libFuzzer records as a crash.  Built by
 * fuzz/run.sh.
 */
#include "event.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
check(int cond, const char *what, const char *err)
{
	if (!cond) {
		fprintf(stderr, "fuzz_event: invariant violated: %s (%s)\n",
		    what, err ? err : "");
		abort();
	}
}

/* Writes ev back; returns a heap buffer of *lenp bytes. */
static char *
rewrite(const struct event *ev, size_t *lenp)
{
	struct event_writer w;
	char err[256] = "";
	size_t cap = sizeof(EVENT_MAGIC) + 64;

	for (size_t i = 0; i < ev->nfields; i++)
		cap += strlen(ev->f[i].key) + 2 +
		    event_escaped_len(ev->f[i].val, ev->f[i].vallen);
	char *buf = malloc(cap);
	event_writer_init(&w, buf, cap);
	for (size_t i = 0; i < ev->nfields; i++)
		check(event_put(&w, ev->f[i].key, ev->f[i].val, ev->f[i].vallen,
		    err, sizeof(err)) == 0, "a parsed field can be written", err);
	long n = event_finish(&w, err, sizeof(err));
	check(n > 0 && (size_t)n <= cap, "a parsed event can be finished", err);
	*lenp = (size_t)n;
	return buf;
}

/* Parses buf (freed here) and checks the invariants. */
static void
one(char *buf, size_t size)
{
	struct event ev, ev2, small;
	char err[256];

	int rc = event_parse(buf, size, EVENT_STATUS_MAX_SIZE, &ev, err,
	    sizeof(err));
	int rcs = event_parse(buf, size, EVENT_MAX_SIZE, &small, err,
	    sizeof(err));
	free(buf);	/* the event must not point into its input */
	if (rcs == 0) {
		check(rc == 0, "a smaller size limit accepts no more", NULL);
		event_free(&small);
	}
	if (rc != 0) {
		check(rc == -1 && memchr(err, '\0', sizeof(err)) && err[0],
		    "a refusal has a reason", NULL);
		return;
	}
	check(ev.nfields >= 1 && ev.nfields <= EVENT_MAX_FIELDS, "field count",
	    NULL);
	check((unsigned)event_type_of(&ev) < EV_TYPE_COUNT, "valid type", NULL);
	for (size_t i = 0; i < ev.nfields; i++) {
		check(ev.f[i].val[ev.f[i].vallen] == '\0', "value terminated",
		    ev.f[i].key);
		check(event_get(&ev, ev.f[i].key, NULL) == ev.f[i].val,
		    "keys are unique", ev.f[i].key);
	}

	size_t len1, len2;
	char *w1 = rewrite(&ev, &len1);
	rc = event_parse(w1, len1, EVENT_STATUS_MAX_SIZE, &ev2, err,
	    sizeof(err));
	check(rc == 0, "the writer's output parses", err);
	check(ev2.nfields == ev.nfields, "same field count", NULL);
	for (size_t i = 0; i < ev.nfields; i++) {
		check(strcmp(ev.f[i].key, ev2.f[i].key) == 0, "same keys",
		    ev.f[i].key);
		check(ev.f[i].vallen == ev2.f[i].vallen &&
		    memcmp(ev.f[i].val, ev2.f[i].val, ev.f[i].vallen) == 0,
		    "same decoded values", ev.f[i].key);
	}
	char *w2 = rewrite(&ev2, &len2);
	check(len1 == len2 && memcmp(w1, w2, len1) == 0,
	    "writing is canonical", NULL);
	free(w1);
	free(w2);
	event_free(&ev2);
	event_free(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	one(copy, size);

	/*
	 * Almost every mutation breaks the checksum, so the input is also
	 * tried as a body with a correct end line: that reaches the field
	 * parser.
	 */
	size_t body = size + (size == 0 || data[size - 1] != '\n');
	char *b = malloc(body + 40);
	memcpy(b, data, size);
	b[body - 1] = '\n';
	int n = snprintf(b + body, 40, "end %zu %08x\n", body,
	    (unsigned)crc32_ieee(0, b, body));
	one(b, body + (size_t)n);
	return 0;
}
