/*
 * statuswriter [-3] [-m MS] [-t TIME] FILE A_OUT B_OUT — rewrites FILE in
 * place, like OpenVPN (lseek to 0, one write() per line, ftruncate),
 * alternating two status snapshots A (TIME, 3 clients) and B (TIME+30,
 * 6 clients, longer), for MS milliseconds (default 3000) or until
 * SIGTERM.  Writes the two complete snapshots to A_OUT and B_OUT first.
 *
 * To make torn states stay long enough for a reader to read them twice,
 * it sleeps 0.2..1.5 ms after a quarter of the line writes (a preempted
 * writer), and 1..6 ms between rewrites.  The two snapshots are padded
 * (title, usernames) so that no line boundary of one is a line boundary
 * of the other, and no line boundary of one falls where the other has a
 * keyword (TITLE, TIME, HEADER, CLIENT_LIST, ...): every torn state then
 * holds a partial line, so a reader that accepts only A or B can tell.
 * -3 writes status-version 3 (TAB) instead of 2.
 *
 * Prints "rewrites=N" at the end.  Exit: 0; 1 on a write error; 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "numparse.h"

#define MAXLINES	32
#define MAXTEXT		8192

struct snap {
	char	 text[MAXTEXT];
	size_t	 len;
	size_t	 off[MAXLINES + 1];	/* line starts, then len */
	size_t	 nlines;
};

static volatile sig_atomic_t stop;
static uint64_t rng = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
add(struct snap *s, char sep, const char *const *fields, size_t n)
{
	s->off[s->nlines++] = s->len;
	for (size_t i = 0; i < n; i++)
		s->len += (size_t)snprintf(s->text + s->len, MAXTEXT - s->len,
		    "%s%s", i ? (sep == ',' ? "," : "\t") : "", fields[i]);
	s->text[s->len++] = '\n';
	s->text[s->len] = '\0';
}

