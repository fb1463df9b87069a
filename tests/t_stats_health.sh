#!/bin/bash
# `ovpnlog stats` on every backend: each figure (spool depth, oldest
# pending event, quarantine, last flush and lag, database reachable) is
# right in each situation, the exit status says healthy (0), warning (1),
# critical (2) or unknown (3) as documented, and --prometheus writes the
# same figures for node_exporter, atomically.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

# st [ARGS]: runs stats, output in $OUT, exit status in $RC.
st() { OUT=$("$OVPNLOG" -c "$WT_INI" stats "$@" 2>"$T/stats.err"); RC=$?; }
val() { sed -n "s/^$1: //p" <<<"$OUT"; }
metric() { sed -n "s/^$1 //p" "$2"; }

for B in $TEST_BACKENDS; do
	wt_setup "$B" "st$B" || { fail "$B: set up the database"; continue; }

	st
	is "$B: fresh: exit 0" "$RC" 0
	is "$B: fresh: spool_pending" "$(val spool_pending)" 0
	is "$B: fresh: spool_oldest" "$(val spool_oldest)" none
	is "$B: fresh: quarantined" "$(val quarantined)" 0
	is "$B: fresh: last_flush" "$(val last_flush)" never
	is "$B: fresh: database_up" "$(val database_up)" 1
	is "$B: fresh: status" "$(val status)" ok
	is "$B: fresh: database_backend" "$(val database_backend)" "$B"

	wt_hook s1; wt_hook s2
	st
	is "$B: 2 pending: spool_pending" "$(val spool_pending)" 2
	age=$(val spool_oldest_age_seconds)
	check "$B: 2 pending: oldest age is small ($age s)" [ "${age:-99}" -le 30 ]
	check "$B: 2 pending: oldest is an ISO time" \
		grep -qE '^spool_oldest: 20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$OUT"
	is "$B: 2 pending, fresh: exit 0" "$RC" 0

	"$OVPNLOG" -c "$WT_INI" flush 2>/dev/null
	now=$(date +%s)
	st
	is "$B: after a flush: spool_pending" "$(val spool_pending)" 0
	check "$B: after a flush: last_flush is an ISO time" \
		grep -qE '^last_flush: 20[0-9-]{8}T[0-9:]{8}Z$' <<<"$OUT"
	lag=$(val lag_seconds)
	check "$B: after a flush: lag_seconds is small ($lag)" [ "${lag:-99}" -le 5 ]
	is "$B: after a flush: exit 0" "$RC" 0

	# An event pending for a long time (its name carries its time).
	tpl=$(wt_template)
	old=$(( now - 3600 ))
	cp "$tpl" "$WT_SPOOL/new/$old.000000000.1.0000abcd.connect"
	st
	is "$B: old event: spool_oldest_age_seconds" \
		"$(( $(val spool_oldest_age_seconds) / 10 ))" 360
	is "$B: old event pending over --max-age (default 5m): exit 2" "$RC" 2
	check "$B: old event: status names it" \
		grep -q '^status: critical: oldest pending event is 36[0-9][0-9]s old (limit 300s)' <<<"$OUT"
	st --max-age 2h
	is "$B: old event within --max-age 2h: exit 0" "$RC" 0
	st --max-age 30m
	is "$B: old event over --max-age 30m: exit 2" "$RC" 2
	rm -f "$WT_SPOOL/new/$old.000000000.1.0000abcd.connect"

	# The last successful flush long ago: the flusher stopped running.
	cp "$WT_SPOOL/.stats" "$T/stats.keep"
	printf 'ovpnlog-stats 1\nlast_flush=%s\n' $((now - 7200)) >"$WT_SPOOL/.stats"
	st
	is "$B: last flush 2 h ago: exit 1 (warning)" "$RC" 1
	is "$B: last flush 2 h ago: lag_seconds" "$(( $(val lag_seconds) / 100 ))" 72
	check "$B: last flush 2 h ago: status names it" \
		grep -q '^status: warning: last successful flush 7[0-9]*s ago (limit 300s)' <<<"$OUT"
	st --max-age 3h
	is "$B: last flush 2 h ago, --max-age 3h: exit 0" "$RC" 0
	cp "$T/stats.keep" "$WT_SPOOL/.stats"

	# A quarantined file.
	printf 'garbage\n' >"$WT_SPOOL/new/$now.000000000.2.0000abcd.connect"
	"$OVPNLOG" -c "$WT_INI" flush 2>/dev/null
	is "$B: flush quarantines the bad file (exit 65)" "$?" 65
	st
	is "$B: quarantine: quarantined" "$(val quarantined)" 1
	is "$B: quarantine: exit 1 (warning)" "$RC" 1
	is "$B: quarantine: status" "$(val status)" "warning: 1 quarantined file in failed/"

	# Prometheus textfile, atomically replaced.
	P=$T/prom/ovpnlog.prom
	mkdir -p "$T/prom"
	st --prometheus "$P"
	is "$B: --prometheus: the exit status is still the health" "$RC" 1
	is "$B: prom: ovpnlog_spool_pending" "$(metric ovpnlog_spool_pending "$P")" 0
	is "$B: prom: ovpnlog_spool_oldest_age_seconds" "$(metric ovpnlog_spool_oldest_age_seconds "$P")" 0
	is "$B: prom: ovpnlog_quarantined" "$(metric ovpnlog_quarantined "$P")" 1
	is "$B: prom: ovpnlog_database_up" "$(metric ovpnlog_database_up "$P")" 1
	lf=$(sed -n 's/^last_flush=//p' "$WT_SPOOL/.stats")
	is "$B: prom: ovpnlog_last_flush_timestamp_seconds = the state file" \
		"$(metric ovpnlog_last_flush_timestamp_seconds "$P")" "$lf"
	is "$B: prom: every sample has HELP and TYPE gauge" \
		"$(grep -c '^# TYPE ovpnlog_[a-z_]* gauge$' "$P")|$(grep -c '^# HELP ovpnlog_' "$P")|$(grep -c '^ovpnlog_[a-z_]* -\?[0-9]*$' "$P")" \
		"5|5|5"
	is "$B: prom: mode 0644 (node_exporter reads it)" "$(stat -c %a "$P")" 644
	ino=$(stat -c %i "$P")
	wt_hook s3
	st --prometheus "$P"
	is "$B: prom: rewritten with the new figure" "$(metric ovpnlog_spool_pending "$P")" 1
	check "$B: prom: replaced by rename (new inode), not rewritten in place" \
		[ "$(stat -c %i "$P")" != "$ino" ]
	is "$B: prom: no temporary file left" "$(ls "$T/prom" | wc -l)" 1
	st --prometheus "$T/nodir/x.prom"
	is "$B: --prometheus into a missing directory: exit 73" "$RC" 73

	# Database unreachable.
	case $B in
	sqlite)
		sed "s|^path = .*|path = $T/nosuch/db.sqlite|" "$WT_INI" >"$T/down.ini" ;;
	*)
		port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
		sed -e "s|^port = .*|port = $port|" -e 's|^host = .*|host = 127.0.0.1|' \
			"$WT_INI" >"$T/down.ini" ;;
	esac
	t0=$SECONDS
	OUT=$("$OVPNLOG" -c "$T/down.ini" stats --timeout 2 2>/dev/null); RC=$?
	is "$B: database unreachable: exit 2" "$RC" 2
	is "$B: database unreachable: database_up" "$(val database_up)" 0
	check "$B: database unreachable: database_error says why" \
		grep -q '^database_error: ..' <<<"$OUT"
	check "$B: database unreachable: status critical" \
		grep -q '^status: critical: database unreachable' <<<"$OUT"
	check "$B: database unreachable: answered within the timeout" [ $((SECONDS - t0)) -le 5 ]
	[ "$B" = sqlite ] && check "sqlite: stats does not create a missing database" \
		[ ! -e "$T/nosuch/db.sqlite" ]
