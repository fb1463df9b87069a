/*
 * spool_scan — the entries of one spool directory (new/, tmp/ or failed/)
 * in name order, which for event names is time order.
 *
 * spool_scan() lists the directory open at dirfd (the descriptor stays
 * the caller's) into *out: every entry but "." and "..", with the d_type
 * readdir gave; with after != NULL only the names sorting after it.
 * With limit > 0 it keeps only the limit smallest names and sets
 * out->more when it left some out: memory stays bounded however long the
 * backlog is, and the caller scans again, after the last name it got.
 * Names live in one block owned by the list; release it with
 * spool_list_free().  Returns 0, or -1 with a reason naming desc.
 */
#ifndef OVPNLOG_SPOOL_SCAN_H
#define OVPNLOG_SPOOL_SCAN_H

#include <stddef.h>

struct spool_entry {
	const char	*name;
	unsigned char	 d_type;	/* DT_REG, DT_LNK, DT_UNKNOWN ... */
};

struct spool_list {
	struct spool_entry	*v;
	size_t			 n;
	int			 more;	/* entries beyond limit were left out */
	char			*names;	/* owned storage of the names */
};

int	spool_scan(int dirfd, const char *desc, size_t limit,
	    const char *after, struct spool_list *out, char *err,
	    size_t errlen);
void	spool_list_free(struct spool_list *l);

#endif
