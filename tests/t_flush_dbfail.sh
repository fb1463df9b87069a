#!/bin/bash
# When the database cannot take the events the files wait: an unreachable
# database (exit 75), a database without the ovpnlog schema (exit 78), and
# for SQLite a read-only database file, a read-only directory and a
# database locked by another writer for longer than busy_timeout (exit
# 75) keep every file in new/, and the message names the backend and
# where it is.  The next flush after the fix applies everything.  A spool
# file the flusher may not read is set aside with its reason and comes
# back with `requeue`.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"

closed_port() {
	local p
	for p in $(seq 2 200); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

for b in $TEST_BACKENDS; do
	flush_env "$b" "df_$b" || { fail "$b: set up"; continue; }
	mkev -n 20 -s 61 "$SP"

	# Unreachable.
	case $b in
	sqlite) sed "s|^path = .*|path = $T/no/such/dir/db.sqlite|" "$INI" >"$T/bad.ini"
		where="sqlite at $T/no/such/dir/db.sqlite" ;;
	*) port=$(closed_port)
		sed -e "s|^host = .*|host = 127.0.0.1|" -e "s|^port = .*|port = $port|" \
			"$INI" >"$T/bad.ini"
		where="$b at 127.0.0.1:$port" ;;
	esac
	"$OVPNLOG" -c "$T/bad.ini" flush >"$T/out" 2>&1
	is "$b: unreachable database: exit 75" "$?" 75
	check "$b: ... the message says unable to connect to $where" \
		grep -qF "unable to connect to $where" "$T/out"
	is "$b: ... every file kept" "$(nfiles "$SP/new")" 20
	sed 's/^/# /' "$T/out"

	# No schema.
	backend_ini "$b" "df_empty_$b" "$SP" >"$T/empty.ini"
	"$OVPNLOG" -c "$T/empty.ini" flush >"$T/out" 2>&1
	is "$b: database without the schema: exit 78" "$?" 78
	check "$b: ... says to run init-db" \
		grep -q "error: $b at .*: database has no ovpnlog schema: run ovpnlog init-db" "$T/out"
	is "$b: ... every file kept" "$(nfiles "$SP/new")" 20

	"$OVPNLOG" -c "$INI" flush >/dev/null 2>&1
	is "$b: with the database back, the files apply" "$(nfiles "$SP/new")" 0
done

if [[ " $TEST_BACKENDS " == *" sqlite "* ]]; then
	# Permissions mean nothing to root: run the flusher as nobody.
	if [ "$(id -u)" = 0 ]; then
		AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		AS=()
	fi
	flush_env sqlite ro
	mkdir "$T/rodir"
	mv "$T/ro.sqlite" "$T/rodir/db.sqlite"
	sed -i "s|^path = .*|path = $T/rodir/db.sqlite|" "$INI"
	mkev -n 10 -s 62 "$SP"
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$T/rodir" "$T/ro" "$INI"

	chmod 0444 "$T/rodir/db.sqlite"
	"${AS[@]}" "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "sqlite: read-only database file: exit 75" "$?" 75
	check "sqlite: ... says it is not writable" \
		grep -q "unable to connect to sqlite at $T/rodir/db.sqlite: .*not writable" "$T/out"
	is "sqlite: ... every file kept" "$(nfiles "$SP/new")" 10
	sed 's/^/# /' "$T/out"
	chmod 0644 "$T/rodir/db.sqlite"

	rm -f "$T/rodir/db.sqlite-wal" "$T/rodir/db.sqlite-shm"
	chmod 0555 "$T/rodir"
	"${AS[@]}" "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "sqlite: read-only database directory: exit 75" "$?" 75
	check "sqlite: ... names the database" grep -q "sqlite at $T/rodir/db.sqlite" "$T/out"
	is "sqlite: ... every file kept" "$(nfiles "$SP/new")" 10
	sed 's/^/# /' "$T/out"
	chmod 0755 "$T/rodir"

	# Another writer holds the database longer than busy_timeout.
	sed -i '/^path = /a busy_timeout = 300ms' "$INI"
	fifo="$T/lockfifo"
	mkfifo "$fifo"
	sqlite3 "$T/rodir/db.sqlite" <"$fifo" >"$T/lockout" 2>&1 & lp=$!
	exec 7>"$fifo"
	echo "BEGIN EXCLUSIVE; INSERT INTO ovpnlog_schema VALUES (1); SELECT 'locked';" >&7
	for _ in $(seq 1 200); do
		grep -q '^locked$' "$T/lockout" && break
		sleep 0.05
	done
	start=$(date +%s%N)
	"${AS[@]}" "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	is "sqlite: database locked by another writer: exit 75" "$rc" 75
	check "sqlite: ... says it is locked" grep -q "sqlite at $T/rodir/db.sqlite: .*locked" "$T/out"
	check "sqlite: ... after waiting busy_timeout, not forever (${ms} ms)" \
		test "$ms" -ge 250 -a "$ms" -lt 5000
	is "sqlite: ... every file kept" "$(nfiles "$SP/new")" 10
	sed 's/^/# /' "$T/out"
	echo "ROLLBACK;" >&7
	exec 7>&-
	wait $lp

	"${AS[@]}" "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "sqlite: once the writer is gone the flush exits 0" "$?" 0
	is "sqlite: ... and applies the 10 events" "$(nfiles "$SP/new")" 0

	# A file the flusher may not read (its mode, its owner): it is set
	# aside in failed/ with the reason, the others apply (exit 65), and
	# once its mode is fixed `requeue` brings it back and it applies.
	mkev -n 10 -s 63 -t 1795900000 "$SP"
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$SP"
	victim=$(ls "$SP/new" | LC_ALL=C sort | sed -n 5p)
	chmod 000 "$SP/new/$victim"
	"${AS[@]}" "$OVPNLOG" -c "$INI" flush -b 3 >"$T/out" 2>&1
	is "sqlite: an unreadable file in new/: exit 65" "$?" 65
	is "sqlite: ... it alone is set aside, the other 9 apply" \
		"$(ls "$SP/failed" | grep -v '\.reason$')|$(nfiles "$SP/new")|$(backend_sql sqlite "$INI" "SELECT COUNT(*) FROM applied_event")" \
		"$victim|0|19"
	check "sqlite: ... with its reason" \
		grep -q "cannot open: Permission denied" "$SP/failed/$victim.reason"
	sed 's/^/# /' "$T/out"
	chmod 0640 "$SP/failed/$victim"
	"${AS[@]}" "$OVPNLOG" -c "$INI" requeue "$victim" >"$T/out" 2>&1
	is "sqlite: ... requeue after the fix: exit 0" "$?" 0
	"${AS[@]}" "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "sqlite: ... and the next flush applies it" \
		"$?|$(nfiles "$SP/new")|$(nfiles "$SP/failed")|$(backend_sql sqlite "$INI" "SELECT COUNT(*) FROM applied_event")" \
		"0|0|0|20"
fi
done_testing
