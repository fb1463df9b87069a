#!/bin/bash
# No torn status snapshot is ever ingested: a writer rewrites the status
# file in place in a tight loop, like OpenVPN (lseek, one write() per line,
# ftruncate; tests/aid/statuswriter), alternating two snapshots A and B of
# different lengths, while `ovpnlog flush` snapshots it again and again.
# Every snapshot that reaches the spool is A or B; applied, they leave
# B's values (the newer TIME).  As a control, the same writer's torn
# states do fool the bare parser, so the check can fail.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/status.sh"
EVDUMP="$BUILD/tests/evdump"
DUMP="$BUILD/tests/statusdump"
WRITER="$BUILD/tests/statuswriter"
TT=1795790000

for v in 2 3; do
	ST="$T/torn-v$v.status"
	status_ini sqlite "st$v" "status_file = $ST" || { fail "v$v: set up"; continue; }
	down_ini sqlite "$INI" "$T/down.ini"
	for i in 1 2 3 4 5 6; do
		ev_connect "$SP" $((TT - 100)) "client$i" "192.0.2.$i" $((40000 + i - 1)) $((TT - 100))
	done
	# It writes until stop_writer (the cap only bounds a test that dies
	# first): the control reads and the flushes take what they take.
	"$WRITER" $([ $v = 3 ] && echo -3) -m 120000 -t $TT "$ST" "$T/A" "$T/B" >"$T/writer.out" &
	wp=$!
	stop_writer() { kill "$wp" 2>/dev/null; wait "$wp" 2>/dev/null; }
	at_exit stop_writer
	for i in $(seq 1 50); do [ -s "$T/B" ] && [ -s "$ST" ] && break; sleep 0.1; done
	"$DUMP" "$T/A" >"$T/A.dump" && "$DUMP" "$T/B" >"$T/B.dump"
	is "v$v: the two snapshots parse (3 and 6 clients)" \
		"$(grep '^clients' "$T/A.dump") $(grep '^clients' "$T/B.dump")" "clients 3 clients 6"

	# Control: plain single reads; some are torn yet parse.
	fooled=0 torn=0 reads=0
	while [ $reads -lt 1000 ] && { [ $fooled -lt 3 ] || [ $reads -lt 200 ]; }; do
		reads=$((reads + 1))
		cat "$ST" >"$T/x"
		if "$DUMP" "$T/x" >"$T/x.dump" 2>/dev/null; then
			cmp -s "$T/x.dump" "$T/A.dump" || cmp -s "$T/x.dump" "$T/B.dump" ||
				fooled=$((fooled + 1))
		else
			torn=$((torn + 1))
		fi
	done
	check "v$v: control: the writer's torn states fool the bare parser ($fooled of $reads single reads; $torn more are refused)" \
		test $fooled -gt 0

	runs=0
	end=$(( $(date +%s) + 5 ))
	while [ "$(date +%s)" -lt $end ]; do
		"$OVPNLOG" -c "$T/down.ini" flush >>"$T/flush.out" 2>&1
		runs=$((runs + 1))
	done
	stop_writer
	bad=0 na=0 nb=0
	for f in "$SP"/new/*.status; do
		"$EVDUMP" -k status_text "$f" >"$T/text"
		"$DUMP" "$T/text" >"$T/text.dump" 2>&1
		if cmp -s "$T/text.dump" "$T/A.dump"; then na=$((na + 1))
		elif cmp -s "$T/text.dump" "$T/B.dump"; then nb=$((nb + 1))
		else
			bad=$((bad + 1))
			[ $bad = 1 ] && { diag "v$v: torn snapshot spooled: $f"; sed 's/^/#   /' "$T/text" | head -20; }
		fi
	done
	diag "v$v: $runs flushes, $(grep -c 'no complete snapshot' "$T/flush.out") gave up on a torn file, writer: $(cat "$T/writer.out")"
	is "v$v: no torn snapshot reached the spool" "$bad" 0
	check "v$v: both A ($na) and B ($nb) were spooled" test $na -gt 0 -a $nb -gt 0
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "v$v: all applied (exit 0, spool empty)" "$?|$(nfiles "$SP/new")" "0|0"
	want=""
	for i in 0 1 2 3 4 5; do
		want="$want|130|$((5000 + i * 7))|$((9000 + i * 3))|$((TT + 30))||connect "
	done
	got=""
	for i in 1 2 3 4 5 6; do got="$got$(srow sqlite "$INI" "client$i" $((TT - 100))) "; done
	is "v$v: the sessions hold B's values (A's missing clients reopened)" "$got" "$want"
	rm -f "$T/flush.out"
done
done_testing
