/* demo.c: W1 carers into an empty store (see demo.h), and `eonjena demo`. */
#include <string.h>

#include "commands.h"
#include "common/opts.h"
#include "demo.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"

static bool s_empty(eo_store_t *store, eo_index_t *index)
{
    MDB_txn *txn = NULL;
    if (eo_store_begin(store, false, &txn)) return false;
    size_t n = 0; /* any carer at all: a matcher's shard holds some W1 ids, not from 1 */
    bool empty = eo_index_size(index, txn, &n) == EO_OK && n == 0;
    eo_store_abort(&txn);
    return empty;
}

/* The sites of a list ("*" or NULL: all) as bits of the table's site indexes. */
static int s_sites(const eo_dongs_t *dongs, const char *list, uint32_t *mask)
{
    *mask = 0;
    if (!list || streq(list, "*")) {
        *mask = UINT32_MAX;
        return EO_OK;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int s = eo_dongs_site_find(dongs, tok);
        if (s < 0) {
            zsys_error("demo: unknown site '%s'", tok);
            return EO_EINVAL;
        }
        *mask |= 1u << s;
    }
    return EO_OK;
}

/* The W1 carers 0..n-1 of the sites in mask, with their minutes (an invited carer's
 * month holds its week); *loaded counts them. */
static int s_w1_load(eo_cases_t *cases, eo_store_t *store, const eo_dongs_t *dongs, eo_w1_t *w1,
                     uint32_t n, eo_time_t t, uint32_t mask, uint32_t *loaded)
{
    eo_carer_t *carers = malloc((n + 1) * sizeof *carers);
    uint32_t *week = malloc((n + 1) * sizeof *week), *month = malloc((n + 1) * sizeof *month);
    int rc = carers && week && month ? EO_OK : EO_ENOMEM;
    uint32_t m = 0;
    for (uint32_t i = 0; rc == EO_OK && i < n; i++) {
        eo_w1_carer(w1, i, &carers[m], &week[m]);
        int site = eo_dongs_site_find(dongs, carers[m].site);
        if (site < 0 || !(mask >> site & 1)) continue;
        month[m] = carers[m].kind == EO_CARER_INVITED ? week[m] : 0;
        m++;
    }
    MDB_txn *txn = NULL;
    /* a shard whose sites drew none of the n carers records nothing (else a second start
     * would record the same empty load again and be refused) */
    if (rc == EO_OK && m > 0 && (rc = eo_store_begin(store, true, &txn)) == EO_OK &&
        (rc = eo_cases_load_carers(cases, txn, carers, week, month, m, t)) == EO_OK)
        rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    free(carers);
    free(week);
    free(month);
    *loaded = m;
    return rc;
}

int eo_demo_load(eo_store_t *store, const eo_dongs_t *dongs, eo_clock_t *clock, uint32_t n,
                 uint64_t seed, const char *sites)
{
    uint32_t mask;
    if (s_sites(dongs, sites, &mask) != EO_OK) return EO_EINVAL;
    char err[256];
    eo_rules_t *rules = eo_rules_new(NULL, err, sizeof err);
    if (!rules) {
        zsys_error("demo: %s", err);
        return EO_EINVAL;
    }
    eo_caps_t caps;
    eo_rules_caps(rules, &caps);
    eo_index_t *index = eo_index_new(store, dongs, &caps);
    /* through the case store: the load is an input, so a replay of the store loads the
     * same carers */
    eo_cases_t *cases = index ? eo_cases_new(store, index, dongs, rules, NULL) : NULL;
    int rc = cases ? EO_OK : EO_ESTORE;
    if (rc == EO_OK && n > 0 && !s_empty(store, index))
        zsys_info("demo: the store already has carers; left as it is");
    else if (rc == EO_OK && n > 0) {
        /* W1 wants a half-hour aligned generation clock. */
        eo_time_t now = eo_clock_now(clock);
        eo_w1_t *w1 = eo_w1_new(dongs, seed, now - now % 1800);
        uint32_t loaded = 0;
        rc = w1 ? s_w1_load(cases, store, dongs, w1, n, eo_w1_clock(w1), mask, &loaded)
                : EO_EINVAL;
        if (rc == EO_OK && loaded == n) /* every site's */
            zsys_info("demo: loaded %u W1 carers (seed %llu)", n, (unsigned long long)seed);
        else if (rc == EO_OK)
            zsys_info("demo: loaded the W1 carers of %s among %u (seed %llu)",
                      sites ? sites : "*", n, (unsigned long long)seed);
        else
            zsys_error("demo: could not load carers: %s", eo_strerror(rc));
        eo_w1_destroy(&w1);
    }
    eo_cases_destroy(&cases);
    eo_index_destroy(&index);
    eo_rules_destroy(&rules);
    return rc;
}

int eo_demo_seed(eo_store_t *store, const eo_dongs_t *dongs, eo_clock_t *clock,
                 zconfig_t *config, const char *sites)
{
    long n = atol(zconfig_get(config, "demo/carers", "3000"));
    long seed = atol(zconfig_get(config, "demo/seed", "1"));
    if (n < 0 || n > 2000000) {
        zsys_error("demo: carers must be 0 .. 2000000, not %ld", n);
        return EO_EINVAL;
    }
    return eo_demo_load(store, dongs, clock, (uint32_t)n, (uint64_t)seed, sites);
}

static const char s_about[] =
    "Load N W1 carers into an empty store (with --sites, those of the\n"
    "sites listed: a matcher's shard); a store that already has carers is\n"
    "left as it is.";

int eo_cmd_demo(int argc, char **argv)
{
    const char *dir = NULL, *carers = "3000", *seed = "1", *clock_spec = "system", *sites = "*";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &dir, "the store (required)"),
        EO_OPT_VALUE("carers", "N", &carers, "how many carers (3000)"),
        EO_OPT_VALUE("seed", "S", &seed, "the W1 seed (1)"),
        EO_OPT_VALUE("clock", "SPEC", &clock_spec, "the week booked minutes refer to (system)"),
        EO_OPT_VALUE("sites", "LIST", &sites,
                     "only the carers of these sites, comma-separated (*)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena demo", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!dir) return eo_opts_fail(&o, "--store DIR is required");
    zsys_init();
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    eo_store_t *store = dongs && clock ? eo_store_new(dir, 0, 0) : NULL;
    rc = store ? eo_demo_load(store, dongs, clock, (uint32_t)atol(carers),
                              (uint64_t)atoll(seed), sites)
               : EO_EINVAL;
    if (!dongs) fprintf(stderr, "eonjena demo: %s\n", err);
    eo_store_destroy(&store);
    eo_clock_destroy(&clock);
    eo_dongs_destroy(&dongs);
    return rc == EO_OK ? 0 : 1;
}
