/* eonjena-bench query: W1 candidate query latency (docs/workload.md).
 * Generates N carers, loads them into a fresh store, runs R requests through
 * eo_index_query (K = 20) and prints one JSON line. With --weeks-later W the store is
 * loaded with the generation clock W weeks before the requests' and re-keyed for their
 * week first, in the matcher's steps (timed apart): the latency a node sees weeks
 * after its load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"

static void s_remove_store(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    unlink(path);
    rmdir(dir);
}

/* Time every request; lat gets microseconds. */
static int s_run(eo_store_t *store, eo_index_t *index, eo_w1_t *w1, uint32_t r, uint32_t k,
                 double *lat, double *mean_candidates)
{
    eo_candidate_t *out = calloc(k, sizeof *out);
    MDB_txn *txn = NULL;
    int rc = out ? eo_store_begin(store, false, &txn) : EO_ENOMEM;
    uint64_t total = 0;
    mdb_txn_reset(txn);
    for (uint32_t i = 0; rc == EO_OK && i < r; i++) {
        eo_w1_request_t req;
        eo_w1_request(w1, i, &req);
        eo_query_t q = {
            .site = req.site, .dong = req.dong, .start = req.start, .end = req.end, .k = k};
        uint32_t n = 0;
        double t0 = eo_bench_now();
        /* A fresh snapshot per query, as a matcher would take. */
        int mrc = mdb_txn_renew(txn);
        if (mrc)
            rc = eo_store_fail("mdb_txn_renew", mrc);
        else
            rc = eo_index_query(index, txn, &q, out, &n);
        mdb_txn_reset(txn);
        lat[i] = (eo_bench_now() - t0) * 1e6;
        total += n;
    }
    eo_store_abort(&txn);
    free(out);
    *mean_candidates = r ? (double)total / r : 0;
    return rc;
}

/* Re-key the index for the week of `now` as the matcher does (eo_index_rekey_store,
 * its budget, a transaction per step) until done: the time, steps and longest step. */
static int s_rekey(eo_store_t *store, eo_index_t *index, eo_time_t now, double *total_s,
                   uint32_t *steps, double *step_max_ms)
{
    MDB_txn *txn = NULL;
    eo_time_t ref = 0;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK) rc = eo_index_week(index, txn, &ref);
    eo_store_abort(&txn);
    double t0 = eo_bench_now();
    bool busy = rc == EO_OK && ref != eo_week_start(now); /* else nothing to do */
    *steps = 0;
    *step_max_ms = 0;
    while (rc == EO_OK && busy) {
        double t1 = eo_bench_now();
        rc = eo_index_rekey_store(index, store, now, EO_INDEX_REKEY_BUDGET, &busy);
        double ms = (eo_bench_now() - t1) * 1e3;
        if (ms > *step_max_ms) *step_max_ms = ms;
        (*steps)++;
    }
    *total_s = eo_bench_now() - t0;
    return rc;
}

static const char s_about[] =
    "Generates W1, loads it into a fresh store, times each query with\n"
    "its top K read out and prints one JSON line:\n"
    "{\"bench\":\"query\",\"carers\":N,\"requests\":R,\"weeks_later\":W,"
    "\"p50_us\":..,\"p99_us\":..,\n \"mean_candidates\":..,\"fast\":..,"
    "\"load_s\":..,\"rekey_s\":..,\"rekey_steps\":..,\"rekey_step_max_ms\":..}\n"
    "fast: the queries that took the fast path (docs/index.md). With --weeks-later W\n"
    "the load's clock is W weeks before the requests' and the index is re-keyed\n"
    "for their week first, in the matcher's steps (rekey_*; the store is NOSYNC);\n"
    "--no-rekey leaves it as loaded (what a node without the re-key would see).";

