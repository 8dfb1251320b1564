/* lifecycle.operator: an operator's actions (OperatorAction, src/cases/operator.c) on a
 * real store with an injected clock: assign with a settlement's checks and each refusal,
 * reoffer, reschedule (the winner kept or released), close with a reason; idempotent by
 * event id, named in the journal, and `eonjena check` holds after each. */
#include <string.h>

#include "matcher/fixture.h"

static uint8_t *s_action(const char *event_id, const char *request, int kind, uint32_t carer,
                         int64_t start, int64_t end, const char *reason, size_t *size)
{
    Eo__OperatorAction x = EO__OPERATOR_ACTION__INIT;
    x.request_id = (char *)request;
    x.kind = kind;
    x.carer_id = carer;
    x.start = start;
    x.end = end;
    x.reason = (char *)(reason ? reason : "");
    x.by = "operator:kim";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)event_id;
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_OPERATOR_ACTION;
    ev.operator_action = &x;
    uint8_t *buf = eo_event_encode(&ev, size);
    assert(buf);
    return buf;
}

/* Apply an action; want: the refusal's code, or NULL for a decision (a Status). */
static void s_act(fx_t *fx, const char *event_id, const char *request, int kind, uint32_t carer,
                  int64_t start, int64_t end, const char *reason, const char *want)
{
    size_t n;
    uint8_t *b = s_action(event_id, request, kind, carer, start, end, reason, &n);
    int rc;
    Eo__Event *ev = fx_apply(fx, b, n, &rc);
    free(b);
    assert(ev && ev->body_case == EO__EVENT__BODY_STATUS);
    const char *code = ev->status->error ? ev->status->error->code : NULL;
    if (want ? !code || !streq(code, want) : code != NULL) {
        fprintf(stderr, "%s on %s: got %s, want %s\n", event_id, request, code ? code : "ok",
                want ? want : "ok");
        assert(false);
    }
    assert(want ? rc == EO_EREFUSED : rc == EO_OK);
    eo_event_free(&ev);
}

#define ASSIGN EO__OPERATOR_ACTION__KIND__KIND_ASSIGN
#define REOFFER EO__OPERATOR_ACTION__KIND__KIND_REOFFER
#define RESCHEDULE EO__OPERATOR_ACTION__KIND__KIND_RESCHEDULE
#define CLOSE EO__OPERATOR_ACTION__KIND__KIND_CLOSE

static eo_cases_config_t s_cfg(uint32_t k)
{
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = k;
    cfg.always_pool = true;
    return cfg;
}

static void s_request(fx_t *fx, const char *id, int64_t start, int hours)
{
    size_t n = 0;
    uint8_t *b = fx_request(fx, id, start, hours, 1, &n);
    fx_apply_ok(fx, b, n);
}

/* A carer as fx_carer makes it, changed by the caller first. */
static void s_carer_put(fx_t *fx, const eo_carer_t *c)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_load_carer(fx->cases, txn, c, fx->now_ms / 1000, 0, 0) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
}

static eo_carer_t s_carer_get(fx_t *fx, uint32_t id)
{
    MDB_txn *txn;
    eo_carer_t c;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_get(fx->index, txn, id, &c) == EO_OK);
    eo_store_abort(&txn);
    return c;
}

static eo_fit_t s_fit(fx_t *fx, uint32_t carer, int64_t start, int64_t end)
{
    MDB_txn *txn;
    eo_fit_t fit;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_fit(fx->index, txn, carer, start, end, &fit) == EO_OK);
    eo_store_abort(&txn);
    return fit;
}

/* The case's journal holds a line with this text. */
static bool s_journal_has(fx_t *fx, const char *id, const char *text)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    MDB_txn *txn;
    assert(f && eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_log_print(fx->cases, txn, id, f) == EO_OK);
    eo_store_abort(&txn);
    fclose(f);
    bool has = strstr(buf, text) != NULL;
    if (!has) fprintf(stderr, "journal of %s has no '%s':\n%s", id, text, buf);
    free(buf);
    return has;
}

/* HandoffItems of a kind about a request, in the outbox. */
typedef struct {
    const char *request;
    int kind, n;
} s_handoffs_t;

static int s_handoff_row(void *arg, const eo_outbox_row_t *row)
{
    s_handoffs_t *h = arg;
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    assert(ev);
    if (ev->body_case == EO__EVENT__BODY_HANDOFF &&
        streq(ev->handoff->request_id, h->request) && (int)ev->handoff->kind == h->kind)
        h->n++;
    eo_event_free(&ev);
    return 0;
}

