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

# --- server backends (tests/lib/servers.sh) ---------------------------------
# A fresh database NAME owned by (PostgreSQL) or granted to (MariaDB) the
# test user `ovpnlog`, created by the server's superuser; the INI names it
# with host, port, dbname, user and a 0600 password_file under $T.

_backend_pwfile() {
	local f="$T/$1.password"
	(umask 077 && printf '%s\n' "$2" >"$f") || return 1
	echo "$f"
}

_backend_ini_postgresql() {
	local name=$1 spool=$2 pw
	[ -n "${OVPNLOG_TEST_SERVERS:-}" ] || { echo "backend_ini: no test servers (tests/lib/servers.sh)" >&2; return 1; }
	"$OVPNLOG_TEST_SERVERS/pg-admin" -v "db=$name" >/dev/null <<-'EOF' || return 1
	SET client_min_messages = warning;
	DROP DATABASE IF EXISTS :"db" WITH (FORCE);
	CREATE DATABASE :"db" OWNER ovpnlog;
	EOF
	pw=$(_backend_pwfile "pg-$name" "$OVPNLOG_TEST_PG_PASSWORD") || return 1
	printf '[spool]\ndir = %s\n\n[database]\nbackend = postgresql\nhost = %s\nport = %s\ndbname = %s\nuser = %s\npassword_file = %s\n' \
		"$spool" "$OVPNLOG_TEST_PG_HOST" "$OVPNLOG_TEST_PG_PORT" "$name" \
		"$OVPNLOG_TEST_PG_USER" "$pw"
}

_backend_ini_mysql() {
	local name=$1 spool=$2 pw q
	[ -n "${OVPNLOG_TEST_SERVERS:-}" ] || { echo "backend_ini: no test servers (tests/lib/servers.sh)" >&2; return 1; }
	q=${name//\`/\`\`}
	"$OVPNLOG_TEST_SERVERS/mysql-admin" <<-EOF || return 1
	DROP DATABASE IF EXISTS \`$q\`;
	CREATE DATABASE \`$q\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
	GRANT ALL ON \`$q\`.* TO 'ovpnlog'@'localhost';
	GRANT ALL ON \`$q\`.* TO 'ovpnlog'@'127.0.0.1';
	EOF
	pw=$(_backend_pwfile "my-$name" "$OVPNLOG_TEST_MYSQL_PASSWORD") || return 1
	printf '[spool]\ndir = %s\n\n[database]\nbackend = mysql\nhost = %s\nport = %s\ndbname = %s\nuser = %s\npassword_file = %s\n' \
		"$spool" "$OVPNLOG_TEST_MYSQL_SOCKET" "$OVPNLOG_TEST_MYSQL_PORT" \
		"$name" "$OVPNLOG_TEST_MYSQL_USER" "$pw"
}

# The INI's connection, as the ovpnlog user (not the superuser): what the
# flusher sees is what the test reads.
_backend_sql_postgresql() {
	local ini=$1 sql=$2
	PGPASSWORD=$(head -n1 "$(_ini_get "$ini" password_file)") \
	PGCONNECT_TIMEOUT=10 psql -X -q -At -F'|' -v ON_ERROR_STOP=1 \
		-h "$(_ini_get "$ini" host)" -p "$(_ini_get "$ini" port)" \
		-U "$(_ini_get "$ini" user)" -d "$(_ini_get "$ini" dbname)" \
		-c "$sql"
}

# mariadb -B prints NULL as the word NULL: turned into an empty field (a
# text value that is exactly "NULL" cannot be told apart; tests avoid it).
_backend_sql_mysql() {
	local ini=$1 sql=$2 host
	host=$(_ini_get "$ini" host)
	if [ "${host#/}" != "$host" ]; then
		MYSQL_PWD=$(head -n1 "$(_ini_get "$ini" password_file)") \
		mariadb --no-defaults --default-character-set=utf8mb4 -N -B -r --connect-timeout=10 \
			-S "$host" -u "$(_ini_get "$ini" user)" \
			-D "$(_ini_get "$ini" dbname)" -e "$sql"
	else
		MYSQL_PWD=$(head -n1 "$(_ini_get "$ini" password_file)") \
		mariadb --no-defaults --default-character-set=utf8mb4 -N -B -r --connect-timeout=10 \
			-h "$host" -P "$(_ini_get "$ini" port)" \
			-u "$(_ini_get "$ini" user)" \
			-D "$(_ini_get "$ini" dbname)" -e "$sql"
	fi | awk 'BEGIN { FS = "\t"; OFS = "|" }
		{ for (i = 1; i <= NF; i++) if ($i == "NULL") $i = ""; $1 = $1; print }'
	return "${PIPESTATUS[0]}"
}
