/* migrate.c: the case store's part of store upgrades (eo_layout.h): records of an older
 * layout rewritten as the current one reads them. Each step keeps a frozen copy of the
 * structs that layout wrote: these never change with the code. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_layout.h"

/* --- layout 2: carers and the configuration as raw C structs (x86-64, gcc) ------------- */

typedef struct {
    uint32_t id;
    char site[16];
    uint8_t kind;
    bool pool, active, night_ok;
    uint32_t home_dong;
    uint8_t n_dongs;
    uint32_t dongs[8];
    char phone[20];
    char name[64];
    uint8_t avail[42];
    int32_t check_until, training_until;
    uint8_t n_providers;
    uint16_t providers[4];
} s_carer_v2_t;
_Static_assert(sizeof(s_carer_v2_t) == 212, "the layout-2 carer is 212 bytes");

typedef struct {
    uint32_t wave_k;
    int wave_timeout_s[32];
    int min_lead_s, escalate_lead_s;
    bool always_pool;
    char callcentre_phone[20];
} s_config_v2_t;
_Static_assert(sizeof(s_config_v2_t) == 164, "the layout-2 configuration is 164 bytes");

static void s_carer_from_v2(const uint8_t *p, eo_carer_t *c)
{
    s_carer_v2_t o;
    memcpy(&o, p, sizeof o);
    memset(c, 0, sizeof *c);
    c->id = o.id;
    memcpy(c->site, o.site, sizeof o.site);
    c->site[sizeof c->site - 1] = 0;
    c->kind = o.kind;
    c->pool = o.pool, c->active = o.active, c->night_ok = o.night_ok;
    c->home_dong = o.home_dong;
    c->n_dongs = o.n_dongs <= EO_CARER_MAX_DONGS ? o.n_dongs : 0;
    memcpy(c->dongs, o.dongs, sizeof o.dongs);
    memcpy(c->phone, o.phone, sizeof o.phone);
    c->phone[sizeof c->phone - 1] = 0;
    memcpy(c->name, o.name, sizeof o.name);
    c->name[sizeof c->name - 1] = 0;
    memcpy(c->avail, o.avail, sizeof o.avail);
    c->check_until = o.check_until, c->training_until = o.training_until;
    c->n_providers = o.n_providers <= EO_CARER_MAX_PROVIDERS ? o.n_providers : 0;
    memcpy(c->providers, o.providers, sizeof o.providers);
}

static void s_config_from_v2(const uint8_t *p, eo_cases_config_t *cfg)
{
    s_config_v2_t o;
    memcpy(&o, p, sizeof o);
    eo_cases_config_defaults(cfg);
    cfg->wave_k = o.wave_k;
    for (int i = 0; i < 32 && i < EO_SITE_MAX; i++)
        cfg->wave_timeout_s[i] = o.wave_timeout_s[i];
    cfg->min_lead_s = o.min_lead_s, cfg->escalate_lead_s = o.escalate_lead_s;
    cfg->always_pool = o.always_pool;
    snprintf(cfg->callcentre_phone, sizeof cfg->callcentre_phone, "%.19s", o.callcentre_phone);
}

/* A layout-2 carer load ('C': carer, at, week, month; 'B': n, at, then n x (carer, week,
 * month)) as a CarerLoad. NULL if the bytes are not one. */
static uint8_t *s_carers_v2(int kind, const uint8_t *p, size_t size, size_t *out_size)
{
    const size_t one = sizeof(s_carer_v2_t);
    size_t n = kind == 'C' ? 1 : size >= 12 ? eo_get_be32(p) : 0;
    if (kind == 'C' ? size != one + 16 : size < 12 || size != 12 + n * (one + 8)) return NULL;
    eo_carer_t *carers = malloc((n + 1) * sizeof *carers);
    uint32_t *week = malloc((n + 1) * sizeof *week), *month = malloc((n + 1) * sizeof *month);
    uint8_t *out = NULL;
    eo_time_t at = (eo_time_t)eo_get_be64(kind == 'C' ? p + one : p + 4);
    for (size_t i = 0; carers && week && month && i < n; i++) {
        const uint8_t *r = kind == 'C' ? p : p + 12 + i * (one + 8);
        s_carer_from_v2(r, &carers[i]);
        week[i] = eo_get_be32(kind == 'C' ? r + one + 8 : r + one);
        month[i] = eo_get_be32(kind == 'C' ? r + one + 12 : r + one + 4);
    }
    if (carers && week && month)
        out = eo_carer_load_encode(carers, week, month, n, at, out_size);
    free(carers);
    free(week);
    free(month);
    return out;
}

