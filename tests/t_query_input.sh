#!/bin/bash
# The query commands refuse bad input with exit 64 and a message naming
# the bad value (address, time, duration, format, --by, limit, unknown
# instance), a database that cannot be reached exits 75, a bad config or
# a database without the schema exits 78; every backend.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/query_data.sh"

# bad NAME NEEDLE ARGS...: exit 64, NEEDLE on stderr, nothing on stdout.
bad() {
	local n=$1 needle=$2; shift 2
	q "$@"
	if [ "$RC" = 64 ] && grep -qF -- "$needle" "$T/err" && [ ! -s "$T/out" ]
	then ok "$B: $n exits 64 naming $needle"
	else fail "$B: $n exits 64 naming $needle (rc $RC: $(cat "$T/err" "$T/out"))"; fi
}

for B in $TEST_BACKENDS; do
	qd_setup "$B" "in$B" || { fail "$B: set up the database"; continue; }
	qd_session c1 vpn udp4 1194 client1 alice 198.51.100.7 43396 \
		10.99.0.2 - $QD_T0 $((QD_T0 + 600)) 1 2
	qd_commit

	bad "who with a bad IPv4 address" "'10.99.0.256'" who 10.99.0.256
	bad "who with address:port" "'10.99.0.2:1194'" who 10.99.0.2:1194
	bad "who with a prefix" "'fd99::/64'" who fd99::/64
	bad "who with a host name" "'vpn.example.org'" who vpn.example.org
	bad "who without an address" "usage: ovpnlog who" who
	bad "who with two addresses" "usage: ovpnlog who" who 10.99.0.2 10.99.0.3
	bad "who --at with a bad time" "'yesterday'" who 10.99.0.2 --at yesterday
	bad "who --at with a nonexistent date" "'2026-02-30T10:00'" \
		who 10.99.0.2 --at 2026-02-30T10:00
	bad "who --at with a bare duration" "'2h'" who 10.99.0.2 --at 2h
	bad "who --format xml" "'xml'" who 10.99.0.2 --format xml
	bad "who with an unknown option" "usage: ovpnlog who" who 10.99.0.2 --bogus
	bad "sessions --since junk" "'junk'" sessions --since junk
	bad "sessions --until junk" "'12:00'" sessions --until 12:00
	bad "sessions --since after --until" "is after" \
		sessions --since 2026-11-28 --until 2026-11-27
	bad "sessions --limit -1" "-1" sessions --limit -1
	bad "sessions --limit abc" "'abc'" sessions --limit abc
	bad "sessions with an unknown instance" "'nosuch'" \
		sessions --instance nosuch
	bad "sessions with an argument" "'extra'" sessions extra
	bad "usage --by group" "'group'" usage --by group
	bad "usage --until junk" "'junk'" usage --until junk
	bad "prune --older-than 10" "'10'" prune --older-than 10
	bad "prune --older-than 10y" "'10y'" prune --older-than 10y
	bad "prune --before junk" "'junk'" prune --before junk
	bad "prune --batch 0" "--batch" prune --older-than 1d --batch 0
	is "$B: bad input changed nothing" "$(qd_count session)" 1

	q who 10.99.0.2 --help
	is "$B: who --help exits 0" "$RC" 0
	check "$B: who --help documents the exit status" grep -q 'Exit status' "$T/out"

	# Unreachable: the same config pointing where nothing listens.
	case $B in
	sqlite)
		sed "s|^path = .*|path = $T/missing/none.sqlite|" "$QD_INI" >"$T/gone.ini"
		want=78 ;;
	*)
		sed -e "s|^host = .*|host = 127.0.0.1|" -e "s|^port = .*|port = 1|" \
			"$QD_INI" >"$T/gone.ini"
		want=75 ;;
	esac
	"$OVPNLOG" -c "$T/gone.ini" who 10.99.0.2 >"$T/out" 2>"$T/err"
	is "$B: who on an unreachable/missing database exits $want" "$?" "$want"
	check "$B: ... with a message" grep -q 'unable to' "$T/err"

	printf '[spool]\ndir = %s\n\n[database]\nbackend = sqlite\nbogus = 1\n' \
		"$QD_SPOOL" >"$T/bad.ini"
	"$OVPNLOG" -c "$T/bad.ini" usage >"$T/out" 2>"$T/err"
	is "$B: a bad config exits 78" "$?" 78
done

# A database without the ovpnlog schema.
B=sqlite
sqlite3 "$T/empty.sqlite" 'CREATE TABLE t (x)'
printf '[spool]\ndir = %s\n\n[database]\nbackend = sqlite\npath = %s\n' \
	"$T" "$T/empty.sqlite" >"$T/empty.ini"
"$OVPNLOG" -c "$T/empty.ini" sessions >"$T/out" 2>"$T/err"
is "sqlite: a database without the schema exits 78" "$?" 78
check "sqlite: ... and says to run init-db" grep -q 'init-db' "$T/err"
done_testing
