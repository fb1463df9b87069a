#!/bin/bash
# Golden files for the status-file parser: tests/aid/statusdump on every
# tests/status/NAME.txt (with NAME.opts) and every real OpenVPN capture in
# $FIXTURES/status, compared with NAME.ref / fixture.NAME.ref by `diff -u`.
# A missing .ref is a failure (tests/status/regen.sh writes them).
. "$TOP/tests/lib/common.sh"

dump="$BUILD/tests/statusdump"
dir="$TOP/tests/status"
if [ ! -x "$dump" ]; then
	fail "status golden: $dump is built"
	done_testing
fi

# golden LABEL INPUT OPTS REF
golden() {
	local label="$1" in="$2" opts="$3" ref="$4" rc=0
	if [ ! -f "$ref" ]; then
		fail "status golden $label: expected output $(basename "$ref") exists"
		return
	fi
	# shellcheck disable=SC2086
	"$dump" $opts "$in" >"$T/out" 2>"$T/err" || rc=$?
	if [ "$rc" -gt 1 ] || [ -s "$T/err" ]; then
		fail "status golden $label: statusdump ran cleanly (exit $rc)"
		sed 's/^/#   /' "$T/err" | head -20
		return
	fi
	if diff -u "$ref" "$T/out" >"$T/diff"; then
		ok "status golden $label: parsed snapshot matches $(basename "$ref")"
	else
		fail "status golden $label: parsed snapshot matches $(basename "$ref")"
		sed 's/^/#   /' "$T/diff" | head -40
	fi
}

n=0
for f in "$dir"/*.txt; do
	name=$(basename "$f" .txt)
	opts=""
	[ -f "$dir/$name.opts" ] && opts=$(cat "$dir/$name.opts")
	golden "$name" "$f" "$opts" "$dir/$name.ref"
	n=$((n + 1))
done
nfix=0
for f in "$FIXTURES"/status/*.txt; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .txt)
	golden "fixture $name (OpenVPN 2.6.14)" "$f" "" "$dir/fixture.$name.ref"
	nfix=$((nfix + 1))
done
# Every .ref must belong to an input, or it silently stops being checked.
for r in "$dir"/*.ref; do
	name=$(basename "$r" .ref)
	case "$name" in
	fixture.*) [ -f "$FIXTURES/status/${name#fixture.}.txt" ] ;;
	*) [ -f "$dir/$name.txt" ] ;;
	esac || fail "status golden: $name.ref has an input file"
done
if [ "$n" -ge 30 ] && [ "$nfix" -ge 5 ]; then
	ok "status golden: ran $n written inputs and $nfix real captures"
else
	fail "status golden: ran $n written inputs and $nfix real captures (want >= 30 and >= 5)"
fi
done_testing
