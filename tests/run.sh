#!/bin/bash
# tests/run.sh BUILD_DIR [PATTERN] — runs every test and ends with one line
# "N passed, N failed".  Unit tests are the binaries $BUILD/tests/test_*;
# shell tests are tests/t_*.sh.  Each prints "ok - …"/"not ok - …" lines;
# a test that exits non-zero without a "not ok" line, or prints no result
# at all, counts as one failure.  Logs go to $BUILD/test-logs/ (a link to this run's directory).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: tests/run.sh BUILD_DIR [PATTERN]}" && pwd)
PATTERN=${2:-}
export TOP BUILD
# One log directory per run (concurrent runs must not clobber each other);
# $BUILD/test-logs points at the newest.
find "$BUILD" -maxdepth 1 -name 'test-logs.??????' -mmin +120 -exec rm -rf {} + 2>/dev/null
LOGS=$(mktemp -d "$BUILD/test-logs.XXXXXX")
[ -L "$BUILD/test-logs" ] || rm -rf "$BUILD/test-logs"
ln -sfn "$(basename "$LOGS")" "$BUILD/test-logs"

# Real PostgreSQL and MariaDB servers for the whole run (tests/lib/servers.sh).
if [ -f "$TOP/tests/lib/servers.sh" ]; then
	# shellcheck source=lib/servers.sh
	. "$TOP/tests/lib/servers.sh"
	servers_start || { echo "could not start the database servers"; echo "0 passed, 1 failed"; exit 1; }
	trap servers_stop EXIT
fi

passed=0 failed=0
tests=()
for t in "$BUILD"/tests/test_*; do [ -x "$t" ] && tests+=("$t"); done
for t in "$TOP"/tests/t_*.sh; do [ -f "$t" ] && tests+=("$t"); done
for t in "${tests[@]}"; do
	name=$(basename "$t")
	[ -n "$PATTERN" ] && [[ "$name" != *$PATTERN* ]] && continue
	log="$LOGS/$name.log"
	start=$(date +%s)
	if [[ "$t" == *.sh ]]; then
		(cd "$TOP" && timeout "${TEST_TIMEOUT:-600}" bash "$t") >"$log" 2>&1
	else
		(cd "$TOP" && timeout "${TEST_TIMEOUT:-600}" "$t") >"$log" 2>&1
	fi
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name exited $rc" >>"$log"; fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; echo "not ok - $name ran no check" >>"$log"; fi
	passed=$((passed + p)); failed=$((failed + f))
	printf '%-40s %4d passed %3d failed  %3ds\n' "$name" "$p" "$f" $(( $(date +%s) - start ))
	if [ "$f" -gt 0 ]; then grep -E '^(not ok|#)' "$log" | head -40 | sed 's/^/    /'; tail -5 "$log" | sed 's/^/    | /'; fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
