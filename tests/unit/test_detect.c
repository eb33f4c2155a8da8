/* Type detection from content, and names that contradict it. */
#include <string.h>

#include "detect.h"
#include "runner.h"

static enum san_format fmt(const char *data, size_t len, char *mime)
{
	return detect_format((const unsigned char *)data, len, mime, 128);
}

static void by_content(void)
{
	char mime[128];
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x02\0\0\0";
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0";

	CU_ASSERT_EQUAL_FATAL(detect_init(), 0);
	CU_ASSERT_EQUAL(fmt("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", 30, mime), FMT_PDF);
	CU_ASSERT_EQUAL(fmt("{\\rtf1\\ansi hello}", 18, mime), FMT_RTF);
	CU_ASSERT_EQUAL(fmt(png, sizeof(png) - 1, mime), FMT_IMAGE);
	CU_ASSERT_EQUAL(fmt("<html><body><p>x</p></body></html>\n", 35, mime), FMT_HTML);
	CU_ASSERT_EQUAL(fmt("a,b\n1,2\n", 8, mime), FMT_TEXT);
	CU_ASSERT_EQUAL(fmt(elf, sizeof(elf) - 1, mime), FMT_UNKNOWN);
	CU_ASSERT_EQUAL(fmt("", 0, mime), FMT_EMPTY);
}

static void mail_headers(void)
{
	char mime[128];
	const char *m1 = "Received: from x\r\nFrom: a@b\r\nSubject: s\r\n\r\nbody\r\n";
	const char *m2 = "Content-Type: text/plain\nMIME-Version: 1.0\n\nbody\n";
	const char *t = "Note: this is text\nwith: colons\n\nFrom: nobody\n";

	CU_ASSERT_EQUAL_FATAL(detect_init(), 0);
	CU_ASSERT_EQUAL(fmt(m1, strlen(m1), mime), FMT_MAIL);
	CU_ASSERT_EQUAL(fmt(m2, strlen(m2), mime), FMT_MAIL);
	CU_ASSERT_EQUAL(fmt(t, strlen(t), mime), FMT_TEXT);
}

static void names(void)
{
	CU_ASSERT_TRUE(detect_name_conflict("report.pdf", FMT_UNKNOWN));
	CU_ASSERT_TRUE(detect_name_conflict("report.PDF", FMT_OOXML));
	CU_ASSERT_FALSE(detect_name_conflict("report.pdf", FMT_PDF));
	CU_ASSERT_FALSE(detect_name_conflict("dir/a.docm", FMT_OOXML));
	CU_ASSERT_TRUE(detect_name_conflict("invoice.pdf.exe", FMT_PDF));
	CU_ASSERT_TRUE(detect_name_conflict("run.js", FMT_TEXT));
	CU_ASSERT_TRUE(detect_name_conflict("data.ods", FMT_TEXT));
	CU_ASSERT_FALSE(detect_name_conflict("notes.txt", FMT_TEXT));
	CU_ASSERT_FALSE(detect_name_conflict("page.txt", FMT_HTML));
	CU_ASSERT_FALSE(detect_name_conflict("README", FMT_TEXT));
	CU_ASSERT_FALSE(detect_name_conflict(".hidden", FMT_TEXT));
	CU_ASSERT_FALSE(detect_name_conflict(NULL, FMT_PDF));
	/* a Word file under an Ichitaro name is opened by Ichitaro */
	CU_ASSERT_TRUE(detect_name_conflict("letter.jtd", FMT_OLE2));
	CU_ASSERT_TRUE(detect_name_conflict("a.hwp", FMT_OLE2));
	CU_ASSERT_FALSE(detect_name_conflict("a.DOC", FMT_OLE2));
	CU_ASSERT_FALSE(detect_name_conflict("slides.pps", FMT_OLE2));
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "formats from content", by_content },
		{ "mail from its headers", mail_headers },
		{ "names that contradict the content", names },
		{ NULL, NULL },
	};
	int rc = test_run("detect", cases);

	detect_fini();
	return rc;
}
