#!/bin/bash
# 256 hooks started at once (forked first, held at a gate, released
# together): 256 distinct, complete event files, nothing left in tmp/.
. "$TOP/tests/lib/common.sh"
EVDUMP="$BUILD/tests/evdump"
LAUNCH="$BUILD/tests/launch"
N=256

for run in full:client-connect none:client-disconnect; do
	policy=${run%%:*} script=${run#*:} type=${run#*:client-}
	name="$policy/$script"
	SP="$T/spool-$policy"
	mkspool "$SP"
	envf="$FIXTURES/env/udp-v2.$script.client1.env"
	out=$("$LAUNCH" -P -n $N -e "$envf" "$SPOOLBIN" -s "$SP" \
		--fsync=$policy --strict 2>"$T/err")
	case "$out" in
	"runs=$N failed=0 "*) ok "$name: $N hooks at once all exit 0" ;;
	*) fail "$name: $N hooks at once all exit 0"; diag "$out"; head -5 "$T/err" ;;
	esac
	is "$name: $N files in new/" "$(ls "$SP/new" | wc -l)" $N
	is "$name: tmp/ is empty" "$(ls -A "$SP/tmp" | wc -l)" 0
	is "$name: $N distinct (pid, random) pairs" \
		"$(ls "$SP/new" | cut -d. -f3,4 | sort -u | wc -l)" $N
	is "$name: all named .$type" "$(ls "$SP/new" | grep -c "\.$type\$")" $N
	first=$(ls -d "$SP"/new/* | head -1)
	ref=$(grep -v -e '^spool_time=' -e '^end ' "$first")
	bad=0 same=0
	for f in "$SP"/new/*; do
		"$EVDUMP" "$f" >/dev/null 2>>"$T/bad" || bad=$((bad + 1))
		[ "$(grep -v -e '^spool_time=' -e '^end ' "$f")" = "$ref" ] && same=$((same + 1))
	done
	is "$name: every file parses (complete)" "$bad" 0
	is "$name: every file holds the same event" "$same" $N
done
done_testing
