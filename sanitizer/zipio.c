#include "zipio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "slog.h"

#define LOG(...) slog_write("zipio", __VA_ARGS__)

/* Small inputs may expand past the ratio (a 2 KB docx of XML easily does) up to this. */
#define RATIO_FLOOR (8LL << 20)

struct zipin {
	zip_t *za;
	long n;
	size_t len;
};

struct zipout {
	zip_source_t *src;
	zip_t *za;
};

int zipio_account(struct san_ctx *ctx, size_t n, size_t compressed_len)
{
	const struct san_config *c = ctx->cfg;

	ctx->expanded += (long long)n;
	if (ctx->expanded > c->archive_max_total || (ctx->expanded > RATIO_FLOOR &&
	    ctx->expanded / (long long)(compressed_len ? compressed_len : 1) >= c->archive_max_ratio))
		ctx->limit_hit = 1;
	if (ctx->expanded > c->archive_max_total)
		return san_block(ctx, "archive: expands beyond %lld bytes", c->archive_max_total);
	if (ctx->expanded > RATIO_FLOOR &&
	    ctx->expanded / (long long)(compressed_len ? compressed_len : 1) >= c->archive_max_ratio)
		return san_block(ctx, "archive: expands more than %ld:1", c->archive_max_ratio);
	return SAN_OK;
}

struct zipin *zipin_open(struct san_ctx *ctx, const unsigned char *in, size_t len, int *err)
{
	const struct san_config *c = ctx->cfg;
	long long declared = 0;
	zip_error_t ze;
	zip_source_t *src;
	struct zipin *z;
	long i;

	*err = SAN_BLOCKED;
	z = calloc(1, sizeof(*z));
	if (!z) {
		*err = -ENOMEM;
		return NULL;
	}
	zip_error_init(&ze);
	src = zip_source_buffer_create(in, len, 0, &ze);
	if (!src) {
		*err = -ENOMEM;
		goto err_z;
	}
	/* No ZIP_CHECKCONS: it refuses what unzip, Office and LibreOffice read (a local
	 * header whose time or version differs from the central one, bytes after the end
	 * record). The output is always rebuilt from what is read here, so no reader can
	 * see other members in it; bombs are still counted as they inflate. */
	z->za = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!z->za) {
		zip_source_free(src);
		san_block(ctx, "zip: cannot be read: %s", zip_error_strerror(&ze));
		goto err_z;
	}
	z->len = len;
	z->n = (long)zip_get_num_entries(z->za, 0);
	ctx->members += z->n;
	if (ctx->members > c->archive_max_members) {
		ctx->limit_hit = 1;
		san_block(ctx, "archive: more than %ld members", c->archive_max_members);
		goto err_za;
	}
	for (i = 0; i < z->n; i++) {
		zip_stat_t st;

		if (zip_stat_index(z->za, (zip_uint64_t)i, 0, &st) != 0) {
			san_block(ctx, "zip: member %ld cannot be read", i);
			goto err_za;
		}
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
			ctx->limit_hit = 1; /* an encrypted member blocks the whole archive */
			san_block(ctx, "zip: member %s is encrypted", st.name ? st.name : "?");
			goto err_za;
		}
		if (st.valid & ZIP_STAT_SIZE)
			declared += (long long)st.size;
		/* declared sizes can only block: a bomb that announces itself is refused
		 * before anything is inflated */
		if (declared > c->archive_max_total ||
		    (declared > RATIO_FLOOR && declared / (long long)(len ? len : 1) >= c->archive_max_ratio)) {
			ctx->limit_hit = 1;
			san_block(ctx, "archive: declares %lld bytes from %zu (limits %lld bytes, %ld:1)",
				  declared, len, c->archive_max_total, c->archive_max_ratio);
			goto err_za;
		}
	}
	zip_error_fini(&ze);
	return z;
err_za:
	zip_discard(z->za);
err_z:
	zip_error_fini(&ze);
	free(z);
	return NULL;
}

