#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void
log_msg(const struct logger *lg, int prio, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (prio == LOG_DEBUG && lg->verbose <= 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lg->to_syslog) {
		/* openlog() is not called: it would keep state; the ident
		 * goes into the message instead. */
		syslog(LOG_DAEMON | prio, "%s: %s", lg->prog, msg);
	}
	if (lg->to_stderr && !(lg->quiet && prio > LOG_ERR)) {
		const char *lvl = prio <= LOG_ERR ? "error: " :
		    prio == LOG_WARNING ? "warning: " : "";
		fprintf(stderr, "%s: %s%s\n", lg->prog, lvl, msg);
	}
}
