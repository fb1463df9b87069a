-- Upgrade of a PostgreSQL database in openvpn-db-log's layout (its pg.sql:
-- tables session and instance, nothing else) to ovpnlog schema version 1.
-- Run by `ovpnlog init-db` BEFORE pgsql.sql, which then creates only the
-- new tables.  Adds nullable columns and indexes only: every existing row,
-- id and key stays as it is, and openvpn-db-log's queries keep working.
-- Idempotent (IF NOT EXISTS everywhere), and atomic: PostgreSQL runs a
-- multi-statement script as one transaction.

ALTER TABLE instance
	ADD COLUMN IF NOT EXISTS daemon_pid integer,
	ADD COLUMN IF NOT EXISTS daemon_start_time bigint,
	ADD COLUMN IF NOT EXISTS last_status_time bigint;

ALTER TABLE session
	ADD COLUMN IF NOT EXISTS username varchar(256),
	ADD COLUMN IF NOT EXISTS client_version varchar(64),
	ADD COLUMN IF NOT EXISTS client_platform varchar(64),
	ADD COLUMN IF NOT EXISTS client_platform_version varchar(64),
	ADD COLUMN IF NOT EXISTS client_gui_version varchar(64),
	ADD COLUMN IF NOT EXISTS cert_serial varchar(128),
	ADD COLUMN IF NOT EXISTS cert_sha256 varchar(95),
	ADD COLUMN IF NOT EXISTS daemon_pid integer,
	ADD COLUMN IF NOT EXISTS daemon_start_time bigint,
	ADD COLUMN IF NOT EXISTS last_update bigint,
	ADD COLUMN IF NOT EXISTS end_reason varchar(16),
	ADD COLUMN IF NOT EXISTS origin varchar(16),
	ADD COLUMN IF NOT EXISTS disconnect_src_ip inet,
	ADD COLUMN IF NOT EXISTS disconnect_src_port integer;

CREATE INDEX IF NOT EXISTS session_vpn_ip4 ON session (vpn_ip4, connect_time);
CREATE INDEX IF NOT EXISTS session_vpn_ip6 ON session (vpn_ip6, connect_time);
CREATE INDEX IF NOT EXISTS session_src_ip ON session (src_ip, connect_time);
CREATE INDEX IF NOT EXISTS session_cn ON session (cn, connect_time);
CREATE INDEX IF NOT EXISTS session_open ON session (instance_id, disconnect_time);
CREATE INDEX IF NOT EXISTS session_disconnect ON session (disconnect_time);
CREATE INDEX IF NOT EXISTS session_disconnect_src_ip ON session (disconnect_src_ip, connect_time);
CREATE INDEX IF NOT EXISTS session_connect ON session (connect_time);
