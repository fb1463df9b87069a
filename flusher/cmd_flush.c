/*
 * ovpnlog flush — one replay of the spool (flush.h), under the spool
 * lock: a second flush while one runs says so and exits 0.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "flush.h"
#include "numparse.h"
#include "spool_dir.h"

static int
usage(struct cli *cli)
{
	log_msg(&cli->log, LOG_ERR, "usage: ovpnlog flush [-b N]");
	return EX_USAGE;
}

int
cmd_flush(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	struct flush_opts fo = { 0 };
	struct flush_conn conn;
	struct flush_result res;
	struct spool_dirs d;
	struct config *cfg;
	enum flush_status st;
	char err[1024];
	int ch, missing, rc;

	while ((ch = getopt_long(argc, argv, "+b:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (parse_i64z(optarg, 1, 100000, &fo.batch_size, err,
			    sizeof(err)) == -1) {
				log_msg(&cli->log, LOG_ERR, "flush -b: %s", err);
				return EX_USAGE;
			}
			break;
		default:
			return usage(cli);
		}
	}
	if (optind != argc)
		return usage(cli);
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	if (spool_open(cfg->spool_dir, &d, &missing, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "%s (spool dir in %s)", err,
		    cfg->path);
		return missing ? EX_CONFIG : EX_IOERR;
	}
	if ((rc = spool_lock(&d, err, sizeof(err))) != 0) {
		if (rc == 1)
			log_msg(&cli->log, LOG_NOTICE, "another flush is running "
			    "on %s: leaving the spool to it", d.path);
		else
			log_msg(&cli->log, LOG_ERR, "%s", err);
		spool_close(&d);
		return rc == 1 ? EX_OK : EX_IOERR;
	}
	memset(&conn, 0, sizeof(conn));
	st = flush_run(cfg, &cli->log, &d, &conn, &fo, &res);
	flush_conn_close(&conn);
	spool_close(&d);
	return flush_exit_code(st);
}
