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

/* What every parsing function needs to report a problem. */
struct cfgctx {
	const char *file;
	struct diag *d;
};

/* Reads path into cfg and its SHA-256 into digest. 0; -EINVAL after a syntax error
 * (reported in d); -errno when the file cannot be read (reported in d). */
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
