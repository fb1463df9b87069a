# tests/lib/openvpn.sh — a real OpenVPN 2.6 server and clients on loopback,
# inside network namespaces this file creates.  Sourced after
# tests/lib/common.sh (uses $T, $SPOOLBIN, at_exit, mkspool).  Needs root,
# openvpn, openssl, ip (iproute2), perl (management socket), ping.
# See doc/testing-openvpn.md.
#
# Topology: the server and every client process run in the namespace
# $OVPN_NS (only lo up; the server listens on 127.0.0.1:$OVPN_PORT).  Each
# client's tun device is moved by its --up script into the client's own
# namespace (ovpn_client_ns CN) and configured there with the pushed
# addresses, so a ping from that namespace to the server's VPN address
# ($OVPN_SRV_IP4, $OVPN_SRV_IP6) can only travel through the tunnel.
#
#   ovpn_available             0 if this machine can run the harness (else
#                              prints why on stdout as a "# " line)
#   ovpn_setup DIR             state dir, spool DIR/spool, namespaces, cleanup
#   ovpn_certs                 CA, server cert, tls-crypt key (client certs
#                              are made on demand by ovpn_client_start)
#   ovpn_server_start NAME [udp|tcp] [2|3] [config line...]
#                              writes DIR/NAME.conf, starts, waits for ready.
#                              Hook: $OVPN_HOOK (default $SPOOLBIN) with
#                              -s $OVPN_SPOOL $OVPN_HOOK_ARGS; both read at
#                              start time (prefix assignments work).
#   ovpn_client_start CN [USER PASS]  0 once "Initialization Sequence
#                              Completed", 1 if it failed (see its log)
#   ovpn_client_stop CN        SIGTERM, waits for the process to exit
#   ovpn_client_wait_exit CN [SECS]
#   ovpn_client_kill_mgmt CN   management client-kill CID HALT (the client exits)
#   ovpn_mgmt CMD...           one management command each; prints replies
#   ovpn_client_id CN          the server's Client ID for CN (status 3)
#   ovpn_ping_from CN [ARGS]   ping $OVPN_SRV_IP4 from the client namespace
#   ovpn_ping6_from CN [ARGS]  the same for $OVPN_SRV_IP6
#   ovpn_server_stop           SIGTERM, waits (graceful: disconnect hooks run)
#   ovpn_server_kill           SIGKILL, waits
#   ovpn_wait_events TYPE N [SECS]  until SPOOL/new has >= N *.TYPE files
#   ovpn_events TYPE           the event files of TYPE in SPOOL/new, in order
#   ovpn_ev FILE KEY           one decoded value from an event file
#   wait_until SECS CMD...     polls CMD every 0.1 s; 1 on timeout
#
# Files: $OVPN_SRV_LOG, $OVPN_STATUS (status file of the running server),
# $OVPN_MGMT (socket), ovpn_client_log CN.  Everything this file starts is
# found again through PID files under DIR and stopped by the cleanup;
# nothing else is ever signalled.

OVPN_BIN=${OVPN_BIN:-$(command -v openvpn 2>/dev/null || echo /usr/sbin/openvpn)}
OVPN_PORT=1194
OVPN_POOL4=10.77.0.0
OVPN_POOL6=fd77::/64
OVPN_SRV_IP4=10.77.0.1
OVPN_SRV_IP6=fd77::1
OVPN_TIMEOUT=${OVPN_TIMEOUT:-15}
OVPN_NS="ovl-$$-srv"
_ovpn_nss=""		# namespaces created (deleted by the cleanup)
_ovpn_serial=4096
declare -A _ovpn_cidx=()	# CN -> client index
_ovpn_nclients=0

ovpn_available() {
	local why=""
	[ "$(id -u)" -eq 0 ] || why="not root"
	[ -z "$why" ] && [ ! -x "$OVPN_BIN" ] && why="openvpn not installed"
	[ -z "$why" ] && ! command -v openssl >/dev/null && why="openssl not installed"
	[ -z "$why" ] && ! command -v ip >/dev/null && why="ip (iproute2) not installed"
	[ -z "$why" ] && ! command -v ping >/dev/null && why="ping not installed"
	[ -z "$why" ] && [ ! -c /dev/net/tun ] && why="no /dev/net/tun"
	if [ -z "$why" ] && ! ip netns add "ovl-$$-probe" 2>/dev/null; then
		why="cannot create network namespaces"
	fi
	[ -z "$why" ] && ip netns del "ovl-$$-probe"
	[ -z "$why" ] && return 0
	echo "# openvpn harness unavailable: $why"
	return 1
}

