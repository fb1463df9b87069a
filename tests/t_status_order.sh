#!/bin/bash
# Status snapshots in time order with the events, on every backend:
# snapshots the flusher took while the database was down replay between
# the connect and disconnect events around them (the final rows depend on
# that order); a server that disappears leaves sessions that a newer
# snapshot closes as inferred at their last-seen time, and a late
# disconnect replaces those values; a server restart (a connect of a newer
# daemon_start_time) closes the old incarnation's sessions as inferred.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/status.sh"

N=1795770000
A="192.0.2.1:5000" B="192.0.2.2:5001"

for b in $TEST_BACKENDS; do
	status_ini "$b" "so_$b" "status_file = $T/status-$b" ||
		{ fail "$b: set up"; continue; }
	down_ini "$b" "$INI" "$T/down.ini"
	ST="$T/status-$b"
	flush() { "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1; }
	down() { "$OVPNLOG" -c "$T/down.ini" flush >"$T/out" 2>&1; }

	# --- an outage: snapshots and events wait in the spool together ---
	ev_connect "$SP" $((N + 1)) alice 192.0.2.1 5000 $((N + 1))
	ev_connect "$SP" $((N + 2)) bob 192.0.2.2 5001 $((N + 2))
	status_v2 "$ST" $((N + 60)) "alice|$A|10.99.0.2|100|200|$((N + 1))" \
		"bob|$B|10.99.0.3|300|400|$((N + 2))"
	down
	is "$b: database down: flush exits 75" "$?" 75
	is "$b: ... after snapshotting the status file into the spool" \
		"$(ls "$SP/new" | grep -c "^$((N + 60))\.000000000\..*\.status$")" 1
	ev_disconnect "$SP" $((N + 90)) alice 192.0.2.1 5000 $((N + 1)) 89 150 250
	status_v2 "$ST" $((N + 120)) "bob|$B|10.99.0.3|500|600|$((N + 2))"
	down
	down
	is "$b: a second snapshot is spooled, an unchanged file only once" \
		"$(ls "$SP/new" | grep -c '\.status$')" 2
	status_v2 "$ST" $((N + 180))
	down
	is "$b: the spool holds 3 snapshots and 3 events" "$(nfiles "$SP/new")" 6
	flush
	is "$b: the database back: one flush applies everything (exit 0)" \
		"$?|$(nfiles "$SP/new")" "0|0"
	is "$b: alice: the disconnect between the two snapshots wins" \
		"$(srow "$b" "$INI" alice $((N + 1)))" \
		"$((N + 90))|89|150|250|$((N + 90))|disconnect|connect"
	is "$b: bob: updated by both snapshots in order, closed by the empty one at his last-seen time" \
		"$(srow "$b" "$INI" bob $((N + 2)))" \
		"$((N + 120))|118|500|600|$((N + 120))|inferred|connect"
	is "$b: instance.last_status_time is the newest snapshot's" \
		"$(backend_sql "$b" "$INI" "SELECT last_status_time FROM instance")" $((N + 180))

	# --- a server that disappears, then a late disconnect ---
	M=$((N + 1000))
	ev_connect "$SP" $((M + 1)) carol 192.0.2.3 5002 $((M + 1))
	ev_connect "$SP" $((M + 2)) dave 192.0.2.4 5003 $((M + 2))
	status_v2 "$ST" $((M + 60)) "carol|192.0.2.3:5002|10.99.0.4|10|20|$((M + 1))" \
		"dave|192.0.2.4:5003|10.99.0.5|30|40|$((M + 2))"
	flush
	status_v2 "$ST" $((M + 120)) "dave|192.0.2.4:5003|10.99.0.5|50|60|$((M + 2))"
	flush
	is "$b: a client the newer snapshot no longer lists is closed as inferred at its last-seen time" \
		"$(srow "$b" "$INI" carol $((M + 1)))" \
		"$((M + 60))|59|10|20|$((M + 60))|inferred|connect"
	is "$b: ... the one still listed stays open" \
		"$(srow "$b" "$INI" dave $((M + 2)))" "|118|50|60|$((M + 120))||connect"
	ev_disconnect "$SP" $((M + 100)) carol 192.0.2.3 5002 $((M + 1)) 99 900 901
	flush
	is "$b: a late disconnect replaces the inferred values" \
		"$(srow "$b" "$INI" carol $((M + 1)))" \
		"$((M + 100))|99|900|901|$((M + 100))|disconnect|connect"
	is "$b: ... in the same row" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE cn = 'carol'")" 1
	status_v2 "$ST" $((M + 180))
	flush
	is "$b: the server's last snapshot lists nobody: dave closed as inferred" \
		"$(srow "$b" "$INI" dave $((M + 2)))" \
		"$((M + 120))|118|50|60|$((M + 120))|inferred|connect"

	# --- a server restart without client-disconnect (kill -9) ---
	R=$((N + 2000))
	ev_connect "$SP" $((R + 1)) erin 192.0.2.5 5004 $((R + 1)) $((R - 10)) 100
	ev_connect "$SP" $((R + 2)) frank 192.0.2.6 5005 $((R + 2)) $((R - 10)) 100
	status_v2 "$ST" $((R + 30)) "erin|192.0.2.5:5004|10.99.0.6|1|2|$((R + 1))" \
		"frank|192.0.2.6:5005|10.99.0.7|3|4|$((R + 2))"
	flush
	ev_connect "$SP" $((R + 40)) hank 192.0.2.8 5007 $((R + 40))
	flush
	is "$b: the instance holds the server incarnation" \
		"$(backend_sql "$b" "$INI" "SELECT daemon_pid, daemon_start_time FROM instance")" \
		"100|$((R - 10))"
	is "$b: three sessions open before the restart" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE disconnect_time IS NULL")" 3
	ev_connect "$SP" $((R + 105)) gina 192.0.2.7 5006 $((R + 105)) $((R + 100)) 200
	ev_connect "$SP" $((R + 110)) ivan 192.0.2.9 5008 $((R + 110)) $((R + 100)) 200
	flush
	is "$b: a connect of a newer incarnation closes the old one's sessions as inferred (erin)" \
		"$(srow "$b" "$INI" erin $((R + 1)))" "$((R + 30))|29|1|2|$((R + 30))|inferred|connect"
	is "$b: ... (frank)" "$(srow "$b" "$INI" frank $((R + 2)))" \
		"$((R + 30))|28|3|4|$((R + 30))|inferred|connect"
	is "$b: ... and one without daemon_start_time that connected before the new start" \
		"$(srow "$b" "$INI" hank $((R + 40)))" "$((R + 40))|0|||$((R + 40))|inferred|connect"
	is "$b: the new incarnation's sessions stay open" \
		"$(backend_sql "$b" "$INI" "SELECT cn FROM session WHERE disconnect_time IS NULL ORDER BY cn" | tr '\n' ' ')" \
		"gina ivan "
	is "$b: the instance holds the new incarnation" \
		"$(backend_sql "$b" "$INI" "SELECT daemon_pid, daemon_start_time FROM instance")" \
		"200|$((R + 100))"
	grep -q "closed 3 sessions as inferred: 0 absent from a newer status snapshot, 3 of an older server incarnation" "$T/out" &&
		ok "$b: the flush says so" || fail "$b: the flush says so: $(cat "$T/out")"
	ev_disconnect "$SP" $((R + 106)) erin 192.0.2.5 5004 $((R + 1)) 105 70 80
	flush
	is "$b: the old incarnation's graceful disconnect, late, still wins" \
		"$(srow "$b" "$INI" erin $((R + 1)))" \
		"$((R + 106))|105|70|80|$((R + 106))|disconnect|connect"
done
done_testing
