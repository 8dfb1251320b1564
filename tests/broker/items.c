/* broker.items: the broker's item records stay bounded after a backlog is served.
 *
 * A request waiting in a queue or in flight is an item record; the broker reuses the
 * records of answered ones. It once kept every record it ever made on its free list, so
 * a backlog (a matcher stalled under load, then caught up) left its peak in the broker's
 * memory for good. Here 3000 requests wait for a worker with a window of 1; once every
 * one is answered the broker may keep at most 1024 records (S_FREE_ITEMS_MAX), and none
 * is in use. The metrics also carry the process heap's figures. Every wait is bounded:
 * a poll of the broker's metrics or a receive with a timeout. */
#include <jansson.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_error.h"

/* Built with AddressSanitizer (gcc says __SANITIZE_ADDRESS__, clang __has_feature)? */
#if defined(__SANITIZE_ADDRESS__)
#define S_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define S_ASAN 1
#endif
#endif
#ifndef S_ASAN
#define S_ASAN 0
#endif
#define S_REQUESTS 3000
#define S_KEPT_MAX 1024
#define S_WAIT_MS 10000

/* A whole-number metric at a JSON path of two names ("items", "allocated"), or one
 * under services/echo/sites/suwon (group NULL); -1 if absent. */
static json_int_t s_metric(eo_broker_t *broker, const char *group, const char *name)
{
    char *text = eo_broker_metrics(broker);
    json_t *root = json_loads(text, 0, NULL);
    assert(root);
    json_t *at =
        group ? json_object_get(root, group)
              : json_object_get(
                    json_object_get(json_object_get(json_object_get(root, "services"), "echo"),
                                    "sites"),
                    "suwon");
    json_t *v = json_object_get(at, name);
    json_int_t value = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(root);
    free(text);
    return value;
}

int main(void)
{
    zsys_init();
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    cfg.heartbeat_ms = 100;
    cfg.liveness = 50; /* this thread plays every part: give it time between calls */
    const char *endpoint = "inproc://broker-items-test";
    eo_broker_t *broker = eo_broker_new(endpoint, &cfg);
    assert(broker);
    eo_worker_t *worker = eo_worker_new(endpoint, "echo", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(worker && client);
    eo_worker_set_heartbeat(worker, 100, 50);
    eo_client_set_heartbeat(client, 100, 50);
    assert(eo_worker_set_window(worker, 1) == EO_OK);

    /* the backlog: every request taken by the broker, all but one waiting in its queue */
    for (int i = 0; i < S_REQUESTS; i++) {
        char corr[32];
        snprintf(corr, sizeof corr, "r%d", i);
        assert(eo_client_send(client, "echo", "suwon", corr, "body", 4) == EO_OK);
    }
    int64_t deadline = zclock_mono() + S_WAIT_MS;
    while (s_metric(broker, NULL, "received") < S_REQUESTS && zclock_mono() < deadline)
        ; /* each look is a round trip to the broker's actor */
    assert(s_metric(broker, NULL, "received") == S_REQUESTS);
    json_int_t peak = s_metric(broker, "items", "allocated");
    printf("broker.items: %lld records for %d requests waiting\n", (long long)peak, S_REQUESTS);
    assert(peak >= S_REQUESTS);

    /* served, one at a time; every answer reaches the client */
    for (int i = 0; i < S_REQUESTS; i++) {
        eo_work_t *work = eo_worker_recv(worker, S_WAIT_MS);
        assert(work);
        assert(eo_worker_reply(worker, &work, "ok", 2) == EO_OK);
    }
    for (int i = 0; i < S_REQUESTS; i++) {
        char *corr = NULL;
        int status = -1;
        zframe_t *body = NULL;
        assert(eo_client_recv(client, S_WAIT_MS, &corr, &status, &body) == EO_OK);
        assert(status == EO_OK);
        free(corr);
        zframe_destroy(&body);
    }
    assert(eo_client_pending(client) == 0);

    json_int_t allocated = s_metric(broker, "items", "allocated");
    json_int_t kept = s_metric(broker, "items", "free");
    printf("broker.items: %lld records kept after the backlog was served\n",
           (long long)allocated);
    assert(kept == allocated); /* nothing waits or is in flight */
    assert(allocated <= S_KEPT_MAX);
#if !S_ASAN /* AddressSanitizer's allocator answers mallinfo2 with zeros */
    assert(s_metric(broker, "heap", "in_use_bytes") > 0);
    assert(s_metric(broker, "heap", "free_bytes") >= 0);
#endif

    eo_client_destroy(&client);
    eo_worker_destroy(&worker);
    eo_broker_destroy(&broker);
    printf("broker.items: ok\n");
    return 0;
}