wait_until() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

_ovpn_ns_add() {
	ip netns add "$1" || return 1
	_ovpn_nss="$_ovpn_nss $1"
	ip -n "$1" link set lo up
}

ovpn_setup() {
	OVPN_DIR=$1
	mkdir -p "$OVPN_DIR" "$OVPN_DIR/tmp"
	# The server may run as nobody: its hooks, verify script and temp
	# files must be reachable for it.
	chmod 755 "$OVPN_DIR"
	chmod 1777 "$OVPN_DIR/tmp"
	OVPN_SPOOL=${OVPN_SPOOL:-$OVPN_DIR/spool}
	mkspool "$OVPN_SPOOL"
	at_exit _ovpn_cleanup
	# A test stopped by timeout(1) or ^C must still remove its
	# namespaces and stop its servers: make those signals run the EXIT
	# trap (bash skips it when a signal kills it).
	trap 'exit 143' TERM
	trap 'exit 130' INT
	_ovpn_ns_add "$OVPN_NS"
}

# --- certificates ---------------------------------------------------------

_ovpn_ext() { printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' "$1"; }

# _ovpn_subj CN: an openssl -subj with '\', '/' and '+' escaped.
_ovpn_subj() {
	local cn=$1
	cn=${cn//\\/\\\\}; cn=${cn//\//\\/}; cn=${cn//+/\\+}
	printf '/O=ovpnlog test/CN=%s' "$cn"
}

# _ovpn_cert FILEBASE CN EKU: key + certificate signed by the test CA.
_ovpn_cert() {
	local base=$1 cn=$2 eku=$3
	_ovpn_serial=$((_ovpn_serial + 1))
	openssl req -new -utf8 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$base.key" -out "$base.csr" \
		-subj "$(_ovpn_subj "$cn")" 2>>"$OVPN_DIR/openssl.log" || return 1
	openssl x509 -req -in "$base.csr" -CA "$OVPN_DIR/ca.crt" \
		-CAkey "$OVPN_DIR/ca.key" -set_serial "$_ovpn_serial" -days 2 \
		-extfile <(_ovpn_ext "$eku") -out "$base.crt" \
		2>>"$OVPN_DIR/openssl.log" || return 1
	chmod 644 "$base.crt"
	chmod 600 "$base.key"
}

ovpn_certs() {
	local d=$OVPN_DIR
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
		-subj "/O=ovpnlog test/CN=ovpnlog test CA" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign \
		2>>"$d/openssl.log" || return 1
	chmod 644 "$d/ca.crt"
	_ovpn_cert "$d/server" "ovpnlog test server" serverAuth || return 1
	"$OVPN_BIN" --genkey tls-crypt "$d/tc.key" >>"$d/openssl.log" 2>&1 || return 1
}

# --- server ---------------------------------------------------------------

# The username/password check behind auth-user-pass-verify via-file:
# DIR/passwd holds "user pass" lines (ovpn_client_start adds them).
_ovpn_write_verify() {
	cat >"$OVPN_DIR/verify.sh" <<-EOF
	#!/bin/sh
	# OpenVPN gives a file: line 1 username, line 2 password; both are
	# empty for a client without auth-user-pass (auth-user-pass-optional).
	u= p=
	{ read -r u; read -r p; } <"\$1"
	[ -z "\$u" ] && [ -z "\$p" ] && exit 0
	while read -r fu fp; do
		[ "\$u" = "\$fu" ] && [ "\$p" = "\$fp" ] && exit 0
	done <"$OVPN_DIR/passwd"
	exit 1
	EOF
	chmod 755 "$OVPN_DIR/verify.sh"
	touch "$OVPN_DIR/passwd"
	chmod 644 "$OVPN_DIR/passwd"
}

ovpn_server_start() {
	local name=$1 proto=${2:-udp} sv=${3:-2}
	shift; [ $# -gt 0 ] && shift; [ $# -gt 0 ] && shift
	local d=$OVPN_DIR hook bin=${OVPN_HOOK:-$SPOOLBIN} l
	# After "user U" the hooks run as U, who may not reach a checkout in
	# a private home directory: then a copy under DIR (reachable) runs.
	for l in "$@"; do
		case $l in "user "*)
			if ! runuser -u "${l#user }" -- test -x "$bin"; then
				mkdir -p "$d/bin"
				install -m 755 "$bin" "$d/bin/"
				bin=$d/bin/${bin##*/}
			fi ;;
		esac
	done
	hook="$bin -s $OVPN_SPOOL${OVPN_HOOK_ARGS:+ $OVPN_HOOK_ARGS}"
	OVPN_PROTO=$proto
	OVPN_SRV_NAME=$name
	OVPN_SRV_CONF=$d/$name.conf
	OVPN_SRV_LOG=$d/$name.log
	OVPN_SRV_PID=$d/$name.pid
	OVPN_STATUS=$d/$name.status
	OVPN_MGMT=$d/$name.mgmt
	rm -f "$OVPN_SRV_LOG" "$OVPN_SRV_PID" "$OVPN_STATUS" "$OVPN_MGMT"
	_ovpn_write_verify
	{
		echo "local 127.0.0.1"
		echo "port $OVPN_PORT"
		case $proto in
		udp) echo "proto udp" ;;
		tcp) echo "proto tcp-server" ;;
		*) echo "ovpn_server_start: bad proto $proto" >&2; return 1 ;;
		esac
		cat <<-EOF
		dev tun
		topology subnet
		server $OVPN_POOL4 255.255.255.0
		server-ipv6 $OVPN_POOL6
		ca $d/ca.crt
		cert $d/server.crt
		key $d/server.key
		tls-crypt $d/tc.key
		dh none
		disable-dco
		remote-cert-tls client
		keepalive 10 60
		persist-key
		persist-tun
		script-security 2
		client-connect "$hook"
		client-disconnect "$hook"
		auth-user-pass-verify $d/verify.sh via-file
		auth-user-pass-optional
		status $OVPN_STATUS 1
		status-version $sv
		management $OVPN_MGMT unix
		writepid $OVPN_SRV_PID
		log $OVPN_SRV_LOG
		tmp-dir $d/tmp
		verb 3
		EOF
		local l
		for l in "$@"; do echo "$l"; done
	} >"$OVPN_SRV_CONF"
	ip netns exec "$OVPN_NS" "$OVPN_BIN" --config "$OVPN_SRV_CONF" \
		</dev/null >"$d/$name.stdout" 2>&1 &
	# Until --writepid has run, $! (ip netns exec execs openvpn) stands in.
	echo $! >"$OVPN_SRV_PID.start"
	wait_until "$OVPN_TIMEOUT" _ovpn_server_settled
	if ! _ovpn_server_up; then
		echo "# server $name did not get ready; log:"
		sed 's/^/#   /' "$OVPN_SRV_LOG" "$d/$name.stdout" 2>/dev/null | tail -20
		return 1
	fi
}

