/*
 * mkevents [-n N] [-c CONCURRENT] [-s SEED] [-t START] [-U K] [-p POISON]
 *          [-i NAME:PROTO:PORT] [-P PREFIX] [-l LIST] SPOOL
 * — writes N valid event files straight into SPOOL/new/ (event writer +
 * spoolname_make, no fsync): connect/disconnect pairs of simulated
 * clients with the fields OpenVPN gives, far faster than running the hook
 * once per event.  For the flush tests and benchmarks.
 *
 * At most CONCURRENT sessions (default 100) are open at a time; each step
 * connects a new client or disconnects a random open one, so a
 * disconnect usually follows its connect within a few hundred events.
 * Every session closes before the end (N odd: the last connect stays
 * open).  Simulated time starts at START (default 1795783710) and spool
 * names follow it, so name order is event order.  The same SEED gives
 * the same files (names, contents), whatever the host.  -U K: every K-th
 * session also gets a db-update event while open (counted in N).
 * -P PREFIX: common names PREFIX-NUMBER (default "client").
 * -p POISON: also write POISON bad files, in turn truncated, bad
 * checksum, bad name, and without common_name (not counted in N).
 * -l LIST: write the names of the N valid events to LIST, one a line.
 *
 * Exit: 0; 1 with "mkevents: reason" on a write error; 64 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "event.h"
#include "numparse.h"
#include "spoolname.h"

struct sess {
	int64_t		 id;
	int64_t		 connect_time;
	unsigned	 port;
	char		 ip[48];
	int		 updated;
};

struct gen {
	int		 newd;
	uint64_t	 rng;
	int64_t		 now_sec;	/* simulated clock */
	long		 now_nsec;
	const char	*prefix;
	const char	*inst_name, *inst_proto, *inst_port;
	FILE		*list;
	uint32_t	 counter;
	char		 buf[EVENT_MAX_SIZE];
};

static uint64_t
rnd(struct gen *g)
{
	/* xorshift64*: the same sequence on every host. */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

static void
die(const char *what, const char *a)
{
	fprintf(stderr, "mkevents: %s%s%s\n", what, a ? " " : "", a ? a : "");
	exit(1);
}

static void
tick(struct gen *g)
{
	g->now_nsec += 1000 + (long)(rnd(g) % 2000000000);
	if (g->now_nsec > 999999999) {
		g->now_sec += g->now_nsec / 1000000000;
		g->now_nsec %= 1000000000;
	}
}

static void
put(struct gen *g, struct event_writer *w, const char *k, const char *v)
{
	char err[256];

	if (event_put(w, k, v, strlen(v), err, sizeof(err)) == -1)
		die(err, NULL);
}

static void
putn(struct gen *g, struct event_writer *w, const char *k, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lld", (long long)v);
	put(g, w, k, b);
}

static void
write_file(struct gen *g, const char *name, const char *data, size_t len)
{
	int fd = openat(g->newd, name, O_WRONLY | O_CREAT | O_EXCL |
	    O_CLOEXEC, 0640);
	size_t off = 0;

	if (fd == -1)
		die("cannot create", name);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("cannot write", name);
		}
		off += (size_t)n;
	}
	if (close(fd) == -1)
		die("cannot close", name);
}

enum poison { P_NONE = -1, P_TRUNC, P_CRC, P_NAME, P_NOCN, P_COUNT };

