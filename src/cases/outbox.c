/* outbox.c: outgoing Events written in the same transaction as the decision that
 * caused them; the matcher actor relays them and deletes each row on its ack, so a crash
 * between commit and relay resends and never loses. Row: seq(BE64) -> service[12]
 * site[16] encoded Event. Ids are deterministic (request, carer, kind) so receivers
 * can drop the duplicates a resend makes, and a replay writes the same rows. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_handoff_item.h"

#define S_HDR 28

static int s_put(eo_cases_t *self, MDB_txn *txn, const char *service, const char *site,
                 const Eo__Event *ev)
{
    /* what an HTTP request caused carries its X-Request-Id on to the sms and hand-off
     * roles, whose logs then name it too */
    Eo__Event traced = *ev;
    traced.trace_id = (char *)(self->trace ? self->trace : "");
    size_t size;
    uint8_t *body = eo_event_encode(&traced, &size);
    if (!body) return EO_EINVAL;
    uint64_t seq;
    int rc = eo_meta_next(self, txn, "outbox_seq", &seq);
    if (rc) {
        free(body);
        return rc;
    }
    uint8_t key[8];
    eo_be64(key, seq);
    MDB_val k = {8, key}, v = {S_HDR + size, NULL};
    if ((rc = mdb_put(txn, self->outbox, &k, &v, MDB_RESERVE | MDB_APPEND))) {
        free(body);
        return eo_store_fail("put outbox", rc);
    }
    uint8_t *p = v.mv_data;
    memset(p, 0, S_HDR);
    snprintf((char *)p, 12, "%s", service);
    snprintf((char *)p + 12, EO_SITE_SLUG, "%s", site);
    memcpy(p + S_HDR, body, size);
    free(body);
    return EO_OK;
}

/* A Message in its Event envelope, to (sms, its site). */
static int s_put_message(eo_cases_t *self, MDB_txn *txn, Eo__Message *m)
{
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = m->id;
    ev.site = m->site;
    ev.at_ms = self->now_ms;
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = m;
    return s_put(self, txn, "sms", m->site, &ev);
}

int eo_outbox_message(eo_cases_t *self, MDB_txn *txn, const char *site, const char *id,
                      int kind, const char *to, const char *text, const char *request_id,
                      uint32_t carer, const char *code)
{
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = (char *)id;
    m.site = (char *)site;
    m.to = (char *)to;
    m.text = (char *)text;
    m.kind = kind;
    m.request_id = (char *)request_id;
    m.carer_id = carer;
    m.code = (char *)(code ? code : "");
    return s_put_message(self, txn, &m);
}

int eo_outbox_close(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *won, const char *to,
                    uint32_t carer, char **ids, size_t n)
{
    char id[EO_CASE_ID_MAX + 32];
    snprintf(id, sizeof id, "%s:%u:close", won->id, carer);
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = id;
    m.site = (char *)won->site;
    m.to = (char *)to;
    m.kind = EO__MESSAGE__KIND__KIND_CLOSE;
    m.request_id = (char *)won->id;
    m.carer_id = carer;
    m.n_close_ids = n;
    m.close_ids = ids;
    return s_put_message(self, txn, &m);
}

int eo_outbox_handoff(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, int kind)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    /* the journal's length is the generation: it grows with every decision on the case,
     * so a case settled again sends a new item (a provider keeps the highest) and a
     * resend of the same decision keeps its id */
    char id[EO_CASE_ID_MAX + 48];
    snprintf(id, sizeof id, "%s:handoff:%s:%u", c->id, eo_handoff_kind_name(kind), c->log_n);
    /* 시설형: the provider whose facility takes the child, or the site's 아동돌봄센터 when
     * no facility has a carer; otherwise the site's default provider */
    const char *provider = "";
    if (c->type == EO_SERVICE_FACILITY) {
        const eo_provider_t *p = eo_facility_provider(self, c->site, c->provider);
        provider = c->tier == EO_MATCH_CENTRE || c->tier == EO_MATCH_CONVERT_VISIT
                       ? eo_facility_centre_id(self, c->site)
                   : p ? p->id
                       : "";
    }
    char *fee = eo_case_fee_json(self, c, req);
    Eo__HandoffItem h = EO__HANDOFF_ITEM__INIT;
    h.id = id;
    h.site = (char *)c->site;
    h.provider = (char *)provider;
    h.kind = kind;
    h.request_id = (char *)c->id;
    h.request = req;
    h.n_carer_ids = c->n_winners;
    h.carer_ids = (uint32_t *)c->winners;
    h.service_start = c->service_start;
    h.service_end = c->service_end;
    h.fee_json = fee ? fee : "";
    h.created_at = self->now_ms / 1000;
    h.generation = c->log_n;
    char hist[64];
    snprintf(hist, sizeof hist, "waves=%u offered=%u", c->wave, c->n_offered);
    char *hist_p = hist;
    h.n_offer_history = 1;
    h.offer_history = &hist_p;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = id;
    ev.site = (char *)c->site;
    ev.at_ms = self->now_ms;
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &h;
    rc = s_put(self, txn, "handoff", c->site, &ev);
    eo__request__free_unpacked(req, NULL);
    free(fee);
    return rc;
}

int eo_cases_outbox_each(eo_cases_t *self, MDB_txn *txn, uint64_t from,
                         int (*fn)(void *arg, const eo_outbox_row_t *row), void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->outbox, &cur);
    if (rc) return eo_store_fail("outbox cursor", rc);
    uint8_t key[8];
    eo_be64(key, from);
    MDB_val k = {8, key}, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8 || v.mv_size < S_HDR) continue;
        eo_outbox_row_t row = {.seq = eo_get_be64(k.mv_data)};
        const uint8_t *p = v.mv_data;
        memcpy(row.service, p, 11);
        memcpy(row.site, p + 12, EO_SITE_SLUG - 1);
        row.body = p + S_HDR;
        row.size = v.mv_size - S_HDR;
        if ((result = fn(arg, &row)) != 0) break;
    }
    if (rc && rc != MDB_NOTFOUND) result = eo_store_fail("outbox next", rc);
    mdb_cursor_close(cur);
    return result;
}

int eo_cases_outbox_delete(eo_cases_t *self, MDB_txn *txn, uint64_t seq)
{
    uint8_t key[8];
    eo_be64(key, seq);
    MDB_val k = {8, key};
    int rc = mdb_del(txn, self->outbox, &k, NULL);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    return rc ? eo_store_fail("del outbox", rc) : EO_OK;
}
