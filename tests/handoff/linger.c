/* handoff.linger: once an item came, the hand-off intake waits up to handoff/linger_ms
 * for more to share its commit, up to handoff/window items. The role's actor runs in
 * this process behind a real broker, as `eonjena serve` runs it:
 * - window 4, linger 10 s (the most it may be): an item the broker has handed to the role stays
 *   unacknowledged (in flight) while no more come; when three more come, all four are
 *   stored in ONE commit and each is acknowledged;
 * - linger 50 ms: a lone item is stored and acknowledged without more coming;
 * - a window or linger out of range is refused, naming the key.
 * Nothing waits on time: the test waits for the broker's metrics or for the replies. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/actor.h"

#define S_WAIT_MS 20000

static uint64_t s_commits(eo_store_t *store)
{
    uint64_t commits, us;
    eo_store_commit_stats(store, &commits, &us);
    return commits;
}

/* The broker's in-flight count of handoff items for guri. */
static json_int_t s_in_flight(eo_broker_t *broker)
{
    char *text = eo_broker_metrics(broker);
    json_t *root = json_loads(text, 0, NULL);
    json_t *v = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(root, "services"), "handoff"),
                            "sites"),
            "guri"),
        "in_flight");
    json_int_t n = v ? json_integer_value(v) : -1;
    json_decref(root);
    free(text);
    return n;
}

/* Send settled-case item `id` of guri as the matcher's relay does (a request whose
 * answer is the acknowledgement). */
static void s_send(eo_client_t *client, eo_clock_t *clock, const char *id)
{
    size_t size;
    uint8_t *bytes =
        fx_item_event(id, EO__HANDOFF_ITEM__KIND__KIND_SETTLED, eo_clock_now(clock), &size);
    assert(eo_client_send(client, "handoff", "guri", id, bytes, size) == 0);
    free(bytes);
}

/* The next answer: an acknowledgement of one of the items sent (its id returned). */
static char *s_ack(eo_client_t *client, int timeout_ms)
{
    char *corr = NULL;
    int status = -1;
    zframe_t *body = NULL;
    if (eo_client_recv(client, timeout_ms, &corr, &status, &body) != 0) return NULL;
    assert(status == EO_OK && body);
    char err[128];
    Eo__Event *ev = eo_event_decode(zframe_data(body), zframe_size(body), err, sizeof err);
    assert(ev && ev->body_case == EO__EVENT__BODY_ACK && streq(ev->ack->ids[0], corr));
    eo_event_free(&ev);
    zframe_destroy(&body);
    return corr;
}

/* The role's configuration: provider p1 of guri, and the intake's window and linger. */
static zconfig_t *s_config(const char *window, const char *linger)
{
    char *text = fx_config_text("http://127.0.0.1:9/", FX_SECRET);
    char *all = zsys_sprintf("%s    window = %s\n    linger_ms = %s\n", text, window, linger);
    zconfig_t *config = zconfig_str_load(all);
    zstr_free(&text);
    zstr_free(&all);
    assert(config);
    return config;
}

static void s_refused(const char *window, const char *linger, const char *key)
{
    zconfig_t *config = s_config(window, linger);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    char err[256] = "";
    assert(eo_handoff_config_load(&cfg, config, err, sizeof err) == EO_EINVAL);
    assert(strstr(err, key));
    zconfig_destroy(&config);
}

int main(void)
{
    zsys_init();
    /* the keys: defaults, a 0 linger (off), and what is out of range */
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    assert(cfg.window == 512 && cfg.linger_ms == 100);
    zconfig_t *config = s_config("1", "0");
    char err[256] = "";
    assert(eo_handoff_config_load(&cfg, config, err, sizeof err) == EO_OK);
    assert(cfg.window == 1 && cfg.linger_ms == 0);
    zconfig_destroy(&config);
    s_refused("0", "100", "handoff/window");
    s_refused("1025", "100", "handoff/window");
    s_refused("4", "-1", "handoff/linger_ms");
    s_refused("4", "10001", "handoff/linger_ms");
    s_refused("4", "soon", "handoff/linger_ms");

    char dir[512];
    snprintf(dir, sizeof dir, "%s/linger", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    /* Friday 21:00: nothing is due before Monday, so the only commits are the intake's */
    eo_clock_t *clock = eo_clock_new_manual(fx_time("2026-11-20T21:00") * 1000);
    char *endpoint = zsys_sprintf("inproc://handoff-linger-test");
    eo_broker_t *broker = eo_broker_new(endpoint, NULL);
    assert(store && clock && broker);
    config = s_config("4", "10000");
    eo_role_args_t args = {
        .broker = endpoint, .sites = "guri", .config = config, .store = store, .clock = clock};
    zactor_t *actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(client);

    /* One item, handed to the role: held, not acknowledged, while no more come. */
    uint64_t before = s_commits(store);
    s_send(client, clock, "case-1:handoff:settled");
    char *early = NULL;
    int64_t deadline = zclock_mono() + S_WAIT_MS;
    while (!early && s_in_flight(broker) != 1 && zclock_mono() < deadline)
        early = s_ack(client, 5); /* a pause that would also catch an early answer */
    assert(!early && s_in_flight(broker) == 1);
    assert(!(early = s_ack(client, 0)) && s_commits(store) == before);

    /* Three more fill the window of 4: one commit, four acknowledgements. */
    s_send(client, clock, "case-2:handoff:settled");
    s_send(client, clock, "case-3:handoff:settled");
    s_send(client, clock, "case-4:handoff:settled");
    bool seen[5] = {false};
    for (int i = 0; i < 4; i++) {
        char *id = s_ack(client, S_WAIT_MS);
        assert(id && strncmp(id, "case-", 5) == 0);
        int k = id[5] - '0';
        assert(k >= 1 && k <= 4 && !seen[k]);
        seen[k] = true;
        zstr_free(&id);
    }
    assert(s_commits(store) == before + 1);
    assert(s_in_flight(broker) == 0);

    /* A short linger: a lone item is stored once it lapses. */
    zactor_destroy(&actor);
    zconfig_destroy(&config);
    config = s_config("4", "50");
    args.config = config;
    actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);
    before = s_commits(store);
    s_send(client, clock, "case-5:handoff:settled");
    char *id = s_ack(client, S_WAIT_MS);
    assert(id && streq(id, "case-5:handoff:settled"));
    zstr_free(&id);
    assert(s_commits(store) == before + 1);

    eo_client_destroy(&client);
    zactor_destroy(&actor);
    eo_broker_destroy(&broker);
    zstr_free(&endpoint);
    zconfig_destroy(&config);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff linger: ok\n");
    return 0;
}
