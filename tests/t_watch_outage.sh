#!/bin/bash
# `ovpnlog watch` with the database going away and coming back, on every
# backend: while it is down every file stays in new/ (nothing
# quarantined), the watcher backs off instead of spinning (bounded CPU
# time and attempts), and once it is back the backlog drains without a
# restart.  SQLite: another writer holds the database locked for a while
# (the watcher's connection stays open), and a database file that is not
# writable at start; servers: the server is stopped and started again.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

FLUSH='retry_min = 100ms\nretry_max = 1s\nrescan_interval = 1h'
OUTAGE=3	# seconds
HZ=$(getconf CLK_TCK)

# outage_body B DOWN_CMD UP_CMD: the common part.
outage_body() {
	local b=$1 down=$2 up=$3 t0 c0 c1 tries rows0
	check "$b: watch starts" wt_start
	wt_hook before-outage
	check "$b: an event before the outage is applied" wt_wait_rows 1 5
	rows0=$(wt_rows)

	if ! eval "$down"; then fail "$b: take the database down"; return; fi
	c0=$(wt_cpu_ticks "$WT_PID"); t0=$SECONDS
	for i in 1 2 3 4 5; do wt_hook "during-$i"; done
	sleep "$OUTAGE"
	c1=$(wt_cpu_ticks "$WT_PID")
	tries=$(grep -c 'retrying in' "$WT_LOG")

	# (A server that is down cannot be asked; the files are the proof.)
	[ "$WT_B" = sqlite ] &&
		is "$b: during the outage no event reaches the database" "$(wt_rows)" "$rows0"
	is "$b: during the outage every file stays in new/" "$(wt_new)" 5
	is "$b: during the outage nothing is quarantined" "$(wt_failed)" 0
	check "$b: the watcher is still running" kill -0 "$WT_PID"
	check "$b: the failure is logged with a reason" \
		grep -qE 'unable to (apply|connect)' "$WT_LOG"
	diag "$b: $tries attempts and $(( (c1 - c0) * 1000 / HZ )) ms CPU in ${OUTAGE}s of outage"
	check "$b: backoff: between 2 and 30 attempts in ${OUTAGE}s (no busy loop)" \
		[ "$tries" -ge 2 -a "$tries" -le 30 ]
	check "$b: backoff: under 1 s of CPU time in ${OUTAGE}s" \
		[ $(( (c1 - c0) * 1000 / HZ )) -lt 1000 ]
	if [ "$WT_B" != sqlite ]; then
		"$OVPNLOG" -c "$WT_INI" stats --timeout 2 >"$T/stats.out" 2>&1
		is "$b: stats during the outage exits 2 (critical)" "$?" 2
		check "$b: stats during the outage: database_up: 0" \
			grep -qx 'database_up: 0' "$T/stats.out"
		check "$b: stats during the outage: spool_pending: 5" \
			grep -qx 'spool_pending: 5' "$T/stats.out"
	fi

	if ! eval "$up"; then fail "$b: bring the database back"; return; fi
	check "$b: back up: the backlog drains without a restart" \
		wt_wait_rows $((rows0 + 5)) 15
	check "$b: ... by the same process" kill -0 "$WT_PID"
	check "$b: back up: new/ is empty" wt_new_drains
	wt_hook after-outage
	check "$b: back up: new events flow again" wt_wait_rows $((rows0 + 6)) 5
	wt_stop TERM
	is "$b: SIGTERM: exit 0" "$WT_RC" 0
	check "$b: the recovery is logged" grep -q 'flushing again' "$WT_LOG"
	is "$b: every event stored exactly once" \
		"$(backend_sql "$WT_B" "$WT_INI" 'SELECT count(*), count(DISTINCT cn) FROM session')" \
		"$((rows0 + 6))|$((rows0 + 6))"
}

