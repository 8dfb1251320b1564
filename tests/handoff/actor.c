/* handoff.actor: the role's actor in this process (as `eonjena serve` runs it) behind a
 * real broker, with a manual clock: an item settled Friday 21:00 is acknowledged at once,
 * stays queued while the clock says Monday 08:59, and is delivered once it says 09:00
 * (the actor's timers are computed from the clock; WAKE runs a round at once and
 * answers when it is done, so nothing here waits on time). A
 * malformed event is refused with an error reply; METRICS reports the queue. */
#include <stdlib.h>
#include <string.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/actor.h"

#define S_WAIT_MS 20000

static Eo__Event *s_request(eo_client_t *client, const void *bytes, size_t size)
{
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "handoff", "guri", bytes, size, S_WAIT_MS, &reply) ==
           EO_OK);
    char err[128];
    Eo__Event *ev = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    assert(ev);
    zframe_destroy(&reply);
    return ev;
}

/* A delivery round at the clock's time, answered when it is done. */
static void s_wake(zactor_t *actor)
{
    zstr_send(actor, "WAKE");
    char *answer = zstr_recv(actor);
    assert(answer && streq(answer, "WOKE"));
    zstr_free(&answer);
}

static char *s_metrics(zactor_t *actor)
{
    zstr_send(actor, "METRICS");
    return zstr_recv(actor);
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/actor", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_clock_t *clock = eo_clock_new_manual(fx_time("2026-11-20T21:00") * 1000);
    receiver_t *receiver = receiver_new(FX_SECRET, clock);
    char *text = fx_config_text(receiver_url(receiver), FX_SECRET);
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    char *endpoint = zsys_sprintf("inproc://handoff-actor-test");
    eo_broker_t *broker = eo_broker_new(endpoint, NULL);
    assert(store && clock && receiver && config && broker);
    eo_role_args_t args = {
        .broker = endpoint, .sites = "guri", .config = config, .store = store, .clock = clock};
    zactor_t *actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);

    const char *id = "case-7:handoff:settled";
    size_t size;
    uint8_t *bytes =
        fx_item_event(id, EO__HANDOFF_ITEM__KIND__KIND_SETTLED, eo_clock_now(clock), &size);
    Eo__Event *reply = s_request(client, bytes, size);
    assert(reply->body_case == EO__EVENT__BODY_ACK && streq(reply->ack->ids[0], id));
    eo_event_free(&reply);
    free(bytes);

    /* Not a hand-off: refused with a reason, nothing stored. */
    reply = s_request(client, "\xff\xff\xff", 3);
    assert(reply->body_case == EO__EVENT__BODY_ERROR &&
           streq(reply->error->code, "bad_handoff"));
    eo_event_free(&reply);

    char *metrics = s_metrics(actor);
    if (!strstr(metrics, "\"depth\":1,")) fprintf(stderr, "metrics: %s\n", metrics);
    assert(strstr(metrics, "\"depth\":1,\"oldest_age_s\":0,\"attempts\":0,\"last_status\":0,"
                           "\"next_attempt\":\"2026-11-23T09:00:00+09:00\""));
    zstr_free(&metrics);

    fx_set(&(fixture_t){.clock = clock}, "2026-11-23T08:59");
    s_wake(actor);
    assert(receiver_requests(receiver) == 0);
    fx_set(&(fixture_t){.clock = clock}, "2026-11-23T09:00");
    s_wake(actor);
    assert(receiver_accepted(receiver) == 1 && receiver_requests(receiver) == 1);
    char key[64];
    assert(streq(receiver_key(receiver, 0, key, sizeof key), "case-7:handoff:settled"));
    metrics = s_metrics(actor);
    assert(
        strstr(metrics, "\"depth\":0,\"oldest_age_s\":0,\"attempts\":0,\"last_status\":200"));
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
    printf("handoff actor: ok\n");
    return 0;
}