/* Snapshot tag (A or B) with n clients at time t, padded by pads[]. */
static void
build(struct snap *s, char sep, char tag, int n, int64_t t,
    int64_t connected, const int *pads)
{
	char title[256], tm[64], cn[32], addr[48], vpn[24], bin[24], bout[24],
	    since[24], user[64], id[16], la[24];

	memset(s, 0, sizeof(*s));
	snprintf(title, sizeof(title), "OpenVPN 2.6.14 statuswriter %c %.*s",
	    tag, pads[0], "..............................................");
	add(s, sep, (const char *[]){ "TITLE", title }, 2);
	snprintf(tm, sizeof(tm), "%lld", (long long)t);
	add(s, sep, (const char *[]){ "TIME", "2026-11-27 12:00:00", tm }, 3);
	add(s, sep, (const char *[]){ "HEADER", "CLIENT_LIST", "Common Name",
	    "Real Address", "Virtual Address", "Virtual IPv6 Address",
	    "Bytes Received", "Bytes Sent", "Connected Since",
	    "Connected Since (time_t)", "Username", "Client ID", "Peer ID",
	    "Data Channel Cipher" }, 14);
	for (int i = 0; i < n; i++) {
		snprintf(cn, sizeof(cn), "client%d", i + 1);
		snprintf(addr, sizeof(addr), "192.0.2.%d:%d", i + 1, 40000 + i);
		snprintf(vpn, sizeof(vpn), "10.99.0.%d", i + 2);
		snprintf(bin, sizeof(bin), "%d", (tag == 'A' ? 1000 : 5000) +
		    i * 7);
		snprintf(bout, sizeof(bout), "%d", (tag == 'A' ? 2000 : 9000) +
		    i * 3);
		snprintf(since, sizeof(since), "%lld", (long long)connected);
		snprintf(user, sizeof(user), "user%d%.*s", i + 1, pads[1 + i],
		    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
		snprintf(id, sizeof(id), "%d", i);
		add(s, sep, (const char *[]){ "CLIENT_LIST", cn, addr, vpn, "",
		    bin, bout, "2026-11-27 11:58:20", since, user, id, id,
		    "AES-256-GCM" }, 13);
	}
	add(s, sep, (const char *[]){ "HEADER", "ROUTING_TABLE",
	    "Virtual Address", "Common Name", "Real Address", "Last Ref",
	    "Last Ref (time_t)" }, 7);
	for (int i = 0; i < n; i++) {
		snprintf(cn, sizeof(cn), "client%d", i + 1);
		snprintf(addr, sizeof(addr), "192.0.2.%d:%d", i + 1, 40000 + i);
		snprintf(vpn, sizeof(vpn), "10.99.0.%d", i + 2);
		snprintf(la, sizeof(la), "%lld", (long long)t - 1);
		add(s, sep, (const char *[]){ "ROUTING_TABLE", vpn, cn, addr,
		    "2026-11-27 11:59:59", la }, 6);
	}
	snprintf(la, sizeof(la), "%d", pads[1 + n]);
	add(s, sep, (const char *[]){ "GLOBAL_STATS",
	    "Max bcast/mcast queue length", la }, 3);
	add(s, sep, (const char *[]){ "END" }, 1);
	s->off[s->nlines] = s->len;
}

static int
is_boundary(const struct snap *s, size_t p)
{
	for (size_t i = 0; i <= s->nlines; i++)
		if (s->off[i] == p)
			return 1;
	return 0;
}

static int
keyword_at(const struct snap *s, size_t p, char sep)
{
	static const char *const kw[] = { "TITLE", "TIME", "HEADER",
	    "CLIENT_LIST", "ROUTING_TABLE", "GLOBAL_STATS", "END" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(*kw); i++) {
		size_t k = strlen(kw[i]);
		if (p + k < s->len && memcmp(s->text + p, kw[i], k) == 0 &&
		    (s->text[p + k] == sep || s->text[p + k] == '\n'))
			return 1;
	}
	return 0;
}

/* No boundary of x (but 0) is a boundary of y or meets a keyword of y. */
static int
apart(const struct snap *x, const struct snap *y, char sep)
{
	for (size_t i = 1; i <= x->nlines; i++) {
		size_t p = x->off[i];
		if (p >= y->len)
			continue;
		if (is_boundary(y, p) || keyword_at(y, p, sep))
			return 0;
	}
	return 1;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
save(const char *path, const struct snap *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd == -1 || write_all(fd, s->text, s->len) == -1)
		return -1;
	return close(fd);
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct snap a, b;
	const struct snap *cur;
	int pa[16] = { 0 }, pb[16] = { 0 };
	int64_t t = 1795790000, ms = 3000, end;
	char sep = ',', e[128];
	unsigned long rewrites = 0;
	int ch, fd, found = 0;

	while ((ch = getopt(argc, argv, "3m:t:")) != -1) {
		switch (ch) {
		case '3':
			sep = '\t';
			break;
		case 'm':
			if (parse_i64z(optarg, 1, 3600000, &ms, e, sizeof(e)) ==
			    -1)
				return EX_USAGE;
			break;
		case 't':
			if (parse_i64z(optarg, 1000, 9999999999, &t, e,
			    sizeof(e)) == -1)
				return EX_USAGE;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: statuswriter [-3] [-m MS] [-t TIME] "
		    "FILE A_OUT B_OUT\n");
		return EX_USAGE;
	}
	build(&a, sep, 'A', 3, t, t - 100, pa);
	for (int try = 0; try < 100000 && !found; try++) {
		for (int i = 0; i < 16; i++)
			pb[i] = (int)(rnd() % 40);
		build(&b, sep, 'B', 6, t + 30, t - 100, pb);
		found = apart(&a, &b, sep) && apart(&b, &a, sep);
	}
	if (!found) {
		fprintf(stderr, "statuswriter: no padding keeps the line "
		    "boundaries apart\n");
		return 1;
	}
	if (save(argv[optind + 1], &a) == -1 ||
	    save(argv[optind + 2], &b) == -1) {
		fprintf(stderr, "statuswriter: cannot write the snapshots\n");
		return 1;
	}
	fd = open(argv[optind], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		fprintf(stderr, "statuswriter: open %s: %s\n", argv[optind],
		    strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	end = now_ms() + ms;
	for (cur = &a; !stop && now_ms() < end; cur = cur == &a ? &b : &a) {
		if (lseek(fd, 0, SEEK_SET) == -1)
			return 1;
		for (size_t i = 0; i < cur->nlines; i++) {
			if (write_all(fd, cur->text + cur->off[i],
			    cur->off[i + 1] - cur->off[i]) == -1) {
				fprintf(stderr, "statuswriter: write: %s\n",
				    strerror(errno));
				return 1;
			}
			if (rnd() % 4 == 0)
				sleep_us(200 + (long)(rnd() % 1300));
		}
		if (ftruncate(fd, (off_t)cur->len) == -1)
			return 1;
		rewrites++;
		sleep_us(1000 + (long)(rnd() % 5000));
	}
	close(fd);
	printf("rewrites=%lu\n", rewrites);
	return 0;
}
