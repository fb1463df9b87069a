#!/bin/bash
# The hook where spooling fails: run as user nobody (what OpenVPN does
# after `user nobody`), spool missing, not writable, a symlink, read-only,
# disk full.  Each failure: one clear message, nothing partial in new/
# (and nothing left in tmp/), exit 0, and exit 1 with --strict.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
ENVF="$FIXTURES/env/udp-v2.client-connect.client1.env"
mapfile -t ENVL < <(grep -v '^#' "$ENVF")
SETPRIV=/usr/bin/setpriv
if [ "$(id -u)" != 0 ]; then
	echo "ok - # SKIP needs root (mounts, user nobody)"; done_testing
fi

# hook SPOOL [args]: as root; hook_nobody SPOOL [args]: as nobody/nogroup.
hook() { local sp="$1"; shift; env -i "${ENVL[@]}" "$SPOOLBIN" -s "$sp" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
hook_nobody() {
	local sp="$1"; shift
	"$SETPRIV" --reuid=65534 --regid=65534 --clear-groups \
		env -i "${ENVL[@]}" "$SPOOLBIN" -s "$sp" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
count() { find "$@" -mindepth 1 2>/dev/null | wc -l; }
# failure NAME SPOOL RUNNER MESSAGE [args]: both policies of failure.
failure() {
	local name="$1" sp="$2" runner="$3" msg="$4"; shift 4
	$runner "$sp" "$@"
	is "$name: exit 0 without --strict" "$rc" 0
	case "$(cat "$T/err")" in
	*"unable to spool client-connect event: "*"$msg"*) ok "$name: message names the problem ($msg)" ;;
	*) fail "$name: message names the problem ($msg)"; diag "got: $(cat "$T/err")" ;;
	esac
	is "$name: one message line" "$(wc -l <"$T/err")" 1
	is "$name: nothing in new/ or tmp/" "$(count "$sp/new" "$sp/tmp")" 0
	$runner "$sp" --strict "$@"
	is "$name: --strict exits 1" "$rc" 1
	is "$name: --strict: nothing in new/ or tmp/" "$(count "$sp/new" "$sp/tmp")" 0
}

# The layout of etc/tmpfiles.d/ovpnlog.conf: SPOOL 0750 root:nogroup,
# tmp/ and new/ 3777 (the hook is "other" there).
SP="$T/spool-nobody"
mkdir -p "$SP/tmp" "$SP/new" "$SP/failed"
chgrp 65534 "$SP"; chmod 0750 "$SP"; chmod 3777 "$SP/tmp" "$SP/new"; chmod 0700 "$SP/failed"
for p in full file none; do
	hook_nobody "$SP" --strict --fsync=$p
	is "nobody, tmpfiles layout, --fsync=$p: spooled" "$rc|$(cat "$T/err")" "0|"
done
f=("$SP"/new/*)
is "nobody: 3 files in new/, tmp/ empty" "${#f[@]}|$(count "$SP/tmp")" "3|0"
is "nobody: file owned by nobody, mode 0640" "$(stat -c '%u %a' "${f[0]}")" "65534 640"
"$EVDUMP" "${f[0]}" >/dev/null && ok "nobody: the file parses" || fail "nobody: the file parses"

# tmp/ and new/ 1733 (no read on new/ for the hook): full cannot fsync
# new/ and says so before writing anything; file and none need no read.
SP="$T/spool-1733"
mkdir -p "$SP/tmp" "$SP/new"; chmod 1733 "$SP/tmp" "$SP/new"
failure "nobody, new/ not readable, --fsync=full" "$SP" hook_nobody \
	"open directory for fsync $SP/new: Permission denied (--fsync=full needs read permission on new/)"
hook_nobody "$SP" --strict --fsync=file
is "nobody, new/ not readable, --fsync=file: spooled" "$rc|$(count "$SP/new")" "0|1"

SP="$T/spool-rootonly"
mkdir -p "$SP/tmp" "$SP/new"; chmod 0755 "$SP/tmp" "$SP/new"
failure "nobody, spool not writable" "$SP" hook_nobody "/tmp/" "" 2>/dev/null
grep -q "create $SP/tmp/[0-9]*\.[0-9]*\.[0-9]*\.[0-9a-f]*\.connect: Permission denied" "$T/err" &&
	ok "nobody, spool not writable: names the file and EACCES" ||
	fail "nobody, spool not writable: names the file and EACCES: $(cat "$T/err")"

failure "spool missing" "$T/nonexistent" hook \
	"open spool directory $T/nonexistent: No such file or directory"
SP="$T/spool-notmp"; mkdir -p "$SP/new"
failure "tmp/ missing" "$SP" hook "open directory $SP/tmp: No such file or directory"
SP="$T/spool-nonew"; mkdir -p "$SP/tmp"
failure "new/ missing" "$SP" hook "open directory for fsync $SP/new: No such file or directory"
SP="$T/spool-symlink"; mkdir -p "$SP/new" "$T/elsewhere"; ln -s "$T/elsewhere" "$SP/tmp"
failure "tmp/ is a symlink" "$SP" hook "open directory $SP/tmp: Not a directory (symlinks are refused)"
is "tmp/ is a symlink: nothing written through it" "$(count "$T/elsewhere")" 0

# Read-only file system.
MNT="$T/mnt-ro"; mkdir -p "$MNT"
if mount -t tmpfs -o size=1m tmpfs "$MNT"; then
	umount_ro() { umount "$T/mnt-ro"; }; at_exit umount_ro
	mkspool "$MNT"
	mount -o remount,ro "$MNT"
	failure "read-only spool" "$MNT" hook "Read-only file system"
	grep -q "create $MNT/tmp/" "$T/err" && ok "read-only spool: the create step is named" ||
		fail "read-only spool: the create step is named: $(cat "$T/err")"
else
	fail "mount a tmpfs for the read-only case"
fi

# Disk full: a 64 KiB tmpfs filled up, then freed.
MNT="$T/mnt-full"; mkdir -p "$MNT"
if mount -t tmpfs -o size=64k,nr_inodes=64 tmpfs "$MNT"; then
	umount_full() { umount "$T/mnt-full"; }; at_exit umount_full
	mkspool "$MNT"
	dd if=/dev/zero of="$MNT/filler" bs=4k 2>/dev/null
	failure "disk full" "$MNT" hook "No space left on device"
	grep -q "write $MNT/tmp/.*: No space left on device" "$T/err" &&
		ok "disk full: the write step is named, the tmp file was unlinked" ||
		fail "disk full: the write step is named: $(cat "$T/err")"
	rm -f "$MNT/filler"
	hook "$MNT" --strict
	is "disk freed: the next event is spooled" "$rc|$(count "$MNT/new")|$(count "$MNT/tmp")" "0|1|0"
	# Full inode table: the create itself fails.
	rm -f "$MNT"/new/*
	i=0; while touch "$MNT/i$i" 2>/dev/null; do i=$((i + 1)); done
	failure "no free inode" "$MNT" hook "" 2>/dev/null
	grep -q "create $MNT/tmp/.*: No space left on device" "$T/err" &&
		ok "no free inode: the create step is named" ||
		fail "no free inode: the create step is named: $(cat "$T/err")"
else
	fail "mount a tmpfs for the disk-full case"
fi
done_testing
