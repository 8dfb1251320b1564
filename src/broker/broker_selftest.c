/* broker_selftest.c: eo_broker_test, the self-test of the broker, client and worker
 * classes; it doubles as a short example of their use. */
#include "eonjena/eo_broker.h"

#include <jansson.h>

#include "eonjena/eo_error.h"

/* An echo worker in its own thread, so eo_client_request can block on it. */
static void s_echo_actor(zsock_t *pipe, void *arg)
{
    eo_worker_t *worker = eo_worker_new((const char *)arg, "echo", "*", NULL, NULL);
    assert(worker);
    eo_worker_set_heartbeat(worker, 100, 20);
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, NULL);
    while (!zpoller_terminated(poller)) {
        eo_work_t *work = eo_worker_recv(worker, 20);
        if (work) {
            zframe_t *body = eo_work_body(work);
            eo_worker_reply(worker, &work, zframe_data(body), zframe_size(body));
        }
        if (zpoller_wait(poller, 0) == pipe) break; /* $TERM */
    }
    zpoller_destroy(&poller);
    eo_worker_destroy(&worker);
}

/* Wait (bounded) until one work item arrives at a worker. */
static eo_work_t *s_work(eo_worker_t *worker)
{
    return eo_worker_recv(worker, 2000);
}

static json_int_t s_metric(eo_broker_t *broker, const char *service, const char *site,
                           const char *name)
{
    char *text = eo_broker_metrics(broker);
    json_t *root = json_loads(text, 0, NULL);
    assert(root);
    json_t *v = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(root, "services"), service),
                            "sites"),
            site),
        name);
    json_int_t value = v ? json_integer_value(v) : -1;
    json_decref(root);
    free(text);
    return value;
}