long zipin_count(const struct zipin *z)
{
	return z->n;
}

const char *zipin_name(struct zipin *z, long i)
{
	const char *n = zip_get_name(z->za, (zip_uint64_t)i, 0);

	if (!n || !n[0] || n[strlen(n) - 1] == '/')
		return NULL;
	return n;
}

int zipin_read(struct san_ctx *ctx, struct zipin *z, long i, struct buf *out)
{
	unsigned char chunk[65536];
	zip_file_t *f;
	int rc = SAN_OK;

	f = zip_fopen_index(z->za, (zip_uint64_t)i, 0);
	if (!f)
		return san_block(ctx, "zip: member %ld cannot be opened: %s", i,
				 zip_strerror(z->za));
	for (;;) {
		zip_int64_t n = zip_fread(f, chunk, sizeof(chunk));

		if (n < 0) {
			rc = san_block(ctx, "zip: member %ld is corrupt: %s", i, zip_file_strerror(f));
			break;
		}
		if (n == 0)
			break;
		rc = zipio_account(ctx, (size_t)n, z->len);
		if (rc != SAN_OK)
			break;
		if (buf_append(out, chunk, (size_t)n) < 0) {
			rc = -ENOMEM;
			break;
		}
	}
	zip_fclose(f);
	return rc;
}

void zipin_close(struct zipin *z)
{
	if (!z)
		return;
	zip_discard(z->za);
	free(z);
}

struct zipout *zipout_new(void)
{
	struct zipout *z = calloc(1, sizeof(*z));
	zip_error_t ze;

	if (!z)
		return NULL;
	zip_error_init(&ze);
	z->src = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (!z->src)
		goto err_z;
	zip_source_keep(z->src);
	z->za = zip_open_from_source(z->src, ZIP_TRUNCATE, &ze);
	if (!z->za)
		goto err_src;
	zip_error_fini(&ze);
	return z;
err_src:
	zip_source_free(z->src);
	zip_source_free(z->src);
err_z:
	zip_error_fini(&ze);
	free(z);
	return NULL;
}

int zipout_add(struct zipout *z, const char *name, const void *data, size_t len)
{
	void *copy = malloc(len ? len : 1);
	zip_source_t *s;
	zip_int64_t idx;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	s = zip_source_buffer(z->za, copy, len, 1);
	if (!s) {
		free(copy);
		return -ENOMEM;
	}
	idx = zip_file_add(z->za, name, s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
	if (idx < 0) {
		LOG("zip_file_add %s: %s", name, zip_strerror(z->za));
		zip_source_free(s);
		return -EINVAL;
	}
	/* deflate's fast level: the default spends most of a rebuild's time in long
	 * match searches on repetitive XML for a few percent of size */
	if (zip_set_file_compression(z->za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 1) != 0)
		return -EINVAL;
	return 0;
}

long zipout_count(struct zipout *z)
{
	return (long)zip_get_num_entries(z->za, 0);
}

int zipout_finish(struct zipout *z, struct buf *out)
{
	unsigned char chunk[65536];
	int rc = 0;

	if (zip_close(z->za) != 0) {
		LOG("zip_close: %s", zip_strerror(z->za));
		zip_discard(z->za);
		rc = -EIO;
		goto out;
	}
	if (zip_source_open(z->src) != 0) {
		rc = -EIO;
		goto out;
	}
	for (;;) {
		zip_int64_t n = zip_source_read(z->src, chunk, sizeof(chunk));

		if (n < 0) {
			rc = -EIO;
			break;
		}
		if (n == 0)
			break;
		rc = buf_append(out, chunk, (size_t)n);
		if (rc < 0)
			break;
	}
	zip_source_close(z->src);
out:
	zip_source_free(z->src);
	free(z);
	return rc;
}

void zipout_free(struct zipout *z)
{
	if (!z)
		return;
	zip_discard(z->za);
	zip_source_free(z->src);
	free(z);
}
