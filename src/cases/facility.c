/* facility.c: 시설형 dispatched as its own service (docs/lifecycle.md, "시설형").
 *
 * A stay is offered in the matching order of docs/domain.md: the site's facility
 * providers nearest the child's home first; at each, its own facility carers, then the
 * invited carers assigned to it (eo_rules_facility_order decides); with none anywhere,
 * the site's 아동돌봄센터, then the member is offered 방문형. A wave offers to the carers
 * of one provider and tier; the next wave looks again without them.
 *
 * One carer looks after up to facility/max_children children at once: a carer's stay
 * is a group (m.fgroups), booked once in the index for the window of the stay that
 * opened it, which later stays inside that window join while it has room. The index
 * booking makes the caps (12 h a week for facility carers, 14 h a week and 56 h a month
 * for invited ones) and "no two bookings at once" hold as for 방문 carers.
 *
 * m.fgroups: provider(BE16) end(BE64) start(BE64) carer(BE32) -> children(BE16) booking
 * m.childday: member \0 child \0 yyyymmdd -> minutes (BE32) of that child's stays */
#include <math.h>
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_provider.h"

#define S_GROUP_KEY 22
#define S_POOL_K 64 /* carers looked at per provider */

void eo_cases_set_providers(eo_cases_t *self, const eo_providers_t *providers)
{
    self->providers = providers;
}

/* The providers as zconfig text: their 시설형 keys only. NULL when out of memory. */
static char *s_providers_text(const eo_providers_t *set)
{
    zconfig_t *root = zconfig_new("root", NULL);
    zconfig_t *all = root ? zconfig_new("providers", root) : NULL;
    for (size_t i = 0; all && set && i < eo_providers_count(set); i++) {
        const eo_provider_t *p = eo_providers_at(set, i);
        zconfig_t *item = zconfig_new(p->id, all);
        if (!item) break;
        zconfig_put(item, "name", p->name ? p->name : p->id);
        zconfig_put(item, "site", p->site);
        zconfig_putf(item, "default", "%d", p->is_default);
        zconfig_putf(item, "number", "%u", p->number);
        zconfig_putf(item, "facility_dong", "%u", p->facility_dong);
        zconfig_putf(item, "centre", "%d", p->centre);
        if (p->regular_from != p->regular_to)
            zconfig_putf(item, "regular", "%02d:%02d-%02d:%02d", p->regular_from / 60,
                         p->regular_from % 60, p->regular_to / 60, p->regular_to % 60);
    }
    char *text = all ? zconfig_str_save(root) : NULL;
    zconfig_destroy(&root);
    return text;
}

int eo_facility_record(eo_cases_t *self, MDB_txn *txn)
{
    char *text = s_providers_text(self->providers);
    if (!text) return EO_ENOMEM;
    size_t n = strlen(text);
    MDB_val k = {9, "providers"}, v;
    int rc = mdb_get(txn, self->meta, &k, &v);
    bool none = !self->providers || eo_providers_count(self->providers) == 0;
    if (rc == 0 && v.mv_size == n && memcmp(v.mv_data, text, n) == 0)
        rc = EO_OK; /* the same as recorded */
    else if (rc == MDB_NOTFOUND && none)
        rc = EO_OK; /* never any: nothing to record (a store without 시설형) */
    else if (rc && rc != MDB_NOTFOUND)
        rc = eo_store_fail("get providers", rc);
    else if ((rc = mdb_put(txn, self->meta, &k, &(MDB_val){n, text}, 0)))
        rc = eo_store_fail("put providers", rc);
    else
        rc = eo_input_record(self, txn, S_INPUT_PROVIDERS, text, n);
    free(text);
    return rc;
}

