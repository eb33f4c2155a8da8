/* Word field instructions: which reach outside the document (DDE, remote includes). */
#include "fields.h"
#include "runner.h"

static void dde(void)
{
	CU_ASSERT_EQUAL(fields_classify(" DDEAUTO c:\\\\cmd.exe \"/k calc\"", 0), FIELD_DDE);
	CU_ASSERT_EQUAL(fields_classify("dde cmd /c calc", 0), FIELD_DDE);
	CU_ASSERT_EQUAL(fields_classify("\t\r\n DdEaUtO x", 0), FIELD_DDE);
	/* a keyword that a nested field would supply cannot be known */
	CU_ASSERT_EQUAL(fields_classify("  c:\\\\cmd.exe", FIELD_NESTED_FIRST | FIELD_NESTED), FIELD_DDE);
}

static void remote_includes(void)
{
	CU_ASSERT_EQUAL(fields_classify("INCLUDEPICTURE \"http://example.invalid/a.png\" \\d", 0), FIELD_REMOTE);
	CU_ASSERT_EQUAL(fields_classify("includetext \"\\\\\\\\host\\\\share\\\\a.doc\"", 0), FIELD_REMOTE);
	CU_ASSERT_EQUAL(fields_classify("INCLUDEPICTURE \"//host/share/a.png\"", 0), FIELD_REMOTE);
	CU_ASSERT_EQUAL(fields_classify("LINK Word.Document.12 \"file:///c:/x.docx\"", 0), FIELD_REMOTE);
	CU_ASSERT_EQUAL(fields_classify("IMPORT https://example.invalid/x.wmf", 0), FIELD_REMOTE);
	/* the path may come from a nested field, or lie beyond what was collected */
	CU_ASSERT_EQUAL(fields_classify("INCLUDEPICTURE \"", FIELD_NESTED), FIELD_REMOTE);
	CU_ASSERT_EQUAL(fields_classify("INCLUDETEXT       ", FIELD_TRUNCATED), FIELD_REMOTE);
}

static void safe(void)
{
	CU_ASSERT_EQUAL(fields_classify("PAGE", 0), FIELD_SAFE);
	CU_ASSERT_EQUAL(fields_classify(" HYPERLINK \"https://example.jp/\"", 0), FIELD_SAFE);
	CU_ASSERT_EQUAL(fields_classify("INCLUDEPICTURE \"logo.png\" \\* MERGEFORMAT", 0), FIELD_SAFE);
	CU_ASSERT_EQUAL(fields_classify("INCLUDETEXT \"C:\\\\docs\\\\a.docx\"", 0), FIELD_SAFE);
	CU_ASSERT_EQUAL(fields_classify("IF { MERGEFIELD x } = 1 \"a\" \"b\"", FIELD_NESTED), FIELD_SAFE);
	CU_ASSERT_EQUAL(fields_classify("", 0), FIELD_SAFE);
}

int main(void)
{
	static const struct test_case cases[] = {
		{ "dde", dde },
		{ "remote includes", remote_includes },
		{ "safe fields", safe },
		{ NULL, NULL },
	};

	return test_run("fields", cases);
}
