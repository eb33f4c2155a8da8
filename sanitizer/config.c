#include "config.h"

#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

void config_defaults(struct san_config *c)
{
	memset(c, 0, sizeof(*c));
	c->pdf_keep_uri = 1;
	c->mail_remove_attachments = 0;
	c->max_input_bytes = 256LL << 20;
	c->archive_max_depth = 5;
	c->archive_max_members = 10000;
	c->archive_max_total = 1LL << 30;
	c->archive_max_ratio = 100;
	c->sandbox_cpu_seconds = 60;
	c->sandbox_timeout_seconds = 120;
	c->sandbox_memory = 2048LL << 20;
	c->sandbox_file_size = 1LL << 30;
	c->sandbox_open_files = 64;
	snprintf(c->inbox, sizeof(c->inbox), "/var/lib/bunri/sanitizer/inbox");
	snprintf(c->outbox, sizeof(c->outbox), "/var/lib/bunri/sanitizer/outbox");
	snprintf(c->work, sizeof(c->work), "/var/lib/bunri/sanitizer/work");
	snprintf(c->processed, sizeof(c->processed), "/var/lib/bunri/sanitizer/processed");
	snprintf(c->quarantine, sizeof(c->quarantine), "/var/lib/bunri/sanitizer/quarantine");
	snprintf(c->audit_log, sizeof(c->audit_log), "/var/log/bunri/sanitizer-audit.jsonl");
	c->workers = 2;
	c->settle_ms = 1000;
}

struct loader {
	const char *file;
	FILE *err;
	int problems;
};

static void problem(struct loader *l, const config_setting_t *s, const char *fmt, const char *a,
		    const char *b)
{
	fprintf(l->err, "%s:%d: ", l->file, s ? config_setting_source_line(s) : 0);
	fprintf(l->err, fmt, a, b);
	fputc('\n', l->err);
	l->problems++;
}

static void get_int(struct loader *l, config_setting_t *g, const char *key, long long min,
		    long long max, long long scale, long long *out)
{
	config_setting_t *s = config_setting_get_member(g, key);
	long long v;
	char range[96];

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		problem(l, s, "%s must be an integer, e.g. %s = 10;", key, key);
		return;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		snprintf(range, sizeof(range), "%lld..%lld", min, max);
		problem(l, s, "%s is out of range; write a value in %s", key, range);
		return;
	}
	*out = v * scale;
}

static void get_choice(struct loader *l, config_setting_t *g, const char *key, const char *yes,
		       const char *no, int *out)
{
	config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (!s)
		return;
	v = config_setting_get_string(s);
	if (v && strcmp(v, yes) == 0)
		*out = 1;
	else if (v && strcmp(v, no) == 0)
		*out = 0;
	else {
		char choices[64];

		snprintf(choices, sizeof(choices), "\"%s\" or \"%s\"", yes, no);
		problem(l, s, "%s must be %s", key, choices);
	}
}

static void get_path(struct loader *l, config_setting_t *g, const char *key, char *out)
{
	config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (!s)
		return;
	v = config_setting_get_string(s);
	if (!v || v[0] != '/' || strlen(v) >= SAN_PATH_MAX) {
		problem(l, s, "%s must be an absolute path in quotes, e.g. %s = \"/var/lib/bunri/x\";", key, key);
		return;
	}
	memcpy(out, v, strlen(v) + 1);
}

/* Every member of g must be one of the allowed names. */
static void check_keys(struct loader *l, config_setting_t *g, const char *const *allowed)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		const char *const *a;
		int ok = 0;

		for (a = allowed; *a; a++)
			if (name && strcmp(name, *a) == 0)
				ok = 1;
		if (!ok)
			problem(l, m, "unknown setting \"%s\"%s", name ? name : "?",
				" (see sanitizer.cfg.example for the settings there are)");
	}
}

static config_setting_t *group(struct loader *l, config_t *cfg, const char *name)
{
	config_setting_t *g = config_lookup(cfg, name);

	if (g && !config_setting_is_group(g)) {
		problem(l, g, "%s must be a group: %s = { ... };", name, name);
		return NULL;
	}
	return g;
}

