#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "flowrec.h"
#include "polaudit.h"

static bool rule_eq(const struct cp_rule *a, const struct cp_rule *b)
{
	return a->from_zone == b->from_zone && a->to_zone == b->to_zone &&
	       a->proto == b->proto && a->src == b->src && a->src_len == b->src_len &&
	       a->dst == b->dst && a->dst_len == b->dst_len && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi && a->has_mac == b->has_mac &&
	       (!a->has_mac || memcmp(a->src_mac, b->src_mac, 6) == 0);
}

static bool flow_eq(const struct cpolicy *pa, const struct cp_flow *a,
		    const struct cpolicy *pb, const struct cp_flow *b)
{
	const struct cp_rule *ra, *rb;

	cpolicy_rules(pa, &ra);
	cpolicy_rules(pb, &rb);
	if (a->n_rules != b->n_rules || a->kind != b->kind || a->log != b->log ||
	    a->valid_from != b->valid_from || a->valid_until != b->valid_until)
		return false;
	for (uint32_t i = 0; i < a->n_rules; i++) {
		if (!rule_eq(&ra[a->first_rule + i], &rb[b->first_rule + i]))
			return false;
	}
	return true;
}

int polaudit_diff(const struct cpolicy *old, const struct cpolicy *new,
		  struct polaudit_diff *out)
{
	const struct cp_flow *fo = NULL, *fn;
	size_t no = old != NULL ? cpolicy_flows(old, &fo) : 0;
	size_t nn = cpolicy_flows(new, &fn);

	memset(out, 0, sizeof(*out));
	out->added = calloc(nn + 1, sizeof(*out->added));
	out->changed = calloc(nn + 1, sizeof(*out->changed));
	out->removed = calloc(no + 1, sizeof(*out->removed));
	if (out->added == NULL || out->changed == NULL || out->removed == NULL) {
		polaudit_diff_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nn; i++) {
		long j = old != NULL ? cpolicy_flow_find(old, fn[i].id) : -1;

		if (j < 0)
			memcpy(out->added[out->n_added++], fn[i].id, CP_FLOW_ID_MAX);
		else if (!flow_eq(old, &fo[j], new, &fn[i]))
			memcpy(out->changed[out->n_changed++], fn[i].id, CP_FLOW_ID_MAX);
	}
	for (size_t i = 0; i < no; i++) {
		if (cpolicy_flow_find(new, fo[i].id) < 0)
			memcpy(out->removed[out->n_removed++], fo[i].id, CP_FLOW_ID_MAX);
	}
	return 0;
}

void polaudit_diff_free(struct polaudit_diff *d)
{
	free(d->added);
	free(d->removed);
	free(d->changed);
	memset(d, 0, sizeof(*d));
}

static void list(FILE *out, const char *what, char (*ids)[CP_FLOW_ID_MAX], unsigned n)
{
	fprintf(out, "%s: ", what);
	if (n == 0)
		fputs("none", out);
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "", ids[i]);
}

void polaudit_describe(const struct polaudit_diff *d, FILE *out)
{
	list(out, "added", d->added, d->n_added);
	fputs("; ", out);
	list(out, "removed", d->removed, d->n_removed);
	fputs("; ", out);
	list(out, "changed", d->changed, d->n_changed);
}

static json_t *ids_json(char (*ids)[CP_FLOW_ID_MAX], unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	return a;
}

/* The fields every line has: when, who, what started it, and the two digests. */
static json_t *line_head(int64_t now_ms, long uid, const char *trigger, const char *result,
			 const struct cpolicy *old, const struct cpolicy *new)
{
	char when[32], hex_old[2 * CPOLICY_DIGEST_LEN + 1], hex_new[2 * CPOLICY_DIGEST_LEN + 1];
	struct passwd *pw = uid >= 0 ? getpwuid((uid_t)uid) : NULL;

	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:s}",
			 "time", flowrec_format_time(now_ms, when),
			 "trigger", trigger,
			 "operator_uid", uid >= 0 ? json_integer(uid) : json_null(),
			 "operator", pw != NULL ? json_string(pw->pw_name) : json_null(),
			 "result", result,
			 "old_digest", old != NULL ?
				json_string(cpolicy_digest_hex(old, hex_old)) : json_null(),
			 "new_digest", cpolicy_digest_hex(new, hex_new));
}

/* Appends j (taken) as one fsynced line. 0 or -errno. */
static int append_line(const char *path, json_t *j)
{
	char *line;
	size_t len;
	int fd, ret = 0;

	if (j == NULL)
		return -ENOMEM;
	line = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (line == NULL)
		return -ENOMEM;
	len = strlen(line);
	line[len++] = '\n'; /* json_dumps leaves room: its NUL becomes the newline */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	if (write(fd, line, len) != (ssize_t)len || fsync(fd) != 0)
		ret = errno ? -errno : -EIO;
	close(fd);
out:
	free(line);
	return ret;
}

int polaudit_append(const char *path, int64_t now_ms, long uid, const char *trigger,
		    const struct cpolicy *old, const struct cpolicy *new,
		    const struct polaudit_diff *d)
{
	json_t *j = line_head(now_ms, uid, trigger, "applied", old, new);

	if (j != NULL && (json_object_set_new(j, "added", ids_json(d->added, d->n_added)) ||
			  json_object_set_new(j, "removed", ids_json(d->removed, d->n_removed)) ||
			  json_object_set_new(j, "changed", ids_json(d->changed, d->n_changed)))) {
		json_decref(j);
		return -ENOMEM;
	}
	return append_line(path, j);
}

int polaudit_append_not_applied(const char *path, int64_t now_ms, long uid,
				const char *trigger, const struct cpolicy *running,
				const struct cpolicy *refused, const struct polaudit_diff *d,
				const char *reason)
{
	json_t *j = line_head(now_ms, uid, trigger, "not applied", running, refused);

	if (j != NULL && (json_object_set_new(j, "reason", json_string(reason)) ||
			  json_object_set_new(j, "would_add", ids_json(d->added, d->n_added)) ||
			  json_object_set_new(j, "would_remove",
					      ids_json(d->removed, d->n_removed)) ||
			  json_object_set_new(j, "would_change",
					      ids_json(d->changed, d->n_changed)))) {
		json_decref(j);
		return -ENOMEM;
	}
	return append_line(path, j);
}
