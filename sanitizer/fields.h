/* Word field instructions, whichever format carries them (OOXML, RTF, Word 97): which
 * ones reach outside the document when Word updates them. One meaning for all three. */
#ifndef BUNRI_FIELDS_H
#define BUNRI_FIELDS_H

enum field_kind {
	FIELD_SAFE,
	FIELD_DDE,      /* DDE, DDEAUTO, or a keyword a nested field supplies */
	FIELD_REMOTE,   /* INCLUDETEXT, INCLUDEPICTURE, INCLUDE, IMPORT, LINK to a URL or UNC path */
	FIELD_LINK,     /* HYPERLINK to anything but http, https, mailto or a relative path */
};

/* What the caller knows beyond the text it collected. */
#define FIELD_NESTED_FIRST 0x1  /* a nested field comes before any keyword text */
#define FIELD_NESTED 0x2        /* a nested field sits somewhere in the instruction */
#define FIELD_TRUNCATED 0x4     /* instr was cut short */

/* instr: the instruction text (ASCII or UTF-8, escapes already decoded). Never fails. */
enum field_kind fields_classify(const char *instr, unsigned flags);

#endif
