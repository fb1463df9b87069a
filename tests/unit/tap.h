/*
 * tap.h — the smallest test protocol: each check prints "ok - NAME" or
 * "not ok - NAME"; tests/run.sh counts them.  done_testing() returns the
 * exit status (1 if anything failed).
 */
#ifndef OVPNLOG_TAP_H
#define OVPNLOG_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_failed;

__attribute__((format(printf, 2, 3)))
static inline int
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed = 1;
	return cond;
}

static inline int
done_testing(void)
{
	return tap_failed;
}

#endif
