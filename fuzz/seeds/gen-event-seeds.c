/*
 * gen-event-seeds DIR — writes a few valid event files (common/event.h
 * writer) as seeds for fuzz/fuzz_event.c: a connect and a disconnect with
 * the variables of the OpenVPN 2.6.14 fixture, an update, a status
 * snapshot carrying a v3 status file, and values that need escaping;
 * each as NAME.ev and as NAME.body (without its end line).
 * Regenerate after a format change:
 *   cc -Icommon -o /tmp/gen fuzz/seeds/gen-event-seeds.c common/event.c &&
 *   /tmp/gen fuzz/seeds/fuzz_event
 */
#include "event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
put(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

static int
emit(const char *dir, const char *name, const char *const *kv, size_t n)
{
	static char buf[65536];
	struct event_writer w;
	char err[256], path[4096];

	event_writer_init(&w, buf, sizeof(buf));
	for (size_t i = 0; i + 1 < n; i += 2)
		if (event_put(&w, kv[i], kv[i + 1], strlen(kv[i + 1]), err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "%s: %s\n", name, err);
			return -1;
		}
	size_t body = w.len;
	long len = event_finish(&w, err, sizeof(err));
	if (len < 0) {
		fprintf(stderr, "%s: %s\n", name, err);
		return -1;
	}
	/*
	 * NAME.ev is the file; NAME.body lacks the end line (fuzz_event
	 * appends a correct one, which mutations of a whole file break).
	 */
	snprintf(path, sizeof(path), "%s/%s.ev", dir, name);
	if (put(path, buf, (size_t)len) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.body", dir, name);
	return put(path, buf, body);
}

#define EMIT(dir, name, ...) do {					\
	static const char *const kv_[] = { __VA_ARGS__ };		\
	if (emit(dir, name, kv_, sizeof(kv_) / sizeof(kv_[0])) == -1)	\
		return 1;						\
} while (0)

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen-event-seeds DIR\n");
		return 64;
	}
	const char *d = argv[1];

	EMIT(d, "connect", "type", "connect",
	    "script_type", "client-connect", "time_unix", "1795783710",
	    "time_ascii", "2026-11-27 12:48:30", "common_name", "client1",
	    "username", "alice", "trusted_ip", "127.0.0.1",
	    "trusted_port", "43396", "untrusted_ip", "127.0.0.1",
	    "untrusted_port", "43396", "ifconfig_pool_remote_ip", "10.99.0.2",
	    "ifconfig_pool_remote_ip6", "fd99:99::1000", "IV_VER", "2.6.14",
	    "IV_PLAT", "linux", "IV_PLAT_VER", "6.1.0-linux",
	    "tls_serial_0", "8193", "tls_serial_hex_0", "20:01",
	    "tls_digest_sha256_0", "5b:6f:fa:f4:7b:0a:92:e8:d3:a0:98:9e:d6:c2:"
	    "ab:5b:a9:ba:98:eb:ea:79:d6:9b:e5:3c:94:5a:48:09:b4:b1",
	    "session_id", "EOF/47SzcDTz9WHh", "proto_1", "udp4",
	    "local_1", "127.0.0.1", "local_port_1", "1194", "dev", "tun0",
	    "daemon_pid", "31650", "daemon_start_time", "1795783710",
	    "instance", "server", "instance_proto", "udp",
	    "instance_port", "1194", "spool_time", "1795783710.452491047");
	EMIT(d, "disconnect", "type", "disconnect",
	    "script_type", "client-disconnect", "time_unix", "1795783710",
	    "time_duration", "11", "bytes_received", "3292",
	    "bytes_sent", "3186", "common_name", "client1", "username", "",
	    "trusted_ip6", "2001:db8::1", "trusted_port", "51000",
	    "daemon_pid", "31650", "daemon_start_time", "1795783710");
	EMIT(d, "update", "type", "update", "script_type", "db-update",
	    "time_unix", "1795783710", "time_duration", "60",
	    "bytes_received", "18446744073709551615", "bytes_sent", "0",
	    "common_name", "client1");
	EMIT(d, "escapes", "type", "connect",
	    "common_name", "Doe, John = 100% \"quoted\"\ttab\nnewline",
	    "username", "J\xc3\xbcrgen \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x91",
	    "IV_GUI_VER", "bad utf8 \xff\xfe \xc3( \xed\xa0\x80 \xc2\x85 end",
	    "x.unknown_key", "kept", "empty", "");
	EMIT(d, "status", "type", "status", "instance", "server",
	    "status_version", "3", "status_time", "1795783713",
	    "status_text",
	    "TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)]\n"
	    "TIME\t2026-11-27 12:48:33\t1795783713\n"
	    "HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\t"
	    "Virtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\t"
	    "Connected Since (time_t)\tUsername\tClient ID\tPeer ID\t"
	    "Data Channel Cipher\n"
	    "CLIENT_LIST\tclient1\t127.0.0.1:43396\t10.99.0.2\tfd99:99::1000\t"
	    "3035\t2920\t2026-11-27 12:48:30\t1795783710\talice\t0\t0\t"
	    "AES-256-GCM\n"
	    "GLOBAL_STATS\tdco_enabled\t0\nEND\n");
	return 0;
}
