/* appliance.cfg's zones group (zones.c). Internal to policy/. */
#ifndef BUNRI_ZONES_H
#define BUNRI_ZONES_H

#include <libconfig.h>

#include "cfgread.h"
#include "model.h"

/* Parses zones = { ... } into a->zones and checks that the zones stay apart; every
 * problem goes to ctx->d. zones may be NULL (reported as missing). */
void zones_parse(struct cfgctx *ctx, struct appliance *a, const config_setting_t *zones);

#endif
