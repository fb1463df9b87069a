#!/bin/bash
# A database in openvpn-db-log's layout (its own DDL, rows written the way
# it wrote them) is refused by flush until `ovpnlog init-db` upgrades it in
# place; then every old row is intact, new events for the same instance
# triple use the same instance row, and a disconnect closes the session
# openvpn-db-log opened.  On every backend.
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/backend.sh"
. "$TOP/tests/lib/flush.sh"
E="$FIXTURES/env"

# openvpn-db-log's DDL per backend (schema/*.sql of its repository).
odl_ddl() {
	case $1 in
	sqlite) cat <<-'SQL'
	CREATE TABLE session (
		id integer primary key autoincrement,
		instance_id integer NOT NULL,
		connect_time bigint NOT NULL,
		src_ip varchar(39) NOT NULL,
		src_port unsigned smallint NOT NULL,
		cn varchar(64) NOT NULL,
		vpn_ip4 varchar(15),
		disconnect_time bigint,
		duration integer,
		bytes_in unsigned bigint,
		bytes_out unsigned bigint,
		CONSTRAINT unique_session UNIQUE (instance_id, connect_time, src_ip, src_port, cn)
	);
	CREATE TABLE instance (
		id integer primary key autoincrement,
		name varchar(64) NOT NULL DEFAULT '',
		port unsigned smallint NOT NULL DEFAULT 0,
		protocol varchar(10) NOT NULL DEFAULT '',
		CONSTRAINT unique_instance UNIQUE (name, port, protocol)
	);
	SQL
	;;
	postgresql) cat <<-'SQL'
	CREATE TABLE session (
		id bigserial UNIQUE PRIMARY KEY,
		instance_id bigint NOT NULL,
		connect_time bigint NOT NULL,
		src_ip inet NOT NULL,
		src_port integer NOT NULL,
		cn varchar(64) NOT NULL,
		vpn_ip4 inet,
		vpn_ip6 inet,
		disconnect_time bigint,
		duration integer,
		bytes_in bigint ,
		bytes_out bigint ,
		CONSTRAINT unique_session UNIQUE (instance_id, connect_time, src_ip, src_port, cn)
	);
	CREATE TABLE instance (
		id bigserial UNIQUE PRIMARY KEY,
		name varchar(64) NOT NULL DEFAULT '',
		port integer NOT NULL DEFAULT 0,
		protocol varchar(10) NOT NULL DEFAULT '',
		CONSTRAINT unique_instance UNIQUE (name, port, protocol)
	);
	SQL
	;;
	mysql) cat <<-'SQL'
	CREATE TABLE session (
		id bigint unsigned NOT NULL AUTO_INCREMENT UNIQUE PRIMARY KEY,
		instance_id bigint unsigned NOT NULL,
		connect_time bigint NOT NULL,
		src_ip varchar(39) NOT NULL,
		src_port smallint unsigned NOT NULL,
		cn varchar(64) NOT NULL,
		vpn_ip4 varchar(15),
		vpn_ip6 varchar(39),
		disconnect_time bigint,
		duration integer,
		bytes_in bigint unsigned,
		bytes_out bigint unsigned,
		CONSTRAINT unique_session UNIQUE (instance_id, connect_time, src_ip, src_port, cn)
	);
	CREATE TABLE instance (
		id bigint unsigned NOT NULL AUTO_INCREMENT UNIQUE PRIMARY KEY,
		name varchar(64) NOT NULL DEFAULT '',
		port smallint unsigned NOT NULL DEFAULT 0,
		protocol varchar(10) NOT NULL DEFAULT '',
		CONSTRAINT unique_instance UNIQUE (name, port, protocol)
	);
	SQL
	;;
	esac
}

# Rows as openvpn-db-log inserted them (ids from the sequence).  The
# second session is client1 of the udp-v2 fixture, still open.
ODL_ROWS="
INSERT INTO instance (name, port, protocol) VALUES ('main', 1194, 'udp');
INSERT INTO instance (name, port, protocol) VALUES ('other', 1195, 'tcp');
INSERT INTO session (connect_time, src_ip, src_port, vpn_ip4, cn, instance_id)
	VALUES (1795780000, '192.0.2.1', 5000, '10.99.0.50', 'legacy-closed', 1);
UPDATE session SET disconnect_time = 1795780100, duration = 100,
	bytes_in = 1000, bytes_out = 2000 WHERE id = 1;
INSERT INTO session (connect_time, src_ip, src_port, vpn_ip4, cn, instance_id)
	VALUES (1795783710, '127.0.0.1', 43396, '10.99.0.2', 'client1', 1);
INSERT INTO session (connect_time, src_ip, src_port, vpn_ip4, cn, instance_id)
	VALUES (1795780000, '192.0.2.3', 5001, '10.99.0.60', 'legacy-other', 2);
"
OLD_COLS="id, instance_id, connect_time, src_ip, src_port, cn, vpn_ip4,
disconnect_time, duration, bytes_in, bytes_out"

