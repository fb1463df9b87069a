#!/bin/bash
# bench_30_server_backends — issue 4's figures: drain a backlog of spooled
# events (connect + disconnect pairs, tests/aid/mkevents) into PostgreSQL
# and into MariaDB with `ovpnlog flush`: events/s and peak RSS.  Next to it,
# in the same run and on the same servers, the limit: the very rows that
# flush produced (sessions + ledger), loaded by the server's own bulk path
# in one transaction (PostgreSQL COPY, MariaDB LOAD DATA INFILE), as
# events/s; and the raw bulk rate of synthetic session rows.  To show
# where the time goes: the spool's files alone (read, then removed the
# way the flusher removes them, on the same disk) against the limit's
# time, and the same flush with the spool on tmpfs.  Prints figures and
# ratios; never passes or fails.
#
#   BENCH_EVENTS   events to spool and flush (default 100000)
#   BENCH_ROWS     synthetic session rows for the raw bulk rate (100000)
#   BENCH_RUNS     runs of each bulk load, the median is printed (3)
#   BENCH_FLUSH_RUNS  runs of each flush, the median is printed (3)
#   BENCH_BACKENDS    default "postgresql mysql"
#   BENCH_TMPFS    a tmpfs directory for the second flush (/dev/shm)
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/servers.sh"
servers_start || { echo "could not start the database servers"; exit 1; }
at_exit servers_stop

N=${BENCH_EVENTS:-100000}
ROWS=${BENCH_ROWS:-100000}
RUNS=${BENCH_RUNS:-3}
FRUNS=${BENCH_FLUSH_RUNS:-3}
MKEVENTS="$BUILD/tests/mkevents"
[ -x "$MKEVENTS" ] || { echo "no $MKEVENTS (make test-bins)"; exit 1; }
[ -x "$OVPNLOG" ] || { echo "no $OVPNLOG"; exit 1; }

# Columns the flush fills; the limit loads exactly these.
SCOLS="instance_id, connect_time, src_ip, src_port, cn, vpn_ip4, vpn_ip6, \
disconnect_time, duration, bytes_in, bytes_out, username, client_version, \
client_platform, client_platform_version, client_gui_version, cert_serial, \
cert_sha256, daemon_pid, daemon_start_time, last_update, end_reason, \
origin, disconnect_src_ip, disconnect_src_port"
SYNCOLS="instance_id, connect_time, src_ip, src_port, cn, vpn_ip4, \
disconnect_time, duration, bytes_in, bytes_out, end_reason, origin"

now_ns() { date +%s%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rate() { awk -v n="$1" -v ns="$2" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e9 }'; }

# Synthetic distinct, complete sessions (tab-separated, \N = NULL).
synthetic() {
	awk -v n="$ROWS" 'BEGIN {
		OFS = "\t"
		for (i = 0; i < n; i++) {
			t = 1795783710 + i
			print 1, t, "198.51." int(i / 250) % 256 "." i % 250 + 1,
			    1024 + i % 60000, "client-" i,
			    "10.8." int(i / 250) % 256 "." i % 250 + 2,
			    t + 3600, 3600, i * 1000, i * 2000,
			    "disconnect", "connect"
		}
	}' >"$1"
}

pg_admin() { "$OVPNLOG_TEST_SERVERS/pg-admin" "$@"; }
my_admin() { "$OVPNLOG_TEST_SERVERS/mysql-admin" "$@"; }

# bulk_load B DB SESSIONS_FILE COLS [LEDGER_FILE]: one transaction.
bulk_load() {
	local b=$1 db=$2 sf=$3 cols=$4 lf=${5:-}
	case $b in
	postgresql)
		local args=(-1 -d "$db" -c "\\copy session ($cols) FROM '$sf'")
		[ -n "$lf" ] && args+=(-c "\\copy applied_event (event_id, applied_at) FROM '$lf'")
		pg_admin "${args[@]}" >/dev/null
		;;
	mysql)
		{
			echo "SET autocommit = 0;"
			echo "LOAD DATA INFILE '$sf' INTO TABLE session ($cols);"
			[ -n "$lf" ] && echo "LOAD DATA INFILE '$lf' INTO TABLE applied_event (event_id, applied_at);"
			echo "COMMIT;"
		} | my_admin -D "$db"
		;;
	esac
}

