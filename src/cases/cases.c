/* cases.c: the case store's databases and records (see eo_cases.h). */
#include <string.h>

#include <czmq.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_restrict.h"

void eo_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

void eo_be64(uint8_t *p, uint64_t v)
{
    eo_be32(p, (uint32_t)(v >> 32));
    eo_be32(p + 4, (uint32_t)v);
}

uint32_t eo_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t eo_get_be64(const uint8_t *p)
{
    return (uint64_t)eo_get_be32(p) << 32 | eo_get_be32(p + 4);
}

void eo_cases_config_defaults(eo_cases_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->wave_k = 10;
    for (int i = 0; i < EO_SITE_MAX; i++)
        cfg->wave_timeout_s[i] = 300;
    cfg->escalate_lead_s = 3600;
    snprintf(cfg->callcentre_phone, sizeof cfg->callcentre_phone, "+82215771234");
}

bool eo_offer_is_key(const MDB_val *k)
{
    return memchr(k->mv_data, 0, k->mv_size) != NULL;
}

/* Members (their restrictions are eo_restrict's). A store only read (eonjena log, check)
 * decides nothing, so it needs none, and may have been written before members existed:
 * has_members stays false. */
static int s_members(eo_cases_t *self)
{
    if (eo_store_readonly(self->store)) return EO_OK;
    if (eo_store_dbi(self->store, "m.members", 0, &self->members)) return EO_ESTORE;
    self->has_members = true;
    return EO_OK;
}

eo_cases_t *eo_cases_new(eo_store_t *store, eo_index_t *index, const eo_dongs_t *dongs,
                         eo_rules_t *rules, const eo_cases_config_t *cfg)
{
    if (!store || !index || !dongs || !rules) return NULL;
    eo_cases_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->store = store;
    self->index = index;
    self->dongs = dongs;
    self->rules = rules;
    if (cfg)
        self->cfg = *cfg;
    else
        eo_cases_config_defaults(&self->cfg);
    if (eo_store_dbi(store, "m.cases", 0, &self->cases) ||
        eo_store_dbi(store, "m.reqs", 0, &self->reqs) ||
        eo_store_dbi(store, "m.coffers", MDB_DUPSORT, &self->coffers) ||
        eo_store_dbi(store, "m.timers", 0, &self->timers) ||
        eo_store_dbi(store, "m.outbox", 0, &self->outbox) ||
        eo_store_dbi(store, "m.inputs", 0, &self->inputs) ||
        eo_store_dbi(store, "m.journal", 0, &self->journal) ||
        eo_store_dbi(store, "m.seen", 0, &self->seen) ||
        eo_store_dbi(store, "m.meta", 0, &self->meta) ||
        eo_store_dbi(store, "m.fgroups", 0, &self->fgroups) ||
        eo_store_dbi(store, "m.childday", 0, &self->childday) ||
        !(self->restricts = eo_restrict_new(store, rules)) || s_members(self)) {
        eo_restrict_destroy(&self->restricts);
        free(self);
        return NULL;
    }
    /* The built-in texts until eo_cases_set_templates gives the configured ones. */
    zconfig_t *empty = zconfig_new("root", NULL);
    char err[256];
    self->templates = eo_templates_new(empty, dongs, err, sizeof err);
    self->own_templates = true;
    zconfig_destroy(&empty);
    if (!self->templates) {
        zsys_error("cases: the built-in texts do not load: %s", err);
        eo_restrict_destroy(&self->restricts);
        free(self);
        return NULL;
    }
    return self;
}

void eo_cases_destroy(eo_cases_t **self_p)
{
    if (self_p && *self_p) {
        if ((*self_p)->own_templates) eo_templates_destroy(&(*self_p)->templates);
        eo_rules_destroy(&(*self_p)->own_rules);
        eo_restrict_destroy(&(*self_p)->restricts);
        eo_providers_destroy(&(*self_p)->own_providers);
        free(*self_p);
        *self_p = NULL;
    }
}

void eo_cases_set_templates(eo_cases_t *self, eo_templates_t *templates)
{
    if (self->own_templates) eo_templates_destroy(&self->templates);
    self->templates = templates;
    self->own_templates = false;
}

