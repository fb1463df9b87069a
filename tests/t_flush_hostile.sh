#!/bin/bash
# Every spool file is untrusted: a symlink, a FIFO, a hard link, an
# oversized file, a bad name, a truncated file, a bad checksum, a name
# whose type differs from the file's, a directory and an event without
# a common name each go to failed/ with a .reason that says why, are never
# followed or read past, and the valid events around them apply.  On
# every backend.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"

for b in $TEST_BACKENDS; do
	flush_env "$b" "ho_$b" || { fail "$b: set up"; continue; }
	mkev -n 40 -s 31 "$SP"
	n=$(ls "$SP/new")
	first=$(head -n1 <<<"$n")
	conn=$(grep '\.connect$' <<<"$n" | sed -n 2p)
	disc=$(grep '\.disconnect$' <<<"$n" | head -n1)
	# Hostile names sort between the valid ones.
	h=1795783720.000000000.99
	mkdir -p "$T/outside_$b"
	cp "$SP/new/$conn" "$T/outside_$b/valid"
	echo "secret" >"$T/outside_$b/secret"

	ln -s "$T/outside_$b/secret" "$SP/new/$h.0001.connect"
	ln -s "$T/outside_$b/valid" "$SP/new/$h.0002.connect"
	mkfifo "$SP/new/$h.0003.connect"
	cp "$SP/new/$conn" "$T/outside_$b/linked"
	ln "$T/outside_$b/linked" "$SP/new/$h.0004.connect"
	head -c 70000 /dev/zero | tr '\0' 'a' >"$SP/new/$h.0005.connect"
	cp "$SP/new/$conn" "$SP/new/not-an-event"
	head -c 300 "$SP/new/$conn" >"$SP/new/$h.0006.connect"
	sed 's/^common_name=client-/common_name=xlient-/' "$SP/new/$conn" >"$SP/new/$h.0007.connect"
	cp "$SP/new/$disc" "$SP/new/$h.0008.connect"
	mkdir "$SP/new/$h.0009.connect"
	# mkevents' fourth kind of poison: a valid file without common_name.
	mkdir -p "$T/pois_$b/new"
	mkev -n 0 -s 32 -p 4 "$T/pois_$b"
	cp "$(ls "$T/pois_$b"/new/* | sed -n 4p)" "$SP/new/$h.0010.connect"

	timeout 60 "$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush with hostile files exits 65 (and does not hang on the FIFO)" "$?" 65
	is "$b: the 40 valid events applied" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM applied_event")" 40
	is "$b: ... and new/ is empty" "$(ls -A "$SP/new")" ""
	reason() { sed -n 's/^reason: //p' "$SP/failed/$1.reason" 2>/dev/null; }
	while IFS='|' read -r f want what; do
		if [ -e "$SP/failed/$f" ] || [ -L "$SP/failed/$f" ]; then
			r=$(reason "$f")
			if grep -q -- "$want" <<<"$r"; then ok "$b: $what quarantined: $r"
			else fail "$b: $what quarantined with '$want' (got: $r)"; fi
		else
			fail "$b: $what moved to failed/"
		fi
	done <<-LIST
	$h.0001.connect|symbolic link|symlink to a file outside the spool
	$h.0002.connect|symbolic link|symlink to a valid event
	$h.0003.connect|a FIFO|FIFO
	$h.0004.connect|has 2 hard links|hard link
	$h.0005.connect|too large: 70000 bytes|oversized file
	not-an-event|not an event file name|bad name
	$h.0006.connect|truncated|truncated file
	$h.0007.connect|checksum mismatch|bad checksum
	$h.0008.connect|type mismatch: the name says connect, the file says disconnect|type mismatch
	$h.0009.connect|a directory|directory
	$h.0010.connect|cannot apply: no common_name|event without common_name
	LIST
	is "$b: the symlink itself was moved, its target untouched" \
		"$(readlink "$SP/failed/$h.0001.connect"):$(cat "$T/outside_$b/secret")" \
		"$T/outside_$b/secret:secret"
	is "$b: the hard link's other name is untouched" \
		"$(cmp -s "$T/outside_$b/linked" "$T/outside_$b/valid" && echo same)" same
	check "$b: .reason files name the flusher and the time" \
		grep -q "^flusher: ovpnlog .* (pid [0-9]*)" "$SP/failed/$h.0003.connect.reason"
	is "$b: failed/ is private (0700)" "$(stat -c %a "$SP/failed")" 700
	is "$b: every quarantine is logged" \
		"$(grep -c 'warning: quarantined' "$T/out")" 11
	check "$b: the reasons of hostile names are escaped in the log" \
		grep -q "quarantined .*/new/not-an-event: not an event file name" "$T/out"

	# A name with a newline and escape codes: moved, logged escaped.
	# A run where nothing commits still makes its quarantines durable:
	# failed/ and new/ are fsynced after the rename.
	cp "$SP/failed/not-an-event" "$SP/new/$(printf 'evil\n\033[31mname')"
	# (LeakSanitizer cannot run under ptrace.)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -y -qq -e trace=fsync -o "$T/st" \
		"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: a name with control bytes is quarantined too (exit 65)" "$?" 65
	check "$b: ... and logged with the bytes escaped" \
		grep -q 'evil\\x0a\\x1b\[31mname: not an event file name' "$T/out"
	check "$b: ... and failed/ and new/ are fsynced after it, with no batch to commit" \
		eval "grep -q 'fsync([0-9]*<$SP/failed>)' '$T/st' &&
			grep -q 'fsync([0-9]*<$SP/new>)' '$T/st'"
done
done_testing
