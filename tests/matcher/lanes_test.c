/* matcher.relay_lanes: the outbox relay keeps a window per service. A hand-off role that
 * takes its rows and never acknowledges them (wedged on its disk, say) may hold up its
 * own rows only: with matcher/relay_window = 4 and eight requests handed to the provider,
 * the hand-off stand-in gets exactly four rows, and a request for the pool decided after
 * them still has its offers at the sms stand-in. Once the stand-in acknowledges, the
 * other four hand-off rows follow, each once. (With one window for every service the
 * four unacknowledged hand-off rows held the offers back for good.) */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "fixture.h"
#include "matcher/matcher.h"

#define S_WINDOW 4
#define S_HANDED 8

/* Take what waits at w for up to wait_ms, until n works are held (held: kept unanswered in
 * works[]); returns how many are held. */
static size_t s_take(eo_worker_t *w, eo_work_t **works, size_t held, size_t n, int wait_ms)
{
    int64_t until = zclock_mono() + wait_ms;
    while (held < n) { /* one look at least, even with no time to wait */
        eo_work_t *work = eo_worker_recv(w, wait_ms > 0 ? 20 : 0);
        if (work)
            works[held++] = work;
        else if (zclock_mono() >= until)
            break;
    }
    return held;
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("relay_lanes", false, NULL);
    fx_carers(fx, 7);
    const char *endpoint = "inproc://lanes-broker";
    char text[128];
    snprintf(text, sizeof text, "matcher\n    wave_k = 3\n    relay_window = %d\n", S_WINDOW);
    fx_run_t *run = fx_run_new(fx, endpoint, text);
    eo_worker_t *sms = eo_worker_new(endpoint, "sms", "suwon", NULL, NULL);
    eo_worker_t *handoff = eo_worker_new(endpoint, "handoff", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(sms && handoff && client);
    assert(eo_worker_set_window(handoff, 64) == EO_OK); /* the broker is not the limit */
    /* both stand-ins registered before the matcher relays anything: an early row would
     * be refused (nobody serves it yet) and come again a second later */
    fx_probe(client, sms, "sms");
    fx_probe(client, handoff, "handoff");
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &run->args);
    assert(matcher);

    fx_submit_waiting(fx, client, "wait", S_HANDED);
    eo_work_t *held[S_HANDED * 2] = {NULL};
    size_t n = s_take(handoff, held, 0, S_WINDOW, 10000);
    printf("matcher.relay_lanes: the hand-off stand-in holds %zu rows unacknowledged\n", n);
    assert(n == S_WINDOW);

    /* a request for the pool, decided after them: its offers must not wait */
    Eo__Event *st = fx_submit(fx, client, "pool1", fx->now_ms / 1000 + 4 * 3600, 2);
    eo_event_free(&st);
    bool offered = false;
    int64_t until = zclock_mono() + 10000;
    while (!offered && zclock_mono() < until) {
        /* the hand-off stand-in keeps its heartbeat meanwhile (a silent worker would be
         * given up by the broker, which fails its rows and so frees their window) and
         * holds what it gets */
        n = s_take(handoff, held, n, n + 1, 0);
        offered = fx_sms_offer(sms, "pool1", 20);
    }
    printf("matcher.relay_lanes: offers of a later request reached sms: %s\n",
           offered ? "yes" : "no");
    assert(offered);
    /* the hand-off lane kept to its window meanwhile */
    assert(n == S_WINDOW && s_take(handoff, held, n, n + 1, 0) == n);

    /* acknowledged, the lane moves on: the other rows come, none twice */
    char *ids[S_HANDED * 2] = {NULL};
    size_t seen = 0;
    until = zclock_mono() + 10000;
    while (zclock_mono() < until && seen < S_HANDED) {
        for (size_t i = 0; i < n; i++) {
            ids[seen++] = fx_handoff_id(held[i]);
            eo_worker_reply(handoff, &held[i], "", 0);
        }
        n = s_take(handoff, held, 0, 1, 50);
    }
    printf("matcher.relay_lanes: %zu hand-off rows after the acknowledgements\n", seen);
    assert(seen == S_HANDED && n == 0);
    for (size_t i = 0; i < seen; i++)
        for (size_t j = i + 1; j < seen; j++)
            assert(!streq(ids[i], ids[j]));
    for (size_t i = 0; i < seen; i++)
        free(ids[i]);

    eo_client_destroy(&client);
    eo_worker_destroy(&handoff);
    eo_worker_destroy(&sms);
    zactor_destroy(&matcher);
    fx_run_destroy(&run);
    fx_check_ok(fx);
    fx_destroy(&fx);
    printf("matcher.relay_lanes: OK\n");
    return 0;
}
