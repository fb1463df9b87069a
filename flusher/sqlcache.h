/*
 * sqlcache — a per-connection cache of prepared statements keyed by their
 * SQL text, shared by the SQL backends.
 *
 * The cache owns a copy of each key and the stored value (a driver handle:
 * sqlite3_stmt *, MYSQL_STMT *, or a backend's own record); it releases a
 * value with the destroy function given to sqlcache_new(), on
 * sqlcache_clear() and sqlcache_free().  Lookup is by exact text.
 *
 * Return: sqlcache_new NULL and sqlcache_put -1 on allocation failure
 * (errno set); sqlcache_get NULL when the text is not cached.
 */
#ifndef OVPNLOG_SQLCACHE_H
#define OVPNLOG_SQLCACHE_H

#include <stddef.h>

struct sqlcache;

typedef void (*sqlcache_destroy_fn)(void *value, void *arg);

struct sqlcache	*sqlcache_new(sqlcache_destroy_fn destroy, void *arg);
void		*sqlcache_get(const struct sqlcache *c, const char *sql);
/* Stores value under sql; sql must not be cached yet. */
int		 sqlcache_put(struct sqlcache *c, const char *sql, void *value);
size_t		 sqlcache_count(const struct sqlcache *c);
/* Destroys every value and forgets every key. */
void		 sqlcache_clear(struct sqlcache *c);
void		 sqlcache_free(struct sqlcache *c);

#endif
