#!/bin/bash
# The real OpenVPN 2.6.14 status files ($FIXTURES/status) applied with the
# real hook events of the same server ($FIXTURES/env), on every backend:
# the status-version 2 file updates both sessions, the management
# interface's `status 3` answer of the same second changes nothing (not
# newer), the empty file closes them as inferred at the time they were
# last seen, the real disconnects then replace that; with create-missing
# the version 3 files create the sessions no event recorded, and the
# reconnect file closes those it no longer lists.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/status.sh"

E="$FIXTURES/env" S="$FIXTURES/status"
row() {
	backend_sql "$1" "$INI" "SELECT cn, src_port, disconnect_time, duration,
		bytes_in, bytes_out, last_update, end_reason, origin FROM session
		ORDER BY connect_time, cn" | tr '\n' ' '
}

for b in $TEST_BACKENDS; do
	# With the disconnects: one flush of everything, in time order.
	status_ini "$b" "fxa_$b" || { fail "$b: set up"; continue; }
	for c in client1 client2; do
		fixture_at "$SP" 1795783710 "$E/udp-v2.client-connect.$c.env"
		fixture_at "$SP" 1795783721 "$E/udp-v2.client-disconnect.$c.env"
	done
	snap_spool "$SP" "$S/v2-2clients.txt"
	snap_spool "$SP" "$S/v2-0clients.txt"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: fixtures, events and snapshots together: exit 0, spool empty" \
		"$?|$(nfiles "$SP/new")" "0|0"
	is "$b: both sessions end by their real disconnects" "$(row "$b")" \
		"client1|43396|1795783721|11|3292|3186|1795783721|disconnect|connect client2|56042|1795783721|11|2921|2897|1795783721|disconnect|connect "

	# Without them: the server vanished.
	status_ini "$b" "fxb_$b" || { fail "$b: set up"; continue; }
	for c in client1 client2; do
		fixture_at "$SP" 1795783710 "$E/udp-v2.client-connect.$c.env"
	done
	snap_spool "$SP" "$S/v2-2clients.txt"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: v2-2clients updates both sessions" "$(row "$b")" \
		"client1|43396||3|3035|2920|1795783713||connect client2|56042||3|2689|2665|1795783713||connect "
	snap_spool "$SP" "$S/mgmt-status-3.txt"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: management status 3 of the same second: applied, not newer, nothing changes" \
		"$?|$(row "$b")" \
		"0|client1|43396||3|3035|2920|1795783713||connect client2|56042||3|2689|2665|1795783713||connect "
	snap_spool "$SP" "$S/v2-0clients.txt"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: v2-0clients closes both as inferred, at their last-seen time" "$(row "$b")" \
		"client1|43396|1795783713|3|3035|2920|1795783713|inferred|connect client2|56042|1795783713|3|2689|2665|1795783713|inferred|connect "
	for c in client1 client2; do
		fixture_at "$SP" 1795783721 "$E/udp-v2.client-disconnect.$c.env"
	done
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: the late real disconnects replace the inferred values" "$(row "$b")" \
		"client1|43396|1795783721|11|3292|3186|1795783721|disconnect|connect client2|56042|1795783721|11|2921|2897|1795783721|disconnect|connect "

	sed -i 's/^\[instance main\]$/&\nstatus_create_missing = yes/' "$INI"
	snap_spool "$SP" "$S/v3-2clients.txt"
	snap_spool "$SP" "$S/v3-after-reconnect.txt"
	"$OVPNLOG" -v -c "$INI" flush >"$T/out" 2>&1 ||
		sed 's/^/# /' "$T/out"
	is "$b: v3 files with create-missing: created, then closed when no longer listed" \
		"$(row "$b" | cut -d' ' -f3-)" \
		"client1|50880|1795783739|3|3005|2933|1795783739|inferred|status client2|50894|1795783739|3|2782|2753|1795783739|inferred|status client2|37952||1|2426|2341|1795783743||status "
	is "$b: VPN addresses and the username from the status file" \
		"$(backend_sql "$b" "$INI" "SELECT vpn_ip4, vpn_ip6, username FROM session WHERE src_port = 37952" | sed 's|/128||')" \
		"10.99.0.3|fd99:99::1001|"
done
done_testing
