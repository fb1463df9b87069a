#!/bin/bash
# bench_50_watch_latency — `ovpnlog watch` (default settings: watch_latency
# 200 ms, batch_size 500), the database up: the time from the real hook's
# exit to the removal of its file from new/, which the flusher does only
# after the COMMIT that applied it (an upper bound of "hook exit to
# committed row"), at 1, 100 and 500 events per second, on every backend
# in $TEST_BACKENDS.  Measured by tests/aid/wlat (it starts the hooks at
# the given rate and matches files to hooks by the pid in their name).
# BENCH_SECONDS (default 60 at 1/s, 10 at 500/s) shortens or lengthens it.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

SLOW_N=${BENCH_SECONDS:-60}
FAST_N=$(( ${BENCH_SECONDS:-10} * 500 ))
Q=/proc/sys/fs/inotify/max_queued_events
ORIG_Q=$(cat "$Q")
restore_q() { [ "$(cat "$Q")" = "$ORIG_Q" ] || echo "$ORIG_Q" >"$Q" 2>/dev/null; true; }
at_exit restore_q

echo "hook exit -> row committed (file removed from new/), ms; hook: fsync=full;" \
	"$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) before"
printf '%-11s %7s %6s %9s %8s %8s %8s %6s %6s\n' backend rate/s events median p90 p99 max lost achieved
for B in $TEST_BACKENDS; do
	if ! wt_setup "$B" "bl$B" >/dev/null 2>&1; then
		echo "$B: cannot set up the database"; continue
	fi
	WT_GLOBAL=-v	# logs each pass's duration
	if ! wt_start; then echo "$B: watch did not start"; continue; fi
	for spec in "1 $SLOW_N" "100 $((FAST_N / 5))" "500 $FAST_N"; do
		set -- $spec
		rate=$1 n=$2
		# The measuring side must not lose inotify events itself (this
		# machine's queue may be tiny); the watcher keeps what it had.
		echo 16384 >"$Q" 2>/dev/null
		line=$("$BUILD/tests/wlat" -s "$WT_SPOOL" -n "$n" -r "$rate" \
			-e "$WT_FIX_CONNECT" -c "b$rate" -t 60 \
			"$SPOOLBIN" -s "$WT_SPOOL")
		restore_q
		get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
		printf '%-11s %7s %6s %9s %8s %8s %8s %6s %6s\n' "$B" "$rate" "$n" \
			"$(get median_ms)" "$(get p90_ms)" "$(get p99_ms)" \
			"$(get max_ms)" "$(get lost)" "$(get achieved_rate)"
		[ "$(get quarantined)" = 0 ] || echo "  ($(get quarantined) quarantined!)"
		[ "$(get hook_failed)" = 0 ] || echo "  ($(get hook_failed) hooks failed!)"
	done
	wt_stop TERM
	passes=$(sed -n 's/.*stopped (\([0-9]*\) passes, \([0-9]*\) inotify.*/\1 passes, \2 overflows/p' "$WT_LOG")
	ptimes=$(sed -n 's/^ovpnlog: pass [0-9]*: \([0-9]*\) ms$/\1/p' "$WT_LOG" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "median %d ms, p90 %d ms, max %d ms", v[int((NR+1)/2)], v[int(NR*0.9)+(NR*0.9>int(NR*0.9))], v[NR] }')
	echo "  $B watcher: $passes for $((SLOW_N + FAST_N + FAST_N / 5)) events; pass time $ptimes;" \
		"load average now $(cut -d' ' -f1 /proc/loadavg)"
done
