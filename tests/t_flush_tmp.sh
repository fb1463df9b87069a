#!/bin/bash
# Files a killed hook left in tmp/: once older than tmp_grace, a complete
# event is moved into new/ and applied, a partial one is quarantined with
# its reason, a file without an event name too; younger files are left
# alone (a hook may still be writing them).  On every backend.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"

for b in $TEST_BACKENDS; do
	flush_env "$b" "tmp_$b" || { fail "$b: set up"; continue; }
	sed -i '/^dir = /a tmp_grace = 5s' "$INI"
	mkev -n 4 -s 51 "$SP"
	mv "$SP"/new/* "$SP/tmp/"
	set -- $(ls "$SP/tmp")
	complete=$1 partial=$2 young=$3 young2=$4
	truncate -s 100 "$SP/tmp/$partial"
	cp "$SP/tmp/$young" "$SP/tmp/leftover.tmp"
	touch -d '-60 seconds' "$SP/tmp/$complete" "$SP/tmp/$partial" \
		"$SP/tmp/leftover.tmp"
	touch "$SP/tmp/$young" "$SP/tmp/$young2"

	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush exits 65 (a partial file was quarantined)" "$?" 65
	is "$b: the complete old event was recovered and applied" \
		"$(backend_sql "$b" "$INI" "SELECT event_id FROM applied_event")" "$complete"
	check "$b: ... and the recovery is logged" \
		grep -q "recovered .*/tmp/$complete: a complete event left by an interrupted hook" "$T/out"
	check "$b: the partial old event is quarantined as incomplete" \
		grep -q "^reason: incomplete event left in tmp/ by an interrupted hook ([0-9]*s old): bad event file: .*truncated" \
		"$SP/failed/$partial.reason"
	check "$b: ... with where it was" grep -q "^file: tmp/$partial" "$SP/failed/$partial.reason"
	check "$b: an old file without an event name is quarantined" \
		grep -q "not an event file name" "$SP/failed/leftover.tmp.reason"
	is "$b: files younger than tmp_grace stay in tmp/" \
		"$(ls "$SP/tmp" | tr '\n' ' ')" "$young $young2 "

	touch -d '-60 seconds' "$SP/tmp/$young" "$SP/tmp/$young2"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: once old enough they are recovered too (exit 0)" "$?" 0
	is "$b: ... tmp/ is empty" "$(ls -A "$SP/tmp")" ""
	is "$b: ... and three events are applied" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 3
done
done_testing
