/* lifecycle.c: the request lifecycle as a table of (state, event) -> action, next
 * state (docs/lifecycle.md is this table in prose). An action may name a follow-up
 * event (a wave that finds nobody reports EV_EXHAUSTED), which runs after the state
 * change. Every transition is appended to the case's hash-chained journal. */
#include <string.h>

#include "cases_priv.h"

typedef int (*s_action_fn)(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                           eo_case_event_t *next);

typedef struct {
    uint8_t state;
    uint8_t event;
    s_action_fn action;
    int8_t next; /* -1: stay */
} s_row_t;

static int a_none(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);
static int a_wave(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);
static int a_queue(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                   eo_case_event_t *);
static int a_accept(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                    eo_case_event_t *);
static int a_late(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);
static int a_settled(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                     eo_case_event_t *);
static int a_decline(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                     eo_case_event_t *);
static int a_escalate(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                      eo_case_event_t *);
static int a_expire(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                    eo_case_event_t *);
static int a_cancel(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                    eo_case_event_t *);
static int a_winner_cancel(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                           eo_case_event_t *);
static int a_refuse(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                    eo_case_event_t *);
static int a_settled_timer(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                           eo_case_event_t *);
static int a_paid(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);
static int a_pickup_late(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                         eo_case_event_t *);
static int a_noshow(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                    eo_case_event_t *);

#define S_STAY -1
/* The lifecycle. A (state, event) pair that is not here is refused (EO_ECLOSED) when it
 * comes from outside and ignored when an action chains it. */
static const s_row_t s_table[] = {
    {EO_CASE_RECEIVED, EV_INTAKE, a_none, EO_CASE_VALIDATED},
    {EO_CASE_VALIDATED, EV_ROUTE_POOL, a_wave, EO_CASE_OFFERING},
    {EO_CASE_VALIDATED, EV_ROUTE_PROVIDER, a_queue, EO_CASE_QUEUED},
    {EO_CASE_VALIDATED, EV_REFUSE, a_refuse, EO_CASE_REFUSED},
    {EO_CASE_OFFERING, EV_ACCEPT, a_accept, S_STAY},
    {EO_CASE_OFFERING, EV_FULL, a_settled, EO_CASE_SETTLED},
    {EO_CASE_OFFERING, EV_DECLINE, a_decline, S_STAY},
    {EO_CASE_OFFERING, EV_UNREACHABLE, a_decline, S_STAY},
    {EO_CASE_OFFERING, EV_WAVE_DONE, a_wave, S_STAY},
    {EO_CASE_OFFERING, EV_EXPIRED, a_wave, S_STAY},
    {EO_CASE_OFFERING, EV_WAVE, a_wave, S_STAY},
    {EO_CASE_OFFERING, EV_EXHAUSTED, a_escalate, EO_CASE_ESCALATED},
    {EO_CASE_OFFERING, EV_MEMBER_CANCEL, a_cancel, EO_CASE_CANCELLED},
    {EO_CASE_OFFERING, EV_WINNER_CANCEL, a_winner_cancel, S_STAY},
    {EO_CASE_SETTLED, EV_ACCEPT, a_late, S_STAY},
    {EO_CASE_SETTLED, EV_DECLINE, a_decline, S_STAY},
    {EO_CASE_SETTLED, EV_UNREACHABLE, a_decline, S_STAY},
    {EO_CASE_SETTLED, EV_WINNER_CANCEL, a_winner_cancel, EO_CASE_OFFERING},
    {EO_CASE_SETTLED, EV_MEMBER_CANCEL, a_cancel, EO_CASE_CANCELLED},
    {EO_CASE_SETTLED, EV_EXPIRED, a_settled_timer, S_STAY},
    {EO_CASE_SETTLED, EV_PAID, a_paid, S_STAY},
    {EO_CASE_SETTLED, EV_UNPAID, a_escalate, EO_CASE_ESCALATED},
    {EO_CASE_SETTLED, EV_PICKUP_LATE, a_pickup_late, S_STAY},
    {EO_CASE_SETTLED, EV_NOSHOW, a_noshow, EO_CASE_CANCELLED},
    {EO_CASE_ESCALATED, EV_PAID, a_paid, EO_CASE_SETTLED},
    {EO_CASE_ESCALATED, EV_ACCEPT, a_late, S_STAY},
    {EO_CASE_ESCALATED, EV_DECLINE, a_decline, S_STAY},
    {EO_CASE_ESCALATED, EV_UNREACHABLE, a_decline, S_STAY},
    {EO_CASE_ESCALATED, EV_EXPIRED, a_expire, EO_CASE_EXPIRED},
    {EO_CASE_ESCALATED, EV_MEMBER_CANCEL, a_cancel, EO_CASE_CANCELLED},
    {EO_CASE_QUEUED, EV_ACCEPT, a_late, S_STAY},
    {EO_CASE_QUEUED, EV_MEMBER_CANCEL, a_cancel, EO_CASE_CANCELLED},
    {EO_CASE_EXPIRED, EV_ACCEPT, a_late, S_STAY},
    {EO_CASE_EXPIRED, EV_DECLINE, a_decline, S_STAY},
    {EO_CASE_EXPIRED, EV_UNREACHABLE, a_decline, S_STAY},
    {EO_CASE_CANCELLED, EV_ACCEPT, a_late, S_STAY},
    {EO_CASE_CANCELLED, EV_DECLINE, a_decline, S_STAY},
    {EO_CASE_CANCELLED, EV_UNREACHABLE, a_decline, S_STAY},
    /* an operator's actions (operator.c, docs/lifecycle.md "Operators' actions") */
    {EO_CASE_OFFERING, EV_ASSIGN, eo_act_assign, S_STAY},
    {EO_CASE_ESCALATED, EV_ASSIGN, eo_act_assign, S_STAY},
    {EO_CASE_QUEUED, EV_ASSIGN, eo_act_assign, S_STAY},
    {EO_CASE_ESCALATED, EV_FULL, a_settled, EO_CASE_SETTLED},
    {EO_CASE_QUEUED, EV_FULL, a_settled, EO_CASE_SETTLED},
    {EO_CASE_OFFERING, EV_REOFFER, eo_act_reoffer, S_STAY},
    {EO_CASE_ESCALATED, EV_REOFFER, eo_act_reoffer, EO_CASE_OFFERING},
    {EO_CASE_QUEUED, EV_REOFFER, eo_act_reoffer, EO_CASE_OFFERING},
    {EO_CASE_OFFERING, EV_RESCHEDULE, eo_act_reschedule, S_STAY},
    {EO_CASE_SETTLED, EV_RESCHEDULE, eo_act_reschedule, S_STAY},
    {EO_CASE_ESCALATED, EV_RESCHEDULE, eo_act_reschedule, S_STAY},
    {EO_CASE_QUEUED, EV_RESCHEDULE, eo_act_reschedule, S_STAY},
    {EO_CASE_OFFERING, EV_CLOSE, eo_act_close, EO_CASE_CLOSED},
    {EO_CASE_SETTLED, EV_CLOSE, eo_act_close, EO_CASE_CLOSED},
    {EO_CASE_ESCALATED, EV_CLOSE, eo_act_close, EO_CASE_CLOSED},
    {EO_CASE_QUEUED, EV_CLOSE, eo_act_close, EO_CASE_CLOSED},
};

