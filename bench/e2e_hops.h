/* e2e_hops: per hop and per role figures of an e2e run (bench/e2e_hops.c). */
#ifndef EO_BENCH_E2E_HOPS_H
#define EO_BENCH_E2E_HOPS_H

#include <jansson.h>

/* From the deployment's logs in dir, per intake answered 201, in ms:
 * {"to_decided":S, "decided_to_201":S, "201_to_offer":S, "intake_to_offer":S}, each S
 * {"n","p50","p99","mean"}: gateway arrival -> decided in the matcher's batch (before
 * its commit) -> 201 sent -> first offer handed to the SMS gateway. NULL if out of
 * memory. */
json_t *eo_e2e_hops(const char *dir, long matchers);

/* From each matcher's periodic stats lines (dir/logs/matcher-N.log) stamped at or after
 * since_ms (ms since the epoch): how its batches went over the run, {"matcher-N":
 * {"batches","items_per_batch","decide_ms","commit_ms","cpu_ms","busy_pct"}}, the ms a
 * batch (deciding without the commit, the commit's two syncs, the CPU of both). Where the
 * matchers' time goes with or without the API's access lines. NULL if out of memory. */
json_t *eo_e2e_batches(const char *dir, long matchers, double since_ms);

typedef enum {
    EO_E2E_CPU_TICKS, /* clock ticks of user + system time */
    EO_E2E_WRITTEN,   /* bytes handed to write calls */
    EO_E2E_COMMITS,   /* write commits of the role's store (roles with one) */
    EO_E2E_COUNTERS
} eo_e2e_counter_t;

/* {"<role>": the counter so far} of every process in dir/run. */
json_t *eo_e2e_sample(const char *dir, eo_e2e_counter_t counter);

/* {"<role>": counter per request between two samples}: CPU ms, KiB written, commits. */
json_t *eo_e2e_per_request(json_t *before, json_t *after, eo_e2e_counter_t counter,
                           long requests);

#endif
