#!/bin/bash
# SIGHUP makes `ovpnlog watch` re-read its config, on every backend: a
# config with an error is reported and the old one kept (the watcher goes
# on applying events); a good one takes effect without a restart (here: a
# different spool directory).
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

for B in $TEST_BACKENDS; do
	wt_setup "$B" "wr$B" 'rescan_interval = 1h' ||
		{ fail "$B: set up the database"; continue; }
	cp "$WT_INI" "$T/good.ini"
	check "$B: watch starts" wt_start
	wt_hook r1
	check "$B: an event is applied" wt_wait_rows 1 5

	# A bad config: an unknown key.
	sed 's/^\[flush\]$/[flush]\nno_such_key = 1/' "$T/good.ini" >"$WT_INI"
	kill -HUP "$WT_PID"
	for i in $(seq 1 50); do grep -q 'keeping the old one' "$WT_LOG" && break; sleep 0.1; done
	check "$B: SIGHUP with a bad config: the error is logged" \
		grep -q 'unable to reload the configuration.*no_such_key' "$WT_LOG"
	check "$B: ... and the old config kept" grep -q 'keeping the old one' "$WT_LOG"
	check "$B: ... and the watcher still runs" kill -0 "$WT_PID"
	wt_hook r2
	check "$B: ... and still applies events" wt_wait_rows 2 5

	# A config that is not there at all.
	mv "$WT_INI" "$T/moved.ini"
	kill -HUP "$WT_PID"
	for i in $(seq 1 50); do
		[ "$(grep -c 'keeping the old one' "$WT_LOG")" -ge 2 ] && break
		sleep 0.1
	done
	check "$B: SIGHUP with the config missing: still running" kill -0 "$WT_PID"
	check "$B: ... and says so" [ "$(grep -c 'keeping the old one' "$WT_LOG")" -ge 2 ]

	# A good config with another spool directory.
	S2=$T/wr$B/spool2
	mkspool "$S2"
	sed "s|^dir = .*|dir = $S2|" "$T/good.ini" >"$WT_INI"
	kill -HUP "$WT_PID"
	for i in $(seq 1 50); do grep -q 'configuration reloaded' "$WT_LOG" && break; sleep 0.1; done
	check "$B: SIGHUP with a good config: reloaded" \
		grep -q 'configuration reloaded.*(new spool)' "$WT_LOG"
	wt_hook r3 "$S2"
	check "$B: events in the new spool are applied" wt_wait_rows 3 5
	wt_hook r4 "$WT_SPOOL"
	sleep 1
	is "$B: the old spool is no longer watched" "$(wt_rows "cn = 'r4'")" 0
	is "$B: ... its event stays there" "$(wt_new "$WT_SPOOL")" 1
	wt_stop TERM
	is "$B: SIGTERM after reloads: exit 0" "$WT_RC" 0
	is "$B: no stray file in the new spool" "$(wt_new "$S2")" 0
done

done_testing
