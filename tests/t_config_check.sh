#!/bin/bash
# The configuration from the command line: etc/ovpnlog.ini (as shipped,
# and with every setting uncommented) passes check-config, which prints
# the effective values with the password masked; errors name FILE:LINE and
# exit 78; usage errors exit 64; help and --version.
. "$TOP/tests/lib/common.sh"

out=$("$OVPNLOG" -c "$TOP/etc/ovpnlog.ini" check-config 2>"$T/err")
is "etc/ovpnlog.ini passes check-config" "$?" 0
is "... the last line is 'configuration OK'" "$(tail -n1 <<<"$out")" "configuration OK"
check "... prints the backend it would use" grep -q '^backend = sqlite$' <<<"$out"

# Every documented setting, uncommented, must be a known key with a
# valid example value (a server backend: the sqlite keys go).
echo "pw-from-file" >"$T/pw"
chmod 600 "$T/pw"
sed -E 's/^;([A-Za-z_.]+ = |\[instance)/\1/' "$TOP/etc/ovpnlog.ini" |
	sed -E '/^(path|busy_timeout|password) = /d; s/^backend = sqlite/backend = postgresql/' |
	sed "s|^password_file = .*|password_file = $T/pw|" >"$T/all.ini"
chmod 600 "$T/all.ini"
out=$("$OVPNLOG" -c "$T/all.ini" check-config 2>"$T/err")
is "every setting of etc/ovpnlog.ini, uncommented, passes check-config" "$?" 0
sed 's/^/# /' "$T/err"
for k in dir tmp_grace backend host port dbname user password_file sslmode \
    sslrootcert sslcert sslkey connect_timeout option.application_name \
    env.PGSERVICEFILE batch_size retry_min retry_max watch_latency \
    rescan_interval status_interval stats_file name protocol status_file \
    status_version status_max_age status_create_missing \
    status_all_or_nothing; do
	grep -q "^$k = " <<<"$out" || fail "check-config prints $k"
done
ok "check-config prints every setting of the example"
check "the password from password_file is masked" \
	test "$(grep -c pw-from-file <<<"$out")" = 0

printf '[database]\nbackend = postgresql\ndbname = d\npassword = s3cret\n' >"$T/pw.ini"
chmod 644 "$T/pw.ini"
out=$("$OVPNLOG" -c "$T/pw.ini" check-config 2>"$T/err")
is "a config with a password passes" "$?" 0
check "... the password is masked" test "$(grep -c s3cret <<<"$out")" = 0
check "... and it warns that others can read it" \
	grep -q "warning: $T/pw.ini holds a password and is readable by others (mode 0644)" "$T/err"

# Errors: FILE:LINE: reason, exit 78.
err_case() {
	local name=$1 text=$2 want=$3
	printf '%b' "$text" >"$T/e.ini"
	"$OVPNLOG" -c "$T/e.ini" check-config >/dev/null 2>"$T/err"
	is "$name: exit 78" "$?" 78
	check "$name: says '$want'" grep -qF "error: $T/e.ini:$want" "$T/err"
}
DB='[database]\nbackend = sqlite\npath = /x.sqlite\n'
err_case "unknown section" "$DB[flsuh]\n" "4: unknown section [flsuh]"
err_case "unknown key" "$DB[flush]\nbatchsize = 5\n" "5: unknown key 'batchsize' in [flush]"
err_case "duplicate key" "$DB[flush]\nbatch_size = 5\nbatch_size = 6\n" "6: duplicate key 'batch_size' in [flush] (first set at line 5)"
err_case "bad number" "$DB[flush]\nbatch_size = five\n" "5: batch_size: bad number"
err_case "bad duration" "$DB[flush]\nretry_max = 10\n" "5: retry_max: '10' lacks a unit"

"$OVPNLOG" -c "$T/none.ini" check-config >/dev/null 2>"$T/err"
is "a missing config file: exit 78" "$?" 78
check "... naming it" grep -q "cannot open $T/none.ini: No such file" "$T/err"
if [ ! -e /etc/ovpnlog/ovpnlog.ini ]; then
	"$OVPNLOG" check-config >/dev/null 2>"$T/err"
	check "without -c the default /etc/ovpnlog/ovpnlog.ini is read" \
		grep -q "/etc/ovpnlog/ovpnlog.ini" "$T/err"
fi

# The command line.
"$OVPNLOG" frobnicate >/dev/null 2>"$T/err"
is "an unknown command exits 64" "$?" 64
check "... and prints the usage" grep -q "usage: ovpnlog" "$T/err"
"$OVPNLOG" >/dev/null 2>&1
is "no command exits 64" "$?" 64
"$OVPNLOG" -x help >/dev/null 2>&1
is "an unknown global option exits 64" "$?" 64
"$OVPNLOG" -c "$T/all.ini" flush extra >/dev/null 2>&1
is "flush with an extra argument exits 64" "$?" 64
"$OVPNLOG" -c "$T/all.ini" requeue >/dev/null 2>&1
is "requeue without a name exits 64" "$?" 64
out=$("$OVPNLOG" help)
is "help exits 0" "$?" 0
for c in flush init-db check-config requeue help; do
	grep -q "^  $c" <<<"$out" || fail "help lists $c"
done
ok "help lists flush, init-db, check-config, requeue, help"
out=$("$OVPNLOG" --version)
is "--version exits 0" "$?" 0
check "--version names the version and the backends ($out)" \
	grep -qE '^backends: sqlite( |$)' <<<"$(sed -n 2p <<<"$out")"

for m in ovpnlog.8 ovpnlog.ini.5; do
	out=$(mandoc -Tlint -W warning "$TOP/man/$m" 2>&1)
	is "man/$m is clean under mandoc -Tlint" "$out" ""
done
# The first list of EXIT STATUS: the flusher's codes.
codes=$(sed -n '/^\.Sh EXIT STATUS/,/^\.El/s/^\.It \([0-9]*\)$/\1/p' "$TOP/man/ovpnlog.8" | tr '\n' ' ')
is "ovpnlog(8) EXIT STATUS lists every exit code of flush" "$codes" "0 64 65 74 75 78 "
done_testing
