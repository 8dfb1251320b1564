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
int eo_sms_engine_recv(zactor_t *engine, void (*fn)(void *arg, const char *id, int rc), void *arg);

#endif