void eo_cases_set_log(eo_cases_t *self, bool log_traces)
{
    self->log_traces = log_traces;
}

eo_store_t *eo_cases_store(eo_cases_t *self)
{
    return self->store;
}

eo_index_t *eo_cases_index(eo_cases_t *self)
{
    return self->index;
}

const char *eo_case_state_name(int state)
{
    static const char *names[] = {"received", "validated", "offering", "settled", "escalated",
                                  "expired",  "cancelled", "queued",   "refused"};
    return state >= 0 && state < EO_CASE__STATES ? names[state] : "unknown";
}

int eo_cases_get(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_t *out)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc) return rc;
    *out = (eo_case_t){.state = c.state,
                       .needed = c.needed,
                       .n_winners = c.n_winners,
                       .purged = c.purged,
                       .wave = c.wave,
                       .dong = c.dong,
                       .n_offered = c.n_offered,
                       .log_n = c.log_n,
                       .start = c.start,
                       .end = c.end,
                       .requested_at = c.requested_at,
                       .timer_due_ms = c.timer_due_ms,
                       .timer_seq = c.timer_seq,
                       .updated_ms = c.updated_ms,
                       .fee = c.fee,
                       .service_start = c.service_start,
                       .service_end = c.service_end,
                       .type = c.type ? c.type : EO_SERVICE_VISIT,
                       .reason = c.reason,
                       .pay = c.pay,
                       .member_fee = c.member_fee,
                       .carer_pay = c.carer_pay};
    memcpy(out->winners, c.winners, sizeof out->winners);
    memcpy(out->log_hash, c.log_hash, sizeof out->log_hash);
    memcpy(out->site, c.site, sizeof out->site);
    memcpy(out->id, c.id, sizeof out->id);
    return EO_OK;
}

int eo_case_get(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_rec_t *out)
{
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(txn, self->cases, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get case", rc);
    if (eo_case_decode(&v, out)) {
        zsys_error("cases: case %s has a bad record", id);
        return EO_ESTORE;
    }
    return EO_OK;
}

int eo_case_decode(const MDB_val *v, eo_case_rec_t *out)
{
    uint8_t version = v->mv_size ? ((uint8_t *)v->mv_data)[0] : 0;
    if (version == S_CASE_VERSION && v->mv_size == sizeof *out)
        memcpy(out, v->mv_data, sizeof *out);
    else if (version == 2 && v->mv_size == S_CASE_V2_SIZE) {
        /* a version 2 record: its fields where they are, the newer ones zero */
        memset(out, 0, sizeof *out);
        memcpy(out, v->mv_data, offsetof(eo_case_rec_t, id) + EO_CASE_ID_MAX);
    } else
        return EO_ESTORE;
    return EO_OK;
}

int eo_cases_put(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c)
{
    c->version = S_CASE_VERSION;
    c->updated_ms = self->now_ms;
    MDB_val k = {strlen(c->id), c->id}, v = {sizeof *c, c};
    int rc = mdb_put(txn, self->cases, &k, &v, 0);
    return rc ? eo_store_fail("put case", rc) : EO_OK;
}

int eo_cases_request(eo_cases_t *self, MDB_txn *txn, const char *id, Eo__Request **out)
{
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(txn, self->reqs, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get request", rc);
    *out = eo__request__unpack(NULL, v.mv_size, v.mv_data);
    return *out ? EO_OK : EO_ESTORE;
}

void eo_coffer_encode(uint32_t carer, int64_t start, int64_t end, const char *code,
                      const char *id, uint8_t *key, uint8_t *val, MDB_val *k, MDB_val *v)
{
    size_t n = strlen(id);
    assert(n < EO_CASE_ID_MAX);
    eo_be32(key, carer);
    eo_be64(val, (uint64_t)start);
    eo_be64(val + 8, (uint64_t)end);
    memset(val + 16, '0', 4);
    memcpy(val + 16, code, strnlen(code, 4));
    memcpy(val + EO_COFFER_HEAD, id, n);
    *k = (MDB_val){4, key};
    *v = (MDB_val){EO_COFFER_HEAD + n, val};
}

/* An open offer whose entry in the carer's m.coffers is gone was withdrawn: the
 * withdrawal deletes that entry (a page the winner's booking dirties anyway) instead of
 * rewriting the offer in its case's page, one random page per withdrawn offer. */
static int s_offer_withdrawn(eo_cases_t *self, MDB_txn *txn, const char *id, eo_offer_t *o)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->coffers, &cur);
    if (rc) return eo_store_fail("carer offers cursor", rc);
    uint8_t key[4], val[EO_COFFER_HEAD + EO_CASE_ID_MAX];
    MDB_val k, v;
    eo_coffer_encode(o->carer, o->start, o->end, o->code, id, key, val, &k, &v);
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        o->state = EO_OFFER_WITHDRAWN;
    else if (rc)
        return eo_store_fail("carer offer get", rc);
    return EO_OK;
}

