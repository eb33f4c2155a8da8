/* WordprocessingML parts (document, headers, footers, notes, comments, glossary), in the
 * transitional and the Strict namespace: field instructions that reach outside the
 * document (fields.h) are cleared, the field's last result stays. */
#ifndef BUNRI_WORDML_H
#define BUNRI_WORDML_H

#include <libxml/tree.h>

#include "sanitize.h"

/* 1 when ns (may be NULL) is a WordprocessingML main namespace. */
int wordml_ns(const char *ns);

/* Walks the tree under root; each field cleared is reported as ooxml.dde or
 * ooxml.remote_field at part. 1 when the tree changed, 0 when not, -E2BIG when fields
 * nest deeper than it follows (64), -ENOMEM. */
int wordml_clean_fields(struct san_ctx *ctx, const char *part, xmlNodePtr root);

#endif
