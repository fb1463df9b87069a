#!/bin/bash
# fuzz/run.sh SECONDS — builds every fuzz/fuzz_*.c with clang's libFuzzer
# plus ASan/UBSan and runs each for SECONDS, seeded from fuzz/seeds/NAME/
# (and tests/ data).  Exits non-zero on the first finding.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
out="$TOP/build/fuzz"
mkdir -p "$out"
for src in "$TOP"/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	extra=""
	[ -f "$TOP/fuzz/$name.flags" ] && extra=$(cat "$TOP/fuzz/$name.flags")
	# shellcheck disable=SC2086
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -I"$TOP/common" -I"$TOP/flusher" \
		-DSYSCONFDIR='"/etc"' -DOVPNLOG_VERSION='"fuzz"' \
		-o "$out/$name" "$src" "$TOP"/common/*.c $extra
	corpus="$out/corpus-$name"
	mkdir -p "$corpus"
	seeds="$TOP/fuzz/seeds/$name"
	[ -d "$seeds" ] || seeds=""
	echo "fuzz: $name for ${secs}s"
	"$out/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$out/$name-" "$corpus" $seeds 2>&1 | tail -3
done