static int s_handoffs(fx_t *fx, const char *request, int kind)
{
    MDB_txn *txn;
    s_handoffs_t h = {request, kind, 0};
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_outbox_each(fx->cases, txn, 0, s_handoff_row, &h) == EO_OK);
    eo_store_abort(&txn);
    return h.n;
}

/* A suwon dong that is neither fx->dong nor one of its neighbours. */
static uint32_t s_far_dong(fx_t *fx)
{
    const eo_dong_t *home = eo_dongs_find(fx->dongs, fx->dong);
    size_t n;
    const eo_dong_t *const *all =
        eo_dongs_of_site(fx->dongs, eo_dongs_site_find(fx->dongs, "suwon"), &n);
    for (size_t i = 0; i < n; i++) {
        bool near = all[i]->code == fx->dong;
        for (int j = 0; j < home->n_nb; j++)
            near = near || home->nb[j] == all[i]->code;
        if (!near) return all[i]->code;
    }
    assert(false);
    return 0;
}

static void test_assign(void)
{
    eo_cases_config_t cfg = s_cfg(2);
    fx_t *fx = fx_new("op_assign", true, &cfg);
    fx_carers(fx, 9);
    int64_t start = fx->now_ms / 1000 + 6 * 3600, end = start + 2 * 3600;
    s_request(fx, "a", start, 2); /* offered to two of the nine */
    /* every check of a settlement, each with its own code, and nothing written */
    eo_carer_t c = s_carer_get(fx, 3);
    c.active = false;
    s_carer_put(fx, &c);
    c = s_carer_get(fx, 4);
    c.pool = false;
    s_carer_put(fx, &c);
    c = s_carer_get(fx, 5);
    c.dongs[0] = c.home_dong = s_far_dong(fx);
    s_carer_put(fx, &c);
    c = s_carer_get(fx, 6);
    memset(c.avail, 0, sizeof c.avail);
    s_carer_put(fx, &c);
    c = s_carer_get(fx, 7);
    c.check_until = 20200101;
    s_carer_put(fx, &c);
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_index_set_booked(fx->index, txn, 8, start, 52 * 60, 0) == EO_OK); /* the cap */
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    eo_case_t before = fx_case(fx, "a");
    s_act(fx, "x99", "a", ASSIGN, 99, 0, 0, NULL, "unknown_carer");
    s_act(fx, "x3", "a", ASSIGN, 3, 0, 0, NULL, "carer_inactive");
    s_act(fx, "x4", "a", ASSIGN, 4, 0, 0, NULL, "carer_no_consent");
    s_act(fx, "x5", "a", ASSIGN, 5, 0, 0, NULL, "carer_dong_not_served");
    s_act(fx, "x6", "a", ASSIGN, 6, 0, 0, NULL, "carer_unavailable");
    s_act(fx, "x7", "a", ASSIGN, 7, 0, 0, NULL, "carer_check_expired");
    s_act(fx, "x8", "a", ASSIGN, 8, 0, 0, NULL, "carer_over_cap");
    s_act(fx, "x0", "nope", ASSIGN, 9, 0, 0, NULL, "unknown_request");
    eo_case_t after = fx_case(fx, "a");
    assert(after.log_n == before.log_n && after.n_winners == 0 &&
           memcmp(after.log_hash, before.log_hash, 32) == 0);
    /* carer 9, never offered, is booked by hand: the case settles as on an acceptance */
    s_act(fx, "as-1", "a", ASSIGN, 9, 0, 0, NULL, NULL);
    eo_case_t a = fx_case(fx, "a");
    assert(a.state == EO_CASE_SETTLED && a.n_winners == 1 && a.winners[0] == 9);
    assert(fx_outbox_count(fx, "a", EO__MESSAGE__KIND__KIND_WINNER, 9) == 1);
    assert(fx_outbox_count(fx, "a", EO__MESSAGE__KIND__KIND_NOTICE, 0) >= 1);
    assert(s_fit(fx, 9, start, end) == EO_FIT_OVERLAP);
    assert(s_journal_has(fx, "a", "operator:kim") && s_journal_has(fx, "a", "assigned=9"));
    /* the same event again: the same answer, nothing new */
    s_act(fx, "as-1", "a", ASSIGN, 9, 0, 0, NULL, NULL);
    assert(fx_case(fx, "a").log_n == a.log_n);
    assert(fx_outbox_count(fx, "a", EO__MESSAGE__KIND__KIND_WINNER, 9) == 1);
    /* a full case, and a carer booked at that time for another case */
    s_act(fx, "as-2", "a", ASSIGN, 1, 0, 0, NULL, "case_full");
    s_request(fx, "b", start, 2);
    s_act(fx, "as-3", "b", ASSIGN, 9, 0, 0, NULL, "carer_booked");
    /* a pair: each assign fills one seat; the second settles the case */
    size_t n = 0;
    uint8_t *b = fx_request(fx, "p", start + 86400, 2, 2, &n);
    fx_apply_ok(fx, b, n);
    s_act(fx, "as-4", "p", ASSIGN, 1, 0, 0, NULL, NULL);
    eo_case_t p = fx_case(fx, "p");
    assert(p.state == EO_CASE_OFFERING && p.n_winners == 1 && p.winners[0] == 1);
    s_act(fx, "as-5", "p", ASSIGN, 1, 0, 0, NULL, "already_winner");
    s_act(fx, "as-6", "p", ASSIGN, 2, 0, 0, NULL, NULL);
    p = fx_case(fx, "p");
    assert(p.state == EO_CASE_SETTLED && p.n_winners == 2);
    fx_check_ok(fx);
    fx_destroy(&fx);
}