const char *eo_case_event_name(int ev)
{
    static const char *names[] = {
        "none",    "intake",     "route_pool",    "route_provider", "wave",
        "accept",  "full",       "decline",       "unreachable",    "wave_done",
        "expired", "exhausted",  "winner_cancel", "member_cancel",  "refuse",
        "paid",    "unpaid",     "pickup_late",   "noshow",         "assign",
        "reoffer", "reschedule", "close"};
    _Static_assert(sizeof names / sizeof names[0] == EV__COUNT, "a name for every event");
    return ev >= 0 && ev < EV__COUNT ? names[ev] : "unknown";
}

static const s_row_t *s_find(int state, int ev)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
        if (s_table[i].state == state && s_table[i].event == ev) return &s_table[i];
    return NULL;
}

int eo_case_dispatch(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_event_t ev,
                     eo_case_ctx_t *ctx)
{
    bool chained = false;
    /* a chain is short (wave -> exhausted -> escalate); the bound guards the table */
    for (int steps = 0; ev != EV_NONE && steps < 8; steps++) {
        const s_row_t *row = s_find(c->state, ev);
        if (!row) return chained ? EO_OK : EO_ECLOSED;
        eo_case_event_t next = EV_NONE;
        int from = c->state;
        uint32_t wave0 = c->wave;
        ctx->event = ev;
        ctx->note[0] = 0;
        int rc = row->action(self, txn, c, ctx, &next);
        if (rc) return rc;
        if (row->next != S_STAY) c->state = (uint8_t)row->next;
        char what[64], detail[384]; /* an operator's reason: up to 200 bytes */
        snprintf(what, sizeof what, "%s %s->%s", eo_case_event_name(ev),
                 eo_case_state_name(from), eo_case_state_name(c->state));
        snprintf(detail, sizeof detail, "wave=%u winners=%u offered=%u%s%s%s%s", c->wave,
                 c->n_winners, c->n_offered, ctx->detail ? " " : "",
                 ctx->detail ? ctx->detail : "", ctx->note[0] ? " " : "", ctx->note);
        if ((rc = eo_journal_append(self, txn, c, ctx->who ? ctx->who : "matcher", what,
                                    detail)) ||
            (rc = eo_feed_append(self, txn, c, ev, from, wave0, ctx->carer)))
            return rc;
        ctx->detail = NULL;
        ev = next;
        chained = true;
    }
    return EO_OK;
}

