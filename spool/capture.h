/*
 * capture — turns the OpenVPN environment into one event: the allow-list
 * of DESIGN.md (nothing else is read), each variable with a maximum
 * length, numeric ones checked as bounded decimals.
 *
 * capture_build() writes the finished event file into buf (cap bytes,
 * EVENT_MAX_SIZE is always enough) and returns its length; -1 with a
 * reason in err on bad input (missing script_type or a required
 * variable, unknown script_type, a numeric value that is not a bounded
 * decimal).  Over-long values are kept cut to their limit and listed in
 * the field "truncated"; c->notes tells the caller about them and about
 * values with control or non-UTF-8 bytes (kept, escaped), so that main
 * can warn.  c->type and c->script_type are set as soon as known.
 */
#ifndef OVPNLOG_SPOOL_CAPTURE_H
#define OVPNLOG_SPOOL_CAPTURE_H

#include <stddef.h>
#include <time.h>

#include "event.h"
#include "hookfields.h"
#include "opts.h"

#define CAPTURE_MAX_NOTES	48

struct capture_note {
	const char	*key;
	size_t		 len;		/* original length */
	size_t		 max;		/* the limit, when truncated */
	int		 truncated;
	int		 binary;	/* control or non-UTF-8 bytes */
};

struct capture {
	int			 type;		/* enum event_type, -1 unknown */
	const char		*script_type;	/* NULL when absent */
	size_t			 nnotes;
	struct capture_note	 notes[CAPTURE_MAX_NOTES];
};

long	capture_build(const struct hook_opts *o, env_lookup_fn get,
	    const struct timespec *now, char *buf, size_t cap,
	    struct capture *c, char *err, size_t errlen);

#endif
