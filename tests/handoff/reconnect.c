/* handoff.reconnect: the role's actor goes on serving after its broker fell silent. A
 * worker that hears nothing from its broker for `liveness` heartbeats makes itself a new
 * socket (eo_worker's reconnect); the actor's loop must poll that new socket. It once
 * polled the socket it was started with, and the first reconnect ended its loop: the
 * process stayed up, served nothing, and the broker queued every hand-off of the
 * deployment until it refused them (seen in a soak where a stalled machine made the
 * broker miss three heartbeats).
 *
 * Here a broker on an inproc endpoint serves one item, is destroyed, and a new broker
 * binds the same endpoint; the actor (heartbeat 50 ms from the configuration, so the
 * silence is noticed in 150 ms) must register with the new broker and answer an item
 * sent through it. Each wait is a bounded request, never a sleep. */
#include <stdlib.h>
#include <string.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/actor.h"

#define S_WAIT_MS 20000

/* A settled-case hand-off item for guri; its id is `id`. 0 if acknowledged. */
static int s_send_item(eo_client_t *client, const char *id, eo_time_t now)
{
    size_t size;
    uint8_t *bytes = fx_item_event(id, EO__HANDOFF_ITEM__KIND__KIND_SETTLED, now, &size);
    zframe_t *frame = NULL;
    int rc = eo_client_request(client, "handoff", "guri", bytes, size, S_WAIT_MS, &frame);
    free(bytes);
    if (rc != EO_OK) {
        fprintf(stderr, "handoff.reconnect: %s not answered: %s\n", id, eo_strerror(rc));
        return -1;
    }
    char err[128];
    Eo__Event *reply = eo_event_decode(zframe_data(frame), zframe_size(frame), err, sizeof err);
    zframe_destroy(&frame);
    assert(reply);
    bool acked = reply->body_case == EO__EVENT__BODY_ACK && streq(reply->ack->ids[0], id);
    eo_event_free(&reply);
    return acked ? 0 : -1;
}

static eo_broker_t *s_broker(const char *endpoint)
{
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    cfg.heartbeat_ms = 50;
    cfg.unrouted_timeout_ms = S_WAIT_MS; /* the request waits for the worker to come back */
    /* an inproc endpoint is given up by libzmq's reaper after the old broker's socket
     * closed: poll for the bind, bounded */
    eo_broker_t *broker = NULL;
    for (int i = 0; i < 500 && !(broker = eo_broker_new(endpoint, &cfg)); i++)
        zclock_sleep(10);
    assert(broker);
    return broker;
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/reconnect", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_clock_t *clock = eo_clock_new_manual(fx_time("2026-11-20T21:00") * 1000);
    receiver_t *receiver = receiver_new(FX_SECRET, clock);
    char *base = fx_config_text(receiver_url(receiver), FX_SECRET);
    char *text = zsys_sprintf("%sbroker\n    heartbeat_ms = 50\n    liveness = 3\n", base);
    zstr_free(&base);
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    const char *endpoint = "inproc://handoff-reconnect-test";
    eo_broker_t *broker = s_broker(endpoint);
    assert(store && clock && receiver && config);
    eo_role_args_t args = {
        .broker = endpoint, .sites = "guri", .config = config, .store = store, .clock = clock};
    zactor_t *actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);

    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(s_send_item(client, "case-1:handoff:settled", eo_clock_now(clock)) == 0);
    eo_client_destroy(&client);

    /* the broker goes away and another takes its place: the worker hears nothing for
     * three heartbeats, makes a new socket and registers with the new broker */
    eo_broker_destroy(&broker);
    broker = s_broker(endpoint);
    client = eo_client_new(endpoint, NULL, NULL);
    assert(s_send_item(client, "case-2:handoff:settled", eo_clock_now(clock)) == 0);

    eo_client_destroy(&client);
    zactor_destroy(&actor);
    eo_broker_destroy(&broker);
    zconfig_destroy(&config);
    receiver_destroy(&receiver);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff reconnect: ok\n");
    return 0;
}
