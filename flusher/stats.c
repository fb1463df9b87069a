#include "stats.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numparse.h"
#include "spoolname.h"

#define STATS_MAGIC	"ovpnlog-stats 1"
#define STATS_MAXSIZE	4096

int
stats_path(const struct config *cfg, char *buf, size_t len, char *err,
    size_t errlen)
{
	int n;

	if (cfg->stats_file != NULL && cfg->stats_file[0] != '\0')
		n = snprintf(buf, len, "%s", cfg->stats_file);
	else
		n = snprintf(buf, len, "%s/%s", cfg->spool_dir,
		    STATS_DEFAULT_NAME);
	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "stats file path too long");
		return -1;
	}
	return 0;
}

int
stats_state_read(const char *path, struct stats_state *st, char *err,
    size_t errlen)
{
	char buf[STATS_MAXSIZE + 1], *line, *next;
	ssize_t n;
	size_t len = 0;
	int fd;

	memset(st, 0, sizeof(*st));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "open %s: %s", path, strerror(errno));
		return -1;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "read %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > STATS_MAXSIZE) {
		snprintf(err, errlen, "%s: larger than %d bytes", path,
		    STATS_MAXSIZE);
		return -1;
	}
	buf[len] = '\0';
	if (strncmp(buf, STATS_MAGIC "\n", sizeof(STATS_MAGIC)) != 0) {
		snprintf(err, errlen, "%s: not an ovpnlog stats file", path);
		return -1;
	}
	for (line = buf + sizeof(STATS_MAGIC); *line != '\0'; line = next) {
		char *nl = strchr(line, '\n');
		char perr[128];
		int64_t v;

		if (nl == NULL) {
			snprintf(err, errlen, "%s: truncated last line", path);
			return -1;
		}
		*nl = '\0';
		next = nl + 1;
		if (strncmp(line, "last_flush=", 11) != 0)
			continue;
		if (parse_i64z(line + 11, 0, INT64_MAX, &v, perr,
		    sizeof(perr)) == -1) {
			snprintf(err, errlen, "%s: last_flush: %s", path, perr);
			return -1;
		}
		st->last_flush = v;
	}
	return 0;
}

int
stats_write_atomic(const char *path, const char *text, size_t len,
    unsigned mode, char *err, size_t errlen)
{
	char tmp[4096];
	size_t off = 0;
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		snprintf(err, errlen, "path too long: %s", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			snprintf(err, errlen, "write %s: %s", tmp,
			    strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	/* mkstemp makes 0600 whatever the umask; readers (node_exporter)
	 * need the mode asked for. */
	if (fchmod(fd, mode) == -1) {
		snprintf(err, errlen, "chmod %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "rename %s to %s: %s", tmp, path,
		    strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	return -1;
}

int
stats_state_write(const char *path, const struct stats_state *st,
    char *err, size_t errlen)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "%s\nlast_flush=%lld\n", STATS_MAGIC,
	    (long long)st->last_flush);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		snprintf(err, errlen, "stats state too long");
		return -1;
	}
	return stats_write_atomic(path, buf, (size_t)n, 0640, err, errlen);
}

int
stats_record_flush(const struct config *cfg, int64_t when, char *err,
    size_t errlen)
{
	struct stats_state st = { .last_flush = when };
	char path[4096];

	if (stats_path(cfg, path, sizeof(path), err, errlen) == -1)
		return -1;
	return stats_state_write(path, &st, err, errlen);
}

static int
open_subdir(const char *spooldir, const char *sub, DIR **out, char *err,
    size_t errlen)
{
	char path[4096];
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", spooldir, sub);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "spool path too long: %s", spooldir);
		return -1;
	}
	*out = opendir(path);
	if (*out == NULL) {
		snprintf(err, errlen, "open directory %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

int
stats_scan_spool(const char *spooldir, struct spool_stats *out, char *err,
    size_t errlen)
{
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	if (open_subdir(spooldir, "new", &d, err, errlen) == -1)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct spoolname sn;
		char perr[128];

		if (de->d_name[0] == '.')
			continue;
		out->pending++;
		if (spoolname_parse(de->d_name, &sn, perr, sizeof(perr)) == -1) {
			out->unnamed++;
			continue;
		}
		if (out->oldest == 0 || sn.sec < out->oldest)
			out->oldest = sn.sec;
	}
	if (errno != 0) {
		snprintf(err, errlen, "read directory %s/new: %s", spooldir,
		    strerror(errno));
		closedir(d);
		return -1;
	}
	closedir(d);

	if (open_subdir(spooldir, "failed", &d, out->failed_err,
	    sizeof(out->failed_err)) == -1)
		return 0;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || ends_with(de->d_name, ".reason"))
			continue;
		out->quarantined++;
	}
	if (errno != 0) {
		snprintf(out->failed_err, sizeof(out->failed_err),
		    "read directory %s/failed: %s", spooldir, strerror(errno));
		closedir(d);
		return 0;
	}
	closedir(d);
	out->failed_readable = 1;
	return 0;
}
