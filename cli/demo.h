/* demo: W1 carers for the embedded default, a newcomer's first run and the end-to-end
 * tests. */
#ifndef EO_CLI_DEMO_H
#define EO_CLI_DEMO_H

#include <czmq.h>
#include <stdint.h>

#include "eonjena/eonjena.h"

/* If the store holds no carer yet, generate n W1 carers (seeded) whose booked minutes
 * refer to the clock's current week, and load those of `sites` ("*" or NULL: all; else a
 * comma-separated list: a matcher's shard). 0, or an error (logged). */
int eo_demo_load(eo_store_t *store, const eo_dongs_t *dongs, eo_clock_t *clock, uint32_t n,
                 uint64_t seed, const char *sites);
/* The same with n and seed from the `demo` section of a configuration. */
int eo_demo_seed(eo_store_t *store, const eo_dongs_t *dongs, eo_clock_t *clock,
                 zconfig_t *config, const char *sites);

#endif
