#include "opts.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"

const char opts_usage[] =
"usage: ovpnlog-spool [-q] [-s DIR] [-n NAME] [-r PROTO] [-o PORT]\n"
"                     [--fsync=full|file|none] [--strict] [TEMPFILE]\n"
"       ovpnlog-spool [options] --status FILE|-\n"
"       ovpnlog-spool -h | --version\n"
"\n"
"Spools the OpenVPN client-connect, client-disconnect or db-update event\n"
"described by the environment (or a status file snapshot) into DIR/new/.\n"
"\n"
"  -s, --spool DIR            spool directory (default " HOOK_DEFAULT_SPOOL ")\n"
"  -n, --instance-name NAME   instance name (max 64 bytes)\n"
"  -r, --instance-proto PROTO instance protocol (max 10 bytes)\n"
"  -o, --instance-port PORT   instance port (1-65535)\n"
"      --fsync=POLICY         full (default), file or none\n"
"      --strict               exit non-zero when the event was not spooled\n"
"      --status FILE          spool a status file snapshot (- = stdin)\n"
"  -q, --quiet                no warnings on stderr (syslog still gets them)\n"
"  -h, --help                 this text\n"
"      --version              print the version\n"
"\n"
"Without -n/-r/-o the instance is (\"\", proto_1, local_port_1).\n";

enum { OPT_FSYNC = 256, OPT_STRICT, OPT_VERSION, OPT_STATUS };

static const struct option longopts[] = {
	{ "spool",		required_argument,	NULL, 's' },
	{ "instance-name",	required_argument,	NULL, 'n' },
	{ "instance-proto",	required_argument,	NULL, 'r' },
	{ "instance-port",	required_argument,	NULL, 'o' },
	{ "fsync",		required_argument,	NULL, OPT_FSYNC },
	{ "strict",		no_argument,		NULL, OPT_STRICT },
	{ "status",		required_argument,	NULL, OPT_STATUS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Keeps the first error only: it is the one the operator typed first. */
__attribute__((format(printf, 3, 4)))
static void
usage_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
opts_parse(int argc, char **argv, struct hook_opts *o, char *err,
    size_t errlen)
{
	char nerr[128];
	uint64_t v;
	int c, fs;

	memset(o, 0, sizeof(*o));
	o->spool = HOOK_DEFAULT_SPOOL;
	o->fsync = SPOOL_FSYNC_FULL;
	err[0] = '\0';
	opterr = 0;
	optind = 1;
	/*
	 * '+': stop at the first non-option whatever POSIXLY_CORRECT says
	 * (the environment is untrusted).  OpenVPN appends its temp-file
	 * argument last, so options always come first.
	 */
	while ((c = getopt_long(argc, argv, "+:s:n:r:o:qh", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 's':
			o->spool = optarg;
			if (optarg[0] != '/')
				usage_error(err, errlen, "-s/--spool: '%.200s' "
				    "is not an absolute path", optarg);
			break;
		case 'n':
			o->inst_name = optarg;
			o->inst_given = 1;
			if (strlen(optarg) > HOOK_MAX_INST_NAME)
				usage_error(err, errlen, "-n/--instance-name: "
				    "longer than %d bytes", HOOK_MAX_INST_NAME);
			break;
		case 'r':
			o->inst_proto = optarg;
			o->inst_given = 1;
			if (strlen(optarg) > HOOK_MAX_INST_PROTO)
				usage_error(err, errlen, "-r/--instance-proto: "
				    "longer than %d bytes", HOOK_MAX_INST_PROTO);
			break;
		case 'o':
			o->inst_given = 1;
			if (parse_u64z(optarg, 1, 65535, &v, nerr,
			    sizeof(nerr)) == -1)
				usage_error(err, errlen, "-o/--instance-port: "
				    "want a port 1..65535, got '%.20s'", optarg);
			else
				o->inst_port = (unsigned)v;
			break;
		case OPT_FSYNC:
			fs = spool_fsync_from_name(optarg);
			if (fs < 0)
				usage_error(err, errlen, "--fsync: want full, "
				    "file or none, got '%.20s'", optarg);
			else
				o->fsync = (enum spool_fsync)fs;
			break;
		case OPT_STRICT:
			o->strict = 1;
			break;
		case OPT_STATUS:
			o->status = optarg;
			if (optarg[0] == '\0')
				usage_error(err, errlen, "--status: empty file "
				    "name");
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			o->help = 1;
			break;
		case OPT_VERSION:
			o->version = 1;
			break;
		case ':':
			usage_error(err, errlen, "option %.40s needs an argument",
			    argv[optind - 1]);
			break;
		default:
			if (optopt != 0 && optopt < 256)
				usage_error(err, errlen, "unknown option -%c",
				    optopt);
			else
				usage_error(err, errlen, "unknown option "
				    "%.40s", argv[optind - 1]);
			break;
		}
	}
	if (optind < argc)
		o->tempfile = argv[optind++];
	if (optind < argc)
		usage_error(err, errlen, "unexpected argument '%.100s' (only "
		    "OpenVPN's temp-file argument is accepted)", argv[optind]);
	return err[0] != '\0' ? -1 : 0;
}
