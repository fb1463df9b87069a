#!/bin/bash
# Real OpenVPN 2.6.14 environments -> the hook -> ovpnlog flush -> every
# column of every row, on every backend: normal sessions, a refused
# connect (disconnect without connect gives a complete row), hostile and
# international common names stored verbatim, duplicate-cn sessions kept
# apart, a client that floated, a db-update.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
E="$FIXTURES/env"

# instance|port|proto|SESSION_COLS, ordered by connect_time, cn, src_port.
expected_fixture_rows() {
	local d1=5b:6f:fa:f4:7b:0a:92:e8:d3:a0:98:9e:d6:c2:ab:5b:a9:ba:98:eb:ea:79:d6:9b:e5:3c:94:5a:48:09:b4:b1
	local d2=ee:84:ff:d8:bc:b4:19:a7:b2:0f:1c:25:9a:66:7d:35:10:ff:cf:64:68:f6:0a:f2:6f:40:b3:41:6d:44:7c:2e
	cat <<-ROWS
	main|1194|udp|1795783710|127.0.0.1|43396|client1|10.99.0.2|fd99:99::1000|1795783721|11|3292|3186|alice|2.6.14|linux|6.1.0-linux||8193|$d1|31650|1795783710|1795783721|disconnect|connect|127.0.0.1|43396
	main|1194|udp|1795783710|127.0.0.1|56042|client2|10.99.0.3|fd99:99::1001|1795783721|11|2921|2897||2.6.14|linux|||8194|$d2|31650|1795783710|1795783721|disconnect|connect|127.0.0.1|56042
	main|1194|udp|1795783771|127.0.0.1|42047|client1|10.99.0.2|fd99:99::1000|1795783771|0|2212|1895||2.6.14|linux|||8193|$d1|1789|1795783771|1795783771|disconnect|disconnect|127.0.0.1|42047
	main|1194|udp|1795783771|127.0.0.1|59776|client2|10.99.0.3|fd99:99::1001|1795783779|8|2510|2463||2.6.14|linux|||8194|$d2|1789|1795783771|1795783779|disconnect|connect|127.0.0.1|59776
	ROWS
}

rows() {
	backend_sql "$1" "$INI" "SELECT i.name, i.port, i.protocol,
		$(echo $SESSION_COLS | sed 's/\([a-z_0-9][a-z_0-9]*\)/s.\1/g')
		FROM session s JOIN instance i ON i.id = s.instance_id
		WHERE $2 ORDER BY s.connect_time, s.cn, s.src_port"
}

