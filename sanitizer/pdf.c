#include "pdf.h"

#include <errno.h>
#include <qpdf/qpdf-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "links.h"
#include "slog.h"

#define LOG(...) slog_write("pdf", __VA_ARGS__)

/* Keys removed wherever they appear, with the name they are reported under. */
static const struct {
	const char *key;
	const char *what;
} removed_keys[] = {
	{ "/JS", "pdf.javascript" },
	{ "/JavaScript", "pdf.javascript" },
	{ "/AA", "pdf.additional_actions" },
	{ "/XFA", "pdf.xfa" },
	{ "/EmbeddedFiles", "pdf.embedded_files" },
	{ "/EF", "pdf.embedded_file" },
	{ "/RichMediaContent", "pdf.richmedia" },
	{ "/RichMediaSettings", "pdf.richmedia" },
};

/* Action types (/S) removed, reported as pdf.<lowercase>. /URI is decided by config. */
static const char *const bad_actions[] = {
	"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
	"/RichMediaExecute", "/Rendition", "/Movie", "/Sound", "/URI",
};

static const char *const bad_annotations[] = {
	"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D",
};

struct walk {
	struct san_ctx *ctx;
	qpdf_data q;
	uint64_t *seen;        /* open addressing, 0 = empty */
	size_t seen_cap, seen_n;
	struct item {
		qpdf_oh oh;
		int id, gen;   /* nearest indirect object, for reports */
	} *stack;
	size_t depth, cap;
};

static int seen_add(struct walk *w, int id, int gen)
{
	uint64_t key = ((uint64_t)(uint32_t)id << 20 | (uint32_t)gen) + 1;
	size_t i;

	if (w->seen_n * 2 >= w->seen_cap) {
		size_t cap = w->seen_cap ? w->seen_cap * 2 : 1024, j;
		uint64_t *n = calloc(cap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (j = 0; j < w->seen_cap; j++) {
			if (!w->seen[j])
				continue;
			i = (size_t)(w->seen[j] * 0x9e3779b97f4a7c15ULL) & (cap - 1);
			while (n[i])
				i = (i + 1) & (cap - 1);
			n[i] = w->seen[j];
		}
		free(w->seen);
		w->seen = n;
		w->seen_cap = cap;
	}
	i = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (w->seen_cap - 1);
	while (w->seen[i]) {
		if (w->seen[i] == key)
			return 1;
		i = (i + 1) & (w->seen_cap - 1);
	}
	w->seen[i] = key;
	w->seen_n++;
	return 0;
}

static int push(struct walk *w, qpdf_oh oh, int id, int gen)
{
	if (w->depth == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		struct item *n = realloc(w->stack, cap * sizeof(*n));

		if (!n) {
			qpdf_oh_release(w->q, oh);
			return -ENOMEM;
		}
		w->stack = n;
		w->cap = cap;
	}
	w->stack[w->depth++] = (struct item){ oh, id, gen };
	return 0;
}

static int name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

/* A URI action stays under uri = "keep" only when its /URI is an http, https or mailto
 * URL: a relative one resolves against the file's folder. */
static int uri_kept(struct walk *w, qpdf_oh action)
{
	qpdf_oh u = qpdf_oh_get_key(w->q, action, "/URI");
	int ok = 0;

	if (qpdf_oh_is_string(w->q, u)) {
		size_t len = 0;
		const char *v = qpdf_oh_get_binary_string_value(w->q, u, &len);

		ok = v && links_allowed(v, len, LINK_BASE_FILE);
	}
	qpdf_oh_release(w->q, u);
	return ok;
}

/* A Named action (/S /Named /N ...) runs a menu item of the viewer: only the four
 * page-turning ones every viewer defines (ISO 32000 12.6.4.11) stay; Print, SaveAs,
 * Quit and the like go. */
static int named_navigation(struct walk *w, qpdf_oh action)
{
	static const char *const nav[] = { "/NextPage", "/PrevPage", "/FirstPage", "/LastPage" };
	qpdf_oh n = qpdf_oh_get_key(w->q, action, "/N");
	int ok = qpdf_oh_is_name(w->q, n) &&
		 name_in(qpdf_oh_get_name(w->q, n), nav, sizeof(nav) / sizeof(nav[0]));

	qpdf_oh_release(w->q, n);
	return ok;
}

static const char *active_dict(struct walk *w, qpdf_oh oh, char *what, size_t whatlen)
{
	qpdf_oh s;
	const char *name, *r = NULL;
	char sname[64] = "";

	s = qpdf_oh_get_key(w->q, oh, "/S");
	if (qpdf_oh_is_name(w->q, s)) {
		/* qpdf's C API reuses the buffer of a returned string: keep a copy */
		snprintf(sname, sizeof(sname), "%s", qpdf_oh_get_name(w->q, s));
		name = sname;
		if (name_in(name, bad_actions, sizeof(bad_actions) / sizeof(bad_actions[0])) &&
		    !(strcmp(name, "/URI") == 0 && w->ctx->cfg->pdf_keep_uri && uri_kept(w, oh))) {
			size_t i;

			snprintf(what, whatlen, "pdf.%.40s", name + 1);
			for (i = 4; what[i]; i++)
				what[i] = (char)(what[i] >= 'A' && what[i] <= 'Z' ? what[i] + 32 : what[i]);
			r = what;
		}
	}
	qpdf_oh_release(w->q, s);
	if (!r && strcmp(sname, "/Named") == 0 && !named_navigation(w, oh))
		r = "pdf.named";
	if (r)
		return r;
	s = qpdf_oh_get_key(w->q, oh, "/Subtype");
	if (qpdf_oh_is_name(w->q, s)) {
		name = qpdf_oh_get_name(w->q, s);
		if (name_in(name, bad_annotations,
			    sizeof(bad_annotations) / sizeof(bad_annotations[0]))) {
			snprintf(what, whatlen, "pdf.annotation%s", name);
			r = what;
		}
	}
	qpdf_oh_release(w->q, s);
	return r;
}

/* The report name of oh if it is an action or annotation that must go, else NULL. A
 * stream is judged by its dictionary: readers take an action written as a stream. */
static const char *active(struct walk *w, qpdf_oh oh, char *what, size_t whatlen)
{
	const char *r;
	qpdf_oh d;

	if (qpdf_oh_is_dictionary(w->q, oh))
		return active_dict(w, oh, what, whatlen);
	if (!qpdf_oh_is_stream(w->q, oh))
		return NULL;
	d = qpdf_oh_get_dict(w->q, oh);
	r = active_dict(w, d, what, whatlen);
	qpdf_oh_release(w->q, d);
	return r;
}

static const char *removed_key(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(removed_keys) / sizeof(removed_keys[0]); i++)
		if (strcmp(key, removed_keys[i].key) == 0)
			return removed_keys[i].what;
	return NULL;
}

