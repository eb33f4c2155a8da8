/* Which OOXML parts are active content, by part name, content type or relationship
 * type (ooxml.c applies them, with the root element and the content as further
 * tests), and the macro-free content type of each macro-enabled main part. */
#ifndef BUNRI_OOXMLRULES_H
#define BUNRI_OOXMLRULES_H

/* Report name (e.g. "ooxml.vba") when a part so named, so typed, or reached through a
 * relationship so typed is removed; NULL otherwise. NULL arguments give NULL. */
const char *ooxml_name_rule(const char *name);
const char *ooxml_ctype_rule(const char *ctype);
const char *ooxml_rel_rule(const char *rel_type);

/* For a main part's content type: the output's extension (".docx", ...) and in *to
 * the macro-free type to write instead (NULL when ct is already macro-free). NULL
 * when ct is no main part's type. */
const char *ooxml_main_type(const char **to, const char *ct);

#endif
