#include <string.h>

#include "zone.h"

static const char *const names[ZONE_COUNT] = {
	[ZONE_MYNUMBER] = "mynumber",
	[ZONE_LGWAN] = "lgwan",
	[ZONE_INTERNET] = "internet",
};

const char *zone_name(enum zone z)
{
	return (unsigned)z < ZONE_COUNT ? names[z] : "?";
}

enum zone zone_from_name(const char *name)
{
	for (unsigned z = 0; z < ZONE_COUNT; z++)
		if (strcmp(name, names[z]) == 0)
			return (enum zone)z;
	return ZONE_NONE;
}