static void test_reoffer(void)
{
    eo_cases_config_t cfg = s_cfg(2);
    fx_t *fx = fx_new("op_reoffer", true, &cfg);
    fx_carers(fx, 3);
    int64_t start = fx->now_ms / 1000 + 6 * 3600;
    s_request(fx, "r", start, 2);
    assert(fx_case(fx, "r").wave == 1);
    s_act(fx, "ro-1", "r", REOFFER, 0, 0, 0, NULL, NULL); /* the third carer, now */
    eo_case_t r = fx_case(fx, "r");
    assert(r.state == EO_CASE_OFFERING && r.wave == 2 && r.n_offered == 3);
    assert(s_journal_has(fx, "r", "reoffer offering->offering"));
    s_act(fx, "ro-2", "r", REOFFER, 0, 0, 0, NULL, "no_candidates"); /* nobody new */
    assert(fx_case(fx, "r").wave == 2);
    /* nobody answers: escalated; a new carer joins and the operator tries again */
    fx->now_ms += 3600 * 1000;
    fx_tick(fx);
    assert(fx_case(fx, "r").state == EO_CASE_ESCALATED);
    fx_carer(fx, 4);
    s_act(fx, "ro-3", "r", REOFFER, 0, 0, 0, NULL, NULL);
    r = fx_case(fx, "r");
    assert(r.state == EO_CASE_OFFERING && r.wave == 3);
    assert(fx_outbox_count(fx, "r", EO__MESSAGE__KIND__KIND_OFFER, 4) == 1);
    fx_check_ok(fx);
    fx_destroy(&fx);
    /* Friday 18:00: a service on Saturday afternoon waits for the provider (queued);
     * moved, the provider is handed it again; offered again, it goes to the pool */
    cfg.always_pool = false;
    fx = fx_new("op_reoffer_queued", true, &cfg);
    fx_carer(fx, 1);
    start = fx->now_ms / 1000 + 20 * 3600;
    s_request(fx, "q", start, 2);
    assert(fx_case(fx, "q").state == EO_CASE_QUEUED);
    assert(s_handoffs(fx, "q", EO__HANDOFF_ITEM__KIND__KIND_WAITING) == 1);
    s_act(fx, "rq-1", "q", RESCHEDULE, 0, start + 3600, start + 3 * 3600, NULL, NULL);
    assert(fx_case(fx, "q").state == EO_CASE_QUEUED && fx_case(fx, "q").start == start + 3600);
    assert(s_handoffs(fx, "q", EO__HANDOFF_ITEM__KIND__KIND_WAITING) == 2); /* the new time */
    s_act(fx, "rq-2", "q", REOFFER, 0, 0, 0, NULL, NULL);
    r = fx_case(fx, "q");
    assert(r.state == EO_CASE_OFFERING && r.wave == 1 && r.timer_due_ms);
    assert(fx_outbox_count(fx, "q", EO__MESSAGE__KIND__KIND_OFFER, 1) == 1);
    assert(s_journal_has(fx, "q", "reoffer queued->offering"));
    assert(s_handoffs(fx, "q", EO__HANDOFF_ITEM__KIND__KIND_REOPENED) == 1);
    fx_check_ok(fx);
    fx_destroy(&fx);
}

