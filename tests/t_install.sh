#!/bin/bash
# `make install DESTDIR=...`: every file lands where doc/operations.md
# says, the installed programs run from there, an installed config is
# never overwritten, the man pages are lint-clean; and the permission
# scheme of the tmpfiles.d entry works with the installed programs: the
# hook as OpenVPN's user (nobody:nogroup) spools, the flusher as ovpnlog
# applies and quarantines, and another unprivileged user can neither read
# nor write anything in the spool.
. "$TOP/tests/lib/common.sh"

san=0; case $BUILD in */san) san=1 ;; esac
R=$T/root
SBIN=$R/usr/local/sbin
inst() { make -s -C "$TOP" install BUILD="$BUILD" SANITIZE=$san DESTDIR="$R" "$@"; }

if inst >"$T/install.log" 2>&1; then ok "make install DESTDIR=... succeeds"
else fail "make install DESTDIR=... succeeds"; sed 's/^/#  /' "$T/install.log"; done_testing; fi

mode() { stat -c %a "$1" 2>/dev/null; }
is "ovpnlog installed 0755" "$(mode "$SBIN/ovpnlog")" 755
is "ovpnlog-spool installed 0755" "$(mode "$SBIN/ovpnlog-spool")" 755
is "example config installed 0640" "$(mode "$R/etc/ovpnlog/ovpnlog.ini")" 640
check "schema files installed" cmp -s "$TOP/schema/sqlite.sql" "$R/usr/local/share/ovpnlog/schema/sqlite.sql"
for u in ovpnlog-flush.service ovpnlog-flush.timer ovpnlog-flush.path ovpnlog-watch.service; do
	is "unit $u installed 0644" "$(mode "$R/lib/systemd/system/$u")" 644
done
is "tmpfiles.d entry installed" "$(mode "$R/usr/lib/tmpfiles.d/ovpnlog.conf")" 644
is "sysusers.d entry installed" "$(mode "$R/usr/lib/sysusers.d/ovpnlog.conf")" 644
SNIP=$R/usr/local/share/ovpnlog/openvpn-server.conf.snippet
check "OpenVPN snippet names the installed hook" \
	grep -qx 'client-connect "/usr/local/sbin/ovpnlog-spool -s /var/spool/ovpnlog"' "$SNIP"
