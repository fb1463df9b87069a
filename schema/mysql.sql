-- ovpnlog schema version 1 for MySQL and MariaDB.
-- A compatible superset of openvpn-db-log's mysql.sql: its two tables and
-- columns keep their names, types and unique keys; everything ovpnlog adds
-- is a nullable column or a new table.  The same tables, columns, keys and
-- indexes as schema/sqlite.sql.  Applied by `ovpnlog init-db` (after
-- mysql-from-openvpn-db-log.sql on a database in the original layout).
--
-- InnoDB (transactions), utf8mb4 with the binary collation: text is
-- stored and compared byte for byte, as on SQLite and PostgreSQL (a case-
-- or accent-insensitive collation would make two common names that
-- differ only in case collide in unique_session).  Indexes are declared
-- inside CREATE TABLE, so that IF NOT EXISTS covers them on MySQL 8 too
-- (which has no CREATE INDEX IF NOT EXISTS).

CREATE TABLE IF NOT EXISTS instance (
	id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name varchar(64) NOT NULL DEFAULT '',
	port smallint unsigned NOT NULL DEFAULT 0,
	protocol varchar(10) NOT NULL DEFAULT '',
	-- ovpnlog additions: the server incarnation last seen, and the time
	-- of the newest status snapshot applied (monotonic guard).
	daemon_pid integer,
	daemon_start_time bigint,
	last_status_time bigint,
	CONSTRAINT unique_instance UNIQUE (name, port, protocol)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS session (
	id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
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
	-- ovpnlog additions
	username varchar(256),
	client_version varchar(64),		-- IV_VER
	client_platform varchar(64),		-- IV_PLAT
	client_platform_version varchar(64),	-- IV_PLAT_VER
	client_gui_version varchar(64),		-- IV_GUI_VER
	cert_serial varchar(128),		-- tls_serial_0 (decimal)
	cert_sha256 varchar(95),		-- tls_digest_sha256_0
	daemon_pid integer,			-- server incarnation that reported it
	daemon_start_time bigint,
	last_update bigint,			-- time of the newest duration/bytes
	end_reason varchar(16),			-- NULL open, 'disconnect', 'inferred'
	origin varchar(16),			-- event kind that created the row
	disconnect_src_ip varchar(39),		-- real address at disconnect (float)
	disconnect_src_port smallint unsigned,
	CONSTRAINT unique_session UNIQUE (instance_id, connect_time, src_ip, src_port, cn),
	INDEX session_vpn_ip4 (vpn_ip4, connect_time),
	INDEX session_vpn_ip6 (vpn_ip6, connect_time),
	INDEX session_src_ip (src_ip, connect_time),
	INDEX session_cn (cn, connect_time),
	INDEX session_open (instance_id, disconnect_time),
	INDEX session_disconnect (disconnect_time),
	INDEX session_disconnect_src_ip (disconnect_src_ip, connect_time),
	INDEX session_connect (connect_time)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every applied spool event, written in the same transaction as its
-- effect: replaying a file whose unlink was lost changes nothing.
CREATE TABLE IF NOT EXISTS applied_event (
	event_id varchar(80) NOT NULL PRIMARY KEY,
	applied_at bigint NOT NULL,
	INDEX applied_event_at (applied_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS ovpnlog_schema (
	version integer NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
