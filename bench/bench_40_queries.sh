#!/bin/bash
# bench_40_queries — `ovpnlog who` and `ovpnlog usage` on a database of
# 1,000,000 sessions (one year of a busy server: 5,000 common names, a
# /16 VPN pool, sessions of 1 min to 8 h, 1,000 still open), on SQLite and
# PostgreSQL.  The database is bulk-loaded from a generated CSV (sqlite3
# .import, psql \copy), not through the hook: this measures the queries.
#
# Figures: median wall time of the whole command (process start, config,
# connect, query, output) over several runs (hyperfine when installed).
# Targets: who < 50 ms, usage over a month < 2 s.
#
#   BENCH_SESSIONS   rows (default 1000000)
#   BENCH_BACKENDS   default "sqlite postgresql"
#   BENCH_RUNS       runs per figure (default 15)
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BUILD:=$TOP/build/rel}"
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
N=${BENCH_SESSIONS:-1000000}
RUNS=${BENCH_RUNS:-15}
BACKENDS=${BENCH_BACKENDS:-sqlite postgresql}
END=1795780800			# 2026-11-27T12:00:00Z, the newest connect
YEAR=$((365 * 86400))

COLS="instance_id,connect_time,src_ip,src_port,cn,vpn_ip4,vpn_ip6,disconnect_time,duration,bytes_in,bytes_out,username,end_reason,origin,disconnect_src_ip,disconnect_src_port"

# One CSV for both backends; empty fields are NULL.  Deterministic (awk's
# srand with a fixed seed), so that every run measures the same data.
gen_csv() {
	awk -v n="$N" -v end="$END" -v year="$YEAR" 'BEGIN {
		srand(42);
		for (i = 1; i <= n; i++) {
			c = end - int(rand() * year);
			d = 60 + int(rand() * 28800);
			v = int(rand() * 65000) + 2;
			cn = sprintf("user%04d", int(rand() * 5000));
			src = sprintf("198.%d.%d.%d", 18 + int(rand() * 2),
			    int(rand() * 256), 1 + int(rand() * 254));
			if (i > n - 1000) {	# the newest sessions, still open
				c = end - int(rand() * 3600);
				printf "1,%d,%s,%d,%s,10.8.%d.%d,fd00:8::%x,,,,,%s,,connect,,\n",
				    c, src, 1024 + i % 60000, cn, int(v / 256),
				    v % 256, v, cn;
				continue;
			}
			# The flusher stores the real address at disconnect too.
			printf "%d,%d,%s,%d,%s,10.8.%d.%d,fd00:8::%x,%d,%d,%d,%d,%s,disconnect,connect,%s,%d\n",
			    1 + i % 2, c, src, 1024 + i % 60000, cn,
			    int(v / 256), v % 256, v, c + d, d,
			    int(rand() * 5e8), int(rand() * 5e9), cn, src,
			    1024 + i % 60000;
		}
	}' >"$T/sessions.csv"
}

# The session indexes, dropped for the bulk load and built again from the
# schema file afterwards (much faster than maintaining them row by row).
drop_indexes() {
	local b=$1 ini=$2 i
	for i in $(sed -n 's/^CREATE INDEX IF NOT EXISTS \(session_[a-z0-9_]*\) .*/\1/p' "$TOP/schema/sqlite.sql"); do
		backend_sql "$b" "$ini" "DROP INDEX IF EXISTS $i" >/dev/null
	done
}
create_indexes() {
	local b=$1 ini=$2 f=sqlite.sql
	[ "$b" = postgresql ] && f=pgsql.sql
	backend_sql "$b" "$ini" "$(grep '^CREATE INDEX' "$TOP/schema/$f")" >/dev/null
}

load_sqlite() {
	local db
	db=$(_ini_get "$1" path)
	sqlite3 -batch "$db" >/dev/null <<-EOF
	PRAGMA journal_mode=WAL;
	INSERT INTO instance (id, name, port, protocol) VALUES
	    (1, 'vpn', 1194, 'udp4'), (2, 'vpn-tcp', 443, 'tcp4');
	CREATE TEMP TABLE csv (instance_id, connect_time, src_ip, src_port,
	    cn, vpn_ip4, vpn_ip6, disconnect_time, duration, bytes_in,
	    bytes_out, username, end_reason, origin, disconnect_src_ip,
	    disconnect_src_port);
	.mode csv
	.import $T/sessions.csv csv
	INSERT INTO session ($COLS) SELECT instance_id, connect_time, src_ip,
	    src_port, cn, vpn_ip4, vpn_ip6, NULLIF(disconnect_time, ''),
	    NULLIF(duration, ''), NULLIF(bytes_in, ''), NULLIF(bytes_out, ''),
	    username, NULLIF(end_reason, ''), origin,
	    NULLIF(disconnect_src_ip, ''), NULLIF(disconnect_src_port, '')
	    FROM csv;
	EOF
}

