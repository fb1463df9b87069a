#!/bin/bash
# fuzz/run.sh SECONDS [NAME...] — builds every fuzz/fuzz_*.c (or the named
# ones) with clang's libFuzzer plus ASan/UBSan and runs each for SECONDS,
# seeded from fuzz/seeds/NAME/.  The working corpus and any crash artifact
# go to build/fuzz/.  Each target ends with one line:
#   fuzz-result NAME ok runs=N corpus=N secs=S
#   fuzz-result NAME FAIL build|finding artifact=PATH log=PATH
# fuzz/NAME.flags: extra sources and libraries (paths relative to the top
# directory); fuzz/NAME.seeds: extra seed directories there, one a line
# (the tests' own inputs, so that new golden files seed the fuzzer too).
# All targets run; the exit status is non-zero if any of them failed.
# A finding is fixed, then its artifact copied into fuzz/seeds/NAME/ as a
# regression seed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1	# NAME.flags name sources relative to the top
secs=${1:-20}
shift || true
out="$TOP/build/fuzz"
mkdir -p "$out"
CC_FUZZ=${CC_FUZZ:-clang}

targets=()
if [ "$#" -gt 0 ]; then
	for n in "$@"; do targets+=("$TOP/fuzz/$n.c"); done
else
	for src in "$TOP"/fuzz/fuzz_*.c; do [ -f "$src" ] && targets+=("$src"); done
fi

failed=0
for src in "${targets[@]}"; do
	name=$(basename "$src" .c)
	log="$out/$name.log"
	extra=""
	[ -f "$TOP/fuzz/$name.flags" ] && extra=$(cat "$TOP/fuzz/$name.flags")
	# shellcheck disable=SC2086
	if ! "$CC_FUZZ" -std=gnu11 -D_GNU_SOURCE -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-I"$TOP/common" -I"$TOP/flusher" \
		-DSYSCONFDIR='"/etc"' -DOVPNLOG_VERSION='"fuzz"' \
		-o "$out/$name" "$src" "$TOP"/common/*.c $extra >"$log" 2>&1; then
		tail -20 "$log"
		echo "fuzz-result $name FAIL build log=$log"
		failed=1
		continue
	fi
	corpus="$out/corpus-$name"
	mkdir -p "$corpus"
	seeds="$TOP/fuzz/seeds/$name"
	[ -d "$seeds" ] || seeds=""
	if [ -f "$TOP/fuzz/$name.seeds" ]; then
		while read -r s; do
			[ -n "$s" ] && [ -d "$TOP/$s" ] && seeds="$seeds $TOP/$s"
		done <"$TOP/fuzz/$name.seeds"
	fi
	echo "fuzz: $name for ${secs}s"
	rm -f "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* \
		"$out/$name"-oom-* "$out/$name"-slow-unit-*
	start=$(date +%s)
	# New inputs go to the first directory (build/fuzz), never to seeds.
	# shellcheck disable=SC2086
	"$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$out/$name-" \
		"$corpus" $seeds >"$log" 2>&1
	rc=$?
	took=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	ncorp=$(find "$corpus" -type f | wc -l)
	artifact=$(find "$out" -maxdepth 1 -type f \( -name "$name-crash-*" \
		-o -name "$name-leak-*" -o -name "$name-timeout-*" \
		-o -name "$name-oom-*" \) | head -1)
	if [ "$rc" -eq 0 ] && [ -z "$artifact" ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
		echo "fuzz-result $name ok runs=$runs corpus=$ncorp secs=$took"
	else
		grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -10
		echo "fuzz-result $name FAIL finding artifact=${artifact:-none} rc=$rc log=$log"
		failed=1
	fi
done
exit "$failed"