int eo_facility_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *text, size_t size)
{
    char *copy = strndup((const char *)text, size), err[256] = "";
    zconfig_t *config = copy ? zconfig_str_load(copy) : NULL;
    eo_providers_t *set = config ? eo_providers_load(config, err, sizeof err) : NULL;
    zconfig_destroy(&config);
    free(copy);
    if (!set) {
        zsys_error("replay: the recorded providers do not load: %s", err);
        return EO_ESTORE;
    }
    eo_providers_destroy(&self->own_providers);
    self->own_providers = set;
    self->providers = set;
    return eo_facility_record(self, txn);
}

const eo_provider_t *eo_facility_provider(eo_cases_t *self, const char *site, uint16_t number)
{
    for (size_t i = 0; self->providers && number && i < eo_providers_count(self->providers);
         i++) {
        const eo_provider_t *p = eo_providers_at(self->providers, i);
        if (p->number == number && streq(p->site, site)) return p;
    }
    return NULL;
}

void eo_facility_regular(eo_cases_t *self, const eo_case_rec_t *c, eo_quote_params_t *p)
{
    const eo_provider_t *pr = eo_facility_provider(self, c->site, c->provider);
    if (pr) {
        p->regular_from = pr->regular_from;
        p->regular_to = pr->regular_to;
    }
}

/* --- the child's minutes on a day ---------------------------------------------------- */

static size_t s_childday_key(const Eo__Request *r, uint8_t *key, size_t size)
{
    int n =
        snprintf((char *)key, size, "%s%c%s%c%08d", r->member_id ? r->member_id : "", 0,
                 r->child_first_name ? r->child_first_name : "", 0, (int)eo_date_key(r->start));
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

int eo_childday_get(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, int *minutes)
{
    *minutes = 0;
    uint8_t key[256];
    MDB_val k = {s_childday_key(r, key, sizeof key), key}, v;
    if (!k.mv_size) return EO_OK; /* names too long for a key: the texts check refuses them */
    int rc = mdb_get(txn, self->childday, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc) return eo_store_fail("get child day", rc);
    if (v.mv_size == 4) *minutes = (int)eo_get_be32(v.mv_data);
    return EO_OK;
}

int eo_childday_add(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, int delta)
{
    int now = 0;
    int rc = eo_childday_get(self, txn, r, &now);
    uint8_t key[256], val[4];
    MDB_val k = {s_childday_key(r, key, sizeof key), key}, v = {4, val};
    if (rc || !k.mv_size) return rc;
    now += delta;
    eo_be32(val, (uint32_t)(now > 0 ? now : 0));
    rc = now > 0 ? mdb_put(txn, self->childday, &k, &v, 0)
                 : mdb_del(txn, self->childday, &k, NULL);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("put child day", rc) : EO_OK;
}

/* The case's request, for the few decisions that need it. */
static int s_request_minutes(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, int sign)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc == EO_OK)
        rc = eo_childday_add(self, txn, req, sign * (int)((c->end - c->start) / EO_MINUTE));
    if (req) eo__request__free_unpacked(req, NULL);
    return rc;
}

int eo_facility_release_day(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c)
{
    return c->type == EO_SERVICE_FACILITY ? s_request_minutes(self, txn, c, -1) : EO_OK;
}

/* --- groups -------------------------------------------------------------------------- */

typedef struct {
    uint16_t provider;
    int64_t start, end;
    uint32_t carer;
    uint16_t children;
    char booking[EO_CASE_ID_MAX];
} s_group_t;

static void s_group_key(const s_group_t *g, uint8_t *key)
{
    key[0] = (uint8_t)(g->provider >> 8), key[1] = (uint8_t)g->provider;
    eo_be64(key + 2, (uint64_t)g->end);
    eo_be64(key + 10, (uint64_t)g->start);
    eo_be32(key + 18, g->carer);
}

static int s_group_put(eo_cases_t *self, MDB_txn *txn, const s_group_t *g)
{
    uint8_t key[S_GROUP_KEY], val[2 + EO_CASE_ID_MAX];
    s_group_key(g, key);
    size_t n = strlen(g->booking);
    val[0] = (uint8_t)(g->children >> 8), val[1] = (uint8_t)g->children;
    memcpy(val + 2, g->booking, n);
    MDB_val k = {S_GROUP_KEY, key}, v = {2 + n, val};
    int rc = g->children ? mdb_put(txn, self->fgroups, &k, &v, 0)
                         : mdb_del(txn, self->fgroups, &k, NULL);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("put facility group", rc) : EO_OK;
}

