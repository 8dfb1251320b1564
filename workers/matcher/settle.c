/* settle.c: the one settlement function.
 *
 * The first acceptance that finds the case open wins. Everything it decides happens in
 * the caller's ONE write transaction: the carer's booking (eo_index_book re-checks slots
 * and weekly/monthly caps), the case's winners, the winner's offer, the withdrawal of the
 * winner's other open offers whose windows overlap, and the outbox rows (WINNER to the
 * carer). LMDB has one writer at a time, so two acceptances can never both find the case
 * open: the second sees the first's committed winners. Repeats give the same answer. */
#include <string.h>

#include "cases_int.h"

static bool s_overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 < b1 && b0 < a1;
}

static int s_message(eo_cases_t *self, MDB_txn *txn, const eo_case_t *c, const char *site,
                     const char *request_id, uint32_t carer, int kind, const char *what,
                     const char *text, const char *code)
{
    (void)c;
    char phone[20], id[EO_CASE_ID_MAX + 32];
    int rc = eo_carer_phone(self, txn, carer, phone, sizeof phone, NULL, 0);
    if (rc == EO_ENOTFOUND)
        return EO_OK;
    if (rc)
        return rc;
    snprintf(id, sizeof id, "%s:%u:%s", request_id, carer, what);
    return eo_outbox_message(self, txn, site, id, kind, phone, text, request_id, carer, code);
}

/* Withdraw one overlapping offer of the winner (*withdrawn), or prune its entry if it is
 * stale. */
static int s_withdraw(eo_cases_t *self, MDB_txn *txn, const eo_case_t *won, uint32_t carer,
                      const char *id, bool *withdrawn)
{
    *withdrawn = false;
    eo_offer_t o;
    eo_case_t other;
    int rc = eo_offer_get_stored(self, txn, id, carer, &o);
    if (rc)
        return rc == EO_ENOTFOUND ? EO_OK : rc;
    if ((rc = eo_cases_get(self, txn, id, &other)))
        return rc;
    if (eo_coffer_stale(&o, &other, self->now_ms / 1000))
        return eo_coffer_del(self, txn, id, &o);
    if (other.state != EO_CASE_OFFERING)
        return EO_OK;
    /* Deleting the carer's entry is what withdraws it (eo_offer_get): the other case's
     * page is written only when its wave ends here. */
    if ((rc = eo_coffer_del(self, txn, id, &o)))
        return rc;
    *withdrawn = true;
    uint32_t waiting = 0;
    if (o.wave != other.wave || (rc = eo_case_waiting(self, txn, &other, 1, &waiting)) ||
        waiting > 0)
        return rc;
    eo_case_ctx_t ctx = {.carer = carer, .who = "matcher", .detail = won->id};
    if ((rc = eo_case_dispatch(self, txn, &other, EV_WAVE_DONE, &ctx)) == EO_OK)
        rc = eo_cases_put(self, txn, &other);
    return rc;
}

/* Withdraw the winner's other open offers that overlap [start, end); a case whose
 * current wave thereby has nobody left waiting moves on to its next wave. */
static int s_withdraw_overlapping(eo_cases_t *self, MDB_txn *txn, const eo_case_t *won,
                                  uint32_t carer)
{
    eo_coffer_t *entries = NULL;
    size_t n = 0, cap = 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->coffers, &cur);
    if (rc)
        return eo_store_fail("carer offers cursor", rc);
    uint8_t key[4];
    eo_be32(key, carer);
    MDB_val k = {4, key}, v;
    /* the entries carry their windows: only the overlapping ones are read further */
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
        eo_coffer_t e;
        if (!eo_coffer_parse(&v, &e) || !s_overlap(e.start, e.end, won->start, won->end) ||
            streq(e.id, won->id))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            void *p = realloc(entries, cap * sizeof *entries);
            if (!p) {
                mdb_cursor_close(cur);
                free(entries);
                return EO_ENOMEM;
            }
            entries = p;
        }
        entries[n++] = e;
    }
    mdb_cursor_close(cur);
    rc = rc == MDB_NOTFOUND ? EO_OK : eo_store_fail("carer offers next", rc);
    char **closed = calloc(n + 1, sizeof *closed);
    size_t n_closed = 0;
    for (size_t i = 0; rc == EO_OK && i < n; i++) {
        bool withdrawn;
        if ((rc = s_withdraw(self, txn, won, carer, entries[i].id, &withdrawn)) == EO_OK &&
            withdrawn && closed)
            closed[n_closed++] = entries[i].id;
    }
    /* No text: the winner's text has just told them they are booked, and a carer who
     * wins would otherwise get one text per overlapping offer (W1: nine), each one paid
     * for. One CLOSE drops them all from the sms worker's open offers; a reply to a
     * withdrawn offer gets the withdrawn notice (eo_settle_accept). */
    char phone[20];
    if (rc == EO_OK && n_closed &&
        (rc = eo_carer_phone(self, txn, carer, phone, sizeof phone, NULL, 0)) == EO_OK)
        rc = eo_outbox_close(self, txn, won, phone, carer, closed, n_closed);
    if (rc == EO_OK && !closed)
        rc = EO_ENOMEM;
    free(closed);
    free(entries);
    return rc == EO_ENOTFOUND ? EO_OK : rc;
}