int eo_touched_add(eo_touched_t *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (streq(t->ids[i], id)) return EO_OK;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        void *ids = realloc(t->ids, cap * sizeof *t->ids);
        if (!ids) return EO_ENOMEM;
        t->ids = ids, t->cap = cap;
    }
    snprintf(t->ids[t->n++], EO_CASE_ID_MAX, "%s", id);
    return EO_OK;
}

/* A case that lost an offer of its current wave: if nobody of that wave is left
 * waiting, its next wave goes now. */
static int s_move_on(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_case_ctx_t *by)
{
    eo_case_rec_t c;
    bool over = false;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc || c.state != EO_CASE_OFFERING || (rc = eo_case_wave_over(self, txn, &c, &over)) ||
        !over)
        return rc;
    eo_case_ctx_t ctx = {.carer = by->carer, .who = "matcher", .detail = by->detail};
    if ((rc = eo_case_dispatch(self, txn, &c, EV_WAVE_DONE, &ctx)) == EO_OK)
        rc = eo_cases_put(self, txn, &c);
    free(ctx.touched.ids); /* a wave touches no other case */
    return rc;
}

int eo_case_run(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_event_t ev,
                eo_case_ctx_t *ctx)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc == EO_OK && (rc = eo_case_dispatch(self, txn, &c, ev, ctx)) == EO_OK)
        rc = eo_cases_put(self, txn, &c);
    /* the withdrawals of a settlement: their cases decide after the winner's is saved */
    eo_case_ctx_t by = {.carer = ctx->carer, .detail = c.id};
    for (size_t i = 0; rc == EO_OK && i < ctx->touched.n; i++)
        rc = s_move_on(self, txn, ctx->touched.ids[i], &by);
    free(ctx->touched.ids);
    ctx->touched = (eo_touched_t){0};
    return rc;
}

/* --- helpers ------------------------------------------------------------------------ */

/* --- waves -------------------------------------------------------------------------- */

typedef struct {
    uint32_t *ids;
    uint32_t n, cap;
} s_carers_t;

static int s_collect(void *arg, const eo_offer_t *o)
{
    s_carers_t *s = arg;
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *ids = realloc(s->ids, cap * sizeof *ids);
        if (!ids) return EO_ENOMEM;
        s->ids = ids, s->cap = cap;
    }
    s->ids[s->n++] = o->carer;
    return 0;
}

/* Does an open offer of the carer hold this code? Only the entries carrying it are looked
 * up (an entry may be stale: eo_coffer_check prunes it); skip marks those known stale. */
static int s_code_taken(eo_cases_t *self, MDB_txn *txn, uint32_t carer, eo_coffer_t *entries,
                        size_t n, bool *skip, uint32_t code, bool *taken)
{
    *taken = false;
    for (size_t i = 0; i < n && !*taken; i++) {
        if (skip[i] || (uint32_t)atoi(entries[i].code) != code) continue;
        eo_offer_t o;
        eo_case_rec_t oc;
        int rc = eo_coffer_check(self, txn, carer, &entries[i], &o, &oc, taken);
        if (rc) return rc;
        skip[i] = !*taken;
    }
    return EO_OK;
}

/* A 4-digit code unique among the carer's open offers, derived from the request id so a
 * replay picks the same one: the first of hash, hash + 1, ... that no open offer of the
 * carer holds. The carer's entries carry their codes, so the offers behind them are
 * read only when one is in the way (rarely), or once its service is over (then it is
 * pruned): the cost does not grow with the offers the carer has open. */