_ovpn_server_up() {
	! _ovpn_gone "$(cat "$OVPN_SRV_PID.start")" &&
	    [ -S "$OVPN_MGMT" ] && [ -s "$OVPN_SRV_PID" ] &&
	    grep -q 'Initialization Sequence Completed' "$OVPN_SRV_LOG" 2>/dev/null
}
_ovpn_server_settled() { _ovpn_gone "$(cat "$OVPN_SRV_PID.start")" || _ovpn_server_up; }

# _ovpn_alive PID: running (not a zombie) and still openvpn (or still
# "ip netns exec" just before it execs openvpn).
_ovpn_alive() {
	local pid=$1 st
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	st=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	case $st in "$pid (openvpn) "* | "$pid (ip) "*) ;; *) return 1 ;; esac
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

_ovpn_pid_of() {
	local f=$1 pid=""
	[ -s "$f" ] && pid=$(cat "$f")
	[ -z "$pid" ] && [ -s "$f.start" ] && pid=$(cat "$f.start")
	echo "$pid"
}

# _ovpn_signal PIDFILE SIG SECS: signals the process if it is still ours,
# waits until it is gone.
_ovpn_signal() {
	local pid
	pid=$(_ovpn_pid_of "$1")
	_ovpn_alive "$pid" || return 0
	kill "-$2" "$pid" 2>/dev/null
	wait_until "$3" eval "! _ovpn_alive $pid"
}

ovpn_server_stop() { _ovpn_signal "$OVPN_SRV_PID" TERM "$OVPN_TIMEOUT"; }
ovpn_server_kill() { _ovpn_signal "$OVPN_SRV_PID" KILL "$OVPN_TIMEOUT"; }
ovpn_server_pid() { _ovpn_pid_of "$OVPN_SRV_PID"; }

