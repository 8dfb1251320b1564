/* engine: HTTP requests to a gateway on their own thread (kannel and http adapters).
 *
 * The role's thread commits to LMDB with fsync; if HTTP ran there too, every commit
 * would leave the connections idle. An engine is a zactor running one curl multi handle
 * with `conns` keep-alive connections. Requests and answers travel in batches (one
 * message per turn of either loop, as every message between threads costs a wake-up):
 *   eo_sms_batch_add(&batch, id, url, body);   // body "": GET, else POST
 *   eo_sms_batch_send(&batch, engine);         // "SEND" id url body id url body ...
 *   eo_sms_engine_recv(engine, fn, arg);       // fn(arg, id, rc) for each answer
 * rc is 0 for HTTP 2xx, EO_EINVAL for 4xx (refused for good), EO_EIO otherwise. */
#ifndef EO_SMS_ENGINE_H
#define EO_SMS_ENGINE_H

#include <czmq.h>

#include "adapter.h"

typedef struct {
    int conns;
    long timeout_ms;
    const char *header;       /* one extra request header ("Authorization: ..."), or NULL */
    const char *content_type; /* for POST bodies, e.g. "application/json" */
} eo_sms_engine_args_t;

/* The args are copied before this returns. */
zactor_t *eo_sms_engine_new(const eo_sms_engine_args_t *args);
/* Queue a request into *batch (made on first use). */
void eo_sms_batch_add(zmsg_t **batch, const char *id, const char *url, const char *body);
/* Send the batch, if any, to the engine. */
void eo_sms_batch_send(zmsg_t **batch, zactor_t *engine);
/* Take every answer waiting; returns how many. */
int eo_sms_engine_recv(zactor_t *engine, void (*fn)(void *arg, const char *id, int rc),
                       void *arg);

/* What the kannel and http adapters share: their engine, this turn's batch and the
 * requests handed to the engine and not answered yet. It is the FIRST member of such an
 * adapter's state, so the functions below serve as its pollfds, ready and tick. */
typedef struct {
    char *name;
    const eo_sms_sink_t *sink;
    zactor_t *engine;
    zmsg_t *batch; /* requests for the engine, sent once per turn */
    int busy;      /* handed to the engine, not answered */
} eo_sms_link_t;

/* Queue one request (body "": GET) and count it busy. */
void eo_sms_link_add(eo_sms_link_t *link, const char *id, const char *url, const char *body);
/* Send this turn's batch; poll the engine while anything is busy. */
size_t eo_sms_link_pollfds(void *state, zmq_pollitem_t *items, size_t max);
/* Hand every answer to the sink as `sent`. */
void eo_sms_link_ready(void *state, zmq_pollitem_t *items, size_t n);
void eo_sms_link_tick(void *state);
/* Requests handed to the engine and not answered yet. */
size_t eo_sms_link_inflight(void *state);

#endif
