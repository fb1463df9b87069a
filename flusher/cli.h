/*
 * cli — the ovpnlog command line: one function per subcommand, each in
 * its own file cmd_NAME.c, listed in the table in main.c.
 *
 * main() parses the global options (-c FILE, -v, --version), fills a
 * struct cli and calls the subcommand with the remaining arguments
 * (argv[0] is the subcommand name).  A subcommand returns the process
 * exit status (sysexits: 0, EX_USAGE 64, EX_DATAERR 65, EX_TEMPFAIL 75,
 * EX_CONFIG 78, ...).  cli_config() loads the config on first use and
 * logs the error itself (returns NULL: the caller exits EX_CONFIG).
 */
#ifndef OVPNLOG_CLI_H
#define OVPNLOG_CLI_H

#include "config.h"
#include "log.h"

struct cli {
	const char	*config_path;
	int		 config_given;	/* -c was used */
	struct logger	 log;
	struct config	*cfg;		/* loaded lazily by cli_config() */
};

typedef int (*cmd_fn)(struct cli *cli, int argc, char **argv);

struct command {
	const char	*name;
	cmd_fn		 fn;
	const char	*usage;		/* "flush [--batch N]" */
	const char	*summary;	/* one line for `ovpnlog help` */
};

struct config	*cli_config(struct cli *cli);

/* The subcommands (cmd_NAME.c), in the order `ovpnlog help` lists them. */
int	cmd_flush(struct cli *cli, int argc, char **argv);
int	cmd_init_db(struct cli *cli, int argc, char **argv);
int	cmd_check_config(struct cli *cli, int argc, char **argv);
int	cmd_requeue(struct cli *cli, int argc, char **argv);
int	cmd_watch(struct cli *cli, int argc, char **argv);
int	cmd_stats(struct cli *cli, int argc, char **argv);

#endif
