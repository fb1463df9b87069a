# tests/lib/invariants.sh — the invariants of the fault suite
# (tests/t_fault_*.sh, doc/fault-tests.md), written once.  Sourced after
# tests/lib/common.sh and tests/lib/backend.sh.
#
# A test first records what was produced, then breaks things, then runs a
# final clean flush and calls inv_check:
#
#   inv_init                 forgets every recorded event (one scenario)
#   inv_record DIR           records every file now in DIR (a spool's new/,
#                            after the generator or the hooks ran, before
#                            any flush): its name, and the facts a session
#                            row is made of (type, common_name, time_unix,
#                            time_duration, bytes_received, bytes_sent)
#   inv_unnamed TYPE CN TIME [DUR BIN BOUT]
#                            an event known to exist (a hook exited 0 and
#                            said nothing) whose file name the test could
#                            not see (a flusher ran at the same time)
#   inv_poison NAME...       recorded events that must end in failed/
#   inv_check LABEL B INI SPOOL
#                            the checks below, as ok/not ok lines
#
# The invariants (every check names LABEL):
#   1. tmp/ is drained and new/ is empty (after the final clean flush);
#   2. every recorded event is in the ledger (applied_event) or in failed/
#      with a non-empty NAME.reason — never both, never neither; nothing
#      else is in either; the unnamed events account for exactly the
#      extra ledger ids; the ledger has no duplicate id;
#   3. failed/ holds exactly the inv_poison files (none by default);
#   4. the session table is exactly what the applied events imply: one
#      row per (common_name, time_unix) with an applied connect or
#      disconnect, closed (disconnect_time = time_unix + time_duration,
#      bytes_in/bytes_out = bytes_received/bytes_sent, end_reason
#      'disconnect') iff its disconnect applied, open otherwise — so no
#      row without an event behind it, none missing, none doubled.
# Common names must be plain (no %XX escapes); update events add no row
# and are not compared (the suite does not generate them).

INV=$T/inv

inv_init() {
	rm -rf "$INV"
	mkdir -p "$INV"
	: >"$INV/facts"
	: >"$INV/poison"
	INV_UNNAMED=0
}

