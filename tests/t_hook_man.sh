#!/bin/bash
# ovpnlog-spool(8): clean under mandoc -Tlint (warning level), has an
# EXIT STATUS section, and documents every option the program accepts.
. "$TOP/tests/lib/common.sh"
MAN="$TOP/man/ovpnlog-spool.8"
if ! command -v mandoc >/dev/null; then fail "mandoc is installed"; done_testing; fi
out=$(mandoc -Tlint -W warning "$MAN" 2>&1)
is "mandoc -Tlint -W warning is clean" "$out" ""
grep -q '^\.Sh EXIT STATUS' "$MAN" && ok "has an EXIT STATUS section" || fail "has an EXIT STATUS section"
text=$(mandoc -Tascii "$MAN" | sed 's/.\x08//g')
missing=""
for o in $("$SPOOLBIN" --help | grep -o -e '--[a-z-]*' | sort -u); do
	grep -q -- "$o" <<<"$text" || missing="$missing $o"
done
is "every long option of --help is in the man page" "${missing:-none}" none
for x in 0 1 64; do
	mandoc -Tascii "$MAN" | sed 's/.\x08//g' | sed -n '/^EXIT STATUS/,/^[A-Z]/p' | grep -q "^     $x" &&
		ok "EXIT STATUS lists $x" || fail "EXIT STATUS lists $x"
done
done_testing
