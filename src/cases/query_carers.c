/* query_carers.c: carers as the HTTP API shows them (docs/api.md): one carer, a page of a
 * site's carers (optionally of one 동), and a carer's open offers and bookings. Reads
 * only. Operators see phones; the carer's own app sees its own. */
#include <string.h>

#include "eonjena/eo_phone.h"
#include "view_priv.h"

static const char *s_kind(int kind)
{
    return kind == EO_CARER_FACILITY  ? "facility"
           : kind == EO_CARER_INVITED ? "invited"
                                      : "visit";
}

static json_t *s_date(int32_t key)
{
    if (key <= 0) return json_null();
    char buf[16];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", key / 10000, key / 100 % 100, key % 100);
    return json_string(buf);
}

json_t *eo_view_availability(const uint8_t *avail)
{
    static const char *days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    json_t *list = json_array();
    for (int d = 0; d < 7; d++)
        for (int s = 0; s < 48;) {
            if (!eo_avail_get(avail, d * 48 + s)) {
                s++;
                continue;
            }
            int e = s;
            while (e < 48 && eo_avail_get(avail, d * 48 + e))
                e++;
            char from[24], to[24];
            snprintf(from, sizeof from, "%02d:%02d", s / 2, s % 2 * 30);
            snprintf(to, sizeof to, "%02d:%02d", e / 2, e % 2 * 30);
            json_array_append_new(
                list, json_pack("{s:s,s:s,s:s}", "day", days[d], "from", from, "to", to));
            s = e;
        }
    return list;
}

static json_t *s_carer(eo_cases_t *self, MDB_txn *txn, const eo_carer_t *c)
{
    json_t *dongs = json_array(), *providers = json_array();
    for (int i = 0; i < c->n_dongs; i++)
        json_array_append_new(dongs, eo_view_dong(self->dongs, c->dongs[i]));
    for (int i = 0; i < c->n_providers; i++)
        json_array_append_new(providers, json_integer(c->providers[i]));
    uint32_t week = 0, month = 0;
    eo_index_booked(self->index, txn, c->id, (eo_time_t)(self->now_ms / 1000), &week, &month);
    return json_pack("{s:I,s:s,s:s,s:b,s:b,s:b,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:i,s:i}", "id",
                     (json_int_t)c->id, "site", c->site, "kind", s_kind(c->kind), "pool",
                     c->pool, "active", c->active, "night_ok", c->night_ok, "home_dong",
                     eo_view_dong(self->dongs, c->home_dong), "dongs", dongs, "phone", c->phone,
                     "name", c->name, "availability", eo_view_availability(c->avail),
                     "check_until", s_date(c->check_until), "training_until",
                     s_date(c->training_until), "providers", providers, "week_minutes",
                     (int)week, "month_minutes", (int)month);
}

static int s_id(json_t *args, uint32_t *id, const char **why)
{
    json_int_t v = json_integer_value(json_object_get(args, "id"));
    if (v <= 0 || v > UINT32_MAX) return *why = "id", EO_EINVAL;
    *id = (uint32_t)v;
    return EO_OK;
}

int eo_query_carer(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out, const char **why)
{
    uint32_t id;
    eo_carer_t c;
    int rc = s_id(args, &id, why);
    if (rc || (rc = eo_index_get(self->index, txn, id, &c))) return rc;
    *out = s_carer(self, txn, &c);
    return EO_OK;
}

/* --- a page of a site's carers ---------------------------------------------------------- */

typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    const char *site;
    uint32_t dong, after;
    size_t limit;
    json_t *items;
    uint32_t last;
    bool more;
} s_page_t;

static int s_page_one(void *arg, const eo_carer_t *c)
{
    s_page_t *p = arg;
    if (c->id <= p->after || !streq(c->site, p->site)) return 0;
    bool in_dong = !p->dong || c->home_dong == p->dong;
    for (int i = 0; !in_dong && i < c->n_dongs; i++)
        in_dong = c->dongs[i] == p->dong;
    if (!in_dong) return 0;
    if (json_array_size(p->items) == p->limit) {
        p->more = true;
        return 1;
    }
    json_array_append_new(p->items, s_carer(p->self, p->txn, c));
    p->last = c->id;
    return 0;
}

