/* matcher.sync_thread: with matcher/sync_thread = 1 a commit syncs its data and a second
 * thread syncs the meta page that makes it durable (docs/deploy.md). Nothing may leave
 * the matcher before that sync: with the sync made slow (matcher/sync_delay_ms = 400)
 * the request's answer and its offers to sms come only after the sync, the case is in
 * the store, and a second request decided meanwhile waits for its own sync. Without the
 * thread the same answer comes at once (the delay is the sync thread's alone). */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "fixture.h"
#include "matcher/matcher.h"

#define S_DELAY_MS 400

/* Send request id and wait for its answer: the milliseconds it took. */
static int64_t s_request_ms(fx_t *fx, eo_client_t *client, const char *id)
{
    size_t n;
    uint8_t *b = fx_request(fx, id, fx->now_ms / 1000 + 4 * 3600, 2, 1, &n);
    zframe_t *reply = NULL;
    int64_t sent = zclock_mono();
    assert(eo_client_request(client, "match", "suwon", b, n, 10000, &reply) == EO_OK);
    int64_t took = zclock_mono() - sent;
    char err[64];
    Eo__Event *ev = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    assert(ev && ev->body_case == EO__EVENT__BODY_STATUS);
    eo_event_free(&ev);
    zframe_destroy(&reply);
    free(b);
    return took;
}

/* One matcher on fx's store with this configuration; the answer times of two requests
 * (the second sent while the first's offers are awaited) and when the first offer came
 * after the first request was sent. */
static void s_run(fx_t *fx, const char *cfg_text, const char *endpoint, const char *prefix,
                  int64_t *first_ms, int64_t *offer_ms, int64_t *second_ms)
{
    fx_run_t *run = fx_run_new(fx, endpoint, cfg_text);
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &run->args);
    eo_worker_t *sms = eo_worker_new(endpoint, "sms", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(matcher && sms && client);
    char id[32];
    snprintf(id, sizeof id, "%s1", prefix);
    /* the offers are looked for before the answer: they must not come before the sync */
    size_t n;
    uint8_t *b = fx_request(fx, id, fx->now_ms / 1000 + 4 * 3600, 2, 1, &n);
    int64_t sent = zclock_mono();
    assert(eo_client_send(client, "match", "suwon", id, b, n) == EO_OK);
    free(b);
    /* the first offer's monotonic time, or -1 */
    int64_t at = fx_sms_offer(sms, NULL, 10000) ? zclock_mono() : -1;
    assert(at >= 0);
    *offer_ms = at - sent;
    char *corr = NULL;
    int status;
    zframe_t *reply = NULL;
    assert(eo_client_recv(client, 10000, &corr, &status, &reply) == EO_OK && status == EO_OK);
    *first_ms = zclock_mono() - sent; /* at most: the offers were awaited first */
    assert(streq(corr, id));
    free(corr);
    zframe_destroy(&reply);
    assert(fx_exists(fx, id)); /* answered: it is in the store */
    snprintf(id, sizeof id, "%s2", prefix);
    *second_ms = s_request_ms(fx, client, id);
    assert(fx_exists(fx, id));
    eo_client_destroy(&client);
    eo_worker_destroy(&sms);
    zactor_destroy(&matcher);
    fx_run_destroy(&run);
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("sync_thread", false, NULL);
    fx_carers(fx, 7);
    char text[256];
    snprintf(text, sizeof text,
             "matcher\n    wave_k = 3\n    sync_thread = 1\n    sync_delay_ms = %d\n",
             S_DELAY_MS);
    int64_t first, offer, second;
    s_run(fx, text, "inproc://sync-broker", "sy", &first, &offer, &second);
    printf("matcher.sync_thread: with a %d ms sync: answer after %lld ms, first offer after "
           "%lld ms, second answer after %lld ms\n",
           S_DELAY_MS, (long long)first, (long long)offer, (long long)second);
    assert(first >= S_DELAY_MS - 10 && second >= S_DELAY_MS - 10);
    assert(offer >= S_DELAY_MS - 10);
    fx_check_ok(fx);
    fx_destroy(&fx);
    /* the same matcher without the thread (on a store of its own: the first one's stays
     * NOMETASYNC) answers without waiting for the sync knob */
    fx = fx_new("sync_thread_off", false, NULL);
    fx_carers(fx, 7);
    s_run(fx, "matcher\n    wave_k = 3\n    sync_delay_ms = 400\n", "inproc://nosync-broker",
          "ns", &first, &offer, &second);
    printf("matcher.sync_thread: without the thread: answer after %lld ms, first offer after "
           "%lld ms\n",
           (long long)first, (long long)offer);
    assert(first < S_DELAY_MS - 10);
    fx_check_ok(fx);
    fx_destroy(&fx);
    printf("matcher.sync_thread: OK\n");
    return 0;
}
