#include "mail.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>

#include "detect.h"
#include "html.h"
#include "slog.h"

#define LOG(...) slog_write("mail", __VA_ARGS__)

struct counts {
	int html, text, sanitized, removed;
};

int mail_prepare(void)
{
	static int done;

	if (!done)
		g_mime_init();
	done = 1;
	return 0;
}

static void bytes_of(GMimePart *part, GByteArray **out, GMimeStream **ms)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);

	*ms = g_mime_stream_mem_new();
	*out = NULL;
	if (!*ms)
		return;
	if (w && g_mime_data_wrapper_write_to_stream(w, *ms) >= 0)
		*out = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(*ms));
}

/* A text body: HTML becomes plain text, every body ends up UTF-8. */
static int text_body(struct san_ctx *ctx, GMimeTextPart *tp, const char *path, int html,
		     struct counts *c)
{
	char *text = g_mime_text_part_get_text(tp);
	struct buf plain = { 0 };
	int rc = 0;

	if (!text)
		return san_block(ctx, "mail: part %s cannot be decoded", path);
	if (html) {
		GMimeContentType *ct;

		rc = html_to_text((const unsigned char *)text, strlen(text), &plain);
		if (rc == 0)
			rc = buf_append(&plain, "", 1);
		if (rc < 0) {
			rc = rc == -ENOMEM ? rc : san_block(ctx, "mail: HTML part %s cannot be parsed", path);
			goto out;
		}
		ct = g_mime_content_type_new("text", "plain");
		g_mime_object_set_content_type(GMIME_OBJECT(tp), ct);
		g_object_unref(ct);
		g_mime_text_part_set_text(tp, (const char *)plain.data);
		san_removed(ctx, "mail.html_to_text", "part %s", path);
		c->html++;
	} else {
		g_mime_text_part_set_text(tp, text);
		c->text++;
	}
out:
	buf_free(&plain);
	g_free(text);
	return rc;
}

/* An attachment or other non-text part: sanitized like a file of its own, or removed. */
static int attachment(struct san_ctx *ctx, GMimePart *part, const char *path, int *remove,
		      struct counts *c)
{
	const char *fname = g_mime_part_get_filename(part);
	char name[512], saved[sizeof(ctx->where)];
	const char *saved_name = ctx->name;
	struct buf out = { 0 };
	struct san_result res;
	GMimeStream *ms = NULL, *ns;
	GMimeDataWrapper *nw;
	GByteArray *ba;
	int rc;

	snprintf(name, sizeof(name), "%s", fname ? fname : "attachment");
	if (ctx->cfg->mail_remove_attachments) {
		san_removed(ctx, "mail.attachment_removed", "part %s (%s)", path, name);
		*remove = 1;
		c->removed++;
		return SAN_OK;
	}
	bytes_of(part, &ba, &ms);
	if (!ba) {
		if (ms)
			g_object_unref(ms);
		return san_block(ctx, "mail: part %s cannot be decoded", path);
	}
	memcpy(saved, ctx->where, sizeof(saved));
	if (snprintf(ctx->where, sizeof(ctx->where), "%.256s%.200s: ", saved, name) < 0)
		ctx->where[0] = '\0';
	ctx->depth++;
	rc = sanitize_buffer(ctx, name, ba->data, ba->len, &out, &res);
	ctx->depth--;
	memcpy(ctx->where, saved, sizeof(saved));
	ctx->name = saved_name;
	g_object_unref(ms);
	if (rc == SAN_BLOCKED && !ctx->limit_hit) {
		san_removed(ctx, "mail.attachment_blocked", "part %s %s (%s)", path, name, ctx->reason);
		ctx->reason[0] = '\0';
		*remove = 1;
		c->removed++;
		rc = SAN_OK;
		goto out;
	}
	if (rc != SAN_OK)
		goto out;
	ns = g_mime_stream_mem_new_with_buffer((const char *)out.data, out.len);
	nw = g_mime_data_wrapper_new_with_stream(ns, GMIME_CONTENT_ENCODING_DEFAULT);
	g_mime_part_set_content(part, nw);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_object_unref(nw);
	g_object_unref(ns);
	if (res.out_ext[0] && fname) {
		char renamed[600];
		char *dot;

		snprintf(renamed, sizeof(renamed), "%s", fname);
		dot = strrchr(renamed, '.');
		if (dot)
			*dot = '\0';
		snprintf(renamed + strlen(renamed), sizeof(renamed) - strlen(renamed), "%s", res.out_ext);
		g_mime_part_set_filename(part, renamed);
	}
	c->sanitized++;
out:
	buf_free(&out);
	return rc;
}

static int walk(struct san_ctx *ctx, GMimeObject *obj, const char *path, int *remove,
		struct counts *c)
{
	char sub[128];
	int rc = SAN_OK;

	*remove = 0;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i = g_mime_multipart_get_count(mp);
		const char *pro = g_mime_multipart_get_prologue(mp);
		const char *epi = g_mime_multipart_get_epilogue(mp);

		/* text outside the parts is never checked, so it does not cross: a broken
		 * boundary puts whole bodies there */
		if ((pro && strlen(pro) > 256) || (epi && strlen(epi) > 256))
			san_removed(ctx, "mail.text_outside_parts", "part %s", path[0] ? path : "0");
		g_mime_multipart_set_prologue(mp, NULL);
		g_mime_multipart_set_epilogue(mp, NULL);

