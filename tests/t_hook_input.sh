#!/bin/bash
# Bad and hostile input to the hook: missing required variables, unknown
# script_type, over-long values (kept truncated and marked), bad numbers,
# binary values; db-update; IPv6 clients; closed fds 0-2; umask.
# Each problem gives one clear message; nothing partial lands in new/.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
SP="$T/spool"
mkspool "$SP"
CONNECT=(script_type=client-connect common_name=client1 time_unix=1795783710
	trusted_ip=192.0.2.7 trusted_port=40000 proto_1=udp4 local_port_1=1194)
DISCONNECT=(script_type=client-disconnect common_name=client1
	time_unix=1795783710 trusted_ip=192.0.2.7 trusted_port=40000
	time_duration=11 bytes_received=2921 bytes_sent=2897)

# without NAME ARRAY...: the array minus NAME=...
without() {
	local drop="$1" x; shift
	for x in "$@"; do [ "${x%%=*}" = "$drop" ] || printf '%s\0' "$x"; done
}
# run [hook args] -- env...: runs the hook; $rc, $T/err, $SP/new.
run() {
	local a=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	rm -f "$SP"/new/* "$SP"/tmp/*
	env -i "$@" "$SPOOLBIN" -s "$SP" "${a[@]}" >"$T/out" 2>"$T/err"
	rc=$?
}
nfiles() { ls -A "$SP/new" "$SP/tmp" | grep -vc -e '^$' -e ':$'; }
newfile() { local f=("$SP"/new/*); echo "${f[0]}"; }
# bad NAME MESSAGE-SUBSTRING [hook args] -- env...: a bad-input case:
# exit 0 and the message without --strict, exit 1 with it, no file.
bad() {
	local name="$1" msg="$2"; shift 2
	run "$@"
	local m; m=$(cat "$T/err")
	is "$name: exit 0 (fail-open)" "$rc" 0
	case "$m" in *"$msg"*) ok "$name: message '$msg'" ;;
	*) fail "$name: message '$msg'"; diag "got: $m" ;; esac
	is "$name: exactly one message line" "$(wc -l <"$T/err")" 1
	is "$name: nothing in new/ or tmp/" "$(nfiles)" 0
	run --strict "$@"
	is "$name: --strict exits 1" "$rc" 1
	is "$name: --strict leaves nothing in new/ or tmp/" "$(nfiles)" 0
}

for v in common_name time_unix trusted_port; do
	mapfile -d '' -t e < <(without "$v" "${CONNECT[@]}")
	bad "connect without $v" "missing required variable for client-connect (absent or empty): $v" -- "${e[@]}"
done
mapfile -d '' -t e < <(without trusted_ip "${CONNECT[@]}")
bad "connect without trusted_ip/trusted_ip6" "missing required variable for client-connect (absent or empty): trusted_ip or trusted_ip6" -- "${e[@]}"
bad "connect with empty common_name" "missing required variable for client-connect (absent or empty): common_name" \
	-- "${CONNECT[@]}" common_name=
for v in time_duration bytes_received bytes_sent; do
	mapfile -d '' -t e < <(without "$v" "${DISCONNECT[@]}")
	bad "disconnect without $v" "(absent or empty): $v" -- "${e[@]}"
done
mapfile -d '' -t e < <(without bytes_sent "${DISCONNECT[@]}")
mapfile -d '' -t e < <(without common_name "${e[@]}")
bad "disconnect without two variables" "missing required variables for client-disconnect (absent or empty): common_name, bytes_sent" -- "${e[@]}"
mapfile -d '' -t e < <(without script_type "${CONNECT[@]}")
bad "no script_type" "missing required variable script_type" -- "${e[@]}"
bad "unknown script_type" "unknown script_type 'up' (expected client-connect, client-disconnect or db-update)" \
	-- "${CONNECT[@]}" script_type=up
bad "script_type with control bytes is quoted escaped" "unknown script_type 'x\\x1b[2J\\x0a'" \
	-- "${CONNECT[@]}" script_type=$'x\e[2J\n'

bad "time_unix not a number" "bad value for time_unix: '12a' is not a decimal number in 0..9999999999" \
	-- "${CONNECT[@]}" time_unix=12a
bad "trusted_port out of range" "bad value for trusted_port: '70000' is not a decimal number in 0..65535" \
	-- "${CONNECT[@]}" trusted_port=70000
bad "bytes_sent negative" "bad value for bytes_sent: '-1'" -- "${DISCONNECT[@]}" bytes_sent=-1
bad "time_duration with a space" "bad value for time_duration: ' 11'" -- "${DISCONNECT[@]}" "time_duration= 11"
bad "daemon_pid too large" "bad value for daemon_pid: '99999999999'" -- "${CONNECT[@]}" daemon_pid=99999999999
bad "bytes_received with 30 digits" "bad value for bytes_received: '123456789012345678901234567890'" \
	-- "${DISCONNECT[@]}" bytes_received=123456789012345678901234567890
bad "untrusted_port (optional) still checked" "bad value for untrusted_port" -- "${CONNECT[@]}" untrusted_port=x

# Over-long values: kept truncated, marked, one warning each, exit 0.
long=$(head -c 5000 /dev/zero | tr '\0' A)
run --strict -- "${CONNECT[@]}" common_name="$long"
is "over-long common_name: --strict still exits 0 (the event is spooled)" "$rc" 0
f=$(newfile)
is "over-long common_name: kept, cut to 256 bytes" "$("$EVDUMP" -k common_name "$f")" "${long:0:256}"
is "over-long common_name: marked in truncated" "$("$EVDUMP" -k truncated "$f")" "common_name:5000"
grep -q "client-connect: common_name is 5000 bytes, over its limit of 256: kept truncated" "$T/err" &&
	ok "over-long common_name: warning names it" || fail "over-long common_name: warning names it: $(cat "$T/err")"
is "over-long common_name: one message line" "$(wc -l <"$T/err")" 1
run -q -- "${CONNECT[@]}" common_name="$long"
is "-q: no warning on stderr" "$(cat "$T/err")" ""

run -- "${CONNECT[@]}" common_name="$long" IV_PLAT_VER="${long:0:3000}" username="${long:0:256}"
f=$(newfile)
is "two over-long values: both marked, in allow-list order; 256 bytes is not over" \
	"$("$EVDUMP" -k truncated "$f")" "common_name:5000,IV_PLAT_VER:3000"
is "two over-long values: two warnings" "$(grep -c 'kept truncated' "$T/err")" 2

utf="a$(printf 'é%.0s' $(seq 200))"
run -- "${CONNECT[@]}" common_name="$utf"
f=$(newfile)
"$EVDUMP" -k common_name "$f" >"$T/cn"
is "over-long UTF-8 value cut before a split character (255 bytes)" "$(wc -c <"$T/cn")" 255
printf '%s' "${utf:0:128}" | cmp -s - "$T/cn" && ok "over-long UTF-8 value keeps whole characters" ||
	fail "over-long UTF-8 value keeps whole characters"

# Binary values: allowed, escaped, round-trip exactly, one warning.
bin=$'a\x01b\xffc%d=e\x7f\xc2\x85'
run --strict -- "${CONNECT[@]}" common_name="$bin" username=$'alice\nroot'
is "binary values: exit 0" "$rc" 0
f=$(newfile)
printf '%s' "$bin" >"$T/want"
"$EVDUMP" -k common_name "$f" | cmp -s - "$T/want" && ok "binary common_name round-trips byte for byte" ||
	fail "binary common_name round-trips byte for byte"
is "newline in username round-trips" "$("$EVDUMP" -k username "$f")" $'alice\nroot'
grep -q '^common_name=a%01b%FFc%25d=e%7F%C2%85$' "$f" && ok "binary common_name escaped as %XX in the file" ||
	fail "binary common_name escaped as %XX in the file: $(grep common_name "$f")"
is "binary values: one warning each" "$(grep -c 'contains control or non-UTF-8 bytes' "$T/err")" 2
run -- "${CONNECT[@]}" common_name="Müller %41"
is "UTF-8 and '%' are not binary: no warning" "$(cat "$T/err")" ""

# db-update, openvpn-db-log's partial-update API.
UPDATE=(script_type=db-update trusted_ip=192.0.2.7 trusted_port=40000
	common_name=client1 bytes_received=100 bytes_sent=200 time_unix=1795783710)
run --strict -- "${UPDATE[@]}" time_update=1795783800 ifconfig_pool_remote_ip=10.99.0.2
is "db-update: spooled" "$rc" 0
f=$(newfile)
is "db-update: type=update, name ends .update" "$(head -2 "$f" | tail -1)|${f##*.}" "type=update|update"
is "db-update: time_update and ifconfig_pool_remote_ip captured" \
	"$("$EVDUMP" -k time_update "$f")|$("$EVDUMP" -k ifconfig_pool_remote_ip "$f")" "1795783800|10.99.0.2"
for v in common_name bytes_received bytes_sent time_unix trusted_port; do
	mapfile -d '' -t e < <(without "$v" "${UPDATE[@]}")
	run -- "${e[@]}"
	grep -q "missing required variable for db-update (absent or empty): $v" "$T/err" &&
		ok "db-update without $v: message" || fail "db-update without $v: message: $(cat "$T/err")"
done
mapfile -d '' -t e < <(without trusted_ip "${UPDATE[@]}")
mapfile -d '' -t e < <(without trusted_port "${e[@]}")
run -- "${e[@]}" trusted_ip6=2001:db8::7
grep -q "(absent or empty): trusted_port" "$T/err" && ok "db-update over IPv6 still needs trusted_port" ||
	fail "db-update over IPv6 still needs trusted_port: $(cat "$T/err")"
bad "db-update with a bad time_update" "bad value for time_update" -- "${UPDATE[@]}" time_update=soon

# IPv6 transport: trusted_ip6 without a port is fine.
mapfile -d '' -t e < <(without trusted_ip "${CONNECT[@]}")
mapfile -d '' -t e < <(without trusted_port "${e[@]}")
run --strict -- "${e[@]}" trusted_ip6=2001:db8::7
f=$(newfile)
is "IPv6 client without trusted_port: spooled" "$rc|$("$EVDUMP" -k trusted_ip6 "$f")" "0|2001:db8::7"

# The temp-file argument of client-connect is accepted and left alone.
printf 'push "x"\n' >"$T/cc.tmp"
run -- "${CONNECT[@]}" "$T/cc.tmp" 2>/dev/null || true
run "$T/cc.tmp" -- "${CONNECT[@]}"
is "temp-file argument: accepted, file untouched" "$rc|$(nfiles)|$(cat "$T/cc.tmp")" '0|1|push "x"'

# fds 0-2 closed: the event file must not become fd 2 and get messages.
rm -f "$SP"/new/*
env -i "${CONNECT[@]}" common_name="$long" "$SPOOLBIN" -s "$SP" 0<&- 1>&- 2>&-
rc=$?
f=$(newfile)
is "closed fds 0-2: exit 0, one file" "$rc|$(nfiles)" "0|1"
"$EVDUMP" "$f" >/dev/null 2>"$T/e2" && ok "closed fds 0-2: the file parses (warning did not go into it)" ||
	fail "closed fds 0-2: the file parses: $(cat "$T/e2")"

# umask of the caller does not matter: files are 0640.
for u in 000 077; do
	rm -f "$SP"/new/*
	(umask $u; env -i "${CONNECT[@]}" "$SPOOLBIN" -s "$SP")
	is "umask $u: event file mode 0640" "$(stat -c %a "$(newfile)")" 640
done

# Environment variables outside the allow-list are never read, even hostile.
run -- "${CONNECT[@]}" POSIXLY_CORRECT=1 LD_DEBUG= MALLOC_CHECK_=3 X509_0_CN=evil
f=$(newfile)
is "extra environment variables are not captured" "$(grep -c -e X509 -e POSIXLY "$f")" 0
done_testing
