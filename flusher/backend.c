#include "backend.h"

#include <string.h>

extern const struct backend_ops backend_sqlite;
#ifdef WITH_PGSQL
extern const struct backend_ops backend_pgsql;
#endif
#ifdef WITH_MYSQL
extern const struct backend_ops backend_mysql;
#endif

static const struct backend_ops *const registry[] = {
	&backend_sqlite,
#ifdef WITH_PGSQL
	&backend_pgsql,
#endif
#ifdef WITH_MYSQL
	&backend_mysql,
#endif
	NULL
};

const struct backend_ops *
backend_find(const char *name)
{
	for (size_t i = 0; registry[i] != NULL; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct backend_ops *const *
backend_list(void)
{
	return registry;
}

struct db_val
db_text(const char *s)
{
	return s ? db_textn(s, strlen(s)) : db_null();
}

struct db_val
db_textn(const char *s, size_t len)
{
	struct db_val v = { DBV_TEXT, 0, s, len };
	return v;
}

int
db_row_found(void *ctx, int ncols, const struct db_val *cols)
{
	*(int *)ctx = 1;
	return -1;
}
