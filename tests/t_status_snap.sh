#!/bin/bash
# The flusher's own status snapshots ([instance] status_file): `ovpnlog
# flush` spools a status file named by its TIME, once per TIME (state in
# SPOOL/.status-SECTION); a file older than status_max_age is skipped
# without touching the spool or the database, and said once; a missing,
# torn or unusable file is a warning and the events still apply; the
# hook's --status and the flusher write the same event; `ovpnlog watch`
# snapshots on its status_interval.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/status.sh"
. "$TOP/tests/lib/watch.sh"
EVDUMP="$BUILD/tests/evdump"

NOW=$(date +%s)
for b in $TEST_BACKENDS; do
	ST="$T/status-$b"
	status_ini "$b" "ss_$b" "status_file = $ST" "status_max_age = 10m" ||
		{ fail "$b: set up"; continue; }
	down_ini "$b" "$INI" "$T/down.ini"
	ev_connect "$SP" $((NOW - 100)) alice 192.0.2.1 5000 $((NOW - 100))
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1

	# Stale: skipped before the database is even needed.
	status_v2 "$ST" $((NOW - 700)) "alice|192.0.2.1:5000|10.99.0.2|5|6|$((NOW - 100))"
	"$OVPNLOG" -c "$T/down.ini" flush >"$T/out" 2>&1
	is "$b: a stale status file: flush exits 0 even with the database down" "$?" 0
	is "$b: ... spools nothing" "$(nfiles "$SP/new")" 0
	check "$b: ... and says why" grep -q "skipped the status file $ST of \[instance main\]: its TIME .* is 70[0-9]s old, over status_max_age (600s)" "$T/out"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: ... once per TIME" "$?|$(cat "$T/out")" "0|"
	is "$b: ... and the database is untouched" \
		"$(srow "$b" "$INI" alice $((NOW - 100)))|$(backend_sql "$b" "$INI" "SELECT last_status_time FROM instance")" \
		"||||$((NOW - 100))||connect|"

	# Fresh: spooled once, named by TIME, with the instance's identity.
	status_v2 "$ST" $((NOW - 30)) "alice|192.0.2.1:5000|10.99.0.2|5|6|$((NOW - 100))"
	"$OVPNLOG" -c "$T/down.ini" flush >"$T/out" 2>&1
	f=$(ls "$SP/new")
	case "$f" in
	$((NOW - 30)).000000000.*.status) ok "$b: a fresh file is spooled, named by its TIME" ;;
	*) fail "$b: a fresh file is spooled, named by its TIME: '$f'" ;;
	esac
	is "$b: the flusher's event: instance and status fields" \
		"$("$EVDUMP" "$SP/new/$f" | grep -E '^(type|instance_name|instance_proto|instance_port|status_time|status_source)=' | tr '\n' ' ')" \
		"type=status instance_name=main instance_proto=udp instance_port=1194 status_time=$((NOW - 30)) status_source=$ST "
	"$EVDUMP" -k status_text "$SP/new/$f" | cmp -s - "$ST" &&
		ok "$b: ... status_text is the file, byte for byte" ||
		fail "$b: ... status_text is the file, byte for byte"
	is "$b: the state file remembers the TIME" "$(cat "$SP/.status-main")" $((NOW - 30))
	mkspool "$SP.hook"
	snap_spool "$SP.hook" "$ST"
	is "$b: the hook's --status writes the same fields" \
		"$("$EVDUMP" "$SP.hook/new/"* | grep -v -E '^(spool_time|hook_version)=' | md5sum)" \
		"$("$EVDUMP" "$SP/new/$f" | grep -v -E '^(spool_time|hook_version)=' | md5sum)"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: then applied (exit 0, spool empty, no second snapshot)" "$?|$(nfiles "$SP/new")" "0|0"
	is "$b: ... to the session" "$(srow "$b" "$INI" alice $((NOW - 100)))" \
		"|70|5|6|$((NOW - 30))||connect"

	# Unusable files: a warning, and the events still apply.
	ev_connect "$SP" $((NOW - 20)) bob 192.0.2.2 5001 $((NOW - 20))
	rm -f "$ST"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: a missing status file: the events apply, exit 0" \
		"$?|$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session")" "0|2"
	check "$b: ... with a warning naming it" \
		grep -q "unable to snapshot the status file of \[instance main\]: open $ST: No such file" "$T/out"
	status_v2 "$ST" $((NOW - 10))
	head -n -1 "$ST" >"$ST.tmp" && mv "$ST.tmp" "$ST"
	t0=$(date +%s%N)
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	is "$b: a torn status file: exit 0, nothing spooled" "$rc|$(nfiles "$SP/new")" "0|0"
	check "$b: ... re-read 5 times (${ms} ms), then a warning" \
		grep -q "$ST: no complete snapshot after 5 reads: incomplete snapshot" "$T/out"
	is "$b: ... and no session closed by it" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session WHERE disconnect_time IS NULL")" 2
	printf 'OpenVPN CLIENT LIST\nUpdated,2026-11-27 12:48:33\nCommon Name,Real Address,Bytes Received,Bytes Sent,Connected Since\nROUTING TABLE\nGLOBAL STATS\nEND\n' >"$ST"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: status-version 1: exit 0, nothing spooled" "$?|$(nfiles "$SP/new")" "0|0"
	check "$b: ... with the parser's reason" grep -q "unable to snapshot the status file of \[instance main\]: $ST: .*version" "$T/out"
	status_v2 "$ST" $((NOW - 5)) "bob|192.0.2.2:5001|10.99.0.3|7|8|$((NOW - 20))"
	sed -i 's/^\[instance main\]$/&\nstatus_version = 3/' "$INI"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: a version 2 file where status_version = 3: nothing spooled" "$?|$(nfiles "$SP/new")" "0|0"
	sed -i 's/^status_version = 3$/status_version = 2/' "$INI"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: ... applied with status_version = 2" "$(srow "$b" "$INI" bob $((NOW - 20)))" \
		"|15|7|8|$((NOW - 5))||connect"
	is "$b: ... and alice, no longer listed, closed as inferred" \
		"$(srow "$b" "$INI" alice $((NOW - 100)))" \
		"$((NOW - 30))|70|5|6|$((NOW - 30))|inferred|connect"
done

# `ovpnlog watch` snapshots every status_interval.
wt_setup sqlite ws "status_interval = 1s\nrescan_interval = 1m" || fail "watch: set up"
printf '\n[instance main]\nport = 1194\nprotocol = udp\nstatus_file = %s\n' "$T/wstatus" >>"$WT_INI"
INI=$WT_INI
ev_connect "$WT_SPOOL" $((NOW - 100)) carol 192.0.2.3 5002 $((NOW - 100))
wt_start
wt_wait_rows 1 10 || fail "watch: the connect applies"
T1=$(date +%s)
status_v2 "$T/wstatus" "$T1" "carol|192.0.2.3:5002|10.99.0.4|42|43|$((NOW - 100))"
for i in $(seq 1 50); do
	[ "$(srow sqlite "$INI" carol $((NOW - 100)) | cut -d'|' -f3)" = 42 ] && break
	sleep 0.1
done
is "watch: a status file written while watching is applied within status_interval" \
	"$(srow sqlite "$INI" carol $((NOW - 100)))" "|$((T1 - NOW + 100))|42|43|$T1||connect"
wt_stop
is "watch: stops on SIGTERM" "$WT_RC" 0
done_testing