static int walk_dict(struct walk *w, qpdf_oh d, int id, int gen)
{
	char **keys = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	qpdf_oh_begin_dict_key_iter(w->q, d);
	while (qpdf_oh_dict_more_keys(w->q)) {
		const char *k = qpdf_oh_dict_next_key(w->q);

		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nk = realloc(keys, nc * sizeof(*nk));

			if (!nk) {
				rc = -ENOMEM;
				goto out;
			}
			keys = nk;
			cap = nc;
		}
		keys[n] = strdup(k);
		if (!keys[n]) {
			rc = -ENOMEM;
			goto out;
		}
		n++;
	}
	for (i = 0; i < n && rc == 0; i++) {
		const char *what = removed_key(keys[i]);
		char buf[64];
		qpdf_oh v;

		if (what) {
			san_removed(w->ctx, what, "obj %d %d %s", id, gen, keys[i]);
			qpdf_oh_remove_key(w->q, d, keys[i]);
			continue;
		}
		/* /Parent and /P point back up the page tree; the walk reaches them anyway */
		v = qpdf_oh_get_key(w->q, d, keys[i]);
		what = active(w, v, buf, sizeof(buf));
		if (what) {
			san_removed(w->ctx, what, "obj %d %d %s", id, gen, keys[i]);
			qpdf_oh_remove_key(w->q, d, keys[i]);
			qpdf_oh_release(w->q, v);
		} else if (qpdf_oh_is_dictionary(w->q, v) || qpdf_oh_is_array(w->q, v) ||
			   qpdf_oh_is_stream(w->q, v)) {
			rc = push(w, v, id, gen);
		} else {
			qpdf_oh_release(w->q, v);
		}
	}
out:
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return rc;
}