for b in $TEST_BACKENDS; do
	flush_env "$b" "fix_$b" || { fail "$b: set up the database"; continue; }

	# The order OpenVPN ran the hook in (connect-fail client1's connect
	# hook failed: it never spooled).
	for f in udp-v2.client-connect.client1 udp-v2.client-connect.client2 \
	    udp-v2.client-disconnect.client1 udp-v2.client-disconnect.client2 \
	    connect-fail.client-disconnect.client1 \
	    connect-fail.client-connect.client2 \
	    connect-fail.client-disconnect.client2; do
		hook_fixture "$SP" "$E/$f.env"
	done
	is "$b: seven events spooled" "$(nfiles "$SP/new")" 7
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush of the fixtures exits 0" "$?" 0
	is "$b: new/ is empty after the flush" "$(nfiles "$SP/new")" 0
	is "$b: nothing quarantined" "$(nfiles "$SP/failed")" 0
	is "$b: every column of every fixture session" \
		"$(rows "$b" "1 = 1")" "$(expected_fixture_rows)"
	is "$b: one instance row for main/1194/udp" \
		"$(backend_sql "$b" "$INI" "SELECT id, name, port, protocol FROM instance")" \
		"1|main|1194|udp"
	is "$b: seven ledger rows" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 7

	# Hostile and international common names, verbatim.
	c1="$E/udp-v2.client-connect.client1.env"
	d1="$E/udp-v2.client-disconnect.client1.env"
	evil="x'); DROP TABLE session;--"
	intl='O'"'"'Brien, "Jr." Jürgen € 🔒 ; $1 ? %s'
	hook_fixture "$SP" "$c1" time_unix=1795790000 trusted_port=1001 "common_name=$evil"
	hook_fixture "$SP" "$c1" time_unix=1795790000 trusted_port=1002 "common_name=$intl"
	hook_fixture "$SP" "$d1" time_unix=1795790000 trusted_port=1002 "common_name=$intl" time_duration=5
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush of hostile names exits 0" "$?" 0
	is "$b: hostile common name stored verbatim, table intact" \
		"$(backend_sql "$b" "$INI" "SELECT cn FROM session WHERE src_port = 1001")" \
		"$evil"
	is "$b: commas, quotes and UTF-8 stored verbatim (and closed)" \
		"$(backend_sql "$b" "$INI" "SELECT cn, duration FROM session WHERE src_port = 1002")" \
		"$intl|5"
	is "$b: session table still has every row" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session")" 6

	# duplicate-cn: same cn, same second, two real addresses.
	hook_fixture "$SP" "$c1" time_unix=1795791000 trusted_port=2001
	hook_fixture "$SP" "$c1" time_unix=1795791000 trusted_port=2002 ifconfig_pool_remote_ip=10.99.0.9
	hook_fixture "$SP" "$d1" time_unix=1795791000 trusted_port=2002 ifconfig_pool_remote_ip=10.99.0.9 time_duration=30 bytes_received=7 bytes_sent=8
	# A client that floated: disconnect from another address.
	hook_fixture "$SP" "$c1" time_unix=1795792000 trusted_port=3001 common_name=floater
	hook_fixture "$SP" "$d1" time_unix=1795792000 trusted_ip=192.0.2.77 trusted_port=3999 common_name=floater time_duration=40
	# A db-update (openvpn-db-log's partial update) of an open session,
	# then an older one that must not win.
	hook_fixture "$SP" "$c1" time_unix=1795793000 trusted_port=4001 common_name=upd
	hook_fixture "$SP" "$c1" script_type=db-update time_unix=1795793000 trusted_port=4001 common_name=upd time_update=1795793100 bytes_received=100 bytes_sent=200
	hook_fixture "$SP" "$c1" script_type=db-update time_unix=1795793000 trusted_port=4001 common_name=upd time_update=1795793050 bytes_received=50 bytes_sent=60
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush of duplicate-cn, float and update events exits 0" "$?" 0
	is "$b: duplicate-cn sessions stay two rows, each with its own close" \
		"$(rows "$b" "s.connect_time = 1795791000" | cut -d'|' -f5-12)" \
		"$(printf '%s\n' "127.0.0.1|2001|client1|10.99.0.2|fd99:99::1000|||" \
			"127.0.0.1|2002|client1|10.99.0.9|fd99:99::1000|1795791030|30|7")"
	is "$b: a floated client's disconnect closes its session and records the new address" \
		"$(rows "$b" "s.cn = 'floater'" | cut -d'|' -f5,6,10,11,24-)" \
		"127.0.0.1|3001|1795792040|40|disconnect|connect|192.0.2.77|3999"
	is "$b: db-update sets duration, bytes and last_update; an older one is ignored" \
		"$(rows "$b" "s.cn = 'upd'" | cut -d'|' -f10-13,23,24)" \
		"|100|100|200|1795793100|"

	# A row a status snapshot created before the connect was replayed:
	# the connect fills it in, one row; a disconnect closes a row a
	# snapshot closed as inferred (a real disconnect wins); a second
	# disconnect for a closed session (another event id, same content)
	# changes nothing.
	backend_sql "$b" "$INI" "INSERT INTO session (instance_id,
		connect_time, src_ip, src_port, cn, bytes_in, bytes_out,
		last_update, origin) VALUES (1, 1795794000, '127.0.0.1', 5001,
		'snap', 10, 20, 1795794060, 'status');
		INSERT INTO session (instance_id, connect_time, src_ip, src_port,
		cn, disconnect_time, duration, last_update, end_reason, origin)
		VALUES (1, 1795795000, '127.0.0.1', 6001, 'inferred', 1795795030,
		30, 1795795030, 'inferred', 'connect')" >/dev/null
	hook_fixture "$SP" "$c1" time_unix=1795794000 trusted_port=5001 common_name=snap
	hook_fixture "$SP" "$d1" time_unix=1795795000 trusted_port=6001 common_name=inferred time_duration=90
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush of events meeting existing rows exits 0" "$?" 0
	is "$b: a connect fills the row a status snapshot created" \
		"$(rows "$b" "s.cn = 'snap'" | cut -d'|' -f4-8,12-15,23-25)" \
		"1795794000|127.0.0.1|5001|snap|10.99.0.2|10|20|alice|2.6.14|1795794060||status"
	is "$b: a disconnect wins over an inferred close" \
		"$(rows "$b" "s.cn = 'inferred'" | cut -d'|' -f10,11,14,23-25)" \
		"1795795090|90|alice|1795795090|disconnect|connect"
	before=$(rows "$b" "1 = 1")
	hook_fixture "$SP" "$d1" time_unix=1795795000 trusted_port=6001 common_name=inferred time_duration=500 bytes_received=1
	"$OVPNLOG" -c "$INI" -v flush >"$T/out" 2>&1
	is "$b: a second disconnect of a closed session exits 0" "$?" 0
	is "$b: ... and changes no row" "$(rows "$b" "1 = 1")" "$before"
	check "$b: ... and is counted as for a closed session" \
		grep -q "1 for closed sessions" "$T/out"
	cat "$T/out" | sed 's/^/# /'
done
done_testing