static int s_tell_winner(eo_cases_t *self, MDB_txn *txn, const eo_case_t *c, uint32_t carer,
                         const eo_offer_t *o)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc)
        return rc;
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.code = o->code;
    vars.address = req->address ? req->address : "";
    vars.child = req->child_first_name ? req->child_first_name : "";
    char text[EO_SMS_TEXT_MAX];
    eo_case_render(self, c, EO_TPL_WINNER, &vars, text, sizeof text);
    rc = s_message(self, txn, c, c->site, c->id, carer, EO__MESSAGE__KIND__KIND_WINNER, "winner",
                   text, o->code);
    eo__request__free_unpacked(req, NULL);
    return rc;
}

const char *eo_settle_outcome_name(int outcome)
{
    switch (outcome) {
    case EO_SETTLE_WON:
        return "won";
    case EO_SETTLE_FILLED:
        return "filled";
    case EO_SETTLE_UNBOOKABLE:
        return "unbookable";
    case EO_SETTLE_NO_OFFER:
        return "no_offer";
    case EO_SETTLE_WITHDRAWN:
        return "withdrawn";
    default:
        return "recorded";
    }
}

int eo_settle_accept(eo_cases_t *self, MDB_txn *txn, eo_case_t *c, uint32_t carer, int *outcome)
{
    eo_offer_t o;
    int rc = eo_offer_get(self, txn, c->id, carer, &o);
    if (rc == EO_ENOTFOUND) {
        *outcome = EO_SETTLE_NO_OFFER;
        return EO_OK;
    }
    if (rc)
        return rc;
    if (o.state == EO_OFFER_WON) { /* a repeat: the same answer, nothing new */
        *outcome = EO_SETTLE_WON;
        return EO_OK;
    }
    bool open = o.state == EO_OFFER_OPEN || o.state == EO_OFFER_FAILED;
    if (o.state == EO_OFFER_WITHDRAWN && c->state == EO_CASE_OFFERING) {
        /* withdrawn while the case is open: the carer won an overlapping case */
        *outcome = EO_SETTLE_WITHDRAWN;
        return s_message(self, txn, c, c->site, c->id, carer, EO__MESSAGE__KIND__KIND_WITHDRAWN,
                         "withdrawn",
                         "[언제나돌봄] 겹치는 시간에 이미 배정된 돌봄이 있어 이 제안은 철회되었습니다.",
                         o.code);
    }
    if (c->state != EO_CASE_OFFERING || !open || c->n_winners >= c->needed) {
        *outcome = EO_SETTLE_FILLED;
        if (open) {
            /* the carer's open-offer entry goes stale and is pruned when next read: no
             * random page write per late acceptance */
            o.state = EO_OFFER_FILLED;
            o.replied = 1;
            if ((rc = eo_offer_put(self, txn, c->id, &o)))
                return rc;
        }
        return s_message(self, txn, c, c->site, c->id, carer, EO__MESSAGE__KIND__KIND_FILLED,
                         "filled", "[언제나돌봄] 다른 돌보미가 배정되어 요청이 마감되었습니다.",
                         o.code);
    }
    rc = eo_index_book(self->index, txn, carer, c->id, c->start, c->end);
    if (rc == EO_EBUSY || rc == EO_ECAP) {
        *outcome = EO_SETTLE_UNBOOKABLE;
        o.state = EO_OFFER_DECLINED;
        o.replied = 1;
        if ((rc = eo_offer_put(self, txn, c->id, &o)))
            return rc;
        return s_message(self, txn, c, c->site, c->id, carer, EO__MESSAGE__KIND__KIND_FILLED,
                         "unbookable",
                         "[언제나돌봄] 다른 일정 또는 주간 한도 때문에 배정할 수 없습니다.", o.code);
    }
    if (rc && rc != EO_EEXIST)
        return rc;
    *outcome = EO_SETTLE_WON;
    c->winners[c->n_winners++] = carer;
    o.state = EO_OFFER_WON;
    o.replied = 1;
    if ((rc = eo_offer_put(self, txn, c->id, &o)) || (rc = eo_coffer_del(self, txn, c->id, &o)) ||
        (rc = s_tell_winner(self, txn, c, carer, &o)))
        return rc;
    return s_withdraw_overlapping(self, txn, c, carer);
}
