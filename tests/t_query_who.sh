#!/bin/bash
# `ovpnlog who` on every backend, against sessions stored by the real hook
# and flusher (tests/lib/query_data.sh): sessions overlapping the moment,
# starting or ending exactly at it, still open, IPv6 (VPN and real
# address, any spelling), duplicate-cn, a floated client, inferred ends,
# time zones, and csv/json that parse.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/query_data.sh"

# who_rows ARGS...: $ROWS is "cn@real_address@end" of each row (CSV), $RC.
who_rows() {
	q who "$@" --format csv --utc
	ROWS=$(python3 -c '
import csv, sys
print(" ".join("%s@%s@%s" % (r["cn"], r["real_address"], r["end"])
               for r in csv.DictReader(open(sys.argv[1]))))' "$T/out")
}

t=$QD_T0
for B in $TEST_BACKENDS; do
	qd_setup "$B" "who$B" || { fail "$B: set up the database"; continue; }
	qd_standard
	diag "$B: data loaded via $QD_VIA"

	who_rows 10.99.0.2 --at 2026-11-27T12:05:00Z
	is "$B who: inside a session (VPN IPv4)" "$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	is "$B who: found exits 0" "$RC" 0
	who_rows 10.99.0.2 --at @$t
	is "$B who: a session starting exactly at the moment matches" "$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	who_rows 10.99.0.2 --at @$((t + 600))
	is "$B who: a session ending exactly at the moment matches" \
		"$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	who_rows 10.99.0.2 --at @$((t + 601))
	is "$B who: one second after the end nobody had it" \
		"$ROWS" ""
	is "$B who: nothing matched exits 1" "$RC" 1
	check "$B who: nothing matched says so, naming the address" \
		grep -q "no session had 10.99.0.2 at 2026-11-27T12:10:01Z" "$T/err"
	who_rows 10.99.0.2 --at @$((t - 1))
	is "$B who: one second before the start nobody had it" \
		"$ROWS" ""
	who_rows 10.99.0.2 --at 2026-11-27T12:25Z
	is "$B who: the next holder of a reused VPN address, end inferred" "$ROWS" \
		"client2@198.51.100.8:56042@inferred"
	who_rows 10.99.0.4
	is "$B who: a still-open session, at the default moment (now)" "$ROWS" "client3@[2001:db8::7]:50000@open"
	who_rows 10.99.0.4 --at +1d
	is "$B who: a still-open session long after its start" "$ROWS" "client3@[2001:db8::7]:50000@open"
	who_rows 10.99.0.4 --at @$((t + 1499))
	is "$B who: not before an open session started" \
		"$ROWS" ""
	who_rows fd99:99::1000 --at @$((t + 10))
	is "$B who: by VPN IPv6 address" \
		"$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	who_rows FD99:0099:0000:0000::1000 --at @$((t + 10))
	is "$B who: by VPN IPv6 address in another spelling" \
		"$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	who_rows 2001:DB8:0:0::7 --at @$((t + 2000))
	is "$B who: by real IPv6 address" \
		"$ROWS" \
		"client3@[2001:db8::7]:50000@open"
	who_rows 198.51.100.7 --at @$((t + 1))
	is "$B who: by real IPv4 address" \
		"$ROWS" \
		"client1@198.51.100.7:43396@disconnect"
	who_rows 203.0.113.9 --at @$((t + 200))
	is "$B who: duplicate-cn, two sessions from one address, both shown" \
		"$(echo "$ROWS" | tr ' ' '\n' | sort | tr '\n' ' ')" \
		"shared@203.0.113.9:1111@disconnect shared@203.0.113.9:2222@disconnect "
	who_rows 10.99.0.6 --at @$((t + 200))
	is "$B who: duplicate-cn, each VPN address names its own session" \
		"$ROWS" \
		"shared@203.0.113.9:2222@disconnect"
	who_rows 192.0.2.99 --at @$((t + 400))
	is "$B who: a floated client, by its address at disconnect" \
		"$ROWS" \
		"roamer@192.0.2.1:1000 -> 192.0.2.99:2000@disconnect"
	who_rows 192.0.2.1 --at @$((t + 400))
	is "$B who: a floated client, by its address at connect" \
		"$ROWS" \
		"roamer@192.0.2.1:1000 -> 192.0.2.99:2000@disconnect"

	# The same instant typed in Berlin local time and in UTC.
	TZ=Europe/Berlin q who 10.99.0.2 --at "2026-11-27 13:05" --format csv
	cp "$T/out" "$T/berlin"
	q who 10.99.0.2 --at "2026-11-27 12:05" --format csv --utc
	check "$B who: TZ=Europe/Berlin 13:05 and --utc 12:05 find the same session" \
		grep -q '^client1,alice,198.51.100.7:43396,' "$T/berlin"
	check "$B who: local times print with the zone's offset" \
		grep -q ',2026-11-27T13:00:00+01:00,2026-11-27T13:10:00+01:00,600,' "$T/berlin"
	check "$B who: --utc prints Z times" \
		grep -q ',2026-11-27T12:00:00Z,2026-11-27T12:10:00Z,600,' "$T/out"
	TZ=Europe/Berlin q who 10.99.0.2 --at "2026-11-27T12:05:00Z" --format csv
	check "$B who: an explicit Z wins over TZ" \
		grep -q '^client1,' "$T/out"

	q who 10.99.0.2 --at 2026-11-27T12:05Z --format json --utc
	is "$B who: json parses, numbers are numbers, missing user is null" \
		"$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = r[0]
print(len(r), s["cn"], s["username"], s["vpn_ip4"], s["vpn_ip6"],
      s["connect_time"], s["duration"], s["bytes_in"], s["bytes_out"],
      s["end"], s["instance"], type(s["duration"]).__name__)' "$T/out")" \
		"1 client1 alice 10.99.0.2 fd99:99::1000 2026-11-27T12:00:00Z 600 2000 3000 disconnect vpn/udp4/1194 int"
	q who 10.99.0.2 --at 2026-11-27T12:25Z --format json
	is "$B who: json null for a session without user name" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["username"])' "$T/out")" \
		"None"
	q who 10.99.0.4 --format json
	is "$B who: json of an open session: no disconnect time, a duration so far" \
		"$(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))[0]
print(s["disconnect_time"], s["end"], s["duration"] > 0)' "$T/out")" \
		"None open True"
	q who 10.99.0.2 --at @$((t + 601)) --format json
	is "$B who: json of no match is an empty array" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$T/out")" "[]"

	q who 203.0.113.9 --at @$((t + 200)) --utc
	is "$B who: the table has a header and one line per session" \
		"$(wc -l <"$T/out")" 3
	check "$B who: the table shows human durations" \
		grep -q '  10m00s  ' "$T/out"
	check "$B who: the table shows the instance as name/proto/port" \
		grep -q 'vpn/udp4/1194$' "$T/out"
done
done_testing
