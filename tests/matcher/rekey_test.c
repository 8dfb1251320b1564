/* matcher.rekey: a running matcher moves the index to a new week by itself. 12,000 W1
 * carers are loaded in week W (the fixture's Friday), with minutes of their own in week
 * W+1 so that W+1's order differs from W's. The matcher starts on a manual clock in W;
 * the clock is then set to Monday 19:00 of W+1 and nothing else is done: the matcher's
 * loop must re-key the lists in its own steps (several, at this size), keep answering
 * meanwhile (a request sent right after the clock moved is offered), and end with W+1
 * as the reference week. Queries of W+1 taken before (full path) and after (fast path,
 * counted) give the same answers. Without the matcher's re-key the wait for the new
 * week times out and the fast-path count stays at 0. */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_w1.h"
#include "fixture.h"
#include "matcher/matcher.h"

#define N_CARERS 12000
#define N_QUERIES 200
#define K 20

/* Monday 00:00 of the week after the fixture's. */
static eo_time_t s_next_week(fx_t *fx)
{
    return eo_week_start(fx->now_ms / 1000) + 7 * EO_DAY;
}

/* Query i of week W+1 (W1 requests from its Tuesday 06:00 clock), answered by the
 * fixture's own index object on the store as it stands; *fast: it took the fast path. */
static uint32_t s_query(fx_t *fx, eo_w1_t *gen, uint32_t i, eo_candidate_t *out, bool *fast)
{
    eo_w1_request_t r;
    eo_w1_request(gen, i, &r);
    eo_query_t q = {.site = r.site, .dong = r.dong, .start = r.start, .end = r.end, .k = K};
    eo_index_stats_t before, after;
    eo_index_stats(fx->index, &before);
    MDB_txn *txn;
    uint32_t n = 0;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_query(fx->index, txn, &q, out, &n) == EO_OK);
    eo_store_abort(&txn);
    eo_index_stats(fx->index, &after);
    assert(after.fast + after.full == before.fast + before.full + 1);
    *fast = after.fast > before.fast;
    return n;
}

/* The re-key's state and the reference week, as committed. */
static void s_state(fx_t *fx, eo_time_t *target, eo_time_t *ref)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_rekey_state(fx->index, txn, target, NULL, NULL) == EO_OK);
    assert(eo_index_week(fx->index, txn, ref) == EO_OK);
    eo_store_abort(&txn);
}

/* The state a running matcher answers to a request of 2 hours from start. */
static bool s_offering(fx_t *fx, eo_client_t *client, const char *id, eo_time_t start)
{
    Eo__Event *ev = fx_submit(fx, client, id, start, 2);
    bool offering = streq(ev->status->state, "offering");
    eo_event_free(&ev);
    return offering;
}

/* Acknowledge what the matcher relayed to the sms stand-in so far. */
static void s_drain(eo_worker_t *sms)
{
    eo_work_t *w;
    while ((w = eo_worker_recv(sms, 0)))
        eo_worker_reply(sms, &w, "", 0);
}

