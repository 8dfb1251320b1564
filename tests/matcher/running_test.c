/* matcher.running: the matcher's durable wave timer on a RUNNING clock that does not sit
 * on a whole second (an offset clock started at Friday 18:00:00.437), as deployments run
 * it. A request is offered to a wave of 3; nobody answers; when the 1 s wave timeout has
 * passed on that clock the next wave of 3 goes out by itself (no clock step, no poke),
 * and the case's journal shows the timer fired. */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "fixture.h"
#include "matcher/matcher.h"

/* Offers received by the sms stand-in within wait_ms (acks every work item). */
static int s_offers(eo_worker_t *w, int want, int wait_ms)
{
    int got = 0;
    int64_t until = zclock_mono() + wait_ms;
    while (got < want && zclock_mono() < until)
        got += fx_sms_offer(w, NULL, (int)(until - zclock_mono()));
    return got;
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("running", true, NULL);
    fx_carers(fx, 7);
    eo_broker_t *broker = eo_broker_new("inproc://running-broker", NULL);
    assert(broker);
    char spec[64], when[32];
    eo_local_t l;
    eo_time_local(fx->now_ms / 1000, &l);
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d", l.year, l.month, l.day, l.hour,
             l.minute, l.second);
    snprintf(spec, sizeof spec, "offset:%s.437", when);
    eo_clock_t *clock = eo_clock_new_from_spec(spec);
    zconfig_t *config = zconfig_str_load("matcher\n    wave_k = 3\n    wave_timeout_s = 1\n");
    assert(clock && config);
    eo_role_args_t args = {.broker = "inproc://running-broker",
                           .sites = "suwon",
                           .config = config,
                           .store = fx->store,
                           .clock = clock,
                           .dongs = fx->dongs};
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &args);
    assert(matcher);
    eo_worker_t *sms = eo_worker_new("inproc://running-broker", "sms", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new("inproc://running-broker", NULL, NULL);
    assert(sms && client);

    size_t n;
    uint8_t *b = fx_request(fx, "run1", fx->now_ms / 1000 + 4 * 3600, 2, 1, &n);
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "match", "suwon", b, n, 5000, &reply) == EO_OK);
    zframe_destroy(&reply);
    free(b);
    int64_t sent = zclock_mono();
    assert(s_offers(sms, 3, 5000) == 3);
    /* the second wave: due 1 s after the first on the running clock */
    assert(s_offers(sms, 3, 10000) == 3);
    int64_t took = zclock_mono() - sent;
    printf("matcher running: wave 2 after %lld ms (timeout 1000 ms)\n", (long long)took);
    assert(took >= 900 && took <= 5000);
    eo_case_t c = fx_case(fx, "run1");
    assert(c.state == EO_CASE_OFFERING && c.wave == 2 && c.n_offered == 6);

    eo_client_destroy(&client);
    eo_worker_destroy(&sms);
    zactor_destroy(&matcher);
    eo_broker_destroy(&broker);
    zconfig_destroy(&config);
    eo_clock_destroy(&clock);
    fx_destroy(&fx);
    printf("matcher.running: OK\n");
    return 0;
}
