#!/bin/bash
# bench/run.sh BUILD_DIR — runs every bench/bench_*.sh in name order; each
# prints its figures and ratios.  Benchmarks print numbers, they do not
# pass or fail.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd)
export TOP BUILD
if [ -f "$TOP/tests/lib/servers.sh" ]; then
	. "$TOP/tests/lib/servers.sh"
	servers_start || { echo "could not start the database servers"; exit 1; }
	trap servers_stop EXIT
fi
for b in "$TOP"/bench/bench_*.sh; do
	[ -n "${BENCH:-}" ] && [[ "$(basename "$b")" != *$BENCH* ]] && continue
	echo "=== $(basename "$b" .sh)"
	bash "$b"
	echo
done
