/* feed.c: the change feed (docs/api.md, "The change feed"): one row per lifecycle step
 * of a case, written in the decision's own transaction, so a feed reader sees exactly
 * the committed decisions, in the order they were made, and never one that was rolled
 * back.
 *
 * m.feed: seq(BE64) -> at_ms(BE64) site \0 owner \0 json
 * seq is the key of the journal entry the step appended (journal.c): one sequence per
 * store, increasing, shared by every site of the store (a site's rows have gaps). owner
 * is the request's Request.owner (the member app's key id, or ""): the gateway shows a
 * member app only its own rows. json holds the least a client needs: ids, states, wave
 * numbers and carer ids, never a phone, a name or an address.
 *
 * Rows go with the m.seen entries in the retention (store/seen_days): retention.c calls
 * eo_feed_trim. */
#include <string.h>

#include "view_priv.h"

#define S_AT 0
#define S_SITE 8
#define S_SCAN_MAX 5000 /* rows one query looks at, matching or not */
#define S_LIMIT_DEFAULT 100
#define S_LIMIT_MAX 500

int eo_feed_open(eo_cases_t *self)
{
    /* a store only read (eonjena log, check) decides nothing and serves no feed, and it
     * may predate the feed */
    if (eo_store_readonly(self->store)) return EO_OK;
    if (eo_store_dbi(self->store, "m.feed", 0, &self->feed)) return EO_ESTORE;
    self->has_feed = true;
    return EO_OK;
}

/* What the step was, for a client: created, offered (a new wave went out), the state
 * it reached when it changed, else the lifecycle event (accept, decline, paid, ...). */
static const char *s_type(const eo_case_rec_t *c, int ev, int from, uint32_t wave0)
{
    if (ev == EV_INTAKE) return "created";
    if (c->wave != wave0 && c->state == EO_CASE_OFFERING) return "offered";
    if (c->state != from) return eo_case_state_name(c->state);
    return eo_case_event_name(ev);
}

typedef struct {
    json_t *ids;
    uint32_t wave;
} s_wave_t;

static int s_wave_carer(void *arg, const eo_offer_t *o)
{
    s_wave_t *w = arg;
    if (o->wave == w->wave) json_array_append_new(w->ids, json_integer(o->carer));
    return 0;
}

/* The carers a step concerns: those offered a new wave, else the one who answered. */
static int s_carers(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t wave0,
                    uint32_t carer, json_t *ids)
{
    if (c->wave != wave0 && c->wave) {
        s_wave_t w = {ids, c->wave};
        return eo_offer_each(self, txn, c->id, s_wave_carer, &w);
    }
    if (carer) json_array_append_new(ids, json_integer(carer));
    return EO_OK;
}

int eo_feed_append(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, int ev, int from,
                   uint32_t wave0, uint32_t carer)
{
    if (!self->has_feed) return EO_OK;
    json_t *carers = json_array(), *winners = json_array();
    for (int i = 0; i < c->n_winners; i++)
        json_array_append_new(winners, json_integer(c->winners[i]));
    int rc = s_carers(self, txn, c, wave0, carer, carers);
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:o,s:o}", "type", s_type(c, ev, from, wave0),
                  "request_id", c->id, "event", eo_case_event_name(ev), "from",
                  eo_case_state_name(from), "state", eo_case_state_name(c->state), "wave",
                  (int)c->wave, "carers", carers, "winners", winners);
    char *text = j && rc == EO_OK ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (rc) return rc;
    if (!text) return EO_ENOMEM;
    Eo__Request *req = NULL;
    const char *owner =
        eo_cases_request(self, txn, c->id, &req) == EO_OK && req->owner ? req->owner : "";
    size_t ns = strlen(c->site) + 1, no = strlen(owner) + 1, nj = strlen(text) + 1;
    uint8_t key[8];
    eo_be64(key, c->log_seq); /* the journal entry this step just appended */
    MDB_val k = {8, key}, v = {S_SITE + ns + no + nj, NULL};
    int mrc = mdb_put(txn, self->feed, &k, &v, MDB_RESERVE | MDB_APPEND);
    if (mrc == 0) {
        uint8_t *p = v.mv_data;
        eo_be64(p + S_AT, (uint64_t)self->now_ms);
        memcpy(p + S_SITE, c->site, ns);
        memcpy(p + S_SITE + ns, owner, no);
        memcpy(p + S_SITE + ns + no, text, nj);
    }
    if (req) eo__request__free_unpacked(req, NULL);
    free(text);
    return mrc ? eo_store_fail("append feed", mrc) : EO_OK;
}

/* A row's parts, or false for one that is not well formed. */
static bool s_row(const MDB_val *v, int64_t *at_ms, const char **site, const char **owner,
                  const char **json)
{
    const char *p = v->mv_data, *end = p + v->mv_size;
    if (v->mv_size < S_SITE + 3 || end[-1] != 0) return false;
    *at_ms = (int64_t)eo_get_be64(v->mv_data);
    *site = p + S_SITE;
    *owner = *site + strlen(*site) + 1;
    if (*owner >= end) return false;
    *json = *owner + strlen(*owner) + 1;
    return *json < end;
}

