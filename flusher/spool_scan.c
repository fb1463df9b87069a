#include "spool_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* While reading, entries hold offsets into the growing name block. */
struct raw {
	size_t		 off;
	unsigned char	 d_type;
};

struct acc {
	struct raw	*v;
	size_t		 n, cap;
	char		*names;
	size_t		 nlen, ncap;
};

static int
by_name(const void *a, const void *b, void *names)
{
	return strcmp((const char *)names + ((const struct raw *)a)->off,
	    (const char *)names + ((const struct raw *)b)->off);
}

/* Grows *p (of *cap elements of size sz) to hold need elements. */
static int
grow(void **p, size_t *cap, size_t need, size_t sz)
{
	size_t ncap = *cap ? *cap : 256;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if ((np = reallocarray(*p, ncap, sz)) == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Sorts and keeps the keep smallest names, compacting the name block. */
static int
trim(struct acc *a, size_t keep)
{
	char *nn;
	size_t o = 0;

	qsort_r(a->v, a->n, sizeof(*a->v), by_name, a->names);
	if (keep >= a->n)
		return 0;
	a->n = keep;
	if ((nn = malloc(a->ncap)) == NULL)
		return -1;
	for (size_t i = 0; i < a->n; i++) {
		size_t l = strlen(a->names + a->v[i].off) + 1;
		memcpy(nn + o, a->names + a->v[i].off, l);
		a->v[i].off = o;
		o += l;
	}
	free(a->names);
	a->names = nn;
	a->nlen = o;
	return 0;
}

int
spool_scan(int dirfd, const char *desc, size_t limit, const char *after,
    struct spool_list *out, char *err, size_t errlen)
{
	struct acc a = { 0 };
	struct dirent *de;
	DIR *dir;
	int fd;

	memset(out, 0, sizeof(*out));
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1 || (dir = fdopendir(fd)) == NULL) {
		snprintf(err, errlen, "cannot read directory %s: %s", desc,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(dir)) == NULL)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (after != NULL && strcmp(de->d_name, after) <= 0))
			continue;
		size_t l = strlen(de->d_name) + 1;
		if (limit > 0 && a.n == 2 * limit) {
			if (trim(&a, limit) == -1)
				break;
			out->more = 1;
		}
		if (grow((void **)&a.v, &a.cap, a.n + 1, sizeof(*a.v)) == -1 ||
		    grow((void **)&a.names, &a.ncap, a.nlen + l, 1) == -1) {
			errno = ENOMEM;
			break;
		}
		memcpy(a.names + a.nlen, de->d_name, l);
		a.v[a.n].off = a.nlen;
		a.v[a.n].d_type = de->d_type;
		a.n++;
		a.nlen += l;
	}
	if (errno == 0 && limit > 0 && a.n > limit)
		out->more = 1;
	if (errno == 0 && a.n > 0 && trim(&a, limit > 0 && a.n > limit ?
	    limit : a.n) == -1)
		errno = ENOMEM;
	if (errno != 0 || (a.n > 0 && (out->v = calloc(a.n,
	    sizeof(*out->v))) == NULL)) {
		snprintf(err, errlen, "cannot read directory %s: %s", desc,
		    strerror(errno ? errno : ENOMEM));
		closedir(dir);
		free(a.v);
		free(a.names);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	closedir(dir);
	for (size_t i = 0; i < a.n; i++) {
		out->v[i].name = a.names + a.v[i].off;
		out->v[i].d_type = a.v[i].d_type;
	}
	out->n = a.n;
	out->names = a.names;
	free(a.v);
	return 0;
}

void
spool_list_free(struct spool_list *l)
{
	free(l->v);
	free(l->names);
	memset(l, 0, sizeof(*l));
}
