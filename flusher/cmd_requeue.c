/*
 * ovpnlog requeue NAME... | --all — move quarantined files from failed/
 * back into new/ (after the cause was fixed) and drop their .reason.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "quarantine.h"
#include "spool_dir.h"
#include "spool_scan.h"
#include "spoolname.h"

static int
usage(struct cli *cli)
{
	log_msg(&cli->log, LOG_ERR, "usage: ovpnlog requeue NAME... | "
	    "ovpnlog requeue --all");
	return EX_USAGE;
}

int
cmd_requeue(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	struct spool_dirs d;
	struct spool_list l = { 0 };
	struct config *cfg;
	char err[1024];
	int ch, all = 0, missing, unknown = 0, failed = 0, n = 0;

	while ((ch = getopt_long(argc, argv, "+a", longopts, NULL)) != -1) {
		if (ch != 'a')
			return usage(cli);
		all = 1;
	}
	argc -= optind;
	argv += optind;
	if ((all && argc > 0) || (!all && argc == 0))
		return usage(cli);
	if ((cfg = cli_config(cli)) == NULL)
		return EX_CONFIG;
	if (spool_open(cfg->spool_dir, &d, &missing, err, sizeof(err)) == -1) {
		log_msg(&cli->log, LOG_ERR, "%s", err);
		return missing ? EX_CONFIG : EX_IOERR;
	}
	if (all) {
		if (spool_scan(d.failed, "failed/", 0, NULL, &l, err,
		    sizeof(err)) == -1) {
			log_msg(&cli->log, LOG_ERR, "unable to list %s/failed: "
			    "%s", d.path, err);
			spool_close(&d);
			return EX_IOERR;
		}
	}
	for (size_t i = 0; i < (all ? l.n : (size_t)argc); i++) {
		const char *name = all ? l.v[i].name : argv[i];
		const char *slash = strrchr(name, '/');
		struct spoolname sn;
		int notfound;

		/* --all moves the files that can apply, not their .reason. */
		if (all && spoolname_parse(name, &sn, err, sizeof(err)) == -1)
			continue;
		if (slash != NULL)
			name = slash + 1;
		if (requeue(&d, name, &notfound, err, sizeof(err)) == -1) {
			log_msg(&cli->log, LOG_ERR, "%s", err);
			if (notfound)
				unknown = 1;
			else
				failed = 1;
			continue;
		}
		log_msg(&cli->log, LOG_INFO, "requeued %s", name);
		n++;
	}
	if (n > 0 && (spool_fsync_dir(d.newd) == -1 ||
	    spool_fsync_dir(d.failed) == -1)) {
		log_msg(&cli->log, LOG_ERR, "unable to fsync %s: %m", d.path);
		failed = 1;
	}
	printf("requeued %d file%s\n", n, n == 1 ? "" : "s");
	spool_list_free(&l);
	spool_close(&d);
	return failed ? EX_IOERR : unknown ? EX_USAGE : EX_OK;
}