static int s_code(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                  char *code)
{
    uint32_t h = 2166136261u;
    for (const char *p = c->id; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    uint32_t n = 1000 + h % 9000;
    size_t n_entries;
    eo_coffer_t *entries;
    int rc = eo_coffers_of(self, txn, carer, &entries, &n_entries);
    bool *skip = rc == EO_OK ? calloc(n_entries + 1, sizeof *skip) : NULL;
    if (rc == EO_OK && !skip) rc = EO_ENOMEM;
    /* entries of services that are over stand for nothing open: pruned as they are met */
    for (size_t i = 0; rc == EO_OK && i < n_entries; i++)
        if (entries[i].end <= self->now_ms / 1000) {
            eo_offer_t o;
            eo_case_rec_t oc;
            bool live;
            rc = eo_coffer_check(self, txn, carer, &entries[i], &o, &oc, &live);
            skip[i] = !live;
        }
    bool taken = true;
    for (size_t tries = 0; rc == EO_OK && taken && tries <= n_entries; tries++) {
        if ((rc = s_code_taken(self, txn, carer, entries, n_entries, skip, n, &taken)) ==
                EO_OK &&
            taken)
            n = n == 9999 ? 1000 : n + 1;
    }
    free(skip);
    free(entries);
    if (rc) return rc;
    snprintf(code, 8, "%04u", n);
    return EO_OK;
}

int eo_case_offer_code(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                       char *code)
{
    return s_code(self, txn, c, carer, code);
}

static int s_offer(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer)
{
    eo_offer_t o = {.version = S_OFFER_VERSION,
                    .state = EO_OFFER_OPEN,
                    .wave = c->wave,
                    .carer = carer,
                    .start = c->start,
                    .end = c->end};
    int rc = s_code(self, txn, c, carer, o.code);
    if (rc || (rc = eo_offer_put(self, txn, c->id, &o)) ||
        (rc = eo_coffer_add(self, txn, c->id, &o)))
        return rc;
    /* no child name, no address: site, dong, window, pay, how to reply */
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.code = o.code;
    return eo_tell_carer(self, txn, c, carer, EO_TPL_OFFER, EO__MESSAGE__KIND__KIND_OFFER,
                         "offer", &vars);
}

/* Is the case's 동 still served by its site? The dong table can change under live cases
 * (`eonjena import dongs`): such a case cannot be offered and goes to the call centre. */
static bool s_served(const eo_cases_t *self, const eo_case_rec_t *c)
{
    const eo_dong_t *d = eo_dongs_find(self->dongs, c->dong);
    int site = eo_dongs_site_find(self->dongs, c->site);
    return d && site >= 0 && d->site == site;
}

/* The carers of the next wave, never one offered before: the index's candidates for
 * 방문형, the matching order of the facilities for 시설형 (facility.c), whose pay an
 * offer shows depends on the facility's regular hours. */
static int s_candidates(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t *ids,
                        uint32_t k, uint32_t *n)
{
    s_carers_t ex = {0};
    int rc = eo_offer_each(self, txn, c->id, s_collect, &ex);
    if (rc == EO_OK && c->type == EO_SERVICE_FACILITY) {
        uint16_t before = c->provider;
        rc = eo_facility_candidates(self, txn, c, ex.ids, ex.n, ids, k, n);
        Eo__Request *req = NULL;
        if (rc == EO_OK && *n && c->provider != before &&
            (rc = eo_cases_request(self, txn, c->id, &req)) == EO_OK) {
            rc = eo_case_pay(self, c, req, &c->carer_pay, NULL);
            rc = rc == EO_EINVAL ? EO_OK : rc; /* logged: the offer shows what it had */
        }
        if (req) eo__request__free_unpacked(req, NULL);
    } else if (rc == EO_OK) {
        eo_candidate_t *cands = calloc(k, sizeof *cands);
        eo_query_t q = {.site = c->site,
                        .dong = c->dong,
                        .start = c->start,
                        .end = c->end,
                        .k = k,
                        .exclude = ex.ids,
                        .n_exclude = ex.n};
        rc = cands ? eo_index_query(self->index, txn, &q, cands, n) : EO_ENOMEM;
        for (uint32_t i = 0; rc == EO_OK && i < *n; i++)
            ids[i] = cands[i].carer_id;
        free(cands);
    }
    free(ex.ids);
    return rc;
}

/* Why no wave may go out now (NULL: one may). */
static const char *s_no_wave(eo_cases_t *self, const eo_case_rec_t *c)
{
    int64_t now = self->now_ms / 1000;
    bool facility = c->type == EO_SERVICE_FACILITY;
    if (c->start - now < self->cfg.escalate_lead_s) return "start_too_close";
    /* pool carers consented to offers only inside the consent windows: a wave due
     * outside them goes to the call centre instead (시설형 carers are not the pool) */
    if (!facility && !self->cfg.always_pool && !eo_rules_in_pool_window(self->rules, now))
        return "outside_pool_hours";
    return s_served(self, c) ? NULL : "dong_not_served";
}

int eo_case_can_offer(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, const char **why)
{
    if ((*why = s_no_wave(self, c))) return EO_OK;
    /* the candidates of a copy: a 시설형 search sets the tier and provider it found */
    eo_case_rec_t copy = *c;
    uint32_t n = 0, one;
    int rc = s_candidates(self, txn, &copy, &one, 1, &n);
    if (rc == EO_OK && n == 0) *why = "no_candidates";
    return rc;
}

int eo_case_wave(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_event_t *next,
                 const char **why)
{
    bool facility = c->type == EO_SERVICE_FACILITY;
    *why = s_no_wave(self, c);
    if (*why) {
        *next = EV_EXHAUSTED;
        return EO_OK;
    }
    uint32_t k = self->cfg.wave_k ? self->cfg.wave_k : 1, n = 0;
    uint32_t *ids = calloc(k, sizeof *ids);
    if (!ids) return EO_ENOMEM;
    int rc = s_candidates(self, txn, c, ids, k, &n);
    if (rc == EO_OK && n == 0) {
        *next = EV_EXHAUSTED;
        *why = facility ? "no_facility_carer" : "no_candidates";
        /* a pair is only recommended: one confirmed carer takes the stay */
        if (facility && c->n_winners) {
            *next = EV_FULL;
            *why = "pair_unmet";
        }
    }
    if (rc || n == 0) {
        free(ids);
        return rc;
    }
    c->wave++;
    for (uint32_t i = 0; i < n && rc == EO_OK; i++) {
        rc = s_offer(self, txn, c, ids[i]);
        c->n_offered++;
    }
    free(ids);
    if (rc) return rc;
    int site = eo_dongs_site_find(self->dongs, c->site);
    int64_t due = self->now_ms + 1000LL * self->cfg.wave_timeout_s[site < 0 ? 0 : site];
    int64_t last = (c->start - self->cfg.escalate_lead_s) * 1000;
    return eo_timer_set(self, txn, c, due < last ? due : last);
}

/* Close every open offer: state `to`, and a message of `kind` (0: none) to the carers
 * whose offer was delivered (or to all when !delivered_only) and who have not replied. */
typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    eo_case_rec_t *c;
    int to, kind;
    bool delivered_only;
    s_carers_t open;
} s_close_t;