static void test_reschedule(void)
{
    eo_cases_config_t cfg = s_cfg(1);
    fx_t *fx = fx_new("op_reschedule", true, &cfg);
    fx_carers(fx, 4);
    int64_t start = fx->now_ms / 1000 + 6 * 3600, end = start + 2 * 3600;
    s_request(fx, "m", start, 2);
    s_act(fx, "rs-0", "m", ASSIGN, 2, 0, 0, NULL, NULL);
    /* a time intake would refuse (less than the lead away) is refused, nothing moved */
    int64_t soon = fx->now_ms / 1000 + 1800;
    s_act(fx, "rs-1", "m", RESCHEDULE, 0, soon, soon + 7200, NULL, "lead_time");
    assert(fx_case(fx, "m").start == start);
    s_act(fx, "rs-2", "m", RESCHEDULE, 0, start, end, NULL, "same_time");
    /* an hour later: the winner fits it, keeps the case, is booked for the new time */
    s_act(fx, "rs-3", "m", RESCHEDULE, 0, start + 3600, end + 3600, NULL, NULL);
    eo_case_t m = fx_case(fx, "m");
    assert(m.state == EO_CASE_SETTLED && m.start == start + 3600 && m.winners[0] == 2);
    assert(s_fit(fx, 2, start, start + 3600) == EO_FIT_OK);
    assert(s_fit(fx, 2, end, end + 3600) == EO_FIT_OVERLAP);
    assert(fx_outbox_count(fx, "m", EO__MESSAGE__KIND__KIND_WINNER, 2) == 2);
    assert(s_journal_has(fx, "m", "reschedule settled->settled"));
    /* the winner is booked elsewhere at the next new time: released, told, reopened */
    s_request(fx, "o", start + 86400, 2);
    s_act(fx, "rs-4", "o", ASSIGN, 2, 0, 0, NULL, NULL);
    s_act(fx, "rs-5", "m", RESCHEDULE, 0, start + 86400, end + 86400, NULL, NULL);
    m = fx_case(fx, "m");
    assert(m.state == EO_CASE_OFFERING && m.n_winners == 0);
    assert(fx_outbox_count(fx, "m", EO__MESSAGE__KIND__KIND_WITHDRAWN, 2) == 1);
    assert(s_fit(fx, 2, start + 3600, end + 3600) == EO_FIT_OK); /* the old booking is gone */
    assert(s_journal_has(fx, "m", "released=1"));
    fx_check_ok(fx);
    fx_destroy(&fx);
}

static void test_close(void)
{
    eo_cases_config_t cfg = s_cfg(1);
    fx_t *fx = fx_new("op_close", true, &cfg);
    fx_carer(fx, 1);
    int64_t start = fx->now_ms / 1000 + 3 * 3600, end = start + 2 * 3600;
    s_request(fx, "c", start, 2);
    s_act(fx, "cl-1", "c", CLOSE, 0, 0, 0, "", "bad_reason");
    s_act(fx, "cl-2", "c", CLOSE, 0, 0, 0, "a\nb", "bad_reason");
    char longer[260];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = 0;
    s_act(fx, "cl-3", "c", CLOSE, 0, 0, 0, longer, "bad_reason");
    s_act(fx, "cl-4", "c", ASSIGN, 1, 0, 0, NULL, NULL);
    /* within the hour before the start, a member would pay half the fee: a close is free */
    fx->now_ms = (start - 1800) * 1000;
    s_act(fx, "cl-5", "c", CLOSE, 0, 0, 0, "보호자 전화: 필요 없어짐", NULL);
    eo_case_t c = fx_case(fx, "c");
    assert(c.state == EO_CASE_CLOSED && c.fee == 0 && c.timer_due_ms == 0);
    assert(s_fit(fx, 1, start, end) == EO_FIT_OK);
    assert(fx_outbox_count(fx, "c", EO__MESSAGE__KIND__KIND_NOTICE, 1) == 1);
    assert(s_journal_has(fx, "c", "reason=보호자 전화: 필요 없어짐") &&
           s_journal_has(fx, "c", "close settled->closed"));
    s_act(fx, "cl-5", "c", CLOSE, 0, 0, 0, "보호자 전화: 필요 없어짐", NULL); /* a resend */
    s_act(fx, "cl-6", "c", CLOSE, 0, 0, 0, "again", "not_open");
    s_act(fx, "cl-7", "c", REOFFER, 0, 0, 0, NULL, "not_reofferable");
    fx_check_ok(fx);
    fx_destroy(&fx);
}

int main(int argc, char **argv)
{
    const char *which = argc > 1 ? argv[1] : "all";
    if (streq(which, "assign") || streq(which, "all")) test_assign();
    if (streq(which, "reoffer") || streq(which, "all")) test_reoffer();
    if (streq(which, "reschedule") || streq(which, "all")) test_reschedule();
    if (streq(which, "close") || streq(which, "all")) test_close();
    printf("lifecycle.operator %s: ok\n", which);
    return 0;
}
