/* The flow ids every policy generation has used, each given a small stable number, so
 * a connection can name its flow after the policy that allowed it has been retired.
 * Written only by the control side (tables_build); read by workers through numbers
 * published with a table. */
#ifndef BUNRI_FLOWNAME_H
#define BUNRI_FLOWNAME_H

#include <stdint.h>

#define FLOWNAME_MAX 65535u
#define FLOWNAME_NONE 0u /* number 0 is the empty name */

struct flowname;

/* NULL with errno ENOMEM. */
struct flowname *flowname_create(void);
void flowname_free(struct flowname *fn);
/* The number of id (the same number for the same id every time); -ENOSPC when
 * FLOWNAME_MAX names exist, -ENOMEM. */
int flowname_intern(struct flowname *fn, const char *id);
/* The id of a number intern() returned; "" for FLOWNAME_NONE or an unknown number. */
const char *flowname_get(const struct flowname *fn, uint32_t n);

#endif