static int s_collect_open(void *arg, const eo_offer_t *o)
{
    s_close_t *s = arg;
    if (o->state != EO_OFFER_OPEN && o->state != EO_OFFER_FAILED) return 0;
    /* delivered_only: a settled case rewrites only the offers it tells; the others stay
     * as they are, closed by the case's state (a late answer finds it settled), and their
     * carers' open-offer entries are pruned when next read (s_code, withdrawals). That
     * keeps a settlement from writing a page per offered carer. */
    if (s->delivered_only && !(o->state == EO_OFFER_OPEN && o->delivered && !o->replied))
        return 0;
    return s_collect(&s->open, o);
}

int eo_case_close_offers(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int to, int kind,
                         bool delivered_only)
{
    s_close_t s = {self, txn, c, to, kind, delivered_only, {0}};
    int rc = eo_offer_each(self, txn, c->id, s_collect_open, &s);
    for (uint32_t i = 0; rc == EO_OK && i < s.open.n; i++) {
        eo_offer_t o;
        if ((rc = eo_offer_get(self, txn, c->id, s.open.ids[i], &o))) break;
        bool tell =
            kind && !o.replied && o.state == EO_OFFER_OPEN && (o.delivered || !delivered_only);
        if (o.state != EO_OFFER_WITHDRAWN) /* one the carer lost to an overlap stays so */
            o.state = (uint8_t)to;
        /* the carers' m.coffers entries go stale and are pruned when next read: one
         * random page per carer is what made settling cost twenty pages */
        if ((rc = eo_offer_put(self, txn, c->id, &o))) break;
        if (tell) {
            eo_tpl_vars_t vars;
            eo_case_vars(self, c, &vars);
            vars.code = o.code;
            bool filled = kind == EO__MESSAGE__KIND__KIND_FILLED;
            rc = eo_tell_carer(self, txn, c, o.carer, filled ? EO_TPL_FILLED : EO_TPL_WITHDRAWN,
                               kind, filled ? "filled" : "withdrawn", &vars);
        }
    }
    free(s.open.ids);
    return rc;
}

/* --- actions ------------------------------------------------------------------------ */

static int a_none(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                  eo_case_event_t *next)
{
    (void)self, (void)txn, (void)c, (void)ctx, (void)next;
    return EO_OK;
}

static int a_wave(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                  eo_case_event_t *next)
{
    const char *why = NULL;
    int rc = eo_case_wave(self, txn, c, next, &why);
    if (why) /* why the next event escalates: the journal says it */
        snprintf(ctx->note, sizeof ctx->note, "why=%s", why);
    return rc;
}

static int a_queue(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                   eo_case_event_t *next)
{
    (void)ctx, (void)next;
    int rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_WAITING);
    return rc ? rc : eo_tell_member(self, txn, c, EO_TPL_QUEUED, "queued", NULL);
}

static int a_accept(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                    eo_case_event_t *next)
{
    int rc = eo_settle_accept(self, txn, c, ctx->carer, &ctx->outcome, &ctx->touched);
    if (rc) return rc;
    snprintf(ctx->note, sizeof ctx->note, "outcome=%s", eo_settle_outcome_name(ctx->outcome));
    bool over = false;
    if (ctx->outcome == EO_SETTLE_WON && c->n_winners >= c->needed)
        *next = EV_FULL;
    else if (ctx->outcome == EO_SETTLE_UNBOOKABLE &&
             (rc = eo_case_wave_over(self, txn, c, &over)) == EO_OK && over)
        *next = EV_WAVE_DONE;
    return rc;
}

