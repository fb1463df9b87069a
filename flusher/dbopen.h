/*
 * dbopen — connect to the configured database, the same way for every
 * subcommand: export the [database] env.NAME variables, find the backend
 * compiled in under the configured name, connect.
 *
 * db_open() returns DB_OK with *ops and *db set (close with
 * (*ops)->close()), DB_RETRY with a reason in err (the backend's own:
 * it names the backend and path or host), or -1 when this build has no
 * such backend (a configuration problem).
 * db_describe() writes "sqlite at PATH" or "postgresql at HOST:PORT" for
 * messages.
 */
#ifndef OVPNLOG_DBOPEN_H
#define OVPNLOG_DBOPEN_H

#include <stddef.h>

#include "backend.h"
#include "config.h"

int	db_open(const struct config *cfg, const struct backend_ops **ops,
	    struct db **db, char *err, size_t errlen);
void	db_describe(const struct config *cfg, char *buf, size_t len);
/* "unable to connect to DESC: REASON" without saying DESC twice. */
void	db_connect_message(const struct config *cfg, const char *reason,
	    char *buf, size_t len);

#endif
