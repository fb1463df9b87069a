/*
 * spoolname — names of spool files, which are also event ids in the
 * database ledger.
 *
 *   SSSSSSSSSS.NNNNNNNNN.PID.RAND.TYPE
 *   1795783430.452491047.21380.a1b2c3d4.connect
 *
 * Ten-digit seconds and nine-digit nanoseconds first, so that the lexical
 * order of names is time order; then pid (decimal) and 4..16 lowercase hex
 * digits of randomness for uniqueness across concurrent writers; then the
 * event type name.  At most SPOOLNAME_MAX-1 bytes.
 *
 * spoolname_make: returns the length, or -1 if cap is too small.
 * spoolname_parse: returns 0 and fills *out when name is well-formed;
 * -1 with a reason in err otherwise (used on untrusted directory entries).
 */
#ifndef OVPNLOG_SPOOLNAME_H
#define OVPNLOG_SPOOLNAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"

#define SPOOLNAME_MAX 80

struct spoolname {
	int64_t		sec;
	long		nsec;
	enum event_type	type;
};

int	spoolname_make(char *out, size_t cap, int64_t sec, long nsec,
	    pid_t pid, uint32_t rnd, enum event_type type);
int	spoolname_parse(const char *name, struct spoolname *out, char *err,
	    size_t errlen);
/*
 * A directory entry's name made safe to print: control bytes, DEL and
 * '\' become \xHH (hostile names may hold anything).  Truncated to
 * fit len; returns out.
 */
const char *spoolname_shown(const char *name, char *out, size_t len);

#endif