void eo_broker_test(bool verbose)
{
    printf(" * eo_broker: ");
    if (verbose) printf("\n");
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    assert(cfg.heartbeat_ms == 1000 && cfg.liveness == 3 && cfg.max_queue == 10000);
    cfg.heartbeat_ms = 100;
    cfg.liveness = 20; /* this one thread plays every part: give it time between calls */
    cfg.unrouted_timeout_ms = 300;
    cfg.max_queue = 2;
    eo_broker_t *broker = eo_broker_new("inproc://eo-broker-test,tcp://127.0.0.1:*", &cfg);
    assert(broker);
    assert(eo_broker_new("bogus://x", NULL) == NULL);
    const char *inproc = "inproc://eo-broker-test";

    /* a request routed by (service, site) to the worker serving that site */
    eo_worker_t *suwon = eo_worker_new(inproc, "sms", "suwon", NULL, NULL);
    eo_worker_t *guri = eo_worker_new(inproc, "sms", "guri, hanam", NULL, NULL);
    assert(suwon && guri);
    eo_worker_set_heartbeat(suwon, 100, 20);
    assert(eo_worker_set_window(suwon, 1) == EO_OK); /* one at a time: the queue fills */
    assert(eo_worker_set_window(suwon, 0) == EO_EINVAL);
    eo_worker_set_heartbeat(guri, 100, 20);
    assert(eo_worker_new(inproc, "sms", " , ", NULL, NULL) == NULL);
    eo_client_t *client = eo_client_new(inproc, NULL, NULL);
    assert(client);
    eo_client_set_heartbeat(client, 100, 20);
    assert(eo_client_send(client, "sms", "", "x", "b", 1) == EO_EINVAL);
    assert(eo_client_send(client, "sms", "guri", "r1", "hello", 5) == EO_OK);
    eo_work_t *work = s_work(guri);
    assert(work && !eo_work_is_event(work));
    assert(streq(eo_work_site(work), "guri") && streq(eo_work_id(work), "r1"));
    assert(zframe_streq(eo_work_body(work), "hello"));
    assert(eo_worker_recv(suwon, 0) == NULL); /* suwon never sees guri work */
    assert(eo_worker_reply(guri, &work, "world", 5) == EO_OK && work == NULL);
    char *corr = NULL;
    int status = -1;
    zframe_t *body = NULL;
    assert(eo_client_recv(client, 2000, &corr, &status, &body) == EO_OK);
    assert(streq(corr, "r1") && status == EO_OK && zframe_streq(body, "world"));
    freen(corr);
    zframe_destroy(&body);

    /* an event is kept by the client until a worker acknowledged it */
    assert(eo_client_event(client, "sms", "hanam", "e1", "evt", 3) == EO_OK);
    assert(eo_client_pending(client) == 1);
    work = s_work(guri);
    assert(work && eo_work_is_event(work) && streq(eo_work_id(work), "e1"));
    assert(eo_worker_reply(guri, &work, NULL, 0) == EO_OK);
    for (int i = 0; i < 100 && eo_client_pending(client) > 0; i++) /* the ACK is inside */
        assert(eo_client_recv(client, 20, &corr, &status, &body) == EO_ETIMEOUT);
    assert(eo_client_pending(client) == 0);

    /* the queue of a busy (service, site) is bounded: the caller hears "overloaded" */
    assert(eo_client_send(client, "sms", "suwon", "q1", "1", 1) == EO_OK);
    assert(eo_client_send(client, "sms", "suwon", "q2", "2", 1) == EO_OK);
    assert(eo_client_send(client, "sms", "suwon", "q3", "3", 1) == EO_OK);
    assert(eo_client_send(client, "sms", "suwon", "q4", "4", 1) == EO_OK);
    assert(eo_client_recv(client, 2000, &corr, &status, &body) == EO_OK);
    assert(streq(corr, "q4") && status == EO_EOVERLOAD && body == NULL);
    freen(corr);
    assert(s_metric(broker, "sms", "suwon", "queued") == 2);
    assert(s_metric(broker, "sms", "suwon", "in_flight") == 1);
    assert(s_metric(broker, "sms", "suwon", "rejected") == 1);
    assert(s_metric(broker, "sms", "suwon", "workers_live") == 1);
    assert(s_metric(broker, "sms", "suwon", "received") == 4);
    for (int i = 1; i <= 3; i++) {
        work = s_work(suwon);
        assert(work);
        char expect[4];
        snprintf(expect, sizeof expect, "q%d", i);
        assert(streq(eo_work_id(work), expect)); /* in order */
        assert(eo_worker_reply(suwon, &work, "ok", 2) == EO_OK);
        assert(eo_client_recv(client, 2000, &corr, &status, &body) == EO_OK);
        assert(streq(corr, expect) && status == EO_OK);
        freen(corr);
        zframe_destroy(&body);
    }

    /* a worker that drops its work dies to the broker: the work goes to another */
    assert(eo_client_send(client, "sms", "suwon", "d1", "x", 1) == EO_OK);
    work = s_work(suwon);
    assert(work && streq(eo_work_id(work), "d1"));
    /* a new window is no failure: d1 stays with this worker (re-dispatched once, below) */
    assert(eo_worker_set_window(suwon, 2) == EO_OK);
    eo_work_destroy(&work);
    eo_worker_destroy(&suwon); /* sends DISCONNECT */
    eo_worker_t *suwon2 = eo_worker_new(inproc, "sms", "*", NULL, NULL);
    assert(suwon2);
    eo_worker_set_heartbeat(suwon2, 100, 20);
    work = s_work(suwon2);
    assert(work && streq(eo_work_id(work), "d1"));
    assert(eo_worker_reply(suwon2, &work, "again", 5) == EO_OK);
    assert(eo_client_recv(client, 2000, &corr, &status, &body) == EO_OK);
    assert(streq(corr, "d1") && status == EO_OK && zframe_streq(body, "again"));
    freen(corr);
    zframe_destroy(&body);
    assert(s_metric(broker, "sms", "suwon", "redispatched") == 1);

    /* a service nobody serves: a clear error after the bounded wait */
    int64_t start = zclock_mono();
    assert(eo_client_send(client, "nobody", "suwon", "n1", "x", 1) == EO_OK);
    assert(eo_client_recv(client, 3000, &corr, &status, &body) == EO_OK);
    assert(streq(corr, "n1") && status == EO_ENOTFOUND);
    assert(zclock_mono() - start >= cfg.unrouted_timeout_ms);
    freen(corr);

    /* a blocking request over tcp to a worker thread */
    zactor_t *echo = zactor_new(s_echo_actor, (void *)inproc);
    eo_client_t *remote = eo_client_new(eo_broker_endpoint(broker), NULL, NULL);
    assert(remote);
    zframe_t *reply = NULL;
    assert(eo_client_request(remote, "echo", "guri", "ping", 4, 5000, &reply) == EO_OK);
    assert(zframe_streq(reply, "ping"));
    zframe_destroy(&reply);
    assert(eo_client_pending(remote) == 0);
    zactor_destroy(&echo);

    /* the broker answers requests for its own name itself, with its metrics, over tcp
     * too; nobody may register as that service */
    assert(eo_client_request(remote, EO_BROKER_SELF, "-", "", 0, 5000, &reply) == EO_OK);
    json_t *self_metrics =
        json_loadb((const char *)zframe_data(reply), zframe_size(reply), 0, NULL);
    assert(self_metrics);
    assert(
        json_integer_value(json_object_get(
            json_object_get(
                json_object_get(
                    json_object_get(json_object_get(self_metrics, "services"), "sms"), "sites"),
                "guri"),
            "received")) == 1);
    assert(!json_object_get(json_object_get(self_metrics, "services"), EO_BROKER_SELF));
    json_decref(self_metrics);
    zframe_destroy(&reply);
    eo_worker_t *impostor = eo_worker_new(inproc, EO_BROKER_SELF, "*", NULL, NULL);
    assert(impostor);
    assert(eo_worker_recv(impostor, 200) == NULL);
    eo_worker_destroy(&impostor);

    char *metrics = eo_broker_metrics(broker);
    if (verbose) printf("metrics: %s\n", metrics);
    assert(strstr(metrics, "\"services\""));
    assert(!strstr(metrics, EO_BROKER_SELF)); /* the impostor was refused */
    free(metrics);

    eo_client_destroy(&remote);
    eo_client_destroy(&client);
    eo_worker_destroy(&suwon2);
    eo_worker_destroy(&guri);
    eo_broker_destroy(&broker);
    eo_broker_destroy(&broker); /* safe on NULL */
    printf("OK\n");
}