int eo_offer_key(const char *id, uint32_t carer, uint8_t *key, size_t size)
{
    size_t n = strlen(id);
    assert(n + 5 <= size);
    memcpy(key, id, n);
    key[n] = 0;
    eo_be32(key + n + 1, carer);
    return (int)(n + 5);
}

/* The record as stored. */
static int s_offer_stored(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t carer,
                          eo_offer_t *o)
{
    uint8_t key[EO_CASE_ID_MAX + 8];
    MDB_val k = {(size_t)eo_offer_key(id, carer, key, sizeof key), key}, v;
    int rc = mdb_get(txn, self->cases, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get offer", rc);
    if (v.mv_size != sizeof *o) return EO_ESTORE;
    memcpy(o, v.mv_data, sizeof *o);
    return EO_OK;
}

int eo_offer_get(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t carer, eo_offer_t *o)
{
    int rc = s_offer_stored(self, txn, id, carer, o);
    if (rc == EO_OK && o->state == EO_OFFER_OPEN) rc = s_offer_withdrawn(self, txn, id, o);
    return rc;
}

int eo_offer_put(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_offer_t *o)
{
    uint8_t key[EO_CASE_ID_MAX + 8];
    MDB_val k = {(size_t)eo_offer_key(id, o->carer, key, sizeof key), key};
    MDB_val v = {sizeof *o, (void *)o};
    int rc = mdb_put(txn, self->cases, &k, &v, 0);
    return rc ? eo_store_fail("put offer", rc) : EO_OK;
}

int eo_offer_each(eo_cases_t *self, MDB_txn *txn, const char *id,
                  int (*fn)(void *arg, const eo_offer_t *o), void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->cases, &cur);
    if (rc) return eo_store_fail("offer cursor", rc);
    size_t n = strlen(id) + 1;
    MDB_val k = {n, (void *)id}, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != n + 4 || memcmp(k.mv_data, id, n) != 0) break;
        eo_offer_t o;
        memcpy(&o, v.mv_data, sizeof o);
        if ((result = fn(arg, &o)) != 0) break;
    }
    if (rc && rc != MDB_NOTFOUND) result = eo_store_fail("offer cursor get", rc);
    mdb_cursor_close(cur);
    return result;
}

/* --- who is still waiting ---------------------------------------------------------------
 * Not a counter in the case record: a withdrawal would have to rewrite the page of every
 * case it touches (W1: nine per settlement). Counted from the case's own offers, which
 * sit together after the record, and stopped at `max`. */
typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    const char *id;
    uint32_t wave, max, n;
    int rc;
} s_waiting_t;

static int s_waiting_one(void *arg, const eo_offer_t *stored)
{
    s_waiting_t *w = arg;
    if (stored->wave != w->wave || stored->state != EO_OFFER_OPEN) return 0;
    eo_offer_t o = *stored;
    if ((w->rc = s_offer_withdrawn(w->self, w->txn, w->id, &o))) return 1;
    w->n += o.state == EO_OFFER_OPEN;
    return w->n >= w->max;
}

int eo_case_waiting(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t max,
                    uint32_t *n)
{
    s_waiting_t w = {self, txn, c->id, c->wave, max ? max : UINT32_MAX, 0, EO_OK};
    int rc = eo_offer_each(self, txn, c->id, s_waiting_one, &w); /* 1: stopped early */
    *n = w.n;
    return w.rc ? w.rc : rc > 0 ? EO_OK : rc;
}

