/*
 * addr — IP addresses typed by an operator, in the form OpenVPN writes
 * them (and so the form the database holds).
 *
 * OpenVPN prints addresses with inet_ntop(): IPv6 compressed and lower
 * case ("fd99:99::1000").  A text comparison in SQLite or MariaDB matches
 * only that form, so addr_parse() normalises what the operator typed the
 * same way ("FD99:0099:0:0::1000" finds "fd99:99::1000").
 *
 * Return: 0 and *out filled; -1 with a reason in err naming the input.
 */
#ifndef OVPNLOG_ADDR_H
#define OVPNLOG_ADDR_H

#include <stddef.h>
#include <netinet/in.h>

#define ADDR_TEXTLEN	INET6_ADDRSTRLEN

struct addr {
	int	family;			/* 4 or 6 */
	char	text[ADDR_TEXTLEN];	/* canonical form */
	/*
	 * The other spelling of the same host a real-address column may
	 * hold: "::ffff:a.b.c.d" for an IPv4 address (a dual-stack socket),
	 * "a.b.c.d" for an IPv4-mapped IPv6 address (then family is 4 and
	 * text is the IPv4 form).  Empty for other IPv6 addresses.
	 */
	char	mapped[ADDR_TEXTLEN];
};

int	addr_parse(const char *s, struct addr *out, char *err, size_t errlen);

/*
 * An address read from the database, without the "/32" or "/128" that
 * PostgreSQL's inet adds when cast to text; into buf, returns buf.
 */
char	*addr_from_db(const char *s, char *buf, size_t len);

/* "192.0.2.1:1194", "[2001:db8::1]:1194", or the bare address (port < 0). */
char	*addr_with_port(const char *ip, long port, char *buf, size_t len);

#endif
