# tests/lib/flush.sh — helpers of the t_flush_* tests.  Sourced after
# tests/lib/common.sh and tests/lib/backend.sh.
#
#   flush_env B NAME      fresh spool $T/NAME/spool and database NAME on
#                         backend B, schema created; sets SP and INI
#   hook_fixture SPOOL FIXTURE [VAR=value...]
#                         the built hook under env -i with the fixture's
#                         environment (overrides after it), instance
#                         main/udp/1194
#   SESSION_COLS          every session column but id, in schema order
#   dump_rows B INI       every session (with its instance triple) and
#                         every ledger id, ordered: for diffs
#   mkev ARGS...          tests/aid/mkevents

MKEVENTS="$BUILD/tests/mkevents"

flush_env() {
	local b=$1 name=$2
	SP="$T/$name/spool"
	INI="$T/$name.ini"
	mkspool "$SP"
	backend_ini "$b" "$name" "$SP" >"$INI" || return 1
	chmod 600 "$INI"
	"$OVPNLOG" -c "$INI" init-db >/dev/null
}

hook_fixture() {
	local sp=$1 f=$2 envl
	shift 2
	mapfile -t envl < <(grep -v '^#' "$f")
	env -i "${envl[@]}" "$@" "$SPOOLBIN" -q -s "$sp" -n main -r udp -o 1194 \
		--fsync=none
}

SESSION_COLS="connect_time, src_ip, src_port, cn, vpn_ip4, vpn_ip6,
disconnect_time, duration, bytes_in, bytes_out, username, client_version,
client_platform, client_platform_version, client_gui_version, cert_serial,
cert_sha256, daemon_pid, daemon_start_time, last_update, end_reason, origin,
disconnect_src_ip, disconnect_src_port"

dump_rows() {
	backend_sql "$1" "$2" "SELECT s.id, i.name, i.port, i.protocol,
		$(echo $SESSION_COLS | sed 's/\([a-z_0-9][a-z_0-9]*\)/s.\1/g')
		FROM session s JOIN instance i ON i.id = s.instance_id
		ORDER BY s.id" &&
	backend_sql "$1" "$2" "SELECT event_id FROM applied_event
		ORDER BY event_id"
}

mkev() { "$MKEVENTS" "$@"; }

# nfiles DIR: regular entries in DIR (not counting .reason files).
nfiles() { find "$1" -mindepth 1 -maxdepth 1 ! -name '*.reason' | wc -l; }

# adapt_window W DONE SHARE MAX: the next kill window (ms) of the kill
# tests, from the last run's progress: wider when it applied less than
# SHARE events, narrower when more than twice that, a little narrower
# otherwise; within 5..MAX.
adapt_window() {
	local w=$1
	if [ "$2" -lt "$3" ]; then
		w=$(( w * 115 / 100 + 1 ))
	elif [ "$2" -gt $(( 2 * $3 )) ]; then
		w=$(( w * 100 / 150 ))
	else
		w=$(( w * 100 / 115 ))
	fi
	[ "$w" -lt 5 ] && w=5
	[ "$w" -gt "$4" ] && w=$4
	echo "$w"
}

# lock_held SP: some process holds the spool lock SP/.lock.  Read from
# /proc/locks, so the probe itself never takes the lock.
lock_held() {
	local ino
	ino=$(stat -c %i "$1/.lock" 2>/dev/null) || return 1
	grep -q ":$ino " /proc/locks
}

# wait_lock_held SP SECS: until lock_held SP, for at most SECS seconds.
wait_lock_held() {
	local i
	for ((i = 0; i < $2 * 100; i++)); do
		lock_held "$1" && return 0
		sleep 0.01
	done
	return 1
}

# refuse_poison B / allow_poison B: SQL for a rule of the database that
# the flusher cannot know about: sessions of common names poison-* are
# refused (a trigger on SQLite, a CHECK constraint on the servers).
refuse_poison() {
	case $1 in
	sqlite) echo "CREATE TRIGGER no_poison BEFORE INSERT ON session
		WHEN NEW.cn LIKE 'poison%'
		BEGIN SELECT RAISE(ABORT, 'poison common name'); END;" ;;
	*) echo "ALTER TABLE session ADD CONSTRAINT no_poison
		CHECK (cn NOT LIKE 'poison%')" ;;
	esac
}
allow_poison() {
	case $1 in
	sqlite) echo "DROP TRIGGER no_poison" ;;
	*) echo "ALTER TABLE session DROP CONSTRAINT no_poison" ;;
	esac
}