# facts: NAME|TYPE|CN|TIME_UNIX|DURATION|BYTES_IN|BYTES_OUT (NAME "-" when
# unknown).  The type comes from the name's last part, as the flusher
# reads it; a malformed file gets whatever could be read.
inv_record() {
	find "$1" -mindepth 1 -maxdepth 1 -type f -print0 |
	xargs -0 -r awk '
		function out() {
			if (fn == "") return
			print name "|" type "|" f["common_name"] "|" \
			    f["time_unix"] "|" f["time_duration"] "|" \
			    f["bytes_received"] "|" f["bytes_sent"]
		}
		FNR == 1 {
			out(); delete f; fn = FILENAME
			name = fn; sub(/.*\//, "", name)
			type = name; sub(/.*\./, "", type)
		}
		{ i = index($0, "="); if (i > 1) f[substr($0, 1, i - 1)] = substr($0, i + 1) }
		END { out() }' >>"$INV/facts"
}

inv_unnamed() {
	echo "-|$1|$2|$3|${4:-}|${5:-}|${6:-}" >>"$INV/facts"
	INV_UNNAMED=$((INV_UNNAMED + 1))
}

inv_poison() { printf '%s\n' "$@" >>"$INV/poison"; }

# _inv_list DIR: names of the regular entries of DIR without .reason ones.
_inv_list() {
	find "$1" -mindepth 1 -maxdepth 1 ! -name '*.reason' -printf '%f\n' | LC_ALL=C sort
}

inv_check() {
	local label=$1 b=$2 ini=$3 sp=$4 d=$INV ntmp nnew bad=0 n
	local -x LC_ALL=C

	ntmp=$(find "$sp/tmp" -mindepth 1 -maxdepth 1 | wc -l)
	nnew=$(find "$sp/new" -mindepth 1 -maxdepth 1 | wc -l)
	is "$label: tmp/ drained and new/ empty after the final flush" \
		"tmp=$ntmp new=$nnew" "tmp=0 new=0"

	# 2. ledger xor failed/, for every recorded event.
	backend_sql "$b" "$ini" "SELECT event_id FROM applied_event" |
		sort >"$d/ledger"
	_inv_list "$sp/failed" >"$d/failed"
	find "$sp/failed" -mindepth 1 -maxdepth 1 -name '*.reason' -size +0 \
		-printf '%f\n' | sed 's/\.reason$//' | sort >"$d/reasons"
	cut -d'|' -f1 "$d/facts" | grep -vx -- '-' | sort >"$d/named"
	sort -u "$d/ledger" "$d/failed" >"$d/seen"
	comm -12 "$d/ledger" "$d/failed" >"$d/both"
	comm -23 "$d/named" "$d/seen" >"$d/neither"
	comm -13 "$d/named" "$d/seen" >"$d/extra"
	comm -3 "$d/failed" "$d/reasons" >"$d/noreason"
	n=$(backend_sql "$b" "$ini" \
		"SELECT COUNT(*) - COUNT(DISTINCT event_id) FROM applied_event")
	[ -s "$d/both" ] && { bad=1; diag "in the ledger AND in failed/: $(head -3 "$d/both" | tr '\n' ' ')"; }
	[ -s "$d/neither" ] && { bad=1; diag "$(wc -l <"$d/neither") lost (neither ledger nor failed/): $(head -3 "$d/neither" | tr '\n' ' ')"; }
	[ -s "$d/noreason" ] && { bad=1; diag "failed/ file and .reason do not pair up: $(head -3 "$d/noreason" | tr '\n' ' ')"; }
	[ "$(wc -l <"$d/extra")" -eq "$INV_UNNAMED" ] ||
		{ bad=1; diag "$(wc -l <"$d/extra") ids not recorded but $INV_UNNAMED unnamed events: $(head -3 "$d/extra" | tr '\n' ' ')"; }
	[ "$n" = 0 ] || { bad=1; diag "duplicate ledger ids: $n"; }
	if [ "$bad" = 0 ]; then
		ok "$label: each of $(wc -l <"$d/facts") events is in the ledger ($(wc -l <"$d/ledger")) or in failed/ with a reason ($(wc -l <"$d/failed")), never both, never neither"
	else
		fail "$label: each of $(wc -l <"$d/facts") events is in the ledger or in failed/ with a reason, never both, never neither"
	fi

	# 3. exactly the expected poison in failed/.
	sort -u "$d/poison" >"$d/poison.s"
	if cmp -s "$d/poison.s" "$d/failed"; then
		ok "$label: failed/ holds exactly the $(wc -l <"$d/poison.s") poison files"
	else
		fail "$label: failed/ holds exactly the $(wc -l <"$d/poison.s") poison files"
		diff "$d/poison.s" "$d/failed" | head -6 | sed 's/^/#   /'
	fi

	# 4. sessions = what the applied events imply.
	awk -F'|' -v ledger="$d/ledger" '
		BEGIN { while ((getline l < ledger) > 0) applied[l] = 1 }
		$1 != "-" && !($1 in applied) { next }
		$2 != "connect" && $2 != "disconnect" { next }
		{
			k = $3 "|" $4
			if (!(k in row)) row[k] = $3 "|" $4 "||||"
			if ($2 == "disconnect")
				row[k] = $3 "|" $4 "|" ($4 + $5) "|" $6 "|" $7 "|disconnect"
		}
		END { for (k in row) print row[k] }' "$d/facts" | sort >"$d/rows.want"
	backend_sql "$b" "$ini" "SELECT cn, connect_time, disconnect_time,
		bytes_in, bytes_out, end_reason FROM session" | sort >"$d/rows.got"
	n=$(wc -l <"$d/rows.want")
	if cmp -s "$d/rows.want" "$d/rows.got"; then
		ok "$label: sessions are exactly what the applied events imply ($n rows, $(grep -c '|disconnect$' "$d/rows.want") closed with their bytes)"
	else
		fail "$label: sessions are exactly what the applied events imply ($n rows expected, $(wc -l <"$d/rows.got") found)"
		diff "$d/rows.want" "$d/rows.got" | grep '^[<>]' | head -6 | sed 's/^/#   /'
	fi
}
