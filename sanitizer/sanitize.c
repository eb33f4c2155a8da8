#include "sanitize.h"

#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "container.h"
#include "detect.h"
#include "html.h"
#include "image.h"
#include "mail.h"
#include "ole2.h"
#include "ooxml.h"
#include "pdf.h"
#include "rtf.h"
#include "slog.h"
#include "text.h"

#define LOG(...) slog_write("sanitize", __VA_ARGS__)

int san_ctx_init(struct san_ctx *ctx, const struct san_config *cfg)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->cfg = cfg;
	ctx->removed = json_array();
	return ctx->removed ? 0 : -ENOMEM;
}

void san_ctx_fini(struct san_ctx *ctx)
{
	json_decref(ctx->removed);
	ctx->removed = NULL;
}

void san_removed(struct san_ctx *ctx, const char *what, const char *fmt, ...)
{
	char where[1024];
	json_t *item;
	va_list ap;
	int n;

	n = snprintf(where, sizeof(where), "%s", ctx->where);
	va_start(ap, fmt);
	vsnprintf(where + n, sizeof(where) - (size_t)n, fmt, ap);
	va_end(ap);
	item = json_pack("{s:s, s:s}", "what", what, "where", where);
	/* a removal that cannot be recorded must not pass as clean: the caller's verdict
	 * comes from this list, so count it as blocked instead */
	if (!item || json_array_append_new(ctx->removed, item) != 0)
		san_block(ctx, "out of memory recording a removal");
	LOG("removed %s at %s", what, where);
}

int san_notice(const struct san_ctx *ctx, size_t from, struct buf *out)
{
	static const char head[] = "bunri removed the following from this file; nothing else "
				   "was left in it:\n";
	size_t i;

	if (buf_append(out, head, sizeof(head) - 1) < 0)
		return -ENOMEM;
	for (i = from; i < json_array_size(ctx->removed); i++) {
		json_t *item = json_array_get(ctx->removed, i);
		const char *what = json_string_value(json_object_get(item, "what"));
		const char *where = json_string_value(json_object_get(item, "where"));

		if (buf_append(out, "- ", 2) < 0 || buf_append(out, what, strlen(what)) < 0 ||
		    buf_append(out, ": ", 2) < 0 || buf_append(out, where, strlen(where)) < 0 ||
		    buf_append(out, "\n", 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

int san_block(struct san_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ctx->reason[0])
		return SAN_BLOCKED;
	n = snprintf(ctx->reason, sizeof(ctx->reason), "%s", ctx->where);
	va_start(ap, fmt);
	vsnprintf(ctx->reason + n, sizeof(ctx->reason) - (size_t)n, fmt, ap);
	va_end(ap);
	LOG("blocked: %s", ctx->reason);
	return SAN_BLOCKED;
}

const char *sanitize_format_name(enum san_format f)
{
	switch (f) {
	case FMT_EMPTY: return "empty";
	case FMT_PDF: return "pdf";
	case FMT_OOXML: return "ooxml";
	case FMT_OLE2: return "ole2";
	case FMT_RTF: return "rtf";
	case FMT_HTML: return "html";
	case FMT_TEXT: return "text";
	case FMT_IMAGE: return "image";
	case FMT_ARCHIVE: return "archive";
	case FMT_MAIL: return "mail";
	case FMT_UNKNOWN: break;
	}
	return "unknown";
}

int sanitize_prepare(void)
{
	/* glibc loads a gconv module on the first iconv_open of a charset and keeps it
	 * while a descriptor is open; these stay open for the child's life */
	static const char *const charsets[] = { "ISO-2022-JP", "SHIFT_JIS", "CP932", "EUC-JP",
						"ISO-8859-1", "WINDOWS-1252", "UTF-16LE", "UTF-16BE" };
	static iconv_t held[2 * sizeof(charsets) / sizeof(charsets[0])];
	size_t i;
	int rc;

	rc = detect_init();
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++) {
		/* both directions: parsers decode, writers (HTML) encode back */
		if (held[2 * i] && held[2 * i] != (iconv_t)-1)
			continue;
		held[2 * i] = iconv_open("UTF-8", charsets[i]);
		held[2 * i + 1] = iconv_open(charsets[i], "UTF-8");
		if (held[2 * i] == (iconv_t)-1 || held[2 * i + 1] == (iconv_t)-1)
			LOG("iconv %s unavailable", charsets[i]);
	}
	rc = html_prepare();
	if (rc < 0)
		return rc;
	rc = mail_prepare();
	if (rc < 0)
		return rc;
	return ole2_prepare();
}

int sanitize_buffer(struct san_ctx *ctx, const char *name, const unsigned char *in, size_t len,
		    struct buf *out, struct san_result *res)
{
	enum san_format f;
	int rc;

	memset(res, 0, sizeof(*res));
	f = detect_format(in, len, res->mime, sizeof(res->mime));
	res->format = f;
	ctx->name = name;
	/* a fragment libmagic calls text still renders as HTML under an .htm(l) name */
	if (f == FMT_TEXT && name && (strcasestr(name, ".htm") || strcasestr(name, ".xht")))
		f = res->format = FMT_HTML;
	/* a message named .eml needs only one header a message has */
	if ((f == FMT_TEXT || f == FMT_UNKNOWN) && name && strlen(name) > 4 &&
	    strcasecmp(name + strlen(name) - 4, ".eml") == 0 && detect_mail_named(in, len)) {
		f = res->format = FMT_MAIL;
		snprintf(res->mime, sizeof(res->mime), "message/rfc822");
	}
	if (f == FMT_UNKNOWN)
		return san_block(ctx, "type %s is not allowed across zones", res->mime);
	if (detect_name_conflict(name, f))
		return san_block(ctx, "the name %s contradicts the content (%s)", name, res->mime);
	switch (f) {
	case FMT_PDF:
		rc = pdf_sanitize(ctx, in, len, out);
		break;
	case FMT_OOXML:
		rc = ooxml_sanitize(ctx, in, len, out, res->out_ext, sizeof(res->out_ext));
		break;
	case FMT_OLE2:
		rc = ole2_sanitize(ctx, in, len, out);
		break;
	case FMT_RTF:
		rc = rtf_sanitize(ctx, in, len, out);
		break;
	case FMT_HTML:
		rc = html_sanitize(ctx, in, len, out);
		break;
	case FMT_TEXT:
		rc = text_sanitize(ctx, in, len, out);
		break;
	case FMT_IMAGE:
		rc = image_sanitize(ctx, in, len, out);
		break;
	case FMT_ARCHIVE:
		rc = container_sanitize(ctx, in, len, out);
		if (rc == SAN_OK)
			snprintf(res->out_ext, sizeof(res->out_ext), ".zip");
		break;
	case FMT_MAIL:
		rc = mail_sanitize(ctx, in, len, out);
		break;
	case FMT_EMPTY:
		return san_block(ctx, "empty file");
	default:
		return san_block(ctx, "type %s is not allowed across zones", res->mime);
	}
	if (rc < 0) {
		san_block(ctx, "%s could not be processed: %s", sanitize_format_name(f), strerror(-rc));
		return rc;
	}
	if (rc == SAN_BLOCKED && !ctx->reason[0])
		san_block(ctx, "%s blocked", sanitize_format_name(f));
	return rc;
}