static int walk_array(struct walk *w, qpdf_oh a, int id, int gen)
{
	int i = qpdf_oh_get_array_n_items(w->q, a), rc = 0;

	while (i-- > 0 && rc == 0) {
		qpdf_oh v = qpdf_oh_get_array_item(w->q, a, i);
		const char *what;
		char buf[64];

		what = active(w, v, buf, sizeof(buf));
		if (what) {
			san_removed(w->ctx, what, "obj %d %d [%d]", id, gen, i);
			qpdf_oh_erase_item(w->q, a, i);
			qpdf_oh_release(w->q, v);
		} else if (qpdf_oh_is_dictionary(w->q, v) || qpdf_oh_is_array(w->q, v) ||
			   qpdf_oh_is_stream(w->q, v)) {
			rc = push(w, v, id, gen);
		} else {
			qpdf_oh_release(w->q, v);
		}
	}
	return rc;
}

static int walk(struct walk *w)
{
	int rc = push(w, qpdf_get_trailer(w->q), 0, 0);

	while (rc == 0 && w->depth > 0) {
		struct item it = w->stack[--w->depth];

		if (qpdf_oh_is_indirect(w->q, it.oh)) {
			it.id = qpdf_oh_get_object_id(w->q, it.oh);
			it.gen = qpdf_oh_get_generation(w->q, it.oh);
			rc = seen_add(w, it.id, it.gen);
			if (rc != 0) {
				qpdf_oh_release(w->q, it.oh);
				rc = rc < 0 ? rc : 0;
				continue;
			}
		}
		if (qpdf_oh_is_stream(w->q, it.oh)) {
			qpdf_oh d = qpdf_oh_get_dict(w->q, it.oh);

			rc = walk_dict(w, d, it.id, it.gen);
			qpdf_oh_release(w->q, d);
		} else if (qpdf_oh_is_dictionary(w->q, it.oh)) {
			rc = walk_dict(w, it.oh, it.id, it.gen);
		} else if (qpdf_oh_is_array(w->q, it.oh)) {
			rc = walk_array(w, it.oh, it.id, it.gen);
		}
		qpdf_oh_release(w->q, it.oh);
	}
	return rc;
}

static int read_error(struct san_ctx *ctx, qpdf_data q)
{
	qpdf_error e = qpdf_get_error(q);

	if (e && qpdf_get_error_code(q, e) == qpdf_e_password)
		return san_block(ctx, "pdf: encrypted with a user password");
	if (e && strstr(qpdf_get_error_full_text(q, e), "bad_alloc"))
		return san_block(ctx, "pdf: out of memory (sandbox.memory_mb)");
	return san_block(ctx, "pdf: cannot be parsed: %s",
			 e ? qpdf_get_error_full_text(q, e) : "unknown error");
}

int pdf_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out)
{
	struct walk w = { ctx, NULL, NULL, 0, 0, NULL, 0, 0 };
	const unsigned char *data;
	size_t n;
	int rc;

	w.q = qpdf_init();
	if (!w.q)
		return -ENOMEM;
	qpdf_silence_errors(w.q);
	qpdf_set_suppress_warnings(w.q, QPDF_TRUE);
	if (qpdf_read_memory(w.q, "input", (const char *)in, len, "") & QPDF_ERRORS) {
		rc = read_error(ctx, w.q);
		goto out;
	}
	if (qpdf_is_encrypted(w.q))
		san_removed(ctx, "pdf.encryption", "trailer /Encrypt (owner password only)");
	rc = walk(&w);
	if (rc < 0)
		goto out;
	if (qpdf_has_error(w.q)) {
		rc = read_error(ctx, w.q);
		goto out;
	}
	if (qpdf_init_write_memory(w.q) & QPDF_ERRORS) {
		rc = read_error(ctx, w.q);
		goto out;
	}
	qpdf_set_preserve_encryption(w.q, QPDF_FALSE);
	qpdf_set_object_stream_mode(w.q, qpdf_o_preserve);
	if (qpdf_write(w.q) & QPDF_ERRORS) {
		rc = read_error(ctx, w.q);
		goto out;
	}
	data = qpdf_get_buffer(w.q);
	n = qpdf_get_buffer_length(w.q);
	if (!data) {
		rc = san_block(ctx, "pdf: qpdf wrote nothing");
		goto out;
	}
	rc = buf_append(out, data, n) < 0 ? -ENOMEM : SAN_OK;
out:
	free(w.stack);
	free(w.seen);
	qpdf_cleanup(&w.q);
	return rc;
}
