#!/bin/bash
# systemd units and tmpfiles.d entry as `make install` writes them:
# `systemd-analyze verify` passes on each with the installed program
# paths, the outage-proofing settings are there, the hardening scores
# well, and the tmpfiles entry creates the spool with the modes
# DESIGN.md asks for.
. "$TOP/tests/lib/common.sh"

UNITS="ovpnlog-flush.service ovpnlog-flush.timer ovpnlog-flush.path ovpnlog-watch.service"

if ! command -v systemd-analyze >/dev/null; then
	fail "systemd-analyze is installed (package systemd)"
	done_testing
fi

# make install into DESTDIR, with the build under test.
san=0; case $BUILD in */san) san=1 ;; esac
R=$T/root
if make -s -C "$TOP" install BUILD="$BUILD" SANITIZE=$san DESTDIR="$R" \
	>"$T/install.log" 2>&1; then
	ok "make install DESTDIR=... succeeds"
else
	fail "make install DESTDIR=... succeeds"; sed 's/^/#  /' "$T/install.log"
	done_testing
fi
U=$R/lib/systemd/system
for u in $UNITS; do
	[ -f "$U/$u" ] || fail "installed unit $u exists"
done
is "no @SBINDIR@ left in the installed units" \
	"$(grep -l '@[A-Z]*@' "$U"/ovpnlog-* 2>/dev/null)" ""
is "flush service runs the installed ovpnlog" \
	"$(sed -n 's/^ExecStart=//p' "$U/ovpnlog-flush.service")" \
	"/usr/local/sbin/ovpnlog flush"
is "watch service runs the installed ovpnlog" \
	"$(sed -n 's/^ExecStart=//p' "$U/ovpnlog-watch.service")" \
	"/usr/local/sbin/ovpnlog watch"

# verify: in a private mount namespace the DESTDIR's /usr/local/sbin is
# mounted over the real one, so the units are checked exactly as
# installed, including that ExecStart= names an executable.  Any output
# (unknown keys, bad values) counts as a failure, not only the status.
verify() {
	unshare -m --propagation private sh -c '
		mount --bind "$1" /usr/local/sbin || exit 99
		shift; cd "$0" && exec systemd-analyze verify --man=no "$@"
	' "$U" "$R/usr/local/sbin" "$@" >"$T/verify.out" 2>&1
	local rc=$?
	[ "$rc" -eq 0 ] && [ ! -s "$T/verify.out" ]
}
for u in $UNITS; do
	if verify "./$u"; then ok "systemd-analyze verify $u: clean"
	else fail "systemd-analyze verify $u: clean"; sed 's/^/#  /' "$T/verify.out"; fi
done
if verify $(for u in $UNITS; do echo "./$u"; done); then
	ok "systemd-analyze verify: all four units together"
else
	fail "systemd-analyze verify: all four units together"; sed 's/^/#  /' "$T/verify.out"
fi

# The check can fail: a missing program and an unknown key are caught.
cp "$U/ovpnlog-flush.service" "$U/ovpnlog-bad1.service"
sed -i 's|^ExecStart=.*|ExecStart=/usr/local/sbin/ovpnlog-missing flush|' "$U/ovpnlog-bad1.service"
check "verify rejects a unit whose program does not exist" \
	eval '! verify ./ovpnlog-bad1.service'
sed 's|^Type=oneshot|Type=oneshot\nTypoKey=1|' "$U/ovpnlog-flush.service" >"$U/ovpnlog-bad2.service"
check "verify output flags an unknown key" eval '! verify ./ovpnlog-bad2.service'
rm -f "$U/ovpnlog-bad1.service" "$U/ovpnlog-bad2.service"

