#include "addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

int
addr_parse(const char *s, struct addr *out, char *err, size_t errlen)
{
	unsigned char bin[16];

	memset(out, 0, sizeof(*out));
	if (strlen(s) < ADDR_TEXTLEN && inet_pton(AF_INET, s, bin) == 1) {
		out->family = 4;
		inet_ntop(AF_INET, bin, out->text, sizeof(out->text));
		snprintf(out->mapped, sizeof(out->mapped), "::ffff:%.15s",
		    out->text);
		return 0;
	}
	if (strlen(s) < ADDR_TEXTLEN && inet_pton(AF_INET6, s, bin) == 1) {
		static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(bin, v4mapped, sizeof(v4mapped)) == 0) {
			out->family = 4;
			inet_ntop(AF_INET, bin + 12, out->text,
			    sizeof(out->text));
			inet_ntop(AF_INET6, bin, out->mapped,
			    sizeof(out->mapped));
			return 0;
		}
		out->family = 6;
		inet_ntop(AF_INET6, bin, out->text, sizeof(out->text));
		return 0;
	}
	snprintf(err, errlen, "bad address '%.*s': not an IPv4 or IPv6 "
	    "address (no port, no prefix length)", 64, s);
	return -1;
}

char *
addr_from_db(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n > 3 && strcmp(s + n - 3, "/32") == 0 && strchr(s, ':') == NULL)
		n -= 3;
	else if (n > 4 && strcmp(s + n - 4, "/128") == 0)
		n -= 4;
	snprintf(buf, len, "%.*s", (int)n, s);
	return buf;
}

char *
addr_with_port(const char *ip, long port, char *buf, size_t len)
{
	if (port < 0)
		snprintf(buf, len, "%s", ip);
	else if (strchr(ip, ':') != NULL)
		snprintf(buf, len, "[%s]:%ld", ip, port);
	else
		snprintf(buf, len, "%s:%ld", ip, port);
	return buf;
}
