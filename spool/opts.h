/*
 * opts — the hook's command line (bounded, no environment involved).
 *
 * opts_parse() always parses the whole command line, so that o->strict
 * is known even when an earlier argument was bad.  Return: 0, or -1
 * with the first usage error in err.  Strings point into argv.
 */
#ifndef OVPNLOG_SPOOL_OPTS_H
#define OVPNLOG_SPOOL_OPTS_H

#include <stddef.h>

#include "spoolwrite.h"

#define HOOK_DEFAULT_SPOOL	"/var/spool/ovpnlog"
#define HOOK_MAX_INST_NAME	64
#define HOOK_MAX_INST_PROTO	10

struct hook_opts {
	const char	*spool;
	const char	*inst_name;	/* NULL when -n was not given */
	const char	*inst_proto;	/* NULL when -r was not given */
	unsigned	 inst_port;	/* 0 when -o was not given */
	int		 inst_given;	/* any of -n, -r, -o */
	enum spool_fsync fsync;
	int		 strict;
	int		 quiet;
	int		 help;
	int		 version;
	const char	*status;	/* --status FILE, "-" = stdin */
	const char	*tempfile;	/* OpenVPN's client-connect argument */
};

int	opts_parse(int argc, char **argv, struct hook_opts *o, char *err,
	    size_t errlen);
/* The usage text for -h. */
extern const char opts_usage[];

#endif
