#!/bin/bash
# A real OpenVPN 2.6 server runs the built ovpnlog-spool as its
# client-connect/client-disconnect hook; real clients connect, send
# traffic through the tunnel and disconnect.  The spooled events must carry
# what OpenVPN and the clients really saw (cross-checked against the
# management interface, the status file and the clients' own tun
# addresses).  Also: --strict against an unwritable spool refuses the
# login; fail-open lets it in and logs why.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/openvpn.sh"

if ! ovpn_available; then
	fail "openvpn: harness available (root, openvpn, openssl, ip netns, ping)"
	done_testing
fi
check "hook: $SPOOLBIN is built" test -x "$SPOOLBIN"
[ -x "$SPOOLBIN" ] || done_testing

ovpn_setup "$T/ovpn"
check "openvpn: CA, server certificate and tls-crypt key made with openssl" ovpn_certs

# status_field FILE SEP CN COLUMN: COLUMN (a header name) of CN's
# CLIENT_LIST row, found by header name as DESIGN.md asks.
status_field() {
	awk -F"$2" -v cn="$3" -v col="$4" '
		$1 == "HEADER" && $2 == "CLIENT_LIST" {
			for (i = 3; i <= NF; i++) if ($i == col) c = i - 1 }
		$1 == "CLIENT_LIST" && $2 == cn && c { print $c; exit }' "$1"
}

# mgmt_field CN COLUMN: the same from the management interface (status 3).
mgmt_field() {
	ovpn_mgmt "status 3" >"$T/mgmt.out"
	status_field "$T/mgmt.out" $'\t' "$1" "$2"
}

# ev_for TYPE CN: the one TYPE event of CN in the spool.
ev_for() {
	local f
	for f in $(ovpn_events "$1"); do
		[ "$(ovpn_ev "$f" common_name)" = "$2" ] && { echo "$f"; return 0; }
	done
	return 1
}

