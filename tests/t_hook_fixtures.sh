#!/bin/bash
# The hook under `env -i` with exactly each real OpenVPN 2.6.14
# environment of $FIXTURES/env (argv from its #argv lines): one complete
# event file in new/ that parses back (evdump) to the same value for every
# allow-listed variable, absent ones absent, nothing else captured.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"

ALLOW="script_type time_unix time_ascii time_duration bytes_received
bytes_sent common_name username trusted_ip trusted_ip6 trusted_port
untrusted_ip untrusted_ip6 untrusted_port ifconfig_pool_remote_ip
ifconfig_pool_remote_ip6 IV_VER IV_PLAT IV_PLAT_VER IV_GUI_VER tls_serial_0
tls_serial_hex_0 tls_digest_sha256_0 tls_digest_0 session_id proto_1 local_1
local_port_1 dev daemon_pid daemon_start_time time_update"
OWN="type spool_time hook_version instance_name instance_proto instance_port"
NAME_RE='^[0-9]{10}\.[0-9]{9}\.[0-9]+\.[0-9a-f]{8}\.(connect|disconnect|update)$'

nfix=0
for f in "$FIXTURES"/env/*.env; do
	fx=$(basename "$f" .env)
	nfix=$((nfix + 1))
	sp="$T/sp-$fx"
	mkspool "$sp"
	mapfile -t envl < <(grep -v '^#' "$f")
	args=()
	argc=$(sed -n 's/^#argc=//p' "$f")
	for ((i = 1; i <= argc; i++)); do
		args+=("$(sed -n "s/^#argv$i=//p" "$f")")
	done
	before=$(date +%s)
	env -i "${envl[@]}" "$SPOOLBIN" -s "$sp" "${args[@]}" \
		>"$T/out" 2>"$T/err"
	rc=$?
	after=$(date +%s)
	is "$fx: hook exits 0" "$rc" 0
	is "$fx: hook prints nothing" "$(cat "$T/out" "$T/err")" ""
	files=("$sp"/new/*)
	is "$fx: exactly one file in new/" "${#files[@]}" 1
	[ -f "${files[0]}" ] || continue
	ev="${files[0]}"
	base=$(basename "$ev")
	if [[ "$base" =~ $NAME_RE ]]; then ok "$fx: name '$base' is a spool name"
	else fail "$fx: name '$base' is a spool name"; fi
	want_type=$(sed -n 's/^script_type=client-//p' "$f")
	is "$fx: name ends with the type" "${base##*.}" "$want_type"
	is "$fx: tmp/ is empty" "$(ls -A "$sp/tmp")" ""
	is "$fx: file mode 0640" "$(stat -c %a "$ev")" 640
	if "$EVDUMP" "$ev" >"$T/dump" 2>"$T/dumperr"; then
		ok "$fx: the file parses"
	else
		fail "$fx: the file parses: $(cat "$T/dumperr")"; continue
	fi

	# Every allow-listed variable: same bytes when present, absent when
	# absent.  Compared byte for byte through evdump -k (no newline).
	bad="" n=0
	for v in $ALLOW; do
		if grep -q "^$v=" "$f"; then
			n=$((n + 1))
			grep "^$v=" "$f" | head -1 | cut -d= -f2- | tr -d '\n' \
				>"$T/want"
			"$EVDUMP" -k "$v" "$ev" >"$T/got"
			cmp -s "$T/want" "$T/got" || bad="$bad $v"
		else
			"$EVDUMP" -k "$v" "$ev" >/dev/null
			[ $? -eq 2 ] || bad="$bad $v(should be absent)"
		fi
	done
	is "$fx: all $n captured variables round-trip, absent ones absent" \
		"${bad:-none}" none
	[ "$n" -ge 20 ] && ok "$fx: at least 20 variables compared ($n)" \
		|| fail "$fx: at least 20 variables compared ($n)"

	# Nothing outside the allow-list and the hook's own fields.
	extra=""
	for k in $(cut -d= -f1 "$T/dump"); do
		case " $(echo $ALLOW $OWN) " in *" $k "*) ;; *) extra="$extra $k" ;; esac
	done
	is "$fx: no variable outside the allow-list (X509_*, config, UV_* ...)" \
		"${extra:-none}" none
	is "$fx: type is the first field" "$(head -1 "$T/dump")" "type=$want_type"
	is "$fx: instance from proto_1/local_port_1" \
		"$("$EVDUMP" -k instance_name "$ev")|$("$EVDUMP" -k instance_proto "$ev")|$("$EVDUMP" -k instance_port "$ev")" \
		"|udp4|1194"
	is "$fx: hook_version" "$("$EVDUMP" -k hook_version "$ev")" "0.1.0"
	st=$("$EVDUMP" -k spool_time "$ev")
	if [[ "$st" =~ ^[0-9]{10}\.[0-9]{9}$ ]] && [ "${st%.*}" -ge "$before" ] &&
	    [ "${st%.*}" -le "$after" ] && [ "${base%%.*}.$(echo "$base" | cut -d. -f2)" = "$st" ]; then
		ok "$fx: spool_time is now and equals the name's time ($st)"
	else
		fail "$fx: spool_time is now and equals the name's time ($st, $base)"
	fi
	"$EVDUMP" -k truncated "$ev" >/dev/null
	is "$fx: no 'truncated' field" "$?" 2
done
[ "$nfix" -ge 8 ] && ok "ran all $nfix fixture environments" ||
	fail "ran all fixture environments (found $nfix)"
done_testing
