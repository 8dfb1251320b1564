/* settle.c: the one settlement function.
 *
 * The first acceptance that finds the case open wins. Everything it decides happens in
 * the caller's ONE write transaction: the carer's booking (eo_index_book re-checks slots
 * and weekly/monthly caps), the case's winners, the winner's offer, the withdrawal of the
 * winner's other open offers whose windows overlap, and the outbox rows (WINNER to the
 * carer). LMDB has one writer at a time, so two acceptances can never both find the case
 * open: the second sees the first's committed winners. Repeats give the same answer. */
#include <string.h>

#include "cases_priv.h"

static bool s_overlap(int64_t a0, int64_t a1, int64_t b0, int64_t b1)
{
    return a0 < b1 && b0 < a1;
}

/* Text template tpl about c to the carer, with the offer's code. */
static int s_tell(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                  eo_tpl_kind_t tpl, int kind, const char *what, const eo_offer_t *o)
{
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.code = o->code;
    return eo_tell_carer(self, txn, c, carer, tpl, kind, what, &vars);
}

/* Withdraw one overlapping offer of the winner (*withdrawn), or prune its entry if it is
 * stale. A case that lost an offer of its current wave goes on the touched list. */
static int s_withdraw(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e,
                      bool *withdrawn, eo_touched_t *touched)
{
    *withdrawn = false;
    eo_offer_t o;
    eo_case_rec_t other;
    bool live;
    int rc = eo_coffer_check(self, txn, carer, e, &o, &other, &live);
    if (rc || !live || other.state != EO_CASE_OFFERING) return rc;
    /* Deleting the carer's entry is what withdraws it (eo_offer_get): the other case's
     * page is written only when its wave ends (eo_case_run). */
    if ((rc = eo_coffer_del(self, txn, carer, e))) return rc;
    *withdrawn = true;
    return o.wave == other.wave ? eo_touched_add(touched, other.id) : EO_OK;
}

/* Withdraw the winner's other open offers that overlap [start, end); the cases that
 * lost an offer of their current wave are listed in *touched. */
static int s_withdraw_overlapping(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *won,
                                  uint32_t carer, eo_touched_t *touched)
{
    eo_coffer_t *entries;
    size_t n;
    int rc = eo_coffers_of(self, txn, carer, &entries, &n);
    char **closed = rc == EO_OK ? calloc(n + 1, sizeof *closed) : NULL;
    if (rc == EO_OK && !closed) rc = EO_ENOMEM;
    size_t n_closed = 0;
    /* the entries carry their windows: only the overlapping ones are read further */
    for (size_t i = 0; rc == EO_OK && i < n; i++) {
        bool withdrawn = false;
        if (s_overlap(entries[i].start, entries[i].end, won->start, won->end) &&
            !streq(entries[i].id, won->id) &&
            (rc = s_withdraw(self, txn, carer, &entries[i], &withdrawn, touched)) == EO_OK &&
            withdrawn)
            closed[n_closed++] = entries[i].id;
    }
    /* No text: the winner's text has just told them they are booked, and a carer who
     * wins would otherwise get one text per overlapping offer (W1: nine), each one paid
     * for. One CLOSE drops them all from the sms worker's open offers; a reply to a
     * withdrawn offer gets the withdrawn notice (eo_settle_accept). A carer without a
     * phone has nothing to close. */
    char phone[20];
    if (rc == EO_OK && n_closed) {
        rc = eo_carer_phone(self, txn, carer, phone, sizeof phone, NULL, 0);
        rc = rc == EO_OK ? eo_outbox_close(self, txn, won, phone, carer, closed, n_closed)
             : rc == EO_ENOTFOUND ? EO_OK
                                  : rc;
    }
    free(closed);
    free(entries);
    return rc;
}

static int s_tell_winner(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                         const eo_offer_t *o)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.code = o->code;
    vars.address = req->address ? req->address : "";
    vars.child = req->child_first_name ? req->child_first_name : "";
    /* 시설형: the confirmation names the provider, who hands over and who collects */
    bool facility = c->type == EO_SERVICE_FACILITY;
    if (facility) eo_facility_vars(self, c, req, &vars);
    rc = eo_tell_carer(self, txn, c, carer, facility ? EO_TPL_FACILITY_WINNER : EO_TPL_WINNER,
                       EO__MESSAGE__KIND__KIND_WINNER, "winner", &vars);
    eo__request__free_unpacked(req, NULL);
    return rc;
}

/* carer is booked for c: the winner, their offer WON, their text, and their other
 * overlapping offers withdrawn. */