# client_addr CN 4|6: the global address the client's tun got, seen from
# inside the client's namespace.
client_addr() {
	ip -n "$(ovpn_client_ns "$1")" -"$2" -o addr show scope global |
	    awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# scenario NAME PROTO STATUSVERSION CN1 CN2 [config lines...]
# CN1 connects with username alice and sends big pings (v4 and v6); CN2
# has no username and sends a few small pings.  CN1 leaves by SIGTERM,
# CN2 is removed by the management interface (client-kill ... HALT).
scenario() {
	local name=$1 proto=$2 sv=$3 cn1=$4 cn2=$5
	shift 5
	local t0=$SECONDS start sep cn f c d want t d_val
	local -A port_of=() ip4_of=() ip6_of=() since_of=()
	OVPN_SPOOL=$T/spool-$name
	mkspool "$OVPN_SPOOL"
	start=$(date +%s)
	if ! ovpn_server_start "$name" "$proto" "$sv" "$@"; then
		fail "$name: server starts"
		return
	fi
	check "$name: client '$cn1' with username connects" \
	    ovpn_client_start "$cn1" alice "pw-alice"
	check "$name: client '$cn2' without username connects" \
	    ovpn_client_start "$cn2"
	check "$name: ping through the tunnel from '$cn1' (IPv4, 5 x 1200 bytes)" \
	    ovpn_ping_from "$cn1" -c 5 -s 1200
	check "$name: ping through the tunnel from '$cn1' (IPv6)" \
	    ovpn_ping6_from "$cn1"
	check "$name: ping through the tunnel from '$cn2'" \
	    ovpn_ping_from "$cn2"
	is "$name: 2 connect events while connected" \
	    "$(ovpn_events connect | wc -l)" 2

	# What the server and the clients say while the sessions are up.
	for cn in "$cn1" "$cn2"; do
		f=$(mgmt_field "$cn" "Real Address")
		port_of[$cn]=${f##*:}
		since_of[$cn]=$(mgmt_field "$cn" "Connected Since (time_t)")
		ip4_of[$cn]=$(client_addr "$cn" 4)
		ip6_of[$cn]=$(client_addr "$cn" 6)
	done
	[ "$sv" = 3 ] && sep=$'\t' || sep=,
	# The status file is rewritten every second.
	wait_until 4 eval '[ "$(status_field "$OVPN_STATUS" "$sep" "$cn2" "Common Name")" = "$cn2" ]'
	for cn in "$cn1" "$cn2"; do
		is "$name: status v$sv lists '$cn' with its real address" \
		    "$(status_field "$OVPN_STATUS" "$sep" "$cn" "Real Address")" \
		    "127.0.0.1:${port_of[$cn]}"
		is "$name: status v$sv lists '$cn' with its VPN IPv4" \
		    "$(status_field "$OVPN_STATUS" "$sep" "$cn" "Virtual Address")" \
		    "${ip4_of[$cn]}"
	done
	is "$name: status v$sv has the username" \
	    "$(status_field "$OVPN_STATUS" "$sep" "$cn1" "Username")" alice
	check "$name: status v$sv uses its own separator" \
	    grep -q "^CLIENT_LIST${sep}" "$OVPN_STATUS"

	# Leave: one by signal, one by the management interface, at once
	# (UDP servers drop a leaving client after a 5 s delay).
	check "$name: '$cn1' stops on SIGTERM" ovpn_client_stop "$cn1"
	check "$name: '$cn2' leaves on management client-kill HALT" \
	    ovpn_client_kill_mgmt "$cn2"
	check "$name: 2 disconnect events arrive" ovpn_wait_events disconnect 2
	sleep 0.3	# a third event would be a bug; give it a chance to show
	is "$name: exactly 2 connect events" "$(ovpn_events connect | wc -l)" 2
	is "$name: exactly 2 disconnect events" "$(ovpn_events disconnect | wc -l)" 2
	check "$name: tmp/ of the spool is empty" \
	    test -z "$(ls -A "$OVPN_SPOOL/tmp")"

	for cn in "$cn1" "$cn2"; do
		c=$(ev_for connect "$cn") || { fail "$name: connect event of '$cn'"; continue; }
		d=$(ev_for disconnect "$cn") || { fail "$name: disconnect event of '$cn'"; continue; }
		[ "$cn" = "$cn1" ] && want=alice || want=""
		for f in "$c" "$d"; do
			case $f in *.connect) t=connect ;; *) t=disconnect ;; esac
			is "$name: $t '$cn': script_type" "$(ovpn_ev "$f" script_type)" "client-$t"
			is "$name: $t '$cn': username" "$(ovpn_ev "$f" username)" "$want"
			is "$name: $t '$cn': trusted_ip" "$(ovpn_ev "$f" trusted_ip)" 127.0.0.1
			is "$name: $t '$cn': trusted_port = management Real Address port" \
			    "$(ovpn_ev "$f" trusted_port)" "${port_of[$cn]}"
			is "$name: $t '$cn': ifconfig_pool_remote_ip = client's tun address" \
			    "$(ovpn_ev "$f" ifconfig_pool_remote_ip)" "${ip4_of[$cn]}"
			is "$name: $t '$cn': ifconfig_pool_remote_ip6 = client's tun address" \
			    "$(ovpn_ev "$f" ifconfig_pool_remote_ip6)" "${ip6_of[$cn]}"
			is "$name: $t '$cn': time_unix = status Connected Since (time_t)" \
			    "$(ovpn_ev "$f" time_unix)" "${since_of[$cn]}"
			is "$name: $t '$cn': instance_proto from proto_1" \
			    "$(ovpn_ev "$f" instance_proto)" "$proto"
			is "$name: $t '$cn': instance_port from local_port_1" \
			    "$(ovpn_ev "$f" instance_port)" "$OVPN_PORT"
			is "$name: $t '$cn': instance_name empty without -n" \
			    "$(ovpn_ev "$f" instance_name)" ""
			is "$name: $t '$cn': daemon_pid = server pid" \
			    "$(ovpn_ev "$f" daemon_pid)" "$(ovpn_server_pid)"
		done
		check "$name: '$cn': connect time is this run's" \
		    test "${since_of[$cn]:-0}" -ge "$start" -a "${since_of[$cn]:-0}" -le "$(date +%s)"
		is "$name: connect '$cn' has no time_duration" "$(ovpn_ev "$c" time_duration)" ""
		is "$name: connect '$cn' has no bytes_received" "$(ovpn_ev "$c" bytes_received)" ""
		f=$(ovpn_ev "$d" time_duration)
		check "$name: disconnect '$cn': time_duration ($f) fits the wall clock" \
		    test -n "$f" -a "${f:-x}" -ge 0 -a "${f:-0}" -le $(( $(date +%s) - start + 1 ))
		for f in bytes_received bytes_sent; do
			d_val=$(ovpn_ev "$d" "$f")
			[ "$cn" = "$cn1" ] && want=6000 || want=1
			check "$name: disconnect '$cn': $f ($d_val) >= $want" \
			    test -n "$d_val" -a "${d_val:-0}" -ge "$want"
		done
	done
	if [ "${OVPN_RUN_AS:-}" = nobody ]; then
		is "$name: the hook ran as nobody (owner of the event files)" \
		    "$(ovpn_events connect | xargs stat -c %U | sort -u)" nobody
	fi
	check "$name: server stops on SIGTERM" ovpn_server_stop
	diag "$name: scenario took $((SECONDS - t0)) s"
}