# --- SQLite: locked by another writer -------------------------------------
lock_db() {
	local db
	db=$(_ini_get "$WT_INI" path)
	mkfifo "$T/lockfifo"
	sqlite3 "$db" <"$T/lockfifo" >/dev/null 2>&1 &
	LOCK_PID=$!
	exec 7>"$T/lockfifo"
	echo 'BEGIN EXCLUSIVE;' >&7
	# Wait until the lock is really held.
	local i
	for i in $(seq 1 50); do
		sqlite3 -cmd '.timeout 10' "$db" 'BEGIN IMMEDIATE; ROLLBACK;' \
			>/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}
unlock_db() {
	echo 'COMMIT;' >&7
	exec 7>&-
	wait "$LOCK_PID"
}

for B in $TEST_BACKENDS; do
	case $B in
	sqlite)
		wt_setup sqlite wolock "$FLUSH" 'busy_timeout = 200ms' ||
			{ fail "sqlite: set up the database"; continue; }
		outage_body "sqlite (locked)" lock_db unlock_db
		;;
	postgresql)
		wt_setup postgresql wopg "$FLUSH" 'connect_timeout = 2s' ||
			{ fail "postgresql: set up the database"; continue; }
		at_exit '_srv_up_pg'
		_srv_up_pg() { "$OVPNLOG_TEST_PG_CTL" status >/dev/null 2>&1 ||
			"$OVPNLOG_TEST_PG_CTL" start >/dev/null 2>&1; }
		outage_body postgresql '"$OVPNLOG_TEST_PG_CTL" stop >/dev/null' \
			'"$OVPNLOG_TEST_PG_CTL" start >/dev/null'
		;;
	mysql)
		wt_setup mysql womy "$FLUSH" 'connect_timeout = 2s' ||
			{ fail "mysql: set up the database"; continue; }
		at_exit '_srv_up_my'
		_srv_up_my() { "$OVPNLOG_TEST_MYSQL_CTL" status >/dev/null 2>&1 ||
			"$OVPNLOG_TEST_MYSQL_CTL" start >/dev/null 2>&1; }
		outage_body mysql '"$OVPNLOG_TEST_MYSQL_CTL" stop >/dev/null' \
			'"$OVPNLOG_TEST_MYSQL_CTL" start >/dev/null'
		;;
	esac
done

# --- SQLite: database file not writable when the watcher starts -----------
# As an unprivileged user (root ignores file modes).
case " $TEST_BACKENDS " in *" sqlite "*)
	U=54321
	wt_setup sqlite woro "$FLUSH" || fail "sqlite: set up the database"
	# The database in a directory the user owns (SQLite adds -wal/-shm).
	db=$T/woro/db.sqlite
	mv "$(_ini_get "$WT_INI" path)" "$db"
	sed -i "s|^path = .*|path = $db|" "$WT_INI"
	chown -R "$U:$U" "$T/woro"
	chmod 644 "$WT_INI"
	chmod 0444 "$db"
	WT_AS="setpriv --reuid=$U --regid=$U --clear-groups"
	_wt_n=$((_wt_n + 1)); WT_LOG=$T/watch.$_wt_n.log
	$WT_AS "$OVPNLOG" -c "$WT_INI" watch 2>"$WT_LOG" &
	WT_PID=$!
	at_exit _wt_kill
	sleep 0.5
	for i in 1 2 3; do wt_hook "ro-$i"; done
	for _ in $(seq 1 150); do
		grep -q 'not writable' "$WT_LOG" && break
		sleep 0.1
	done
	is "sqlite (read-only file): nothing applied" "$(wt_rows)" 0
	is "sqlite (read-only file): every file kept" "$(wt_new)" 3
	is "sqlite (read-only file): nothing quarantined" "$(wt_failed)" 0
	check "sqlite (read-only file): the reason is logged" \
		grep -q 'not writable' "$WT_LOG"
	check "sqlite (read-only file): still running" kill -0 "$WT_PID"
	chmod 0644 "$db"
	check "sqlite (writable again): drained without a restart" wt_wait_rows 3 10
	check "sqlite (writable again): new/ is empty" wt_new_drains
	wt_stop TERM
	is "sqlite (writable again): SIGTERM: exit 0" "$WT_RC" 0
	;;
esac

done_testing
