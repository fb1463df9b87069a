/*
 * config — the loaded INI configuration (libinih), the only global mutable
 * state of the flusher.  See etc/ovpnlog.ini and man/ovpnlog.ini.5.
 *
 * config_load() parses FILE into a fresh struct config (heap, owned by the
 * caller, released with config_free()).  Unknown sections or keys,
 * duplicate keys and bad values are errors: it returns NULL and writes
 * "FILE:LINE: reason" into err.  Warnings (e.g. a password readable by
 * others) are appended to cfg->warnings, one per line, for main to log.
 *
 * Durations are written with a unit ("200ms", "5s", "10m", "1h", "1d");
 * the fields below say in which unit they are stored.
 */
#ifndef OVPNLOG_CONFIG_H
#define OVPNLOG_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/ovpnlog/ovpnlog.ini"
#define CONFIG_MAX_INSTANCES	32
#define CONFIG_MAX_KV		32
#define CONFIG_MAX_SIZE		(1024 * 1024)	/* bytes of the INI file */

struct config_kv {
	char	*key;
	char	*value;
};

enum status_version { STATUS_DETECT = 0, STATUS_V2 = 2, STATUS_V3 = 3 };

struct config_instance {
	char		*section;	/* the NAME of [instance NAME] */
	char		*name;		/* instance.name in the database */
	unsigned	 port;		/* instance.port (0..65535) */
	char		*protocol;	/* instance.protocol */
	char		*status_file;	/* NULL: no status snapshots */
	enum status_version status_version;
	int64_t		 status_max_age;	/* seconds, 0 = no limit */
	int		 status_create_missing;	/* bool */
	int		 status_all_or_nothing;	/* bool */
};

struct config {
	char	*path;			/* the file it was loaded from */

	/* [spool] */
	char	*spool_dir;
	int64_t	 tmp_grace;		/* seconds before tmp/ files are recovered */

	/* [database] */
	char	*backend;		/* "sqlite", "postgresql", "mysql" */
	char	*db_path;		/* sqlite */
	char	*host;			/* host name, address or unix socket dir/path */
	unsigned port;			/* 0 = driver default */
	char	*dbname;
	char	*user;
	char	*password;		/* from password= or password_file= */
	char	*password_file;
	char	*sslmode;		/* disable|prefer|require|verify-ca|verify-full */
	char	*sslrootcert;
	char	*sslcert;
	char	*sslkey;
	int64_t	 connect_timeout;	/* seconds, 0 = driver default */
	int64_t	 busy_timeout_ms;	/* sqlite busy_timeout / lock wait */
	struct config_kv options[CONFIG_MAX_KV];	/* option.KEY = VALUE */
	size_t	 noptions;
	struct config_kv env[CONFIG_MAX_KV];		/* env.NAME = VALUE */
	size_t	 nenv;

	/* [flush] */
	int64_t	 batch_size;		/* events per transaction */
	int64_t	 retry_min_ms;		/* watch: first reconnect delay */
	int64_t	 retry_max_ms;		/* watch: reconnect delay cap */
	int64_t	 watch_latency_ms;	/* watch: max extra wait to batch */
	int64_t	 rescan_interval;	/* watch: backstop rescan, seconds */
	int64_t	 status_interval;	/* watch: status snapshot period, s */
	char	*stats_file;		/* state file for `ovpnlog stats` */

	struct config_instance instances[CONFIG_MAX_INSTANCES];
	size_t	 ninstances;

	char	*warnings;		/* newline-separated, or NULL */
};

struct config	*config_load(const char *path, char *err, size_t errlen);
void		 config_free(struct config *cfg);
/* Prints the effective configuration (password masked) to f. */
void		 config_print(const struct config *cfg, FILE *f);

/*
 * A duration with its unit ("200ms", "5s", "10m", "2h", "1d"; one
 * NUMBER UNIT pair, or "0") in milliseconds, at most max_ms.  Returns 0,
 * or -1 with a reason in err.
 */
int		 config_parse_duration(const char *s, int64_t max_ms,
		    int64_t *out_ms, char *err, size_t errlen);
/* Exports every env.NAME = VALUE (before connecting); -1 with err. */
int		 config_apply_env(const struct config *cfg, char *err,
		    size_t errlen);

#endif
