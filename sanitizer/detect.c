#include "detect.h"

#include <ctype.h>
#include <errno.h>
#include <magic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "slog.h"

#define LOG(...) slog_write("detect", __VA_ARGS__)

static magic_t cookie;

int detect_init(void)
{
	if (cookie)
		return 0;
	cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
	if (!cookie)
		return -errno;
	if (magic_load(cookie, NULL) != 0) {
		LOG("magic_load: %s", magic_error(cookie));
		magic_close(cookie);
		cookie = NULL;
		return -ENOENT;
	}
	return 0;
}

void detect_fini(void)
{
	if (cookie)
		magic_close(cookie);
	cookie = NULL;
}

/* A zip holding [Content_Types].xml is an OOXML package, otherwise a plain archive. */
static enum san_format zip_kind(const unsigned char *in, size_t len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	enum san_format f = FMT_ARCHIVE;

	zip_error_init(&ze);
	src = zip_source_buffer_create(in, len, 0, &ze);
	if (!src)
		goto out;
	za = zip_open_from_source(src, ZIP_RDONLY, &ze);
	if (!za) {
		zip_source_free(src);
		goto out;
	}
	if (zip_name_locate(za, "[Content_Types].xml", 0) >= 0)
		f = FMT_OOXML;
	zip_discard(za);
out:
	zip_error_fini(&ze);
	return f;
}

/* Length of an mbox separator line ("From sender date") at the top of a message saved
 * from a Unix mailbox, 0 when there is none. */
size_t detect_mbox_line(const unsigned char *in, size_t len)
{
	const unsigned char *nl;

	if (len < 5 || memcmp(in, "From ", 5) != 0)
		return 0;
	nl = memchr(in, '\n', len < 1024 ? len : 1024);
	return nl ? (size_t)(nl - in) + 1 : 0;
}

/* Header lines at the top (after an mbox separator line, if any) and at least need of
 * the headers below among them: a saved message whose first header is Received:,
 * Return-Path:, Subject: or Content-Type: is still a message. */
static int looks_like_mail(const unsigned char *in, size_t len, int need)
{
	static const char *const hdrs[] = { "\nFrom:", "\nDate:", "\nSubject:", "\nMIME-Version:",
					    "\nMessage-ID:", "\nTo:", "\nContent-Type:",
					    "\nReceived:", "\nReturn-Path:" };
	char head[8192], *blank;
	size_t skip = detect_mbox_line(in, len), n, i, colon;
	int found = 0;

	in += skip;
	len -= skip;
	n = len < sizeof(head) - 2 ? len : sizeof(head) - 2;
	head[0] = '\n';
	memcpy(head + 1, in, n);
	head[n + 1] = '\0';
	for (colon = 1; colon < n + 1 && (isalnum((unsigned char)head[colon]) || head[colon] == '-'); colon++)
		;
	if (colon == 1 || head[colon] != ':')
		return 0;
	blank = strstr(head, "\n\n");
	if (!blank)
		blank = strstr(head, "\n\r\n");
	if (blank)
		blank[1] = '\0';
	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++)
		found += strcasestr(head, hdrs[i]) != NULL;
	return found >= need;
}

int detect_mail_named(const unsigned char *in, size_t len)
{
	return looks_like_mail(in, len, 1);
}

static const struct {
	const char *prefix;
	enum san_format fmt;
} mimes[] = {
	{ "application/pdf", FMT_PDF },
	{ "application/vnd.openxmlformats-officedocument.", FMT_OOXML },
	{ "application/vnd.ms-word.", FMT_OOXML },
	{ "application/vnd.ms-excel.sheet.macroEnabled", FMT_OOXML },
	{ "application/vnd.ms-excel.template.macroEnabled", FMT_OOXML },
	{ "application/vnd.ms-powerpoint.", FMT_OOXML },
	{ "application/zip", FMT_ARCHIVE },
	{ "application/x-tar", FMT_ARCHIVE },
	{ "application/x-7z-compressed", FMT_ARCHIVE },
	{ "application/msword", FMT_OLE2 },
	{ "application/vnd.ms-excel", FMT_OLE2 },
	{ "application/vnd.ms-powerpoint", FMT_OLE2 },
	{ "application/vnd.ms-office", FMT_OLE2 },
	{ "application/x-ole-storage", FMT_OLE2 },
	{ "application/CDFV2", FMT_OLE2 },
	{ "text/rtf", FMT_RTF },
	{ "application/rtf", FMT_RTF },
	{ "text/html", FMT_HTML },
	{ "text/plain", FMT_TEXT },
	{ "text/csv", FMT_TEXT },
	{ "image/png", FMT_IMAGE },
	{ "image/jpeg", FMT_IMAGE },
	{ "image/gif", FMT_IMAGE },
	{ "message/rfc822", FMT_MAIL },
};

enum san_format detect_format(const unsigned char *in, size_t len, char *mime, size_t mimelen)
{
	const char *m;
	size_t i;

