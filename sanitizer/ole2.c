#include "ole2.h"

#include <errno.h>
#include <gsf/gsf.h>
#include <string.h>
#include <strings.h>

#include "slog.h"
#include "word97.h"

#define LOG(...) slog_write("ole2", __VA_ARGS__)

/* Storages that hold macros or embedded objects, dropped with everything inside.
 * Compound-file names compare case-insensitively (MS-CFB 2.6.4), as Office looks them
 * up, so these do too. */
static const struct {
	const char *prefix;
	const char *what;
} dropped[] = {
	{ "Macros", "ole2.vba" },
	{ "_VBA_PROJECT_CUR", "ole2.vba" },
	{ "_VBA_PROJECT", "ole2.vba" },
	{ "VBA", "ole2.vba" },
	{ "ObjectPool", "ole2.object_pool" },
	{ "MBD", "ole2.embedded_object" },
	{ "\001Ole10Native", "ole2.embedded_object" },
};

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)level;
	(void)data;
	slog_write("glib", "%s: %s", domain ? domain : "", msg);
}

int ole2_prepare(void)
{
	static int done;

	if (!done) {
		gsf_init();
		/* OLE timestamps go through GDateTime, which reads the zone once and caches it */
		g_time_zone_unref(g_time_zone_new_local());
		/* libraries log through glib; route it to our log instead of stderr */
		g_log_set_default_handler(quiet, NULL);
	}
	done = 1;
	return 0;
}

static const char *drop_what(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (strncasecmp(name, dropped[i].prefix, strlen(dropped[i].prefix)) == 0)
			return dropped[i].what;
	return NULL;
}

