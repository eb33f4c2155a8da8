/* The three zones of the three-layer model and their names in config files. */
#ifndef BUNRI_ZONE_H
#define BUNRI_ZONE_H

enum zone {
	ZONE_MYNUMBER = 0, /* マイナンバー利用事務系 */
	ZONE_LGWAN = 1,    /* LGWAN接続系 */
	ZONE_INTERNET = 2, /* インターネット接続系 */
	ZONE_COUNT = 3,
	ZONE_NONE = 255,
};

/* "mynumber", "lgwan", "internet"; "?" for anything else. */
const char *zone_name(enum zone z);
/* ZONE_NONE when the name is not a zone. */
enum zone zone_from_name(const char *name);

#endif
