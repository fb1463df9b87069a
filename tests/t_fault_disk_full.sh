#!/bin/bash
# Disk full under the spool while many hooks run at once: the spool is a
# small tmpfs (mounted and unmounted here) with room for a few dozen
# events, and a few hundred hooks start together (half of them
# --strict), as OpenVPN runs them for a crowd of clients (re)connecting.
# The hooks that found room spool their event; the others fail open
# (exit 0) and log "No space left on device", or exit 1 with --strict;
# none leaves a partial file in new/ or anything in tmp/.  A flush on the
# still-full spool applies exactly the events that reached new/, once
# (tests/lib/invariants.sh); once space is back, hooks spool again.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
. "$TOP/tests/lib/invariants.sh"
if [ "$(id -u)" != 0 ]; then
	echo "ok - # SKIP needs root (it mounts a tmpfs)"; done_testing
fi

NHOOK=${FAULT_DISKFULL_HOOKS:-300}
ROOM=${FAULT_DISKFULL_ROOM:-60}		# free 4 KiB pages left for events
EVDUMP="$BUILD/tests/evdump"
ENV_C=$FIXTURES/env/udp-v2.client-connect.client1.env
ENV_D=$FIXTURES/env/udp-v2.client-disconnect.client1.env

MNT=$T/full
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=2m,mode=0755 tmpfs "$MNT"; then
	fail "disk full: mount a 2 MiB tmpfs"; done_testing
fi
umount_full() { umount "$MNT"; }
at_exit umount_full
mkspool "$MNT"
backend_ini sqlite df "$MNT" >"$T/df.ini"
INI=$T/df.ini
"$OVPNLOG" -c "$INI" init-db >/dev/null || fail "disk full: init-db"
# Everything but ROOM pages taken by a filler file.
dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
truncate -s "-$((ROOM * 4096))" "$MNT/filler"
diag "$NHOOK hooks at once (even: connect, odd: disconnect; every second pair --strict), room for about $ROOM events"

# hook I: one hook run as OpenVPN does it; its exit status and stderr are
# kept in $T/h/I.rc and I.err.  Common names df-I are all distinct.
mkdir -p "$T/h"
hook() {
	local i=$1 envf=$ENV_C strict=
	local -a ev
	[ $((i % 2)) = 1 ] && envf=$ENV_D
	[ $((i / 2 % 2)) = 1 ] && strict=--strict
	mapfile -t ev < <(grep -v '^#' "$envf" | grep -v '^common_name=')
	env -i "${ev[@]}" "common_name=df-$i" "$SPOOLBIN" -s "$MNT" \
		-n main -r udp -o 1194 $strict 2>"$T/h/$i.err"
	echo $? >"$T/h/$i.rc"
}
t0=$(date +%s%N)
for i in $(seq 1 "$NHOOK"); do hook "$i" & done
wait
diag "hooks took $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# Classify each hook: spooled (exit 0, silent), failed open (exit 0, one
# ENOSPC line), failed strict (exit 1, one ENOSPC line), or wrong.
spooled=() open=0 strict=0 wrong=0
for i in $(seq 1 "$NHOOK"); do
	rc=$(cat "$T/h/$i.rc") err=$(cat "$T/h/$i.err")
	s=$([ $((i / 2 % 2)) = 1 ] && echo 1 || echo 0)
	if [ "$rc" = 0 ] && [ -z "$err" ]; then
		spooled+=("df-$i")
	elif [ "$(wc -l <"$T/h/$i.err")" = 1 ] &&
		[[ "$err" == *"unable to spool client-"*"No space left on device"* ]]; then
		if [ "$s" = 0 ] && [ "$rc" = 0 ]; then open=$((open + 1))
		elif [ "$s" = 1 ] && [ "$rc" = 1 ]; then strict=$((strict + 1))
		else wrong=$((wrong + 1)); diag "hook $i (strict=$s): exit $rc: $err"; fi
	else
		wrong=$((wrong + 1)); diag "hook $i (strict=$s): exit $rc: $err"
	fi
done
diag "${#spooled[@]} spooled, $open failed open (exit 0), $strict failed --strict (exit 1)"
is "every hook either spooled silently or failed with one ENOSPC line: exit 0, or 1 with --strict" "$wrong" 0
check "the disk got full during the run: some hooks spooled, some failed open, some --strict failed" \
	test "${#spooled[@]}" -gt 0 -a "$open" -gt 0 -a "$strict" -gt 0
is "nothing left in tmp/" "$(nfiles "$MNT/tmp")" 0

# new/ holds exactly the events of the hooks that said they spooled, and
# each file is complete.
inv_init
inv_record "$MNT/new"
bad=0
for f in "$MNT"/new/*; do
	[ -e "$f" ] || continue
	"$EVDUMP" "$f" >/dev/null 2>"$T/evdump.err" || {
		bad=$((bad + 1))
		[ "$bad" -le 3 ] && diag "partial: $(cat "$T/evdump.err")"; }
done
is "no partial file in new/ (every file parses)" "$bad" 0
is "new/ holds exactly the events of the hooks that spooled" \
	"$(cut -d'|' -f3 "$INV/facts" | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "${spooled[@]}" | sort | tr '\n' ' ')"

# The flush works on the full spool (it needs no space there).
"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
rc=$?
is "a flush on the full spool exits 0" "$rc" 0
[ "$rc" = 0 ] || sed 's/^/#   /' "$T/out"
inv_check "disk full" sqlite "$INI" "$MNT"

# Space again: the next hook spools, the next flush applies it.
rm -f "$MNT/filler"
hook 100002
is "space freed: a --strict hook spools again" "$(cat "$T/h/100002.rc")|$(cat "$T/h/100002.err")|$(nfiles "$MNT/new")" "0||1"
inv_record "$MNT/new"
"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
is "... and the flush applies it" "$?" 0
inv_check "disk freed" sqlite "$INI" "$MNT"
done_testing