OVPN_RUN_AS=nobody scenario udp-v2 udp 2 client1 client2 "user nobody" "group nogroup"
# A common name with a space, a comma and UTF-8: status v3 (TAB) keeps
# it unambiguous, the event must round-trip it byte for byte.
scenario tcp-v3 tcp 3 client1 "Client Two, Ü"

# --- the hook cannot write its spool ---------------------------------------
# As nobody, a root-owned 0755 spool is unwritable (root would bypass
# the permissions, so these servers drop privileges).
ro_spool() {
	OVPN_SPOOL=$T/spool-$1
	mkdir -p "$OVPN_SPOOL/tmp" "$OVPN_SPOOL/new" "$OVPN_SPOOL/failed"
	chmod 755 "$OVPN_SPOOL" "$OVPN_SPOOL/tmp" "$OVPN_SPOOL/new"
}

t0=$SECONDS
ro_spool strict
if OVPN_HOOK_ARGS=--strict ovpn_server_start strict tcp 2 "user nobody" "group nogroup"; then
	if ovpn_client_start strict-client; then
		fail "strict: login refused when the event cannot be spooled"
	else
		ok "strict: login refused when the event cannot be spooled"
	fi
	check "strict: the client got AUTH_FAILED" \
	    grep -q AUTH_FAILED "$(ovpn_client_log strict-client)"
	check "strict: the client exits" ovpn_client_wait_exit strict-client
	check "strict: OpenVPN logs the failed client-connect" \
	    grep -q 'client-connect.*exited with error status' "$OVPN_SRV_LOG"
	check "strict: the hook's reason (ovpnlog-spool: ... Permission denied) is in the server log" \
	    grep -q 'ovpnlog-spool.*Permission denied' "$OVPN_SRV_LOG"
	is "strict: nothing spooled" "$(find "$OVPN_SPOOL" -type f | wc -l)" 0
	check "strict: server stops" ovpn_server_stop
else
	fail "strict: server starts"
fi
diag "strict: scenario took $((SECONDS - t0)) s"

t0=$SECONDS
ro_spool failopen
if ovpn_server_start failopen tcp 2 "user nobody" "group nogroup"; then
	check "fail-open: login works although the event cannot be spooled" \
	    ovpn_client_start open-client
	check "fail-open: traffic flows" ovpn_ping_from open-client
	check "fail-open: the hook's reason (ovpnlog-spool: ... Permission denied) is in the server log" \
	    grep -q 'ovpnlog-spool.*Permission denied' "$OVPN_SRV_LOG"
	check "fail-open: OpenVPN saw the hook succeed" \
	    eval "! grep -q 'client-connect.*exited with error status' '$OVPN_SRV_LOG'"
	check "fail-open: client stops" ovpn_client_stop open-client
	check "fail-open: server stops" ovpn_server_stop
	is "fail-open: nothing spooled" "$(find "$OVPN_SPOOL" -type f | wc -l)" 0
else
	fail "fail-open: server starts"
fi
diag "fail-open: scenario took $((SECONDS - t0)) s"

done_testing