# ovpn_mgmt CMD...: sends each command to the management socket and prints
# its answer (the SUCCESS:/ERROR: line, or the lines up to END), without
# the real-time ">..." notifications and without CRs.
ovpn_mgmt() {
	timeout 10 perl -e '
		use IO::Socket::UNIX;
		my ($path, @cmds) = @ARGV;
		my $s = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
		    or die "ovpn_mgmt: connect $path: $!\n";
		$s->autoflush(1);
		for my $c (@cmds) {
			print $s "$c\n";
			while (defined(my $l = <$s>)) {
				$l =~ s/\r?\n$//;
				next if $l =~ /^>/;
				print "$l\n";
				last if $l =~ /^(SUCCESS|ERROR):/ || $l eq "END";
			}
		}
		print $s "quit\n";
	' "$OVPN_MGMT" "$@"
}

# ovpn_client_id CN: the Client ID column of CN's CLIENT_LIST row.
ovpn_client_id() {
	ovpn_mgmt "status 3" | awk -F'\t' -v cn="$1" '
		$1 == "HEADER" && $2 == "CLIENT_LIST" {
			for (i = 3; i <= NF; i++) if ($i == "Client ID") col = i - 1 }
		$1 == "CLIENT_LIST" && $2 == cn && col { print $col; exit }'
}

# --- clients --------------------------------------------------------------

# _ovpn_client CN: sets _c (index) and _cd (directory) for CN.
_ovpn_client() {
	_c=${_ovpn_cidx[$1]:-}
	if [ -z "$_c" ]; then
		_ovpn_nclients=$((_ovpn_nclients + 1))
		_c=$_ovpn_nclients
		_ovpn_cidx[$1]=$_c
	fi
	_cd=$OVPN_DIR/c$_c
}

ovpn_client_ns() { local _c _cd; _ovpn_client "$1"; echo "ovl-$$-c$_c"; }
ovpn_client_log() { local _c _cd; _ovpn_client "$1"; echo "$_cd/log"; }
ovpn_client_pid() { local _c _cd; _ovpn_client "$1"; _ovpn_pid_of "$_cd/pid"; }

# The client's --up script: OpenVPN runs it with no PATH, the tun device
# name as $1 (after our namespace argument) and the pushed addresses in
# the environment (ifconfig-noexec: nothing configured yet).
_ovpn_write_up() {
	cat >"$OVPN_DIR/up.sh" <<-'EOF'
	#!/bin/sh
	PATH=/usr/sbin:/usr/bin:/sbin:/bin
	ns=$1 dev=$2
	set -e
	ip link set dev "$dev" netns "$ns"
	ip -n "$ns" link set dev "$dev" mtu "${tun_mtu:-1500}" up
	ip -n "$ns" addr add "$ifconfig_local/$ifconfig_netmask" dev "$dev"
	if [ -n "${ifconfig_ipv6_local:-}" ]; then
		ip -n "$ns" addr add "$ifconfig_ipv6_local/$ifconfig_ipv6_netbits" \
			dev "$dev" nodad
	fi
	EOF
	chmod 755 "$OVPN_DIR/up.sh"
}

# ovpn_client_start CN [USER PASS]
ovpn_client_start() {
	local cn=$1 user=${2:-} pass=${3:-} _c _cd ns pid
	_ovpn_client "$cn"
	ns="ovl-$$-c$_c"
	mkdir -p "$_cd"
	if [ ! -s "$_cd/client.crt" ]; then
		_ovpn_cert "$_cd/client" "$cn" clientAuth || return 1
	fi
	case " $_ovpn_nss " in *" $ns "*) ;; *) _ovpn_ns_add "$ns" || return 1 ;; esac
	[ -x "$OVPN_DIR/up.sh" ] || _ovpn_write_up
	rm -f "$_cd/log" "$_cd/pid" "$_cd/pid.start"
	{
		cat <<-EOF
		client
		dev tun
		remote 127.0.0.1 $OVPN_PORT
		nobind
		ca $OVPN_DIR/ca.crt
		cert $_cd/client.crt
		key $_cd/client.key
		tls-crypt $OVPN_DIR/tc.key
		remote-cert-tls server
		disable-dco
		ifconfig-noexec
		route-noexec
		script-security 2
		up "$OVPN_DIR/up.sh $ns"
		push-peer-info
		connect-retry 1 1
		writepid $_cd/pid
		log $_cd/log
		verb 3
		EOF
		case $OVPN_PROTO in
		udp) echo "proto udp"; echo "explicit-exit-notify 1" ;;
		tcp) echo "proto tcp-client" ;;
		esac
		if [ -n "$user" ]; then
			printf '%s\n%s\n' "$user" "$pass" >"$_cd/auth"
			chmod 600 "$_cd/auth"
			echo "auth-user-pass $_cd/auth"
			grep -qx "$user $pass" "$OVPN_DIR/passwd" ||
			    echo "$user $pass" >>"$OVPN_DIR/passwd"
		fi
	} >"$_cd/client.conf"
	ip netns exec "$OVPN_NS" "$OVPN_BIN" --config "$_cd/client.conf" \
		</dev/null >"$_cd/stdout" 2>&1 &
	echo $! >"$_cd/pid.start"
	pid=$!
	wait_until "$OVPN_TIMEOUT" _ovpn_client_settled "$_cd" "$pid"
	grep -q 'Initialization Sequence Completed' "$_cd/log" 2>/dev/null
}

