/* lifecycle.*: waves, timeouts, escalation, expiry, cancellations and refusals, driven
 * by an injected clock on a real store. */
#include <string.h>

#include "matcher/fixture.h"

/* n is read after b was built (argument order is unspecified) */
static Eo__Event *s_do(fx_t *fx, uint8_t *b, const size_t *n, int *rc)
{
    Eo__Event *ev = fx_apply(fx, b, *n, rc);
    free(b);
    return ev;
}

static uint32_t s_waiting(fx_t *fx, const char *id)
{
    MDB_txn *txn;
    uint32_t n = 0;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_waiting(fx->cases, txn, id, &n) == EO_OK);
    eo_store_abort(&txn);
    return n;
}

static void s_answer(fx_t *fx, const char *req, uint32_t carer, bool accept, const char *reply,
                     const char *want)
{
    size_t n;
    Eo__Event *ev = s_do(fx, fx_answer(req, carer, accept, reply, &n), &n, NULL);
    assert(ev->body_case == EO__EVENT__BODY_ACK);
    if (want && !streq(ev->ack->ids[1], want)) {
        fprintf(stderr, "answer %s/%u: %s, want %s\n", req, carer, ev->ack->ids[1], want);
        assert(false);
    }
    eo_event_free(&ev);
}

static eo_cases_config_t s_cfg(uint32_t k)
{
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = k;
    cfg.always_pool = true;
    return cfg;
}

/* Offered carers of a request in a wave, from the case's offers in the outbox. */
static void test_waves(void)
{
    eo_cases_config_t cfg = s_cfg(3);
    fx_t *fx = fx_new("waves", true, &cfg);
    fx_carers(fx, 7);
    size_t n;
    int64_t start = fx->now_ms / 1000 + 6 * 3600;
    Eo__Event *ev = s_do(fx, fx_request(fx, "w", start, 2, 1, &n), &n, NULL);
    eo_event_free(&ev);
    eo_case_t c = fx_case(fx, "w");
    assert(c.state == EO_CASE_OFFERING && c.wave == 1 && c.n_offered == 3 &&
           s_waiting(fx, "w") == 3);
    /* nothing fires before the wave timeout */
    fx->now_ms += 299 * 1000;
    assert(fx_tick(fx) == 0);
    fx->now_ms += 1000;
    assert(fx_tick(fx) == 1);
    c = fx_case(fx, "w");
    assert(c.wave == 2 && c.n_offered == 6);
    /* wave 2 never re-offers wave 1's carers: each carer has at most one offer */
    for (uint32_t i = 1; i <= 7; i++)
        assert(fx_outbox_count(fx, "w", EO__MESSAGE__KIND__KIND_OFFER, i) <= 1);
    /* everyone of wave 2 declines or is unreachable: wave 3 at once */
    uint32_t w2[3], k = 0;
    for (uint32_t i = 1; i <= 7; i++) {
        eo_case_t tmp = fx_case(fx, "w");
        (void)tmp;
        if (fx_outbox_count(fx, "w", EO__MESSAGE__KIND__KIND_OFFER, i) == 1 && i > 3 && k < 3)
            w2[k++] = i;
    }
    assert(k == 3);
    s_answer(fx, "w", w2[0], false, "d1", "declined");
    s_answer(fx, "w", w2[1], false, "d2", "declined");
    char mid[64];
    snprintf(mid, sizeof mid, "w:%u:offer", w2[2]);
    ev = s_do(fx, fx_delivery(mid, false, &n), &n, NULL);
    eo_event_free(&ev);
    c = fx_case(fx, "w");
    assert(c.wave == 3 && c.n_offered == 7 && s_waiting(fx, "w") == 1);
    /* the last candidate declines: nobody is left, the case escalates */
    s_answer(fx, "w", 7, false, "d3", "declined");
    c = fx_case(fx, "w");
    assert(c.state == EO_CASE_ESCALATED && c.timer_due_ms == start * 1000);
    assert(fx_outbox_count(fx, "w", EO__MESSAGE__KIND__KIND_NOTICE, 0) == 1); /* call centre */
    /* a late acceptance of a wave-1 offer after escalation: told it is closed */
    s_answer(fx, "w", 1, true, "late", "filled");
    fx_check_ok(fx);
    /* at the start the escalated case expires */
    fx->now_ms = start * 1000;
    assert(fx_tick(fx) == 1);
    c = fx_case(fx, "w");
    assert(c.state == EO_CASE_EXPIRED && c.timer_seq == 0);
    fx_check_ok(fx);
    fx_destroy(&fx);
}

