/*
 * ovpnlog init-db — create the schema in an empty database, or upgrade an
 * openvpn-db-log database or an older ovpnlog schema in place (schema.h).
 */
#include <stdio.h>
#include <sysexits.h>

#include "cli.h"
#include "dbopen.h"
#include "schema.h"

int
cmd_init_db(struct cli *cli, int argc, char **argv)
{
	const struct backend_ops *ops;
	struct config *cfg;
	struct db *db;
	char err[1024], msg[1400], did[300], desc[300];
	int rc;

	if (argc != 1) {
		log_msg(&cli->log, LOG_ERR, "usage: ovpnlog init-db");
		return EX_USAGE;
	}
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	rc = db_open(cfg, &ops, &db, err, sizeof(err));
	if (rc == -1) {
		log_msg(&cli->log, LOG_ERR, "%s", err);
		return EX_CONFIG;
	}
	if (rc != DB_OK) {
		db_connect_message(cfg, err, msg, sizeof(msg));
		log_msg(&cli->log, LOG_ERR, "%s", msg);
		return EX_TEMPFAIL;
	}
	db_describe(cfg, desc, sizeof(desc));
	rc = schema_init(ops, db, did, sizeof(did), err, sizeof(err));
	ops->close(db);
	if (rc != SCHEMA_OK) {
		log_msg(&cli->log, LOG_ERR, "unable to initialize %s: %s", desc,
		    err);
		return rc == SCHEMA_RETRY ? EX_TEMPFAIL : EX_CONFIG;
	}
	printf("%s: %s\n", desc, did);
	return EX_OK;
}
