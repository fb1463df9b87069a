#!/bin/bash
# bench_20_flush_sqlite — issue 3: drain a backlog of 100,000 spooled
# events (50,000 connect + disconnect pairs from tests/aid/mkevents) into
# SQLite with `ovpnlog flush`: events/s and peak RSS.  In the same run,
# the two limits of that work: reading and unlinking the same files alone
# (tests/aid/readunlink: readdir, sort, open, read, close, then unlink
# with 8 threads as the flusher's unlinker does) and
# bulk-inserting the rows the flush produced (sessions and ledger) in one
# transaction with the sqlite3 shell.  Prints the flush rate as a fraction
# of the combined limit 1 / (1/file rate + 1/insert rate), where the
# insert rate counts events (the rows of 100,000 events per second).
# Medians of BENCH_RUNS (3) runs.  Targets: >= 0.7 of the limit, <= 32 MiB.
set -u
: "${TOP:?}" "${BUILD:?}"
N=${BENCH_FLUSH_EVENTS:-100000}
RUNS=${BENCH_RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/ovpnlog-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

mkdir -p "$W/gen/new" "$W/gen/tmp" "$W/gen/failed"
"$BUILD/tests/mkevents" -n "$N" -s 1 "$W/gen" || exit 1
printf '[spool]\ndir = %s/spool\n[database]\nbackend = sqlite\npath = %s/db.sqlite\n' \
	"$W" "$W" >"$W/o.ini"

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }

: >"$W/flush.t"; : >"$W/rss"; : >"$W/file.t"; : >"$W/ins.t"
for ((r = 1; r <= RUNS; r++)); do
	rm -rf "$W/spool" "$W"/db.sqlite*
	cp -a "$W/gen" "$W/spool"
	"$BUILD/ovpnlog" -c "$W/o.ini" init-db >/dev/null || exit 1
	sync
	t0=$(now)
	/usr/bin/time -f %M -o "$W/rss.1" "$BUILD/ovpnlog" -c "$W/o.ini" flush \
		2>"$W/flush.log" || { cat "$W/flush.log"; exit 1; }
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$W/flush.t"
	cat "$W/rss.1" >>"$W/rss"

	rm -rf "$W/ru"
	cp -a "$W/gen/new" "$W/ru"
	sync
	"$BUILD/tests/readunlink" "$W/ru" 8 | awk '{ print $2 }' >>"$W/file.t"

	if [ "$r" = 1 ]; then
		nsess=$(sqlite3 "$W/db.sqlite" "SELECT COUNT(*) FROM session")
		nledg=$(sqlite3 "$W/db.sqlite" "SELECT COUNT(*) FROM applied_event")
		{
			echo "BEGIN;"
			sqlite3 "$W/db.sqlite" ".mode insert instance" "SELECT * FROM instance"
			sqlite3 "$W/db.sqlite" ".mode insert session" "SELECT * FROM session"
			sqlite3 "$W/db.sqlite" ".mode insert applied_event" "SELECT * FROM applied_event"
			echo "COMMIT;"
		} >"$W/rows.sql"
	fi
	rm -f "$W"/bulk.sqlite*
	sqlite3 "$W/bulk.sqlite" ".read $TOP/schema/sqlite.sql" \
		"PRAGMA journal_mode=WAL" >/dev/null
	sync
	t0=$(now)
	sqlite3 -cmd "PRAGMA synchronous=FULL" "$W/bulk.sqlite" <"$W/rows.sql" || exit 1
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }' >>"$W/ins.t"
done

ft=$(median <"$W/flush.t")
rss=$(median <"$W/rss")
fi_t=$(median <"$W/file.t")
in_t=$(median <"$W/ins.t")
flush_rate=$(rate "$N" "$ft")
file_rate=$(rate "$N" "$fi_t")
ins_rows=$(rate "$((nsess + nledg))" "$in_t")
ins_ev=$(rate "$N" "$in_t")
limit=$(awk -v f="$file_rate" -v i="$ins_ev" 'BEGIN { printf "%.0f", 1 / (1 / f + 1 / i) }')
frac=$(awk -v a="$flush_rate" -v l="$limit" 'BEGIN { printf "%.2f", a / l }')
mib=$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')

printf 'events:              %d in SPOOL/new (%d sessions), median of %d runs\n' "$N" "$nsess" "$RUNS"
printf 'ovpnlog flush:       %d events/s (%.2f s), peak RSS %s MiB\n' "$flush_rate" "$ft" "$mib"
printf 'read+unlink alone:   %d files/s (8 unlink threads) (%.2f s)\n' "$file_rate" "$fi_t"
printf 'sqlite3 bulk insert: %d rows/s (%d session + %d ledger rows in %.2f s) = %d events/s\n' \
	"$ins_rows" "$nsess" "$nledg" "$in_t" "$ins_ev"
printf 'combined limit:      %d events/s = 1 / (1/%d + 1/%d)\n' "$limit" "$file_rate" "$ins_ev"
printf 'flush / limit:       %s (target >= 0.70)\n' "$frac"
printf 'peak RSS:            %s MiB (target <= 32 MiB)\n' "$mib"
