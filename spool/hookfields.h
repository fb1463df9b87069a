/*
 * hookfields — the hook's own fields, common to every event it writes:
 * type (first), spool_time, hook_version, instance_name, instance_proto,
 * instance_port; and the instance they name.
 *
 * instance_resolve(): with any of -n/-r/-o the instance is exactly
 * (name or "", proto or "", port or 0), as openvpn-db-log had it;
 * without, ("", proto_1 minus a "-server"/"-client" suffix,
 * local_port_1 or 0), so that two servers on one host are two instances.
 * A proto_1 longer than HOOK_MAX_INST_PROTO is cut and flagged.
 * Return: 0, or -1 with a reason in err (bad local_port_1).
 *
 * hookfields_put(): writes the fields above; 0 or -1 with err.
 */
#ifndef OVPNLOG_SPOOL_HOOKFIELDS_H
#define OVPNLOG_SPOOL_HOOKFIELDS_H

#include <stddef.h>
#include <time.h>

#include "event.h"
#include "opts.h"

typedef const char *(*env_lookup_fn)(const char *name);

struct hook_instance {
	char		 name[HOOK_MAX_INST_NAME + 1];
	char		 proto[HOOK_MAX_INST_PROTO + 1];
	unsigned	 port;
	size_t		 proto_cut;	/* original length when cut, else 0 */
};

int	instance_resolve(const struct hook_opts *o, env_lookup_fn get,
	    struct hook_instance *in, char *err, size_t errlen);
int	hookfields_put(struct event_writer *w, enum event_type type,
	    const struct timespec *now, const struct hook_instance *in,
	    char *err, size_t errlen);

#endif
