#!/bin/bash
# bench_25_status — issue 5: one status snapshot of 10,000 clients
# (status-version 2, OpenVPN 2.6 layout) applied by `ovpnlog flush` to a
# database holding their 10,000 open sessions, on every backend (SQLite,
# and the PostgreSQL and MariaDB servers bench/run.sh starts).  Each run
# spools a newer snapshot (ovpnlog-spool --status, not timed) and times
# the whole flush: process start, reading and parsing the event, the
# candidate SELECT, one UPDATE per client, the absent-session pass, the
# commit.  Every run updates all 10,000 sessions (checked).  Medians of
# BENCH_RUNS (5) runs.  Target: < 0.5 s on SQLite.
set -u
: "${TOP:?}" "${BUILD:?}"
NC=${BENCH_STATUS_CLIENTS:-10000}
RUNS=${BENCH_RUNS:-5}
BACKENDS=${BENCH_BACKENDS:-sqlite postgresql mysql}
W=$(mktemp -d "${TMPDIR:-/tmp}/ovpnlog-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
T=$W
. "$TOP/tests/lib/backend.sh"

BASE=1795700000
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }

# The sessions, as the connects of NC clients left them (multi-row
# INSERTs every backend takes, 500 rows a file: one argument each).
awk -v n="$NC" -v base="$BASE" 'BEGIN {
	print "INSERT INTO instance (name, port, protocol) VALUES ('"'"'main'"'"', 1194, '"'"'udp'"'"');"
	for (i = 0; i < n; i++) {
		if (i % 500 == 0)
			printf "INSERT INTO session (instance_id, connect_time, src_ip, src_port, cn, vpn_ip4, last_update, origin) VALUES\n"
		ct = base - 3600 + int(i / 10)
		printf "(1, %d, '"'"'10.%d.%d.%d'"'"', %d, '"'"'client-%05d'"'"', '"'"'100.64.%d.%d'"'"', %d, '"'"'connect'"'"')%s\n", \
			ct, int(i / 65536), int(i / 256) % 256, i % 256, 1024 + i % 60000, i, \
			int(i / 256) % 256, i % 256, ct, (i % 500 == 499 || i == n - 1) ? ";" : ","
	}
}' | awk -v d="$W" '{ f = d "/sessions." int((NR - 2) / 501) ".sql"; if (NR == 1) f = d "/sessions.i.sql"; print >f }'

# status_file FILE TIME RUN: all NC clients, bytes growing with RUN.
status_file() {
	awk -v n="$NC" -v base="$BASE" -v t="$2" -v r="$3" 'BEGIN {
		print "TITLE,OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]"
		print "TIME,2026-11-26 12:00:00," t
		print "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher"
		for (i = 0; i < n; i++) {
			ct = base - 3600 + int(i / 10)
			printf "CLIENT_LIST,client-%05d,10.%d.%d.%d:%d,100.64.%d.%d,,%d,%d,2026-11-26 11:00:00,%d,UNDEF,%d,%d,AES-256-GCM\n", \
				i, int(i / 65536), int(i / 256) % 256, i % 256, 1024 + i % 60000, \
				int(i / 256) % 256, i % 256, 100000 * r + i, 200000 * r + i, ct, i, i
		}
		print "HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)"
		for (i = 0; i < n; i++)
			printf "ROUTING_TABLE,100.64.%d.%d,client-%05d,10.%d.%d.%d:%d,2026-11-26 11:59:59,%d\n", \
				int(i / 256) % 256, i % 256, i, int(i / 65536), int(i / 256) % 256, i % 256, 1024 + i % 60000, t - 1
		print "GLOBAL_STATS,Max bcast/mcast queue length,0"
		print "GLOBAL_STATS,dco_enabled,0"
		print "END"
	}' >"$1"
}

printf 'clients:   %d listed, %d open sessions; status file %s bytes; median of %d runs\n' \
	"$NC" "$NC" "$(status_file "$W/probe" $BASE 0; wc -c <"$W/probe")" "$RUNS"
for b in $BACKENDS; do
	SP="$W/spool-$b"
	rm -rf "$SP"; mkdir -p "$SP/new" "$SP/tmp" "$SP/failed"
	INI="$W/$b.ini"
	if ! backend_ini "$b" "bench_status" "$SP" >"$INI" 2>"$W/err"; then
		printf '%-11s unavailable: %s\n' "$b:" "$(head -1 "$W/err")"
		continue
	fi
	chmod 600 "$INI"
	ok=1
	"$BUILD/ovpnlog" -c "$INI" init-db >/dev/null 2>&1 || ok=0
	for f in "$W/sessions.i.sql" $(ls "$W"/sessions.[0-9]*.sql | sort -t. -k2 -n); do
		[ $ok = 1 ] && { backend_sql "$b" "$INI" "$(cat "$f")" >/dev/null || ok=0; }
	done
	[ $ok = 1 ] || { printf '%-11s could not create the sessions\n' "$b:"; continue; }
	: >"$W/t"
	bad=0
	for ((r = 1; r <= RUNS; r++)); do
		TS=$((BASE + 60 * r))
		status_file "$W/status" "$TS" "$r"
		"$BUILD/ovpnlog-spool" -q --strict -s "$SP" -n main -r udp -o 1194 \
			--fsync=none --status "$W/status" || exit 1
		sync
		t0=$(now)
		"$BUILD/ovpnlog" -c "$INI" flush 2>"$W/flush.log" || { cat "$W/flush.log"; exit 1; }
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$W/t"
		got=$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE
			last_update = $TS AND bytes_in >= $((100000 * r)) AND disconnect_time IS NULL")
		[ "$got" = "$NC" ] || bad=1
	done
	t=$(median <"$W/t")
	printf '%-11s %.3f s per snapshot (%.0f clients/s)%s%s\n' "$b:" "$t" \
		"$(awk -v n="$NC" -v t="$t" 'BEGIN { print n / t }')" \
		"$([ "$b" = sqlite ] && echo "  (target < 0.5 s)")" \
		"$([ $bad = 1 ] && echo "  WRONG: not every session was updated")"
done
