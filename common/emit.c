#include "emit.h"

#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define EMIT_TRIES 4

/* Uniqueness rests on time and pid too; without getrandom() (early
 * boot: no entropy yet) the monotonic clock stands in. */
static uint32_t
random32(void)
{
	uint32_t r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec * 2654435761u;
}

int
emit_event(const char *spool, enum event_type type, int64_t sec, long nsec,
    const char *buf, size_t len, enum spool_fsync policy,
    char name[SPOOLNAME_MAX], char *err, size_t errlen)
{
	for (int try = 1; ; try++) {
		if (spoolname_make(name, SPOOLNAME_MAX, sec, nsec, getpid(),
		    random32(), type) == -1) {
			snprintf(err, errlen, "cannot name the event: time "
			    "%lld.%09ld out of range", (long long)sec, nsec);
			return -1;
		}
		if (spoolwrite(spool, name, buf, len, policy, err,
		    errlen) == 0)
			return 0;
		if (errno != EEXIST || try == EMIT_TRIES)
			return -1;
	}
}