/* The wave timer never runs past the escalation point. */
static void test_start_too_close(void)
{
    eo_cases_config_t cfg = s_cfg(2);
    fx_t *fx = fx_new("close", true, &cfg);
    fx_carers(fx, 10);
    size_t n;
    int64_t start = fx->now_ms / 1000 + 2 * 3600 + 120; /* exactly 2 h: accepted */
    start -= start % 1800;
    start += 1800;
    Eo__Event *ev = s_do(fx, fx_request(fx, "c", start, 2, 1, &n), &n, NULL);
    assert(streq(ev->status->state, "offering"));
    eo_event_free(&ev);
    int64_t t = fx->now_ms;
    int waves = 1;
    while (fx_case(fx, "c").state == EO_CASE_OFFERING) {
        fx->now_ms += 300 * 1000;
        fx_tick(fx);
        waves++;
        assert(waves < 20);
    }
    eo_case_t c = fx_case(fx, "c");
    assert(c.state == EO_CASE_ESCALATED);
    assert(fx->now_ms - t <= (start - 3600) * 1000 - t + 300 * 1000);
    fx_destroy(&fx);
}

static void test_refusals(void)
{
    fx_t *fx = fx_new("refuse", true, NULL);
    fx_carer(fx, 1);
    size_t n;
    int rc;
    int64_t now = fx->now_ms / 1000;
    struct {
        int64_t start;
        int hours;
        int needed;
        const char *code;
    } bad[] = {
        {now + 3600, 2, 1, "lead_time"},           {now + 2 * 3600 - 1800, 2, 1, "lead_time"},
        {now + 3 * 3600 + 60, 2, 1, "time_grid"},  {now + 3 * 3600, 0, 1, "bad_times"},
        {now + 3 * 3600, 2, 3, "too_many_carers"}, {now + 3 * 3600, 25, 1, "duration"},
        {now + 31 * 86400, 2, 1, "too_far_ahead"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Eo__Event *ev = s_do(
            fx, fx_request(fx, "bad", bad[i].start, bad[i].hours, bad[i].needed, &n), &n, &rc);
        assert(rc == EO_EREFUSED && ev->status->error &&
               streq(ev->status->error->code, bad[i].code));
        eo_event_free(&ev);
    }
    /* an unknown dong */
    uint32_t keep = fx->dong;
    fx->dong = 4182025000u + 1;
    Eo__Event *ev = s_do(fx, fx_request(fx, "bad", now + 3 * 3600, 2, 1, &n), &n, &rc);
    assert(rc == EO_EREFUSED && streq(ev->status->error->code, "unknown_dong"));
    eo_event_free(&ev);
    fx->dong = keep;
    /* garbage */
    uint8_t junk[] = {0xff, 0xff, 0xff, 0x01};
    MDB_txn *txn;
    uint8_t *reply = NULL;
    size_t rsize;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_apply(fx->cases, txn, junk, sizeof junk, fx->now_ms, &reply, &rsize) ==
           EO_EREFUSED);
    free(reply);
    eo_store_abort(&txn);
    /* none of it was stored; exactly 2 h ahead is accepted */
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    eo_case_t c;
    assert(eo_cases_get(fx->cases, txn, "bad", &c) == EO_ENOTFOUND);
    eo_store_abort(&txn);
    ev = s_do(fx, fx_request(fx, "ok", now + 2 * 3600, 2, 1, &n), &n, &rc);
    assert(rc == EO_OK && streq(ev->status->state, "offering"));
    eo_event_free(&ev);
    fx_destroy(&fx);
}

static void test_cancellations(void)
{
    eo_cases_config_t cfg = s_cfg(2);
    fx_t *fx = fx_new("cancel", true, &cfg);
    fx_carers(fx, 5);
    size_t n;
    int rc;
    int64_t start = fx->now_ms / 1000 + 30 * 3600; /* more than 24 h ahead */
    Eo__Event *ev = s_do(fx, fx_request(fx, "x", start, 2, 1, &n), &n, NULL);
    eo_event_free(&ev);
    s_answer(fx, "x", 1, true, "a1", "won");
    assert(fx_case(fx, "x").state == EO_CASE_SETTLED);
    /* the winner cancels: the case reopens at the next wave, without them */
    ev = s_do(fx, fx_cancel_as("x", 1, "x-carer-1", &n), &n, &rc);
    assert(rc == EO_OK && streq(ev->status->state, "offering"));
    eo_event_free(&ev);
    eo_case_t c = fx_case(fx, "x");
    assert(c.wave == 2 && c.n_winners == 0 && c.timer_seq != 0);
    /* settled, then reopened: to the member and the call centre */
    assert(fx_outbox_count(fx, "x", EO__MESSAGE__KIND__KIND_NOTICE, 0) == 3);
    s_answer(fx, "x", 1, true, "a1-again", "filled"); /* never again */
    s_answer(fx, "x", 3, true, "a3", "won");
    /* the member cancels more than 24 h ahead: free, the carer is released and told */
    ev = s_do(fx, fx_cancel("x", 0, &n), &n, &rc);
    assert(rc == EO_OK && streq(ev->status->state, "cancelled"));
    eo_event_free(&ev);
    c = fx_case(fx, "x");
    assert(c.fee == 0);
    MDB_txn *txn;
    uint32_t week, month;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_booked(fx->index, txn, 3, start, &week, &month) == EO_OK && week == 0);
    eo_store_abort(&txn);
    assert(fx_outbox_count(fx, "x", EO__MESSAGE__KIND__KIND_NOTICE, 3) == 1);
    /* the same cancellation again (its event id) is answered the same, changing nothing;
     * another cancellation of a cancelled request is refused */
    ev = s_do(fx, fx_cancel("x", 0, &n), &n, &rc);
    assert(rc == EO_OK && streq(ev->status->state, "cancelled"));
    eo_event_free(&ev);
    assert(fx_outbox_count(fx, "x", EO__MESSAGE__KIND__KIND_NOTICE, 3) == 1);
    ev = s_do(fx, fx_cancel_as("x", 0, "x-again", &n), &n, &rc);
    assert(rc == EO_EREFUSED && streq(ev->status->error->code, "not_cancellable"));
    eo_event_free(&ev);

    /* settled, then cancelled 5 h ahead: one hour of the base day rate */
    ev = s_do(fx, fx_request(fx, "y", fx->now_ms / 1000 + 5 * 3600, 2, 1, &n), &n, NULL);
    eo_event_free(&ev);
    s_answer(fx, "y", 2, true, "b2", "won");
    ev = s_do(fx, fx_cancel("y", 0, &n), &n, &rc);
    eo_event_free(&ev);
    assert(fx_case(fx, "y").fee == 11630);
    fx_check_ok(fx);
    fx_destroy(&fx);
}

