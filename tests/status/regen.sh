#!/bin/bash
# tests/status/regen.sh [BUILD_DIR] — rewrites the expected outputs of the
# status-parser golden test after a deliberate change: NAME.ref for every
# NAME.txt here (run with the arguments in NAME.opts, if any), and
# fixture.NAME.ref for every real capture in $FIXTURES/status.  Review the
# result with `git diff tests/status` before committing it.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$TOP/build/san}
FIXTURES="${FIXTURES:-$TOP/../shared/fixtures/openvpn-2.6.14}"
dump="$BUILD/tests/statusdump"
[ -x "$dump" ] || { echo "regen: $dump not built (make SANITIZE=1 test-bins)" >&2; exit 1; }
dir="$TOP/tests/status"

# run_one INPUT OPTS REF: statusdump exits 1 on a parse failure, which is
# an expected outcome for the error goldens; anything else is not.
run_one() {
	local rc=0
	# shellcheck disable=SC2086
	"$dump" $2 "$1" >"$3.tmp" || rc=$?
	if [ "$rc" -gt 1 ]; then
		rm -f "$3.tmp"
		echo "regen: statusdump failed ($rc) on $1" >&2
		exit 1
	fi
	mv "$3.tmp" "$3"
}

n=0
for f in "$dir"/*.txt; do
	name=$(basename "$f" .txt)
	opts=""
	[ -f "$dir/$name.opts" ] && opts=$(cat "$dir/$name.opts")
	run_one "$f" "$opts" "$dir/$name.ref"
	n=$((n + 1))
done
for f in "$FIXTURES"/status/*.txt; do
	[ -f "$f" ] || continue
	run_one "$f" "" "$dir/fixture.$(basename "$f" .txt).ref"
	n=$((n + 1))
done
echo "regen: wrote $n .ref files in tests/status"
