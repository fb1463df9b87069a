#!/bin/bash
# kill -9 of the flusher at random moments over a backlog, on every
# backend: start `ovpnlog flush`, let it run a random few milliseconds
# (during start-up, a transaction, a commit, the unlinks after a commit),
# SIGKILL it, again and again; then one normal flush.  Nothing is lost,
# nothing is applied twice (tests/lib/invariants.sh).  SQLite: 20,000
# events and 200 kills (the numbers); the server backends take
# fewer of both to keep the suite bounded (printed).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/invariants.sh"

# Per backend: events and kills.  The kill falls uniformly in 1..W ms
# after the start; W adapts (x1.15 or /1.15 after each kill) so that a
# run applies a bit less than its share of what is left, whatever the
# machine: the kills spread over the whole backlog instead of all landing
# in the start-up (~20 ms under ASan, plus the listing of new/) or the
# backlog draining after a few of them.
plan() {
	case $1 in
	sqlite) echo "${FAULT_KILL_EVENTS:-20000} ${FAULT_KILLS:-200}" ;;
	postgresql) echo "10000 50" ;;
	mysql) echo "6000 40" ;;
	esac
}
ledger_count() { backend_sql "$1" "$2" "SELECT COUNT(*) FROM applied_event"; }

for b in $TEST_BACKENDS; do
	read -r nev nkill < <(plan "$b")
	flush_env "$b" "fk_$b" || { fail "$b: set up"; continue; }
	inv_init
	mkev -n "$nev" -s 31 "$SP"
	inv_record "$SP/new"
	start=$(date +%s)
	kills=0 early=0 overlap=0 w=40 wsum=0 left=$nev refills=0 total=$nev
	RANDOM=$((31 + ${#b}))
	: >"$T/fk.log"
	while [ "$kills" -lt "$nkill" ] && [ "$left" -gt 0 ]; do
		# Aim below the even share of what is left: a run consumes
		# whole batches, and what is left at the end goes to the final
		# flush.  Batches of share/2..2*share (5..200): many commits, so
		# kills land between a COMMIT and its unlinks too, and a run
		# never has to take much more than its share.
		share=$(( left / 2 / (nkill - kills) ))
		[ "$share" -lt 1 ] && share=1
		lo=$(( share / 2 < 5 ? 5 : share / 2 ))
		hi=$(( 2 * share > 200 ? 200 : (2 * share < lo ? lo : 2 * share) ))
		"$OVPNLOG" -c "$INI" flush -b $((lo + RANDOM % (hi - lo + 1))) \
			>>"$T/fk.log" 2>&1 &
		pid=$!
		ms=$((1 + RANDOM % w))
		wsum=$((wsum + ms))
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
		if kill -KILL "$pid" 2>/dev/null; then
			kills=$((kills + 1))
		else
			early=$((early + 1))	# it finished (or failed) first
		fi
		wait "$pid" 2>/dev/null
		was=$left
		left=$(nfiles "$SP/new")
		# Killed after COMMIT, before the last unlink of its batch:
		# files still in new/ are already in the ledger.
		[ $(( $(ledger_count "$b" "$INI") + left )) -gt "$total" ] &&
			overlap=$((overlap + 1))
		w=$(adapt_window "$w" $((was - left)) "$share" 2000)
		# Nearly drained with kills to go (one slow-to-kill run took
		# the rest): more events, in their own time range and names,
		# so that every kill still lands on a backlog.
		if [ "$left" -lt 300 ] && [ "$kills" -lt "$nkill" ]; then
			refills=$((refills + 1))
			mkdir -p "$T/refill$refills/new"
			mkev -n $((nev / 10)) -s $((31 + refills)) -P "r$refills" \
				-t $((1795783710 + 100000 * refills)) "$T/refill$refills"
			inv_record "$T/refill$refills/new"
			total=$((total + nev / 10))
			find "$T/refill$refills/new" -type f -exec mv -t "$SP/new" {} +
			left=$(nfiles "$SP/new")
		fi
	done
	diag "$b: $nev events, $kills kills (mean delay $((wsum / (kills + early))) ms, $early runs ended before their kill), $left events left, $refills refills of $((nev / 10)), $(( $(date +%s) - start ))s"
	diag "$b: $overlap kills landed after a COMMIT and before its files were all unlinked"
	# SQLite's unlinks and new/ fsync after each COMMIT take a good part
	# of a batch's time (a third to a half of 200 kills land there).
	[ "$b" = sqlite ] && check "$b: some kills landed between a COMMIT and its last unlink" \
		test "$overlap" -gt 0
	# The last runs have little left to drain and may finish before
	# their kill, faster the faster a flush is: nine in ten must land.
	check "$b: $kills of $nkill kills (at least nine in ten) landed while the backlog was not drained" \
		test "$((kills * 10))" -ge "$((nkill * 9))"
	grep -v -e ': applied [0-9]* events' "$T/fk.log" >"$T/fk.other"
	if [ -s "$T/fk.other" ]; then
		fail "$b: the runs that were not killed reported only what they applied"
		head -5 "$T/fk.other" | sed 's/^/#   /'
	else
		ok "$b: the runs that were not killed reported only what they applied"
	fi

	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: the final flush exits 0" "$?" 0
	inv_check "$b: after $kills kills" "$b" "$INI" "$SP"
done
done_testing
