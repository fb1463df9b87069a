-- ovpnlog schema version 1 for PostgreSQL.
-- A compatible superset of openvpn-db-log's pg.sql: its two tables and
-- columns keep their names, types and unique keys; everything ovpnlog adds
-- is a nullable column or a new table.  The same tables, columns, keys and
-- indexes as schema/sqlite.sql.  Applied by `ovpnlog init-db` (after
-- pgsql-from-openvpn-db-log.sql on a database in the original layout).

CREATE TABLE IF NOT EXISTS instance (
	id bigserial PRIMARY KEY,
	name varchar(64) NOT NULL DEFAULT '',
	port integer NOT NULL DEFAULT 0,
	protocol varchar(10) NOT NULL DEFAULT '',
	-- ovpnlog additions: the server incarnation last seen, and the time
	-- of the newest status snapshot applied (monotonic guard).
	daemon_pid integer,
	daemon_start_time bigint,
	last_status_time bigint,
	CONSTRAINT unique_instance UNIQUE (name, port, protocol)
);

CREATE TABLE IF NOT EXISTS session (
	id bigserial PRIMARY KEY,
	instance_id bigint NOT NULL,
	connect_time bigint NOT NULL,
	src_ip inet NOT NULL,
	src_port integer NOT NULL,
	cn varchar(64) NOT NULL,
	vpn_ip4 inet,
	vpn_ip6 inet,
	disconnect_time bigint,
	duration integer,
	bytes_in bigint,
	bytes_out bigint,
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
	disconnect_src_ip inet,			-- real address at disconnect (float)
	disconnect_src_port integer,
	CONSTRAINT unique_session UNIQUE (instance_id, connect_time, src_ip, src_port, cn)
);

-- Every applied spool event, written in the same transaction as its
-- effect: replaying a file whose unlink was lost changes nothing.
CREATE TABLE IF NOT EXISTS applied_event (
	event_id varchar(80) NOT NULL PRIMARY KEY,
	applied_at bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS ovpnlog_schema (
	version integer NOT NULL
);

CREATE INDEX IF NOT EXISTS session_vpn_ip4 ON session (vpn_ip4, connect_time);
CREATE INDEX IF NOT EXISTS session_vpn_ip6 ON session (vpn_ip6, connect_time);
CREATE INDEX IF NOT EXISTS session_src_ip ON session (src_ip, connect_time);
CREATE INDEX IF NOT EXISTS session_cn ON session (cn, connect_time);
CREATE INDEX IF NOT EXISTS session_open ON session (instance_id, disconnect_time);
CREATE INDEX IF NOT EXISTS session_disconnect ON session (disconnect_time);
-- Queries (flusher/cmd_who.c, cmd_sessions.c, cmd_usage.c): `who` by the
-- real address at disconnect, newest-first listings and usage intervals.
CREATE INDEX IF NOT EXISTS session_disconnect_src_ip ON session (disconnect_src_ip, connect_time);
CREATE INDEX IF NOT EXISTS session_connect ON session (connect_time);
CREATE INDEX IF NOT EXISTS applied_event_at ON applied_event (applied_at);
