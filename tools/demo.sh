#!/bin/bash
# tools/demo.sh BUILD_DIR — the main job, live (`make demo` builds first).
#
# As root: a real OpenVPN server and two real clients on loopback, inside
# private network namespaces (tests/lib/openvpn.sh), with BUILD_DIR's
# ovpnlog-spool as the server's client-connect/client-disconnect hook and
# the flusher (`ovpnlog watch`, or `ovpnlog flush` every second) writing
# into a fresh SQLite database.  The session table is printed as the clients
# connect, send traffic through the tunnel and disconnect.  Everything runs
# in a temporary directory that is removed at the end (KEEP_TMP=1 keeps it);
# only the processes and namespaces the demo started are stopped/removed.
#
# Without root (or without openvpn): replays the captured OpenVPN 2.6.14
# environments ($FIXTURES/env, scenario udp-v2) through the hook with
# `env -i`, flushes them into SQLite and prints the table.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: tools/demo.sh BUILD_DIR}" && pwd) || exit 64
export TOP BUILD
# shellcheck source=../tests/lib/common.sh
. "$TOP/tests/lib/common.sh"
# shellcheck source=../tests/lib/openvpn.sh
. "$TOP/tests/lib/openvpn.sh"

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi
die() { echo "demo: $*" >&2; exit 1; }

for f in "$SPOOLBIN" "$OVPNLOG"; do
	[ -x "$f" ] || die "$f is not built (run: make demo)"
done
command -v sqlite3 >/dev/null || die "sqlite3 is not installed (sudo apt-get install sqlite3)"

SPOOL=$T/spool
DB=$T/ovpnlog.sqlite
INI=$T/ovpnlog.ini
mkspool "$SPOOL"

