#!/bin/bash
# A batch applied set-oriented (flusher/bulk.h: multi-row INSERTs, one
# lookup, deferred statements) gives what its events give one by one, on
# every backend.  One batch mixes: a connect + disconnect pair, lone
# disconnects (closing by key, floated, without any session, for a
# session a disconnect closed), duplicate-cn sessions in the same second
# (interleaved and as pairs), a replayed connect whose row exists, a
# db-update, lone connects, a connect of a newer server incarnation that
# must close the older sessions written just before it in the same batch,
# an event already in the ledger, and a poison pair the database refuses
# inside a multi-row statement.  Every row and the ledger are checked;
# the same spool flushed one event per transaction (-b 1) and without the
# poison rule gives the same rows.  Then a random backlog with many
# lone events and updates, small batches against -b 1; and the
# time_duration bound (the servers' 32-bit duration column).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
E="$FIXTURES/env"
C1="$E/udp-v2.client-connect.client1.env"
D1="$E/udp-v2.client-disconnect.client1.env"
OLD=1795783710		# the fixtures' daemon_start_time
NEW=1795801590		# a restarted server's

# ev SPOOL C|D|U CN TIME PORT [VAR=value...]: one event through the hook.
ev() {
	local sp=$1 kind=$2 cn=$3 t=$4 port=$5 f=$C1
	shift 5
	case $kind in
	D) f=$D1 ;;
	U) set -- script_type=db-update "$@" ;;
	esac
	hook_fixture "$sp" "$f" "common_name=$cn" "time_unix=$t" "trusted_port=$port" "$@"
}

# The sessions, without ids (a refused multi-row INSERT may use up ids).
COLS="cn, connect_time, src_ip, src_port, vpn_ip4, disconnect_time,
duration, bytes_in, bytes_out, last_update, end_reason, origin,
disconnect_src_ip, disconnect_src_port, daemon_start_time"
sessions() {
	backend_sql "$1" "$2" "SELECT $COLS FROM session
		ORDER BY connect_time, cn, src_port"
}

# The state before the batch (flushed on its own), then the batch.
G="$T/gen"
mkspool "$G/pre"
ev "$G/pre" C alice 1795800000 5001		# closed by key in the batch
ev "$G/pre" C floater 1795800000 5002		# floats in the batch
ev "$G/pre" C closed 1795800100 5003
ev "$G/pre" D closed 1795800100 5003 time_duration=10 bytes_received=1
ev "$G/pre" C known 1795800200 5004		# its connect is replayed
ev "$G/pre" C old 1795800300 5005		# the older server's
ALREADY=$(ls "$G/pre/new" | head -n1)		# alice's connect