static int a_late(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                  eo_case_event_t *next)
{
    (void)next;
    int rc = eo_settle_accept(self, txn, c, ctx->carer, &ctx->outcome, &ctx->touched);
    snprintf(ctx->note, sizeof ctx->note, "outcome=%s", eo_settle_outcome_name(ctx->outcome));
    return rc;
}

/* The winners' names and phones, for the member's notice. */
void eo_case_winner_names(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, char *names,
                          size_t nsize, char *phones, size_t psize)
{
    names[0] = phones[0] = 0;
    for (int i = 0; i < c->n_winners; i++) {
        char phone[20] = "", name[64] = "";
        eo_carer_phone(self, txn, c->winners[i], phone, sizeof phone, name, sizeof name);
        size_t len = strlen(names), plen = strlen(phones);
        snprintf(names + len, nsize - len, "%s%s", i ? ", " : "", name);
        snprintf(phones + plen, psize - plen, "%s%s", i ? ", " : "", phone);
    }
}

/* 시설형: the stay is confirmed: the member's confirmation, the provider's hand-off, and
 * a timer at the end plus the pickup grace (nobody collecting is then escalated). */
static int s_facility_settled(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c,
                              eo_tpl_vars_t *vars)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    eo_facility_vars(self, c, req, vars);
    rc = eo_tell_member(self, txn, c, EO_TPL_FACILITY_NOTICE, "confirmed", vars);
    eo__request__free_unpacked(req, NULL);
    int64_t grace = (int64_t)eo_rules_facility_pickup_grace_min(self->rules) * 60000;
    if (rc || (rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_SETTLED)))
        return rc;
    return eo_timer_set(self, txn, c, c->end * 1000 + grace);
}

/* 방문형 from the pool: the member is told the carer and the fee, which is due within
 * payment/deadline_min (not later than the start); the case is linked, and handed to the
 * provider, once the payment is confirmed (a_paid). A case paid before (its winner
 * withdrew and another took it) is linked at once. */
static int s_visit_settled(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                           eo_tpl_vars_t *vars)
{
    if (c->pay == EO_PAY_PAID) {
        vars->fee = c->member_fee;
        int rc = eo_tell_member(self, txn, c, EO_TPL_NOTICE, "settled", vars);
        return rc ? rc : eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_SETTLED);
    }
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    rc = eo_case_pay(self, c, req, NULL, &c->member_fee);
    eo__request__free_unpacked(req, NULL);
    if (rc && rc != EO_EINVAL) return rc;
    c->pay = EO_PAY_DUE;
    vars->fee = c->member_fee > EO_FEE_MAX ? EO_FEE_MAX : c->member_fee;
    snprintf(ctx->note, sizeof ctx->note, "fee=%lld due", (long long)c->member_fee);
    if ((rc = eo_tell_member(self, txn, c, EO_TPL_NOTICE, "settled", vars))) return rc;
    int64_t due = self->now_ms + (int64_t)eo_rules_payment_deadline_min(self->rules) * 60000;
    return eo_timer_set(self, txn, c, due < c->start * 1000 ? due : c->start * 1000);
}

static int a_settled(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                     eo_case_event_t *next)
{
    (void)next;
    int rc = eo_timer_clear(self, txn, c);
    if (rc || (rc = eo_metrics_settled(self, txn, c)) ||
        (rc = eo_case_close_offers(self, txn, c, EO_OFFER_FILLED,
                                   EO__MESSAGE__KIND__KIND_FILLED, true)))
        return rc;
    char names[160], phones[64];
    eo_case_winner_names(self, txn, c, names, sizeof names, phones, sizeof phones);
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.carer = names;
    vars.phone = phones;
    return c->type == EO_SERVICE_FACILITY ? s_facility_settled(self, txn, c, &vars)
                                          : s_visit_settled(self, txn, c, ctx, &vars);
}

/* A settled case's timer: the payment deadline of a pool case, or the pickup grace of a
 * 시설형 stay. */
static int a_settled_timer(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                           eo_case_event_t *next)
{
    (void)self, (void)txn;
    if (c->pay == EO_PAY_DUE) {
        *next = EV_UNPAID;
        snprintf(ctx->note, sizeof ctx->note, "why=unpaid");
    } else if (c->type == EO_SERVICE_FACILITY && !c->service_end)
        *next = EV_PICKUP_LATE;
    return EO_OK;
}

