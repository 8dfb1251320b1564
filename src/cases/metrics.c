/* metrics.c: a site's figures for GET /metrics (docs/api.md): cases by state,
 * and the waves and offers they made. A read (Query "metrics"), writing nothing; it walks
 * m.cases once, so a scrape costs one pass over the site's cases. */
#include <string.h>

#include "view_priv.h"

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
    json_t *states = json_object();
    for (int s = 0; s < EO_CASE__STATES; s++)
        json_object_set_new(states, eo_case_state_name(s),
                            json_integer((json_int_t)by_state[s]));
    *out = json_pack("{s:o,s:I,s:I}", "cases", states, "waves", (json_int_t)waves, "offers",
                     (json_int_t)offers);
    return EO_OK;
}
