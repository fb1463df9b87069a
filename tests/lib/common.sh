# tests/lib/common.sh — sourced by every shell test.
# Protocol: each check prints "ok - NAME" or "not ok - NAME" (tests/run.sh
# counts them).  A test exits non-zero if any check failed.
# Environment from tests/run.sh: BUILD (absolute build dir with the
# binaries), TOP (repo root), and the server variables of tests/lib/servers.sh.

set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BUILD:=$TOP/build/san}"
SPOOLBIN="$BUILD/ovpnlog-spool"
OVPNLOG="$BUILD/ovpnlog"
FIXTURES="${FIXTURES:-$TOP/../shared/fixtures/openvpn-2.6.14}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

_t_failed=0
ok()   { echo "ok - $*"; }
fail() { echo "not ok - $*"; _t_failed=1; }
# check "name" command...: runs the command, ok if it exits 0.
check() { local n="$1"; shift; if "$@"; then ok "$n"; else fail "$n"; fi; }
# is "name" got want
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		fail "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
diag() { echo "# $*"; }
done_testing() { exit "$_t_failed"; }

# A private temporary directory, removed at exit unless KEEP_TMP=1.
T=$(mktemp -d "${TMPDIR:-/tmp}/ovpnlog-test.XXXXXX")
chmod 755 "$T"
_cleanup_fns=""
at_exit() { _cleanup_fns="$1 $_cleanup_fns"; }
_run_cleanup() {
	for f in $_cleanup_fns; do "$f" || true; done
	[ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap _run_cleanup EXIT

# mkspool DIR: the spool layout with the modes of etc/tmpfiles.d/ovpnlog.conf
# (the hook, as another user, opens tmp/ and new/: they need o=rwx).
mkspool() {
	mkdir -p "$1/tmp" "$1/new" "$1/failed"
	chmod 0755 "$1"; chmod 3777 "$1/tmp" "$1/new" 2>/dev/null || true
	chmod 0700 "$1/failed"
}

# fixture_env FILE: prints NAME=value args for `env -i` from a fixture.
fixture_env() { grep -v '^#' "$1"; }
