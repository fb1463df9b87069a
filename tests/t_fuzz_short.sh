#!/bin/bash
# A short libFuzzer pass (ASan+UBSan) of every fuzz/fuzz_*.c target:
# `bash fuzz/run.sh SECONDS` (FUZZ_SECONDS, default 15), one check per
# target from its "fuzz-result" line.  A target with no result line (it
# did not build or run) fails too.  Needs clang with libFuzzer.
. "$TOP/tests/lib/common.sh"

secs=${FUZZ_SECONDS:-15}
if ! command -v "${CC_FUZZ:-clang}" >/dev/null 2>&1; then
	fail "fuzz: clang (libFuzzer) is installed"
	done_testing
fi
bash "$TOP/fuzz/run.sh" "$secs" >"$T/fuzz.out" 2>&1
rc=$?
sed 's/^/# /' "$T/fuzz.out" | grep -v '^# fuzz: ' | head -60
n=0
for src in "$TOP"/fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	name=$(basename "$src" .c)
	n=$((n + 1))
	line=$(grep "^fuzz-result $name " "$T/fuzz.out" | tail -1)
	case "$line" in
	"fuzz-result $name ok "*)
		ok "fuzz: $name ran ${secs}s under ASan/UBSan without a finding (${line#"fuzz-result $name ok "})" ;;
	"")
		fail "fuzz: $name ran ${secs}s under ASan/UBSan without a finding (no result line)" ;;
	*)
		fail "fuzz: $name ran ${secs}s under ASan/UBSan without a finding (${line#"fuzz-result $name "})" ;;
	esac
done
[ "$n" -gt 0 ] || fail "fuzz: there is at least one fuzz target"
[ "$rc" -eq 0 ] || diag "fuzz/run.sh exited $rc"
done_testing
