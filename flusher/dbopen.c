#include "dbopen.h"

#include <stdio.h>
#include <string.h>

void
db_describe(const struct config *cfg, char *buf, size_t len)
{
	if (strcmp(cfg->backend, "sqlite") == 0)
		snprintf(buf, len, "sqlite at %s", cfg->db_path);
	else if (cfg->port != 0)
		snprintf(buf, len, "%s at %s:%u", cfg->backend,
		    cfg->host ? cfg->host : "localhost", cfg->port);
	else
		snprintf(buf, len, "%s at %s", cfg->backend,
		    cfg->host ? cfg->host : "localhost");
}

void
db_connect_message(const struct config *cfg, const char *reason, char *buf,
    size_t len)
{
	char desc[300];

	db_describe(cfg, desc, sizeof(desc));
	if (strncmp(reason, cfg->backend, strlen(cfg->backend)) == 0)
		snprintf(buf, len, "unable to connect to %s", reason);
	else
		snprintf(buf, len, "unable to connect to %s: %s", desc, reason);
}

int
db_open(const struct config *cfg, const struct backend_ops **ops,
    struct db **db, char *err, size_t errlen)
{
	const struct backend_ops *const *all;
	char have[128] = "";
	size_t o = 0;

	*db = NULL;
	if ((*ops = backend_find(cfg->backend)) == NULL) {
		for (all = backend_list(); *all != NULL && o < sizeof(have);
		    all++)
			o += (size_t)snprintf(have + o, sizeof(have) - o,
			    "%s%s", o ? ", " : "", (*all)->name);
		snprintf(err, errlen, "%s: backend = %s is not compiled into "
		    "this ovpnlog (it has: %s)", cfg->path, cfg->backend, have);
		return -1;
	}
	if (config_apply_env(cfg, err, errlen) == -1)
		return DB_RETRY;
	return (*ops)->connect(cfg, db, err, errlen);
}