int main(void)
{
    zsys_init();
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    fx_t *fx = fx_new("rekey", true, &cfg);
    eo_w1_t *w1 = eo_w1_new(fx->dongs, 5, 0);
    assert(w1 && eo_w1_clock(w1) == fx->now_ms / 1000);
    assert(eo_w1_load(w1, fx->store, fx->index, N_CARERS) == EO_OK);
    eo_time_t week0 = eo_week_start(fx->now_ms / 1000), week1 = s_next_week(fx);
    /* minutes in W+1 for two carers in three: W+1's order is not W's */
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    for (uint32_t id = 1; id <= N_CARERS; id++)
        if (id % 3)
            assert(eo_index_set_booked(fx->index, txn, id, week1 + 2 * EO_DAY,
                                       (id * 2654435761u % 25) * 30, 0) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    for (uint32_t id = 900001; id <= 900003; id++)
        fx_carer(fx, id); /* free all week in fx->dong: the request below has offers */

    /* W+1's answers now, by the full path (W is the reference week) */
    eo_w1_t *gen = eo_w1_new(fx->dongs, 9, week1 + EO_DAY + 6 * EO_HOUR);
    assert(gen);
    static eo_candidate_t before[N_QUERIES][K];
    uint32_t n_before[N_QUERIES];
    for (uint32_t i = 0; i < N_QUERIES; i++) {
        bool fast;
        n_before[i] = s_query(fx, gen, i, before[i], &fast);
        assert(!fast);
    }

    eo_broker_t *broker = eo_broker_new("inproc://rekey-broker", NULL);
    eo_clock_t *clock = eo_clock_new_manual(fx->now_ms);
    zconfig_t *config = zconfig_str_load("matcher\n    wave_k = 3\n");
    assert(broker && clock && config);
    eo_role_args_t args = {.broker = "inproc://rekey-broker",
                           .sites = "suwon",
                           .config = config,
                           .store = fx->store,
                           .clock = clock,
                           .dongs = fx->dongs};
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &args);
    eo_worker_t *sms = eo_worker_new("inproc://rekey-broker", "sms", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new("inproc://rekey-broker", NULL, NULL);
    assert(matcher && sms && client);
    /* a request in W: the matcher serves it; nothing to re-key in the reference week */
    assert(s_offering(fx, client, "in-w", fx->now_ms / 1000 + 4 * EO_HOUR));
    s_drain(sms);
    eo_time_t target, ref;
    s_state(fx, &target, &ref);
    assert(target == 0 && ref == week0);

    /* Monday 19:00 of W+1; then a request at once, while the matcher re-keys */
    eo_clock_set_ms(clock, (week1 + 19 * EO_HOUR) * 1000LL);
    fx->now_ms = (week1 + 19 * EO_HOUR) * 1000LL;
    assert(s_offering(fx, client, "in-w1", week1 + 22 * EO_HOUR));
    /* the matcher re-keys by itself: wait (bounded) for W+1 to be the reference week */
    int64_t t0 = zclock_mono(), until = t0 + 60000;
    bool under_way = false;
    do {
        s_state(fx, &target, &ref);
        under_way |= target == week1;
        s_drain(sms);
        if (ref != week1 || target)
            zclock_sleep(20); /* polling a bounded condition, not synchronising on time */
    } while ((ref != week1 || target) && zclock_mono() < until);
    printf("matcher.rekey: reference week %s after %lld ms (seen under way: %s)\n",
           ref == week1 && !target ? "moved" : "NOT moved", (long long)(zclock_mono() - t0),
           under_way ? "yes" : "no");
    assert(ref == week1 && target == 0);
    eo_case_t c = fx_case(fx, "in-w1");
    assert(c.state == EO_CASE_OFFERING && c.n_offered == 3);

    /* W+1's answers: the fast path now, the same as before */
    uint32_t fast_n = 0;
    for (uint32_t i = 0; i < N_QUERIES; i++) {
        eo_candidate_t after[K];
        bool fast;
        uint32_t n = s_query(fx, gen, i, after, &fast);
        fast_n += fast;
        assert(n == n_before[i]);
        for (uint32_t x = 0; x < n; x++)
            assert(after[x].carer_id == before[i][x].carer_id &&
                   after[x].tier == before[i][x].tier &&
                   after[x].booked_min == before[i][x].booked_min);
    }
    printf("matcher.rekey: %u of %u queries of W+1 on the fast path, answers unchanged\n",
           fast_n, N_QUERIES);
    assert(fast_n == N_QUERIES);

    eo_client_destroy(&client);
    eo_worker_destroy(&sms);
    zactor_destroy(&matcher);
    eo_broker_destroy(&broker);
    zconfig_destroy(&config);
    eo_clock_destroy(&clock);
    eo_w1_destroy(&gen);
    eo_w1_destroy(&w1);
    fx_destroy(&fx);
    printf("matcher.rekey: OK\n");
    return 0;
}
