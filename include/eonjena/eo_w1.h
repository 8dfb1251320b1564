/* eo_w1: the W1 workload (docs/workload.md), generated deterministically.
 *
 * Every carer and every request is drawn from its own random stream, derived from the
 * seed and its index (xoshiro256** seeded through splitmix64), so any one of them can be
 * generated alone, in any order, and the request list does not depend on N. Shared by
 * eonjena-bench, the index tests and the matcher/e2e work. */
#ifndef EO_W1_H
#define EO_W1_H

#include <stdint.h>

#include "eo_dong.h"
#include "eo_index.h"
#include "eo_store.h"
#include "eo_time.h"

typedef struct eo_w1_t eo_w1_t;

typedef struct {
    uint32_t id; /* 1-based: request i has id i + 1 */
    char site[EO_SITE_SLUG];
    uint32_t dong;
    eo_time_t start, end; /* half-hour aligned */
} eo_w1_request_t;

/* A small seeded PRNG (xoshiro256**), for whoever needs W1-style randomness. */
typedef struct {
    uint64_t s[4];
} eo_rng_t;
void eo_rng_seed(eo_rng_t *rng, uint64_t seed, uint64_t stream);
uint64_t eo_rng_next(eo_rng_t *rng);
/* Uniform in [0, n); n > 0. */
uint32_t eo_rng_below(eo_rng_t *rng, uint32_t n);

/* The generation clock: Friday 2026-11-27 18:00 Seoul (slot 228 of its week). */
eo_time_t eo_w1_default_clock(void);

/* Over the 방문형 sites of the dong table. clock: the generation clock, half-hour
 * aligned (0 = the default). NULL if the table has no 방문형 dong or clock is bad. */
eo_w1_t *eo_w1_new(const eo_dongs_t *dongs, uint64_t seed, eo_time_t clock);
void eo_w1_destroy(eo_w1_t **self_p);
eo_time_t eo_w1_clock(eo_w1_t *self);

/* Carer i (id i + 1) and its minutes already booked in the clock's week (for a 초청
 * carer the same number is its month's minutes: W1 says nothing of months). */
void eo_w1_carer(eo_w1_t *self, uint32_t i, eo_carer_t *out, uint32_t *booked_min);
/* Request i. */
void eo_w1_request(eo_w1_t *self, uint32_t i, eo_w1_request_t *out);

/* Generate carers 0 .. n-1 and bulk-load them (eo_index_load) into an empty index with
 * their booked minutes, the clock's week as reference week (eo_index_load_store: its
 * own transactions, all or nothing). Returns 0 or the first error. */
int eo_w1_load(eo_w1_t *self, eo_store_t *store, eo_index_t *index, uint32_t n);
/* The same for the carers among 0 .. n-1 of the n_sites sites named (a site is a shard:
 * W1; a matcher may serve several). */
int eo_w1_load_sites(eo_w1_t *self, eo_store_t *store, eo_index_t *index, uint32_t n,
                     const char *const *sites, size_t n_sites);

void eo_w1_test(bool verbose);

#endif
