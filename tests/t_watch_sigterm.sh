#!/bin/bash
# SIGTERM in the middle of a batch, on every backend: `ovpnlog watch`
# finishes the transaction in progress and exits 0 long before the
# backlog is done; every event is either in the database (and in the
# ledger) or still in new/, none in both; a restart applies the rest and
# nothing twice.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

N=10000

for B in $TEST_BACKENDS; do
	wt_setup "$B" "ws$B" 'batch_size = 20\nrescan_interval = 1h' ||
		{ fail "$B: set up the database"; continue; }
	"$BUILD/tests/evgen" -n "$N" -c term "$WT_SPOOL" "$(wt_template)" ||
		fail "$B: spool $N events"
	check "$B: watch starts" wt_start
	# Signal as soon as the first transactions are in.
	for i in $(seq 1 500); do
		n=$(wt_rows); [ -n "$n" ] && [ "$n" -gt 0 ] && break
		sleep 0.01
	done
	t0=$(date +%s%N)
	wt_stop TERM
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	is "$B: SIGTERM mid-run: exit 0" "$WT_RC" 0
	diag "$B: exited ${ms} ms after SIGTERM"
	check "$B: SIGTERM mid-run: stopped within 10 s" [ "$ms" -lt 10000 ]
	rows=$(wt_rows); files=$(wt_new)
	ledger=$(backend_sql "$B" "$WT_INI" 'SELECT count(*) FROM applied_event')
	diag "$B: $rows rows applied, $files files kept"
	check "$B: it stopped before the end of the backlog" [ "$rows" -lt "$N" ]
	is "$B: applied + kept = all $N (nothing lost)" "$((rows + files))" "$N"
	is "$B: the ledger has exactly the applied events" "$ledger" "$rows"
	is "$B: nothing quarantined" "$(wt_failed)" 0
	check "$B: no rolled-back batch was logged as an error" \
		eval "! grep -q 'error' '$WT_LOG'"

	check "$B: watch starts again" wt_start
	check "$B: the rest is applied" wt_wait_rows "$N" 300
	wt_stop TERM
	is "$B: second run: exit 0" "$WT_RC" 0
	is "$B: every event once (rows, distinct names)" \
		"$(backend_sql "$B" "$WT_INI" 'SELECT count(*), count(DISTINCT cn) FROM session')" \
		"$N|$N"
	is "$B: ledger: every event once" \
		"$(backend_sql "$B" "$WT_INI" 'SELECT count(*), count(DISTINCT event_id) FROM applied_event')" \
		"$N|$N"
	is "$B: new/ is empty" "$(wt_new)" 0
	check "$B: no event was applied twice (none found in the ledger again)" \
		eval "! grep -q '[1-9][0-9]* more were applied before' '$WT_LOG'"
done

done_testing
