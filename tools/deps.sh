#!/bin/sh
# tools/deps.sh build|demo|test — makes sure the Debian packages for that
# job are installed.  As root it installs what is missing with apt-get;
# otherwise it prints the exact apt-get line and fails.
set -eu
BUILD_PKGS="make gcc pkg-config libsqlite3-dev libpq-dev libmariadb-dev libinih-dev"
DEMO_PKGS="$BUILD_PKGS sqlite3 openvpn openssl iproute2 iputils-ping procps"
TEST_PKGS="$DEMO_PKGS postgresql mariadb-server mariadb-client clang libclang-rt-14-dev mandoc systemd util-linux strace python3"
case "${1:-build}" in
build) want=$BUILD_PKGS ;;
demo) want=$DEMO_PKGS ;;
test) want=$TEST_PKGS ;;
*) echo "usage: tools/deps.sh build|demo|test" >&2; exit 64 ;;
esac
missing=""
for p in $want; do
	s=$(dpkg-query -W -f '${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$s" in ii*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages; install them with:" >&2
	echo "  sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Installing server packages must not start their services: the tests run
# their own servers in temporary directories.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
