#!/bin/bash
# An event the database refuses is isolated, on every backend: its batch
# is replayed one event at a time, that event alone goes to failed/ with
# the database's reason, everything else applies, flush exits 65.  After
# the cause is fixed, `ovpnlog requeue` brings it back and it applies.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"

for b in $TEST_BACKENDS; do
	flush_env "$b" "iso_$b" || { fail "$b: set up"; continue; }
	backend_sql "$b" "$INI" "$(refuse_poison "$b")" >/dev/null ||
		fail "$b: add the refusing rule"
	mkev -n 300 -s 21 "$SP"
	# One poison session (connect + disconnect) in the middle of them.
	mkev -n 2 -s 22 -t 1795783800 -P poison "$SP"
	ls "$SP/new" | grep -c . >/dev/null
	poison=$(grep -l 'common_name=poison-1' "$SP"/new/* | xargs -n1 basename | sort)
	is "$b: two poison events spooled" "$(grep -c . <<<"$poison")" 2

	"$OVPNLOG" -c "$INI" flush -b 50 >"$T/out" 2>&1
	is "$b: flush exits 65 when the database refused an event" "$?" 65
	is "$b: exactly the poison events are in failed/" \
		"$(ls "$SP/failed" | grep -v '\.reason$' | sort)" "$poison"
	for n in $poison; do
		check "$b: $n has a .reason with the database's words" \
			grep -q "rejected by the database: .*$b.*\(poison\|no_poison\)" "$SP/failed/$n.reason"
	done
	check "$b: the log names the isolated batch" \
		grep -q "applying its batch event by event" "$T/out"
	is "$b: every other event applied (150 sessions)" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn NOT LIKE 'poison%'")" 150
	is "$b: no poison row, 300 ledger rows" \
		"$(backend_sql "$b" "$INI" "SELECT (SELECT COUNT(*) FROM session WHERE cn LIKE 'poison%'), COUNT(*) FROM applied_event")" \
		"0|300"
	is "$b: new/ is empty" "$(nfiles "$SP/new")" 0

	# requeue: an unknown name is a usage error, the rest still moves.
	"$OVPNLOG" -c "$INI" requeue nosuchfile >"$T/out" 2>&1
	is "$b: requeue of an unknown name exits 64" "$?" 64
	check "$b: ... and says it is not in failed/" grep -q "no such file in failed/" "$T/out"
	backend_sql "$b" "$INI" "$(allow_poison "$b")" >/dev/null
	"$OVPNLOG" -c "$INI" requeue $poison >"$T/out" 2>&1
	is "$b: requeue NAME... exits 0" "$?" 0
	is "$b: ... moves the files back into new/" \
		"$(ls "$SP/new" | sort)" "$poison"
	is "$b: ... and removes their .reason" "$(ls -A "$SP/failed")" ""
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: the requeued events apply after the fix" "$?" 0
	is "$b: ... as one closed session" \
		"$(backend_sql "$b" "$INI" "SELECT cn, end_reason, origin FROM session WHERE cn LIKE 'poison%'")" \
		"poison-1|disconnect|connect"

	# requeue --all
	mkev -n 2 -s 23 -t 1795999000 -p 4 "$SP"
	"$OVPNLOG" -c "$INI" flush >/dev/null 2>&1
	nf=$(nfiles "$SP/failed")
	"$OVPNLOG" -c "$INI" requeue --all >"$T/out" 2>&1
	is "$b: requeue --all exits 0" "$?" 0
	check "$b: ... moves back every quarantined file with an event name" \
		grep -q "requeued 3 files" "$T/out"
	is "$b: ... leaves the badly named one and its reason" \
		"$(ls "$SP/failed" | sed 's/.*\.//' | sort | tr '\n' ' ')" "reason x "
	[ "$nf" = 4 ] || fail "$b: four poison files were quarantined (got $nf)"
done
done_testing
