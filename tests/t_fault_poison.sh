#!/bin/bash
# One poison event in the middle of a large backlog, on every backend: a
# disconnect (spooled by the real hook) that passes every check of the
# flusher but violates a rule of the database — an operator's CHECK
# constraint on PostgreSQL and MariaDB, a trigger on SQLite, refusing
# the common name poison-db — plus a malformed file (an event cut short
# after it reached new/).  One flush isolates the poison's batch,
# quarantines exactly those two files with their reasons, applies every
# other event once, and exits 65; a second flush has nothing to do and
# exits 0.  SQLite takes the issue's 100,000 events; the server backends
# fewer (printed), to keep the suite bounded.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/invariants.sh"

export LC_ALL=C	# ls and comm agree on the order of names
ENV_C=$FIXTURES/env/udp-v2.client-connect.client1.env
ENV_D=$FIXTURES/env/udp-v2.client-disconnect.client1.env

# Valid events in the backlog besides the poison.
plan() {
	case $1 in
	sqlite) echo "${FAULT_POISON_EVENTS:-99999}" ;;
	postgresql) echo 19999 ;;
	mysql) echo 9999 ;;
	esac
}

# A rule of the database the flusher cannot know about.
refuse_poison_db() {
	case $1 in
	sqlite) echo "CREATE TRIGGER no_poison BEFORE INSERT ON session
		WHEN NEW.cn = 'poison-db'
		BEGIN SELECT RAISE(ABORT, 'no_poison: refused common name'); END;" ;;
	*) echo "ALTER TABLE session ADD CONSTRAINT no_poison
		CHECK (cn <> 'poison-db')" ;;
	esac
}

# hook_ev SPOOL ENVFILE VAR=value...: the real hook with a fixture's
# environment, some variables replaced.
hook_ev() {
	local sp=$1 envf=$2 v
	local -a ev
	shift 2
	mapfile -t ev < <(grep -v '^#' "$envf")
	for v in "$@"; do
		mapfile -t ev < <(printf '%s\n' "${ev[@]}" | grep -v "^${v%%=*}=")
		ev+=("$v")
	done
	env -i "${ev[@]}" "$SPOOLBIN" -s "$sp" -n main -r udp -o 1194 --fsync=none
}

for b in $TEST_BACKENDS; do
	t0=$(date +%s)
	nvalid=$(plan "$b")
	half=$(( (nvalid + 1) / 2 ))
	flush_env "$b" "po_$b" || { fail "$b: set up"; continue; }
	backend_sql "$b" "$INI" "$(refuse_poison_db "$b")" >/dev/null ||
		fail "$b: add the database rule refusing poison-db"
	now=$(date +%s)
	# Simulated clocks: the first half ends well before now (about one
	# event a second), the second half starts after it.
	mkev -n "$half" -s 51 -P first -t $((now - 3 * half - 1000)) "$SP"
	ls "$SP/new" >"$T/before"
	hook_ev "$SP" "$ENV_D" common_name=poison-db
	dbp=$(ls "$SP/new" | comm -13 "$T/before" -)
	hook_ev "$SP" "$ENV_C" common_name=poison-cut
	cut=$(ls "$SP/new" | comm -13 "$T/before" - | grep -vxF "$dbp")
	mkev -n $((nvalid - half)) -s 52 -P second -t $(($(date +%s) + 2)) "$SP"
	sed -i '$d' "$SP/new/$cut"	# its end line is lost
	inv_init
	inv_record "$SP/new"
	inv_poison "$dbp" "$cut"
	pos=$(ls "$SP/new" | grep -n -x -F "$dbp" | cut -d: -f1)
	diag "$b: $(nfiles "$SP/new") files: $nvalid valid events, the poison at position $pos, a cut file next to it"

	s=$(date +%s%N)
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	rc=$?
	ms=$(( ($(date +%s%N) - s) / 1000000 ))
	is "$b: the flush exits 65 (files were quarantined)" "$rc" 65
	check "$b: ... after isolating the poison's batch event by event" \
		grep -q "refused $SP/new/$dbp .*applying its batch event by event" "$T/out"
	check "$b: the poison's reason is the database's refusal" \
		grep -q "rejected by the database: .*no_poison" "$SP/failed/$dbp.reason"
	check "$b: the cut file's reason is its missing end line" \
		grep -qi "end" "$SP/failed/$cut.reason"
	is "$b: every other event applied ($nvalid)" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" "$nvalid"
	inv_check "$b: poison in a backlog of $nvalid" "$b" "$INI" "$SP"
	"$OVPNLOG" -c "$INI" flush >"$T/out2" 2>&1
	is "$b: a second flush exits 0 and leaves failed/ alone" \
		"$?|$(nfiles "$SP/failed")" "0|2"
	diag "$b: flush of $((nvalid + 2)) files: ${ms} ms ($(( (nvalid + 2) * 1000 / (ms + 1) )) events/s); test $(( $(date +%s) - t0 ))s"
done
done_testing
