#include "ooxmlrules.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Parts removed by name, matched case-insensitively. */
const char *ooxml_name_rule(const char *name)
{
	const char *base = strrchr(name, '/');

	base = base ? base + 1 : name;
	if (strcasecmp(base, "vbaProject.bin") == 0 || strcasecmp(base, "vbaData.xml") == 0 ||
	    strcasestr(name, "vbaProjectSignature"))
		return "ooxml.vba";
	if (strncasecmp(name, "xl/macrosheets/", 15) == 0 ||
	    strncasecmp(name, "xl/dialogsheets/", 16) == 0)
		return "ooxml.macrosheet";
	if (strcasestr(name, "/activeX/"))
		return "ooxml.activex";
	if (strcasestr(name, "/embeddings/"))
		return "ooxml.embedded_object";
	if (strncasecmp(name, "xl/externalLinks/", 17) == 0)
		return "ooxml.external_link";
	if (strncasecmp(name, "customUI/", 9) == 0 || strcasestr(name, "/customUI"))
		return "ooxml.custom_ui";
	/* external data: ODBC/OLE DB/web/DDE connections and the query tables using them */
	if (strcasecmp(name, "xl/connections.xml") == 0 || strncasecmp(name, "xl/queryTables/", 15) == 0)
		return "ooxml.data_connection";
	return NULL;
}

/* Office finds a part through the type of the relationship to it and checks the part's
 * content type, never its name: a macro sheet moved to xl/worksheets/ still runs. So
 * both types decide too, wherever the part lives. Matched case-insensitively, content
 * types as substrings, relationship types on the last segment of the type URI. */
static const struct {
	const char *ctype;
	const char *what;
} bad_ctypes[] = {
	{ "vbaProject", "ooxml.vba" },            /* and vbaProjectSignature* */
	{ "vbaData", "ooxml.vba" },
	{ "macrosheet", "ooxml.macrosheet" },     /* macrosheet+xml, intlmacrosheet+xml */
	{ "dialogsheet", "ooxml.macrosheet" },
	{ "externalLink", "ooxml.external_link" },
	{ "spreadsheetml.connections", "ooxml.data_connection" },
	{ "queryTable", "ooxml.data_connection" },
	{ "activeX", "ooxml.activex" },
	{ "oleObject", "ooxml.embedded_object" },
	/* whole documents embedded as package parts: .docm, .xlsm, .xlsb, .pptm, ... */
	{ "macroEnabled.12", "ooxml.embedded_object" },
};

/* Whole documents embedded as package parts, matched exactly: as substrings they would
 * also match parts of a normal document (sheetMetadata, presentationProperties, ...). */
static const char *const package_ctypes[] = {
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.template",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.template",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/vnd.openxmlformats-officedocument.presentationml.slideshow",
	"application/vnd.openxmlformats-officedocument.presentationml.template",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.ms-word", "application/x-msdownload",
};

static const struct {
	const char *type;
	const char *what;
} bad_rel_types[] = {
	{ "vbaProject", "ooxml.vba" },
	{ "vbaProjectSignature", "ooxml.vba" },
	{ "vbaProjectSignatureAgile", "ooxml.vba" },
	{ "vbaProjectSignatureV3", "ooxml.vba" },
	{ "wordVbaData", "ooxml.vba" },
	{ "keyMapCustomizations", "ooxml.vba" },  /* Word key bindings to macros */
	{ "xlMacrosheet", "ooxml.macrosheet" },
	{ "xlIntlMacrosheet", "ooxml.macrosheet" },
	{ "dialogsheet", "ooxml.macrosheet" },
	{ "externalLink", "ooxml.external_link" },
	{ "externalLinkPath", "ooxml.external_link" },
	{ "connections", "ooxml.data_connection" },
	{ "queryTable", "ooxml.data_connection" },
	{ "package", "ooxml.embedded_object" },
	{ "oleObject", "ooxml.ole_object" },
	{ "control", "ooxml.activex" },
	{ "activeXControlBinary", "ooxml.activex" },
	{ "attachedTemplate", "ooxml.external_template" },
	{ "aFChunk", "ooxml.alt_chunk" },        /* an embedded HTML/RTF/MHT document */
	{ "extensibility", "ooxml.custom_ui" },  /* .../ui/extensibility */
};

const char *ooxml_ctype_rule(const char *ct)
{
	size_t i, l;

	if (!ct)
		return NULL;
	for (i = 0; i < sizeof(package_ctypes) / sizeof(package_ctypes[0]); i++)
		if (strcasecmp(ct, package_ctypes[i]) == 0)
			return "ooxml.embedded_object";
	/* the main part of a macro-enabled document is rewritten, not removed */
	l = strlen(ct);
	if (l > 9 && strcasecmp(ct + l - 9, ".main+xml") == 0)
		return NULL;
	for (i = 0; i < sizeof(bad_ctypes) / sizeof(bad_ctypes[0]); i++)
		if (strcasestr(ct, bad_ctypes[i].ctype))
			return bad_ctypes[i].what;
	return NULL;
}

const char *ooxml_rel_rule(const char *type)
{
	const char *last = type ? strrchr(type, '/') : NULL;
	size_t i;

	if (!last)
		return NULL;
	for (i = 0; i < sizeof(bad_rel_types) / sizeof(bad_rel_types[0]); i++)
		if (strcasecmp(last + 1, bad_rel_types[i].type) == 0)
			return bad_rel_types[i].what;
	return NULL;
}

static const struct {
	const char *from, *to, *ext;
} main_types[] = {
	{ "application/vnd.ms-word.document.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", ".docx" },
	{ "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
	  "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml", ".dotx" },
	{ "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", ".xlsx" },
	{ "application/vnd.ms-excel.template.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml", ".xltx" },
	{ "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", ".pptx" },
	{ "application/vnd.ms-powerpoint.slideshow.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml", ".ppsx" },
	{ "application/vnd.ms-powerpoint.template.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.template.main+xml", ".potx" },
	/* add-ins have no macro-free kind: without their code they are a workbook or a
	 * presentation */
	{ "application/vnd.ms-excel.addin.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", ".xlsx" },
	{ "application/vnd.ms-powerpoint.addin.macroEnabled.main+xml",
	  "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", ".pptx" },
	{ "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml", NULL, ".docx" },
	{ "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", NULL, ".xlsx" },
	{ "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml", NULL, ".pptx" },
};

const char *ooxml_main_type(const char **to, const char *ct)
{
	size_t i;

	for (i = 0; i < sizeof(main_types) / sizeof(main_types[0]); i++) {
		if (strcmp(ct, main_types[i].from) == 0) {
			*to = main_types[i].to;
			return main_types[i].ext;
		}
	}
	*to = NULL;
	return NULL;
}