		while (i-- > 0 && rc == SAN_OK) {
			int rm = 0;

			snprintf(sub, sizeof(sub), "%s%s%d", path, path[0] ? "." : "", i + 1);
			rc = walk(ctx, g_mime_multipart_get_part(mp, i), sub, &rm, c);
			if (rc == SAN_OK && rm) {
				GMimeObject *gone = g_mime_multipart_remove_at(mp, i);

				if (gone)
					g_object_unref(gone);
			}
		}
		return rc;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
		GMimeObject *body = m ? g_mime_message_get_mime_part(m) : NULL;
		int rm = 0;

		if (!body)
			return SAN_OK;
		if (++ctx->depth > ctx->cfg->archive_max_depth) {
			ctx->limit_hit = 1;
			return san_block(ctx, "mail: messages nested deeper than %d",
					 ctx->cfg->archive_max_depth);
		}
		rc = walk(ctx, body, path, &rm, c);
		ctx->depth--;
		if (rc == SAN_OK && rm)
			*remove = 1;
		return rc;
	}
	/* a part with a file name is a file, whatever its type and disposition say: the
	 * reader saves and opens invoice.vbs even when it is inline text/plain */
	if (GMIME_IS_TEXT_PART(obj) && !g_mime_part_is_attachment(GMIME_PART(obj)) &&
	    !g_mime_part_get_filename(GMIME_PART(obj))) {
		GMimeContentType *ct = g_mime_object_get_content_type(obj);
		const char *st = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;

		if (st && (g_ascii_strcasecmp(st, "html") == 0 || g_ascii_strcasecmp(st, "plain") == 0))
			return text_body(ctx, GMIME_TEXT_PART(obj), path[0] ? path : "1",
					 g_ascii_strcasecmp(st, "html") == 0, c);
	}
	if (GMIME_IS_PART(obj))
		return attachment(ctx, GMIME_PART(obj), path[0] ? path : "1", remove, c);
	*remove = 1;
	san_removed(ctx, "mail.unknown_part", "part %s", path);
	return SAN_OK;
}

/* Leaf parts left under obj. */
static int leaves(GMimeObject *obj)
{
	int i, n = 0;

	if (!GMIME_IS_MULTIPART(obj))
		return 1;
	for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++)
		n += leaves(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i));
	return n;
}

/* A message whose every part was removed gets one text part: the notice of what was
 * removed, so the reader learns what the sender meant to send. */
static int notice_body(struct san_ctx *ctx, GMimeMessage *msg, size_t first_removal)
{
	struct buf notice = { 0 };
	GMimeTextPart *tp;
	int rc;

	rc = san_notice(ctx, first_removal, &notice);
	if (rc == 0)
		rc = buf_append(&notice, "", 1);
	tp = rc == 0 ? g_mime_text_part_new_with_subtype("plain") : NULL;
	if (tp) {
		g_mime_text_part_set_text(tp, (const char *)notice.data);
		g_mime_message_set_mime_part(msg, GMIME_OBJECT(tp));
		g_object_unref(tp);
	} else if (rc == 0) {
		rc = -ENOMEM;
	}
	buf_free(&notice);
	return rc;
}

static int write_out(GMimeMessage *msg, struct buf *out)
{
	GMimeStream *s = g_mime_stream_mem_new();
	GByteArray *ba;
	int rc = -ENOMEM;

	if (!s)
		return -ENOMEM;
	if (g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, s) < 0) {
		rc = -EIO;
		goto out;
	}
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	if (ba)
		rc = buf_append(out, ba->data, ba->len);
out:
	g_object_unref(s);
	return rc;
}

int mail_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	struct counts c = { 0, 0, 0, 0 };
	GMimeParser *parser;
	GMimeStream *stream;
	GMimeMessage *msg;
	GMimeObject *body;
	char header[256];
	size_t skip, first_removal = json_array_size(ctx->removed);
	int rc, rm = 0;

	/* a message saved from a Unix mailbox starts with its "From " separator line,
	 * which is not a header */
	skip = detect_mbox_line(in, len);
	stream = g_mime_stream_mem_new_with_buffer((const char *)in + skip, len - skip);
	if (!stream)
		return -ENOMEM;
	parser = g_mime_parser_new_with_stream(stream);
	msg = parser ? g_mime_parser_construct_message(parser, NULL) : NULL;
	if (!msg) {
		rc = san_block(ctx, "mail: cannot be parsed as a message");
		goto err_parser;
	}
	body = g_mime_message_get_mime_part(msg);
	if (body) {
		rc = walk(ctx, body, "", &rm, &c);
		if (rc != SAN_OK)
			goto err_msg;
		if (rm || leaves(body) == 0) {
			rc = notice_body(ctx, msg, first_removal);
			if (rc < 0)
				goto err_msg;
		}
	}
	snprintf(header, sizeof(header),
		 "html-to-text=%d; text-parts=%d; attachments-sanitized=%d; parts-removed=%d",
		 c.html, c.text, c.sanitized, c.removed);
	g_mime_object_set_header(GMIME_OBJECT(msg), "X-Bunri-Sanitized", header, NULL);
	rc = write_out(msg, out);
	if (rc == 0)
		rc = SAN_OK;
err_msg:
	g_object_unref(msg);
err_parser:
	if (parser)
		g_object_unref(parser);
	g_object_unref(stream);
	return rc;
}
