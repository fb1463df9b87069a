/*
 * ovpnlog — the flusher and the operator's tool: git-style subcommands
 * (cli.h).  main() parses the global options, loads nothing itself, and
 * runs one subcommand; its return value is the exit status (sysexits).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "backend.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "query.h"

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
	{ "flush", cmd_flush, "flush [-b N]",
	    "replay the spooled events into the database" },
	{ "watch", cmd_watch, "watch [--syslog]",
	    "apply spooled events as they arrive (long-running)" },
	{ "stats", cmd_stats, "stats [--prometheus FILE]",
	    "spool, quarantine, last flush, database: is logging healthy?" },
	{ "init-db", cmd_init_db, "init-db",
	    "create the database schema, or upgrade it in place" },
	{ "check-config", cmd_check_config, "check-config",
	    "check the configuration and print what would be used" },
	{ "requeue", cmd_requeue, "requeue NAME... | requeue --all",
	    "move quarantined files from failed/ back into the spool" },
	{ "who", cmd_who, "who ADDRESS [--at TIME]",
	    "which session held a VPN or real address at a moment" },
	{ "sessions", cmd_sessions, "sessions [--cn CN] [--since T] ...",
	    "list sessions, newest first" },
	{ "usage", cmd_usage, "usage [--by cn|user|instance] ...",
	    "sessions, connected time and bytes per group, with totals" },
	{ "prune", cmd_prune, "prune --older-than DURATION",
	    "delete sessions that ended before a cut-off" },
	{ "help", cmd_help, "help", "list the subcommands" },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ovpnlog [-v] [-c FILE] COMMAND [ARGS]\n"
	    "       ovpnlog --version\n\ncommands:\n");
	for (const struct command *c = commands; c->name != NULL; c++)
		fprintf(f, "  %-34s %s\n", c->usage, c->summary);
	fprintf(f, "\ndefault configuration: %s\n", CONFIG_DEFAULT_PATH);
}

static int
cmd_help(struct cli *cli, int argc, char **argv)
{
	usage(stdout);
	return EX_OK;
}

static void
version(void)
{
	const struct backend_ops *const *b = backend_list();

	printf("ovpnlog %s\nbackends:", OVPNLOG_VERSION);
	for (; *b != NULL; b++)
		printf(" %s", (*b)->name);
	printf("\n");
}

struct config *
cli_config(struct cli *cli)
{
	char err[1024];

	if (cli->cfg != NULL)
		return cli->cfg;
	if ((cli->cfg = config_load(cli->config_path, err, sizeof(err))) ==
	    NULL) {
		log_msg(&cli->log, LOG_ERR, "%s", err);
		return NULL;
	}
	for (char *w = cli->cfg->warnings, *nl; w != NULL && *w != '\0';
	    w = nl + 1) {
		if ((nl = strchr(w, '\n')) == NULL)
			break;
		log_msg(&cli->log, LOG_WARNING, "%.*s", (int)(nl - w), w);
	}
	return cli->cfg;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli cli;
	int ch, rc;

	memset(&cli, 0, sizeof(cli));
	cli.config_path = CONFIG_DEFAULT_PATH;
	cli.log.prog = "ovpnlog";
	cli.log.to_stderr = 1;

	/* '+': options after the subcommand are the subcommand's. */
	while ((ch = getopt_long(argc, argv, "+c:vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cli.config_path = optarg;
			cli.config_given = 1;
			break;
		case 'v':
			cli.log.verbose++;
			break;
		case 'V':
			version();
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	for (const struct command *c = commands; c->name != NULL; c++) {
		if (strcmp(c->name, argv[0]) != 0)
			continue;
		/* Subcommands parse their own options with getopt too. */
		optind = 0;
		rc = c->fn(&cli, argc, argv);
		config_free(cli.cfg);
		return rc;
	}
	log_msg(&cli.log, LOG_ERR, "unknown command '%s'", argv[0]);
	usage(stderr);
	return EX_USAGE;
}
