#!/bin/bash
# End to end on every backend of $TEST_BACKENDS: a real OpenVPN server with
# the built ovpnlog-spool as hook, real clients that connect, send traffic
# and leave; then `ovpnlog flush`.  The session rows must equal what the
# hook recorded (CN, username, real address and port, VPN addresses,
# connect time = time_unix, disconnect time = time_unix + time_duration,
# bytes), whatever happened in between: a graceful server stop with
# clients connected, the database down for the whole scenario.  With the
# server's status file configured, snapshots update duration and bytes
# while the clients are connected; a server killed with SIGKILL and
# restarted leaves its old sessions closed as inferred.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/openvpn.sh"

if ! ovpn_available; then
	fail "openvpn: harness available (root, openvpn, openssl, ip netns, ping)"
	done_testing
fi
check "hook: $SPOOLBIN is built" test -x "$SPOOLBIN"
help=$("$OVPNLOG" help 2>&1)
check "flusher: ovpnlog has flush and init-db" \
    eval 'grep -qw flush <<<"$help" && grep -qw init-db <<<"$help"'
[ -x "$SPOOLBIN" ] && grep -qw flush <<<"$help" || done_testing

ovpn_setup "$T/ovpn"
check "openvpn: certificates made" ovpn_certs

CN1=client1
CN2="Client Two, Ü"	# space, comma, UTF-8: must reach every database intact

sqlq() { printf "'%s'" "${1//\'/\'\'}"; }

# flush B INI: one `ovpnlog flush`; prints its exit status.  For sqlite
# while "down", the flusher runs in a private mount namespace where the
# database file is a read-only bind mount (root ignores file modes).
flush() {
	local b=$1 ini=$2 rc db
	if [ "$b" = sqlite ] && [ "${DB_DOWN:-0}" = 1 ]; then
		db=$(_ini_get "$ini" path)
		unshare -m sh -c 'mount --bind -o ro "$1" "$1" && exec "$2" -c "$3" flush' \
		    sh "$db" "$OVPNLOG" "$ini" >>"$T/flush.log" 2>&1
	else
		"$OVPNLOG" -c "$ini" flush >>"$T/flush.log" 2>&1
	fi
	rc=$?
	echo "$rc"
}

db_down() {
	DB_DOWN=1
	case $1 in
	sqlite) ;;
	postgresql) "$OVPNLOG_TEST_PG_CTL" stop >>"$T/flush.log" 2>&1 ;;
	mysql) "$OVPNLOG_TEST_MYSQL_CTL" stop >>"$T/flush.log" 2>&1 ;;
	esac
}

db_up() {
	DB_DOWN=0
	case $1 in
	sqlite) ;;
	postgresql) "$OVPNLOG_TEST_PG_CTL" start >>"$T/flush.log" 2>&1 ;;
	mysql) "$OVPNLOG_TEST_MYSQL_CTL" start >>"$T/flush.log" 2>&1 ;;
	esac
}

spooled() { find "$OVPN_SPOOL/new" -maxdepth 1 -type f | wc -l; }