# Files the server process (not only root) can read.
filedir() {
	case $1 in
	postgresql) echo "$OVPNLOG_TEST_SERVERS/pg" ;;
	mysql) echo "$OVPNLOG_TEST_SERVERS/my" ;;
	esac
}

echo "events: $N ($((N / 2)) sessions, connect + disconnect), spool fsync none;" \
	"bulk loads: median of $RUNS; $(nproc) CPUs, load average $(cut -d' ' -f1 /proc/loadavg)"

# drain B BASE: spool N events under BASE, flush them into a new
# database; sets fns (median ns), frss (median peak RSS, KiB).
drain() {
	local b=$1 base=$2 run t0 t1 rc sp=$2/sp-$1
	local ns=() rss=()
	for ((run = 1; run <= FRUNS; run++)); do
		rm -rf "$sp"
		mkspool "$sp"
		"$MKEVENTS" -n "$N" -s 1 "$sp" || { echo "$b: mkevents failed"; return 1; }
		backend_ini "$b" "bench_$b" "$sp" >"$T/$b.ini" || { echo "$b: no database"; return 1; }
		"$OVPNLOG" -c "$T/$b.ini" init-db >/dev/null || { echo "$b: init-db failed"; return 1; }
		sync
		t0=$(now_ns)
		/usr/bin/time -f '%M' -o "$T/rss" "$OVPNLOG" -c "$T/$b.ini" flush \
			>"$T/flush.out" 2>&1
		rc=$?
		t1=$(now_ns)
		if [ "$rc" -ne 0 ]; then
			echo "$b: flush exited $rc:"; sed 's/^/  /' "$T/flush.out" | tail -5
			return 1
		fi
		ns+=($((t1 - t0)))
		rss+=("$(tail -n1 "$T/rss")")
	done
	left=$(find "$sp/new" -type f | wc -l)
	rm -rf "$sp"
	fns=$(printf '%s\n' "${ns[@]}" | median)
	frss=$(printf '%s\n' "${rss[@]}" | median)
}

# The files alone: the same N files read in order and removed with the
# flusher's unlinker threads, on the disk the spool is on.
files_ns() {
	local sp="$T/sp-files"
	rm -rf "$sp"
	mkspool "$sp"
	"$MKEVENTS" -n "$N" -s 1 "$sp" >/dev/null || return 1
	sync
	"$BUILD/tests/readunlink" "$sp/new" 8 |
		awk '{ printf "%.0f", $2 * 1e9 }'
	rm -rf "$sp"
}