int config_load(struct san_config *c, const char *file, FILE *err)
{
	static const char *const top[] = { "max_input_mb", "pdf", "mail", "archive", "sandbox",
					   "daemon", NULL };
	static const char *const pdf_k[] = { "uri", NULL };
	static const char *const mail_k[] = { "attachments", NULL };
	static const char *const arc_k[] = { "max_depth", "max_members", "max_total_mb", "max_ratio",
					     NULL };
	static const char *const sb_k[] = { "cpu_seconds", "timeout_seconds", "memory_mb",
					    "file_size_mb", "open_files", NULL };
	static const char *const d_k[] = { "inbox", "outbox", "work", "processed", "quarantine",
					   "audit_log", "workers", "settle_ms", NULL };
	struct loader l = { file, err, 0 };
	config_t cfg;
	config_setting_t *g;
	long long v;
	FILE *f;

	f = fopen(file, "r");
	if (!f) {
		int e = errno;

		fprintf(err, "%s:0: cannot open: %s\n", file, strerror(e));
		return -e;
	}
	config_init(&cfg);
	if (!config_read(&cfg, f)) {
		fprintf(err, "%s:%d: %s\n", file, config_error_line(&cfg), config_error_text(&cfg));
		l.problems++;
		goto out;
	}
	check_keys(&l, config_root_setting(&cfg), top);
	g = config_root_setting(&cfg);
	v = c->max_input_bytes >> 20;
	get_int(&l, g, "max_input_mb", 1, 1 << 20, 1, &v);
	c->max_input_bytes = v << 20;
	if ((g = group(&l, &cfg, "pdf"))) {
		check_keys(&l, g, pdf_k);
		get_choice(&l, g, "uri", "keep", "remove", &c->pdf_keep_uri);
	}
	if ((g = group(&l, &cfg, "mail"))) {
		check_keys(&l, g, mail_k);
		get_choice(&l, g, "attachments", "remove", "sanitize", &c->mail_remove_attachments);
	}
	if ((g = group(&l, &cfg, "archive"))) {
		check_keys(&l, g, arc_k);
		v = c->archive_max_depth;
		get_int(&l, g, "max_depth", 1, 32, 1, &v);
		c->archive_max_depth = (int)v;
		v = c->archive_max_members;
		get_int(&l, g, "max_members", 1, 1000000, 1, &v);
		c->archive_max_members = (long)v;
		get_int(&l, g, "max_total_mb", 1, 1 << 20, 1 << 20, &c->archive_max_total);
		v = c->archive_max_ratio;
		get_int(&l, g, "max_ratio", 1, 100000, 1, &v);
		c->archive_max_ratio = (long)v;
	}
	if ((g = group(&l, &cfg, "sandbox"))) {
		check_keys(&l, g, sb_k);
		v = c->sandbox_cpu_seconds;
		get_int(&l, g, "cpu_seconds", 1, 3600, 1, &v);
		c->sandbox_cpu_seconds = (int)v;
		v = c->sandbox_timeout_seconds;
		get_int(&l, g, "timeout_seconds", 1, 7200, 1, &v);
		c->sandbox_timeout_seconds = (int)v;
		get_int(&l, g, "memory_mb", 64, 1 << 20, 1 << 20, &c->sandbox_memory);
		get_int(&l, g, "file_size_mb", 1, 1 << 20, 1 << 20, &c->sandbox_file_size);
		v = c->sandbox_open_files;
		get_int(&l, g, "open_files", 16, 65536, 1, &v);
		c->sandbox_open_files = (int)v;
	}
	if ((g = group(&l, &cfg, "daemon"))) {
		check_keys(&l, g, d_k);
		get_path(&l, g, "inbox", c->inbox);
		get_path(&l, g, "outbox", c->outbox);
		get_path(&l, g, "work", c->work);
		get_path(&l, g, "processed", c->processed);
		get_path(&l, g, "quarantine", c->quarantine);
		get_path(&l, g, "audit_log", c->audit_log);
		v = c->workers;
		get_int(&l, g, "workers", 1, 64, 1, &v);
		c->workers = (int)v;
		v = c->settle_ms;
		get_int(&l, g, "settle_ms", 0, 600000, 1, &v);
		c->settle_ms = (int)v;
	}
out:
	config_destroy(&cfg);
	fclose(f);
	return l.problems;
}