for b in $TEST_BACKENDS; do
	SP="$T/up_$b/spool"
	INI="$T/up_$b.ini"
	mkspool "$SP"
	backend_ini "$b" "up_$b" "$SP" >"$INI" || { fail "$b: set up"; continue; }
	chmod 600 "$INI"
	if ! backend_sql "$b" "$INI" "$(odl_ddl "$b") $ODL_ROWS" >/dev/null; then
		fail "$b: create the openvpn-db-log database"; continue
	fi
	before=$(backend_sql "$b" "$INI" "SELECT $OLD_COLS FROM session ORDER BY id")

	hook_fixture "$SP" "$E/udp-v2.client-connect.client2.env"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush before init-db exits 78" "$?" 78
	check "$b: ... and says to run init-db" \
		grep -q "openvpn-db-log's tables but no ovpnlog schema: run ovpnlog init-db" "$T/out"
	is "$b: ... and keeps the event" "$(nfiles "$SP/new")" 1

	out=$("$OVPNLOG" -c "$INI" init-db 2>&1)
	is "$b: init-db upgrades in place" "$?" 0
	check "$b: ... and says what it kept ($out)" \
		grep -q "upgraded an openvpn-db-log database to schema version 1, keeping its 3 sessions and 2 instances" <<<"$out"
	out=$("$OVPNLOG" -c "$INI" init-db 2>&1)
	check "$b: a second init-db has nothing to do ($out)" \
		grep -q "schema version 1 is current: nothing to do" <<<"$out"
	is "$b: every old row intact after the upgrade" \
		"$(backend_sql "$b" "$INI" "SELECT $OLD_COLS FROM session ORDER BY id")" \
		"$before"

	hook_fixture "$SP" "$E/udp-v2.client-disconnect.client1.env"
	hook_fixture "$SP" "$E/udp-v2.client-disconnect.client2.env"
	"$OVPNLOG" -c "$INI" flush >"$T/out" 2>&1
	is "$b: flush after the upgrade exits 0" "$?" 0
	is "$b: no new instance row" \
		"$(backend_sql "$b" "$INI" "SELECT id, name, port, protocol FROM instance ORDER BY id")" \
		"$(printf '1|main|1194|udp\n2|other|1195|tcp')"
	is "$b: the new session uses openvpn-db-log's instance row" \
		"$(backend_sql "$b" "$INI" "SELECT instance_id, cn, duration, origin FROM session WHERE cn = 'client2'")" \
		"1|client2|11|connect"
	is "$b: the disconnect closes the session openvpn-db-log opened" \
		"$(backend_sql "$b" "$INI" "SELECT id, disconnect_time, duration, bytes_in, bytes_out, username, end_reason, origin FROM session WHERE cn = 'client1'")" \
		"2|1795783721|11|3292|3186|alice|disconnect|"
	is "$b: the other old rows are untouched" \
		"$(backend_sql "$b" "$INI" "SELECT $OLD_COLS FROM session WHERE id IN (1, 3) ORDER BY id")" \
		"$(grep -E '^(1|3)\|' <<<"$before")"
	is "$b: four sessions in all" \
		"$(backend_sql "$b" "$INI" "SELECT COUNT(*) FROM session")" 4
done

# Some openvpn-db-log versions had vpn_ip6 in SQLite too: init-db skips
# the columns that exist.
if [[ " $TEST_BACKENDS " == *" sqlite "* ]]; then
	INI="$T/up6.ini"
	backend_ini sqlite up6 "$T/up6/spool" >"$INI"
	sqlite3 "$T/up6.sqlite" "$(odl_ddl sqlite | sed 's/vpn_ip4 varchar(15),/&\n vpn_ip6 varchar(39),/')
		INSERT INTO instance (name, port, protocol) VALUES ('main', 1194, 'udp');"
	out=$("$OVPNLOG" -c "$INI" init-db 2>&1)
	is "sqlite: init-db upgrades a layout that has vpn_ip6 already ($out)" "$?" 0
	cols="SELECT name FROM pragma_table_info('session') ORDER BY name"
	is "sqlite: ... and the session table has every ovpnlog column" \
		"$(sqlite3 "$T/up6.sqlite" "$cols")" \
		"$(sqlite3 :memory: ".read $TOP/schema/sqlite.sql" "$cols")"
fi

# A table called session that is not openvpn-db-log's is left alone.
if [[ " $TEST_BACKENDS " == *" sqlite "* ]]; then
	INI="$T/foreign.ini"
	backend_ini sqlite foreign "$T/foreign/spool" >"$INI"
	sqlite3 "$T/foreign.sqlite" "CREATE TABLE session (token text, user text);"
	out=$("$OVPNLOG" -c "$INI" init-db 2>&1)
	is "sqlite: init-db refuses a foreign session table (exit 78)" "$?" 78
	check "sqlite: ... naming what is missing ($out)" \
		grep -q "not openvpn-db-log's layout, not touching it" <<<"$out"
	is "sqlite: ... and changes nothing" \
		"$(sqlite3 "$T/foreign.sqlite" "SELECT group_concat(name) FROM sqlite_master")" "session"
fi
done_testing
