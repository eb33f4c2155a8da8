/* The relationship graph of an OPC package (OOXML, XPS): which parts Office can reach
 * from the package relationships (_rels/.rels), following each reached part's own
 * .rels. A part nothing reaches is never shown, so it can only be a hiding place. */
#ifndef BUNRI_OPCGRAPH_H
#define BUNRI_OPCGRAPH_H

#include <stddef.h>

#include "buf.h"

/* Resolves a relationship target against the folder of the part rels_name belongs to
 * (word/_rels/document.xml.rels + media/a.png -> word/media/a.png). */
void opc_resolve(const char *rels_name, const char *target, char *out, size_t outlen);

/* names[i] and data[i] for the n parts (a NULL name is no part; only .rels data is
 * read). Sets reached[i] to 1 for every part reachable from _rels/.rels through the
 * relationships of reached parts, and for [Content_Types].xml and _rels/.rels. 0, or
 * -ENOMEM; a .rels that does not parse reaches nothing. */
int opc_reach(char *const *names, const struct buf *data, long n, unsigned char *reached);

#endif
