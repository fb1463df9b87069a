/*
 * statusdump [-V 2|3] [FILE] — parses an OpenVPN status file (or stdin)
 * with status_parse() and prints the snapshot in a stable line format for
 * golden tests (tests/status/NAME.ref):
 *
 *   version N / time T / title "..." / clients N
 *   client line=N cn="..." real_ip="..." real_port=N vpn_ip4=... ...
 *   rejected N
 *   reject LINE: reason: raw line
 *
 * Strings are quoted with C escapes (control bytes as \xNN, UTF-8 kept);
 * raw reject lines get the same escapes unquoted; messages only have
 * their control bytes escaped.  NULL strings and absent ids (-1) print
 * as '-'.  A parse failure prints "error: reason" and exits 1; usage
 * errors exit 64, read errors 66.
 */
#include "numparse.h"
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* quote: wrap in '"' and escape it; bs: escape backslashes too. */
static void
put_escaped(const char *s, int quote, int bs)
{
	if (quote)
		putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((bs && *p == '\\') || (quote && *p == '"'))
			printf("\\%c", *p);
		else if (*p == '\t')
			fputs("\\t", stdout);
		else if (*p == '\r')
			fputs("\\r", stdout);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
	if (quote)
		putchar('"');
}

static void
put_str(const char *key, const char *s)
{
	printf(" %s=", key);
	if (s == NULL)
		putchar('-');
	else
		put_escaped(s, 1, 1);
}

static void
put_id(const char *key, int64_t v)
{
	if (v < 0)
		printf(" %s=-", key);
	else
		printf(" %s=%lld", key, (long long)v);
}

static char *
slurp(FILE *f, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	*lenp = len;
	return buf;
}

int
main(int argc, char **argv)
{
	struct status_snapshot s;
	char err[256];
	uint64_t v = 0;
	size_t len;
	int c;
	FILE *f = stdin;
	const char *name = "<stdin>";

	while ((c = getopt(argc, argv, "V:")) != -1) {
		switch (c) {
		case 'V':
			if (parse_u64z(optarg, 2, 3, &v, err, sizeof(err)) == -1) {
				fprintf(stderr, "statusdump: -V: %s\n", err);
				return EX_USAGE;
			}
			break;
		default:
			fprintf(stderr, "usage: statusdump [-V 2|3] [FILE]\n");
			return EX_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "usage: statusdump [-V 2|3] [FILE]\n");
		return EX_USAGE;
	}
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0) {
		name = argv[optind];
		if ((f = fopen(name, "rb")) == NULL) {
			fprintf(stderr, "statusdump: unable to open %s: %s\n", name,
			    strerror(errno));
			return EX_NOINPUT;
		}
	}
	char *buf = slurp(f, &len);
	if (buf == NULL) {
		fprintf(stderr, "statusdump: unable to read %s\n", name);
		return EX_NOINPUT;
	}
	if (f != stdin)
		fclose(f);

	if (status_parse(buf, len, (int)v, &s, err, sizeof(err)) == -1) {
		fputs("error: ", stdout);
		put_escaped(err, 0, 0);
		putchar('\n');
		free(buf);
		return 1;
	}
	free(buf);	/* the snapshot must not point into the input */
	printf("version %d\n", s.version);
	printf("time %lld\n", (long long)s.time);
	printf("title ");
	if (s.title)
		put_escaped(s.title, 1, 1);
	else
		putchar('-');
	printf("\nclients %zu\n", s.nclients);
	for (size_t i = 0; i < s.nclients; i++) {
		const struct status_client *cl = &s.clients[i];
		printf("client line=%zu", cl->lineno);
		put_str("cn", cl->cn);
		put_str("real_ip", cl->real_ip);
		printf(" real_port=%u", cl->real_port);
		put_str("vpn_ip4", cl->vpn_ip4);
		put_str("vpn_ip6", cl->vpn_ip6);
		printf(" bytes_received=%llu bytes_sent=%llu connected_since=%lld",
		    (unsigned long long)cl->bytes_received,
		    (unsigned long long)cl->bytes_sent,
		    (long long)cl->connected_since);
		put_str("username", cl->username);
		put_id("client_id", cl->client_id);
		put_id("peer_id", cl->peer_id);
		put_str("cipher", cl->cipher);
		putchar('\n');
	}
	printf("rejected %zu\n", s.nrejected);
	for (size_t i = 0; i < s.nrejects; i++) {
		printf("reject %zu: ", s.rejects[i].lineno);
		put_escaped(s.rejects[i].reason, 0, 0);
		fputs(": ", stdout);
		put_escaped(s.rejects[i].line, 0, 1);
		putchar('\n');
	}
	status_free(&s);
	return 0;
}