int eo_bench_query(int argc, char **argv)
{
    const char *carers_text = "30000", *requests_text = "100000", *k_text = "20",
               *seed_text = "1", *weeks_text = "0", *dir_opt = NULL;
    bool no_rekey = false;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("carers", "N", &carers_text, "W1 carers (30000)"),
        EO_OPT_VALUE("requests", "R", &requests_text, "W1 requests, one query each (100000)"),
        EO_OPT_VALUE("seed", "S", &seed_text, "the W1 seed (1)"),
        EO_OPT_VALUE("k", "K", &k_text, "candidates read out per query, 1..1000 (20)"),
        EO_OPT_VALUE("weeks-later", "W", &weeks_text,
                     "load W weeks before the requests, then re-key, 0..52 (0)"),
        EO_OPT_FLAG("no-rekey", &no_rekey,
                    "with --weeks-later: query the store as loaded (the full path)"),
        EO_OPT_VALUE("store", "DIR", &dir_opt, "the store (a temporary folder, removed after)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena-bench query", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    uint32_t carers = (uint32_t)strtoul(carers_text, NULL, 10),
             requests = (uint32_t)strtoul(requests_text, NULL, 10),
             k = (uint32_t)strtoul(k_text, NULL, 10);
    uint64_t seed = strtoull(seed_text, NULL, 10);
    char *end = NULL;
    long weeks = strtol(weeks_text, &end, 10);
    if (carers == 0 || requests == 0 || k == 0 || k > 1000 || *end || weeks < 0 || weeks > 52)
        return eo_opts_fail(&o, "a number out of range");
    zsys_init();
    char tmp[] = "/tmp/eo_bench_query.XXXXXX";
    const char *dir = dir_opt ? dir_opt : mkdtemp(tmp);
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    if (!dongs || !dir) {
        fprintf(stderr, "bench query: %s\n", dongs ? "cannot make a temp dir" : err);
        eo_dongs_destroy(&dongs);
        return 1;
    }
    size_t map_mb = 1024 + (size_t)carers / 1000 * 8;
    eo_caps_t caps;
    if (eo_rules_caps_config(NULL, &caps, err, sizeof err)) {
        fprintf(stderr, "bench query: %s\n", err);
        eo_dongs_destroy(&dongs);
        return 1;
    }
    eo_store_t *store = eo_store_new(dir, map_mb, EO_STORE_NOSYNC);
    eo_index_t *index = store ? eo_index_new(store, dongs, &caps) : NULL;
    /* The carers do not depend on the clock, the requests do: the same requests
     * whatever the load's week. */
    eo_w1_t *w1 = eo_w1_new(dongs, seed, 0);
    eo_w1_t *w1_load = w1 ? eo_w1_new(dongs, seed, eo_w1_clock(w1) - weeks * 7 * EO_DAY) : NULL;
    double *lat = calloc(requests, sizeof *lat);
    rc = index && w1 && w1_load && lat ? EO_OK : EO_ENOMEM;
    double t0 = eo_bench_now(), load_s = 0, mean = 0, rekey_s = 0, step_max_ms = 0;
    uint32_t steps = 0;
    if (rc == EO_OK) rc = eo_w1_load(w1_load, store, index, carers);
    if (rc == EO_OK) rc = eo_store_sync(store);
    load_s = eo_bench_now() - t0;
    if (rc == EO_OK) {
        fprintf(stderr, "bench query: %u carers loaded in %.2f s\n", carers, load_s);
        if (!no_rekey)
            rc = s_rekey(store, index, eo_w1_clock(w1), &rekey_s, &steps, &step_max_ms);
    }
    if (rc == EO_OK && weeks && !no_rekey)
        fprintf(stderr,
                "bench query: re-keyed %ld week(s) on in %.2f s, %u steps (longest "
                "%.1f ms)\n",
                weeks, rekey_s, steps, step_max_ms);
    eo_index_stats_t st0, st1;
    eo_index_stats(index, &st0);
    if (rc == EO_OK) rc = s_run(store, index, w1, requests, k, lat, &mean);
    eo_index_stats(index, &st1);
    if (rc == EO_OK) {
        eo_bench_sort(lat, requests);
        size_t p99 = (size_t)((requests * 99 + 99) / 100) - 1;
        printf("{\"bench\":\"query\",\"carers\":%u,\"requests\":%u,\"weeks_later\":%ld,"
               "\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_candidates\":%.2f,\"fast\":%llu,"
               "\"load_s\":%.2f,\"rekey_s\":%.2f,\"rekey_steps\":%u,"
               "\"rekey_step_max_ms\":%.1f}\n",
               carers, requests, weeks, lat[requests / 2], lat[p99], mean,
               (unsigned long long)(st1.fast - st0.fast), load_s, rekey_s, steps, step_max_ms);
        fprintf(stderr, "bench query: max %.1f us\n", lat[requests - 1]);
    } else
        fprintf(stderr, "bench query: failed: %s\n", eo_strerror(rc));
    free(lat);
    eo_w1_destroy(&w1);
    eo_w1_destroy(&w1_load);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_dongs_destroy(&dongs);
    if (!dir_opt) s_remove_store(dir);
    return rc == EO_OK ? 0 : 1;
}
