-- Upgrade of a MySQL/MariaDB database in openvpn-db-log's layout (its
-- mysql.sql: tables session and instance, nothing else) to ovpnlog schema
-- version 1.  Run by `ovpnlog init-db` BEFORE mysql.sql, which then
-- creates only the new tables.  Adds nullable columns and indexes only:
-- every existing row, id and key stays as it is.  mysql.sql declares its
-- indexes inside CREATE TABLE, which does not run on existing tables: every
-- index of session in mysql.sql must be added here too (test_backend
-- compares an upgraded database with a fresh one).
--
-- MySQL DDL is not transactional, so every statement is idempotent and
-- one ALTER TABLE per table changes that table atomically: an init-db
-- interrupted half-way is simply run again.  This uses MariaDB's
-- ADD COLUMN IF NOT EXISTS / ADD INDEX IF NOT EXISTS (MariaDB 10.0.2 and
-- later); MySQL 8 lacks them (see doc/backends.md).
--
-- openvpn-db-log's mysql.sql named no engine and no character set: the
-- tables become InnoDB (transactions; a no-op when they already are) and
-- utf8mb4 with the binary collation, as in mysql.sql.

ALTER TABLE instance
	ENGINE=InnoDB,
	CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	ADD COLUMN IF NOT EXISTS daemon_pid integer,
	ADD COLUMN IF NOT EXISTS daemon_start_time bigint,
	ADD COLUMN IF NOT EXISTS last_status_time bigint;

ALTER TABLE session
	ENGINE=InnoDB,
	CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
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
	ADD COLUMN IF NOT EXISTS disconnect_src_ip varchar(39),
	ADD COLUMN IF NOT EXISTS disconnect_src_port smallint unsigned,
	ADD INDEX IF NOT EXISTS session_vpn_ip4 (vpn_ip4, connect_time),
	ADD INDEX IF NOT EXISTS session_vpn_ip6 (vpn_ip6, connect_time),
	ADD INDEX IF NOT EXISTS session_src_ip (src_ip, connect_time),
	ADD INDEX IF NOT EXISTS session_cn (cn, connect_time),
	ADD INDEX IF NOT EXISTS session_open (instance_id, disconnect_time),
	ADD INDEX IF NOT EXISTS session_disconnect (disconnect_time),
	ADD INDEX IF NOT EXISTS session_disconnect_src_ip (disconnect_src_ip, connect_time),
	ADD INDEX IF NOT EXISTS session_connect (connect_time);
