# tests/lib/query_data.sh — a database of known sessions for the query
# tests (tests/t_query_*.sh), on any backend.  Sourced after common.sh and
# backend.sh.
#
# Sessions go through the real pipeline when it exists: the hook
# (ovpnlog-spool under `env -i` with an OpenVPN-like environment) writes
# the events, then `ovpnlog init-db` and `ovpnlog flush` store them.  Until
# the flusher has those subcommands, QD_VIA=sql inserts the same rows with
# SQL (the columns apply.c would write); QD_VIA forces one way.
#
#   qd_setup B NAME        INI in $QD_INI, spool $QD_SPOOL, empty database
#   qd_session KEY INST PROTO PORT CN USER SRC SPORT VPN4 VPN6 CONNECT \
#              [DISCONNECT BYTES_IN BYTES_OUT [END_SRC END_SPORT]]
#                          one session (USER/VPN4/VPN6 "-" for none; no
#                          DISCONNECT: still open); KEY names it for qd_id
#   qd_commit              flushes what qd_session spooled (hook mode)
#   qd_infer KEY           marks KEY's end as inferred (what a status
#                          snapshot does to a session it no longer lists)
#   qd_ledger ID AT        one replay-ledger row
#   qd_count TABLE         rows in TABLE

QD_T0=1795780800	# 2026-11-27T12:00:00Z

_qd_has_flush() {
	"$OVPNLOG" help 2>/dev/null | grep -qw flush &&
		"$OVPNLOG" help 2>/dev/null | grep -qw init-db
}

qd_setup() {
	QD_B=$1
	QD_SPOOL="$T/spool-$2"
	rm -rf "$QD_SPOOL"
	mkspool "$QD_SPOOL"
	QD_INI="$T/$2.ini"
	backend_ini "$1" "$2" "$QD_SPOOL" >"$QD_INI" || return 1
	if [ -z "${QD_VIA:-}" ]; then
		if _qd_has_flush; then QD_VIA=hook; else QD_VIA=sql; fi
	fi
	if [ "$QD_VIA" = hook ]; then
		"$OVPNLOG" -c "$QD_INI" init-db >"$T/initdb.out" 2>&1 || {
			cat "$T/initdb.out" >&2; return 1; }
	else
		local f
		case $1 in
		sqlite) f=sqlite.sql ;;
		postgresql) f=pgsql.sql ;;
		mysql) f=mysql.sql ;;
		esac
		backend_sql "$1" "$QD_INI" "$(sed '/^--/d' "$TOP/schema/$f")" >/dev/null
	fi
}

# _qd_env NAME=VALUE...: the hook's environment, addresses by family.
_qd_addr_env() {
	local prefix=$1 ip=$2 port=$3
	case $ip in
	*:*) echo "${prefix}_ip6=$ip" ;;
	*) echo "${prefix}_ip=$ip" ;;
	esac
	echo "${prefix}_port=$port"
}

_qd_hook() {
	local inst=$1 proto=$2 port=$3; shift 3
	env -i "$@" "$SPOOLBIN" -s "$QD_SPOOL" -n "$inst" -r "$proto" \
		-o "$port" --fsync=none || fail "query data: hook refused $*"
}

qd_session() {
	local key=$1 inst=$2 proto=$3 port=$4 cn=$5 user=$6 src=$7 sport=$8
	local v4=$9 v6=${10} conn=${11} disc=${12:-} bin=${13:-} bout=${14:-}
	local esrc=${15:-$7} eport=${16:-$8}
	[ "$user" = - ] && user=""
	[ "$v4" = - ] && v4=""
	[ "$v6" = - ] && v6=""
	if [ "$QD_VIA" = hook ]; then
		local common=(common_name="$cn" time_unix="$conn"
			daemon_pid=4242 daemon_start_time=$((QD_T0 - 86400 * 90))
			proto_1="$proto" local_port_1="$port" dev=tun0)
		[ -n "$user" ] && common+=(username="$user")
		[ -n "$v4" ] && common+=(ifconfig_pool_remote_ip="$v4")
		[ -n "$v6" ] && common+=(ifconfig_pool_remote_ip6="$v6")
		mapfile -t a < <(_qd_addr_env trusted "$src" "$sport")
		_qd_hook "$inst" "$proto" "$port" script_type=client-connect \
			"${common[@]}" "${a[@]}"
		if [ -n "$disc" ]; then
			mapfile -t a < <(_qd_addr_env trusted "$esrc" "$eport")
			_qd_hook "$inst" "$proto" "$port" \
				script_type=client-disconnect "${common[@]}" \
				"${a[@]}" time_duration=$((disc - conn)) \
				bytes_received="$bin" bytes_sent="$bout"
		fi
		eval "QD_KEY_$key=\"\$conn|\$cn|\$sport\""
		return
	fi
	local q="'" iid
	iid=$(backend_sql "$QD_B" "$QD_INI" "SELECT id FROM instance WHERE
		name = '$inst' AND port = $port AND protocol = '$proto'")
	if [ -z "$iid" ]; then
		backend_sql "$QD_B" "$QD_INI" "INSERT INTO instance (name, port,
			protocol) VALUES ('$inst', $port, '$proto')" >/dev/null
		iid=$(backend_sql "$QD_B" "$QD_INI" "SELECT id FROM instance
			WHERE name = '$inst' AND port = $port AND
			protocol = '$proto'")
	fi
	_qv() { if [ -n "$1" ]; then echo "$q$1$q"; else echo NULL; fi; }
	local dsrc=NULL dport=NULL dur=NULL end=NULL dt=NULL bi=NULL bo=NULL
	if [ -n "$disc" ]; then
		dt=$disc dur=$((disc - conn)) bi=$bin bo=$bout end="'disconnect'"
		dsrc="'$esrc'" dport=$eport
	fi
	backend_sql "$QD_B" "$QD_INI" "INSERT INTO session (instance_id,
		connect_time, src_ip, src_port, cn, vpn_ip4, vpn_ip6,
		disconnect_time, duration, bytes_in, bytes_out, username,
		end_reason, origin, disconnect_src_ip, disconnect_src_port)
		VALUES ($iid, $conn, '$src', $sport, '$cn', $(_qv "$v4"),
		$(_qv "$v6"), $dt, $dur, $bi, $bo, $(_qv "$user"), $end,
		'connect', $dsrc, $dport)" >/dev/null ||
		fail "query data: insert $key"
	eval "QD_KEY_$key=\"\$conn|\$cn|\$sport\""
}