/* Equal due times fire in creation order, and timers survive a reopen of the store. */
static void test_timer_order(void)
{
    eo_cases_config_t cfg = s_cfg(1);
    fx_t *fx = fx_new("order", false, &cfg);
    fx_carers(fx, 3);
    size_t n;
    int64_t start = fx->now_ms / 1000 + 5 * 3600;
    const char *ids[] = {"t3", "t1", "t2"};
    for (int i = 0; i < 3; i++) {
        Eo__Event *ev = s_do(fx, fx_request(fx, ids[i], start, 2, 1, &n), &n, NULL);
        eo_event_free(&ev);
    }
    eo_case_t a = fx_case(fx, "t3"), b = fx_case(fx, "t1"), c = fx_case(fx, "t2");
    assert(a.timer_due_ms == b.timer_due_ms && b.timer_due_ms == c.timer_due_ms);
    assert(a.timer_seq < b.timer_seq && b.timer_seq < c.timer_seq);
    /* reopen the store: the timers are still there and fire in creation order */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", fx->dir);
    int64_t now = fx->now_ms;
    eo_cases_destroy(&fx->cases);
    eo_index_destroy(&fx->index);
    eo_store_destroy(&fx->store);
    fx->store = eo_store_new(dir, 256, 0);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    fx->index = eo_index_new(fx->store, fx->dongs, &caps);
    fx->cases = eo_cases_new(fx->store, fx->index, fx->dongs, fx->rules, &cfg);
    fx->now_ms = now + 300 * 1000;
    assert(fx_tick(fx) == 3);
    /* the journal shows the order: each case's "expired" entry is later than the last */
    a = fx_case(fx, "t3"), b = fx_case(fx, "t1"), c = fx_case(fx, "t2");
    assert(a.wave == 2 && b.wave == 2 && c.wave == 2);
    /* their wave-2 timers were created in the firing order */
    assert(a.timer_seq < b.timer_seq && b.timer_seq < c.timer_seq);
    fx_destroy(&fx);
}

/* Offers go out only inside the pool's consent window (weekdays 18-22): a wave due after
 * 22:00 escalates to the call centre instead. */
static void test_consent_window(void)
{
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = 1;
    fx_t *fx = fx_new("consent", true, &cfg);
    fx_carers(fx, 30);
    fx->now_ms = eo_time_from_local(2026, 11, 27, 21, 40, 0) * 1000LL; /* Friday */
    size_t n;
    int64_t start = eo_time_from_local(2026, 11, 28, 9, 0, 0);
    Eo__Event *ev = s_do(fx, fx_request(fx, "cw", start, 2, 1, &n), &n, NULL);
    assert(streq(ev->status->state, "offering"));
    eo_event_free(&ev);
    fx->now_ms += 300 * 1000; /* 21:45: still inside */
    assert(fx_tick(fx) == 1 && fx_case(fx, "cw").wave == 2);
    fx->now_ms += 300 * 1000; /* 21:50 */
    fx_tick(fx);
    fx->now_ms += 300 * 1000; /* 21:55 */
    fx_tick(fx);
    assert(fx_case(fx, "cw").state == EO_CASE_OFFERING && fx_case(fx, "cw").wave == 4);
    fx->now_ms += 300 * 1000; /* 22:00: the window is closed */
    assert(fx_tick(fx) == 1);
    eo_case_t c = fx_case(fx, "cw");
    assert(c.state == EO_CASE_ESCALATED && c.wave == 4);
    fx_check_ok(fx);
    fx_destroy(&fx);
}

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "all";
    bool all = streq(what, "all");
    if (all || streq(what, "waves")) test_waves();
    if (all || streq(what, "close")) test_start_too_close();
    if (all || streq(what, "refusals")) test_refusals();
    if (all || streq(what, "cancel")) test_cancellations();
    if (all || streq(what, "timers")) test_timer_order();
    if (all || streq(what, "consent")) test_consent_window();
    printf("lifecycle %s: OK\n", what);
    return 0;
}