int eo_query_carers(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                    const char **why)
{
    json_t *site = json_object_get(args, "site"), *dong = json_object_get(args, "dong");
    json_int_t limit = json_integer_value(json_object_get(args, "limit"));
    if (!json_is_string(site) || eo_dongs_site_find(self->dongs, json_string_value(site)) < 0)
        return *why = "site", EO_EINVAL;
    s_page_t p = {self,
                  txn,
                  json_string_value(site),
                  json_is_string(dong) ? eo_dong_code_parse(json_string_value(dong)) : 0,
                  (uint32_t)json_integer_value(json_object_get(args, "cursor")),
                  limit > 0 && limit <= 50 ? (size_t)limit : 50,
                  json_array(),
                  0,
                  false};
    if (json_is_string(dong) && !eo_dongs_find(self->dongs, p.dong)) {
        json_decref(p.items);
        return *why = "dong", EO_EINVAL;
    }
    /* the index is in id order: a page starts after the cursor's id */
    int rc = eo_index_each(self->index, txn, s_page_one, &p);
    if (rc < 0) {
        json_decref(p.items);
        return rc;
    }
    *out = json_pack("{s:o,s:o}", "items", p.items, "next",
                     p.more ? json_integer(p.last) : json_null());
    return EO_OK;
}

/* --- a carer's offers and bookings ------------------------------------------------------ */

static json_t *s_offer(eo_cases_t *self, const eo_case_rec_t *c, const eo_offer_t *o)
{
    char id[EO_CASE_ID_MAX + 16];
    snprintf(id, sizeof id, "%s:%u", c->id, o->carer);
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:i,s:i,s:s}", "id", id, "request_id", c->id,
                     "site", c->site, "dong", eo_view_dong(self->dongs, c->dong), "start",
                     eo_view_time(c->start), "end", eo_view_time(c->end), "code", o->code,
                     "wave", (int)o->wave, "pay", vars.pay, "state", eo_view_offer_state(c, o));
}

typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    uint32_t carer;
    json_t *bookings;
    int rc;
} s_bookings_t;

static int s_booking_one(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    s_bookings_t *b = arg;
    eo_case_rec_t c;
    char id[EO_CASE_ID_MAX + 16];
    snprintf(id, sizeof id, "%s:%u", booking, b->carer);
    json_t *j = json_pack("{s:s,s:s,s:o,s:o}", "id", id, "request_id", booking, "start",
                          eo_view_time(start), "end", eo_view_time(end));
    if (eo_case_get(b->self, b->txn, booking, &c) == EO_OK) {
        json_object_set_new(j, "state", json_string(eo_case_state_name(c.state)));
        json_object_set_new(j, "dong", eo_view_dong(b->self->dongs, c.dong));
        json_object_set_new(j, "service",
                            json_pack("{s:o,s:o}", "start", eo_view_time(c.service_start),
                                      "end", eo_view_time(c.service_end)));
    }
    json_array_append_new(b->bookings, j);
    return 0;
}

int eo_query_carer_offers(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                          const char **why)
{
    uint32_t id;
    eo_carer_t carer;
    int rc = s_id(args, &id, why);
    if (rc || (rc = eo_index_get(self->index, txn, id, &carer))) return rc;
    eo_coffer_t *entries = NULL;
    size_t n = 0;
    json_t *offers = json_array();
    rc = eo_coffers_of(self, txn, id, &entries, &n);
    /* the entries of offers still open (a read: stale ones are skipped, not pruned) */
    for (size_t i = 0; rc == EO_OK && i < n; i++) {
        eo_offer_t o;
        eo_case_rec_t c;
        if (eo_offer_get(self, txn, entries[i].id, id, &o) != EO_OK ||
            eo_case_get(self, txn, entries[i].id, &c) != EO_OK)
            continue;
        if (o.state == EO_OFFER_OPEN && c.state == EO_CASE_OFFERING && o.wave == c.wave)
            json_array_append_new(offers, s_offer(self, &c, &o));
    }
    free(entries);
    s_bookings_t b = {self, txn, id, json_array(), EO_OK};
    if (rc == EO_OK) rc = eo_index_bookings(self->index, txn, id, s_booking_one, &b);
    if (rc < 0) {
        json_decref(offers);
        json_decref(b.bookings);
        return rc;
    }
    *out = json_pack("{s:I,s:s,s:o,s:o}", "carer_id", (json_int_t)id, "site", carer.site,
                     "offers", offers, "bookings", b.bookings);
    return EO_OK;
}
