# tests/lib/watch.sh — helpers for the `ovpnlog watch` tests.  Sourced
# after tests/lib/common.sh and tests/lib/backend.sh.
#
#   wt_setup B NAME [FLUSH_LINES [DB_LINES]]  spool $T/NAME/spool, INI
#                     $T/NAME.ini for backend B (fresh database NAME);
#                     DB_LINES are added to [database] (e.g. "busy_timeout =
#                     200ms"), FLUSH_LINES form a [flush] section,
#                     schema created; sets WT_SPOOL, WT_INI, WT_B
#   wt_start [ARGS]   starts `ovpnlog $WT_GLOBAL -c $WT_INI watch ARGS` in the
#                     background (log $T/watch.N.log), waits until it says
#                     it is watching; sets WT_PID, WT_LOG
#   wt_stop [SIG]     sends SIG (default TERM), waits; WT_RC = exit status
#   wt_hook CN [SPOOL] [ENV]  runs the real hook as OpenVPN does (env -i, the
#                     fixture connect environment, common_name=CN), as
#                     another user when $WT_AS is e.g. "setpriv --reuid=..."
#   wt_template       prints the path of one hook-made connect event file
#                     (for tests/aid/evgen)
#   wt_rows [WHERE]   number of session rows (optionally with a condition)
#   wt_wait_rows N SECS  until wt_rows >= N; 1 on timeout
#   wt_new / wt_failed  number of files in new/ / failed/ (no .reason)
#   wt_cpu_ticks PID  user+system CPU time of PID in clock ticks

WT_FIX_CONNECT=$FIXTURES/env/udp-v2.client-connect.client1.env
_wt_n=0

wt_setup() {
	local b=$1 name=$2 extra=${3:-} dbextra=${4:-}
	WT_B=$b
	WT_SPOOL=$T/$name/spool
	WT_INI=$T/$name.ini
	mkspool "$WT_SPOOL"
	backend_ini "$b" "$name" "$WT_SPOOL" >"$WT_INI" || return 1
	[ -n "$dbextra" ] && printf '%b\n' "$dbextra" >>"$WT_INI"
	printf '\n[flush]\n%b\n' "$extra" >>"$WT_INI"
	"$OVPNLOG" -c "$WT_INI" init-db >"$T/$name.initdb.log" 2>&1 || {
		sed 's/^/#   /' "$T/$name.initdb.log"; return 1; }
}

wt_start() {
	_wt_n=$((_wt_n + 1))
	WT_LOG=$T/watch.$_wt_n.log
	"$OVPNLOG" ${WT_GLOBAL:-} -c "$WT_INI" watch "$@" 2>"$WT_LOG" &
	WT_PID=$!
	at_exit _wt_kill
	local i
	for i in $(seq 1 200); do
		grep -q 'watching ' "$WT_LOG" 2>/dev/null && return 0
		kill -0 "$WT_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# Cleanup: never leave a watcher of ours running.
_wt_kill() {
	[ -n "${WT_PID:-}" ] && kill -0 "$WT_PID" 2>/dev/null &&
		kill -KILL "$WT_PID" 2>/dev/null
	return 0
}

wt_stop() {
	kill -"${1:-TERM}" "$WT_PID" 2>/dev/null
	wait "$WT_PID"
	WT_RC=$?
}

wt_hook() {
	local cn=$1 spool=${2:-$WT_SPOOL} envf=${3:-$WT_FIX_CONNECT}
	local -a ev
	mapfile -t ev < <(grep -v '^#' "$envf" | grep -v '^common_name=')
	${WT_AS:-} env -i "${ev[@]}" "common_name=$cn" "$SPOOLBIN" -s "$spool"
}

wt_template() {
	local f
	f=$(ls "$T/template/new/"*.connect 2>/dev/null | head -n1)
	if [ -z "$f" ]; then
		mkdir -p "$T/template/tmp" "$T/template/new"
		wt_hook template "$T/template" >/dev/null 2>&1
		f=$(ls "$T/template/new/"*.connect 2>/dev/null | head -n1)
	fi
	echo "$f"
}

wt_rows() {
	local where=${1:+ WHERE $1}
	backend_sql "$WT_B" "$WT_INI" "SELECT count(*) FROM session$where" 2>/dev/null
}

wt_wait_rows() {
	local want=$1 secs=$2 end n
	end=$(( $(date +%s%N) + secs * 1000000000 ))
	while :; do
		n=$(wt_rows)
		[ -n "$n" ] && [ "$n" -ge "$want" ] && return 0
		[ "$(date +%s%N)" -ge "$end" ] && return 1
		sleep 0.02
	done
}

wt_new() { find "${1:-$WT_SPOOL}/new" -mindepth 1 -maxdepth 1 | wc -l; }

# wt_new_drains: new/ becomes empty within 5 s.  A running watcher
# removes a batch's files just after its COMMIT, which the test's own
# client may see first.
wt_new_drains() {
	local i
	for ((i = 0; i < 250; i++)); do
		[ "$(wt_new)" = 0 ] && return 0
		sleep 0.02
	done
	diag "new/ still holds $(wt_new) files"
	return 1
}
wt_failed() {
	find "${1:-$WT_SPOOL}/failed" -mindepth 1 -maxdepth 1 ! -name '*.reason' | wc -l
}

wt_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
