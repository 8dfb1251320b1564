/* handoff.retention_running: the hand-off role's daily retention on a RUNNING clock that
 * does not sit on whole seconds (offset:2026-11-29T03:59:59.350), as deployments run it.
 * The store holds items delivered long ago (a webhook's and a pull provider's
 * acknowledged one), a recent delivered one and an old one still waiting for its pull
 * provider; a new item comes through the broker and is delivered by webhook. Within a
 * few seconds of 04:00 (store/purge_hour) the role's own timers have anonymised exactly
 * the two old delivered items (handoff/retention_years = 3), in batches of one
 * (store/purge_batch) between deliveries; the others keep their personal data, the
 * metrics count the run, and the receiver got the new item once and nothing else. */
#include <stdlib.h>
#include <string.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "fixture.h"
#include "handoff/actor.h"

static Eo__Request s_req = EO__REQUEST__INIT;
static Eo__HandoffItem s_item = EO__HANDOFF_ITEM__INIT;
static Eo__Event s_ev = EO__EVENT__INIT;

/* The event of an item of site guri whose request ends at `end` (static storage). */
static Eo__Event *s_event(const char *id, eo_time_t end)
{
    s_req = (Eo__Request)EO__REQUEST__INIT;
    s_req.id = (char *)id;
    s_req.member_phone = "+821055501234";
    s_req.child_first_name = "다온";
    s_req.address = "구리시 잊혀질로 7";
    s_req.end = end;
    s_item = (Eo__HandoffItem)EO__HANDOFF_ITEM__INIT;
    s_item.id = (char *)id;
    s_item.site = "guri";
    s_item.request_id = (char *)id;
    s_item.kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    s_item.request = &s_req;
    s_item.created_at = end + 60;
    s_ev = (Eo__Event)EO__EVENT__INIT;
    s_ev.id = (char *)id;
    s_ev.site = "guri";
    s_ev.body_case = EO__EVENT__BODY_HANDOFF;
    s_ev.handoff = &s_item;
    return &s_ev;
}

/* 1 if the item still has its phone, child's name and address, 0 if all are gone. */
static int s_personal(eo_handoff_queue_t *q, const char *id)
{
    Eo__Event *ev = NULL;
    assert(eo_handoff_queue_get(q, id, &ev) == EO_OK && ev->handoff && ev->handoff->request);
    const Eo__Request *req = ev->handoff->request;
    int kept = *req->member_phone && *req->child_first_name && *req->address;
    assert(kept || (!*req->member_phone && !*req->child_first_name && !*req->address));
    assert(streq(ev->handoff->request_id, id) && req->end);
    eo_event_free(&ev);
    return kept;
}

