/*
 * spool_scan — the entries of one spool directory (new/, tmp/ or failed/)
 * in name order, which for event names is time order.
 *
 * spool_scan() lists the directory open at dirfd (the descriptor stays
 * the caller's) into *out: every entry but "." and "..", each with the
 * d_type readdir gave and whether its name is a valid event name
 * (spoolname_parse).  Names live in one block owned by the list; release
 * it with spool_list_free().  Returns 0, or -1 with a reason naming desc.
 */
#ifndef OVPNLOG_SPOOL_SCAN_H
#define OVPNLOG_SPOOL_SCAN_H

#include <stddef.h>

#include "spoolname.h"

struct spool_entry {
	const char		*name;
	unsigned char		 d_type;	/* DT_REG, DT_LNK, DT_UNKNOWN ... */
	int			 valid;		/* name is an event name */
	struct spoolname	 sn;		/* when valid */
};

struct spool_list {
	struct spool_entry	*v;
	size_t			 n;
	char			*names;		/* owned storage of the names */
};

int	spool_scan(int dirfd, const char *desc, struct spool_list *out,
	    char *err, size_t errlen);
void	spool_list_free(struct spool_list *l);
/* Index of name in the sorted list, or -1. */
long	spool_list_find(const struct spool_list *l, const char *name);

#endif