qd_commit() {
	[ "$QD_VIA" = hook ] || return 0
	"$OVPNLOG" -c "$QD_INI" flush >"$T/flush.out" 2>&1 ||
		fail "query data: flush failed: $(cat "$T/flush.out")"
	is "query data: the spool is empty after flush" \
		"$(ls -A "$QD_SPOOL/new")" ""
}

_qd_where() {
	local k="QD_KEY_$1" c cn p
	IFS='|' read -r c cn p <<<"${!k}"
	echo "connect_time = $c AND cn = '$cn' AND src_port = $p"
}

qd_infer() {
	backend_sql "$QD_B" "$QD_INI" "UPDATE session SET
		end_reason = 'inferred' WHERE $(_qd_where "$1")" >/dev/null
}

qd_ledger() {
	backend_sql "$QD_B" "$QD_INI" "INSERT INTO applied_event (event_id,
		applied_at) VALUES ('$1', $2)" >/dev/null
}

qd_count() { backend_sql "$QD_B" "$QD_INI" "SELECT COUNT(*) FROM $1"; }

# The standard data set (times from QD_T0 = 2026-11-27T12:00:00Z):
#   c1      client1/alice  198.51.100.7:43396  10.99.0.2 fd99:99::1000
#           T0 .. T0+600                                       vpn/udp4/1194
#   c2      client2/-      198.51.100.8:56042  10.99.0.2 fd99:99::1001
#           T0+1200 .. T0+1800, end inferred (the VPN address reused)
#   c3      client3/carol  [2001:db8::7]:50000 10.99.0.4 fd99:99::1002
#           T0+1500 .. still open                              edge/tcp4/443
#   s1, s2  shared/bob     203.0.113.9:1111 and :2222 (duplicate-cn)
#           10.99.0.5 and 10.99.0.6, both T0+100 .. T0+700
#   old     client1/alice  198.51.100.7:40000  10.99.0.9, 40 days earlier
#   roam    roamer/dave    192.0.2.1:1000, floats to 192.0.2.99:2000
#           10.99.0.7, T0+300 .. T0+900
qd_standard() {
	local t=$QD_T0
	qd_session c1 vpn udp4 1194 client1 alice 198.51.100.7 43396 \
		10.99.0.2 fd99:99::1000 $t $((t + 600)) 2000 3000
	qd_session s1 vpn udp4 1194 shared bob 203.0.113.9 1111 \
		10.99.0.5 fd99:99::1005 $((t + 100)) $((t + 700)) 10 20
	qd_session s2 vpn udp4 1194 shared bob 203.0.113.9 2222 \
		10.99.0.6 fd99:99::1006 $((t + 100)) $((t + 700)) 30 40
	qd_session roam vpn udp4 1194 roamer dave 192.0.2.1 1000 \
		10.99.0.7 - $((t + 300)) $((t + 900)) 5 6 192.0.2.99 2000
	qd_session c2 vpn udp4 1194 client2 - 198.51.100.8 56042 \
		10.99.0.2 fd99:99::1001 $((t + 1200)) $((t + 1800)) 100 200
	qd_session c3 edge tcp4 443 client3 carol 2001:db8::7 50000 \
		10.99.0.4 fd99:99::1002 $((t + 1500))
	qd_session old vpn udp4 1194 client1 alice 198.51.100.7 40000 \
		10.99.0.9 - $((t - 40 * 86400)) $((t - 40 * 86400 + 3600)) 5 5
	qd_commit
	qd_infer c2
}

# ovpnlog -c $QD_INI ARGS...: stdout in $T/out, stderr in $T/err, status
# in $RC.
q() {
	"$OVPNLOG" -c "$QD_INI" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