int eo_case_wave_over(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, bool *over)
{
    uint32_t n = 1;
    int rc = eo_case_waiting(self, txn, c, 1, &n);
    *over = rc == EO_OK && n == 0;
    return rc;
}

int eo_cases_waiting(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t *n)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    return rc ? rc : eo_case_waiting(self, txn, &c, 0, n);
}

bool eo_coffer_parse(const MDB_val *v, eo_coffer_t *out)
{
    if (v->mv_size <= EO_COFFER_HEAD || v->mv_size >= EO_COFFER_HEAD + EO_CASE_ID_MAX)
        return false;
    const uint8_t *p = v->mv_data;
    out->start = (int64_t)eo_get_be64(p);
    out->end = (int64_t)eo_get_be64(p + 8);
    memcpy(out->code, p + 16, 4);
    out->code[4] = 0;
    memcpy(out->id, p + EO_COFFER_HEAD, v->mv_size - EO_COFFER_HEAD);
    out->id[v->mv_size - EO_COFFER_HEAD] = 0;
    return true;
}

int eo_coffers_of(eo_cases_t *self, MDB_txn *txn, uint32_t carer, eo_coffer_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->coffers, &cur);
    if (rc) return eo_store_fail("carer offers cursor", rc);
    uint8_t key[4];
    eo_be32(key, carer);
    MDB_val k = {4, key}, v;
    size_t cap = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            void *p = realloc(*out, cap * sizeof **out);
            if (!p) {
                rc = ENOMEM;
                break;
            }
            *out = p;
        }
        *n += eo_coffer_parse(&v, &(*out)[*n]);
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) return EO_OK;
    free(*out);
    *out = NULL;
    *n = 0;
    return rc == ENOMEM ? EO_ENOMEM : eo_store_fail("carer offers", rc);
}

int eo_coffer_add(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_offer_t *o)
{
    uint8_t key[4], val[EO_COFFER_HEAD + EO_CASE_ID_MAX];
    MDB_val k, v;
    eo_coffer_encode(o->carer, o->start, o->end, o->code, id, key, val, &k, &v);
    int rc = mdb_put(txn, self->coffers, &k, &v, MDB_NODUPDATA);
    return rc && rc != MDB_KEYEXIST ? eo_store_fail("put carer offer", rc) : EO_OK;
}

int eo_coffer_check(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e,
                    eo_offer_t *o, eo_case_rec_t *c, bool *live)
{
    *live = false;
    int rc = s_offer_stored(self, txn, e->id, carer, o);
    if (rc == EO_OK) rc = eo_case_get(self, txn, e->id, c);
    if (rc == EO_ENOTFOUND) /* an entry without its offer or case stands for nothing */
        return eo_coffer_del(self, txn, carer, e);
    if (rc) return rc;
    /* an open offer of a settled case still counts while the winner may cancel and
     * reopen it: dropping its entry would make it read as withdrawn */
    *live = o->state == EO_OFFER_OPEN &&
            (c->state == EO_CASE_OFFERING ||
             (c->state == EO_CASE_SETTLED && c->end > self->now_ms / 1000));
    return *live ? EO_OK : eo_coffer_del(self, txn, carer, e);
}

int eo_coffer_del(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e)
{
    uint8_t key[4], val[EO_COFFER_HEAD + EO_CASE_ID_MAX];
    MDB_val k, v;
    eo_coffer_encode(carer, e->start, e->end, e->code, e->id, key, val, &k, &v);
    int rc = mdb_del(txn, self->coffers, &k, &v);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("del carer offer", rc) : EO_OK;
}

int eo_meta_get(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t *value)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    *value = 0;
    int rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == 8)
        *value = eo_get_be64(v.mv_data);
    else if (rc && rc != MDB_NOTFOUND)
        return eo_store_fail("get meta", rc);
    return EO_OK;
}

int eo_meta_add(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t delta,
                uint64_t *value)
{
    uint64_t n;
    int rc = eo_meta_get(self, txn, name, &n);
    if (rc) return rc;
    uint8_t buf[8];
    eo_be64(buf, n += delta);
    MDB_val k = {strlen(name), (void *)name}, v = {8, buf};
    if ((rc = mdb_put(txn, self->meta, &k, &v, 0))) return eo_store_fail("put meta", rc);
    if (value) *value = n;
    return EO_OK;
}

