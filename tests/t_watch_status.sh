#!/bin/bash
# `ovpnlog watch` snapshots the configured status files on its own
# status_interval (OpenVPN rewrites them in place, so inotify cannot say
# when one is ready), on every backend: the first snapshot at start, a
# rewritten file (new TIME) spooled and applied at the next interval, an
# unchanged one not spooled again.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/watch.sh"

S=$FIXTURES/status
for B in $TEST_BACKENDS; do
	wt_setup "$B" "wst$B" 'status_interval = 1s\nrescan_interval = 1h' ||
		{ fail "$B: set up the database"; continue; }
	cp "$S/v3-2clients.txt" "$T/status-$B.log"
	printf '\n[instance main]\nname = main\nport = 1194\nprotocol = udp\nstatus_file = %s\nstatus_version = 3\n' \
		"$T/status-$B.log" >>"$WT_INI"
	check "$B: watch starts" wt_start
	# Status events applied, from the replay ledger.
	snaps() { backend_sql "$B" "$WT_INI" \
		"SELECT count(*) FROM applied_event WHERE event_id LIKE '%.status'"; }
	for i in $(seq 1 50); do [ "$(snaps)" = 1 ] && break; sleep 0.1; done
	is "$B: a snapshot is spooled and applied at start" "$(snaps)" 1
	is "$B: its TIME is remembered" "$(cat "$WT_SPOOL/.status-main" 2>/dev/null)" 1795783739
	sleep 2.5
	is "$B: an unchanged status file is not spooled again" "$(snaps)" 1
	cp "$S/v3-after-reconnect.txt" "$T/status-$B.log"
	for i in $(seq 1 50); do [ "$(snaps)" = 2 ] && break; sleep 0.1; done
	is "$B: a rewritten status file is spooled and applied within status_interval" "$(snaps)" 2
	is "$B: the new TIME is remembered" "$(cat "$WT_SPOOL/.status-main" 2>/dev/null)" 1795783743
	check "$B: new/ is empty" wt_new_drains
	is "$B: nothing quarantined" "$(wt_failed)" 0
	wt_stop TERM
	is "$B: SIGTERM: exit 0" "$WT_RC" 0
done

done_testing
