/*
 * ovpnlog check-config — load the configuration, print what would be used
 * (the password masked) and "configuration OK"; exit 78 on any error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "backend.h"
#include "cli.h"

int
cmd_check_config(struct cli *cli, int argc, char **argv)
{
	struct config *cfg;
	struct stat st;

	if (argc != 1) {
		log_msg(&cli->log, LOG_ERR, "usage: ovpnlog check-config");
		return EX_USAGE;
	}
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	if (backend_find(cfg->backend) == NULL) {
		log_msg(&cli->log, LOG_ERR, "%s: backend = %s is not compiled "
		    "into this ovpnlog (see ovpnlog --version)", cfg->path,
		    cfg->backend);
		return EX_CONFIG;
	}
	if (stat(cfg->spool_dir, &st) == -1 || !S_ISDIR(st.st_mode))
		log_msg(&cli->log, LOG_WARNING, "spool directory %s: %s",
		    cfg->spool_dir, errno == 0 || S_ISDIR(st.st_mode) ?
		    "not a directory" : strerror(errno));
	config_print(cfg, stdout);
	printf("configuration OK\n");
	return EX_OK;
}
