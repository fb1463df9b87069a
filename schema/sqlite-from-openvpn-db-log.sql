-- Upgrade of an SQLite database in openvpn-db-log's layout (tables
-- instance (id, name, port, protocol) and session with its first twelve
-- columns but vpn_ip6) to ovpnlog schema version 1.  Run by
-- `ovpnlog init-db` inside one transaction, BEFORE sqlite.sql, which then
-- creates the new tables and the indexes.  Adds nullable columns only:
-- every row, id and key stays as it is, and openvpn-db-log's queries
-- keep working.
--
-- SQLite has no ADD COLUMN IF NOT EXISTS: init-db skips each
-- "ALTER TABLE t ADD COLUMN c" whose column exists already (some
-- openvpn-db-log versions had vpn_ip6), so this file is safe to re-run.

ALTER TABLE instance ADD COLUMN daemon_pid integer;
ALTER TABLE instance ADD COLUMN daemon_start_time bigint;
ALTER TABLE instance ADD COLUMN last_status_time bigint;

ALTER TABLE session ADD COLUMN vpn_ip6 varchar(39);
ALTER TABLE session ADD COLUMN username varchar(256);
ALTER TABLE session ADD COLUMN client_version varchar(64);
ALTER TABLE session ADD COLUMN client_platform varchar(64);
ALTER TABLE session ADD COLUMN client_platform_version varchar(64);
ALTER TABLE session ADD COLUMN client_gui_version varchar(64);
ALTER TABLE session ADD COLUMN cert_serial varchar(128);
ALTER TABLE session ADD COLUMN cert_sha256 varchar(95);
ALTER TABLE session ADD COLUMN daemon_pid integer;
ALTER TABLE session ADD COLUMN daemon_start_time bigint;
ALTER TABLE session ADD COLUMN last_update bigint;
ALTER TABLE session ADD COLUMN end_reason varchar(16);
ALTER TABLE session ADD COLUMN origin varchar(16);
ALTER TABLE session ADD COLUMN disconnect_src_ip varchar(39);
ALTER TABLE session ADD COLUMN disconnect_src_port unsigned smallint;
