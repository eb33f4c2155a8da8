/* links: which link schemes stay under uri = "keep", read the way browsers read them. */
#include <string.h>

#include "links.h"
#include "runner.h"

static int ok(const char *u, enum link_base b)
{
	return links_allowed(u, strlen(u), b);
}

static void kept_schemes(void)
{
	CU_ASSERT_TRUE(ok("https://www.city.example.lg.jp/", LINK_BASE_FILE));
	CU_ASSERT_TRUE(ok("HTTP://example.jp", LINK_BASE_FILE));
	CU_ASSERT_TRUE(ok("mailto:soumu@example.lg.jp", LINK_BASE_FILE));
	CU_ASSERT_TRUE(ok("  \x01https://example.jp", LINK_BASE_FILE));
}

static void removed_schemes(void)
{
	static const char *const bad[] = {
		"javascript:alert(1)", "JaVa\tScRiPt:alert(1)", " \njavascript:x", "java\nscript:x",
		"vbscript:msgbox", "data:text/html,x", "file:///C:/x.exe", "ms-msdt:/id x",
		"search-ms:query=x", "C:\\Windows\\calc.exe", "\\\\host\\share", "//host/share",
		"/\\host/share",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_FALSE(ok(bad[i], LINK_BASE_FILE));
		CU_ASSERT_FALSE(ok(bad[i], LINK_BASE_SITE));
	}
}

static void relative_links(void)
{
	/* a page's own links stay; in a PDF or OOXML file they are local files */
	CU_ASSERT_TRUE(ok("../kurashi/index.html", LINK_BASE_SITE));
	CU_ASSERT_TRUE(ok("#top", LINK_BASE_SITE));
	CU_ASSERT_TRUE(ok("a.html?x=http://y", LINK_BASE_SITE));
	CU_ASSERT_FALSE(ok("../kurashi/index.html", LINK_BASE_FILE));
	CU_ASSERT_FALSE(ok("", LINK_BASE_FILE));
}

static void script_schemes(void)
{
	CU_ASSERT_TRUE(links_is_script(" jav\tascript:x", 14));
	CU_ASSERT_TRUE(links_is_script("DATA:image/png;base64,", 22));
	CU_ASSERT_FALSE(links_is_script("file:///x", 9));
	CU_ASSERT_FALSE(links_is_script("https://x", 9));
	/* a length that stops before the colon is no scheme */
	CU_ASSERT_FALSE(links_is_script("javascript:x", 10));
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "http, https and mailto stay", kept_schemes },
		{ "scripts, files, handlers and shares go", removed_schemes },
		{ "relative links stay only in HTML", relative_links },
		{ "script schemes are named", script_schemes },
		{ NULL, NULL },
	};

	return test_run("links", cases);
}