/* Visit the groups of a provider that cover [start, end); stop when fn returns != 0. */
static int s_groups_covering(eo_cases_t *self, MDB_txn *txn, uint16_t provider, int64_t start,
                             int64_t end, int (*fn)(void *arg, const s_group_t *g), void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->fgroups, &cur);
    if (rc) return eo_store_fail("facility group cursor", rc);
    s_group_t first = {.provider = provider, .end = end};
    uint8_t key[S_GROUP_KEY];
    s_group_key(&first, key);
    MDB_val k = {S_GROUP_KEY, key}, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *p = k.mv_data;
        if (k.mv_size != S_GROUP_KEY || v.mv_size < 3 || v.mv_size > 2 + EO_CASE_ID_MAX - 1 ||
            (uint16_t)(p[0] << 8 | p[1]) != provider)
            break;
        s_group_t g = {.provider = provider,
                       .end = (int64_t)eo_get_be64(p + 2),
                       .start = (int64_t)eo_get_be64(p + 10),
                       .carer = eo_get_be32(p + 18)};
        const uint8_t *q = v.mv_data;
        g.children = (uint16_t)(q[0] << 8 | q[1]);
        memcpy(g.booking, q + 2, v.mv_size - 2);
        g.booking[v.mv_size - 2] = 0;
        if (g.start <= start) result = fn(arg, &g);
    }
    if (rc && rc != MDB_NOTFOUND && result == EO_OK)
        result = eo_store_fail("facility group next", rc);
    mdb_cursor_close(cur);
    return result < 0 ? result : EO_OK; /* > 0: fn stopped the walk */
}

typedef struct {
    uint32_t carer;
    s_group_t found;
    bool have;
} s_find_t;

static int s_find_carer(void *arg, const s_group_t *g)
{
    s_find_t *f = arg;
    if (g->carer != f->carer) return 0;
    f->found = *g;
    f->have = true;
    return 1;
}

int eo_facility_book(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer)
{
    s_find_t f = {.carer = carer};
    int rc = s_groups_covering(self, txn, c->provider, c->start, c->end, s_find_carer, &f);
    if (rc) return rc;
    if (f.have) {
        if (f.found.children >= eo_rules_facility_max_children(self->rules))
            return EO_EBUSY; /* the carer's group is full */
        f.found.children++;
        return s_group_put(self, txn, &f.found);
    }
    if ((rc = eo_index_book(self->index, txn, carer, c->id, c->start, c->end))) return rc;
    s_group_t g = {.provider = c->provider,
                   .start = c->start,
                   .end = c->end,
                   .carer = carer,
                   .children = 1};
    snprintf(g.booking, sizeof g.booking, "%s", c->id);
    return s_group_put(self, txn, &g);
}

int eo_facility_unbook(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer)
{
    s_find_t f = {.carer = carer};
    int rc = s_groups_covering(self, txn, c->provider, c->start, c->end, s_find_carer, &f);
    if (rc || !f.have) return rc ? rc : EO_ENOTFOUND;
    f.found.children--;
    if (!f.found.children && (rc = eo_index_unbook(self->index, txn, carer, f.found.booking)) &&
        rc != EO_ENOTFOUND)
        return rc;
    return s_group_put(self, txn, &f.found);
}

int eo_case_book(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer)
{
    return c->type == EO_SERVICE_FACILITY
               ? eo_facility_book(self, txn, c, carer)
               : eo_index_book(self->index, txn, carer, c->id, c->start, c->end);
}

int eo_case_unbook(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer)
{
    return c->type == EO_SERVICE_FACILITY ? eo_facility_unbook(self, txn, c, carer)
                                          : eo_index_unbook(self->index, txn, carer, c->id);
}

