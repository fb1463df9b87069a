#!/bin/bash
# Which instance the hook records: with any of -n/-r/-o exactly those
# (as openvpn-db-log did), without them ("", proto_1 minus -server/-client,
# local_port_1): two servers on one host are two instances.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
SP="$T/spool"
mkspool "$SP"
BASE=(script_type=client-connect common_name=client1 time_unix=1795783710
	trusted_ip=192.0.2.7 trusted_port=40000)

# inst ENV-EXTRA... -- HOOK-ARGS...: prints name|proto|port of the event.
inst() {
	local e=() a=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do e+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	a=("$@")
	rm -f "$SP"/new/*
	env -i "${BASE[@]}" "${e[@]}" "$SPOOLBIN" -s "$SP" "${a[@]}" 2>"$T/err" || return 1
	local f=("$SP"/new/*)
	[ -f "${f[0]}" ] || { echo "no file: $(cat "$T/err")"; return 1; }
	echo "$("$EVDUMP" -k instance_name "$f")|$("$EVDUMP" -k instance_proto "$f")|$("$EVDUMP" -k instance_port "$f")|$("$EVDUMP" -k truncated "$f")"
}

is "no flags: proto_1 and local_port_1" \
	"$(inst proto_1=udp4 local_port_1=1194 --)" "|udp4|1194|"
is "no flags: a tcp server on 443 is another instance" \
	"$(inst proto_1=tcp4-server local_port_1=443 --)" "|tcp4|443|"
is "no flags: -client suffix removed too" \
	"$(inst proto_1=tcp6-client local_port_1=1195 --)" "|tcp6|1195|"
is "no flags, no proto_1/local_port_1: ('', '', 0)" "$(inst --)" "||0|"
is "no flags: over-long proto_1 cut to 10 bytes and marked" \
	"$(inst proto_1=abcdefghijklmnop-server local_port_1=1 --)" \
	"|abcdefghij|1|instance_proto:16"
is "-n only: exactly (name, '', 0), env ignored" \
	"$(inst proto_1=udp4 local_port_1=1194 -- -n vpn1)" "vpn1||0|"
is "-r and -o: exactly ('', proto, port)" \
	"$(inst proto_1=udp4 local_port_1=1194 -- -r udp -o 1194)" "|udp|1194|"
is "long options: --instance-name/--instance-proto/--instance-port" \
	"$(inst proto_1=udp4 -- --instance-name=office --instance-proto tcp \
		--instance-port=443)" "office|tcp|443|"
n64=$(printf 'n%.0s' $(seq 64))
is "-n of 64 bytes accepted" "$(inst -- -n "$n64")" "$n64||0|"

inst local_port_1=99999 -- --strict >/dev/null
rc=$?
is "bad local_port_1 without flags: --strict exits 1" "$rc" 1
grep -q "bad value for local_port_1" "$T/err" && ok "bad local_port_1: message names it" ||
	fail "bad local_port_1: message names it: $(cat "$T/err")"
rm -f "$SP"/new/*
env -i "${BASE[@]}" local_port_1=99999 "$SPOOLBIN" -s "$SP" -o 7 2>/dev/null
is "bad local_port_1 is bad input even with -o (it is captured): exit 0 without --strict, no file" \
	"$?|$(ls "$SP/new" | wc -l)" "0|0"
done_testing
