#!/bin/bash
# t_backend_connect_errors — the real `ovpnlog` against the real servers of
# tests/lib/servers.sh when the connection cannot be made: wrong password,
# unknown database, nothing listening, TLS required but not offered.  Each
# gives one line naming the backend, the host and the cause, exit 75
# (EX_TEMPFAIL), and keeps every spool file.  A good configuration next to
# them proves the setup itself works.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"

FIX="$FIXTURES/env/udp-v2.client-connect.client1.env"

# spool_one DIR: the spool layout with one connect event in new/.
spool_one() {
	local envl
	mkspool "$1"
	mapfile -t envl < <(grep -v '^#' "$FIX")
	env -i "${envl[@]}" "$SPOOLBIN" -s "$1" -n errtest -r udp -o 1194 \
		--fsync=none >/dev/null 2>&1
}

nfiles() { find "$1/new" -type f | wc -l; }

# ini_set INI KEY VALUE: replaces KEY in [database] (or appends it).
ini_set() {
	if grep -q "^$2[[:space:]]*=" "$1"; then
		sed -i "s|^$2[[:space:]]*=.*|$2 = $3|" "$1"
	else
		printf '%s = %s\n' "$2" "$3" >>"$1"
	fi
}

# expect_fail B NAME INI HOSTWORD CAUSE_RE: flush and init-db both fail
# with 75, one line naming backend, host and cause; the spool is kept.
expect_fail() {
	local b=$1 what=$2 ini=$3 host=$4 cause=$5 spool rc line cmd
	spool=$(_ini_get "$ini" dir)
	for cmd in flush init-db; do
		"$OVPNLOG" -c "$ini" $cmd >"$T/out" 2>"$T/err"
		rc=$?
		is "$b: $what: $cmd exits 75" "$rc" 75
		line=$(grep -F -- "$b" "$T/err" | grep -F -- "$host" | grep -E -- "$cause" | head -n1)
		if [ -n "$line" ]; then
			ok "$b: $what: $cmd says backend, host and cause in one line"
			diag "$line"
		else
			fail "$b: $what: $cmd says backend, host and cause in one line"
			sed 's/^/#   stderr: /' "$T/err"
		fi
		is "$b: $what: $cmd keeps the spool file" "$(nfiles "$spool")" 1
	done
	is "$b: $what: nothing quarantined" "$(find "$spool/failed" -type f | wc -l)" 0
}

for b in postgresql mysql; do
	case $b in
	postgresql) tcp_port=$OVPNLOG_TEST_PG_PORT ;;
	mysql) tcp_port=$OVPNLOG_TEST_MYSQL_PORT ;;
	esac

	# The good configuration: init-db and flush work.
	sp="$T/$b-good"
	spool_one "$sp"
	backend_ini "$b" "connerr_$b" "$sp" >"$T/$b-good.ini" ||
		{ fail "$b: fresh test database"; continue; }
	"$OVPNLOG" -c "$T/$b-good.ini" init-db >"$T/out" 2>&1
	is "$b: good config: init-db exits 0" "$?" 0
	"$OVPNLOG" -c "$T/$b-good.ini" flush >"$T/out" 2>&1
	is "$b: good config: flush exits 0" "$?" 0
	is "$b: good config: the event is in the database" \
		"$(backend_sql "$b" "$T/$b-good.ini" "SELECT count(*) FROM session")" 1

	# Wrong password.
	sp="$T/$b-pw"; spool_one "$sp"
	ini="$T/$b-pw.ini"
	sed "s|^dir = .*|dir = $sp|" "$T/$b-good.ini" >"$ini"
	(umask 077 && echo "not-the-password" >"$T/$b-wrong.password")
	ini_set "$ini" password_file "$T/$b-wrong.password"
	expect_fail "$b" "wrong password" "$ini" "$(_ini_get "$ini" host)" \
		'password authentication failed|Access denied'

	# Unknown database.
	sp="$T/$b-db"; spool_one "$sp"
	ini="$T/$b-db.ini"
	sed "s|^dir = .*|dir = $sp|" "$T/$b-good.ini" >"$ini"
	ini_set "$ini" dbname no_such_database
	expect_fail "$b" "unknown database" "$ini" "$(_ini_get "$ini" host)" \
		'no_such_database'

	# Nothing listens (127.0.0.1 port 1).
	sp="$T/$b-port"; spool_one "$sp"
	ini="$T/$b-port.ini"
	sed "s|^dir = .*|dir = $sp|" "$T/$b-good.ini" >"$ini"
	ini_set "$ini" host 127.0.0.1
	ini_set "$ini" port 1
	expect_fail "$b" "closed port" "$ini" "127.0.0.1:1" \
		"[Rr]efused|Can't connect"

	# TLS required, the test servers offer none (TCP: no TLS on sockets).
	sp="$T/$b-tls"; spool_one "$sp"
	ini="$T/$b-tls.ini"
	sed "s|^dir = .*|dir = $sp|" "$T/$b-good.ini" >"$ini"
	ini_set "$ini" host 127.0.0.1
	ini_set "$ini" port "$tcp_port"
	ini_set "$ini" sslmode require
	expect_fail "$b" "sslmode=require without server TLS" "$ini" \
		"127.0.0.1:$tcp_port" 'SSL|TLS'

	# The same over TCP without sslmode works (the failure was TLS).
	backend_ini "$b" "connerr_${b}_tcp" "$sp" >"$ini" ||
		{ fail "$b: fresh TCP test database"; continue; }
	ini_set "$ini" host 127.0.0.1
	ini_set "$ini" port "$tcp_port"
	"$OVPNLOG" -c "$ini" init-db >"$T/out" 2>&1 &&
		"$OVPNLOG" -c "$ini" flush >>"$T/out" 2>&1
	rc=$?
	is "$b: same TCP config without sslmode=require flushes" "$rc" 0
	[ "$rc" = 0 ] || sed 's/^/#   /' "$T/out"
done
done_testing