check "OpenVPN snippet: no @VARIABLE@ left" eval "! grep -q '@[A-Z]*@' '$SNIP'"
for m in "$TOP"/man/*.[0-9]; do
	[ -f "$m" ] || continue
	s=${m##*.}
	check "man page $(basename "$m") installed" cmp -s "$m" "$R/usr/local/share/man/man$s/$(basename "$m")"
done
check "doc/operations.md installed" test -f "$R/usr/local/share/doc/ovpnlog/operations.md"

# The installed programs run from there.
v=$("$SBIN/ovpnlog" --version 2>&1); rc=$?
is "installed ovpnlog --version: exit 0" "$rc" 0
check "installed ovpnlog --version names the version" grep -q '^ovpnlog [0-9]' <<<"$v"
"$SBIN/ovpnlog-spool" --version >/dev/null 2>&1
is "installed ovpnlog-spool --version: exit 0" "$?" 0
"$SBIN/ovpnlog" -c "$R/etc/ovpnlog/ovpnlog.ini" check-config >"$T/cc.out" 2>&1
is "installed ovpnlog check-config accepts the installed example config" "$?" 0

# An installed config is never overwritten.
echo "; local change $$" >>"$R/etc/ovpnlog/ovpnlog.ini"
inst >"$T/install2.log" 2>&1
is "make install again: exit 0" "$?" 0
check "the existing config is kept" grep -q "; local change $$" "$R/etc/ovpnlog/ovpnlog.ini"
check "make install says it kept it" grep -q 'keeping existing' "$T/install2.log"
check "the new example goes next to it" cmp -s "$TOP/etc/ovpnlog.ini" "$R/etc/ovpnlog/ovpnlog.ini.example"

# Man pages.
if make -s -C "$TOP" lint-man >"$T/lint.out" 2>&1 && [ ! -s "$T/lint.out" ]; then
	ok "make lint-man: mandoc -Tlint is clean"
else
	fail "make lint-man: mandoc -Tlint is clean"; sed 's/^/#  /' "$T/lint.out"
fi

# --- permissions, with the installed programs ------------------------------
getent passwd ovpnlog >/dev/null || useradd --system --no-create-home \
	--home-dir /var/lib/ovpnlog --shell /usr/sbin/nologin ovpnlog
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	fail "users nobody and group nogroup exist"
TF=$T/tf
mkdir -p "$TF/etc"
cp /etc/passwd /etc/group "$TF/etc/"
systemd-tmpfiles --create --root="$TF" "$R/usr/lib/tmpfiles.d/ovpnlog.conf" >"$T/tmpf.out" 2>&1
is "tmpfiles entry applied" "$?" 0
SP=$TF/var/spool/ovpnlog
DBD=$TF/var/lib/ovpnlog

AS_HOOK="setpriv --reuid=nobody --regid=nogroup --clear-groups"
AS_FLUSHER="setpriv --reuid=ovpnlog --regid=ovpnlog --init-groups"
AS_OTHER="setpriv --reuid=54321 --regid=54321 --clear-groups"

hook() {	# hook AS CN
	local -a ev
	mapfile -t ev < <(grep -v '^#' "$FIXTURES/env/udp-v2.client-connect.client1.env" |
		grep -v '^common_name=')
	$1 env -i "${ev[@]}" "common_name=$2" "$SBIN/ovpnlog-spool" -s "$SP"
}

hook "$AS_HOOK" perm-1
is "hook as nobody:nogroup: exit 0" "$?" 0
f=$(ls "$SP/new" | head -n1)
is "hook as nobody: one event in new/" "$(ls "$SP/new" | wc -l)" 1
is "the event file: 0640 nobody:ovpnlog (setgid new/)" \
	"$(stat -c '%a %U:%G' "$SP/new/$f")" "640 nobody:ovpnlog"
is "hook as nobody: nothing left in tmp/" "$(ls "$SP/tmp" | wc -l)" 0

# Another unprivileged user.
check "another user cannot list the spool" eval "! $AS_OTHER ls '$SP' >/dev/null 2>&1"
check "another user cannot read an event" eval "! $AS_OTHER cat '$SP/new/$f' >/dev/null 2>&1"
check "another user cannot list new/" eval "! $AS_OTHER ls '$SP/new' >/dev/null 2>&1"
hook "$AS_OTHER" intruder >/dev/null 2>&1
is "another user cannot spool an event" "$(ls "$SP/new" | wc -l)" 1
check "another user cannot read the database directory" eval "! $AS_OTHER ls '$DBD' >/dev/null 2>&1"
check "the hook user cannot list failed/" eval "! $AS_HOOK ls '$SP/failed' >/dev/null 2>&1"
check "the hook user cannot list tmp/" eval "! $AS_HOOK ls '$SP/tmp' >/dev/null 2>&1"
check "the hook user cannot write the database directory" \
	eval "! $AS_HOOK touch '$DBD/x' >/dev/null 2>&1"
# Sticky new/: the hook user cannot remove a file it does not own.
$AS_FLUSHER touch "$SP/new/.flusher-owned"
$AS_HOOK rm -f "$SP/new/.flusher-owned" 2>/dev/null
check "the hook user cannot remove the flusher's files in new/ (sticky)" \
	test -e "$SP/new/.flusher-owned"
$AS_FLUSHER rm -f "$SP/new/.flusher-owned"
is "the flusher (directory owner) can remove it" "$(ls -A "$SP/new" | grep -c flusher-owned)" 0

# The flusher as ovpnlog, its config readable by it alone.
CFG=$T/flusher.ini
printf '[spool]\ndir = %s\n\n[database]\nbackend = sqlite\npath = %s/ovpnlog.sqlite\n' "$SP" "$DBD" >"$CFG"
chown ovpnlog:ovpnlog "$CFG"; chmod 0600 "$CFG"
$AS_FLUSHER "$SBIN/ovpnlog" -c "$CFG" init-db >"$T/initdb.out" 2>&1
is "init-db as ovpnlog: exit 0" "$?" 0
$AS_FLUSHER "$SBIN/ovpnlog" -c "$CFG" flush >"$T/flush.out" 2>&1
is "flush as ovpnlog: exit 0" "$?" 0
is "flush as ovpnlog: the hook's event is in the database" \
	"$(sqlite3 "$DBD/ovpnlog.sqlite" "SELECT cn FROM session")" perm-1
is "flush as ovpnlog: new/ is empty" "$(ls "$SP/new" | wc -l)" 0

# A bad file written by the hook user: the flusher quarantines it.
$AS_HOOK sh -c "printf 'garbage\n' >'$SP/new/1795783430.000000000.1.0000abcd.connect'"
$AS_FLUSHER "$SBIN/ovpnlog" -c "$CFG" flush >"$T/flush2.out" 2>&1
is "flush as ovpnlog with a bad file: exit 65" "$?" 65
is "the bad file moved to failed/ with its reason" "$(ls "$SP/failed" | sort | tr '\n' ' ')" \
	"1795783430.000000000.1.0000abcd.connect 1795783430.000000000.1.0000abcd.connect.reason "
check "the hook user cannot read the quarantine" \
	eval "! $AS_HOOK cat '$SP/failed/1795783430.000000000.1.0000abcd.connect.reason' >/dev/null 2>&1"
out=$($AS_FLUSHER "$SBIN/ovpnlog" -c "$CFG" stats 2>/dev/null); rc=$?
is "stats as ovpnlog: quarantined: 1, exit 1" "$(sed -n 's/^quarantined: //p' <<<"$out") $rc" "1 1"

done_testing
