/* metrics.c: a site's figures for GET /metrics (docs/api.md): cases by state, the
 * waves and offers they made, and how long cases took to settle. A read (Query
 * "metrics"), writing nothing; it walks m.cases once, so a scrape costs one pass over the
 * site's cases. The settlement latencies are the one figure a walk cannot give (a case
 * keeps no time of its settlement): each settlement adds itself to m.meta counters. */
#include <inttypes.h>
#include <string.h>

#include "view_priv.h"

/* Upper bounds of the latency buckets, seconds from intake to settlement: a wave waits
 * minutes for its answers, and a case may take several waves. */
static const int64_t s_bounds[] = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600};
#define S_BUCKETS (sizeof s_bounds / sizeof s_bounds[0] + 1) /* the last is +Inf */

/* m.meta key of the site's bucket i (not cumulative), or of the sum (i = -1, in ms). */
static void s_key(char *key, size_t size, const char *site, int i)
{
    if (i < 0)
        snprintf(key, size, "settle_ms/%s/sum", site);
    else
        snprintf(key, size, "settle_ms/%s/%d", site, i);
}

int eo_metrics_settled(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c)
{
    int64_t ms = self->now_ms - c->requested_at * 1000;
    if (ms < 0) ms = 0; /* a clock set back: it settled at once */
    size_t i = 0;
    while (i < S_BUCKETS - 1 && ms > s_bounds[i] * 1000)
        i++;
    char key[64];
    s_key(key, sizeof key, c->site, (int)i);
    int rc = eo_meta_add(self, txn, key, 1, NULL);
    s_key(key, sizeof key, c->site, -1);
    return rc ? rc : eo_meta_add(self, txn, key, (uint64_t)ms, NULL);
}

/* {"buckets":[[le, cumulative count]...], "count", "sum_ms"} of the site's settlements. */
static int s_latency(eo_cases_t *self, MDB_txn *txn, const char *site, json_t **out)
{
    char key[64];
    uint64_t n, count = 0, sum_ms;
    json_t *buckets = json_array();
    int rc = EO_OK;
    for (size_t i = 0; rc == EO_OK && i < S_BUCKETS; i++) {
        s_key(key, sizeof key, site, (int)i);
        if ((rc = eo_meta_get(self, txn, key, &n))) break;
        count += n;
        char le[24];
        if (i < S_BUCKETS - 1)
            snprintf(le, sizeof le, "%" PRId64, s_bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        json_array_append_new(buckets, json_pack("[s,I]", le, (json_int_t)count));
    }
    s_key(key, sizeof key, site, -1);
    if (rc || (rc = eo_meta_get(self, txn, key, &sum_ms))) {
        json_decref(buckets);
        return rc;
    }
    *out = json_pack("{s:o,s:I,s:I}", "buckets", buckets, "count", (json_int_t)count, "sum_ms",
                     (json_int_t)sum_ms);
    return EO_OK;
}

int eo_query_metrics(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                     const char **why)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    if (!site || eo_dongs_site_find(self->dongs, site) < 0) return *why = "site", EO_EINVAL;
    uint64_t by_state[EO_CASE__STATES] = {0}, waves = 0, offers = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->cases, &cur);
    if (rc) return eo_store_fail("metrics cursor", rc);
    MDB_val k, v;
    int mrc;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        eo_case_rec_t c;
        if (v.mv_size != sizeof c) continue; /* not a case record (a layout key) */
        memcpy(&c, v.mv_data, sizeof c);
        /* one store may hold the cases of several sites (eonjena serve) */
        if (c.version != S_CASE_VERSION || c.state >= EO_CASE__STATES || !streq(c.site, site))
            continue;
        by_state[c.state]++;
        waves += c.wave;
        offers += c.n_offered;
    }
    mdb_cursor_close(cur);
    if (mrc != MDB_NOTFOUND) return eo_store_fail("metrics next", mrc);
    json_t *latency;
    if ((rc = s_latency(self, txn, site, &latency))) return rc;
    json_t *states = json_object();
    for (int s = 0; s < EO_CASE__STATES; s++)
        json_object_set_new(states, eo_case_state_name(s),
                            json_integer((json_int_t)by_state[s]));
    *out = json_pack("{s:o,s:I,s:I,s:o}", "cases", states, "waves", (json_int_t)waves, "offers",
                     (json_int_t)offers, "settle_latency", latency);
    return EO_OK;
}