int eo_meta_next(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t *value)
{
    return eo_meta_add(self, txn, name, 1, value);
}

int eo_seen_get(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t *at_ms, char *outcome,
                size_t size)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, self->seen, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get seen", rc);
    if (v.mv_size < 8 || v.mv_size - 8 >= size) return eo_store_fail("get seen", MDB_CORRUPTED);
    *at_ms = (int64_t)eo_get_be64(v.mv_data);
    memcpy(outcome, (const uint8_t *)v.mv_data + 8, v.mv_size - 8);
    outcome[v.mv_size - 8] = 0;
    return EO_OK;
}

int eo_seen_put(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t at_ms,
                const char *outcome)
{
    uint8_t buf[40];
    size_t n = strlen(outcome);
    MDB_val k = {strlen(key), (void *)key}, v = {8 + n, buf};
    if (k.mv_size == 0 || k.mv_size > 511 || n >= sizeof buf - 8) return EO_EINVAL;
    eo_be64(buf, (uint64_t)at_ms);
    memcpy(buf + 8, outcome, n);
    int rc = mdb_put(txn, self->seen, &k, &v, 0);
    return rc ? eo_store_fail("put seen", rc) : EO_OK;
}

int eo_cases_status(eo_cases_t *self, MDB_txn *txn, const char *id, uint8_t **out, size_t *size)
{
    return eo_case_status(self, txn, id, false, out, size);
}

/* A Status event for a case. */
int eo_case_status(eo_cases_t *self, MDB_txn *txn, const char *id, bool replayed, uint8_t **out,
                   size_t *size)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc) return rc;
    Eo__Status st = EO__STATUS__INIT;
    st.request_id = c.id;
    st.state = (char *)eo_case_state_name(c.state);
    st.wave = c.wave;
    st.n_winners = c.n_winners;
    st.winners = c.winners;
    char names[EO_CASE_MAX_WINNERS][64];
    char *name_p[EO_CASE_MAX_WINNERS];
    for (int i = 0; i < c.n_winners; i++) {
        char phone[20];
        names[i][0] = 0;
        eo_carer_phone(self, txn, c.winners[i], phone, sizeof phone, names[i], sizeof names[i]);
        name_p[i] = names[i];
    }
    st.n_winner_names = c.n_winners;
    st.winner_names = name_p;
    st.updated_at = c.updated_ms / 1000;
    st.replayed = replayed;
    st.fee = c.fee;
    /* a pool case's fee and its payment */
    static const char *pay_names[] = {"", "due", "paid"};
    st.member_fee = c.member_fee;
    st.payment = (char *)pay_names[c.pay % 3];
    st.payment_due = c.pay == EO_PAY_DUE ? c.timer_due_ms / 1000 : 0;
    /* a refused case says why, as the refusal did (its %s: when business hours begin) */
    Eo__Error err = EO__ERROR__INIT;
    char ko[512], en[512];
    if (c.state == EO_CASE_REFUSED) {
        eo_verdict_t v = {.reason = c.reason};
        char at[32];
        eo_time_format(eo_rules_business_start(self->rules, c.requested_at), at, sizeof at);
        snprintf(v.arg, sizeof v.arg, "%.16s", at);
        err.code = (char *)eo_reason_code(c.reason);
        err.message_ko = eo_verdict_message(&v, "ko", ko, sizeof ko);
        err.message_en = eo_verdict_message(&v, "en", en, sizeof en);
        st.error = &err;
    }
    Eo__Request *req = NULL;
    if (eo_cases_request(self, txn, id, &req) == EO_OK && req->owner) st.owner = req->owner;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = c.id;
    ev.site = c.site;
    ev.at_ms = self->now_ms;
    ev.body_case = EO__EVENT__BODY_STATUS;
    ev.status = &st;
    *out = eo_event_encode(&ev, size);
    if (req) eo__request__free_unpacked(req, NULL);
    return *out ? EO_OK : EO_ENOMEM;
}