load_postgresql() {
	local ini=$1
	backend_sql postgresql "$ini" "INSERT INTO instance (id, name, port,
	    protocol) VALUES (1, 'vpn', 1194, 'udp4'), (2, 'vpn-tcp', 443, 'tcp4')" >/dev/null
	backend_sql postgresql "$ini" "\\copy session ($COLS) FROM '$T/sessions.csv' WITH (FORMAT csv)" >/dev/null
}

# median_ms CMD...: the median wall time of CMD in milliseconds.
median_ms() {
	if command -v hyperfine >/dev/null; then
		hyperfine -N -i --warmup 2 --runs "$RUNS" --export-json "$T/h.json" \
			"$(printf '%q ' "$@")" >/dev/null 2>&1
		python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$T/h.json"
	else
		local i s e
		for i in $(seq "$RUNS"); do
			s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
			echo $(((e - s) / 1000))
		done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f\n", a[int((NR + 1) / 2)] / 1000 }'
	fi
}

s=$(date +%s%N)
gen_csv
echo "generated $N sessions in $(( ($(date +%s%N) - s) / 1000000 )) ms"
for B in $BACKENDS; do
	ini="$T/bench-$B.ini"
	backend_ini "$B" "bench_q_$B" "$T/spool" >"$ini" || { echo "$B: no database"; continue; }
	"$BUILD/ovpnlog" -c "$ini" init-db >/dev/null || { echo "$B: init-db failed"; continue; }
	s=$(date +%s%N)
	case $B in
	sqlite|postgresql)
		drop_indexes "$B" "$ini"
		"load_$B" "$ini"
		create_indexes "$B" "$ini" 2>/dev/null
		backend_sql "$B" "$ini" "ANALYZE session" >/dev/null ;;
	*) echo "$B: no bulk loader"; continue ;;
	esac
	echo "$B: loaded $(backend_sql "$B" "$ini" 'SELECT COUNT(*) FROM session') sessions in $(( ($(date +%s%N) - s) / 1000000 )) ms"

	# A VPN address and a moment inside one of its sessions, mid-year.
	IFS='|' read -r ip at src <<<"$(backend_sql "$B" "$ini" \
		"SELECT vpn_ip4, connect_time + 30, src_ip FROM session WHERE id = $((N / 2))")"
	ip=${ip%/32} src=${src%/32}
	out=$("$BUILD/ovpnlog" -c "$ini" who "$ip" --at "@$at" --format csv | tail -n +2 | wc -l)
	who_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" who "$ip" --at "@$at")
	src_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" who "$src" --at "@$at")
	miss_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" who 10.9.9.9 --at "@$at")
	usage_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" usage --since "@$((END - 30 * 86400))" --until "@$END")
	usage_u_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" usage --by instance --since "@$((END - 30 * 86400))" --until "@$END")
	sess_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" sessions --limit 100)
	# Process start, config, connect (and authenticate), one indexed
	# lookup that finds nothing: what every command pays before its query.
	base_ms=$(median_ms "$BUILD/ovpnlog" -c "$ini" sessions --cn no-such-cn)
	printf '%s: who VPN address (%s rows)    %8s ms  (target < 50 ms)\n' "$B" "$out" "$who_ms"
	printf '%s: who real address             %8s ms\n' "$B" "$src_ms"
	printf '%s: who, no match                %8s ms\n' "$B" "$miss_ms"
	printf '%s: usage --by cn, one month     %8s ms  (target < 2000 ms)\n' "$B" "$usage_ms"
	printf '%s: usage --by instance, month   %8s ms\n' "$B" "$usage_u_ms"
	printf '%s: sessions --limit 100         %8s ms\n' "$B" "$sess_ms"
	printf '%s: baseline (connect, no rows)  %8s ms\n' "$B" "$base_ms"
	python3 -c 'import sys; w, u = float(sys.argv[1]), float(sys.argv[2]); print("%s: who at %.2fx of its target, month usage at %.2fx of its target" % (sys.argv[3], w / 50, u / 2000))' "$who_ms" "$usage_ms" "$B"
done
