/*
 * sqlcache — open-addressing hash table from SQL text to a prepared
 * statement.  A flush uses a few dozen distinct texts, so the table stays
 * small; it only grows, and is emptied when the connection closes.
 */
#include "sqlcache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	char		*sql;		/* NULL: empty */
	uint64_t	 hash;
	void		*value;
};

struct sqlcache {
	struct slot		*slots;
	size_t			 cap;	/* power of two */
	size_t			 count;
	sqlcache_destroy_fn	 destroy;
	void			*arg;
};

static uint64_t
hash_text(const char *s)
{
	uint64_t h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct sqlcache *
sqlcache_new(sqlcache_destroy_fn destroy, void *arg)
{
	struct sqlcache *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cap = 32;
	if ((c->slots = calloc(c->cap, sizeof(*c->slots))) == NULL) {
		free(c);
		return NULL;
	}
	c->destroy = destroy;
	c->arg = arg;
	return c;
}

static struct slot *
find_slot(struct slot *slots, size_t cap, const char *sql, uint64_t h)
{
	size_t i = (size_t)h & (cap - 1);

	while (slots[i].sql != NULL &&
	    (slots[i].hash != h || strcmp(slots[i].sql, sql) != 0))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

void *
sqlcache_get(const struct sqlcache *c, const char *sql)
{
	struct slot *s = find_slot(c->slots, c->cap, sql, hash_text(sql));

	return s->sql != NULL ? s->value : NULL;
}

static int
grow(struct sqlcache *c)
{
	size_t ncap = c->cap * 2;
	struct slot *ns;

	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].sql != NULL)
			*find_slot(ns, ncap, c->slots[i].sql,
			    c->slots[i].hash) = c->slots[i];
	free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return 0;
}

int
sqlcache_put(struct sqlcache *c, const char *sql, void *value)
{
	uint64_t h = hash_text(sql);
	struct slot *s;
	char *copy;

	/* Keep the load factor under 3/4 so probes stay short. */
	if ((c->count + 1) * 4 > c->cap * 3 && grow(c) == -1)
		return -1;
	s = find_slot(c->slots, c->cap, sql, h);
	if (s->sql != NULL) {
		errno = EEXIST;
		return -1;
	}
	if ((copy = strdup(sql)) == NULL)
		return -1;
	s->sql = copy;
	s->hash = h;
	s->value = value;
	c->count++;
	return 0;
}

size_t
sqlcache_count(const struct sqlcache *c)
{
	return c->count;
}

void
sqlcache_clear(struct sqlcache *c)
{
	for (size_t i = 0; i < c->cap; i++) {
		if (c->slots[i].sql == NULL)
			continue;
		if (c->destroy != NULL)
			c->destroy(c->slots[i].value, c->arg);
		free(c->slots[i].sql);
		c->slots[i].sql = NULL;
		c->slots[i].value = NULL;
	}
	c->count = 0;
}

void
sqlcache_free(struct sqlcache *c)
{
	if (c == NULL)
		return;
	sqlcache_clear(c);
	free(c->slots);
	free(c);
}
