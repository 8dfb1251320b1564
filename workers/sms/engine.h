/* engine: HTTP requests to a gateway on their own thread (kannel and http adapters).
 *
 * The role's thread commits to LMDB with fsync; if HTTP ran there too, every commit
 * would leave the connections idle. An engine is a zactor running one curl multi handle
 * with `conns` keep-alive connections:
 *   zsock_send(engine, "ssss", "SEND", id, url, body);   // body "": GET, else POST
 *   zsock_recv(engine, "si", &id, &rc);                   // one answer per SEND
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

#endif
