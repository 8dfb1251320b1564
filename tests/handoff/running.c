/* handoff.running: the hand-off role on a RUNNING clock that does not sit on a whole
 * second (an offset clock started at 21:00:00.437), as deployments run it. A provider
 * whose webhook is open every day, all day, gets a queued item within 1 s, signed, and
 * exactly once. Before the fix the due time was always the next whole second, later than
 * now, so nothing was ever delivered on such a clock. */
#include <stdlib.h>
#include <string.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/actor.h"

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/running", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_clock_t *clock = eo_clock_new_from_spec("offset:2026-11-20T21:00:00.437");
    assert(store && clock);
    receiver_t *receiver = receiver_new(FX_SECRET, clock);
    char *text = zsys_sprintf("providers\n"
                              "    p1\n"
                              "        site = guri\n"
                              "        mode = webhook\n"
                              "        hours = \"daily 00:00-24:00\"\n"
                              "        holidays = open\n"
                              "        url = \"%s\"\n"
                              "        secret = \"%s\"\n",
                              receiver_url(receiver), FX_SECRET);
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    char *endpoint = zsys_sprintf("inproc://handoff-running-test");
    eo_broker_t *broker = eo_broker_new(endpoint, NULL);
    assert(receiver && config && broker);
    eo_role_args_t args = {
        .broker = endpoint, .sites = "guri", .config = config, .store = store, .clock = clock};
    zactor_t *actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);

    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = "case-9:handoff:settled";
    item.site = "guri";
    item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item.created_at = eo_clock_now(clock);
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = item.id;
    ev.site = "guri";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    size_t size;
    uint8_t *bytes = eo_event_encode(&ev, &size);
    zframe_t *reply = NULL;
    int64_t sent = zclock_mono();
    assert(eo_client_request(client, "handoff", "guri", bytes, size, 20000, &reply) == EO_OK);
    zframe_destroy(&reply);
    free(bytes);
    /* No WAKE, no clock step: the actor's own timers must deliver it. */
    bool delivered = receiver_wait_accepted(receiver, 1, 10000);
    int64_t took = zclock_mono() - sent;
    printf("handoff running: delivered=%d after %lld ms (clock ms part %lld)\n", delivered,
           (long long)took, (long long)(eo_clock_now_ms(clock) % 1000));
    assert(delivered);
    assert(took <= 1000);
    /* Exactly once: another round (the actor's own, answered when done) sends nothing. */
    zstr_send(actor, "WAKE");
    char *answer = zstr_recv(actor);
    assert(answer && streq(answer, "WOKE"));
    zstr_free(&answer);
    assert(receiver_requests(receiver) == 1 && receiver_duplicates(receiver) == 0);
    char key[64];
    assert(streq(receiver_key(receiver, 0, key, sizeof key), "case-9:handoff:settled"));
    zstr_send(actor, "METRICS");
    char *metrics = zstr_recv(actor);
    assert(metrics && strstr(metrics, "\"depth\":0,") &&
           strstr(metrics, "\"last_status\":200"));
    zstr_free(&metrics);

    eo_client_destroy(&client);
    zactor_destroy(&actor);
    eo_broker_destroy(&broker);
    zstr_free(&endpoint);
    zconfig_destroy(&config);
    receiver_destroy(&receiver);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff running: ok\n");
    return 0;
}
