/* failure.poison: the matcher role, behind a real broker, with one input that fails
 * hard every time (an answer for a case whose record in the store is damaged). Before
 * RELEASE the batch that held it failed on every resend and the role dropped every item
 * of it: its neighbours were never answered and the site wedged. Now the batch is
 * decided again one input per transaction: the neighbours are answered, and the poison
 * input is given back until the broker dead-letters it (its sender gets EDEADLETTER). */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "matcher/fixture.h"
#include "matcher/matcher.h"

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("poison", false, NULL);
    fx_carers(fx, 5);
    fx_damage_case(fx, "bad");
    eo_broker_config_t bcfg;
    eo_broker_config_defaults(&bcfg);
    bcfg.max_tries = 3;
    bcfg.retry_base_ms = 20;
    eo_broker_t *broker = eo_broker_new("inproc://poison-broker", &bcfg);
    eo_clock_t *clock = eo_clock_new_manual(fx->now_ms);
    assert(broker && clock);
    eo_role_args_t args = {.broker = "inproc://poison-broker",
                           .sites = "suwon",
                           .store = fx->store,
                           .clock = clock,
                           .dongs = fx->dongs};
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &args);
    eo_client_t *client = eo_client_new("inproc://poison-broker", NULL, NULL);
    eo_worker_t *sms = eo_worker_new("inproc://poison-broker", "sms", "suwon", NULL, NULL);
    assert(matcher && client && sms);

    /* sent back to back, so the matcher takes them in one batch */
    const char *ids[] = {"r1", "r2", "poison", "r3"};
    for (int i = 0; i < 4; i++) {
        size_t n;
        uint8_t *b = i == 2 ? fx_answer("bad", 1, true, "mo-bad", &n)
                            : fx_request(fx, ids[i], fx->now_ms / 1000 + 4 * 3600, 2, 1, &n);
        assert(eo_client_send(client, "match", "suwon", ids[i], b, n) == EO_OK);
        free(b);
    }
    int answered = 0, dead = 0;
    int64_t until = zclock_mono() + 20000;
    while (answered + dead < 4 && zclock_mono() < until) {
        eo_work_t *w = eo_worker_recv(sms, 0); /* the offers: acknowledge them */
        if (w) eo_worker_reply(sms, &w, "", 0);
        char *corr = NULL;
        int status;
        zframe_t *body = NULL;
        if (eo_client_recv(client, 10, &corr, &status, &body) != EO_OK) continue;
        if (streq(corr, "poison")) {
            assert(status == EO_EDEADLETTER);
            dead++;
        } else {
            char err[64];
            Eo__Event *ev =
                eo_event_decode(zframe_data(body), zframe_size(body), err, sizeof err);
            assert(status == EO_OK && ev && ev->body_case == EO__EVENT__BODY_STATUS &&
                   streq(ev->status->state, "offering"));
            eo_event_free(&ev);
            answered++;
        }
        free(corr);
        zframe_destroy(&body);
    }
    printf("failure.poison: %d answered, %d dead-lettered\n", answered, dead);
    assert(answered == 3 && dead == 1);
    char *metrics = eo_broker_metrics(broker);
    assert(strstr(metrics, "\"dead_lettered\":1"));
    free(metrics);

    eo_worker_destroy(&sms);
    eo_client_destroy(&client);
    zactor_destroy(&matcher);
    eo_broker_destroy(&broker);
    eo_clock_destroy(&clock);
    fx_destroy(&fx);
    printf("failure.poison: ok\n");
    return 0;
}
