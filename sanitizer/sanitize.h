/* The dispatcher: finds a file's format from its content and hands it to the module
 * that rebuilds it without active content. Runs inside the sandbox child; archives and
 * mail call it again for their members. */
#ifndef BUNRI_SANITIZE_H
#define BUNRI_SANITIZE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "config.h"

enum san_format {
	FMT_UNKNOWN, FMT_EMPTY, FMT_PDF, FMT_OOXML, FMT_OLE2, FMT_RTF, FMT_HTML, FMT_TEXT,
	FMT_IMAGE, FMT_ARCHIVE, FMT_MAIL,
};

/* Results of a format module: output written, or blocked with ctx->reason set. Errors
 * are negative errno values and also mean blocked. */
#define SAN_OK 0
#define SAN_BLOCKED 1

struct san_ctx {
	const struct san_config *cfg;
	json_t *removed;        /* [{"what":..., "where":...}] */
	char reason[512];       /* why blocked */
	char where[512];        /* member path prefix inside archives and mails */
	int depth;              /* archive nesting */
	long long expanded;     /* archive bytes expanded so far */
	long members;           /* archive members seen so far */
	const char *name;       /* name of the file or member being handled; may be NULL */
	int limit_hit;          /* an archive limit was reached: the whole file is blocked */
};

/* Sets up ctx for one top-level file; 0 or -ENOMEM. */
int san_ctx_init(struct san_ctx *ctx, const struct san_config *cfg);
void san_ctx_fini(struct san_ctx *ctx);

/* Records one removal: what (e.g. "pdf.javascript") and where, prefixed by ctx->where. */
void san_removed(struct san_ctx *ctx, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Name of the notice member put into an archive left with no members. */
#define BUNRI_NOTICE_NAME "bunri-removed.txt"

/* Appends to out a plain-text notice listing the removals recorded from index from on:
 * what an archive or mail whose every member was removed carries instead. 0 or
 * -ENOMEM. */
int san_notice(const struct san_ctx *ctx, size_t from, struct buf *out);
/* Sets ctx->reason (first reason wins) and returns SAN_BLOCKED. */
int san_block(struct san_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct san_result {
	enum san_format format;
	char mime[128];
	char out_ext[16];        /* extension the output should carry, e.g. ".docx"; may be "" */
};

/* Detects in's format and sanitizes it into out. name (may be NULL) is used only to
 * block a file whose extension contradicts its content. Returns SAN_OK, SAN_BLOCKED or
 * -errno (with ctx->reason set). */
int sanitize_buffer(struct san_ctx *ctx, const char *name, const unsigned char *in, size_t len,
		    struct buf *out, struct san_result *res);

/* Loads everything the format modules read from disk (magic database, charset
 * converters) so that they need no open() once the sandbox is locked. 0 or -errno. */
int sanitize_prepare(void);

const char *sanitize_format_name(enum san_format f);

#endif
