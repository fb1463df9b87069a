#!/bin/bash
# kill -9 of the flusher at 50 random moments of a 5,000-event flush
# (in a transaction, between COMMIT and the unlinks, while unlinking),
# then a normal flush: every event is in the ledger exactly once, nothing
# is left in the spool, and the sessions are exactly those of one
# uninterrupted flush of the same events.  On every backend.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
KILLS=${KILLS:-50}

rows_noid() {
	backend_sql "$1" "$2" "SELECT i.name, i.port, i.protocol,
		$(echo $SESSION_COLS | sed 's/\([a-z_0-9][a-z_0-9]*\)/s.\1/g')
		FROM session s JOIN instance i ON i.id = s.instance_id
		ORDER BY s.connect_time, s.cn, s.src_port"
}

for b in $TEST_BACKENDS; do
	# The reference: the same events, one flush.
	flush_env "$b" "kref_$b" || { fail "$b: set up"; continue; }
	REFINI=$INI
	mkev -n 5000 -U 9 -s 41 -l "$T/list_$b" "$SP"
	sort -o "$T/list_$b" "$T/list_$b"
	flush_env "$b" "kill_$b"
	cp -a "$T/kref_$b/spool/new/." "$SP/new/"
	start=$(date +%s%N)
	"$OVPNLOG" -c "$REFINI" flush -b 50 >/dev/null 2>&1
	is "$b: reference flush exits 0" "$?" 0
	dur=$(( ($(date +%s%N) - start) / 1000000 ))
	rows_noid "$b" "$REFINI" >"$T/ref_$b"
	diag "$b: an uninterrupted flush of 5000 events takes $dur ms"

	# The kill falls uniformly in 1..W ms after the start; W adapts
	# (x1.15 or /1.15 after each kill) so that each killed run applies
	# about half the even share of what is left, whatever the speed of
	# this machine: the kills spread over the whole flush and the spool is
	# not drained before the last one.
	left="" w=$(( dur * 2 / KILLS + 40 )) n=5000 drained=0
	RANDOM=$((41 + ${#b}))
	for ((i = 0; i < KILLS; i++)); do
		share=$(( n / 2 / (KILLS - i) ))
		"$OVPNLOG" -c "$INI" flush -b 50 >/dev/null 2>&1 & pid=$!
		ms=$(( 1 + RANDOM % w ))
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		was=$n
		n=$(nfiles "$SP/new")
		[ "$n" = 0 ] && drained=$((drained + 1))
		left="$left $n"
		w=$(adapt_window "$w" $((was - n)) "$share" 3000)
	done
	diag "$b: files left after each kill:$left"
	"$OVPNLOG" -c "$INI" flush -b 50 >"$T/out" 2>&1
	is "$b: the flush after $KILLS kills exits 0" "$?" 0
	is "$b: new/ is empty" "$(nfiles "$SP/new")" 0
	is "$b: nothing quarantined" "$(ls -A "$SP/failed")" ""
	backend_sql "$b" "$INI" "SELECT event_id FROM applied_event ORDER BY event_id" >"$T/ledger_$b"
	if cmp -s "$T/ledger_$b" "$T/list_$b"; then
		ok "$b: the ledger holds exactly the 5000 generated event ids, once each"
	else
		fail "$b: the ledger holds exactly the 5000 generated event ids, once each"
		diff "$T/list_$b" "$T/ledger_$b" | head -5 | sed 's/^/# /'
	fi
	rows_noid "$b" "$INI" >"$T/got_$b"
	if cmp -s "$T/got_$b" "$T/ref_$b"; then
		ok "$b: every session equals the uninterrupted flush's ($(wc -l <"$T/ref_$b") rows)"
	else
		fail "$b: every session equals the uninterrupted flush's"
		diff "$T/ref_$b" "$T/got_$b" | head -5 | sed 's/^/# /'
	fi
	distinct=$(tr ' ' '\n' <<<"$left" | grep . | sort -u | wc -l)
	check "$b: the kills hit $distinct different points of the flush" \
		test "$distinct" -ge $((KILLS / 5))
done
done_testing
