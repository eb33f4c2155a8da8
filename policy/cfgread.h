/* Reading libconfig files the way every bunri config is read: the whole file once (so
 * its digest covers exactly what was parsed), syntax errors with libconfig's own line,
 * and helpers that report wrong types and unknown keys at the setting's line. */
#ifndef BUNRI_CFGREAD_H
#define BUNRI_CFGREAD_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpolicy.h"
#include "diag.h"

#define CFGREAD_MAX_BYTES (16u << 20)
/* A file changed less than this long ago is looked at again after this long. */
#define CFGREAD_SETTLE_MS 100
/* Another settle time for the whole process (0: none), set once before any read: for a
 * fuzzer that rewrites its one file for every input. */
void cfgread_set_settle_ms(unsigned ms);

/* What every parsing function needs to report a problem. */
struct cfgctx {
	const char *file;
	struct diag *d;
};

/* The whole of path, read once: 0, a malloc'd NUL-terminated *text and *len. A file that
 * is not whole is refused with *why saying so: -ENODATA (0 bytes), -ESTALE (shorter
 * than when opened, or its size, times or inode changed while it was read: a writer
 * is at work, also within CFGREAD_SETTLE_MS after the read). Other -errno (*why NULL) when it cannot be read; -EFBIG past
 * CFGREAD_MAX_BYTES. */
int cfgread_text(const char *path, char **text, size_t *len, const char **why);

/* Reads path once into cfg and the SHA-256 of the same bytes into digest. 0; -EINVAL
 * after a syntax error; -ENODATA for a file of nothing but blanks, -ESTALE for one that
 * changed while it was read, other -errno when it cannot be read (each reported in d). */
int cfgread_load(const char *path, config_t *cfg, uint8_t digest[CPOLICY_DIGEST_LEN],
		 struct diag *d);

unsigned cfgread_line(const config_setting_t *s);

/* Reports every child of group s whose name is not in allowed (NULL-terminated).
 * what names the group in the message ("zone lgwan"). Returns the number reported. */
unsigned cfgread_unknown_keys(const config_setting_t *s, const char *const *allowed,
			      const char *file, const char *flow, const char *what,
			      struct diag *d);

/* The string value of s, or NULL after reporting that it must be a string. */
const char *cfgread_string(const config_setting_t *s, const char *file, const char *flow,
			   const char *what, struct diag *d);

/* s is a string or an array/list of strings: the number of strings (0 after reporting a
 * wrong type), and the i-th one through cfgread_string_at(). */
unsigned cfgread_string_count(const config_setting_t *s, const char *file,
			      const char *flow, const char *what, struct diag *d);
const char *cfgread_string_at(const config_setting_t *s, unsigned i);

#endif
