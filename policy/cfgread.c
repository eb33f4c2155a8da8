#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfgread.h"

/* The file as it stood when it was opened, unchanged while it was read: same size and
 * times before and after, as many bytes as it claimed, and the path still naming it. */
static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Reads up to cap bytes (one more than the file claims: growth shows as got > size). */
static int read_fd(int fd, char *buf, size_t cap, size_t *got)
{
	*got = 0;
	while (*got < cap) {
		ssize_t n = read(fd, buf + *got, cap - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

static unsigned settle_ms = CFGREAD_SETTLE_MS;

void cfgread_set_settle_ms(unsigned ms)
{
	settle_ms = ms;
}

/* A writer that writes in pieces may pause between them: a file written less than
 * settle_ms ago is looked at again once that much time has passed. */
static bool settled(const char *path, const struct stat *st)
{
	struct timespec now;
	struct stat again;
	int64_t changed_ms, age_ms;

	changed_ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
	if ((int64_t)st->st_ctim.tv_sec * 1000 + st->st_ctim.tv_nsec / 1000000 > changed_ms)
		changed_ms = (int64_t)st->st_ctim.tv_sec * 1000 + st->st_ctim.tv_nsec / 1000000;
	clock_gettime(CLOCK_REALTIME, &now);
	age_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - changed_ms;
	if (age_ms >= (int64_t)settle_ms)
		return true;
	if (age_ms < 0)
		age_ms = 0;
	usleep((useconds_t)((int64_t)settle_ms - age_ms) * 1000);
	return stat(path, &again) == 0 && same_file(st, &again);
}

int cfgread_text(const char *path, char **text, size_t *len, const char **why)
{
	struct stat before, after, again;
	char *buf = NULL;
	size_t got = 0;
	int fd, ret;

	*text = NULL;
	*len = 0;
	*why = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &before) < 0) {
		ret = -errno;
		goto err_close;
	}
	if (!S_ISREG(before.st_mode)) {
		ret = -EISDIR;
		goto err_close;
	}
	if ((uint64_t)before.st_size > CFGREAD_MAX_BYTES) {
		ret = -EFBIG;
		goto err_close;
	}
	buf = malloc((size_t)before.st_size + 2);
	if (!buf) {
		ret = -ENOMEM;
		goto err_close;
	}
	ret = read_fd(fd, buf, (size_t)before.st_size + 1, &got);
	if (ret < 0)
		goto err_free;
	if (fstat(fd, &after) < 0 || stat(path, &again) < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = -ESTALE;
	if (got < (size_t)before.st_size) {
		*why = "the file is shorter than when it was opened: it is being written; save "
		       "it through a rename (write a new file, then mv it over policy.cfg)";
		goto err_free;
	}
	if (got != (size_t)before.st_size || !same_file(&before, &after) ||
	    !same_file(&before, &again)) {
		*why = "the file changed while it was read: it is being written; save it "
		       "through a rename (write a new file, then mv it over policy.cfg)";
		goto err_free;
	}
	if (!settled(path, &before)) {
		*why = "the file changed just after it was read: it is being written; save it "
		       "through a rename (write a new file, then mv it over policy.cfg)";
		goto err_free;
	}
	if (got == 0) {
		ret = -ENODATA;
		*why = "the file is empty (0 bytes)";
		goto err_free;
	}
	buf[got] = '\0';
	close(fd);
	*text = buf;
	*len = got;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return ret;
}

/* Nothing but blanks: a file cut to nothing by an editor or a full disk, not a config. */
static bool blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isspace((unsigned char)text[i]))
			return false;
	return true;
}

/* @include would pull in text the digest does not cover; find it before libconfig does. */
static unsigned include_line(const char *text)
{
	unsigned line = 1;

	for (const char *p = text; *p; p++) {
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "@include", 8) == 0)
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		line++;
	}
	return 0;
}

int cfgread_load(const char *path, config_t *cfg, uint8_t digest[CPOLICY_DIGEST_LEN],
		 struct diag *d)
{
	char *text = NULL;
	size_t len = 0;
	const char *why;
	unsigned inc;
	int ret;


