/*
 * fuzz_status — libFuzzer target for status_parse() (common/status.h).
 * Parses each input with version 0 (detect), 2 and 3 from a private heap
 * copy that is freed before the snapshot is inspected (so a snapshot that
 * points into its input is a use-after-free ASan reports), and checks the
 * contract's invariants; a violation aborts, which libFuzzer records as a
 * crash.  Built and run by fuzz/run.sh.
 */
#include "status.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_status: invariant violated: %s\n", what);
		abort();
	}
}

static size_t
count_lines(const uint8_t *d, size_t n)
{
	size_t lines = n > 0 && d[n - 1] != '\n';

	for (size_t i = 0; i < n; i++)
		lines += d[i] == '\n';
	return lines;
}

static void
check_str(const char *s, size_t max, const char *what)
{
	check(s != NULL, what);
	check(strlen(s) <= max, what);	/* also reads every byte */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int versions[] = { 0, 2, 3 };
	int detected = -1;

	for (size_t k = 0; k < sizeof(versions) / sizeof(versions[0]); k++) {
		struct status_snapshot s;
		char err[256];
		char *copy = malloc(size ? size : 1);

		memcpy(copy, data, size);
		memset(err, 'x', sizeof(err));
		int rc = status_parse(copy, size, versions[k], &s, err,
		    sizeof(err));
		free(copy);
		if (rc != 0) {
			check(rc == -1, "return value is 0 or -1");
			check(memchr(err, '\0', sizeof(err)) != NULL && err[0],
			    "a failure fills err with a terminated reason");
			check(s.store == NULL && s.nclients == 0,
			    "a failure leaves an empty snapshot");
			check(versions[k] == 0 || detected != versions[k],
			    "the detected version parses when asked for");
			status_free(&s);
			continue;
		}
		check(s.version == 2 || s.version == 3, "version is 2 or 3");
		if (versions[k] == 0)
			detected = s.version;
		else {
			check(s.version == versions[k], "asked version kept");
			check(detected == s.version, "detect agrees with an "
			    "explicit version");
		}
		check(s.nrejects <= STATUS_MAX_REJECTS &&
		    s.nrejects <= s.nrejected, "reject bookkeeping");
		check(s.nrejects == s.nrejected ||
		    s.nrejects == STATUS_MAX_REJECTS, "rejects[] filled first");
		check(s.nclients + s.nrejected <= count_lines(data, size),
		    "at most one client or reject per line");
		check(s.nclients <= STATUS_MAX_CLIENTS, "client limit");
		if (s.title)
			check_str(s.title, size, "title");
		for (size_t i = 0; i < s.nclients; i++) {
			const struct status_client *c = &s.clients[i];
			check_str(c->cn, size, "cn");
			check(c->cn[0] != '\0', "cn is never empty");
			check_str(c->real_ip, 45, "real_ip");
			check(c->real_port <= 65535, "real_port");
			if (c->vpn_ip4)
				check_str(c->vpn_ip4, 15, "vpn_ip4");
			if (c->vpn_ip6)
				check_str(c->vpn_ip6, 45, "vpn_ip6");
			if (c->username) {
				check_str(c->username, size, "username");
				check(strcmp(c->username, "UNDEF") != 0 &&
				    c->username[0], "username UNDEF/empty is NULL");
			}
			if (c->cipher)
				check_str(c->cipher, size, "cipher");
			check(c->connected_since >= 0 && c->client_id >= -1 &&
			    c->peer_id >= -1 && c->peer_id <= 0xffffffffLL,
			    "numeric ranges");
			check(c->lineno >= 4 && (i == 0 ||
			    c->lineno > s.clients[i - 1].lineno),
			    "clients in line order after TITLE/TIME/HEADER");
		}
		for (size_t i = 0; i < s.nrejects; i++) {
			check(memchr(s.rejects[i].reason, '\0',
			    STATUS_REASON_MAX) != NULL, "reason terminated");
			check_str(s.rejects[i].line, STATUS_MAX_LINE, "raw line");
			check(s.rejects[i].lineno >= 1, "reject line number");
		}
		status_free(&s);
		check(s.store == NULL, "status_free empties");
	}
	return 0;
}
