#!/bin/bash
# Exactly once in effect, on every backend: a spool flushed twice (its
# copy replayed after the original) leaves the database identical; two
# flushers started together apply everything once, the second says
# another flush is running and exits 0; a held lock makes flush exit 0
# at once without touching the spool.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"

for b in $TEST_BACKENDS; do
	flush_env "$b" "rp_$b" || { fail "$b: set up"; continue; }
	mkev -n 1500 -U 7 -s 11 "$SP"
	cp -a "$SP" "$T/rp_$b/copy"
	"$OVPNLOG" -c "$INI" flush -b 200 >"$T/out" 2>&1
	is "$b: first flush exits 0" "$?" 0
	dump_rows "$b" "$INI" >"$T/dump1"
	is "$b: 1500 events in the ledger" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 1500

	# The copy: same names, same contents.
	sed "s|^dir = .*|dir = $T/rp_$b/copy|" "$INI" >"$T/copy.ini"
	"$OVPNLOG" -c "$T/copy.ini" flush -b 200 >"$T/out" 2>&1
	is "$b: replaying the copy exits 0" "$?" 0
	check "$b: ... and reports every event as applied before" \
		grep -q "applied 0 events (1500 more were applied before)" "$T/out"
	is "$b: ... and empties the copy's new/" "$(nfiles "$T/rp_$b/copy/new")" 0
	dump_rows "$b" "$INI" >"$T/dump2"
	if cmp -s "$T/dump1" "$T/dump2"; then
		ok "$b: the database is identical after the replay"
	else
		fail "$b: the database is identical after the replay"
		diff "$T/dump1" "$T/dump2" | head -5 | sed 's/^/# /'
	fi
	is "$b: every session closed" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*), COUNT(disconnect_time) FROM session")" \
		"$(grep -c '\.connect$' "$T/dump1")|$(grep -c '\.connect$' "$T/dump1")"

	# A batch writes a session whose connect and disconnect it holds
	# as one closed row: the same rows as one event per transaction.
	flush_env "$b" "one_$b"
	mkev -n 1500 -U 7 -s 11 "$SP"
	"$OVPNLOG" -c "$INI" flush -b 1 >/dev/null 2>&1
	is "$b: the same events one per transaction: exit 0" "$?" 0
	if cmp -s <(dump_rows "$b" "$INI" | cut -d'|' -f2- | sort) \
	    <(cut -d'|' -f2- "$T/dump1" | sort); then
		ok "$b: ... give the same rows as batches with whole sessions"
	else
		fail "$b: ... give the same rows as batches with whole sessions"
		diff <(dump_rows "$b" "$INI" | cut -d'|' -f2- | sort) \
			<(cut -d'|' -f2- "$T/dump1" | sort) | head -5 | sed 's/^/# /'
	fi

	# Two flushers at once.
	flush_env "$b" "two_$b"
	mkev -n 4000 -s 12 "$SP"
	# The first holds the lock, stopped, while the second starts: on a
	# fast machine it could otherwise finish before the second begins.
	"$OVPNLOG" -c "$INI" flush -b 100 >"$T/a.out" 2>&1 & pa=$!
	wait_lock_held "$SP" 30 || diag "$b: the first flush never held the lock"
	kill -STOP $pa
	"$OVPNLOG" -c "$INI" flush -b 100 >"$T/b.out" 2>&1 & pb=$!
	wait $pb; rb=$?
	kill -CONT $pa
	wait $pa; ra=$?
	is "$b: two flushers together both exit 0" "$ra $rb" "0 0"
	is "$b: exactly one says another flush is running" \
		"$(cat "$T/a.out" "$T/b.out" | grep -c 'another flush is running')" 1
	check "$b: the other applied all 4000 events" \
		grep -hq "applied 4000 events (0 more were applied before)" "$T/a.out" "$T/b.out"
	is "$b: ledger has each event once" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM applied_event")" \
		"4000|4000"

	# A held lock: exit 0 at once, spool untouched.
	mkev -n 10 -s 13 -t 1795900000 "$SP"
	flock "$SP/.lock" sleep 2 & pl=$!
	wait_lock_held "$SP" 10 || diag "$b: flock never held the lock"
	start=$(date +%s%N)
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	is "$b: flush while the lock is held exits 0" "$rc" 0
	check "$b: ... says another flush is running" grep -q "another flush is running" "$T/out"
	check "$b: ... returns at once (${ms} ms)" test "$ms" -lt 1500
	is "$b: ... leaves the files" "$(nfiles "$SP/new")" 10
	wait $pl
	"$OVPNLOG" -c "$INI" flush >/dev/null 2>&1
	is "$b: after the lock is gone the files apply" "$(nfiles "$SP/new")" 0
done
done_testing
