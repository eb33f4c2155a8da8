/* OOXML packages (docx/xlsx/pptx and their macro-enabled kinds; libzip + libxml2):
 * VBA projects, macro sheets, ActiveX, embedded OLE objects and packages, external
 * relationships, DDE links and data connections are removed, found by part name,
 * content type, relationship type or root element; fields in WordprocessingML parts go
 * through wordml.h. Content types and relationships are rewritten so the package
 * opens, as its macro-free type. */
#ifndef BUNRI_OOXML_H
#define BUNRI_OOXML_H

#include "sanitize.h"

/* SAN_OK with out_ext set to the macro-free extension (".docx", ".xlsx", ".pptx"),
 * SAN_BLOCKED (binary workbook, broken package), or -ENOMEM. */
int ooxml_sanitize(struct san_ctx *ctx, const unsigned char *in, size_t len, struct buf *out,
		   char *out_ext, size_t ext_len);

#endif