/* The member paid: the case is linked and goes to the provider at its business hours. */
static int a_paid(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                  eo_case_event_t *next)
{
    (void)next;
    c->pay = EO_PAY_PAID;
    c->paid_at = self->now_ms / 1000;
    snprintf(ctx->note, sizeof ctx->note, "paid=%lld", (long long)c->member_fee);
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.fee = c->member_fee > EO_FEE_MAX ? EO_FEE_MAX : c->member_fee;
    int rc = eo_timer_clear(self, txn, c);
    if (rc || (rc = eo_tell_member(self, txn, c, EO_TPL_PAID, "paid", &vars))) return rc;
    return eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_SETTLED);
}

/* Nobody collected the child within the grace: the call centre takes over (the child
 * goes to the police) and the member's unreachable pickup is recorded. */
static int a_pickup_late(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                         eo_case_event_t *next)
{
    (void)next;
    c->flags |= EO_CASE_F_PICKUP_LATE;
    int rc = eo_tell_callcentre(self, txn, c, EO_TPL_PICKUP_LATE, "pickup_late");
    return rc ? rc : eo_case_restrict(self, txn, c, "unreachable_pickup", ctx);
}

/* The carer came and nobody was there: the member is charged (방문형: as a cancellation
 * now; 시설형: facility/noshow_percent) and the no-show is recorded. The carer's time
 * stays booked: it was worked. */
static int a_noshow(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                    eo_case_event_t *next)
{
    (void)next;
    c->flags |= EO_CASE_F_NOSHOW;
    int rc = eo_timer_clear(self, txn, c);
    if (rc || (rc = eo_case_charge(self, txn, c, EO_FACILITY_NOSHOW, 0, NULL, 0))) return rc;
    snprintf(ctx->note, sizeof ctx->note, "noshow fee=%lld", (long long)c->fee);
    return eo_case_restrict(self, txn, c, "noshow", ctx);
}

/* Refused at once: the provider calls the member back at its business hours. */
static int a_refuse(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                    eo_case_event_t *next)
{
    (void)ctx, (void)next;
    int rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_REFUSED);
    return rc ? rc : eo_tell_member(self, txn, c, EO_TPL_REFUSED, "refused", NULL);
}

/* A carer said no, or their offer could not be delivered. */
static int a_decline(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                     eo_case_event_t *next)
{
    eo_offer_t o;
    int rc = eo_offer_get(self, txn, c->id, ctx->carer, &o);
    if (rc == EO_ENOTFOUND) return EO_OK;
    if (rc) return rc;
    bool unreachable = ctx->event == EV_UNREACHABLE;
    if (o.state != EO_OFFER_OPEN) {
        /* a reply after a failed delivery report: the text did arrive */
        if (o.state == EO_OFFER_FAILED && !unreachable) {
            o.state = EO_OFFER_DECLINED;
            o.replied = 1;
            return eo_offer_put(self, txn, c->id, &o);
        }
        return EO_OK;
    }
    o.state = unreachable ? EO_OFFER_FAILED : EO_OFFER_DECLINED;
    o.replied = !unreachable;
    if ((rc = eo_offer_put(self, txn, c->id, &o)))
        return rc; /* its m.coffers entry goes stale (pruned when read) */
    bool over = false;
    if (o.wave == c->wave && c->state == EO_CASE_OFFERING &&
        (rc = eo_case_wave_over(self, txn, c, &over)) == EO_OK && over)
        *next = EV_WAVE_DONE;
    return rc;
}

static int a_escalate(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                      eo_case_event_t *next)
{
    (void)ctx, (void)next;
    int rc = eo_case_close_offers(self, txn, c, EO_OFFER_WITHDRAWN,
                                  EO__MESSAGE__KIND__KIND_WITHDRAWN, false);
    if (rc || (rc = eo_tell_callcentre(self, txn, c, EO_TPL_ESCALATED, "escalated")) ||
        (rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_ESCALATED)))
        return rc;
    /* 시설형 with no carer at any facility nor at the centre: offer the member 방문형 */
    if (c->type == EO_SERVICE_FACILITY && c->tier == EO_MATCH_CONVERT_VISIT &&
        (rc = eo_tell_member(self, txn, c, EO_TPL_CONVERT, "convert", NULL)))
        return rc;
    /* the case stays live until its start: then it expires */
    int64_t due = c->start * 1000;
    return eo_timer_set(self, txn, c, due > self->now_ms ? due : self->now_ms);
}

/* Release the winners of a case that will not take place, and tell each of them. */
int eo_case_release_winners(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_tpl_kind_t tpl,
                            const char *what)
{
    for (int i = 0; i < c->n_winners; i++) {
        int rc = eo_case_unbook(self, txn, c, c->winners[i]);
        if (rc && rc != EO_ENOTFOUND) return rc;
        if ((rc = eo_tell_carer(self, txn, c, c->winners[i], tpl,
                                EO__MESSAGE__KIND__KIND_NOTICE, what, NULL)))
            return rc;
    }
    return EO_OK;
}

