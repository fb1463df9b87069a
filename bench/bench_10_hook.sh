#!/bin/bash
# bench_10_hook — wall time of one ovpnlog-spool run per event, for each
# --fsync policy, next to /bin/true started the same way (fork+execve by
# tests/aid/launch with the same environment: a real client-connect
# capture), medians over RUNS runs each, as ratios to /bin/true, and the
# hook's peak RSS (wait4 ru_maxrss).
#
# The budget of --fsync=full is /bin/true plus two flushes.  These are
# timed by tests/aid/fsynctime, which runs the hook's own sequence on the
# same spool: back to back in one process (timed in-process), and once per
# started process, as a hook meets them (after a program start, the disk
# idle in between), where their cost is the wall time of the program
# with them minus without them.  The budget uses the latter; all are
# printed, and the creation of the file apart.
#
# The programs and the flush measurements run in interleaved batches so
# that load from elsewhere hits them alike.  The spool is on the real
# disk under /var/tmp, or under BENCH_DIR (say, the file system of
# /var/spool/ovpnlog).  Figures only, never pass/fail.
set -u
: "${TOP:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${BUILD:=$TOP/build/rel}"
RUNS=${RUNS:-400}
ROUNDS=20
LAUNCH="$BUILD/tests/launch"
FSYNCTIME="$BUILD/tests/fsynctime"
HOOK="$BUILD/ovpnlog-spool"
FIXTURES="${FIXTURES:-$TOP/../shared/fixtures/openvpn-2.6.14}"
ENVF="$FIXTURES/env/udp-v2.client-connect.client1.env"
TRUE=/bin/true
for x in "$LAUNCH" "$FSYNCTIME" "$HOOK"; do
	[ -x "$x" ] || { echo "missing $x (make all test-bins)"; exit 1; }
done
SP=$(mktemp -d "${BENCH_DIR:-/var/tmp}/ovpnlog-bench.XXXXXX")
trap 'rm -rf "$SP"' EXIT
mkdir -p "$SP/warm/tmp" "$SP/warm/new" "$SP/times"
fs=$(stat -f -c %T "$SP"); dev=$(df --output=source "$SP" | tail -1)
echo "spool $SP ($fs on $dev), $RUNS runs each in $ROUNDS interleaved batches," \
	"environment of $(basename "$ENVF")"

us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# pct FILE P [COL]: the P-th percentile of column COL (default 1).
pct() {
	awk -v c="${3:-1}" '{ print $c }' "$1" | sort -n |
		awk -v p="$2" '{ v[NR] = $1 } END { print v[int(NR * p / 100) + 1] }'
}
maxrss() { sort -k2 -n "$1" | tail -1 | cut -d' ' -f2; }

# Warm the page cache and the dynamic loader.
"$LAUNCH" -n 20 -q -e "$ENVF" "$TRUE" >/dev/null
"$LAUNCH" -n 20 -q -e "$ENVF" "$HOOK" -s "$SP/warm" --fsync=none >/dev/null

names=(true none file full)
failed=0
# A fresh spool per round, removed only at the end: on a file system
# without a journal, ext4 skips the inodes freed in the last minutes
# when it creates a file, and removals within the run would slow the
# creations after them.
for ((r = 0; r < ROUNDS; r++)); do
	R=$SP/round$r
	mkdir -p "$R/tmp" "$R/new"
	"$LAUNCH" -n $((RUNS / ROUNDS)) -q -e "$ENVF" -o "$SP/times/true" \
		"$TRUE" /tmp/openvpn_cc_x.tmp >/dev/null
	for p in none file full; do
		out=$("$LAUNCH" -n $((RUNS / ROUNDS)) -q -e "$ENVF" -o "$SP/times/$p" \
			"$HOOK" -s "$R" --fsync=$p --strict /tmp/openvpn_cc_x.tmp)
		case "$out" in *" failed=0 "*) ;; *) failed=$((failed + 1)) ;; esac
	done
	"$FSYNCTIME" "$R" $((RUNS / ROUNDS)) "$SP/times/flushloop" >/dev/null
	"$LAUNCH" -n $((RUNS / ROUNDS)) -q -o "$SP/times/procflush" \
		"$FSYNCTIME" "$R" 1 "$SP/times/flushproc" >/dev/null
	"$LAUNCH" -n $((RUNS / ROUNDS)) -q -o "$SP/times/procnoflush" \
		"$FSYNCTIME" -n "$R" 1 >/dev/null
	spooled=$(ls "$R/new" | grep -vc '^fsynctime\.')
	[ "$spooled" = $((3 * RUNS / ROUNDS)) ] || failed=$((failed + 1))
done
[ "$failed" = 0 ] || echo "WARNING: $failed batches had failed hooks or missing files"

tmed=$(pct "$SP/times/true" 50)
declare -A med
for n in "${names[@]}"; do
	med[$n]=$(pct "$SP/times/$n" 50)
	label=$([ "$n" = true ] && echo /bin/true || echo "ovpnlog-spool --fsync=$n")
	printf '%-27s median %7s us  p10 %7s us  p90 %7s us  ratio %5s  peak RSS %5s KiB\n' \
		"$label" "$(us "${med[$n]}")" "$(us "$(pct "$SP/times/$n" 10)")" \
		"$(us "$(pct "$SP/times/$n" 90)")" "$(ratio "${med[$n]}" "$tmed")" \
		"$(maxrss "$SP/times/$n")"
done
lmed=$(pct "$SP/times/flushloop" 50)
imed=$(pct "$SP/times/flushproc" 50)
cmed=$(pct "$SP/times/flushproc" 50 2)
# What the two flushes cost a started process, the slower run after its
# wait included: the wall times of the same program with and without.
fmed=$(( $(pct "$SP/times/procflush" 50) - $(pct "$SP/times/procnoflush" 50) ))
echo
printf 'two flushes (fdatasync of a new 2 KiB file, rename into new/, fsync of new/):\n'
printf '  back to back in one process, timed in-process:     median %7s us\n' "$(us "$lmed")"
printf '  one per started process, timed in-process:         median %7s us\n' "$(us "$imed")"
printf '  one per started process, wall time with - without: median %7s us\n' "$(us "$fmed")"
printf 'creating the file in tmp/, one per started process:  median %7s us\n' "$(us "$cmed")"
printf 'the hook: none - /bin/true %s us (its own work); full - none %s us (its two flushes)\n' \
	"$(us $((med[none] - tmed)))" "$(us $((med[full] - med[none])))"
printf 'target --fsync=none <= 1.5 x /bin/true:                 %s x\n' "$(ratio "${med[none]}" "$tmed")"
printf 'target --fsync=full <= /bin/true + two flushes:         %s us <= %s us (%s x)\n' \
	"$(us "${med[full]}")" "$(us $((tmed + fmed)))" "$(ratio "${med[full]}" $((tmed + fmed)))"
printf '  with the flushes timed back to back instead:         %s us <= %s us (%s x)\n' \
	"$(us "${med[full]}")" "$(us $((tmed + lmed)))" "$(ratio "${med[full]}" $((tmed + lmed)))"
printf 'the hook'"'"'s flushes against the same two in a started program: %s x\n' \
	"$(ratio $((med[full] - med[none])) "$fmed")"
