#include "spool_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct spool_entry *)a)->name,
	    ((const struct spool_entry *)b)->name);
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

int
spool_scan(int dirfd, const char *desc, struct spool_list *out, char *err,
    size_t errlen)
{
	size_t vcap = 0, ocap = 0, ncap = 0, nlen = 0;
	size_t *offs = NULL;
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
		    strcmp(de->d_name, "..") == 0)
			continue;
		size_t l = strlen(de->d_name) + 1;
		if (grow((void **)&out->v, &vcap, out->n + 1,
		    sizeof(*out->v)) == -1 ||
		    grow((void **)&offs, &ocap, out->n + 1,
		    sizeof(*offs)) == -1 ||
		    grow((void **)&out->names, &ncap, nlen + l, 1) == -1) {
			errno = ENOMEM;
			break;
		}
		memcpy(out->names + nlen, de->d_name, l);
		offs[out->n] = nlen;
		nlen += l;
		struct spool_entry *e = &out->v[out->n++];
		char e2[8];
		e->d_type = de->d_type;
		e->valid = spoolname_parse(de->d_name, &e->sn, e2,
		    sizeof(e2)) == 0;
	}
	if (errno != 0) {
		snprintf(err, errlen, "cannot read directory %s: %s", desc,
		    strerror(errno));
		closedir(dir);
		free(offs);
		spool_list_free(out);
		return -1;
	}
	closedir(dir);
	/* The name block may have moved while it grew. */
	for (size_t i = 0; i < out->n; i++)
		out->v[i].name = out->names + offs[i];
	free(offs);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), by_name);
	return 0;
}

void
spool_list_free(struct spool_list *l)
{
	free(l->v);
	free(l->names);
	memset(l, 0, sizeof(*l));
}

long
spool_list_find(const struct spool_list *l, const char *name)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
