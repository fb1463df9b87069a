#include "statussnap.h"

#include "statusread.h"

int
statussnap_read(const char *path, char **bufp, size_t *lenp, int64_t *timep,
    char *err, size_t errlen)
{
	return statusread_file(path, 0, bufp, lenp, timep, err, errlen);
}

long
statussnap_event(const char *source, const char *text, size_t len,
    int64_t stime, const struct timespec *now, const struct hook_instance *in,
    char **outp, char *err, size_t errlen)
{
	return statusread_event(source, text, len, stime, now, in->name,
	    in->proto, in->port, outp, err, errlen);
}
