/* The daemon's worker: takes settled files from the inbox, sanitizes each in the
 * sandbox and commits the result so that a kill -9 at any moment loses nothing and
 * duplicates nothing.
 *
 * A file goes inbox/X -> work/<w>/X (claim, one rename) -> outbox/.X.bunri-tmp
 * (output) -> work/<w>/X.intent (decision, durable) -> outbox/Y (commit: one rename)
 * -> audit line -> <processed|quarantine>/X.json and /X. Recovery finishes whatever an
 * intent records and redoes whatever has none. Readers of the outbox ignore names that
 * start with '.'. */
#ifndef BUNRI_WORKER_H
#define BUNRI_WORKER_H

#include "config.h"

/* Creates the folders the daemon needs. 0 or -errno. */
int worker_setup(const struct san_config *cfg);

/* Finishes or redoes every file left in work/<any>/ by a worker that died. Returns the
 * number of files handled, or -errno. */
int worker_recover(const struct san_config *cfg);

/* Runs worker number index until *stop is set. With once, returns when the inbox holds
 * nothing more to take (files still settling are waited for). Returns files handled or
 * -errno. */
int worker_run(const struct san_config *cfg, int index, int once, volatile int *stop);

#endif