mkspool "$G/batch"
cp -p "$G/pre/new/$ALREADY" "$G/batch/new/"	# in the ledger by then
ev "$G/batch" C bob 1795801000 6001
ev "$G/batch" D bob 1795801000 6001 time_duration=100 bytes_received=11 bytes_sent=12
ev "$G/batch" D alice 1795800000 5001 time_duration=1500 bytes_received=21
ev "$G/batch" D floater 1795800000 7777 trusted_ip=192.0.2.7 time_duration=1600
ev "$G/batch" D carol 1795801100 6002 time_duration=50
ev "$G/batch" D closed 1795800100 5003 time_duration=99 bytes_received=2
ev "$G/batch" C dup 1795801200 6003
ev "$G/batch" C dup 1795801200 6004 ifconfig_pool_remote_ip=10.99.0.9
ev "$G/batch" D dup 1795801200 6003 time_duration=5
ev "$G/batch" D dup 1795801200 6004 time_duration=6 ifconfig_pool_remote_ip=10.99.0.9
ev "$G/batch" C twin 1795801300 6005
ev "$G/batch" D twin 1795801300 6005 time_duration=7
ev "$G/batch" C twin 1795801300 6006
ev "$G/batch" D twin 1795801300 6006 time_duration=8
ev "$G/batch" C known 1795800200 5004
ev "$G/batch" D known 1795800200 5004 time_duration=300
ev "$G/batch" C dave 1795801400 6007
ev "$G/batch" U dave 1795801400 6007 time_update=1795801450 bytes_received=5 bytes_sent=6
ev "$G/batch" C frank 1795801500 6008
ev "$G/batch" C newsrv 1795801600 6009 daemon_start_time=$NEW daemon_pid=999
ev "$G/batch" C gina 1795801700 6010 daemon_start_time=$NEW
ev "$G/batch" D gina 1795801700 6010 daemon_start_time=$NEW time_duration=9
ev "$G/batch" C hank 1795801800 6011 daemon_start_time=$NEW
ev "$G/batch" C poison-1 1795801900 6012 daemon_start_time=$NEW
ev "$G/batch" D poison-1 1795801900 6012 daemon_start_time=$NEW time_duration=3
POISON=$(grep -l 'common_name=poison-1' "$G/batch"/new/* | xargs -n1 basename | sort)
is "26 events in the batch, 6 before it" \
	"$(nfiles "$G/batch/new") $(nfiles "$G/pre/new")" "26 6"

# cn|connect_time|src_ip|src_port|vpn_ip4|disconnect_time|duration|
# bytes_in|bytes_out|last_update|end_reason|origin|disconnect_src_ip|
# disconnect_src_port|daemon_start_time
expected() {
	cat <<-ROWS
	alice|1795800000|127.0.0.1|5001|10.99.0.2|1795801500|1500|21|3186|1795801500|disconnect|connect|127.0.0.1|5001|$OLD
	floater|1795800000|127.0.0.1|5002|10.99.0.2|1795801600|1600|3292|3186|1795801600|disconnect|connect|192.0.2.7|7777|$OLD
	closed|1795800100|127.0.0.1|5003|10.99.0.2|1795800110|10|1|3186|1795800110|disconnect|connect|127.0.0.1|5003|$OLD
	known|1795800200|127.0.0.1|5004|10.99.0.2|1795800500|300|3292|3186|1795800500|disconnect|connect|127.0.0.1|5004|$OLD
	old|1795800300|127.0.0.1|5005|10.99.0.2|1795800300|0|||1795800300|inferred|connect|||$OLD
	bob|1795801000|127.0.0.1|6001|10.99.0.2|1795801100|100|11|12|1795801100|disconnect|connect|127.0.0.1|6001|$OLD
	carol|1795801100|127.0.0.1|6002|10.99.0.2|1795801150|50|3292|3186|1795801150|disconnect|disconnect|127.0.0.1|6002|$OLD
	dup|1795801200|127.0.0.1|6003|10.99.0.2|1795801205|5|3292|3186|1795801205|disconnect|connect|127.0.0.1|6003|$OLD
	dup|1795801200|127.0.0.1|6004|10.99.0.9|1795801206|6|3292|3186|1795801206|disconnect|connect|127.0.0.1|6004|$OLD
	twin|1795801300|127.0.0.1|6005|10.99.0.2|1795801307|7|3292|3186|1795801307|disconnect|connect|127.0.0.1|6005|$OLD
	twin|1795801300|127.0.0.1|6006|10.99.0.2|1795801308|8|3292|3186|1795801308|disconnect|connect|127.0.0.1|6006|$OLD
	dave|1795801400|127.0.0.1|6007|10.99.0.2|1795801450|50|5|6|1795801450|inferred|connect|||$OLD
	frank|1795801500|127.0.0.1|6008|10.99.0.2|1795801500|0|||1795801500|inferred|connect|||$OLD
	newsrv|1795801600|127.0.0.1|6009|10.99.0.2|||||1795801600||connect|||$NEW
	gina|1795801700|127.0.0.1|6010|10.99.0.2|1795801709|9|3292|3186|1795801709|disconnect|connect|127.0.0.1|6010|$NEW
	hank|1795801800|127.0.0.1|6011|10.99.0.2|||||1795801800||connect|||$NEW
	ROWS
}
poison_row="poison-1|1795801900|127.0.0.1|6012|10.99.0.2|1795801903|3|3292|3186|1795801903|disconnect|connect|127.0.0.1|6012|$NEW"

# run B NAME POISON(0|1) FLUSH_ARGS...: the state before, then the batch.
run() {
	local b=$1 name=$2 poison=$3
	shift 3
	flush_env "$b" "$name" || return 1
	[ "$poison" = 1 ] && { backend_sql "$b" "$INI" "$(refuse_poison "$b")" >/dev/null || return 1; }
	cp -p "$G/pre/new/"* "$SP/new/"
	"$OVPNLOG" -c "$INI" flush >"$T/$name.pre" 2>&1 || return 1
	cp -p "$G/batch/new/"* "$SP/new/"
	"$OVPNLOG" -c "$INI" -v flush "$@" >"$T/$name.out" 2>&1
}

for b in $TEST_BACKENDS; do
	# One batch, set-oriented, with the poison.
	run "$b" "bk_$b" 1 -b 1000
	is "$b: a batch with a poison pair exits 65" "$?" 65
	check "$b: ... the refused multi-row statement sent the batch event by event" \
		grep -q "applying its batch event by event" "$T/bk_$b.out"
	is "$b: ... exactly the poison pair is in failed/" \
		"$(ls "$SP/failed" | grep -v '\.reason$' | sort)" "$POISON"
	is "$b: ... new/ is empty" "$(nfiles "$SP/new")" 0
	check "$b: ... the event already in the ledger is counted as such" \
		grep -q "applied 23 events (1 more were applied before), quarantined 2" "$T/bk_$b.out"
	is "$b: every column that matters of every session" \
		"$(sessions "$b" "$INI")" "$(expected)"
	is "$b: the ledger holds every applied event, once" \
		"$(backend_sql "$b" "$INI" "SELECT event_id FROM applied_event ORDER BY event_id")" \
		"$( (ls "$G/pre/new"; ls "$G/batch/new" | grep -vxF "$POISON") | sort -u)"
	is "$b: the newer server incarnation is recorded" \
		"$(backend_sql "$b" "$INI" "SELECT daemon_pid, daemon_start_time FROM instance")" \
		"999|$NEW"
	want=$(sessions "$b" "$INI")

	# The same, one event per transaction.
	run "$b" "one_$b" 1 -b 1
	is "$b: one event per transaction exits 65 too" "$?" 65
	is "$b: ... and gives the same sessions" "$(sessions "$b" "$INI")" "$want"
	# (The poison's disconnect, refused alone, counts as one without
	# a connect: counters are not rolled back.)
	check "$b: ... counting 1 floated disconnect, 2 without a connect, 1 for a closed session" \
		grep -q "disconnects: 1 floated, 2 without a connect, 1 for closed sessions" "$T/one_$b.out"

	# Without the poison rule: the batch applies set-oriented at once.
	run "$b" "clean_$b" 0 -b 1000
	is "$b: without the poison rule the batch exits 0" "$?" 0
	check "$b: ... in one transaction, never event by event" \
		grep -q "^ovpnlog: 1 transactions; 5 sessions written closed at once; disconnects: 1 floated, 1 without a connect, 1 for closed sessions; 0 updates" "$T/clean_$b.out"
	if grep -q "event by event" "$T/clean_$b.out"; then
		fail "$b: ... no statement was refused"
	else
		ok "$b: ... no statement was refused"
	fi
	is "$b: ... and gives the same sessions plus the poison one" \
		"$(sessions "$b" "$INI")" "$(printf '%s\n%s' "$want" "$poison_row")"
	is "$b: ... and 31 ledger rows" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 31

	# A random backlog: many sessions open across batch boundaries, lone
	# connects and disconnects, updates; small batches against -b 1.
	mkspool "$G/rnd_$b"
	mkev -n 1500 -s 77 -c 300 -U 4 "$G/rnd_$b"
	for bs in 1 97; do
		flush_env "$b" "rnd${bs}_$b"
		cp -p "$G/rnd_$b/new/"* "$SP/new/"
		"$OVPNLOG" -c "$INI" flush -b "$bs" >"$T/rnd$bs.out" 2>&1
		is "$b: random backlog, batches of $bs: exit 0" "$?" 0
		dump_rows "$b" "$INI" | cut -d'|' -f2- >"$T/rnd$bs.dump"
	done
	check "$b: random backlog: batches of 97 give the rows of one event per transaction" \
		cmp -s "$T/rnd1.dump" "$T/rnd97.dump"
	is "$b: ... 1500 ledger rows" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 1500

	# time_duration: the servers' duration column holds 32 bits.
	flush_env "$b" "dur_$b"
	ev "$SP" C long 1795802000 7001
	ev "$SP" D long 1795802000 7001 time_duration=2147483647
	ev "$SP" C huge 1795802000 7002
	ev "$SP" D huge 1795802000 7002 time_duration=2147483648
	huge=$(grep -l 'time_duration=2147483648' "$SP"/new/* | xargs -n1 basename)
	"$OVPNLOG" -c "$INI" flush >"$T/dur.out" 2>&1
	is "$b: time_duration over 2^31-1 is quarantined (exit 65)" "$?" 65
	is "$b: ... that disconnect alone" "$(ls "$SP/failed" | grep -v '\.reason$')" "$huge"
	check "$b: ... with a reason naming time_duration" \
		grep -q "cannot apply: bad time_duration" "$SP/failed/$huge.reason"
	is "$b: 2^31-1 s is stored, the other session stays open" \
		"$(backend_sql "$b" "$INI" "SELECT cn, duration, disconnect_time FROM session ORDER BY cn")" \
		"$(printf 'huge||\nlong|2147483647|3943285647')"
done
done_testing
