#!/bin/bash
# ovpnlog-spool --status FILE|-: a complete OpenVPN status snapshot
# becomes one type=status event (named by its TIME, the raw text kept
# byte for byte); a torn file is re-read, then reported; bad files are
# refused with a message.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
SP="$T/spool"
mkspool "$SP"
run() {
	rm -f "$SP"/new/* "$SP"/tmp/*
	env -i "$SPOOLBIN" -s "$SP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	n=$(ls "$SP/new" | wc -l)
	f=$(ls -d "$SP"/new/* 2>/dev/null | head -1)
}
k() { "$EVDUMP" -k "$1" "$f"; }

for s in "$FIXTURES"/status/*.txt; do
	sn=$(basename "$s" .txt)
	tt=$(grep -m1 '^TIME' "$s" | tr '\t' ',' | cut -d, -f3)
	run --strict -r udp4 -o 1194 --status "$s"
	is "$sn: spooled, one file, no message" "$rc|$n|$(cat "$T/err")" "0|1|"
	[ -n "$f" ] || continue
	case "$(basename "$f")" in
	"$tt.000000000."*.status) ok "$sn: named by the TIME line ($tt.000000000...status)" ;;
	*) fail "$sn: named by the TIME line: $(basename "$f")" ;;
	esac
	is "$sn: type, status_time, status_source, instance" \
		"$(head -2 "$f" | tail -1)|$(k status_time)|$(k status_source)|$(k instance_name)|$(k instance_proto)|$(k instance_port)" \
		"type=status|$tt|$s||udp4|1194"
	k status_text | cmp -s - "$s" && ok "$sn: status_text is the file, byte for byte" ||
		fail "$sn: status_text is the file, byte for byte"
	st=$(k spool_time)
	[[ "$st" =~ ^[0-9]{10}\.[0-9]{9}$ ]] && ok "$sn: spool_time present ($st)" || fail "$sn: spool_time present ($st)"
done

S="$FIXTURES/status/v3-2clients.txt"
rm -f "$SP"/new/*
env -i "$SPOOLBIN" -s "$SP" --strict --status - <"$S" 2>"$T/err"
rc=$?
f=$(ls -d "$SP"/new/* | tail -1)
is "stdin (-): spooled, status_source '-'" "$rc|$(k status_source)" "0|-"
k status_text | cmp -s - "$S" && ok "stdin (-): status_text is the input, byte for byte" ||
	fail "stdin (-): status_text is the input, byte for byte"
grep -q '^status_text=TITLE%09' "$f" && ok "v3 TABs are escaped in the file (%09)" ||
	fail "v3 TABs are escaped in the file (%09)"

# Torn: no END line.  Re-read STATUSSNAP_TRIES (5) times, ~300 ms.
head -n -1 "$FIXTURES/status/v2-2clients.txt" >"$T/torn.txt"
t0=$(date +%s%N)
run --status "$T/torn.txt"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "torn file: exit 0 without --strict, nothing spooled" "$rc|$n|$(ls -A "$SP/tmp")" "0|0|"
grep -q "unable to snapshot status: $T/torn.txt: no complete snapshot after 5 reads: incomplete snapshot" "$T/err" &&
	ok "torn file: message says so after 5 reads" || fail "torn file: message says so after 5 reads: $(cat "$T/err")"
[ "$ms" -ge 290 ] && ok "torn file: re-read with pauses (${ms} ms)" || fail "torn file: re-read with pauses (${ms} ms)"
run --strict --status "$T/torn.txt"
is "torn file: --strict exits 1" "$rc|$n" "1|0"

# A file completed while the hook is re-reading it is spooled whole.
head -n -1 "$FIXTURES/status/v2-2clients.txt" >"$T/slow.txt"
( sleep 0.1; echo END >>"$T/slow.txt" ) &
run --strict --status "$T/slow.txt"
wait
is "file completed during the re-reads: spooled" "$rc|$n" "0|1"
k status_text | cmp -s - "$FIXTURES/status/v2-2clients.txt" && ok "file completed during the re-reads: whole text" ||
	fail "file completed during the re-reads: whole text"

# Not torn but wrong: no retries, one message.
grep -v '^TIME' "$FIXTURES/status/v2-2clients.txt" >"$T/notime.txt"
t0=$(date +%s%N)
run --strict --status "$T/notime.txt"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "no TIME line: --strict exits 1, nothing spooled" "$rc|$n" "1|0"
grep -q "unable to snapshot status: $T/notime.txt: .*TIME" "$T/err" && ok "no TIME line: message names it" ||
	fail "no TIME line: message names it: $(cat "$T/err")"
printf 'OpenVPN CLIENT LIST\nUpdated,2026-11-27 12:48:33\nCommon Name,Real Address,Bytes Received,Bytes Sent,Connected Since\nROUTING TABLE\nGLOBAL STATS\nEND\n' >"$T/v1.txt"
run --strict --status "$T/v1.txt"
is "status-version 1: refused" "$rc|$n" "1|0"
grep -qi "version" "$T/err" && ok "status-version 1: message names the version" ||
	fail "status-version 1: message names the version: $(cat "$T/err")"
run --strict --status "$T/nonexistent.txt"
is "missing status file: exit 1" "$rc|$n" "1|0"
grep -q "open $T/nonexistent.txt: No such file or directory" "$T/err" && ok "missing status file: message" ||
	fail "missing status file: message: $(cat "$T/err")"
run --strict --status "$T"
grep -q "$T: not a regular file" "$T/err" && [ "$rc" = 1 ] && ok "a directory: 'not a regular file'" ||
	fail "a directory: 'not a regular file': $(cat "$T/err")"
truncate -s $((64 * 1024 * 1024 + 1)) "$T/huge.txt"
run --strict --status "$T/huge.txt"
grep -q "larger than 67108864 bytes" "$T/err" && [ "$rc" = 1 ] && ok "over 64 MiB: refused" ||
	fail "over 64 MiB: refused: $(cat "$T/err")"
rm -f "$T/huge.txt"

env -i "$SPOOLBIN" -s "$SP" --strict --status - <"$T/torn.txt" 2>"$T/err"
is "torn stdin: exit 1 at once (cannot be re-read)" "$?" 1
grep -q "standard input: incomplete snapshot" "$T/err" && ok "torn stdin: message" ||
	fail "torn stdin: message: $(cat "$T/err")"
# fd 0 closed: it is reopened on /dev/null (empty), never read as a
# closed descriptor or, worse, as a file the hook opened itself.
env -i "$SPOOLBIN" -s "$SP" --strict --status - 0<&- 2>"$T/err"
grep -q "standard input: incomplete snapshot (empty input" "$T/err" && ok "closed stdin reads as /dev/null" ||
	fail "closed stdin reads as /dev/null: $(cat "$T/err")"
done_testing
