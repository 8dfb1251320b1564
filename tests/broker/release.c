/* broker.release: a worker that cannot decide an item gives it back (RELEASE) and its
 * credit comes back at once. Before RELEASE a worker with window 2 that dropped two
 * items was never sent a third: its sites wedged until a restart.
 *   1. window 2, the worker releases the first two items it gets: a third request is
 *      still served, and the two released ones come back (later, to the same worker)
 *      and are answered;
 *   2. an item the worker always releases (a poison input) is answered EDEADLETTER
 *      after max_tries dispatches, while its neighbours are answered;
 *   3. the broker's metrics count released and dead-lettered items and show the age of
 *      the oldest item in flight. */
#include <czmq.h>
#include <jansson.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_error.h"

#define S_WAIT_MS 10000

/* Serve until every corr id in want[] has an answer at the client; the worker releases
 * items whose body starts with "poison" always, and the first `drop` items it gets. */
typedef struct {
    eo_worker_t *worker;
    eo_client_t *client;
    int drop;
    int released, served;
    zhash_t *answers; /* corr id -> status as text, in whatever order they came */
} s_run_t;

static void s_step(s_run_t *r)
{
    eo_work_t *work = eo_worker_recv(r->worker, 10);
    if (!work) return;
    zframe_t *body = eo_work_body(work);
    bool poison = zframe_size(body) >= 6 && memcmp(zframe_data(body), "poison", 6) == 0;
    if (poison || r->drop > 0) {
        r->drop -= !poison;
        r->released++;
        assert(eo_worker_release(r->worker, &work) == EO_OK && work == NULL);
    } else {
        r->served++;
        assert(eo_worker_reply(r->worker, &work, "done", 4) == EO_OK);
    }
}

/* Wait for the answer to corr (serving meanwhile); its status. */
static int s_answer(s_run_t *r, const char *corr)
{
    int64_t until = zclock_mono() + S_WAIT_MS;
    while (!zhash_lookup(r->answers, corr) && zclock_mono() < until) {
        s_step(r);
        char *id = NULL;
        int status;
        zframe_t *body = NULL;
        if (eo_client_recv(r->client, 0, &id, &status, &body) == EO_OK) {
            char text[16];
            snprintf(text, sizeof text, "%d", status);
            zhash_insert(r->answers, id, text);
            free(id);
            zframe_destroy(&body);
        }
    }
    const char *status = zhash_lookup(r->answers, corr);
    assert(status);
    return atoi(status);
}

static json_t *s_site_metrics(eo_broker_t *broker, json_t **root)
{
    char *text = eo_broker_metrics(broker);
    *root = json_loads(text, 0, NULL);
    free(text);
    assert(*root);
    return json_object_get(
        json_object_get(json_object_get(json_object_get(*root, "services"), "match"), "sites"),
        "suwon");
}

int main(void)
{
    zsys_init();
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    cfg.max_tries = 3;
    cfg.retry_base_ms = 20;
    eo_broker_t *broker = eo_broker_new("inproc://release-test", &cfg);
    assert(broker);
    s_run_t r = {.worker = eo_worker_new("inproc://release-test", "match", "suwon", NULL, NULL),
                 .client = eo_client_new("inproc://release-test", NULL, NULL),
                 .drop = 2,
                 .answers = zhash_new()};
    assert(r.worker && r.client && r.answers);
    zhash_autofree(r.answers);
    assert(eo_worker_set_window(r.worker, 2) == EO_OK);

    /* 1. two items released, the third still served; the two come back and are served */
    assert(eo_client_send(r.client, "match", "suwon", "a", "1", 1) == EO_OK);
    assert(eo_client_send(r.client, "match", "suwon", "b", "2", 1) == EO_OK);
    while (r.released < 2)
        s_step(&r);
    assert(eo_client_send(r.client, "match", "suwon", "c", "3", 1) == EO_OK);
    assert(s_answer(&r, "a") == EO_OK);
    assert(s_answer(&r, "b") == EO_OK);
    assert(s_answer(&r, "c") == EO_OK);
    assert(r.released == 2 && r.served == 3);

    /* 2. a poison item is dead-lettered after 3 dispatches; its neighbours are served */
    assert(eo_client_send(r.client, "match", "suwon", "p", "poison!", 7) == EO_OK);
    assert(eo_client_send(r.client, "match", "suwon", "d", "4", 1) == EO_OK);
    assert(eo_client_send(r.client, "match", "suwon", "e", "5", 1) == EO_OK);
    assert(s_answer(&r, "p") == EO_EDEADLETTER);
    assert(s_answer(&r, "d") == EO_OK);
    assert(s_answer(&r, "e") == EO_OK);
    assert(r.released == 2 + 3 && r.served == 5);

    /* 3. the metrics say so; an item held by the worker shows its age */
    json_t *root;
    json_t *site = s_site_metrics(broker, &root);
    assert(json_integer_value(json_object_get(site, "released")) == 5);
    assert(json_integer_value(json_object_get(site, "dead_lettered")) == 1);
    assert(json_integer_value(json_object_get(site, "in_flight")) == 0);
    json_decref(root);
    assert(eo_client_send(r.client, "match", "suwon", "f", "6", 1) == EO_OK);
    eo_work_t *held = NULL;
    int64_t until = zclock_mono() + S_WAIT_MS;
    while (!held && zclock_mono() < until)
        held = eo_worker_recv(r.worker, 10);
    assert(held);
    int64_t from = zclock_mono();
    while (zclock_mono() - from < 30)
        eo_worker_recv(r.worker, 5); /* hold it a little: its age grows (heartbeats go on) */
    site = s_site_metrics(broker, &root);
    assert(json_integer_value(json_object_get(site, "in_flight")) == 1);
    assert(json_integer_value(json_object_get(site, "oldest_in_flight_ms")) >= 30);
    assert(json_integer_value(json_object_get(root, "oldest_in_flight_ms")) >= 30);
    json_decref(root);
    assert(eo_worker_reply(r.worker, &held, "done", 4) == EO_OK);
    assert(s_answer(&r, "f") == EO_OK);

    zhash_destroy(&r.answers);
    eo_client_destroy(&r.client);
    eo_worker_destroy(&r.worker);
    eo_broker_destroy(&broker);
    printf("broker.release: ok\n");
    return 0;
}