static int s_won(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer,
                 eo_offer_t *o, eo_touched_t *touched)
{
    c->winners[c->n_winners++] = carer;
    o->state = EO_OFFER_WON;
    o->replied = 1;
    eo_coffer_t mine = {.start = o->start, .end = o->end};
    snprintf(mine.code, sizeof mine.code, "%s", o->code);
    snprintf(mine.id, sizeof mine.id, "%s", c->id);
    o->start = c->start; /* an operator may have moved the case since it was offered */
    o->end = c->end;
    int rc;
    if ((rc = eo_offer_put(self, txn, c->id, o)) ||
        (rc = eo_coffer_del(self, txn, carer, &mine)) ||
        (rc = s_tell_winner(self, txn, c, carer, o)))
        return rc;
    return s_withdraw_overlapping(self, txn, c, carer, touched);
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

int eo_settle_accept(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer,
                     int *outcome, eo_touched_t *touched)
{
    eo_offer_t o;
    int rc = eo_offer_get(self, txn, c->id, carer, &o);
    if (rc == EO_ENOTFOUND) {
        *outcome = EO_SETTLE_NO_OFFER;
        return EO_OK;
    }
    if (rc) return rc;
    if (o.state == EO_OFFER_WON) { /* a repeat: the same answer, nothing new */
        *outcome = EO_SETTLE_WON;
        return EO_OK;
    }
    bool open = o.state == EO_OFFER_OPEN || o.state == EO_OFFER_FAILED;
    if (o.state == EO_OFFER_WITHDRAWN && c->state == EO_CASE_OFFERING) {
        /* withdrawn while the case is open: the carer won an overlapping case */
        *outcome = EO_SETTLE_WITHDRAWN;
        return s_tell(self, txn, c, carer, EO_TPL_OVERLAP, EO__MESSAGE__KIND__KIND_WITHDRAWN,
                      "withdrawn", &o);
    }
    if (c->state != EO_CASE_OFFERING || !open || c->n_winners >= c->needed) {
        *outcome = EO_SETTLE_FILLED;
        if (open) {
            /* the carer's open-offer entry goes stale and is pruned when next read: no
             * random page write per late acceptance */
            o.state = EO_OFFER_FILLED;
            o.replied = 1;
            if ((rc = eo_offer_put(self, txn, c->id, &o))) return rc;
        }
        return s_tell(self, txn, c, carer, EO_TPL_FILLED, EO__MESSAGE__KIND__KIND_FILLED,
                      "filled", &o);
    }
    rc = eo_case_book(self, txn, c, carer);
    if (rc == EO_EBUSY || rc == EO_ECAP) {
        *outcome = EO_SETTLE_UNBOOKABLE;
        o.state = EO_OFFER_DECLINED;
        o.replied = 1;
        if ((rc = eo_offer_put(self, txn, c->id, &o))) return rc;
        return s_tell(self, txn, c, carer, EO_TPL_UNBOOKABLE, EO__MESSAGE__KIND__KIND_FILLED,
                      "unbookable", &o);
    }
    if (rc && rc != EO_EEXIST) return rc;
    *outcome = EO_SETTLE_WON;
    return s_won(self, txn, c, carer, &o, touched);
}

int eo_settle_assign(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer,
                     int *outcome, eo_touched_t *touched)
{
    eo_offer_t o;
    int rc = eo_offer_get(self, txn, c->id, carer, &o);
    if (rc && rc != EO_ENOTFOUND) return rc;
    if (rc == EO_OK && o.state == EO_OFFER_WON) { /* a winner already: nothing new */
        *outcome = EO_SETTLE_WON;
        return EO_OK;
    }
    if (c->n_winners >= c->needed) {
        *outcome = EO_SETTLE_FILLED;
        return EO_OK;
    }
    bool made = rc == EO_ENOTFOUND;
    /* booked first: a carer who cannot be is refused before anything is written (the
     * caller checked it, eo_assign_check, so this is not seen) */
    if ((rc = eo_case_book(self, txn, c, carer)) == EO_EBUSY || rc == EO_ECAP) {
        *outcome = EO_SETTLE_UNBOOKABLE;
        return EO_OK;
    }
    if (rc && rc != EO_EEXIST) return rc;
    /* an offer the carer had (whatever they answered: the operator has them on the
     * phone) is the one they win; without one, one of the current wave is made */
    if (made) {
        o = (eo_offer_t){.version = S_OFFER_VERSION,
                         .wave = c->wave,
                         .carer = carer,
                         .start = c->start,
                         .end = c->end};
        if ((rc = eo_case_offer_code(self, txn, c, carer, o.code))) return rc;
        c->n_offered++;
    }
    *outcome = EO_SETTLE_WON;
    return s_won(self, txn, c, carer, &o, touched);
}