/* --- the matching order -------------------------------------------------------------- */

typedef struct {
    const eo_provider_t *p;
    uint32_t own[S_POOL_K], invited[S_POOL_K];
    uint32_t n_own, n_invited;
} s_site_provider_t;

typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    s_site_provider_t *sp;
    const uint32_t *exclude;
    uint32_t n_exclude;
    int max;
    int rc;
} s_join_t;

static bool s_in(const uint32_t *ids, uint32_t n, uint32_t id)
{
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id) return true;
    return false;
}

/* A carer for the list of its kind at this provider (once). */
static void s_add(s_site_provider_t *sp, uint8_t kind, uint32_t id)
{
    if (s_in(sp->own, sp->n_own, id) || s_in(sp->invited, sp->n_invited, id)) return;
    if (kind == EO_CARER_FACILITY && sp->n_own < S_POOL_K)
        sp->own[sp->n_own++] = id;
    else if (kind == EO_CARER_INVITED && sp->n_invited < S_POOL_K)
        sp->invited[sp->n_invited++] = id;
}

/* A group with room is a carer free to take one more child. */
static int s_join_one(void *arg, const s_group_t *g)
{
    s_join_t *j = arg;
    eo_carer_t cr;
    if (g->children >= j->max || s_in(j->exclude, j->n_exclude, g->carer)) return 0;
    int rc = eo_index_get(j->self->index, j->txn, g->carer, &cr);
    if (rc == EO_OK && cr.active)
        s_add(j->sp, cr.kind, g->carer);
    else if (rc != EO_ENOTFOUND)
        j->rc = rc;
    return j->rc ? 1 : 0; /* 1 stops the walk; the error is in j->rc */
}

static bool s_serves(const eo_carer_t *cr, uint16_t number)
{
    for (int i = 0; i < cr->n_providers; i++)
        if (cr->providers[i] == number) return true;
    return false;
}

/* The carers free for the stay at one provider: its groups with room, then those the
 * index finds free at its facility's 동 who name it among their providers. */
static int s_free_at(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c,
                     s_site_provider_t *sp, const uint32_t *ex, uint32_t n_ex)
{
    s_join_t j = {self, txn, sp, ex, n_ex, eo_rules_facility_max_children(self->rules), EO_OK};
    int rc = s_groups_covering(self, txn, sp->p->number, c->start, c->end, s_join_one, &j);
    if (rc || j.rc) return rc ? rc : j.rc;
    eo_candidate_t cands[S_POOL_K];
    eo_query_t q = {.site = c->site,
                    .dong = sp->p->facility_dong,
                    .start = c->start,
                    .end = c->end,
                    .k = S_POOL_K,
                    .exclude = ex,
                    .n_exclude = n_ex,
                    .kinds = 1u << EO_CARER_FACILITY | 1u << EO_CARER_INVITED};
    uint32_t n = 0;
    if ((rc = eo_index_query(self->index, txn, &q, cands, &n))) return rc;
    for (uint32_t i = 0; i < n; i++) {
        eo_carer_t cr;
        if ((rc = eo_index_get(self->index, txn, cands[i].carer_id, &cr))) return rc;
        if (s_serves(&cr, sp->p->number)) s_add(sp, cr.kind, cr.id);
    }
    return EO_OK;
}

static double s_km(const eo_dong_t *a, const eo_dong_t *b)
{
    if (!a || !b) return 1e9;
    double x = (b->lon - a->lon) * cos((a->lat + b->lat) * M_PI / 360.0);
    double y = b->lat - a->lat;
    return sqrt(x * x + y * y) * 111.2;
}

/* Does the site have its 아동돌봄센터 configured? */
static const eo_provider_t *s_centre(eo_cases_t *self, const char *site)
{
    for (size_t i = 0; self->providers && i < eo_providers_count(self->providers); i++) {
        const eo_provider_t *p = eo_providers_at(self->providers, i);
        if (p->centre && streq(p->site, site)) return p;
    }
    return NULL;
}

