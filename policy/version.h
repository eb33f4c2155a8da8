/* version: the release every bunri program reports with --version (meson's project
 * version, so packages, man pages and binaries agree). */
#ifndef BUNRI_VERSION_H
#define BUNRI_VERSION_H

#include <stdbool.h>

/* The release, e.g. "0.1.0". Never NULL. */
const char *version_string(void);

/* True when --version is among argv[1..argc-1]: checked before any other parsing, so
 * it answers even where EAL options or a subcommand would come first. */
bool version_asked(int argc, char **argv);

#endif
