#!/bin/bash
# bench_10_hook — wall time of one ovpnlog-spool run per event, for each
# --fsync policy, next to /bin/true started the same way (fork+execve by
# tests/aid/launch with the same environment: a real client-connect
# capture), medians over RUNS runs each, as ratios to /bin/true; the
# cost of the two flushes of --fsync=full measured in-process; and the
# hook's peak RSS (wait4 ru_maxrss).  The four programs and the flush
# measurement run in interleaved batches so that load from elsewhere
# hits them alike.  The
# spool is on the real disk under /var/tmp.  Figures only, never
# pass/fail.
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
SP=$(mktemp -d /var/tmp/ovpnlog-bench.XXXXXX)
trap 'rm -rf "$SP"' EXIT
mkdir -p "$SP/tmp" "$SP/new" "$SP/times"
fs=$(stat -f -c %T "$SP"); dev=$(df --output=source "$SP" | tail -1)
echo "spool $SP ($fs on $dev), $RUNS runs each in $ROUNDS interleaved batches," \
	"environment of $(basename "$ENVF")"

us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# pct FILE P: the P-th percentile of the first column.
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { print v[int(NR * p / 100) + 1] }'; }
maxrss() { sort -k2 -n "$1" | tail -1 | cut -d' ' -f2; }

# Warm the page cache and the dynamic loader.
"$LAUNCH" -n 20 -q -e "$ENVF" "$TRUE" >/dev/null
"$LAUNCH" -n 20 -q -e "$ENVF" "$HOOK" -s "$SP" --fsync=none >/dev/null
rm -f "$SP"/new/*

names=(true none file full)
failed=0
for ((r = 0; r < ROUNDS; r++)); do
	"$LAUNCH" -n $((RUNS / ROUNDS)) -q -e "$ENVF" -o "$SP/times/true" \
		"$TRUE" /tmp/openvpn_cc_x.tmp >/dev/null
	for p in none file full; do
		out=$("$LAUNCH" -n $((RUNS / ROUNDS)) -q -e "$ENVF" -o "$SP/times/$p" \
			"$HOOK" -s "$SP" --fsync=$p --strict /tmp/openvpn_cc_x.tmp)
		case "$out" in *" failed=0 "*) ;; *) failed=$((failed + 1)) ;; esac
	done
	"$FSYNCTIME" "$SP" $((RUNS / ROUNDS)) "$SP/times/flush" >/dev/null
	spooled=$(ls "$SP/new" | wc -l)
	[ "$spooled" = $((3 * RUNS / ROUNDS)) ] || failed=$((failed + 1))
	rm -f "$SP"/new/*
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
fmed=$(pct "$SP/times/flush" 50)
echo
printf 'two flushes in-process (fdatasync of a new 1 KiB file, rename, fsync of the directory): median %s us\n' "$(us "$fmed")"
printf 'target --fsync=none <= 1.5 x /bin/true:            %s x\n' "$(ratio "${med[none]}" "$tmed")"
printf 'target --fsync=full <= /bin/true + two flushes:    %s us <= %s us (%s x)\n' \
	"$(us "${med[full]}")" "$(us $((tmed + fmed)))" "$(ratio "${med[full]}" $((tmed + fmed)))"
