#!/bin/bash
# `ovpnlog watch` on every backend: events already in the spool at start
# are applied by the initial scan, an event spooled by the real hook is in
# the database within a (generous) bound after the hook exits, close
# events share transactions, and SIGTERM/SIGINT end it with 0 and nothing
# left behind.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

BOUND_MS=5000

for B in $TEST_BACKENDS; do
	wt_setup "$B" "wb$B" 'rescan_interval = 1h' ||
		{ fail "$B: set up the database"; continue; }

	# Two events before the watcher starts: the initial scan takes them.
	wt_hook early-1 && wt_hook early-2
	check "$B: watch starts" wt_start
	check "$B: events spooled before the start are applied" wt_wait_rows 2 5

	# One event: time from the hook's exit to the row.
	wt_hook quick-1
	t0=$(date +%s%N)
	wt_wait_rows 3 $((BOUND_MS / 1000))
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	diag "$B: hook exit to committed row: ${ms} ms"
	check "$B: an event is in the database within ${BOUND_MS} ms of the hook's exit" \
		[ "$(wt_rows "cn = 'quick-1'")" = 1 -a "$ms" -lt "$BOUND_MS" ]
	check "$B: its file left new/" wt_new_drains

	# A burst: 50 events written within a few ms go in few transactions.
	before=$(grep -c 'applied ' "$WT_LOG")
	"$BUILD/tests/evgen" -n 50 -c burst "$WT_SPOOL" "$(wt_template)"
	check "$B: a burst of 50 events is applied" wt_wait_rows 53 10
	sleep 0.5	# the pass logs after its commit
	passes=$(( $(grep -c 'applied ' "$WT_LOG") - before ))
	diag "$B: the burst took $passes passes"
	check "$B: a burst shares transactions (at most 10 passes for 50 events)" \
		[ "$passes" -le 10 ]
	is "$B: nothing quarantined" "$(wt_failed)" 0

	# The watcher holds the spool lock: a concurrent flush leaves it alone.
	out=$("$OVPNLOG" -c "$WT_INI" flush 2>&1); rc=$?
	is "$B: a concurrent ovpnlog flush exits 0" "$rc" 0
	check "$B: ... and says another flush holds the spool" \
		grep -q 'another flush' <<<"$out"

	# The stats file records the last pass.
	last=$(sed -n 's/^last_flush=//p' "$WT_SPOOL/.stats")
	age=$(( $(date +%s) - ${last:-0} ))
	check "$B: the watcher records its last successful pass ($age s ago)" \
		[ "$age" -ge 0 -a "$age" -le 60 ]

	wt_stop TERM
	is "$B: SIGTERM: exit 0" "$WT_RC" 0
	check "$B: SIGTERM: logged" grep -q 'SIGTERM received' "$WT_LOG"

	check "$B: watch starts again" wt_start
	wt_hook after-restart
	check "$B: an event after a restart is applied" wt_wait_rows 54 5
	wt_stop INT
	is "$B: SIGINT: exit 0" "$WT_RC" 0
	is "$B: every event stored once" \
		"$(backend_sql "$B" "$WT_INI" 'SELECT count(*), count(DISTINCT cn) FROM session')" \
		"54|54"
	check "$B: no error in the watcher's log" eval "! grep -q 'error' '$WT_LOG'"
done

# new/ replaced under a running watcher (e.g. the spool recreated): it
# would keep reading the old directory, so it exits 74 and systemd starts
# it again on the new one; no file is touched.
wt_setup sqlite wbgone || fail "set up"
check "new/ replaced: watch starts" wt_start
wt_hook gone-1
check "new/ replaced: an event is applied first" wt_wait_rows 1 5
mv "$WT_SPOOL/new" "$WT_SPOOL/new.old"
mkdir "$WT_SPOOL/new"
wt_hook gone-2
for i in $(seq 1 50); do kill -0 "$WT_PID" 2>/dev/null || break; sleep 0.1; done
wait "$WT_PID"; rc=$?
is "new/ replaced: the watcher exits 74" "$rc" 74
check "new/ replaced: and says why" grep -q 'new was removed or replaced' "$WT_LOG"
is "new/ replaced: the event in the new directory is kept" "$(wt_new)" 1
check "new/ replaced: started again, it applies it" wt_start
check "new/ replaced: ... the event is in the database" wt_wait_rows 2 5
wt_stop TERM
is "new/ replaced: SIGTERM: exit 0" "$WT_RC" 0

# Usage and config errors.
"$OVPNLOG" -c "$WT_INI" watch --bogus >/dev/null 2>&1
is "watch --bogus: exit 64" "$?" 64
printf '[spool]\ndir = %s\n[database]\nbackend = sqlite\nnosuchkey = 1\n' "$T" >"$T/bad.ini"
"$OVPNLOG" -c "$T/bad.ini" watch >/dev/null 2>&1
is "watch with a bad config: exit 78 (systemd does not restart it)" "$?" 78
printf '[spool]\ndir = %s/nospool\n[database]\nbackend = sqlite\npath = %s/x.sqlite\n' "$T" "$T" >"$T/nospool.ini"
"$OVPNLOG" -c "$T/nospool.ini" watch >/dev/null 2>&1
is "watch with a missing spool: exit 78" "$?" 78

done_testing