/* One input of the log in its layout-3 form; NULL (and *same) when it needs none. */
static uint8_t *s_input_v3(const MDB_val *v, size_t *size, bool *same, bool *bad)
{
    const uint8_t *p = v->mv_data;
    *same = *bad = false;
    if (v->mv_size < 9 || (p[0] != 'C' && p[0] != 'B' && p[0] != 'G')) {
        *same = true;
        return NULL;
    }
    size_t body_size = 0;
    uint8_t *body = NULL;
    if (p[0] == 'G' && v->mv_size - 9 == sizeof(s_config_v2_t)) {
        eo_cases_config_t cfg;
        s_config_from_v2(p + 9, &cfg);
        body = eo_cases_config_encode(&cfg, &body_size);
    } else if (p[0] != 'G')
        body = s_carers_v2(p[0], p + 9, v->mv_size - 9, &body_size);
    if (!body) {
        *bad = true;
        return NULL;
    }
    uint8_t *out = malloc(9 + body_size);
    if (out) {
        memcpy(out, p, 9); /* kind and clock stay */
        memcpy(out + 9, body, body_size);
        *size = 9 + body_size;
    }
    free(body);
    return out;
}

static int s_inputs(MDB_txn *txn, size_t *changed, char *why, size_t whylen)
{
    MDB_dbi dbi;
    MDB_cursor *cur = NULL;
    int rc = mdb_dbi_open(txn, "m.inputs", 0, &dbi);
    if (rc == MDB_NOTFOUND) return EO_OK; /* no case store here (another role's) */
    if (rc || (rc = mdb_cursor_open(txn, dbi, &cur)))
        return eo_store_fail("migrate inputs", rc);
    MDB_val k, v;
    int result = EO_OK;
    while (result == EO_OK && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
        size_t size = 0;
        bool same, bad;
        uint8_t *fresh = s_input_v3(&v, &size, &same, &bad);
        if (same) continue;
        if (!fresh) {
            snprintf(why, whylen, "input %llu ('%c', %zu bytes) is not a layout-2 record%s",
                     (unsigned long long)eo_get_be64(k.mv_data), ((char *)v.mv_data)[0],
                     v.mv_size, bad ? "" : " (out of memory)");
            result = bad ? EO_EINVAL : EO_ENOMEM;
            break;
        }
        /* the key must not point into the page the put rewrites */
        uint8_t key[64];
        MDB_val nk = {k.mv_size, key}, nv = {size, fresh};
        if (k.mv_size > sizeof key)
            rc = MDB_BAD_VALSIZE;
        else
            memcpy(key, k.mv_data, k.mv_size);
        if (rc || (rc = mdb_cursor_put(cur, &nk, &nv, MDB_CURRENT)))
            result = eo_store_fail("migrate input", rc);
        else
            (*changed)++;
        free(fresh);
    }
    if (result == EO_OK && rc != MDB_NOTFOUND) result = eo_store_fail("migrate inputs", rc);
    mdb_cursor_close(cur);
    return result;
}

/* m.meta: the last recorded configuration in the new form; the old layout key goes (the
 * store's layout is in eo.meta from now on). */
static int s_meta(MDB_txn *txn, size_t *changed)
{
    MDB_dbi meta;
    MDB_val k = {6, "config"}, v, lk = {6, "layout"};
    int rc = mdb_dbi_open(txn, "m.meta", 0, &meta);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc == 0 && (rc = mdb_get(txn, meta, &k, &v)) == 0 &&
        v.mv_size == sizeof(s_config_v2_t)) {
        eo_cases_config_t cfg;
        size_t size = 0;
        s_config_from_v2(v.mv_data, &cfg);
        uint8_t *fresh = eo_cases_config_encode(&cfg, &size);
        if (!fresh) return EO_ENOMEM;
        rc = mdb_put(txn, meta, &k, &(MDB_val){size, fresh}, 0);
        free(fresh);
        if (rc == 0) (*changed)++;
    }
    if (rc == 0 || rc == MDB_NOTFOUND) rc = mdb_del(txn, meta, &lk, NULL);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("migrate meta", rc) : EO_OK;
}

int eo_cases_migrate_2(MDB_txn *txn, size_t *changed, char *why, size_t whylen)
{
    int rc = s_inputs(txn, changed, why, whylen);
    return rc ? rc : s_meta(txn, changed);
}
