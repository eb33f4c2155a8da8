/* version: see version.h. BUNRI_VERSION comes from meson (policy/meson.build). */
#include <string.h>

#include "version.h"

const char *version_string(void)
{
	return BUNRI_VERSION;
}

bool version_asked(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--version") == 0)
			return true;
	return false;
}