static char *s_metrics(zactor_t *actor)
{
    zstr_send(actor, "METRICS");
    char *metrics = zstr_recv(actor);
    assert(metrics);
    return metrics;
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/retention_running", getenv("EO_TEST_TMP"));
    fx_remove_tree(dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_handoff_queue_t *q = store ? eo_handoff_queue_new(store) : NULL;
    assert(q);
    /* What earlier days left: delivered in 2022 (webhook p1, pull p2), delivered last
     * week, and one p2 never acknowledged. */
    eo_time_t old = fx_time("2022-03-01T23:00"), recent = fx_time("2026-11-20T22:00");
    assert(eo_handoff_queue_put(q, "p1", s_event("old-webhook", old), old + 60) == EO_OK);
    assert(eo_handoff_queue_delivered(q, "p1", "old-webhook", old + 120) == EO_OK);
    assert(eo_handoff_queue_put(q, "p2", s_event("old-pull", old), old + 60) == EO_OK);
    assert(eo_handoff_queue_ack(q, "p2", "old-pull", old + 3600) == EO_OK);
    assert(eo_handoff_queue_put(q, "p2", s_event("old-waiting", old), old + 60) == EO_OK);
    assert(eo_handoff_queue_put(q, "p1", s_event("recent", recent), recent + 60) == EO_OK);
    assert(eo_handoff_queue_delivered(q, "p1", "recent", recent + 120) == EO_OK);

    eo_clock_t *clock = eo_clock_new_from_spec("offset:2026-11-29T03:59:59.350");
    receiver_t *receiver = receiver_new(FX_SECRET, clock);
    char *text = zsys_sprintf("store\n"
                              "    purge_hour = 4\n"
                              "    purge_batch = 1\n"
                              "handoff\n"
                              "    retention_years = 3\n"
                              "providers\n"
                              "    p1\n"
                              "        site = guri\n"
                              "        default = 1\n"
                              "        mode = webhook\n"
                              "        hours = \"daily 00:00-24:00\"\n"
                              "        holidays = open\n"
                              "        url = \"%s\"\n"
                              "        secret = \"%s\"\n"
                              "    p2\n"
                              "        site = guri\n"
                              "        mode = pull\n"
                              "        secret = \"%s\"\n",
                              receiver_url(receiver), FX_SECRET, FX_SECRET);
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    char *endpoint = zsys_sprintf("inproc://handoff-retention-running");
    eo_broker_t *broker = eo_broker_new(endpoint, NULL);
    assert(clock && receiver && config && broker);
    eo_role_args_t args = {
        .broker = endpoint, .sites = "guri", .config = config, .store = store, .clock = clock};
    zactor_t *actor = eo_role_start(eo_handoff_actor, &args);
    assert(actor);
    /* Nothing is purged before 04:00. */
    char *metrics = s_metrics(actor);
    assert(strstr(metrics, "\"retention\":{\"runs\":0,\"anonymised\":0,"));
    assert(strstr(metrics, "\"next_run\":\"2026-11-29T04:00:00+09:00\""));
    zstr_free(&metrics);
    assert(s_personal(q, "old-webhook") == 1);

    /* A new item through the broker: the role delivers it by webhook. */
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    size_t size;
    uint8_t *bytes = eo_event_encode(s_event("live", eo_clock_now(clock)), &size);
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "handoff", "guri", bytes, size, 20000, &reply) == EO_OK);
    zframe_destroy(&reply);
    free(bytes);
    assert(receiver_wait_accepted(receiver, 1, 10000));

    /* No WAKE, no clock step: the role's own timer runs the purge at 04:00. */
    int64_t deadline = zclock_mono() + 10000;
    bool ran = false;
    while (!ran && zclock_mono() < deadline) {
        metrics = s_metrics(actor);
        ran = strstr(metrics, "\"retention\":{\"runs\":1,") != NULL;
        if (!ran)
            zstr_free(&metrics);
        else
            break;
        zclock_sleep(20); /* polling a condition with a bound, not synchronising */
    }
    int64_t now_ms = eo_clock_now_ms(clock);
    printf("handoff retention running: ran=%d at %lld ms past 04:00 (clock ms part %lld)\n%s\n",
           ran, (long long)(now_ms - fx_time("2026-11-29T04:00") * 1000),
           (long long)(now_ms % 1000), ran ? metrics : "");
    assert(ran);
    assert(now_ms >= fx_time("2026-11-29T04:00") * 1000);
    assert(strstr(metrics, "\"retention\":{\"runs\":1,\"anonymised\":2,\"failures\":0,"
                           "\"running\":false,\"next_run\":\"2026-11-30T04:00:00+09:00\","
                           "\"last_run\":\"2026-11-29T04:00:0"));
    zstr_free(&metrics);

    assert(s_personal(q, "old-webhook") == 0 && s_personal(q, "old-pull") == 0);
    assert(s_personal(q, "old-waiting") == 1 && s_personal(q, "recent") == 1 &&
           s_personal(q, "live") == 1);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(q, "p2", &depth, &since) == EO_OK && depth == 1);
    assert(eo_handoff_queue_depth(q, "p1", &depth, &since) == EO_OK && depth == 0);
    /* Nothing delivered twice, nothing old re-sent: another round sends nothing. */
    zstr_send(actor, "WAKE");
    char *answer = zstr_recv(actor);
    assert(answer && streq(answer, "WOKE"));
    zstr_free(&answer);
    char key[64];
    assert(receiver_requests(receiver) == 1 && receiver_duplicates(receiver) == 0);
    assert(streq(receiver_key(receiver, 0, key, sizeof key), "live"));

    eo_client_destroy(&client);
    zactor_destroy(&actor);
    eo_broker_destroy(&broker);
    zstr_free(&endpoint);
    zconfig_destroy(&config);
    receiver_destroy(&receiver);
    eo_clock_destroy(&clock);
    eo_handoff_queue_destroy(&q);
    eo_store_destroy(&store);
    fx_remove_tree(dir);
    printf("handoff retention running: ok\n");
    return 0;
}
