/*
 * fuzz_config — libFuzzer target for config_load() (flusher/config.h):
 * each input becomes the config file (a memfd, read through its /proc
 * path), is loaded, printed, and freed.  Checks the contract: an error
 * names the file, a loaded config has what validation promised.  A
 * violation aborts, which libFuzzer records as a crash.  Built and run by
 * fuzz/run.sh with the sources in fuzz_config.flags.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_config: invariant violated: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct config *cfg;
	char path[64], err[1024];
	int fd;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	if ((fd = memfd_create("fuzz.ini", 0)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	cfg = config_load(path, err, sizeof(err));
	if (cfg == NULL) {
		check(strncmp(err, path, strlen(path)) == 0 ||
		    strstr(err, path) != NULL, "an error names the file");
	} else {
		check(cfg->backend != NULL && cfg->spool_dir != NULL,
		    "a loaded config has a backend and a spool dir");
		check(strcmp(cfg->backend, "sqlite") != 0 ||
		    cfg->db_path != NULL, "sqlite has a path");
		check(strcmp(cfg->backend, "sqlite") == 0 ||
		    cfg->dbname != NULL, "a server backend has a dbname");
		check(cfg->batch_size >= 1 && cfg->retry_min_ms <=
		    cfg->retry_max_ms, "numbers within their bounds");
		for (size_t i = 0; i < cfg->ninstances; i++)
			check(cfg->instances[i].name != NULL &&
			    cfg->instances[i].protocol != NULL,
			    "instances have a name and protocol");
		config_print(cfg, devnull);
		config_free(cfg);
	}
	close(fd);
	return 0;
}
