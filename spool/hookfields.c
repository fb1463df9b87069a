#include "hookfields.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "numparse.h"

static void
copy_bounded(char *dst, size_t dstsize, const char *src, size_t len)
{
	if (len > dstsize - 1)
		len = dstsize - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static size_t
strip_suffix(const char *s, size_t len, const char *suf)
{
	size_t sl = strlen(suf);

	if (len > sl && memcmp(s + len - sl, suf, sl) == 0)
		return len - sl;
	return len;
}

int
instance_resolve(const struct hook_opts *o, env_lookup_fn get,
    struct hook_instance *in, char *err, size_t errlen)
{
	char nerr[128];
	uint64_t v;

	memset(in, 0, sizeof(*in));
	if (o->inst_given) {
		/* opts_parse() bounded both lengths already. */
		if (o->inst_name != NULL)
			copy_bounded(in->name, sizeof(in->name), o->inst_name,
			    strlen(o->inst_name));
		if (o->inst_proto != NULL)
			copy_bounded(in->proto, sizeof(in->proto),
			    o->inst_proto, strlen(o->inst_proto));
		in->port = o->inst_port;
		return 0;
	}
	const char *proto = get("proto_1");
	if (proto != NULL) {
		size_t len = strlen(proto);
		len = strip_suffix(proto, len, "-server");
		len = strip_suffix(proto, len, "-client");
		if (len > HOOK_MAX_INST_PROTO)
			in->proto_cut = len;
		copy_bounded(in->proto, sizeof(in->proto), proto, len);
	}
	const char *port = get("local_port_1");
	if (port != NULL) {
		if (parse_u64z(port, 0, 65535, &v, nerr, sizeof(nerr)) == -1) {
			snprintf(err, errlen, "bad value for local_port_1: not "
			    "a decimal number in 0..65535");
			return -1;
		}
		in->port = (unsigned)v;
	}
	return 0;
}

int
hookfields_put(struct event_writer *w, enum event_type type,
    const struct timespec *now, const struct hook_instance *in, char *err,
    size_t errlen)
{
	char t[48], port[8];
	const char *tn = event_type_name(type);

	snprintf(t, sizeof(t), "%lld.%09ld", (long long)now->tv_sec,
	    (long)now->tv_nsec);
	snprintf(port, sizeof(port), "%u", in->port);
	if (event_put(w, "type", tn, strlen(tn), err, errlen) == -1 ||
	    event_put(w, "spool_time", t, strlen(t), err, errlen) == -1 ||
	    event_put(w, "hook_version", OVPNLOG_VERSION,
	    strlen(OVPNLOG_VERSION), err, errlen) == -1 ||
	    event_put(w, "instance_name", in->name, strlen(in->name), err,
	    errlen) == -1 ||
	    event_put(w, "instance_proto", in->proto, strlen(in->proto), err,
	    errlen) == -1 ||
	    event_put(w, "instance_port", port, strlen(port), err,
	    errlen) == -1)
		return -1;
	return 0;
}