static void
emit(struct gen *g, enum event_type t, const struct sess *s, enum poison p)
{
	struct event_writer w;
	char name[SPOOLNAME_MAX + 8], v[128], err[256];
	const char *script = t == EV_CONNECT ? "client-connect" :
	    t == EV_DISCONNECT ? "client-disconnect" : "db-update";
	int64_t dur = g->now_sec - s->connect_time;
	long len;

	tick(g);
	event_writer_init(&w, g->buf, sizeof(g->buf));
	put(g, &w, "type", event_type_name(t));
	snprintf(v, sizeof(v), "%lld.%09ld", (long long)g->now_sec,
	    g->now_nsec);
	put(g, &w, "spool_time", v);
	put(g, &w, "instance_name", g->inst_name);
	put(g, &w, "instance_proto", g->inst_proto);
	put(g, &w, "instance_port", g->inst_port);
	put(g, &w, "script_type", script);
	putn(g, &w, "time_unix", s->connect_time);
	if (p != P_NOCN) {
		snprintf(v, sizeof(v), "%s-%lld", g->prefix, (long long)s->id);
		put(g, &w, "common_name", v);
	}
	snprintf(v, sizeof(v), "user%lld", (long long)(s->id % 1000));
	put(g, &w, "username", v);
	put(g, &w, s->ip[0] == '2' ? "trusted_ip6" : "trusted_ip", s->ip);
	putn(g, &w, "trusted_port", s->port);
	snprintf(v, sizeof(v), "10.8.%lld.%lld", (long long)(s->id / 250 % 250),
	    (long long)(s->id % 250 + 2));
	put(g, &w, "ifconfig_pool_remote_ip", v);
	snprintf(v, sizeof(v), "fd00:8::%llx", (long long)(s->id + 0x1000));
	put(g, &w, "ifconfig_pool_remote_ip6", v);
	put(g, &w, "IV_VER", "2.6.14");
	put(g, &w, "IV_PLAT", s->id % 3 ? "linux" : "win");
	put(g, &w, "IV_PLAT_VER", s->id % 3 ? "6.1.0" : "10.0.19045");
	putn(g, &w, "tls_serial_0", 8192 + s->id);
	snprintf(v, sizeof(v), "%02llx:6f:fa:f4:7b:0a:92:e8:d3:a0:98:9e:d6:c2:"
	    "ab:5b:a9:ba:98:eb:ea:79:d6:9b:e5:3c:94:5a:48:09:b4:b1",
	    (long long)(s->id % 256));
	put(g, &w, "tls_digest_sha256_0", v);
	putn(g, &w, "daemon_pid", 31650);
	putn(g, &w, "daemon_start_time", 1795783000);
	if (t == EV_DISCONNECT) {
		putn(g, &w, "time_duration", dur);
		putn(g, &w, "bytes_received", 1000 + (int64_t)(rnd(g) % 100000000));
		putn(g, &w, "bytes_sent", 1000 + (int64_t)(rnd(g) % 100000000));
	} else if (t == EV_UPDATE) {
		putn(g, &w, "time_update", g->now_sec);
		putn(g, &w, "bytes_received", 500 + (int64_t)(rnd(g) % 1000));
		putn(g, &w, "bytes_sent", 500 + (int64_t)(rnd(g) % 1000));
	}
	if ((len = event_finish(&w, err, sizeof(err))) == -1)
		die(err, NULL);
	/* The pid part is fixed: the same seed gives the same names. */
	if (spoolname_make(name, sizeof(name), g->now_sec, g->now_nsec, 4242,
	    g->counter++, t) == -1)
		die("cannot make a spool name", NULL);
	switch (p) {
	case P_TRUNC:
		len -= 20;
		break;
	case P_CRC:
		g->buf[len - 3] = g->buf[len - 3] == '0' ? '1' : '0';
		break;
	case P_NAME:
		memcpy(name + strlen(name), ".x", 3);
		break;
	default:
		break;
	}
	write_file(g, name, g->buf, (size_t)len);
	if (p == P_NONE && g->list != NULL)
		fprintf(g->list, "%s\n", name);
}

static void
new_session(struct gen *g, struct sess *s, int64_t id)
{
	s->id = id;
	s->connect_time = g->now_sec;
	s->port = 1024 + (unsigned)(rnd(g) % 64000);
	s->updated = 0;
	if (id % 10 == 9)
		snprintf(s->ip, sizeof(s->ip), "2001:db8::%llx",
		    (long long)(rnd(g) % 65536));
	else
		snprintf(s->ip, sizeof(s->ip), "198.51.%u.%u",
		    (unsigned)(rnd(g) % 256), (unsigned)(1 + rnd(g) % 254));
}

