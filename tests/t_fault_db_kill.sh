#!/bin/bash
# The database dies in the middle of a flush transaction, on every
# backend: PostgreSQL stopped with `pg_ctl stop -m immediate` (the
# postmaster kills its backends, no shutdown checkpoint), MariaDB's
# mariadbd killed with SIGKILL, and for SQLite — where the database is
# the flusher's own process — the flusher SIGKILLed while it holds the
# write transaction.  The flush (server backends) exits 75 with a message
# naming the database and the kept files; a flush while the database is
# down exits 75 and touches nothing; after the restart one flush brings
# everything in: nothing lost, nothing applied twice
# (tests/lib/invariants.sh).  SQLite's "down" is a database locked by
# another writer past busy_timeout: exit 75, files kept.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/invariants.sh"

NEV=${FAULT_DBKILL_EVENTS:-4000}
BATCH=1000

# Whatever happens, the servers are up again for the next test.
restart_servers() {
	[ -n "${OVPNLOG_TEST_SERVERS:-}" ] || return 0
	"$OVPNLOG_TEST_SERVERS/pg-ctl" status >/dev/null 2>&1 ||
		"$OVPNLOG_TEST_SERVERS/pg-start" >/dev/null 2>&1
	"$OVPNLOG_TEST_SERVERS/mysql-ctl" status >/dev/null 2>&1 ||
		"$OVPNLOG_TEST_SERVERS/mysql-start" >/dev/null 2>&1
	return 0
}
at_exit restart_servers

ledger_count() { backend_sql "$1" "$2" "SELECT COUNT(*) FROM applied_event"; }

# in_txn B INI: the flusher's connection holds an open transaction.
in_txn() {
	local b=$1 ini=$2 n
	case $b in
	sqlite)
		# Its write lock: a second writer cannot begin.
		! sqlite3 -cmd '.timeout 0' "$(_ini_get "$ini" path)" \
			'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1
		return ;;
	postgresql)
		n=$(backend_sql "$b" "$ini" "SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND xact_start IS NOT NULL") ;;
	mysql)
		# Any InnoDB transaction but the probe's own: the test server
		# runs nothing else meanwhile.  (Not by user: inside the slow
		# trigger the processlist shows the trigger's definer.)
		# A statement asleep in the stalling trigger counts too: it is
		# inside the flusher's transaction by construction.
		n=$("$OVPNLOG_TEST_SERVERS/mysql-admin" -N -B -e "SELECT
			(SELECT COUNT(*) FROM information_schema.innodb_trx
			 WHERE trx_mysql_thread_id <> CONNECTION_ID()) +
			(SELECT COUNT(*) FROM information_schema.processlist
			 WHERE id <> CONNECTION_ID() AND state = 'User sleep')") ;;
	esac
	[ "${n:-0}" -gt 0 ]
}

# stall_ledger B INI: from the second batch on, the first ledger row
# makes the server sleep for a minute inside the flusher's transaction (a
# trigger in the test database only), so the probe finds the transaction
# open for certain, however fast or slow the machine is, instead of
# racing it.  The trigger sees the committed first batch (and its own
# batch's rows), so batch one runs at full speed.  SQLite needs none: the
# flusher itself is killed, and its probe is cheap.
stall_ledger() {
	local b=$1 ini=$2
	case $b in
	postgresql)
		"$OVPNLOG_TEST_SERVERS/pg-admin" -d "$(_ini_get "$ini" dbname)" <<-EOF
		CREATE FUNCTION stall_ledger() RETURNS trigger LANGUAGE plpgsql AS
		  \$\$ BEGIN
		    IF (SELECT count(*) FROM applied_event) >= $BATCH THEN
		      PERFORM pg_sleep(60);
		    END IF;
		    RETURN NEW;
		  END \$\$;
		CREATE TRIGGER stall_ledger BEFORE INSERT ON applied_event
		  FOR EACH ROW EXECUTE FUNCTION stall_ledger();
		EOF
		;;
	mysql)
		"$OVPNLOG_TEST_SERVERS/mysql-admin" "$(_ini_get "$ini" dbname)" <<-EOF
		CREATE TRIGGER stall_ledger BEFORE INSERT ON applied_event
		  FOR EACH ROW SET @stall = IF((SELECT COUNT(*) FROM applied_event)
		    >= $BATCH, SLEEP(60), 0);
		EOF
		;;
	esac
}

unstall_ledger() {
	local b=$1 ini=$2
	case $b in
	postgresql)
		"$OVPNLOG_TEST_SERVERS/pg-admin" -d "$(_ini_get "$ini" dbname)" \
			-c 'DROP TRIGGER stall_ledger ON applied_event' >/dev/null ;;
	mysql)
		"$OVPNLOG_TEST_SERVERS/mysql-admin" "$(_ini_get "$ini" dbname)" \
			-e 'DROP TRIGGER stall_ledger' ;;
	esac
}

# kill_db B PID: the fault itself.
kill_db() {
	case $1 in
	sqlite) kill -KILL "$2" ;;
	postgresql) "$OVPNLOG_TEST_SERVERS/pg-kill" >/dev/null 2>&1 ;;
	mysql) "$OVPNLOG_TEST_SERVERS/mysql-kill" >/dev/null 2>&1 ;;
	esac
}
start_db() {
	case $1 in
	postgresql) "$OVPNLOG_TEST_SERVERS/pg-start" >/dev/null 2>&1 ;;
	mysql) "$OVPNLOG_TEST_SERVERS/mysql-start" >/dev/null 2>&1 ;;
	esac
}