# What keeps a long outage from disabling the units.
key() { sed -n "s/^$2=//p" "$U/$1" | tail -n1; }
is "flush.service: exit 65 (quarantined) counts as success" "$(key ovpnlog-flush.service SuccessExitStatus)" "65"
is "flush.service: failures retried after a pause" "$(key ovpnlog-flush.service Restart)" "on-failure"
is "flush.service: RestartSec paces retries" "$(key ovpnlog-flush.service RestartSec)" "30s"
is "flush.service: no start limit" "$(key ovpnlog-flush.service StartLimitIntervalSec)" "0"
is "flush.path: no trigger limit" "$(key ovpnlog-flush.path TriggerLimitIntervalSec)" "0"
is "flush.path: watches new/" "$(key ovpnlog-flush.path DirectoryNotEmpty)" "/var/spool/ovpnlog/new"
is "flush.path: starts the flush service" "$(key ovpnlog-flush.path Unit)" "ovpnlog-flush.service"
is "flush.timer: starts the flush service" "$(key ovpnlog-flush.timer Unit)" "ovpnlog-flush.service"
is "watch.service: not restarted on exit 78" "$(key ovpnlog-watch.service RestartPreventExitStatus)" "64 78"
is "watch.service: restarted on failure" "$(key ovpnlog-watch.service Restart)" "on-failure"
is "watch.service: reload sends SIGHUP" "$(key ovpnlog-watch.service ExecReload)" '/bin/kill -HUP $MAINPID'
is "watch.service conflicts with the path and timer units" \
	"$(key ovpnlog-watch.service Conflicts)" "ovpnlog-flush.path ovpnlog-flush.timer"
for s in ovpnlog-flush.service ovpnlog-watch.service; do
	is "$s runs as ovpnlog" "$(key $s User)" "ovpnlog"
	is "$s: ProtectSystem=strict" "$(key $s ProtectSystem)" "strict"
	is "$s: writes only the spool and /var/lib/ovpnlog" \
		"$(key $s ReadWritePaths)" "/var/spool/ovpnlog /var/lib/ovpnlog"
	# systemd's own exposure score (0 best .. 10): the hardening as a number.
	score=$(systemd-analyze security --offline=yes --no-pager "$U/$s" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	diag "$s exposure level: ${score:-?}"
	check "$s: exposure level below 2.0" \
		awk -v s="${score:-99}" 'BEGIN { exit !(s < 2.0) }'
done

# tmpfiles.d: the spool and state directories with owners and modes,
# created under an alternate root (users resolved from its /etc).
getent passwd ovpnlog >/dev/null || useradd --system --no-create-home \
	--home-dir /var/lib/ovpnlog --shell /usr/sbin/nologin ovpnlog
TF=$T/tfroot
mkdir -p "$TF/etc"
cp /etc/passwd /etc/group "$TF/etc/"
if systemd-tmpfiles --create --root="$TF" "$R/usr/lib/tmpfiles.d/ovpnlog.conf" \
	>"$T/tmpfiles.out" 2>&1 && [ ! -s "$T/tmpfiles.out" ]; then
	ok "systemd-tmpfiles --create applies the entry cleanly"
else
	fail "systemd-tmpfiles --create applies the entry cleanly"; sed 's/^/#  /' "$T/tmpfiles.out"
fi
mode() { stat -c '%a %U:%G' "$TF$1" 2>/dev/null; }
is "spool: 0750 ovpnlog:nogroup" "$(mode /var/spool/ovpnlog)" "750 ovpnlog:nogroup"
is "spool/tmp: 3733 ovpnlog:ovpnlog" "$(mode /var/spool/ovpnlog/tmp)" "3733 ovpnlog:ovpnlog"
is "spool/new: 3777 ovpnlog:ovpnlog" "$(mode /var/spool/ovpnlog/new)" "3777 ovpnlog:ovpnlog"
is "spool/failed: 0700 ovpnlog:ovpnlog" "$(mode /var/spool/ovpnlog/failed)" "700 ovpnlog:ovpnlog"
is "/var/lib/ovpnlog: 0750 ovpnlog:ovpnlog" "$(mode /var/lib/ovpnlog)" "750 ovpnlog:ovpnlog"
# Re-applying repairs a mode an operator changed.
chmod 0777 "$TF/var/spool/ovpnlog/failed"
systemd-tmpfiles --create --root="$TF" "$R/usr/lib/tmpfiles.d/ovpnlog.conf" >/dev/null 2>&1
is "re-applying the entry restores failed/ to 0700" "$(mode /var/spool/ovpnlog/failed)" "700 ovpnlog:ovpnlog"

done_testing
