#!/bin/bash
# Status snapshots applied to sessions, on every backend: live duration
# and byte updates; an older snapshot (or one older than a session's last
# update) changes nothing; a session closed by a disconnect is never
# touched; create-missing on and off; refused client lines are counted,
# shown with -v (escaped) and keep absent sessions open; all-or-nothing
# quarantines such a snapshot and applies nothing of it; a status event
# whose text is not a complete snapshot is quarantined with the parser's
# reason.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/status.sh"

N=1795780000
A="192.0.2.1:5000" B="192.0.2.2:5001"

for b in $TEST_BACKENDS; do
	status_ini "$b" "sa_$b" || { fail "$b: set up"; continue; }
	flush() { "$OVPNLOG" -c "$INI" "$@" flush >"$T/out" 2>&1; }
	ev_connect "$SP" $((N + 1)) alice 192.0.2.1 5000 $((N + 1))
	ev_connect "$SP" $((N + 2)) bob 192.0.2.2 5001 $((N + 2))
	status_v2 "$T/s" $((N + 60)) "alice|$A|10.99.0.2|100|200|$((N + 1))" \
		"bob|$B|10.99.0.3|300|400|$((N + 2))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: connects and a snapshot apply (exit 0)" "$?" 0
	is "$b: live update: alice's duration, bytes, last_update from the snapshot" \
		"$(srow "$b" "$INI" alice $((N + 1)))" "|59|100|200|$((N + 60))||connect"
	is "$b: live update: bob's" "$(srow "$b" "$INI" bob $((N + 2)))" \
		"|58|300|400|$((N + 60))||connect"
	is "$b: instance.last_status_time is the snapshot's TIME" \
		"$(backend_sql "$b" "$INI" "SELECT last_status_time FROM instance WHERE name = 'main'")" \
		$((N + 60))

	status_v2 "$T/s" $((N + 120)) "alice|$A|10.99.0.2|1000|2000|$((N + 1))" \
		"bob|$B|10.99.0.3|3000|4000|$((N + 2))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: a newer snapshot updates again" "$(srow "$b" "$INI" alice $((N + 1)))" \
		"|119|1000|2000|$((N + 120))||connect"

	# Older than the last one applied: ignored, not an error.
	status_v2 "$T/s" $((N + 90)) "alice|$A|10.99.0.2|5|5|$((N + 1))"
	snap_spool "$SP" "$T/s"
	"$OVPNLOG" -v -c "$INI" flush >"$T/out" 2>&1
	is "$b: an older snapshot: exit 0, file removed" "$?|$(nfiles "$SP/new")" "0|0"
	is "$b: an older snapshot changes nothing (alice)" \
		"$(srow "$b" "$INI" alice $((N + 1)))" "|119|1000|2000|$((N + 120))||connect"
	is "$b: ... nor bob, though it does not list him" \
		"$(srow "$b" "$INI" bob $((N + 2)))" "|118|3000|4000|$((N + 120))||connect"
	check "$b: ... and is counted as older" grep -q "0 applied, 1 older" "$T/out"

	# A session updated after the snapshot's TIME keeps its newer values.
	ev_connect "$SP" $((N + 3)) carol 192.0.2.3 5002 $((N + 3))
	ev_at "$SP" $((N + 200)) update script_type=db-update common_name=carol \
		trusted_ip=192.0.2.3 trusted_port=5002 time_unix=$((N + 3)) \
		bytes_received=777 bytes_sent=888
	flush
	status_v2 "$T/s" $((N + 150)) "alice|$A|10.99.0.2|1500|2500|$((N + 1))" \
		"bob|$B|10.99.0.3|3500|4500|$((N + 2))" "carol|192.0.2.3:5002|10.99.0.4|5|6|$((N + 3))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: a session updated after the snapshot's TIME is not overwritten" \
		"$(srow "$b" "$INI" carol $((N + 3)))" "|197|777|888|$((N + 200))||connect"
	is "$b: ... while the others are" "$(srow "$b" "$INI" alice $((N + 1)))" \
		"|149|1500|2500|$((N + 150))||connect"

	# Closed by a real disconnect: never touched, even when listed.
	ev_connect "$SP" $((N + 4)) dave 192.0.2.4 5003 $((N + 4))
	ev_disconnect "$SP" $((N + 160)) dave 192.0.2.4 5003 $((N + 4)) 156 11 22
	flush
	status_v2 "$T/s" $((N + 300)) "alice|$A|10.99.0.2|1600|2600|$((N + 1))" \
		"bob|$B|10.99.0.3|3600|4600|$((N + 2))" "carol|192.0.2.3:5002|10.99.0.4|999|999|$((N + 3))" \
		"dave|192.0.2.4:5003|10.99.0.5|55555|66666|$((N + 4))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: a session closed by a disconnect is not touched by a newer snapshot" \
		"$(srow "$b" "$INI" dave $((N + 4)))" "$((N + 160))|156|11|22|$((N + 160))|disconnect|connect"
	is "$b: ... nor reopened" "$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn = 'dave'")" 1

	# Create-missing: off (the default) then on.
	status_v2 "$T/s" $((N + 400)) "alice|$A|10.99.0.2|1700|2700|$((N + 1))" \
		"bob|$B|10.99.0.3|3700|4700|$((N + 2))" "carol|192.0.2.3:5002|10.99.0.4|1000|1000|$((N + 3))" \
		"erin|[2001:db8::5]:5004|10.99.0.6|70|80|$((N + 350))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: create-missing off: no session for a client no event recorded" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn = 'erin'")" 0
	sed -i 's/^\[instance main\]$/&\nstatus_create_missing = yes/' "$INI"
	status_v2 "$T/s" $((N + 410)) "alice|$A|10.99.0.2|1710|2710|$((N + 1))" \
		"bob|$B|10.99.0.3|3710|4710|$((N + 2))" "carol|192.0.2.3:5002|10.99.0.4|1010|1010|$((N + 3))" \
		"erin|[2001:db8::5]:5004|10.99.0.6|71|81|$((N + 350))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: create-missing on: the session is created (origin status)" \
		"$(srow "$b" "$INI" erin $((N + 350)))" "|60|71|81|$((N + 410))||status"
	is "$b: ... with its real and VPN address" \
		"$(backend_sql "$b" "$INI" "SELECT src_ip, src_port, vpn_ip4 FROM session WHERE cn = 'erin'" | sed 's|/128||')" \
		"2001:db8::5|5004|10.99.0.6"
	flush
	is "$b: ... once" "$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn = 'erin'")" 1

	# A refused line: the rest applies, absent sessions stay open.
	bad=$(printf 'CLIENT_LIST,bad\001guy,192.0.2.9:5009,10.99.0.9,,lots,1,2026-11-27 12:00:00,%s,UNDEF,9,9,AES-256-GCM' $((N + 5)))
	status_v2 "$T/s" $((N + 500)) "alice|$A|10.99.0.2|1800|2800|$((N + 1))" "RAW:$bad"
	snap_spool "$SP" "$T/s"
	"$OVPNLOG" -v -c "$INI" flush >"$T/out" 2>&1
	is "$b: a snapshot with a refused line applies (exit 0)" "$?" 0
	is "$b: ... its good lines" "$(srow "$b" "$INI" alice $((N + 1)))" \
		"|499|1800|2800|$((N + 500))||connect"
	is "$b: ... and closes nothing it does not list (a refused line may be them)" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE disconnect_time IS NULL")" 4
	check "$b: ... says how many lines were refused" grep -q "1 client line refused" "$T/out"
	check "$b: -v shows the reason, then the line, escaped" \
		grep -q "line 5 refused: .*: CLIENT_LIST,bad\\\\x01guy,192.0.2.9:5009," "$T/out"

	# All-or-nothing: such a snapshot is quarantined, nothing applies.
	sed -i 's/^\[instance main\]$/&\nstatus_all_or_nothing = yes/' "$INI"
	status_v2 "$T/s" $((N + 600)) "alice|$A|10.99.0.2|1900|2900|$((N + 1))" "RAW:$bad"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: all-or-nothing: a refused line quarantines the snapshot (exit 65)" \
		"$?|$(nfiles "$SP/new")|$(ls "$SP/failed" | grep -c '\.status$')" "65|0|1"
	check "$b: ... with the reason" grep -q "status_all_or_nothing: 1 client line refused, the first: line 5" \
		"$SP"/failed/*.status.reason
	is "$b: ... and applies nothing of it" "$(srow "$b" "$INI" alice $((N + 1)))" \
		"|499|1800|2800|$((N + 500))||connect"
	status_v2 "$T/s" $((N + 700)) "alice|$A|10.99.0.2|2000|3000|$((N + 1))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: all-or-nothing: a whole snapshot applies" "$?|$(srow "$b" "$INI" alice $((N + 1)))" \
		"0||699|2000|3000|$((N + 700))||connect"
	is "$b: ... and closes what it no longer lists, at their last-seen time" \
		"$(srow "$b" "$INI" bob $((N + 2)))" \
		"$((N + 410))|408|3710|4710|$((N + 410))|inferred|connect"

	# Matching: a port-less IPv6 real address (as OpenVPN may print it)
	# matches its session whatever the port; a floated client (new real
	# address) matches the only session with its connect time and name.
	ev_connect "$SP" $((N + 710)) frank 2001:db8::7 6000 $((N + 710))
	ev_connect "$SP" $((N + 711)) gina 192.0.2.8 7000 $((N + 711))
	status_v2 "$T/s" $((N + 800)) "alice|$A|10.99.0.2|2100|3100|$((N + 1))" \
		"frank|2001:db8::7|10.99.0.7|61|62|$((N + 710))" \
		"gina|198.51.100.8:7100|10.99.0.8|71|72|$((N + 711))"
	snap_spool "$SP" "$T/s"
	flush
	is "$b: a port-less IPv6 real address matches its session" \
		"$(srow "$b" "$INI" frank $((N + 710)))" "|90|61|62|$((N + 800))||connect"
	is "$b: a floated client matches its session (connect time and name)" \
		"$(srow "$b" "$INI" gina $((N + 711)))" "|89|71|72|$((N + 800))||connect"
	is "$b: ... and no session is created for them" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn IN ('frank', 'gina')")" 2

	# Events the hook never writes: quarantined with the parser's reason.
	status_v2 "$T/s" $((N + 900)) "alice|$A|10.99.0.2|1|1|$((N + 1))"
	head -n -1 "$T/s" >"$T/torn"
	ev() { "$BUILD/tests/evwrite" "$SP/new/$1.000000000.1.$2.status" type=status \
		instance_name=main instance_proto=udp instance_port=1194 "${@:3}"; }
	ev $((N + 900)) aaaa0001 status_time=$((N + 900)) status_text=@"$T/torn"
	ev $((N + 900)) aaaa0002 status_time=$((N + 901)) status_text=@"$T/s"
	flush
	is "$b: a torn status_text and a wrong status_time: both quarantined (exit 65)" \
		"$?|$(nfiles "$SP/new")" "65|0"
	check "$b: ... the first with the parser's reason" grep -q \
		"cannot apply: status_text is not a complete status snapshot: incomplete snapshot (no END line): torn read?" \
		"$SP/failed/$((N + 900)).000000000.1.aaaa0001.status.reason"
	check "$b: ... the second because it is not the TIME line's" grep -q \
		"status_time is not the TIME line's time $((N + 900))" \
		"$SP/failed/$((N + 900)).000000000.1.aaaa0002.status.reason"
	is "$b: ... and nothing of them applied" "$(srow "$b" "$INI" alice $((N + 1)))" \
		"|799|2100|3100|$((N + 800))||connect"
done
done_testing