# expect_row TAG B INI CN: the session row of CN equals what its connect
# and disconnect events (still in the spool copy $T/expect-TAG) carried.
expect_row() {
	local tag=$1 b=$2 ini=$3 cn=$4 c="" d="" f want got
	for f in "$T/expect-$tag"/*; do
		[ "$(ovpn_ev "$f" common_name)" = "$cn" ] || continue
		case $f in *.connect) c=$f ;; *.disconnect) d=$f ;; esac
	done
	if [ -z "$c" ] || [ -z "$d" ]; then
		fail "$tag: events of '$cn' were spooled"
		return
	fi
	local tu du
	tu=$(ovpn_ev "$c" time_unix)
	du=$(ovpn_ev "$d" time_duration)
	want="$cn|$(ovpn_ev "$c" username)|$(ovpn_ev "$c" trusted_ip)|$(ovpn_ev "$c" trusted_port)"
	want+="|$(ovpn_ev "$c" ifconfig_pool_remote_ip)|$(ovpn_ev "$c" ifconfig_pool_remote_ip6)"
	want+="|$tu|$((tu + du))|$du|$(ovpn_ev "$d" bytes_received)|$(ovpn_ev "$d" bytes_sent)|disconnect"
	got=$(backend_sql "$b" "$ini" "SELECT cn, username, src_ip, src_port,
	    vpn_ip4, vpn_ip6, connect_time, disconnect_time, duration,
	    bytes_in, bytes_out, end_reason FROM session WHERE cn = $(sqlq "$cn")")
	is "$tag: session of '$cn' = its events (cn|user|src|port|ip4|ip6|connect|disconnect|duration|in|out|end)" \
	    "$got" "$want"
}

# run_clients TAG B INI [MID]: two clients connect (CN1 with username),
# ping through the tunnel, leave (SIGTERM, management kill); runs the
# command MID (if any) while they are connected; keeps a copy of the
# events as the expectation.
run_clients() {
	local tag=$1 b=$2 ini=$3 mid=${4:-}
	check "$tag: '$CN1' connects" ovpn_client_start "$CN1" alice pw-alice
	check "$tag: '$CN2' connects" ovpn_client_start "$CN2"
	check "$tag: traffic through the tunnel ('$CN1')" ovpn_ping_from "$CN1" -c 4 -s 1000
	check "$tag: traffic through the tunnel ('$CN2')" ovpn_ping6_from "$CN2"
	[ -n "$mid" ] && $mid
	check "$tag: '$CN1' stops (SIGTERM)" ovpn_client_stop "$CN1"
	check "$tag: '$CN2' leaves (management client-kill)" ovpn_client_kill_mgmt "$CN2"
	check "$tag: 2 disconnect events spooled" ovpn_wait_events disconnect 2
	snapshot "$tag"
}

snapshot() {
	mkdir -p "$T/expect-$1"
	cp -p "$OVPN_SPOOL"/new/* "$T/expect-$1/" 2>/dev/null
}

# new_db B TAG: fresh spool + database; sets INI.
new_db() {
	local b=$1 tag=$2
	OVPN_SPOOL=$T/spool-$tag
	mkspool "$OVPN_SPOOL"
	INI=$T/$tag.ini
	if ! backend_ini "$b" "e2e_${tag//-/_}" "$OVPN_SPOOL" >"$INI"; then
		fail "$tag: database for backend $b"
		return 1
	fi
	"$OVPNLOG" -c "$INI" init-db >>"$T/flush.log" 2>&1 || {
		fail "$tag: ovpnlog init-db"; return 1; }
}

common_rows() {
	local tag=$1 b=$2 ini=$3 proto=$4
	is "$tag: one instance row (name|port|protocol)" \
	    "$(backend_sql "$b" "$ini" "SELECT name, port, protocol FROM instance")" \
	    "|$OVPN_PORT|$proto"
	is "$tag: two sessions, both of that instance" \
	    "$(backend_sql "$b" "$ini" "SELECT count(*) FROM session s JOIN instance i ON i.id = s.instance_id")" 2
	expect_row "$tag" "$b" "$ini" "$CN1"
	expect_row "$tag" "$b" "$ini" "$CN2"
	is "$tag: spool drained" "$(spooled)" 0
	is "$tag: 4 events in the ledger" \
	    "$(backend_sql "$b" "$ini" "SELECT count(*) FROM applied_event")" 4
}

# status_section: the running server's status file in the INI, for the
# instance the hook reports ("", proto, port).
status_section() {
	printf '\n[instance srv]\nname =\nport = %s\nprotocol = %s\nstatus_file = %s\n' \
	    "$OVPN_PORT" "$OVPN_PROTO" "$OVPN_STATUS" >>"$INI"
}
status_time() { awk -F'[,\t]' '$1 == "TIME" { print $NF }' "$OVPN_STATUS" 2>/dev/null; }
status_lists() { [ "$(grep -c '^CLIENT_LIST' "$OVPN_STATUS" 2>/dev/null)" = "$1" ]; }
# status_after T: until the status file is newer than T and lists 2 clients.
status_after() { _sa_t=$1; wait_until 5 _status_newer; }
_status_newer() { local t; t=$(status_time); [ "${t:-0}" -gt "$_sa_t" ] && status_lists 2; }
# live_row B INI CN: disconnect_time|duration|bytes_in|bytes_out|last_update
live_row() {
	backend_sql "$1" "$2" "SELECT disconnect_time, duration, bytes_in,
	    bytes_out, last_update FROM session WHERE cn = $(sqlq "$3")"
}

for B in $TEST_BACKENDS; do
	t0=$SECONDS

	# 1. Two clients, traffic, signal + management disconnect (TCP, v3).
	tag=$B-basic
	if new_db "$B" "$tag" && ovpn_server_start "$tag" tcp 3; then
		run_clients "$tag" "$B" "$INI"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		common_rows "$tag" "$B" "$INI" tcp
		is "$tag: a second flush changes nothing" \
		    "$(flush "$B" "$INI"; backend_sql "$B" "$INI" "SELECT count(*) FROM session")" "0
2"
		check "$tag: server stops" ovpn_server_stop
	fi

	# 2. Server stopped gracefully with both clients connected: OpenVPN
	#    runs client-disconnect for each, every session is closed.
	tag=$B-srvstop
	if new_db "$B" "$tag" && ovpn_server_start "$tag" tcp 2 "user nobody" "group nogroup"; then
		check "$tag: '$CN1' connects" ovpn_client_start "$CN1" alice pw-alice
		check "$tag: '$CN2' connects" ovpn_client_start "$CN2"
		check "$tag: traffic through the tunnel" ovpn_ping_from "$CN1"
		check "$tag: server stops on SIGTERM with clients connected" ovpn_server_stop
		is "$tag: the stop ran both disconnect hooks" "$(ovpn_events disconnect | wc -l)" 2
		snapshot "$tag"
		ovpn_client_stop "$CN1"; ovpn_client_stop "$CN2"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		common_rows "$tag" "$B" "$INI" tcp
		is "$tag: no open session left" \
		    "$(backend_sql "$B" "$INI" "SELECT count(*) FROM session WHERE disconnect_time IS NULL")" 0
	fi

	# 3. The database is down for the whole scenario: every flush keeps
	#    the files (EX_TEMPFAIL); once it is back, one flush brings all.
	tag=$B-dbdown
	if new_db "$B" "$tag" && ovpn_server_start "$tag" tcp 3; then
		check "$tag: database taken down" db_down "$B"
		mid_flush() {
			is "$tag: flush while connected and the database down exits 75" \
			    "$(flush "$B" "$INI")" 75
			is "$tag: connect events kept" "$(spooled)" 2
		}
		run_clients "$tag" "$B" "$INI" mid_flush
		is "$tag: flush after the disconnects, database down, exits 75" \
		    "$(flush "$B" "$INI")" 75
		is "$tag: all 4 events kept" "$(spooled)" 4
		is "$tag: nothing quarantined" "$(find "$OVPN_SPOOL/failed" -type f | wc -l)" 0
		check "$tag: database back up" db_up "$B"
		is "$tag: flush with the database back exits 0" "$(flush "$B" "$INI")" 0
		common_rows "$tag" "$B" "$INI" tcp
		check "$tag: server stops" ovpn_server_stop
	fi
	[ "${DB_DOWN:-0}" = 1 ] && db_up "$B"

	# 4. Status file: live duration and byte updates while connected,
	#    then the real disconnects win.
	tag=$B-status
	if new_db "$B" "$tag" && ovpn_server_start "$tag" tcp 3; then
		status_section
		check "$tag: '$CN1' connects" ovpn_client_start "$CN1" alice pw-alice
		check "$tag: '$CN2' connects" ovpn_client_start "$CN2"
		check "$tag: traffic through the tunnel" ovpn_ping_from "$CN1" -c 4 -s 1000
		check "$tag: the status file is rewritten and lists both" status_after "$(date +%s)"
		snapshot "$tag"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		live=$(live_row "$B" "$INI" "$CN1")
		check "$tag: open session with bytes and duration from the status file ($live)" \
		    awk -F'|' '$1 == "" && $2 >= 0 && $3 >= 4000 && $4 >= 4000 && $5 > 0 { ok = 1 } END { exit !ok }' <<<"$live"
		check "$tag: more traffic" ovpn_ping_from "$CN1" -c 4 -s 1000
		check "$tag: the status file is rewritten" status_after "$(date +%s)"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		live2=$(live_row "$B" "$INI" "$CN1")
		check "$tag: a later snapshot raises bytes and last_update ($live -> $live2)" \
		    awk -F'|' -v a="$live" 'BEGIN { split(a, o, "|") }
			$1 == "" && $3 >= o[3] + 4000 && $4 >= o[4] + 4000 && $5 > o[5] &&
			$2 > o[2] { ok = 1 } END { exit !ok }' <<<"$live2"
		check "$tag: '$CN1' stops (SIGTERM)" ovpn_client_stop "$CN1"
		check "$tag: '$CN2' leaves (management client-kill)" ovpn_client_kill_mgmt "$CN2"
		check "$tag: 2 disconnect events spooled" ovpn_wait_events disconnect 2
		snapshot "$tag"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		expect_row "$tag" "$B" "$INI" "$CN1"
		expect_row "$tag" "$B" "$INI" "$CN2"
		check "$tag: server stops" ovpn_server_stop
	fi

	# 5. The server killed with SIGKILL with clients connected (no
	#    client-disconnect), then restarted: the clients' new connects
	#    carry a newer daemon_start_time and close the old sessions as
	#    inferred at their last-seen time.
	tag=$B-kill9
	if new_db "$B" "$tag" && ovpn_server_start "$tag" tcp 2; then
		status_section
		check "$tag: '$CN1' connects" ovpn_client_start "$CN1" alice pw-alice
		check "$tag: '$CN2' connects" ovpn_client_start "$CN2"
		check "$tag: traffic through the tunnel" ovpn_ping_from "$CN1"
		check "$tag: the status file lists both" status_after "$(date +%s)"
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		old_pid=$(ovpn_server_pid)
		check "$tag: server killed with SIGKILL" ovpn_server_kill
		is "$tag: no disconnect hook ran" "$(ovpn_events disconnect | wc -l)" 0
		sleep 1	# a new daemon_start_time (seconds)
		check "$tag: server restarted" ovpn_server_start "$tag" tcp 2
		check "$tag: both clients reconnect by themselves" ovpn_wait_events connect 2 30
		is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
		is "$tag: the two old sessions are closed as inferred, at their last-seen time" \
		    "$(backend_sql "$B" "$INI" "SELECT COUNT(*) FROM session WHERE end_reason = 'inferred'
			AND daemon_pid = $old_pid AND disconnect_time = last_update
			AND duration = disconnect_time - connect_time")" 2
		is "$tag: the two new ones are open" \
		    "$(backend_sql "$B" "$INI" "SELECT COUNT(*) FROM session WHERE disconnect_time IS NULL
			AND daemon_pid = $(ovpn_server_pid)")" 2
		is "$tag: the instance holds the new incarnation" \
		    "$(backend_sql "$B" "$INI" "SELECT daemon_pid FROM instance")" "$(ovpn_server_pid)"
		ovpn_client_stop "$CN1"; ovpn_client_stop "$CN2"
		check "$tag: server stops" ovpn_server_stop
	fi
	diag "$B: scenarios took $((SECONDS - t0)) s"
done

# UDP once (the 5 s explicit-exit-notify delay): the protocol reaches the
# instance row and the sessions.
B=${TEST_BACKENDS%% *}
tag=$B-udp
t0=$SECONDS
if new_db "$B" "$tag" && ovpn_server_start "$tag" udp 2; then
	run_clients "$tag" "$B" "$INI"
	is "$tag: flush exits 0" "$(flush "$B" "$INI")" 0
	common_rows "$tag" "$B" "$INI" udp
	check "$tag: server stops" ovpn_server_stop
fi
diag "udp: scenario took $((SECONDS - t0)) s"

[ "$_t_failed" = 0 ] || sed 's/^/# flush: /' "$T/flush.log" | tail -20
done_testing