	snprintf(mime, mimelen, "application/x-empty");
	if (len == 0)
		return FMT_EMPTY;
	if (!cookie) {
		snprintf(mime, mimelen, "unknown");
		return FMT_UNKNOWN;
	}
	m = magic_buffer(cookie, in, len);
	if (!m) {
		LOG("magic_buffer: %s", magic_error(cookie));
		snprintf(mime, mimelen, "unknown");
		return FMT_UNKNOWN;
	}
	snprintf(mime, mimelen, "%s", m);
	/* libmagic calls a message with 8-bit body text octet-stream, one that starts with
	 * an mbox line text/plain or application/mbox */
	if ((strncmp(m, "text/", 5) == 0 || strcmp(m, "application/octet-stream") == 0 ||
	     strcmp(m, "application/mbox") == 0) && looks_like_mail(in, len, 2)) {
		snprintf(mime, mimelen, "message/rfc822");
		return FMT_MAIL;
	}
	/* libmagic names some zips by their first member only */
	if (strcmp(m, "application/octet-stream") == 0 && len > 4 && memcmp(in, "PK\3\4", 4) == 0) {
		enum san_format f = zip_kind(in, len);

		snprintf(mime, mimelen, "%s", f == FMT_OOXML ? "application/vnd.openxmlformats-officedocument" : "application/zip");
		return f;
	}
	for (i = 0; i < sizeof(mimes) / sizeof(mimes[0]); i++) {
		if (strncmp(m, mimes[i].prefix, strlen(mimes[i].prefix)) != 0)
			continue;
		/* an exact name only for the short OLE2 types, which prefix the OOXML ones */
		if (mimes[i].fmt == FMT_OLE2 && strcmp(m, mimes[i].prefix) != 0)
			continue;
		if (mimes[i].fmt == FMT_OOXML || mimes[i].fmt == FMT_ARCHIVE) {
			if (strcmp(m, "application/x-tar") == 0 ||
			    strcmp(m, "application/x-7z-compressed") == 0)
				return FMT_ARCHIVE;
			return zip_kind(in, len);
		}
		return mimes[i].fmt;
	}
	return FMT_UNKNOWN;
}

static const struct {
	const char *ext;
	enum san_format fmt;
} exts[] = {
	{ "pdf", FMT_PDF },   { "docx", FMT_OOXML }, { "xlsx", FMT_OOXML }, { "pptx", FMT_OOXML },
	{ "docm", FMT_OOXML }, { "xlsm", FMT_OOXML }, { "pptm", FMT_OOXML }, { "dotx", FMT_OOXML },
	{ "dotm", FMT_OOXML }, { "xltx", FMT_OOXML }, { "xltm", FMT_OOXML }, { "potx", FMT_OOXML },
	{ "xlsb", FMT_OOXML }, { "doc", FMT_OLE2 },   { "xls", FMT_OLE2 },   { "ppt", FMT_OLE2 },
	{ "dot", FMT_OLE2 },  { "xlt", FMT_OLE2 },   { "pot", FMT_OLE2 },   { "pps", FMT_OLE2 },
	{ "rtf", FMT_RTF },   { "htm", FMT_HTML },   { "html", FMT_HTML },  { "txt", FMT_TEXT },
	{ "csv", FMT_TEXT },  { "tsv", FMT_TEXT },   { "png", FMT_IMAGE },  { "jpg", FMT_IMAGE },
	{ "jpeg", FMT_IMAGE }, { "gif", FMT_IMAGE }, { "zip", FMT_ARCHIVE }, { "tar", FMT_ARCHIVE },
	{ "7z", FMT_ARCHIVE }, { "eml", FMT_MAIL },
};

/* Names Windows runs or opens in a script host, whatever the bytes are. */
static const char *const executable_exts[] = {
	"exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "bat", "cmd", "vbs", "vbe", "js",
	"jse", "wsf", "wsh", "hta", "ps1", "psm1", "lnk", "url", "reg", "jar", "sh", "py", "svg",
	"iso", "img", "vhd", "chm", "inf", "scf", "appref-ms", "application", "gadget", "msc",
};

static const char *const text_exts[] = { "txt", "csv", "tsv", "log", "text", "md" };

static int ext_in(const char *ext, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(ext, list[i]) == 0)
			return 1;
	return 0;
}

int detect_name_conflict(const char *name, enum san_format fmt)
{
	const char *base, *dot;
	size_t i;

	if (!name)
		return 0;
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return 0;
	if (ext_in(dot + 1, executable_exts, sizeof(executable_exts) / sizeof(executable_exts[0])))
		return 1;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcasecmp(dot + 1, exts[i].ext) != 0)
			continue;
		/* HTML saved as .txt or a CSV that libmagic calls HTML are still text */
		if ((exts[i].fmt == FMT_TEXT && fmt == FMT_HTML) ||
		    (exts[i].fmt == FMT_HTML && fmt == FMT_TEXT))
			return 0;
		return exts[i].fmt != fmt;
	}
	/* text or a compound file under a name bunri does not know (.ods, .xml, a script;
	 * .jtd, .hwp, .pub) would be opened by whatever that name selects */
	if (fmt == FMT_OLE2)
		return 1;
	return fmt == FMT_TEXT && !ext_in(dot + 1, text_exts, sizeof(text_exts) / sizeof(text_exts[0]));
}
