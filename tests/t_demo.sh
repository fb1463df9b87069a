#!/bin/bash
# The README's first command, `make demo`, is tools/demo.sh: run it here
# on this build, live (root: a real OpenVPN server and two clients) and as
# an unprivileged user (the captured environments replayed), and check
# what it shows and what it leaves in its SQLite database.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/openvpn.sh"

# box_rows FILE SECTION: the data rows of the first table after the line
# "== SECTION" in the demo's output, as "cn|bytes_in|bytes_out|state".
box_rows() {
	awk -F'│' -v sec="== $2" '
		index($0, sec) == 1 { on = 1; next }
		on && /^└/ { exit }
		on && NF >= 14 && $2 ~ /[0-9]/ {
			for (i = 2; i <= 14; i++) gsub(/^ +| +$/, "", $i)
			print $4 "|" $12 "|" $13 "|" $14
		}' "$1"
}

if ! ovpn_available >"$T/why"; then
	fail "demo: the live demo can run here (root, openvpn, ip netns)"
	sed 's/^/# /' "$T/why"
else
	KEEP_TMP=1 bash "$TOP/tools/demo.sh" "$BUILD" >"$T/live.out" 2>&1
	is "demo (live): exits 0" "$?" 0
	check "demo (live): says it recorded 2 sessions" \
		grep -q "done: 2 sessions recorded" "$T/live.out"
	# Byte counts while connected come from status snapshots.
	box_rows "$T/live.out" "Traffic through the tunnels" >"$T/open"
	if [ "$(wc -l <"$T/open")" = 2 ] && awk -F'|' '
		$4 != "open" || $2 !~ /^[1-9][0-9]*$/ || $3 !~ /^[1-9][0-9]*$/ { bad = 1 }
		END { exit bad }' "$T/open"; then
		ok "demo (live): after the traffic both sessions are open with live byte counts"
	else
		fail "demo (live): after the traffic both sessions are open with live byte counts"
		sed 's/^/#   /' "$T/open"
	fi
	box_rows "$T/live.out" "alice-laptop disconnects" >"$T/closed"
	is "demo (live): the last table shows both sessions closed by their disconnect" \
		"$(cut -d'|' -f1,4 "$T/closed" | sort | tr '\n' ' ')" \
		"alice-laptop|disconnect bob-phone|disconnect "
	kept=$(sed -n 's/^  kept: //p' "$T/live.out")
	if [ -n "$kept" ] && [ -f "$kept/ovpnlog.sqlite" ]; then
		is "demo (live): its database holds the 2 sessions, closed, with bytes" \
			"$(sqlite3 "$kept/ovpnlog.sqlite" "SELECT cn, end_reason, bytes_in > 0,
				bytes_out > 0 FROM session ORDER BY cn" | tr '\n' ' ')" \
			"alice-laptop|disconnect|1|1 bob-phone|disconnect|1|1 "
		rm -rf "$kept"
	else
		fail "demo (live): its database holds the 2 sessions, closed, with bytes (not kept)"
	fi
	sed -n '/^== /p' "$T/live.out" | sed 's/^/# /'
fi

# Without root: the replay of the captured environments.
U=65534
if [ "$(id -u)" = 0 ]; then
	AS=(setpriv --reuid=$U --regid=$U --clear-groups)
else
	AS=()
fi
"${AS[@]}" bash "$TOP/tools/demo.sh" "$BUILD" >"$T/replay.out" 2>&1
is "demo (unprivileged): exits 0" "$?" 0
check "demo (unprivileged): says it replays the captured sessions" \
	grep -q "Replaying the captured OpenVPN 2.6.14 environments" "$T/replay.out"
box_rows "$T/replay.out" "Sessions in" >"$T/replayed"
is "demo (unprivileged): the table shows the two captured sessions, closed" \
	"$(cut -d'|' -f1,4 "$T/replayed" | sort | tr '\n' ' ')" \
	"client1|disconnect client2|disconnect "
done_testing