# Done waiting when ready, refused, or the process has gone.
_ovpn_client_settled() {
	grep -qE 'Initialization Sequence Completed|AUTH_FAILED' "$1/log" 2>/dev/null ||
	    _ovpn_gone "$2"
}

# _ovpn_gone PID: our child PID has exited.  (Not _ovpn_alive: right
# after the fork the child is still bash, before it execs ip and openvpn.)
_ovpn_gone() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	st=${st##*) }
	[ "${st%% *}" = Z ]
}

ovpn_client_stop() {
	local _c _cd; _ovpn_client "$1"
	_ovpn_signal "$_cd/pid" TERM "$OVPN_TIMEOUT"
}

ovpn_client_wait_exit() {
	local _c _cd pid; _ovpn_client "$1"
	pid=$(_ovpn_pid_of "$_cd/pid")
	wait_until "${2:-$OVPN_TIMEOUT}" eval "! _ovpn_alive $pid"
}

ovpn_client_kill_mgmt() {
	local cid
	cid=$(ovpn_client_id "$1")
	[ -n "$cid" ] || { echo "# ovpn_client_kill_mgmt: no Client ID for $1"; return 1; }
	ovpn_mgmt "client-kill $cid HALT" | grep -q '^SUCCESS:' || return 1
	ovpn_client_wait_exit "$1"
}

# Quiet unless the ping fails (then its output becomes "# " lines).
_ovpn_ping() {
	local cn=$1 out; shift
	if ! out=$(ip netns exec "$(ovpn_client_ns "$cn")" \
	    ping -q -n -c 3 -i 0.2 -W 2 "$@" 2>&1); then
		printf '%s\n' "$out" | sed 's/^/# /'
		return 1
	fi
}
ovpn_ping_from() { local cn=$1; shift; _ovpn_ping "$cn" "$@" "$OVPN_SRV_IP4"; }
ovpn_ping6_from() { local cn=$1; shift; _ovpn_ping "$cn" -6 "$@" "$OVPN_SRV_IP6"; }

# --- spool events ---------------------------------------------------------

_ovpn_count_events() {
	local n
	n=$(find "$OVPN_SPOOL/new" -maxdepth 1 -type f -name "*.$1" | wc -l)
	[ "$n" -ge "$2" ]
}

ovpn_wait_events() { wait_until "${3:-$OVPN_TIMEOUT}" _ovpn_count_events "$1" "$2"; }

ovpn_events() {
	find "$OVPN_SPOOL/new" -maxdepth 1 -type f -name "*.$1" | LC_ALL=C sort
}

# ovpn_ev FILE KEY: the decoded value (evdump when built, else a sed that
# undoes the %XX escapes of the event format).
# An event file never changes under its name (the name is its id), so its
# decoded form is kept in DIR/evcache: one evdump run per file.
ovpn_ev() {
	local evdump c=$OVPN_DIR/evcache/${1##*/}
	if [ ! -s "$c" ]; then
		mkdir -p "$OVPN_DIR/evcache"
		for evdump in "$BUILD/tests/evdump" ""; do [ -x "$evdump" ] && break; done
		if [ -n "$evdump" ]; then
			"$evdump" "$1" >"$c.tmp" || return 1
		else
			perl -pe 's/%([0-9A-F]{2})/chr(hex($1))/ge' "$1" >"$c.tmp" || return 1
		fi
		mv "$c.tmp" "$c"
	fi
	sed -n "s/^$2=//p" "$c" | head -n1
}

# --- cleanup --------------------------------------------------------------

_ovpn_cleanup() {
	local f
	[ -n "${OVPN_DIR:-}" ] || return 0
	# Clients first: then a still running server sees them go.
	for f in "$OVPN_DIR"/c*/pid.start "$OVPN_DIR"/*.pid.start; do
		[ -e "$f" ] || continue
		f=${f%.start}
		_ovpn_signal "$f" TERM 5 || _ovpn_signal "$f" KILL 5
	done
	for f in $_ovpn_nss; do ip netns del "$f" 2>/dev/null; done
	_ovpn_nss=""
	return 0
}