typedef struct {
    const char *site, *owner;
    bool carers; /* only rows that name a carer (a carers' app) */
    json_int_t since;
    size_t limit;
} s_args_t;

static int s_args(json_t *args, s_args_t *a, const char **why)
{
    json_t *site = json_object_get(args, "site"), *since = json_object_get(args, "since"),
           *limit = json_object_get(args, "limit"), *owner = json_object_get(args, "owner");
    if (!json_is_string(site)) return *why = "site", EO_EINVAL;
    if (since && (!json_is_integer(since) || json_integer_value(since) < 0))
        return *why = "since", EO_EINVAL;
    if (limit && (!json_is_integer(limit) || json_integer_value(limit) < 1 ||
                  json_integer_value(limit) > S_LIMIT_MAX))
        return *why = "limit", EO_EINVAL;
    if (owner && !json_is_string(owner)) return *why = "owner", EO_EINVAL;
    *a = (s_args_t){.site = json_string_value(site),
                    .owner = owner ? json_string_value(owner) : NULL,
                    .carers = json_is_true(json_object_get(args, "carers")),
                    .since = since ? json_integer_value(since) : -1,
                    .limit = limit ? (size_t)json_integer_value(limit) : S_LIMIT_DEFAULT};
    return EO_OK;
}

/* The row as a client sees it: its json with id "<site>-<seq>", seq, site and at. */
static json_t *s_event(uint64_t seq, int64_t at_ms, const char *site, const char *text,
                       bool carers_only)
{
    json_t *j = json_loads(text, 0, NULL);
    if (!json_is_object(j) ||
        (carers_only && json_array_size(json_object_get(j, "carers")) == 0)) {
        json_decref(j);
        return NULL;
    }
    char id[64];
    snprintf(id, sizeof id, "%s-%llu", site, (unsigned long long)seq);
    json_object_set_new(j, "id", json_string(id));
    json_object_set_new(j, "seq", json_integer((json_int_t)seq));
    json_object_set_new(j, "site", json_string(site));
    json_object_set_new(j, "at", eo_view_time(at_ms / 1000));
    return j;
}

/* The newest seq of the store (0: none), where a reader with no cursor starts. */
static int s_head(eo_cases_t *self, MDB_txn *txn, uint64_t *head)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->feed, &cur);
    if (rc) return eo_store_fail("feed cursor", rc);
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    *head = rc == 0 && k.mv_size == 8 ? eo_get_be64(k.mv_data) : 0;
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? EO_OK : eo_store_fail("feed last", rc);
}

/* Query "feed" {site, since?, limit?, owner?, carers?}: the site's rows after since, in
 * order, at most limit of them, looking at most S_SCAN_MAX rows; next is the seq to ask
 * from next time (the last row looked at, matching or not: other sites' rows of the
 * store are passed over once). Without since: no items, next = the store's newest. */
int eo_query_feed(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out, const char **why)
{
    s_args_t a;
    int rc = s_args(args, &a, why);
    if (rc) return rc;
    json_t *items = json_array();
    uint64_t next = a.since < 0 ? 0 : (uint64_t)a.since;
    if (!self->has_feed || a.since < 0) {
        rc = self->has_feed ? s_head(self, txn, &next) : EO_OK;
        *out = json_pack("{s:o,s:I}", "items", items, "next", (json_int_t)next);
        return rc;
    }
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, self->feed, &cur))) {
        json_decref(items);
        return eo_store_fail("feed cursor", rc);
    }
    uint8_t key[8];
    eo_be64(key, next + 1);
    MDB_val k = {8, key}, v;
    size_t looked = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && looked < S_SCAN_MAX && json_array_size(items) < a.limit;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), looked++) {
        if (k.mv_size != 8) continue;
        next = eo_get_be64(k.mv_data);
        int64_t at_ms;
        const char *site, *owner, *text;
        if (!s_row(&v, &at_ms, &site, &owner, &text) || !streq(site, a.site) ||
            (a.owner && !streq(owner, a.owner)))
            continue;
        json_t *e = s_event(next, at_ms, site, text, a.carers);
        if (e) json_array_append_new(items, e);
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND) {
        json_decref(items);
        return eo_store_fail("feed next", rc);
    }
    *out = json_pack("{s:o,s:I}", "items", items, "next", (json_int_t)next);
    return EO_OK;
}

int eo_feed_trim(eo_cases_t *self, MDB_txn *txn, int64_t before_ms, uint32_t max,
                 size_t *deleted)
{
    if (!self->has_feed || !before_ms) return EO_OK;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->feed, &cur);
    if (rc) return eo_store_fail("feed trim cursor", rc);
    MDB_val k, v;
    /* rows are in decision order, so the old ones are a prefix */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && max; max--) {
        if (v.mv_size < 8 || (int64_t)eo_get_be64(v.mv_data) >= before_ms) break;
        if ((rc = mdb_cursor_del(cur, 0))) break;
        (*deleted)++;
        /* after a delete the cursor stands on the next row, and MDB_NEXT gives it */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? EO_OK : eo_store_fail("feed trim", rc);
}