	ret = cfgread_text(path, &text, &len, &why);
	if (ret < 0 && why != NULL) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, ret == -ENODATA ? "empty" : "changed",
			 "refused: %s", why);
		return ret;
	}
	if (ret < 0) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "unreadable", "cannot read: %s%s",
			 strerror(-ret),
			 ret == -EFBIG ? " (a config file may be at most 16 MiB)" : "");
		return ret;
	}
	if (blank(text, len)) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "empty",
			 "refused: the file holds only blanks (%zu bytes)", len);
		ret = -ENODATA;
		goto out;
	}
	if (!EVP_Digest(text, len, digest, NULL, EVP_sha256(), NULL)) {
		ret = -ENOMEM;
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "digest", "cannot compute SHA-256");
		goto out;
	}
	if (memchr(text, '\0', len)) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "syntax",
			 "the file contains a NUL byte; it must be UTF-8 text");
		ret = -EINVAL;
		goto out;
	}
	inc = include_line(text);
	if (inc) {
		diag_add(d, DIAG_ERROR, path, inc, NULL, 0, "syntax",
			 "@include is not supported: keep the file whole so its digest covers "
			 "everything the appliance enforces");
		ret = -EINVAL;
		goto out;
	}
	if (config_read_string(cfg, text) != CONFIG_TRUE) {
		diag_add(d, DIAG_ERROR, path, (unsigned)config_error_line(cfg), NULL, 0, "syntax",
			 "syntax error: %s", config_error_text(cfg));
		ret = -EINVAL;
		goto out;
	}
	ret = 0;
out:
	free(text);
	return ret;
}

unsigned cfgread_line(const config_setting_t *s)
{
	return s ? config_setting_source_line(s) : 0;
}

unsigned cfgread_unknown_keys(const config_setting_t *s, const char *const *allowed,
			      const char *file, const char *flow, const char *what,
			      struct diag *d)
{
	unsigned bad = 0;
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(c);
		bool known = false;

		for (const char *const *k = allowed; *k && name; k++)
			if (strcmp(*k, name) == 0)
				known = true;
		if (known || !name)
			continue;
		char list[256] = "";
		for (const char *const *k = allowed; *k; k++) {
			if (list[0])
				strncat(list, ", ", sizeof(list) - strlen(list) - 1);
			strncat(list, *k, sizeof(list) - strlen(list) - 1);
		}
		diag_add(d, DIAG_ERROR, file, cfgread_line(c), flow, 0, "unknown-key",
			 "unknown key \"%s\" in %s; the keys are: %s", name, what, list);
		bad++;
	}
	return bad;
}

const char *cfgread_string(const config_setting_t *s, const char *file, const char *flow,
			   const char *what, struct diag *d)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		diag_add(d, DIAG_ERROR, file, cfgread_line(s), flow, 0, "type",
			 "%s must be a string in double quotes", what);
		return NULL;
	}
	return config_setting_get_string(s);
}

unsigned cfgread_string_count(const config_setting_t *s, const char *file,
			      const char *flow, const char *what, struct diag *d)
{
	int type = config_setting_type(s);
	int n;

	if (type == CONFIG_TYPE_STRING)
		return 1;
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		goto bad;
	n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) !=
		    CONFIG_TYPE_STRING)
			goto bad;
	if (n == 0) {
		diag_add(d, DIAG_ERROR, file, cfgread_line(s), flow, 0, "empty",
			 "%s is empty; give at least one value", what);
		return 0;
	}
	return (unsigned)n;
bad:
	diag_add(d, DIAG_ERROR, file, cfgread_line(s), flow, 0, "type",
		 "%s must be a string or a list of strings, e.g. [\"a\", \"b\"]", what);
	return 0;
}

const char *cfgread_string_at(const config_setting_t *s, unsigned i)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return config_setting_get_string(s);
	return config_setting_get_string_elem(s, (int)i);
}
