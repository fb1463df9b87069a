# tests/lib/status.sh — helpers of the t_status_* tests.  Sourced after
# tests/lib/common.sh, backend.sh and flush.sh.
#
#   status_v2 FILE TIME [CLIENT...]   writes an OpenVPN 2.6 status file
#                         (status-version 2) with TIME and one CLIENT_LIST
#                         line per CLIENT "CN|IP:PORT|VPN4|BYTES_IN|BYTES_OUT|SINCE"
#                         ("RAW:LINE" puts LINE there as it is)
#   ev_at SPOOL SECONDS TYPE VAR=value...
#                         runs the hook (instance main/udp/1194) with that
#                         environment and renames the event so that its
#                         name (replay order) says SECONDS.000000001
#   ev_connect SPOOL AT CN IP PORT SINCE [DAEMON_START [PID]]
#   ev_disconnect SPOOL AT CN IP PORT SINCE DURATION BYTES_IN BYTES_OUT
#   snap_spool SPOOL FILE the hook's --status for instance main/udp/1194
#   srow B INI CN SINCE   the session's disconnect_time|duration|bytes_in|
#                         bytes_out|last_update|end_reason|origin
#   down_ini B INI OUT    a copy of INI whose database cannot be reached
#   fixture_at SPOOL AT FIXTURE [VAR=value...]
#                         hook_fixture, the event renamed as ev_at does
#   status_ini B NAME [KEY=VALUE...]
#                         flush_env plus an [instance main] section
#                         (port 1194, protocol udp) with the given keys

status_v2() {
	local f=$1 t=$2 c cn addr vpn bin bout since
	shift 2
	{
		printf 'TITLE,OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL] [PKCS11] [MH/PKTINFO] [AEAD] [DCO]\n'
		printf 'TIME,%s,%s\n' "$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')" "$t"
		printf 'HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher\n'
		local id=0
		for c in "$@"; do
			case $c in RAW:*) printf '%s\n' "${c#RAW:}"; continue ;; esac
			IFS='|' read -r cn addr vpn bin bout since <<<"$c"
			printf 'CLIENT_LIST,%s,%s,%s,,%s,%s,%s,%s,UNDEF,%d,%d,AES-256-GCM\n' \
				"$cn" "$addr" "$vpn" "$bin" "$bout" \
				"$(date -u -d "@$since" '+%Y-%m-%d %H:%M:%S')" "$since" "$id" "$id"
			id=$((id + 1))
		done
		printf 'HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)\n'
		printf 'GLOBAL_STATS,Max bcast/mcast queue length,0\nGLOBAL_STATS,dco_enabled,0\nEND\n'
	} >"$f"
}

ev_at() {
	local sp=$1 at=$2 type=$3 f
	shift 3
	rm -rf "$sp.one"
	mkspool "$sp.one"
	env -i "$@" "$SPOOLBIN" -q -s "$sp.one" -n main -r udp -o 1194 \
		--fsync=none || return 1
	f=$(ls "$sp.one/new")
	[ -n "$f" ] || return 1
	mv "$sp.one/new/$f" "$sp/new/$at.000000001.${f#*.*.}"
	rm -rf "$sp.one"
}

ev_connect() {
	local sp=$1 at=$2 cn=$3 ip=$4 port=$5 since=$6 dst=${7:-} pid=${8:-4242}
	ev_at "$sp" "$at" connect script_type=client-connect common_name="$cn" \
		trusted_ip="$ip" trusted_port="$port" time_unix="$since" \
		ifconfig_pool_remote_ip=10.99.0.9 \
		${dst:+daemon_start_time=$dst daemon_pid=$pid}
}

ev_disconnect() {
	local sp=$1 at=$2 cn=$3 ip=$4 port=$5 since=$6 dur=$7 bin=$8 bout=$9
	ev_at "$sp" "$at" disconnect script_type=client-disconnect \
		common_name="$cn" trusted_ip="$ip" trusted_port="$port" \
		time_unix="$since" time_duration="$dur" bytes_received="$bin" \
		bytes_sent="$bout" ifconfig_pool_remote_ip=10.99.0.9
}

snap_spool() {
	env -i "$SPOOLBIN" -q --strict -s "$1" -n main -r udp -o 1194 \
		--fsync=none --status "$2"
}

srow() {
	backend_sql "$1" "$2" "SELECT disconnect_time, duration, bytes_in,
		bytes_out, last_update, end_reason, origin FROM session
		WHERE cn = '$3' AND connect_time = $4"
}

status_ini() {
	local b=$1 name=$2 kv
	shift 2
	flush_env "$b" "$name" || return 1
	{
		printf '\n[instance main]\nname = main\nport = 1194\nprotocol = udp\n'
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} >>"$INI"
}

down_ini() {
	local db='/^\[database\]/,/^\[/'
	case $1 in
	sqlite) sed "$db s|^path = .*|path = $T/no-such-dir/db.sqlite|" "$2" ;;
	postgresql) sed "$db s|^port = .*|port = 1|" "$2" ;;
	mysql) sed -e "$db s|^host = .*|host = $T/no-such-dir/mysql.sock|" \
		-e "$db s|^port = .*|port = 1|" "$2" ;;
	esac >"$3"
	chmod 600 "$3"
}

fixture_at() {
	local sp=$1 at=$2 fx=$3 f
	shift 3
	rm -rf "$sp.one"
	mkspool "$sp.one"
	hook_fixture "$sp.one" "$fx" "$@" || return 1
	f=$(ls "$sp.one/new")
	[ -n "$f" ] || return 1
	mv "$sp.one/new/$f" "$sp/new/$at.000000001.${f#*.*.}"
	rm -rf "$sp.one"
}
