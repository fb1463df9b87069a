#!/bin/bash
# `ovpnlog prune` on every backend: the cut-off boundary (a session ending
# exactly at it is kept, one second earlier is removed), open sessions are
# never removed however old, --dry-run changes nothing, old ledger rows
# go too, --older-than is relative to now, and small --batch sizes remove
# everything in several transactions with the right count.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/query_data.sh"

for B in $TEST_BACKENDS; do
	qd_setup "$B" "pr$B" || { fail "$B: set up the database"; continue; }
	now=$(date +%s)
	x=$((now - 7 * 86400))		# the --before cut-off
	qd_session atcut vpn udp4 1194 atcut - 198.51.100.1 1001 10.99.1.1 - \
		$((x - 600)) $x 1 1
	qd_session before vpn udp4 1194 before - 198.51.100.1 1002 10.99.1.2 - \
		$((x - 600)) $((x - 1)) 1 1
	qd_session ten vpn udp4 1194 tendays - 198.51.100.1 1003 10.99.1.3 - \
		$((now - 10 * 86400 - 600)) $((now - 10 * 86400)) 1 1
	qd_session five vpn udp4 1194 fivedays - 198.51.100.1 1004 10.99.1.4 - \
		$((now - 5 * 86400 - 600)) $((now - 5 * 86400)) 1 1
	qd_session open vpn udp4 1194 ancientopen - 198.51.100.1 1005 10.99.1.5 - \
		$((now - 400 * 86400))
	qd_commit
	lbase=$(qd_count applied_event)
	qd_ledger 0000000001.000000001.1.00000001.connect $((now - 10 * 86400))
	qd_ledger 0000000001.000000002.1.00000002.connect $((x - 1))
	qd_ledger 0000000001.000000003.1.00000003.connect $x
	qd_ledger 0000000001.000000004.1.00000004.connect $((now - 60))
	cns() { backend_sql "$B" "$QD_INI" "SELECT cn FROM session ORDER BY cn" | tr '\n' ' '; }

	q prune --before @$x --dry-run
	is "$B prune: --dry-run exits 0" "$RC" 0
	is "$B prune: --dry-run says what it would remove" "$(cat "$T/out")" \
		"would remove 2 sessions and 2 ledger entries that ended before $(TZ=UTC0 date -d @$x +%Y-%m-%dT%H:%M:%S)+00:00"
	is "$B prune: --dry-run removes nothing" \
		"$(cns)|$(qd_count applied_event)" \
		"ancientopen atcut before fivedays tendays |$((lbase + 4))"

	q prune --before @$x --format json
	is "$B prune: json reports the counts" \
		"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print(r["sessions"], r["ledger_entries"], r["dry_run"])' "$T/out")" \
		"2 2 0"
	is "$B prune: the session ending exactly at the cut-off is kept, open ones too" \
		"$(cns)" "ancientopen atcut fivedays "
	is "$B prune: old ledger rows removed, the one at the cut-off kept" \
		"$(backend_sql "$B" "$QD_INI" "SELECT applied_at FROM applied_event WHERE event_id LIKE '0000000001.%' ORDER BY applied_at" | tr '\n' ' ')" \
		"$x $((now - 60)) "

	q prune --older-than 4d
	is "$B prune: --older-than 4d removes what ended 5 and 7 days ago" \
		"$(cns)" "ancientopen "
	check "$B prune: says how many it removed" \
		grep -q '^removed 2 sessions and 1 ledger entry that ended before' "$T/out"
	q prune --older-than 1d --utc
	is "$B prune: nothing more to remove, the ancient open session stays" \
		"$(cns)" "ancientopen "
	check "$B prune: --utc prints the cut-off in UTC" \
		grep -qE 'ended before [0-9-]+T[0-9:]+Z$' "$T/out"

	for i in 1 2 3 4 5 6 7; do
		qd_session "b$i" vpn udp4 1194 "batch$i" - 198.51.100.2 $((2000 + i)) \
			10.99.2.$i - $((now - 90000)) $((now - 86400 - i)) 1 1
	done
	qd_commit
	q prune --older-than 1d --batch 2
	is "$B prune: --batch 2 removes all 7 and says so" "$(head -1 "$T/out")|$(cns)" \
		"removed 7 sessions and 0 ledger entries that ended before $(sed -n 's/.* before //p' "$T/out")|ancientopen "
	q prune --older-than 1d
	check "$B prune: a second run finds nothing" \
		grep -q '^removed 0 sessions' "$T/out"

	q prune --older-than 30
	is "$B prune: a duration without unit exits 64" "$RC" 64
	check "$B prune: ... naming the bad value" grep -q "'30'" "$T/err"
	q prune --older-than 1d --before @$x
	is "$B prune: --older-than and --before together exit 64" "$RC" 64
	q prune
	is "$B prune: no cut-off exits 64" "$RC" 64
	is "$B prune: bad input removed nothing" "$(cns)" "ancientopen "
done
done_testing
