/*
 * log — messages to stderr and/or syslog.  Only main() and the flush loop
 * log; everything else returns -1 with a reason in a caller's buffer.
 *
 * There is no hidden global: the caller owns a struct logger and passes
 * it.  Messages follow one shape: "PROG: unable to VERB OBJECT: reason".
 * LOG_DEBUG messages are printed only when verbose > 0.
 */
#ifndef OVPNLOG_LOG_H
#define OVPNLOG_LOG_H

#include <syslog.h>

struct logger {
	const char	*prog;		/* "ovpnlog" or "ovpnlog-spool" */
	int		 to_stderr;	/* 1: print to stderr */
	int		 to_syslog;	/* 1: also send to syslog (LOG_DAEMON) */
	int		 quiet;		/* 1: nothing on stderr below LOG_ERR */
	int		 verbose;	/* >0: LOG_DEBUG too */
};

__attribute__((format(printf, 3, 4)))
void log_msg(const struct logger *lg, int prio, const char *fmt, ...);

#endif