/* Nobody more was found by the start. A pair request that found one carer of two does
 * not take place as asked: the one booked is released and told (docs/lifecycle.md:
 * until the start the call centre may arrange it otherwise), and the member is told. */
static int a_expire(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                    eo_case_event_t *next)
{
    (void)next;
    int rc = eo_timer_clear(self, txn, c);
    if (rc == EO_OK) rc = eo_facility_release_day(self, txn, c);
    if (rc == EO_OK && c->n_winners) {
        snprintf(ctx->note, sizeof ctx->note, "released=%u", c->n_winners);
        /* an unpaid case is called off; a pair that found one carer failed */
        rc = c->pay == EO_PAY_DUE
                 ? eo_case_release_winners(self, txn, c, EO_TPL_CALLED_OFF, "unpaid")
                 : eo_case_release_winners(self, txn, c, EO_TPL_PAIR_FAILED, "pair_failed");
        for (int i = 0; rc == EO_OK && i < c->n_winners; i++) {
            eo_offer_t o;
            if ((rc = eo_offer_get(self, txn, c->id, c->winners[i], &o)) == EO_OK) {
                o.state = EO_OFFER_CANCELLED; /* won, then released: no longer a winner */
                rc = eo_offer_put(self, txn, c->id, &o);
            }
        }
        memset(c->winners, 0, sizeof c->winners);
        c->n_winners = 0;
    }
    return rc ? rc : eo_tell_member(self, txn, c, EO_TPL_EXPIRED, "expired", NULL);
}

/* The member cancels: the fee of the national 일시연계 rules once a carer was linked
 * (member.c); one less than an hour before the start is a cancellation without notice,
 * which the restrictions count. */
static int a_cancel(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                    eo_case_event_t *next)
{
    (void)next;
    char rule[40];
    int rc = eo_case_charge(self, txn, c, EO_CHARGE_CANCEL, 0, rule, sizeof rule);
    if (rc || (rc = eo_timer_clear(self, txn, c)) ||
        (rc = eo_case_close_offers(self, txn, c, EO_OFFER_WITHDRAWN,
                                   EO__MESSAGE__KIND__KIND_WITHDRAWN, false)) ||
        (rc = eo_facility_release_day(self, txn, c)))
        return rc;
    if ((rc = eo_case_release_winners(self, txn, c, EO_TPL_CALLED_OFF, "cancelled"))) return rc;
    snprintf(ctx->note, sizeof ctx->note, "fee=%lld", (long long)c->fee);
    if ((rc = eo_tell_member(self, txn, c, EO_TPL_CANCELLED, "cancelled", NULL))) return rc;
    return streq(rule, "cancel.late") ? eo_case_restrict(self, txn, c, "cancel_no_notice", ctx)
                                      : EO_OK;
}

/* A winner withdraws: release them, tell the member and the call centre, and go on with
 * the next wave, never offering to them again (their offer stays, as CANCELLED). */
static int a_winner_cancel(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                           eo_case_event_t *next)
{
    int at = -1;
    for (int i = 0; i < c->n_winners; i++)
        if (c->winners[i] == ctx->carer) at = i;
    if (at < 0) /* not one of the winners: refused before anything is written */
        return EO_EREFUSED;
    int rc = eo_case_unbook(self, txn, c, ctx->carer);
    if (rc && rc != EO_ENOTFOUND) return rc;
    /* the handed-over record goes stale only if it was sent: 시설형 at confirmation, a
     * pool case once paid; an unpaid fee is asked again of the next settlement */
    bool handed = c->type == EO_SERVICE_FACILITY || c->pay == EO_PAY_PAID;
    if (c->pay == EO_PAY_DUE) c->pay = EO_PAY_NONE;
    c->winners[at] = c->winners[--c->n_winners];
    c->winners[c->n_winners] = 0;
    eo_offer_t o;
    if (eo_offer_get(self, txn, c->id, ctx->carer, &o) == EO_OK) {
        o.state = EO_OFFER_CANCELLED;
        if ((rc = eo_offer_put(self, txn, c->id, &o))) return rc;
    }
    /* the carer is told their withdrawal was taken (by text, app or operator alike) */
    if ((rc = eo_tell_carer(self, txn, c, ctx->carer, EO_TPL_WITHDRAWN,
                            EO__MESSAGE__KIND__KIND_WITHDRAWN, "withdraw_ack", NULL)) ||
        (rc = eo_tell_member(self, txn, c, EO_TPL_REOPENED, "reopened", NULL)) ||
        (rc = eo_tell_callcentre(self, txn, c, EO_TPL_REOPENED, "reopened")))
        return rc;
    /* the provider was handed the settled case: it is told the carer withdrew (a
     * later settlement hands it over again, as a newer generation) */
    if (c->state == EO_CASE_SETTLED && handed &&
        (rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_REOPENED)))
        return rc;
    *next = EV_WAVE;
    return EO_OK;
}