static int64_t
num(const char *s, int64_t min, int64_t max, const char *what)
{
	char err[128];
	int64_t v;

	if (parse_i64z(s, min, max, &v, err, sizeof(err)) == -1) {
		fprintf(stderr, "mkevents: %s: %s\n", what, err);
		exit(EX_USAGE);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct gen g;
	struct sess *open_s;
	int64_t n = 1000, conc = 100, upd = 0, poison = 0, made = 0, id = 0;
	size_t nopen = 0;
	char *inst = NULL;
	const char *listpath = NULL;
	int ch;

	memset(&g, 0, sizeof(g));
	g.rng = 0x9e3779b97f4a7c15ULL;
	g.now_sec = 1795783710;
	g.prefix = "client";
	while ((ch = getopt(argc, argv, "n:c:s:t:U:p:i:P:l:")) != -1) {
		switch (ch) {
		case 'n': n = num(optarg, 0, 100000000, "-n"); break;
		case 'c': conc = num(optarg, 1, 1000000, "-c"); break;
		case 's': g.rng ^= (uint64_t)num(optarg, 0, INT64_MAX, "-s") *
		    0xbf58476d1ce4e5b9ULL; if (g.rng == 0) g.rng = 1; break;
		case 't': g.now_sec = num(optarg, 0, 9000000000LL, "-t"); break;
		case 'U': upd = num(optarg, 0, 1000000, "-U"); break;
		case 'p': poison = num(optarg, 0, 1000000, "-p"); break;
		case 'i': inst = optarg; break;
		case 'P': g.prefix = optarg; break;
		case 'l': listpath = optarg; break;
		default:
			fprintf(stderr, "usage: mkevents [-n N] [-c CONCURRENT] "
			    "[-s SEED] [-t START] [-U K] [-p POISON] "
			    "[-i NAME:PROTO:PORT] [-P PREFIX] [-l LIST] SPOOL\n");
			return EX_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "mkevents: one SPOOL directory expected\n");
		return EX_USAGE;
	}
	g.inst_name = "main";
	g.inst_proto = "udp";
	g.inst_port = "1194";
	if (inst != NULL) {
		char *a = strchr(inst, ':'), *b = a ? strchr(a + 1, ':') : NULL;
		if (b == NULL) {
			fprintf(stderr, "mkevents: -i NAME:PROTO:PORT\n");
			return EX_USAGE;
		}
		*a = *b = '\0';
		g.inst_name = inst;
		g.inst_proto = a + 1;
		g.inst_port = b + 1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/new", argv[optind]);
	if ((g.newd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		die("cannot open", path);
	if (listpath != NULL && (g.list = fopen(listpath, "w")) == NULL)
		die("cannot write", listpath);
	if ((open_s = calloc((size_t)conc, sizeof(*open_s))) == NULL)
		die("out of memory", NULL);

	while (made < n) {
		int64_t left = n - made;
		/* Connect while there is room and enough events remain to
		 * close every open session (and its pending update). */
		int can_connect = nopen < (size_t)conc &&
		    left > (int64_t)nopen + 1;
		int do_connect = nopen == 0 ? 1 : can_connect &&
		    rnd(&g) % 2 == 0;
		if (do_connect || (left == 1 && nopen == 0)) {
			new_session(&g, &open_s[nopen], ++id);
			emit(&g, EV_CONNECT, &open_s[nopen], P_NONE);
			nopen++;
			made++;
			continue;
		}
		size_t k = (size_t)(rnd(&g) % nopen);
		struct sess *s = &open_s[k];
		if (upd > 0 && s->id % upd == 0 && !s->updated &&
		    left > (int64_t)nopen) {
			emit(&g, EV_UPDATE, s, P_NONE);
			s->updated = 1;
			made++;
			continue;
		}
		emit(&g, EV_DISCONNECT, s, P_NONE);
		open_s[k] = open_s[--nopen];
		made++;
	}
	for (int64_t i = 0; i < poison; i++) {
		struct sess s;
		new_session(&g, &s, ++id);
		emit(&g, EV_CONNECT, &s, (enum poison)(i % P_COUNT));
	}
	if (g.list != NULL && fclose(g.list) == EOF)
		die("cannot write", listpath);
	free(open_s);
	close(g.newd);
	return 0;
}