static int read_stream(GsfInput *in, struct buf *b)
{
	gsf_off_t left = gsf_input_size(in);

	while (left > 0) {
		size_t n = left > 65536 ? 65536 : (size_t)left;
		const guint8 *p = gsf_input_read(in, n, NULL);

		if (!p)
			return -EIO;
		if (buf_append(b, p, n) < 0)
			return -ENOMEM;
		left -= (gsf_off_t)n;
	}
	return 0;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long le32(const unsigned char *p)
{
	return (unsigned long)le16(p) | (unsigned long)le16(p + 2) << 16;
}

/* Word: FIB flag fEncrypted. */
static int check_word(struct san_ctx *ctx, const struct buf *s)
{
	if (s->len < 12)
		return san_block(ctx, "ole2: WordDocument stream too short");
	if (le16(s->data + 10) & 0x0100)
		return san_block(ctx, "ole2: encrypted Word document");
	return SAN_OK;
}

/* One character of an XLUnicodeStringNoCch (MS-XLS 2.5.296) of width w. */
static unsigned xls_char(const unsigned char *p, unsigned w, size_t i)
{
	return w == 1 ? p[i] : le16(p + 2 * i);
}

/* SUPBOOK (MS-XLS 2.4.271): ctab, cch, then virtPath. Self (cch 0x0401) and add-in
 * (0x3A01) references carry no path, nor do same-sheet (0x00) and unused (0x20) ones.
 * A link to another workbook has sheets (ctab >= 1) and an encoded VirtualPath starting
 * with 0x01, inside which 0x03 separates folders. Anything else holding 0x03 is a DDE
 * or OLE link "server\x03topic", which cannot be taken out of the record stream. A
 * workbook link is emptied in place, like OOXML's externalLink parts are removed: its
 * path becomes a same-length local name, so the stream keeps its offsets and the cells
 * keep their cached values, but nothing is fetched from a server or share. */
static int excel_supbook(struct san_ctx *ctx, unsigned char *r, size_t len, size_t at)
{
	unsigned ctab, cch, w;
	size_t i, n;
	int sep = 0;

	if (len < 4)
		return san_block(ctx, "ole2: SUPBOOK at %zu is too short", at);
	ctab = le16(r);
	cch = le16(r + 2);
	if (cch == 0x0401 || cch == 0x3a01)
		return SAN_OK;
	if (len < 5 || cch == 0)
		return san_block(ctx, "ole2: SUPBOOK at %zu has no path", at);
	w = (r[4] & 1) ? 2 : 1;
	n = cch < (len - 5) / w ? cch : (len - 5) / w;
	if (n == 0)
		return san_block(ctx, "ole2: SUPBOOK at %zu has no path", at);
	if (n == 1 && (xls_char(r + 5, w, 0) == 0x00 || xls_char(r + 5, w, 0) == 0x20))
		return SAN_OK;
	for (i = 0; i < n; i++)
		sep |= xls_char(r + 5, w, i) == 0x03;
	if (sep && !(ctab >= 1 && xls_char(r + 5, w, 0) == 0x01))
		return san_block(ctx, "ole2: Excel DDE or OLE link (SUPBOOK) cannot be removed");
	for (i = 0; i < n; i++) {
		r[5 + w * i] = 'x';
		if (w == 2)
			r[5 + w * i + 1] = 0;
	}
	san_removed(ctx, "ole2.external_link", "Workbook SUPBOOK at %zu", at);
	return SAN_OK;
}

/* Excel: the globals substream up to its EOF record. FILEPASS means encrypted; a
 * BOUNDSHEET of type 1 (Excel 4 macro sheet) or 6 (VB module) cannot be removed by
 * storage; SUPBOOK links are handled by excel_supbook. */
static int check_excel(struct san_ctx *ctx, struct buf *s)
{
	size_t off = 0;

	while (off + 4 <= s->len) {
		unsigned type = le16(s->data + off), len = le16(s->data + off + 2);

		/* a stream cut inside its last record is read as far as it goes, unless
		 * that record is one the checks below need whole */
		if (off + 4 + len > s->len) {
			if (type == 0x002f || type == 0x0085 || type == 0x01ae)
				return san_block(ctx, "ole2: Workbook record at %zu runs past the end", off);
			break;
		}
		if (type == 0x002f)
			return san_block(ctx, "ole2: encrypted Excel workbook");
		if (type == 0x0085 && len >= 6) {
			unsigned dt = s->data[off + 4 + 5];

			if (dt == 0x01)
				return san_block(ctx, "ole2: Excel 4 macro sheet (XLM) cannot be removed");
			if (dt == 0x06)
				return san_block(ctx, "ole2: Excel VB module sheet cannot be removed");
		}
		if (type == 0x01ae && excel_supbook(ctx, s->data + off + 4, len, off) != SAN_OK)
			return SAN_BLOCKED;
		if (type == 0x000a)
			break;
		off += 4 + len;
	}
	return SAN_OK;
}

/* What a PowerPoint record at off means for the file: SAN_BLOCKED with the reason set,
 * or SAN_OK. PowerPoint writes a VBAInfo container into presentations without macros
 * too; its VBAInfoAtom's fHasMacros (MS-PPT 2.4.10: 0 = the VBA storage is empty)
 * tells, so only an atom without that zero is VBA. */
static int ppt_record(struct san_ctx *ctx, const struct buf *s, size_t off)
{
	unsigned type = le16(s->data + off + 2);
	unsigned long len = le32(s->data + off + 4);

	if (type == 0x0400 && (len < 12 || off + 20 > s->len || le32(s->data + off + 12) != 0))
		return san_block(ctx, "ole2: PowerPoint 97 VBA is inside the document stream");
	if (type == 0x1011)
		return san_block(ctx, "ole2: PowerPoint embedded OLE object is inside the document stream");
	if (type == 0x2f14)
		return san_block(ctx, "ole2: encrypted PowerPoint presentation");
	return SAN_OK;
}

/* After the walk lost its way (a record running past the end, as in files LibreOffice
 * and PowerPoint open), every offset from there on is tried as a record header of the
 * kinds that matter: VBAInfoAtom (version 2), ExOleObjStg (version 0, instance 0 or 1),
 * CryptSession10Container (version 0xF). */
static int ppt_scan(struct san_ctx *ctx, const struct buf *s, size_t off)
{
	for (; off + 8 <= s->len; off++) {
		unsigned vi = le16(s->data + off), type = le16(s->data + off + 2);

		if ((type == 0x0400 && vi == 0x0002) || (type == 0x1011 && (vi == 0x0000 || vi == 0x0010)) ||
		    (type == 0x2f14 && (vi & 0xf) == 0xf))
			if (ppt_record(ctx, s, off) != SAN_OK)
				return SAN_BLOCKED;
	}
	return SAN_OK;
}

/* PowerPoint: records nest (version 0xF = container). VBA and embedded OLE objects live
 * inside the stream, as does encryption. */
static int check_ppt(struct san_ctx *ctx, const struct buf *s)
{
	size_t off = 0;

	while (off + 8 <= s->len) {
		unsigned ver = le16(s->data + off) & 0xf;
		unsigned long len = le32(s->data + off + 4);

		if (ppt_record(ctx, s, off) != SAN_OK)
			return SAN_BLOCKED;
		if (ver == 0xf)
			off += 8;
		else if (len > s->len - off - 8)
			return ppt_scan(ctx, s, off + 8);
		else
			off += 8 + len;
	}
	return SAN_OK;
}

static int check_stream(struct san_ctx *ctx, const char *name, struct buf *s, int top)
{
	if (!top)
		return SAN_OK;
	if (strcasecmp(name, "EncryptionInfo") == 0 || strcasecmp(name, "EncryptedPackage") == 0)
		return san_block(ctx, "ole2: encrypted document");
	if (strcasecmp(name, "WordDocument") == 0)
		return check_word(ctx, s);
	if (strcasecmp(name, "Workbook") == 0 || strcasecmp(name, "Book") == 0)
		return check_excel(ctx, s);
	if (strcasecmp(name, "PowerPoint Document") == 0)
		return check_ppt(ctx, s);
	return SAN_OK;
}

/* The document streams ole2 knows how to check. Any other compound file (Ichitaro .jtd,
 * .hwp, Publisher, Visio, .msi, Outlook .msg, ...) is a type bunri does not know and is
 * blocked, as unknown types are. */
static const char *const document_streams[] = { "WordDocument", "Workbook", "Book", "PowerPoint Document" };

static int known_kind(GsfInfile *in)
{
	int i, n = gsf_infile_num_children(in);
	size_t j;

	for (i = 0; i < n; i++) {
		const char *name = gsf_infile_name_by_index(in, i);

		for (j = 0; name && j < sizeof(document_streams) / sizeof(document_streams[0]); j++)
			if (strcasecmp(name, document_streams[j]) == 0)
				return 1;
	}
	return 0;
}

/* Reads the top-level stream called name (any case) into b: 1, 0 when absent, -errno. */
static int read_top(GsfInfile *in, const char *name, struct buf *b)
{
	int i, n = gsf_infile_num_children(in), rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		const char *cn = gsf_infile_name_by_index(in, i);
		GsfInput *child;

		if (!cn || strcasecmp(cn, name) != 0)
			continue;
		child = gsf_infile_child_by_index(in, i);
		if (!child)
			return -EIO;
		rc = GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0 ? 0 : read_stream(child, b);
		g_object_unref(child);
		if (rc == 0)
			rc = 1;
	}
	return rc;
}