TMPFS=${BENCH_TMPFS:-/dev/shm}
for b in ${BENCH_BACKENDS:-postgresql mysql}; do
	fdir=$(filedir "$b")
	# On tmpfs first: the database path without the disk's file costs.
	tfrate=
	if [ -d "$TMPFS" ] && [ -w "$TMPFS" ]; then
		tdir=$(mktemp -d "$TMPFS/ovpnlog-bench.XXXXXX")
		drain "$b" "$tdir" && tfrate=$(rate "$N" "$fns")
		rm -rf "$tdir"
	fi
	drain "$b" "$T" || continue
	nsess=$(backend_sql "$b" "$T/$b.ini" "SELECT count(*) FROM session")
	nled=$(backend_sql "$b" "$T/$b.ini" "SELECT count(*) FROM applied_event")
	frate=$(rate "$N" "$fns")
	printf '%s: flush %d events in %s s: %s events/s, peak RSS %d KiB (%s sessions, %s ledger rows, %s files left)\n' \
		"$b" "$N" "$(secs "$fns")" "$frate" "$frss" "$nsess" "$nled" "$left"

	# The limit: the same rows, dumped from the flushed database.
	sf="$fdir/bench-$b-sessions.tsv" lf="$fdir/bench-$b-ledger.tsv"
	rm -f "$sf" "$lf"
	case $b in
	postgresql)
		pg_admin -d "bench_$b" -c "\\copy (SELECT $SCOLS FROM session ORDER BY id) TO '$sf'" \
			-c "\\copy (SELECT event_id, applied_at FROM applied_event ORDER BY event_id) TO '$lf'" >/dev/null
		;;
	mysql)
		my_admin -D "bench_$b" -e "SELECT $SCOLS FROM session ORDER BY id INTO OUTFILE '$sf';
			SELECT event_id, applied_at FROM applied_event ORDER BY event_id INTO OUTFILE '$lf'"
		;;
	esac
	lim=()
	for ((run = 1; run <= RUNS; run++)); do
		backend_ini "$b" "bench_${b}_limit" "$T/none" >"$T/lim.ini" &&
			"$OVPNLOG" -c "$T/lim.ini" init-db >/dev/null || { echo "$b: limit database failed"; continue 2; }
		t0=$(now_ns)
		bulk_load "$b" "bench_${b}_limit" "$sf" "$SCOLS" "$lf" || { echo "$b: bulk load failed"; continue 2; }
		t1=$(now_ns)
		lim+=($((t1 - t0)))
	done
	lns=$(printf '%s\n' "${lim[@]}" | median)
	lrate=$(rate "$N" "$lns")
	printf '%s: limit, the same %s session + %s ledger rows by %s in one transaction: %s s = %s events/s\n' \
		"$b" "$nsess" "$nled" "$([ "$b" = postgresql ] && echo COPY || echo 'LOAD DATA INFILE')" \
		"$(secs "$lns")" "$lrate"
	printf '%s: flush / limit = %s (issue 4 target: at least 0.5)\n' "$b" \
		"$(awk -v a="$frate" -v b="$lrate" 'BEGIN { printf "%.3f", a / b }')"
	# Where the rest goes: the spool's files, and the database path.
	if ffns=$(files_ns) && [ -n "$ffns" ]; then
		printf '%s: the files alone (read in order, removed by 8 threads, same disk): %s s = %s files/s = %.2f x the limit'"'"'s time\n' \
			"$b" "$(secs "$ffns")" "$(rate "$N" "$ffns")" \
			"$(awk -v f="$ffns" -v l="$lns" 'BEGIN { print f / l }')"
	fi
	[ -n "$tfrate" ] &&
		printf '%s: flush with the spool on tmpfs (%s): %s events/s = %s of the limit\n' \
			"$b" "$TMPFS" "$tfrate" \
			"$(awk -v a="$tfrate" -v b="$lrate" 'BEGIN { printf "%.3f", a / b }')"

	# Raw bulk rate of synthetic sessions.
	syn="$fdir/bench-$b-synthetic.tsv"
	synthetic "$syn"
	[ "$b" = mysql ] && chown mysql: "$syn"
	raw=()
	for ((run = 1; run <= RUNS; run++)); do
		backend_ini "$b" "bench_${b}_raw" "$T/none" >"$T/raw.ini" &&
			"$OVPNLOG" -c "$T/raw.ini" init-db >/dev/null || { echo "$b: raw database failed"; continue 2; }
		t0=$(now_ns)
		bulk_load "$b" "bench_${b}_raw" "$syn" "$SYNCOLS" || { echo "$b: raw bulk load failed"; continue 2; }
		t1=$(now_ns)
		raw+=($((t1 - t0)))
	done
	rns=$(printf '%s\n' "${raw[@]}" | median)
	printf '%s: %s of %d synthetic session rows (7 indexes) in one transaction: %s s = %s rows/s\n' \
		"$b" "$([ "$b" = postgresql ] && echo COPY || echo 'LOAD DATA INFILE')" "$ROWS" \
		"$(secs "$rns")" "$(rate "$ROWS" "$rns")"
	rm -f "$sf" "$lf" "$syn"
done
