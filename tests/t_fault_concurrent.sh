#!/bin/bash
# Two `ovpnlog flush` and one `ovpnlog watch` at the same time over a
# backlog, while hooks keep adding events, on every backend.  The spool
# lock lets one of them work at a time: a flush that finds it taken says
# so and exits 0, the watcher waits for it and carries on.  Every event
# is applied exactly once (tests/lib/invariants.sh) — and no process
# ever finds an event another one applied (that would mean two of them
# worked on the same files at once) — and the watcher keeps draining
# what the hooks add after the flushes are gone.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/invariants.sh"

ENV_C=$FIXTURES/env/udp-v2.client-connect.client1.env
ENV_D=$FIXTURES/env/udp-v2.client-disconnect.client1.env
fx() { sed -n "s/^$1=//p" "$ENV_D"; }
TU=$(fx time_unix) DUR=$(fx time_duration) BIN=$(fx bytes_received) BOUT=$(fx bytes_sent)
PAIRS=${FAULT_CONC_PAIRS:-40}	# connect+disconnect pairs per hook loop
ROUNDS=3			# times two flushes start together

plan() {
	case $1 in
	sqlite) echo 6000 ;;
	postgresql) echo 4000 ;;
	mysql) echo 2500 ;;
	esac
}

# hooks L: PAIRS sessions cc-L-I, connect then disconnect, each hook run
# as OpenVPN does it; "cn type rc stderr-bytes" per hook in $T/hooks.L.
hooks() {
	local l=$1 i t envf rc
	local -a ev
	: >"$T/hooks.$l"
	for i in $(seq 1 "$PAIRS"); do
		for t in connect disconnect; do
			[ $t = connect ] && envf=$ENV_C || envf=$ENV_D
			mapfile -t ev < <(grep -v '^#' "$envf" | grep -v '^common_name=')
			env -i "${ev[@]}" "common_name=cc-$l-$i" "$SPOOLBIN" -s "$SP" \
				-n main -r udp -o 1194 2>"$T/hook.$l.err"
			rc=$?
			echo "cc-$l-$i $t $rc $(wc -c <"$T/hook.$l.err")" >>"$T/hooks.$l"
		done
	done
}