/* PowerPoint: an encrypted presentation says so in its Current User stream
 * (CurrentUserAtom headerToken 0xF3D1C4DF, MS-PPT 2.3.2) and carries an
 * EncryptedSummary stream; its document stream is ciphertext the walk cannot read. */
static int check_ppt_encryption(struct san_ctx *ctx, GsfInfile *in)
{
	struct buf cu = { 0 }, es = { 0 };
	int has = read_top(in, "Current User", &cu), enc = read_top(in, "EncryptedSummary", &es);
	int rc = SAN_OK;

	if (has < 0 || enc < 0)
		rc = san_block(ctx, "ole2: the PowerPoint streams cannot be read");
	else if (enc > 0 || (has > 0 && cu.len >= 16 && le32(cu.data + 12) == 0xf3d1c4dfUL))
		rc = san_block(ctx, "ole2: encrypted PowerPoint presentation");
	buf_free(&cu);
	buf_free(&es);
	return rc;
}

/* Word 97: fields live in the text, which copy() does not look into. */
static int check_word_fields(struct san_ctx *ctx, GsfInfile *in)
{
	struct buf wd = { 0 }, t0 = { 0 }, t1 = { 0 };
	int rc, h0 = 0, h1 = 0, has;

	has = read_top(in, "WordDocument", &wd);
	if (has > 0) {
		h0 = read_top(in, "0Table", &t0);
		h1 = read_top(in, "1Table", &t1);
	}
	if (has < 0 || h0 < 0 || h1 < 0)
		rc = san_block(ctx, "ole2: the Word document's streams cannot be read");
	else if (has == 0)
		rc = SAN_OK;
	else
		rc = word97_check_fields(ctx, &wd, h0 ? &t0 : NULL, h1 ? &t1 : NULL);
	buf_free(&wd);
	buf_free(&t0);
	buf_free(&t1);
	return rc;
}

