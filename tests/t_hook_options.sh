#!/bin/bash
# The hook's command line: bad options are an operator error, reported
# with one message; exit 0 (the login goes on, nothing spooled) unless
# --strict, then 64 (EX_USAGE).  -h, --version, --fsync values, the one
# accepted trailing argument.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
SP="$T/spool"
mkspool "$SP"
CONNECT=(script_type=client-connect common_name=client1 time_unix=1795783710
	trusted_ip=192.0.2.7 trusted_port=40000)
run() {
	rm -f "$SP"/new/*
	env -i "${CONNECT[@]}" "$SPOOLBIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	n=$(ls "$SP/new" | wc -l)
}
# usage NAME MESSAGE ARGS...
usage() {
	local name="$1" msg="$2"; shift 2
	run "$@"
	is "$name: exit 0 without --strict, nothing spooled" "$rc|$n" "0|0"
	case "$(cat "$T/err")" in
	*"usage error: $msg"*"(try --help); event not recorded, exit 0 (no --strict)") ok "$name: message '$msg'" ;;
	*) fail "$name: message '$msg'"; diag "got: $(cat "$T/err")" ;; esac
	run --strict "$@"
	is "$name: exit 64 with --strict (before)" "$rc|$n" "64|0"
}

usage "unknown long option" "unknown option --bogus" -s "$SP" --bogus
usage "unknown short option" "unknown option -x" -s "$SP" -x
usage "missing option argument" "option -s needs an argument" -s
usage "relative spool path" "-s/--spool: 'spool' is not an absolute path" -s spool
usage "-o 0" "-o/--instance-port: want a port 1..65535, got '0'" -s "$SP" -o 0
usage "-o 65536" "-o/--instance-port: want a port 1..65535, got '65536'" -s "$SP" -o 65536
usage "-o abc" "-o/--instance-port: want a port 1..65535, got 'abc'" -s "$SP" -o abc
usage "-o +1" "-o/--instance-port: want a port 1..65535, got '+1'" -s "$SP" -o +1
usage "-n of 65 bytes" "-n/--instance-name: longer than 64 bytes" -s "$SP" -n "$(printf 'n%.0s' $(seq 65))"
usage "-r of 11 bytes" "-r/--instance-proto: longer than 10 bytes" -s "$SP" -r udp-1234567
usage "--fsync=bogus" "--fsync: want full, file or none, got 'bogus'" -s "$SP" --fsync=bogus
usage "two positional arguments" "unexpected argument 'b'" -s "$SP" a b
usage "first error wins" "unknown option --one" -s "$SP" --one --two

run -s "$SP" --bogus --strict
is "--strict after the bad option still counts: exit 64" "$rc" 64
run -s "$SP" a b --strict
is "--strict after the temp-file argument is an argument, not an option: exit 0" "$rc" 0
run -s "$SP" --strict --bogus -x
is "one message line for several errors" "$(wc -l <"$T/err")" 1

run -s "$SP" -r "$(printf 'r%.0s' $(seq 10))" -o 65535 -n "$(printf 'n%.0s' $(seq 64))"
is "bounds accepted: -r 10 bytes, -o 65535, -n 64 bytes" "$rc|$n" "0|1"
for p in full file none; do
	run -s "$SP" --fsync=$p --strict
	is "--fsync=$p spools" "$rc|$n" "0|1"
	run -s "$SP" --fsync $p
	is "--fsync $p (separate argument) spools" "$rc|$n" "0|1"
done
run -s "$SP" -q --quiet --strict /tmp/openvpn_cc_x.tmp
is "-q/--quiet and the temp-file argument" "$rc|$n|$(cat "$T/err")" "0|1|"
run --spool="$SP" --strict
is "--spool=DIR" "$rc|$n" "0|1"

run -h
is "-h: exit 0, nothing spooled" "$rc|$n" "0|0"
grep -q '^usage: ovpnlog-spool' "$T/out" && grep -q -- '--fsync=POLICY' "$T/out" &&
	ok "-h prints the usage on stdout" || fail "-h prints the usage on stdout"
run --help
grep -q '^usage: ovpnlog-spool' "$T/out" && ok "--help prints the usage" || fail "--help prints the usage"
run --version
is "--version" "$rc|$(cat "$T/out")" "0|ovpnlog-spool 0.1.0"

# Default spool is /var/spool/ovpnlog: a missing one is reported by path.
if [ ! -e /var/spool/ovpnlog ]; then
	run --strict
	is "default spool /var/spool/ovpnlog (absent here): exit 1" "$rc" 1
	grep -q "/var/spool/ovpnlog" "$T/err" && ok "default spool path named in the message" ||
		fail "default spool path named in the message: $(cat "$T/err")"
fi

# POSIXLY_CORRECT in the (untrusted) environment changes nothing.
rm -f "$SP"/new/*
env -i "${CONNECT[@]}" POSIXLY_CORRECT=1 "$SPOOLBIN" -s "$SP" --strict /tmp/x 2>"$T/err"
is "POSIXLY_CORRECT does not change option parsing" "$?|$(ls "$SP/new" | wc -l)" "0|1"
done_testing
