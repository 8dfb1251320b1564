/* matcher.skeleton: the walking skeleton through real sockets: a client sends a
 * request to (match, suwon) through the broker, the matcher actor answers "offering"
 * after its commit, offers reach a worker of (sms, suwon), an acceptance settles, the
 * winner and the requester are told and the status query shows the winner. */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "fixture.h"
#include "matcher/matcher.h"

/* Receive sms/handoff work until `want` messages of `kind` arrived (bounded). Acks all. */
static int s_drain(eo_worker_t *w, int kind, int want, char ids[][64], int wait_ms)
{
    int got = 0;
    int64_t until = zclock_mono() + wait_ms;
    while (got < want && zclock_mono() < until) {
        eo_work_t *work = eo_worker_recv(w, 50);
        if (!work) continue;
        char err[64];
        zframe_t *b = eo_work_body(work);
        Eo__Event *ev = eo_event_decode(zframe_data(b), zframe_size(b), err, sizeof err);
        assert(ev);
        if (ev->body_case == EO__EVENT__BODY_MESSAGE && (int)ev->message->kind == kind) {
            if (ids) snprintf(ids[got], 64, "%s", ev->message->id);
            got++;
        } else if (ev->body_case == EO__EVENT__BODY_HANDOFF && kind == -1) {
            got++;
        }
        eo_event_free(&ev);
        eo_worker_reply(w, &work, "", 0);
    }
    return got;
}

static Eo__Event *s_request(eo_client_t *client, const uint8_t *body, size_t size)
{
    zframe_t *reply = NULL;
    int rc = eo_client_request(client, "match", "suwon", body, size, 5000, &reply);
    assert(rc == EO_OK && reply);
    char err[64];
    Eo__Event *ev = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    assert(ev);
    zframe_destroy(&reply);
    return ev;
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("skeleton", false, NULL);
    fx_carers(fx, 12);
    eo_broker_t *broker = eo_broker_new("inproc://skeleton-broker", NULL);
    assert(broker);
    eo_clock_t *clock = eo_clock_new_manual(fx->now_ms);
    eo_role_args_t args = {.broker = "inproc://skeleton-broker",
                           .sites = "suwon",
                           .store = fx->store,
                           .clock = clock,
                           .dongs = fx->dongs};
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &args);
    assert(matcher);
    eo_worker_t *sms = eo_worker_new("inproc://skeleton-broker", "sms", "suwon", NULL, NULL);
    eo_worker_t *handoff =
        eo_worker_new("inproc://skeleton-broker", "handoff", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new("inproc://skeleton-broker", NULL, NULL);
    assert(sms && handoff && client);

    size_t n;
    uint8_t *b = fx_request(fx, "sk1", fx->now_ms / 1000 + 3 * 3600, 3, 1, &n);
    Eo__Event *ev = s_request(client, b, n);
    free(b);
    assert(ev->body_case == EO__EVENT__BODY_STATUS && streq(ev->status->state, "offering"));
    eo_event_free(&ev);

    char ids[10][64];
    assert(s_drain(sms, EO__MESSAGE__KIND__KIND_OFFER, 10, ids, 5000) == 10);
    /* the first offer's carer accepts */
    unsigned carer = 0;
    assert(sscanf(ids[3], "sk1:%u:offer", &carer) == 1);
    b = fx_answer("sk1", carer, true, "mo-sk-1", &n);
    ev = s_request(client, b, n);
    free(b);
    assert(ev->body_case == EO__EVENT__BODY_ACK && streq(ev->ack->ids[1], "won"));
    eo_event_free(&ev);
    assert(s_drain(sms, EO__MESSAGE__KIND__KIND_WINNER, 1, NULL, 5000) == 1);
    assert(s_drain(sms, EO__MESSAGE__KIND__KIND_NOTICE, 1, NULL, 5000) == 1);
    /* the case is linked, and handed over, once the member's payment is confirmed */
    b = fx_payment("sk1", 0, "pay-sk1", &n);
    ev = s_request(client, b, n);
    free(b);
    assert(ev->body_case == EO__EVENT__BODY_STATUS && streq(ev->status->payment, "paid"));
    eo_event_free(&ev);
    assert(s_drain(sms, EO__MESSAGE__KIND__KIND_NOTICE, 1, NULL, 5000) == 1);
    assert(s_drain(handoff, -1, 1, NULL, 5000) == 1);

    Eo__StatusQuery q = EO__STATUS_QUERY__INIT;
    q.request_id = "sk1";
    Eo__Event qe = EO__EVENT__INIT;
    qe.id = "q-sk1";
    qe.site = "suwon";
    qe.body_case = EO__EVENT__BODY_STATUS_QUERY;
    qe.status_query = &q;
    b = eo_event_encode(&qe, &n);
    ev = s_request(client, b, n);
    free(b);
    assert(streq(ev->status->state, "settled") && ev->status->n_winners == 1 &&
           ev->status->winners[0] == carer);
    eo_event_free(&ev);

    /* the acknowledged rows leave the outbox */
    int64_t until = zclock_mono() + 5000;
    while (fx_outbox_count(fx, "sk1", 0, 0) > 0 && zclock_mono() < until)
        zclock_sleep(10); /* polling a bounded condition, not synchronising on time */
    assert(fx_outbox_count(fx, "sk1", 0, 0) == 0);
    fx_check_ok(fx);

    eo_client_destroy(&client);
    eo_worker_destroy(&sms);
    eo_worker_destroy(&handoff);
    zactor_destroy(&matcher);
    eo_broker_destroy(&broker);
    eo_clock_destroy(&clock);
    fx_destroy(&fx);
    printf("matcher.skeleton: OK\n");
    return 0;
}