# wait_drained B INI N SECS: until the ledger holds N events.
wait_drained() {
	local end=$(( $(date +%s) + $4 )) n
	while :; do
		n=$(backend_sql "$1" "$2" "SELECT COUNT(*) FROM applied_event" 2>/dev/null)
		[ "${n:-0}" -ge "$3" ] && return 0
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

watch_pid=
stop_watch() { [ -n "$watch_pid" ] && kill -KILL "$watch_pid" 2>/dev/null; return 0; }
at_exit stop_watch

for b in $TEST_BACKENDS; do
	t0=$(date +%s)
	nev=$(plan "$b")
	flush_env "$b" "cc_$b" || { fail "$b: set up"; continue; }
	printf '\n[flush]\nbatch_size = 100\nwatch_latency = 50ms\nretry_min = 50ms\nretry_max = 200ms\nrescan_interval = 1s\n' >>"$INI"
	inv_init
	mkev -n "$nev" -s 61 -t $(( $(date +%s) - 2 * nev - 1000 )) "$SP"
	inv_record "$SP/new"
	diag "$b: backlog of $nev events, 2 hook loops of $PAIRS sessions, $ROUNDS rounds of two flushes"

	hooks 1 & h1=$!
	hooks 2 & h2=$!
	# Round 1: a flush holds the lock (it committed a batch) when the
	# second flush and the watcher start; later rounds: the watcher
	# holds it when the two flushes start.
	# The first flush is stopped (SIGSTOP) after its first commit until
	# both have met its lock, so that it cannot finish first on a fast
	# machine.
	"$OVPNLOG" -c "$INI" flush >"$T/f1.a" 2>&1 & fa=$!
	wait_drained "$b" "$INI" 1 30
	kill -STOP "$fa"
	"$OVPNLOG" -c "$INI" flush >"$T/f1.b" 2>&1 & fb=$!
	"$OVPNLOG" -c "$INI" watch 2>"$T/watch.log" &
	watch_pid=$!
	for _ in $(seq 1 300); do
		grep -q "another flush is running" "$T/f1.b" &&
			grep -q "waiting for it" "$T/watch.log" && break
		sleep 0.1
	done
	kill -CONT "$fa"
	wait "$fa"; ra=$?
	wait "$fb"; rb=$?
	frc="$ra $rb"
	for _ in $(seq 1 100); do
		grep -q "got the lock" "$T/watch.log" && break
		sleep 0.1
	done
	for r in $(seq 2 "$ROUNDS"); do
		sleep 0.3
		"$OVPNLOG" -c "$INI" flush >"$T/f$r.a" 2>&1 & fa=$!
		"$OVPNLOG" -c "$INI" flush >"$T/f$r.b" 2>&1 & fb=$!
		wait "$fa"; ra=$?
		wait "$fb"; rb=$?
		frc="$frc $ra $rb"
	done
	wait "$h1" "$h2"
	is "$b: all $((2 * ROUNDS)) flushes exit 0" "$frc" "0 0$(printf ' 0 0%.0s' $(seq 2 "$ROUNDS"))"
	is "$b: all but the first found the lock taken and left at once" \
		"$(grep -l 'another flush is running' "$T"/f*.[ab] | wc -l)" $((2 * ROUNDS - 1))
	check "$b: the watcher waited for the first flush" \
		grep -q "waiting for it" "$T/watch.log"
	check "$b: ... and took the lock" grep -q "got the lock" "$T/watch.log"

	nh=0 hbad=0
	for l in 1 2; do
		while read -r cn t rc eb; do
			if [ "$rc" = 0 ] && [ "$eb" = 0 ]; then
				nh=$((nh + 1))
				if [ "$t" = connect ]; then inv_unnamed connect "$cn" "$TU"
				else inv_unnamed disconnect "$cn" "$TU" "$DUR" "$BIN" "$BOUT"; fi
			else
				hbad=$((hbad + 1))
			fi
		done <"$T/hooks.$l"
	done
	is "$b: every hook spooled its event" "$nh|$hbad" "$((4 * PAIRS))|0"
	check "$b: the watcher drains the backlog and the hooks' events" \
		wait_drained "$b" "$INI" $((nev + nh)) 60

	# The flushes are gone: what a hook adds now is the watcher's.
	mapfile -t ev < <(grep -v '^#' "$ENV_C" | grep -v '^common_name=')
	env -i "${ev[@]}" common_name=cc-late "$SPOOLBIN" -s "$SP" -n main -r udp -o 1194
	inv_unnamed connect cc-late "$TU"
	check "$b: the watcher applies a later event on its own, within 5 s" \
		wait_drained "$b" "$INI" $((nev + nh + 1)) 5
	kill -TERM "$watch_pid"
	wait "$watch_pid"
	is "$b: the watcher stops on SIGTERM with exit 0" "$?" 0
	watch_pid=

	# Nobody worked on files another one was working on: no process
	# found an event already in the ledger, and what they say they
	# applied adds up to the ledger.
	cat "$T"/f*.[ab] "$T/watch.log" >"$T/all.log"
	applied=$(sed -n 's/.*applied \([0-9]*\) events (\([0-9]*\) more.*/\1 \2/p' "$T/all.log" |
		awk '{ a += $1; m += $2 } END { print a + 0 "|" m + 0 }')
	is "$b: the processes applied $((nev + nh + 1)) events between them, none twice" \
		"$applied" "$((nev + nh + 1))|0"
	grep -v -e 'applied [0-9]* events' -e 'another flush' -e 'waiting for it' \
		-e 'got the lock' -e 'watching ' -e 'stopped (' -e 'retrying in ' \
		-e 'SIGTERM received' \
		"$T/all.log" >"$T/other.log"
	if [ -s "$T/other.log" ]; then
		fail "$b: no process reported a problem"
		head -5 "$T/other.log" | sed 's/^/#   /'
	else
		ok "$b: no process reported a problem"
	fi

	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: a final flush exits 0" "$?" 0
	inv_check "$b: 2 flushes + watch + hooks" "$b" "$INI" "$SP"
	rm -f "$T"/f*.[ab]
	diag "$b: $(( $(date +%s) - t0 ))s"
done
done_testing
