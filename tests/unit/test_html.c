/* HTML: active content goes, text and harmless links stay; HTML to text for mail. */
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "runner.h"

static struct san_config cfg;

static char *run(const char *in, size_t *removed)
{
	struct buf b = { 0 };
	struct san_ctx ctx;

	config_defaults(&cfg);
	CU_ASSERT_EQUAL_FATAL(html_prepare(), 0);
	CU_ASSERT_EQUAL_FATAL(san_ctx_init(&ctx, &cfg), 0);
	CU_ASSERT_EQUAL(html_sanitize(&ctx, (const unsigned char *)in, strlen(in), &b), SAN_OK);
	*removed = json_array_size(ctx.removed);
	san_ctx_fini(&ctx);
	CU_ASSERT_EQUAL_FATAL(buf_append(&b, "", 1), 0);
	return (char *)b.data;
}

static void scripts_and_handlers(void)
{
	size_t n;
	char *out = run("<html><body onload='x()'><script>alert(1)</script>"
			"<p onclick=\"y()\">keep me</p><a href=' java\tscript:z()'>l</a>"
			"<a href='/ok'>ok</a></body></html>", &n);

	CU_ASSERT_PTR_NULL(strstr(out, "script"));
	CU_ASSERT_PTR_NULL(strstr(out, "onload"));
	CU_ASSERT_PTR_NULL(strstr(out, "onclick"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "keep me"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "href=\"/ok\""));
	CU_ASSERT_EQUAL(n, 4);
	free(out);
}

/* Browsers end a comment at "<!-->" and "<!--->", libxml2 does not: whatever a
 * comment holds must not reach the output, where a browser would read it as markup. */
static void comments_dropped(void)
{
	size_t n;
	char *out = run("<html><body><!--><img src=x onerror=alert(1)>--><p>text</p>"
			"<!---><script>alert(2)</script>--><!--[if IE]><script>alert(3)</script><![endif]-->"
			"</body></html>", &n);

	CU_ASSERT_PTR_NULL(strstr(out, "<!--"));
	CU_ASSERT_PTR_NULL(strstr(out, "onerror"));
	CU_ASSERT_PTR_NULL(strstr(out, "alert"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "text"));
	free(out);
}

/* An SVG animation can set a link's href to a script URL when it runs: dropped. */
static void svg_animation_dropped(void)
{
	size_t n;
	char *out = run("<html><body><svg><a><set attributeName='href' to='javascript:alert(1)'/>"
			"<animate attributeName='href' values='javascript:alert(2)'/>"
			"<animateTransform attributeName='transform' type='rotate'/>"
			"<text>label</text></a></svg></body></html>", &n);

	CU_ASSERT_PTR_NULL(strstr(out, "javascript"));
	CU_ASSERT_PTR_NULL(strcasestr(out, "<set"));
	CU_ASSERT_PTR_NULL(strcasestr(out, "<animate"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "label"));
	CU_ASSERT_EQUAL(n, 3);
	free(out);
}

static void frames_plugins_forms(void)
{
	size_t n;
	char *out = run("<html><head><base href='http://e/'><meta http-equiv='Refresh' content='0'>"
			"</head><body><iframe src='http://e/'></iframe><embed src='a.swf'>"
			"<p>after embed</p><form action='https://e/p'><input name='a'></form>"
			"<form action='local'></form><img src='data:image/png;base64,AA'></body></html>", &n);

	CU_ASSERT_PTR_NULL(strstr(out, "<base"));
	CU_ASSERT_PTR_NULL(strstr(out, "efresh"));
	CU_ASSERT_PTR_NULL(strstr(out, "<iframe"));
	CU_ASSERT_PTR_NULL(strstr(out, "<embed"));
	CU_ASSERT_PTR_NULL(strstr(out, "https://e/p"));
	CU_ASSERT_PTR_NULL(strstr(out, "data:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "after embed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "action=\"local\""));
	CU_ASSERT_EQUAL(n, 6);
	free(out);
}

static void to_text(void)
{
	const char *in = "<html><head><style>p{}</style><title>t</title></head><body>"
			 "<p>会議</p><script>evil()</script><div>二行目<br>三</div></body></html>";
	struct buf b = { 0 };

	CU_ASSERT_EQUAL(html_to_text((const unsigned char *)in, strlen(in), &b), 0);
	CU_ASSERT_EQUAL_FATAL(buf_append(&b, "", 1), 0);
	CU_ASSERT_STRING_EQUAL((char *)b.data, "会議\n二行目\n三\n");
	buf_free(&b);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "scripts, handlers, script URLs", scripts_and_handlers },
		{ "base, refresh, frames, plugins, offsite forms, data URLs", frames_plugins_forms },
		{ "HTML to text", to_text },
		{ "comments dropped", comments_dropped },
		{ "SVG animation elements dropped", svg_animation_dropped },
		{ NULL, NULL },
	};

	return test_run("html", cases);
}
