# tests/lib/backend.sh — one test body, every backend.  Sourced after
# tests/lib/common.sh.  Server backends use the servers started by
# tests/lib/servers.sh (variables OVPNLOG_TEST_PG_*, OVPNLOG_TEST_MYSQL_*).
#
#   TEST_BACKENDS            backends to run (default: all three)
#   backend_ini B NAME SPOOL writes an INI (spool + database sections) for a
#                            fresh, empty database NAME on backend B to stdout
#   backend_sql B INI SQL    runs SQL, prints rows as fields joined by '|'
#                            (NULL printed as empty), one row per line

: "${TEST_BACKENDS:=sqlite postgresql mysql}"

backend_ini() {
	local b=$1 name=$2 spool=$3
	case $b in
	sqlite)
		rm -f "$T/$name.sqlite"
		printf '[spool]\ndir = %s\n\n[database]\nbackend = sqlite\npath = %s\n' \
			"$spool" "$T/$name.sqlite"
		;;
	*)
		if declare -F "_backend_ini_$b" >/dev/null; then
			"_backend_ini_$b" "$name" "$spool"
		else
			echo "backend_ini: backend $b is not available in tests" >&2
			return 1
		fi
		;;
	esac
}

# _ini_get INI KEY: the first value of KEY in the file.
_ini_get() { sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$1" | head -n1; }

backend_sql() {
	local b=$1 ini=$2 sql=$3
	case $b in
	sqlite) sqlite3 -batch -separator '|' "$(_ini_get "$ini" path)" "$sql" ;;
	*) "_backend_sql_$b" "$ini" "$sql" ;;
	esac
}