write_ini() {
	cat >"$INI" <<-EOF
	[spool]
	dir = $SPOOL

	[database]
	backend = sqlite
	path = $DB
	EOF
	[ $# -gt 0 ] && printf '%s\n' "" "$@" >>"$INI"
	chmod 600 "$INI"
}

BOX=-box
sqlite3 -box :memory: 'select 1' >/dev/null 2>&1 || BOX=-column
show() {
	sqlite3 $BOX -header -cmd '.timeout 2000' "$DB" "
	SELECT s.id,
	       i.name || '/' || i.protocol || ':' || i.port AS instance,
	       s.cn AS common_name,
	       coalesce(s.username, '') AS username,
	       s.src_ip || ':' || s.src_port AS real_address,
	       s.vpn_ip4, s.vpn_ip6,
	       datetime(s.connect_time, 'unixepoch', 'localtime') AS connected,
	       coalesce(time(s.disconnect_time, 'unixepoch', 'localtime'), '')
	           AS disconnected,
	       s.duration AS secs, s.bytes_in, s.bytes_out,
	       coalesce(s.end_reason, 'open') AS state
	FROM session s JOIN instance i ON i.id = s.instance_id
	ORDER BY s.id"
}
db_count() { sqlite3 -cmd '.timeout 2000' "$DB" "SELECT count(*) FROM session WHERE $1" 2>/dev/null; }

# --- without root: replay the captured environments ------------------------
replay_fixtures() {
	local f t vars=()
	[ -d "$FIXTURES/env" ] || die "no fixtures in $FIXTURES"
	write_ini
	"$OVPNLOG" -c "$INI" init-db || die "ovpnlog init-db failed"
	say "Replaying the captured OpenVPN 2.6.14 environments through $SPOOLBIN"
	: >"$T/cc.tmp"
	for t in client-connect.client1 client-connect.client2 \
	    client-disconnect.client2 client-disconnect.client1; do
		f=$FIXTURES/env/udp-v2.$t.env
		mapfile -t vars < <(fixture_env "$f")
		echo "  env -i <$(basename "$f")> ovpnlog-spool -s $SPOOL"
		case $t in
		client-connect.*)
			env -i "${vars[@]}" "$SPOOLBIN" -s "$SPOOL" "$T/cc.tmp" ;;
		*)	env -i "${vars[@]}" "$SPOOLBIN" -s "$SPOOL" ;;
		esac || die "the hook failed on $f"
	done
	say "The spool now holds (one file per event, oldest first):"
	ls "$SPOOL/new" | sed 's/^/  /'
	say "ovpnlog flush"
	"$OVPNLOG" -c "$INI" flush || die "ovpnlog flush failed"
	say "Sessions in $DB"
	show
}

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: not running as root: a live OpenVPN server needs root (network"
	echo "demo: namespaces, tun devices).  Replaying the captured OpenVPN"
	echo "demo: sessions instead; run 'sudo make demo' for the live demo."
	replay_fixtures
	exit 0
fi
if ! ovpn_available >"$T/why"; then
	sed 's/^# /demo: /' "$T/why"
	echo "demo: replaying the captured OpenVPN sessions instead."
	replay_fixtures
	exit 0
fi

# --- as root: the real thing -----------------------------------------------
OVPN_SPOOL=$SPOOL
ovpn_setup "$T/ovpn"
ovpn_certs || die "certificates: see $T/ovpn/openssl.log"
STATUS=$T/ovpn/demo.status
# Snapshots every second (the default is a minute) so that the table
# shows live byte counts while the clients are connected.
write_ini "[flush]" "status_interval = 1s" "" \
    "[instance demo]" "name = demo" "port = $OVPN_PORT" "protocol = udp" \
    "status_file = $STATUS" "status_version = 2"
"$OVPNLOG" -c "$INI" init-db || die "ovpnlog init-db failed"

FLUSHER_PID=""
# The loop flusher ends by itself after its current round when the stop
# file appears (so no flush is ever killed midway); watch gets SIGTERM.
stop_flusher() {
	[ -n "$FLUSHER_PID" ] || return 0
	touch "$T/flusher.stop"
	[ "$flusher_kind" = watch ] && kill -TERM "$FLUSHER_PID" 2>/dev/null
	wait "$FLUSHER_PID" 2>/dev/null
	FLUSHER_PID=""
}
at_exit stop_flusher
if "$OVPNLOG" help 2>&1 | grep -qw watch; then
	"$OVPNLOG" -c "$INI" watch >"$T/flusher.log" 2>&1 &
	FLUSHER_PID=$!
	flusher_kind=watch
	flusher="ovpnlog watch (inotify)"
else
	( until [ -e "$T/flusher.stop" ]; do
		"$OVPNLOG" -c "$INI" flush; sleep 1; done ) >"$T/flusher.log" 2>&1 &
	FLUSHER_PID=$!
	flusher_kind=loop
	flusher="ovpnlog flush, every second"
fi

say "OpenVPN 2.6 server: UDP 127.0.0.1:$OVPN_PORT in network namespace $OVPN_NS"
echo "  client-connect / client-disconnect: $SPOOLBIN -s $SPOOL -n demo -r udp -o $OVPN_PORT"
echo "  flusher: $flusher -> $DB"
OVPN_HOOK_ARGS="-n demo -r udp -o $OVPN_PORT" \
    ovpn_server_start demo udp 2 "user nobody" "group nogroup" ||
    die "the OpenVPN server did not start"
echo "  server running as nobody, pid $(ovpn_server_pid); status file $STATUS"

say "Two clients connect (each tunnel ends in its own namespace)"
ovpn_client_start alice-laptop alice alice-secret ||
    die "client alice-laptop failed: $(tail -3 "$(ovpn_client_log alice-laptop)")"
echo "  alice-laptop connected (username alice) in namespace $(ovpn_client_ns alice-laptop)"
ovpn_client_start bob-phone ||
    die "client bob-phone failed: $(tail -3 "$(ovpn_client_log bob-phone)")"
echo "  bob-phone connected (certificate only) in namespace $(ovpn_client_ns bob-phone)"
wait_until 10 eval '[ "$(db_count 1)" = 2 ]' || echo "  (the flusher is slow: see $T/flusher.log)"
show

say "Traffic through the tunnels"
ip netns exec "$(ovpn_client_ns alice-laptop)" ping -n -c 20 -i 0.05 -s 1200 -q "$OVPN_SRV_IP4" | sed -n 's/^/  alice-laptop: /; /packets/p'
ip netns exec "$(ovpn_client_ns bob-phone)" ping -6 -n -c 5 -i 0.05 -q "$OVPN_SRV_IP6" | sed -n 's/^/  bob-phone:    /; /packets/p'
# Live byte counts come from status-file snapshots (written every second).
wait_until 15 eval '[ "$(db_count "bytes_in > 0 AND disconnect_time IS NULL")" = 2 ]' ||
    echo "  (no status snapshot with the traffic yet: see $T/flusher.log)"
show

say "alice-laptop disconnects (SIGTERM); bob-phone is kicked (management client-kill)"
ovpn_client_stop alice-laptop
ovpn_client_kill_mgmt bob-phone
echo "  (an UDP server drops a leaving client after 5 seconds)"
wait_until 20 eval '[ "$(db_count "disconnect_time IS NOT NULL")" = 2 ]' ||
    echo "  (not both closed yet: see $T/flusher.log)"
show

say "Stopping the server and the flusher, removing the namespaces"
ovpn_server_stop
stop_flusher
echo "  done: $(db_count 1) sessions recorded; everything else is removed on exit"
[ "${KEEP_TMP:-0}" = 1 ] && echo "  kept: $T"
exit 0