done

# No schema: not healthy either.
wt_setup sqlite stnoschema || fail "sqlite: set up"
sqlite3 "$(_ini_get "$WT_INI" path)" 'DROP TABLE session'
st
is "no session table: exit 2" "$RC" 2
check "no session table: database_error says init-db" grep -q 'init-db' <<<"$OUT"

# Unknown: the quarantine cannot be read (stats run as another user).
wt_setup sqlite stperm || fail "sqlite: set up"
# The database is the user's (SQLite needs to write beside it); the spool
# is root's, with failed/ private.
mkdir -p "$T/stpermdb"
mv "$(_ini_get "$WT_INI" path)" "$T/stpermdb/db.sqlite"
sed -i "s|^path = .*|path = $T/stpermdb/db.sqlite|" "$WT_INI"
chown -R 54321:54321 "$T/stpermdb"
chmod 0755 "$WT_SPOOL" "$WT_SPOOL/new"; chmod 0700 "$WT_SPOOL/failed"
chmod 0644 "$WT_INI"; chmod 0755 "$T"
OUT=$(setpriv --reuid=54321 --regid=54321 --clear-groups "$OVPNLOG" -c "$WT_INI" stats 2>/dev/null); RC=$?
is "failed/ not readable: exit 3 (unknown)" "$RC" 3
check "failed/ not readable: quarantined: unknown" grep -q '^quarantined: unknown' <<<"$OUT"
chmod 0700 "$WT_SPOOL/new"
mkdir -p "$T/promu"; chown 54321 "$T/promu"
OUT=$(setpriv --reuid=54321 --regid=54321 --clear-groups "$OVPNLOG" -c "$WT_INI" \
	stats --prometheus "$T/promu/x.prom" 2>/dev/null); RC=$?
is "new/ not readable: exit 3 (unknown)" "$RC" 3
check "new/ not readable: status says so" grep -q '^status: unknown: spool not readable' <<<"$OUT"
check "new/ not readable: the database is still checked" grep -qx 'database_up: 1' <<<"$OUT"
is "new/ not readable: prometheus gets NaN for the spool figures" \
	"$(grep -c '^ovpnlog_\(spool_pending\|spool_oldest_age_seconds\|quarantined\) NaN$' "$T/promu/x.prom")" 3

# Usage and config.
"$OVPNLOG" -c "$WT_INI" stats --bogus >/dev/null 2>&1
is "stats --bogus: exit 64" "$?" 64
"$OVPNLOG" -c "$WT_INI" stats --max-age soon >/dev/null 2>&1
is "stats --max-age soon: exit 64" "$?" 64
"$OVPNLOG" -c "$WT_INI" stats extra >/dev/null 2>&1
is "stats with an extra argument: exit 64" "$?" 64
"$OVPNLOG" -c "$T/nosuch.ini" stats >/dev/null 2>&1
is "stats with a missing config: exit 78" "$?" 78
"$OVPNLOG" stats --help | grep -q 'Exit status'
is "stats --help documents the exit status" "$?" 0

done_testing
