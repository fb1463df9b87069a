/*
 * schema — the database layout: the embedded schema files, the version
 * check every flush makes, and `ovpnlog init-db` (create or upgrade).
 *
 * The build embeds every schema/NAME.sql as schema_files[] ({name, text}, ending
 * with {NULL, NULL}; tools/embed-schema.sh), so no source tree or
 * installed copy is needed.  A backend's main file is ops->schema_file
 * ("sqlite.sql"); the upgrade of an openvpn-db-log database is
 * "<base>-from-openvpn-db-log.sql" and from version N to N+1
 * "<base>-N-to-N+1.sql" (base: the main file name without ".sql").
 *
 * schema_check() tells whether a flush may write: SCHEMA_OK when the
 * database has this version; otherwise SCHEMA_FAIL with a reason that
 * says what to do (run init-db, or upgrade ovpnlog), or SCHEMA_RETRY when
 * the database could not be asked.
 *
 * schema_init() creates the schema in an empty database, upgrades an
 * openvpn-db-log database or an older ovpnlog schema in place, or does
 * nothing when current; in one transaction (where DDL is transactional).
 * What it did goes into `did` (one line).  Same return values; on
 * SCHEMA_FAIL nothing was changed.
 */
#ifndef OVPNLOG_SCHEMA_H
#define OVPNLOG_SCHEMA_H

#include <stddef.h>

#include "backend.h"

#define SCHEMA_VERSION	1

struct schema_file {
	const char	*name;
	const char	*text;
};
extern const struct schema_file schema_files[];

enum schema_rc { SCHEMA_OK = 0, SCHEMA_RETRY, SCHEMA_FAIL };

/* The text of an embedded file, or NULL. */
const char	*schema_text(const char *name);
int		 schema_check(const struct backend_ops *ops, struct db *db,
		    char *err, size_t errlen);
int		 schema_init(const struct backend_ops *ops, struct db *db,
		    char *did, size_t didlen, char *err, size_t errlen);

#endif
