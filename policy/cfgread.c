#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgread.h"

static int read_all(const char *path, char **text, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto err_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EISDIR;
		goto err_close;
	}
	if ((uint64_t)st.st_size > CFGREAD_MAX_BYTES) {
		ret = -EFBIG;
		goto err_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto err_close;
	}
	/* Read until EOF rather than trusting st_size: the file may change under us. */
	for (;;) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto err_free;
		}
		if (n == 0 || got + (size_t)n == (size_t)st.st_size) {
			got += (size_t)n;
			break;
		}
		got += (size_t)n;
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
	unsigned inc;
	int ret;

	ret = read_all(path, &text, &len);
	if (ret < 0) {
		diag_add(d, DIAG_ERROR, path, 0, NULL, 0, "unreadable", "cannot read: %s%s",
			 strerror(-ret),
			 ret == -EFBIG ? " (a config file may be at most 16 MiB)" : "");
		return ret;
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
