/* css: style attributes and style sheets keep layout and typography, and lose
 * everything legacy browsers run, however it is spelled. */
#include <string.h>

#include "css.h"
#include "runner.h"

static char out_text[4096];

static const char *decls(const char *in, struct css_dropped *d)
{
	struct buf out = { 0 };

	memset(d, 0, sizeof(*d));
	CU_ASSERT_EQUAL_FATAL(css_declarations(in, strlen(in), &out, d), 0);
	snprintf(out_text, sizeof(out_text), "%.*s", (int)out.len, out.data ? (char *)out.data : "");
	buf_free(&out);
	return out_text;
}

static const char *sheet(const char *in, struct css_dropped *d)
{
	struct buf out = { 0 };

	memset(d, 0, sizeof(*d));
	CU_ASSERT_EQUAL_FATAL(css_stylesheet(in, strlen(in), &out, d), 0);
	snprintf(out_text, sizeof(out_text), "%.*s", (int)out.len, out.data ? (char *)out.data : "");
	buf_free(&out);
	return out_text;
}

static void ordinary_declarations_stay(void)
{
	struct css_dropped d;

	CU_ASSERT_STRING_EQUAL(decls("color:#003366;font-size:10.5pt ; margin:0 0 6pt 0;"
				     "font-family:\"MS Gothic\",serif;mso-bidi-font-size:11pt", &d),
			       "color: #003366; font-size: 10.5pt; margin: 0 0 6pt 0; "
			       "font-family: \"MS Gothic\",serif; mso-bidi-font-size: 11pt; ");
	CU_ASSERT_FALSE(d.script || d.other);
	CU_ASSERT_STRING_EQUAL(decls("color: rgb(0, 51, 102) !important", &d),
			       "color: rgb(0, 51, 102) !important; ");
	CU_ASSERT_STRING_EQUAL(decls("background: url(img/bg.png) no-repeat", &d),
			       "background: url(img/bg.png) no-repeat; ");
}

static void script_goes(void)
{
	static const char *const bad[] = {
		"behavior:url(#default#time2)", "width:expression(alert(1))",
		"width:expr/**/ession(alert(1))", "wid\\74h:e\\78pression(alert(1))",
		"background:url(\"javascript:alert(1)\")", "background-image:url(vbscript:x)",
		"-moz-binding:url(http://x/xbl#a)", "-o-link:javascript:alert(1)",
		"color:red;x:expression(alert(1))", "cursor:url(http://x/a.ani)",
		"filter:progid:DXImageTransform.Microsoft.Alpha(opacity=50)",
		"color:url(http://x/)", "font-family:\"a\\\"b\"",
	};
	struct css_dropped d;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *o = decls(bad[i], &d);

		CU_ASSERT_TRUE(d.script);
		CU_ASSERT_PTR_NULL(strstr(o, "expression"));
		CU_ASSERT_PTR_NULL(strstr(o, "url"));
		CU_ASSERT_PTR_NULL(strstr(o, "binding"));
	}
	/* the harmless declaration next to a bad one stays */
	CU_ASSERT_STRING_EQUAL(decls("color:red;x:expression(alert(1))", &d), "color: red; ");
}

static void unknown_property_is_not_script(void)
{
	struct css_dropped d;

	CU_ASSERT_STRING_EQUAL(decls("transition: all 1s; color: red", &d), "color: red; ");
	CU_ASSERT_FALSE(d.script);
	CU_ASSERT_TRUE(d.other);
	CU_ASSERT_STRING_EQUAL(d.first, "transition");
}

static void style_sheets(void)
{
	struct css_dropped d;
	const char *o;

	o = sheet("<!-- @import url(x.css); p{color:red;behavior:url(a.htc)}\n"
		  "@media print { h1 { font-size: 12pt; width: expression(1) } }\n"
		  "@font-face { src: url(f.eot) } @page S1 { size: 595.3pt 841.9pt } -->", &d);
	CU_ASSERT_TRUE(d.script);
	CU_ASSERT_PTR_NOT_NULL(strstr(o, "p{ color: red; }"));
	CU_ASSERT_PTR_NOT_NULL(strstr(o, "@media print {"));
	CU_ASSERT_PTR_NOT_NULL(strstr(o, "font-size: 12pt;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(o, "size: 595.3pt 841.9pt;"));
	CU_ASSERT_PTR_NULL(strstr(o, "import"));
	CU_ASSERT_PTR_NULL(strstr(o, "behavior"));
	CU_ASSERT_PTR_NULL(strstr(o, "expression"));
	CU_ASSERT_PTR_NULL(strstr(o, "font-face"));
	/* a selector with an escape or markup goes with its rule */
	o = sheet("a\\:hover{color:red} b{color:blue}", &d);
	CU_ASSERT_STRING_EQUAL(o, "b{ color: blue; }\n");
	/* nested @media and unterminated blocks are read without overrunning */
	o = sheet("@media a { @media b { p { color: red } } } q { color: red", &d);
	CU_ASSERT_PTR_NULL(strstr(o, "@media b"));
	CU_ASSERT_PTR_NOT_NULL(strstr(o, "q { color: red; }"));
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "ordinary declarations stay", ordinary_declarations_stay },
		{ "script-capable CSS goes, however spelled", script_goes },
		{ "an unknown property is dropped, not called script", unknown_property_is_not_script },
		{ "style sheets: rules, @media, @page, at-rules", style_sheets },
		{ NULL, NULL },
	};

	return test_run("css", cases);
}