for b in $TEST_BACKENDS; do
	t0=$(date +%s)
	flush_env "$b" "dk_$b" || { fail "$b: set up"; continue; }
	stall_ledger "$b" "$INI" || { fail "$b: stalling ledger trigger"; continue; }
	inv_init
	mkev -n "$NEV" -s 41 "$SP"
	inv_record "$SP/new"

	"$OVPNLOG" -c "$INI" flush -b "$BATCH" >"$T/dk.out" 2>&1 &
	pid=$!
	# One batch committed and the next one open: kill now.  SQLite's
	# window is a batch's worth of inserts; the servers' is the stall.
	hit=0 deadline=$(( $(date +%s) + 120 ))
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do
		if [ "$b" = sqlite ]; then
			[ "$(ledger_count "$b" "$INI" 2>/dev/null || echo 0)" -gt 0 ] ||
				continue
		else
			[ "$(ledger_count "$b" "$INI" 2>/dev/null || echo 0)" -ge "$BATCH" ] ||
				{ sleep 0.05; continue; }
		fi
		in_txn "$b" "$INI" && { kill_db "$b" "$pid"; hit=1; break; }
	done
	[ "$hit" = 1 ] || kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	[ "$hit" = 1 ] || diag "$b: the flush ended before a probe saw its transaction"
	if [ "$hit" != 1 ]; then
		fail "$b: the database died while a flush transaction was open"
		restart_servers; unstall_ledger "$b" "$INI"
		continue
	fi
	ok "$b: the database died while a flush transaction was open"
	case $b in
	sqlite)
		is "$b: the flusher was killed (SIGKILL)" "$rc" 137 ;;
	*)
		is "$b: the flush exits 75 when the database dies" "$rc" 75
		if grep -q "unable to apply [0-9]* events (.*).* $b at .*: .*; the files stay in $SP/new" "$T/dk.out"; then
			ok "$b: ... saying which events, which database, why, and that the files stay"
		else
			fail "$b: ... saying which events, which database, why, and that the files stay"
			sed 's/^/#   /' "$T/dk.out" | head -5
		fi
		kept=$(nfiles "$SP/new")
		"$OVPNLOG" -c "$INI" flush >"$T/down.out" 2>&1
		is "$b: a flush while the database is down exits 75" "$?" 75
		check "$b: ... names the database it could not reach" \
			grep -q "$(_ini_get "$INI" port)\|$(_ini_get "$INI" host)" "$T/down.out"
		is "$b: ... and keeps every file" "$(nfiles "$SP/new")" "$kept"
		start_db "$b" || fail "$b: restart the server"
		unstall_ledger "$b" "$INI" || fail "$b: drop the stalling trigger"
		;;
	esac
	# The open transaction was rolled back: whole batches in the ledger,
	# every other file still in new/.  A SIGKILLed flusher (SQLite) may
	# also leave files of its last committed batch, whose removal had
	# begun; a flush that exits (the servers) has finished its removals.
	nl=$(ledger_count "$b" "$INI")
	backend_sql "$b" "$INI" "SELECT event_id FROM applied_event" |
		LC_ALL=C sort >"$T/dk.ledger"
	_inv_list "$SP/new" >"$T/dk.new"
	both=$(LC_ALL=C comm -12 "$T/dk.ledger" "$T/dk.new" | wc -l)
	is "$b: after the restart the ledger holds whole batches, new/ the rest" \
		"$((nl % BATCH))|$(sort -u "$T/dk.ledger" "$T/dk.new" | wc -l)|$([ "$nl" -gt 0 ] && echo some)" \
		"0|$NEV|some"
	[ "$b" = sqlite ] ||
		is "$b: no applied file is left in new/ by a flush that exited" "$both" 0
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: the flush after the restart exits 0" "$?" 0
	inv_check "$b: database killed mid-transaction" "$b" "$INI" "$SP"
	diag "$b: $NEV events, batches of $BATCH, killed after $nl applied, $(( $(date +%s) - t0 ))s"
done

# SQLite: another writer holds the database past busy_timeout.
if [[ " $TEST_BACKENDS " == *" sqlite "* ]]; then
	flush_env sqlite dk_busy
	printf 'busy_timeout = 300ms\n' >>"$INI"
	inv_init
	mkev -n 500 -s 42 "$SP"
	inv_record "$SP/new"
	db=$(_ini_get "$INI" path)
	sqlite3 "$db" 'BEGIN IMMEDIATE;' '.shell sleep 3' 'ROLLBACK;' >/dev/null 2>&1 &
	holder=$!
	for _ in $(seq 1 100); do in_txn sqlite "$INI" && break; sleep 0.02; done
	"$OVPNLOG" -c "$INI" flush >"$T/busy.out" 2>&1
	is "sqlite: a flush while another writer holds the database exits 75" "$?" 75
	check "sqlite: ... saying the database is locked and the files stay" \
		grep -q "database is locked.*the files stay in $SP/new" "$T/busy.out"
	is "sqlite: ... and keeps every file" "$(nfiles "$SP/new")|$(ledger_count sqlite "$INI")" "500|0"
	wait "$holder"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "sqlite: once the writer is gone the flush exits 0" "$?" 0
	inv_check "sqlite: database locked" sqlite "$INI" "$SP"
fi
done_testing
