#include "container.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "slog.h"
#include "zipio.h"

#define LOG(...) slog_write("container", __VA_ARGS__)

/* A member name made safe for the new zip: no leading '/', no '..' components. */
static void clean_name(const char *in, char *out, size_t outlen, const char *new_ext)
{
	size_t o = 0;
	const char *p = in;

	while (*p && o + 1 < outlen) {
		while (*p == '/')
			p++;
		if (strncmp(p, "../", 3) == 0 || strcmp(p, "..") == 0) {
			p += p[2] ? 3 : 2;
			continue;
		}
		while (*p && *p != '/' && o + 1 < outlen)
			out[o++] = *p++;
		if (*p == '/' && o + 1 < outlen)
			out[o++] = *p++;
	}
	out[o] = '\0';
	if (new_ext && new_ext[0]) {
		char *dot = strrchr(out, '.');
		char *slash = strrchr(out, '/');

		if (dot && (!slash || dot > slash))
			*dot = '\0';
		o = strlen(out);
		snprintf(out + o, outlen - o, "%s", new_ext);
	}
	if (!out[0])
		snprintf(out, outlen, "unnamed");
}

/* Sanitizes one member and adds the result to zo. A member that is blocked for its own
 * content is left out and reported; a limit reached anywhere blocks the archive. */
static int member(struct san_ctx *ctx, const char *name, const struct buf *data, struct zipout *zo)
{
	char saved[sizeof(ctx->where)], outname[1024];
	const char *saved_name = ctx->name;
	struct san_result res;
	struct buf out = { 0 };
	int rc;

	memcpy(saved, ctx->where, sizeof(saved));
	if (snprintf(ctx->where, sizeof(ctx->where), "%.256s%.200s: ", saved, name) < 0)
		ctx->where[0] = '\0';
	ctx->depth++;
	rc = sanitize_buffer(ctx, name, data->data, data->len, &out, &res);
	ctx->depth--;
	memcpy(ctx->where, saved, sizeof(saved));
	ctx->name = saved_name;
	if (rc == SAN_OK) {
		clean_name(name, outname, sizeof(outname), res.out_ext);
		rc = zipout_add(zo, outname, out.data, out.len);
	} else if (!ctx->limit_hit && rc == SAN_BLOCKED) {
		san_removed(ctx, "archive.member_blocked", "%s (%s)", name, ctx->reason);
		ctx->reason[0] = '\0';
		rc = SAN_OK;
	}
	buf_free(&out);
	return rc;
}

static int from_zip(struct san_ctx *ctx, const unsigned char *in, size_t len, struct zipout *zo)
{
	struct zipin *z;
	long i;
	int rc;

	z = zipin_open(ctx, in, len, &rc);
	if (!z)
		return rc;
	for (i = 0, rc = SAN_OK; i < zipin_count(z) && rc == SAN_OK; i++) {
		const char *name = zipin_name(z, i);
		struct buf data = { 0 };

		if (!name)
			continue;
		rc = zipin_read(ctx, z, i, &data);
		if (rc == SAN_OK)
			rc = member(ctx, name, &data, zo);
		buf_free(&data);
	}
	zipin_close(z);
	return rc;
}

static int read_entry(struct san_ctx *ctx, struct archive *a, size_t len, struct buf *data)
{
	unsigned char chunk[65536];

	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));

		if (n < 0)
			return san_block(ctx, "archive: member is corrupt: %s", archive_error_string(a));
		if (n == 0)
			return SAN_OK;
		if (zipio_account(ctx, (size_t)n, len) != SAN_OK)
			return SAN_BLOCKED;
		if (buf_append(data, chunk, (size_t)n) < 0)
			return -ENOMEM;
	}
}

static int from_libarchive(struct san_ctx *ctx, const unsigned char *in, size_t len,
			   struct zipout *zo)
{
	struct archive_entry *e;
	struct archive *a;
	int rc = SAN_OK, r;

	a = archive_read_new();
	if (!a)
		return -ENOMEM;
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_7zip(a) != ARCHIVE_OK ||
	    archive_read_open_memory(a, in, len) != ARCHIVE_OK) {
		rc = san_block(ctx, "archive: cannot be read: %s", archive_error_string(a));
		goto out;
	}
	while (rc == SAN_OK && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		struct buf data = { 0 };

		if (++ctx->members > ctx->cfg->archive_max_members) {
			ctx->limit_hit = 1;
			rc = san_block(ctx, "archive: more than %ld members", ctx->cfg->archive_max_members);
			break;
		}
		if (archive_entry_is_encrypted(e)) {
			ctx->limit_hit = 1;
			rc = san_block(ctx, "archive: member %s is encrypted", name ? name : "?");
			break;
		}
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG) {
			san_removed(ctx, "archive.special_member", "%s", name ? name : "?");
			continue;
		}
		if (archive_entry_size_is_set(e) && archive_entry_size(e) > ctx->cfg->archive_max_total) {
			ctx->limit_hit = 1;
			rc = san_block(ctx, "archive: member %s declares %lld bytes", name ? name : "?",
				       (long long)archive_entry_size(e));
			break;
		}
		rc = read_entry(ctx, a, len, &data);
		if (rc == SAN_OK)
			rc = member(ctx, name ? name : "unnamed", &data, zo);
		buf_free(&data);
	}
	if (rc == SAN_OK && r != ARCHIVE_EOF)
		rc = san_block(ctx, "archive: cannot be read: %s", archive_error_string(a));
out:
	archive_read_free(a);
	return rc;
}

/* An archive whose every member was removed is still delivered, carrying a notice of
 * what was removed, so the reader learns what the sender meant to send. */
static int empty_notice(struct san_ctx *ctx, size_t first_removal, struct zipout *zo)
{
	struct buf notice = { 0 };
	int rc;

	rc = san_notice(ctx, first_removal, &notice);
	if (rc == 0)
		rc = zipout_add(zo, BUNRI_NOTICE_NAME, notice.data, notice.len);
	buf_free(&notice);
	return rc;
}

int container_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	size_t first_removal = json_array_size(ctx->removed);
	struct zipout *zo;
	int rc;

	if (ctx->depth >= ctx->cfg->archive_max_depth) {
		ctx->limit_hit = 1;
		return san_block(ctx, "archive: nested deeper than %d", ctx->cfg->archive_max_depth);
	}
	zo = zipout_new();
	if (!zo)
		return -ENOMEM;
	if (len >= 4 && memcmp(in, "PK\3\4", 4) == 0)
		rc = from_zip(ctx, in, len, zo);
	else
		rc = from_libarchive(ctx, in, len, zo);
	if (rc == SAN_OK && zipout_count(zo) == 0)
		rc = empty_notice(ctx, first_removal, zo);
	if (rc != SAN_OK) {
		zipout_free(zo);
		return rc;
	}
	rc = zipout_finish(zo, out);
	return rc < 0 ? rc : SAN_OK;
}
