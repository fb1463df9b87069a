/*
 * query — the operator's query subcommands (who, sessions, usage, prune)
 * and the plumbing they share: the common options (--format, --utc),
 * opening the configured database, reading numbers from result rows, and
 * the session listing that `who` and `sessions` print alike.
 *
 * The SQL is written once, portable, with '?' placeholders (backend.h);
 * every value is bound.  Exit codes: 0 found/done, 1 `who` found nothing,
 * 64 bad input, 75 database unreachable or failing, 78 bad config or a
 * database without the ovpnlog schema.  Each cmd_* logs its own errors
 * (it is the top of its command, like main).
 */
#ifndef OVPNLOG_QUERY_H
#define OVPNLOG_QUERY_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "cli.h"
#include "output.h"

int	cmd_who(struct cli *cli, int argc, char **argv);
int	cmd_sessions(struct cli *cli, int argc, char **argv);
int	cmd_usage(struct cli *cli, int argc, char **argv);
int	cmd_prune(struct cli *cli, int argc, char **argv);

/* getopt_long codes of the common options. */
#define QOPT_FORMAT	0x100
#define QOPT_UTC	0x101
#define QOPT_HELP	'h'
#define QUERY_COMMON_LONGOPTS \
	{ "format", required_argument, NULL, QOPT_FORMAT }, \
	{ "utc", no_argument, NULL, QOPT_UTC }, \
	{ "help", no_argument, NULL, QOPT_HELP }

struct qopts {
	enum out_format	 fmt;
	int		 utc;
	int64_t		 now;	/* one "now" for the whole command */
};

void	query_opts_init(struct qopts *q);
/* 1: c was a common option (applied), 0: not one, -1: bad value (err). */
int	query_common_opt(struct qopts *q, int c, const char *arg, char *err,
	    size_t errlen);
/* Resets getopt for a subcommand's argv (main may have used it). */
void	query_getopt_reset(void);

struct qdb {
	const struct backend_ops *ops;
	struct db		 *db;
};

/*
 * Loads the config, connects, and checks that the session table exists.
 * 0, or the exit status after logging why (78 config or no schema, 75
 * unreachable).
 */
int	query_open(struct cli *cli, struct qdb *q);
void	query_close(struct qdb *q);
/* Logs a failed database operation; returns its exit status. */
int	query_fail(struct cli *cli, int dbret, const char *what,
	    const char *err);

/* An integer result column (drivers give SUM() as text): 0 or -1. */
int	query_int(const struct db_val *v, int64_t *out);

/* --- the session listing of `who` and `sessions` --- */

/* The select list, FROM session s; append WHERE ... ORDER BY ... */
extern const char	 query_session_select[];
extern const struct out_col query_session_cols[];
extern const int	 query_session_ncols;

struct qinstance {
	int64_t		 id;
	char		 label[96];	/* "name/proto/port" */
};

struct session_list {
	struct out	*out;
	struct qinstance *inst;		/* query_instances() */
	size_t		 ninst;
	size_t		 instcap;
	int64_t		 now;
	int64_t		 limit;		/* rows to print, 0 = all */
	int64_t		 nrows;		/* rows seen */
	int		 failed;	/* out_row failed: err holds why */
	char		 err[256];
};

/* Reads the instance table into sl (the labels of the rows); DB_ status. */
int	query_instances(struct qdb *q, struct session_list *sl, char *err,
	    size_t errlen);
/* db_row_fn for query_session_select rows: one output row each. */
int	query_session_row(void *ctx, int ncols, const struct db_val *cols);
void	query_session_list_free(struct session_list *sl);

/*
 * Runs sql (query_session_select + WHERE/ORDER) with its np params and
 * prints the rows (at most limit, 0 = all); closes q in every case.
 * Returns 0, or the exit status after logging why, prefixed with cmd.
 * *nrows gets the number of rows the query returned.
 */
int	query_print_sessions(struct cli *cli, struct qdb *q, const char *cmd,
	    const struct qopts *qo, const char *sql, const struct db_val *p,
	    int np, int64_t limit, int64_t *nrows);

#endif