static int copy(struct san_ctx *ctx, GsfInfile *in, GsfOutfile *out, const char *path, int top)
{
	int i, n = gsf_infile_num_children(in), rc = SAN_OK;

	for (i = 0; i < n && rc == SAN_OK; i++) {
		const char *name = gsf_infile_name_by_index(in, i);
		GsfInput *child = gsf_infile_child_by_index(in, i);
		const char *what = name ? drop_what(name) : NULL;
		GsfOutput *oc;
		int dir;

		if (!child || !name) {
			if (child)
				g_object_unref(child);
			return san_block(ctx, "ole2: unreadable entry %d in %s", i, path);
		}
		if (what) {
			san_removed(ctx, what, "%s%s", path, name);
			g_object_unref(child);
			continue;
		}
		dir = GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0;
		oc = gsf_outfile_new_child(out, name, dir);
		if (!oc) {
			g_object_unref(child);
			return -ENOMEM;
		}
		if (dir) {
			guint8 clsid[16];
			char sub[512];

			if (gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(child), clsid))
				gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(oc), clsid);
			snprintf(sub, sizeof(sub), "%.400s%.100s/", path, name);
			rc = copy(ctx, GSF_INFILE(child), GSF_OUTFILE(oc), sub, 0);
		} else {
			struct buf data = { 0 };

			rc = read_stream(child, &data);
			if (rc < 0)
				rc = san_block(ctx, "ole2: stream %s%s cannot be read", path, name);
			if (rc == SAN_OK)
				rc = check_stream(ctx, name, &data, top);
			if (rc == SAN_OK && data.len && !gsf_output_write(oc, data.len, data.data))
				rc = -EIO;
			buf_free(&data);
		}
		gsf_output_close(oc);
		g_object_unref(oc);
		g_object_unref(child);
	}
	return rc;
}

int ole2_is_vba_project(const unsigned char *in, size_t len)
{
	static const char *const vba[] = { "VBA", "_VBA_PROJECT", "PROJECT", "Macros" };
	GsfInput *input;
	GsfInfile *infile;
	int i, n, found = 0;
	size_t j;

	if (len < 8 || memcmp(in, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) != 0)
		return 0;
	input = gsf_input_memory_new(in, (gsf_off_t)len, FALSE);
	if (!input)
		return 1;
	infile = gsf_infile_msole_new(input, NULL);
	if (!infile) {
		g_object_unref(input);
		return 1; /* unreadable: cannot be shown not to be one */
	}
	n = gsf_infile_num_children(infile);
	for (i = 0; i < n && !found; i++) {
		const char *name = gsf_infile_name_by_index(infile, i);

		for (j = 0; name && j < sizeof(vba) / sizeof(vba[0]); j++)
			found |= strncasecmp(name, vba[j], strlen(vba[j])) == 0;
	}
	g_object_unref(infile);
	g_object_unref(input);
	return found;
}

int ole2_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	GsfInput *input;
	GsfInfile *infile;
	GsfOutput *mem;
	GsfOutfile *outfile;
	GError *err = NULL;
	guint8 clsid[16];
	int rc;

	input = gsf_input_memory_new(in, (gsf_off_t)len, FALSE);
	if (!input)
		return -ENOMEM;
	infile = gsf_infile_msole_new(input, &err);
	if (!infile) {
		rc = san_block(ctx, "ole2: not a readable compound file: %s",
			       err ? err->message : "unknown error");
		g_clear_error(&err);
		goto err_input;
	}
	if (!known_kind(infile)) {
		rc = san_block(ctx, "ole2: compound file without a Word, Excel or PowerPoint document "
			       "stream: type not allowed across zones");
		goto err_infile;
	}
	rc = check_word_fields(ctx, infile);
	if (rc == SAN_OK)
		rc = check_ppt_encryption(ctx, infile);
	if (rc != SAN_OK)
		goto err_infile;
	mem = gsf_output_memory_new();
	outfile = gsf_outfile_msole_new(mem);
	if (!outfile) {
		rc = -ENOMEM;
		goto err_mem;
	}
	if (gsf_infile_msole_get_class_id(GSF_INFILE_MSOLE(infile), clsid))
		gsf_outfile_msole_set_class_id(GSF_OUTFILE_MSOLE(outfile), clsid);
	rc = copy(ctx, infile, outfile, "", 1);
	gsf_output_close(GSF_OUTPUT(outfile));
	g_object_unref(outfile);
	gsf_output_close(mem);
	if (rc == SAN_OK) {
		const guint8 *bytes = gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem));

		if (!bytes)
			rc = san_block(ctx, "ole2: the rewritten file is empty");
		else if (buf_append(out, bytes, (size_t)gsf_output_size(mem)) < 0)
			rc = -ENOMEM;
	}
err_mem:
	g_object_unref(mem);
err_infile:
	g_object_unref(infile);
err_input:
	g_object_unref(input);
	return rc;
}