const char *eo_facility_centre_id(eo_cases_t *self, const char *site)
{
    const eo_provider_t *p = s_centre(self, site);
    return p ? p->id : "";
}

/* The site's facility providers, with the carers free for the stay at each. *n gets
 * their number; the caller frees *out. A pair's second carer is looked for at the
 * provider of its first only. */
static int s_site_providers(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c,
                            const uint32_t *ex, uint32_t n_ex, s_site_provider_t **out,
                            size_t *n)
{
    size_t total = self->providers ? eo_providers_count(self->providers) : 0;
    *n = 0;
    *out = calloc(total ? total : 1, sizeof **out);
    if (!*out) return EO_ENOMEM;
    for (size_t i = 0; i < total; i++) {
        const eo_provider_t *p = eo_providers_at(self->providers, i);
        if (!p->number || !p->facility_dong || !streq(p->site, c->site) ||
            (c->n_winners && p->number != c->provider))
            continue;
        s_site_provider_t *sp = &(*out)[(*n)++];
        sp->p = p;
        int rc = s_free_at(self, txn, c, sp, ex, n_ex);
        if (rc) return rc;
    }
    return EO_OK;
}

int eo_facility_candidates(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const uint32_t *ex,
                           uint32_t n_ex, uint32_t *out, uint32_t k, uint32_t *n)
{
    *n = 0;
    s_site_provider_t *sps = NULL;
    size_t n_sp = 0;
    int rc = s_site_providers(self, txn, c, ex, n_ex, &sps, &n_sp);
    eo_facility_provider_t *order = rc == EO_OK ? calloc(n_sp + 1, sizeof *order) : NULL;
    if (rc == EO_OK && !order) rc = EO_ENOMEM;
    const eo_dong_t *home = eo_dongs_find(self->dongs, c->dong);
    for (size_t i = 0; rc == EO_OK && i < n_sp; i++)
        order[i] = (eo_facility_provider_t){
            .distance_km = s_km(home, eo_dongs_find(self->dongs, sps[i].p->facility_dong)),
            .own_carers_free = (int)sps[i].n_own,
            .invited_carers_free = (int)sps[i].n_invited};
    if (rc == EO_OK) {
        eo_facility_match_t m;
        eo_rules_facility_order(order, n_sp, s_centre(self, c->site) != NULL, &m);
        assert(m.provider < (int)n_sp); /* one of order's, or -1 */
        c->tier = (uint8_t)m.tier;
        if (m.provider >= 0) {
            const s_site_provider_t *sp = &sps[m.provider];
            assert(sp->p); /* s_site_providers set it for each of the n_sp */
            c->provider = sp->p->number;
            bool own = m.tier == EO_MATCH_OWN_CARER;
            const uint32_t *ids = own ? sp->own : sp->invited;
            uint32_t count = own ? sp->n_own : sp->n_invited;
            for (uint32_t i = 0; i < count && *n < k; i++)
                out[(*n)++] = ids[i];
            /* invited carers from 20:00 to 24:00 are recommended to go in pairs */
            if (!own && c->pair && !c->n_winners) c->needed = 2;
        }
    }
    free(order);
    free(sps);
    return rc;
}

/* --- confirmations ------------------------------------------------------------------ */

void eo_facility_vars(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r,
                      eo_tpl_vars_t *vars)
{
    const eo_provider_t *p = eo_facility_provider(self, c->site, c->provider);
    vars->provider = p ? p->name : "";
    vars->handover = r && r->handover && *r->handover ? r->handover : "-";
    vars->pickup = r && r->pickup && *r->pickup ? r->pickup : "-";
    const eo_dong_t *d = p ? eo_dongs_find(self->dongs, p->facility_dong) : NULL;
    if (d) vars->dong = d->name; /* the facility's 동, not the child's home */
}
