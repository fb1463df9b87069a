#!/bin/bash
# `ovpnlog sessions` and `ovpnlog usage` on every backend, against the
# sessions of tests/lib/query_data.sh: newest first, each filter, the
# overlap rule of --since/--until, --limit; usage per cn, user and
# instance with totals, and its interval rule (sessions that started in
# [since, until)).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/query_data.sh"

# sess ARGS...: $ROWS is "cn:src_port" of each row, in the printed order.
sess() {
	q sessions "$@" --format csv --utc
	ROWS=$(python3 -c '
import csv, sys
print(" ".join("%s:%s" % (r["cn"],
                          r["real_address"].split(" ")[0].rsplit(":", 1)[1])
               for r in csv.DictReader(open(sys.argv[1]))))' "$T/out")
}
# use ARGS...: $ROWS is "key=sessions/time/in/out ..." then "total=...";
# a connected time that is the open session's age (now - T0 - 1500,
# within 5 s) reads "open".
use() {
	q usage "$@" --format json --utc
	ROWS=$(python3 -c '
import json, sys, time
d = json.load(open(sys.argv[1]))
age = time.time() - int(sys.argv[2]) - 1500
k = [c for c in d["total"] if c not in
     ("sessions", "connected_time", "bytes_in", "bytes_out")][0]
def f(r):
    ct = r["connected_time"]
    ct = "open" if abs(ct - age) <= 5 else str(ct)
    return "%d/%s/%d/%d" % (r["sessions"], ct, r["bytes_in"], r["bytes_out"])
print(" ".join("%s=%s" % (r[k], f(r)) for r in d["rows"]) +
      " total=" + f(d["total"]))' "$T/out" "$QD_T0")
}

t=$QD_T0
for B in $TEST_BACKENDS; do
	qd_setup "$B" "su$B" || { fail "$B: set up the database"; continue; }
	qd_standard

	sess
	is "$B sessions: all, newest first (ties: last stored first)" "$ROWS" \
		"client3:50000 client2:56042 roamer:1000 shared:2222 shared:1111 client1:43396 client1:40000"
	is "$B sessions: exit 0" "$RC" 0
	sess --cn shared
	is "$B sessions: --cn (duplicate-cn: both sessions)" "$ROWS" \
		"shared:2222 shared:1111"
	sess --user alice
	is "$B sessions: --user" "$ROWS" "client1:43396 client1:40000"
	sess --instance edge
	is "$B sessions: --instance" "$ROWS" "client3:50000"
	sess --open
	is "$B sessions: --open" "$ROWS" "client3:50000"
	sess --since @$((t + 600)) --until @$((t + 1000))
	is "$B sessions: --since/--until keep overlapping sessions, ends included" \
		"$ROWS" "roamer:1000 shared:2222 shared:1111 client1:43396"
	sess --since @$((t + 1801))
	is "$B sessions: --since after every end leaves the open one" \
		"$ROWS" "client3:50000"
	sess --until @$((t - 1))
	is "$B sessions: --until before today leaves the old one" \
		"$ROWS" "client1:40000"
	sess --cn client1 --since 2026-11-27 --utc
	is "$B sessions: filters combine" "$ROWS" "client1:43396"
	sess --limit 2
	is "$B sessions: --limit 2 prints the newest two" "$ROWS" \
		"client3:50000 client2:56042"
	check "$B sessions: --limit says more matched" \
		grep -q 'showing the newest 2 sessions' "$T/err"
	q sessions --utc
	is "$B sessions: the table has a header and 7 lines" \
		"$(wc -l <"$T/out")" 8
	check "$B sessions: the table marks inferred ends" \
		grep -q '^client2 .*  inferred  ' "$T/out"
	q sessions --format json
	check "$B sessions: json parses" python3 -c \
		'import json,sys; assert len(json.load(open(sys.argv[1]))) == 7' "$T/out"
	q sessions --instance nosuch
	is "$B sessions: unknown instance exits 64" "$RC" 64
	check "$B sessions: unknown instance names it and the known ones" \
		grep -q "unknown instance 'nosuch' (known: edge, vpn)" "$T/err"

	use
	is "$B usage: per cn, all time" "${ROWS% total=*}" \
		"client1=2/4200/2005/3005 client2=1/600/100/200 client3=1/open/0/0 roamer=1/600/5/6 shared=2/1200/40/60"
	use --since 2026-11-27 --until 2026-11-28
	is "$B usage: per cn for one day (the old session left out)" \
		"${ROWS%% client3=*}" "client1=1/600/2000/3000 client2=1/600/100/200"
	use --by user --until @$((t + 1500))
	is "$B usage: per user, sessions without user last, totals" "$ROWS" \
		"alice=2/4200/2005/3005 bob=2/1200/40/60 dave=1/600/5/6 None=1/600/100/200 total=6/6600/2150/3271"
	use --by instance --since @$t --until @$((t + 1501))
	is "$B usage: per instance; a session starting at since counts" \
		"${ROWS% total=*}" \
		"edge/tcp4/443=1/open/0/0 vpn/udp4/1194=5/3000/2145/3266"
	use --since @$t --until @$((t + 100))
	is "$B usage: a session starting at until does not count (half-open)" \
		"$ROWS" "client1=1/600/2000/3000 total=1/600/2000/3000"
	use --since @$((t + 5000)) --until @$((t + 6000))
	is "$B usage: an empty interval gives zero totals" "$ROWS" \
		" total=0/0/0/0"
	q usage --by user --utc --until @$((t + 1500))
	check "$B usage: the table ends with a TOTAL row" \
		grep -qE '^TOTAL +6 +1h50m +2.1 KiB +3.2 KiB$' "$T/out"
	q usage --by cn --format csv --until @$((t + 1500))
	is "$B usage: csv has a header and one line per group, no totals" \
		"$(head -2 "$T/out" | tr '\n' ' ')" \
		"cn,sessions,connected_time,bytes_in,bytes_out client1,2,4200,2005,3005 "
	is "$B usage: csv line count" "$(wc -l <"$T/out")" 5
done
done_testing
