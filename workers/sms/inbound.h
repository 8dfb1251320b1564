/* inbound: the sms role's HTTP endpoint, where gateways call us back.
 *
 *   GET|POST /<type>/<adapter>/<what>?args    e.g. /kannel/kannel/mo?id=..&from=..&text=..
 *
 * libmicrohttpd runs it on its own thread with a large listen backlog (Kannel drops a
 * callback it cannot deliver). Each request is suspended and handed to the role's
 * thread through a socket; the role answers it only after what it carried is durable
 * (or failed: 503 makes Kannel retry), always with an empty body, so an sms-service
 * never sends our answer to the carer as an SMS. Not thread-safe beyond that: one
 * owner thread calls recv/answer/destroy. */
#ifndef EO_SMS_INBOUND_H
#define EO_SMS_INBOUND_H

#include <czmq.h>

typedef struct eo_sms_inbound_t eo_sms_inbound_t;
typedef struct eo_sms_call_t eo_sms_call_t;

/* Listen on "host:port" (port 0: any free one). NULL with err filled on failure. */
eo_sms_inbound_t *eo_sms_inbound_new(const char *listen, int backlog, char *err, size_t errlen);
/* Answers every call still waiting with 503, then stops listening. */
void eo_sms_inbound_destroy(eo_sms_inbound_t **self_p);
/* The port actually bound. */
int eo_sms_inbound_port(eo_sms_inbound_t *self);
/* Readable when a call waits. */
zsock_t *eo_sms_inbound_sock(eo_sms_inbound_t *self);
/* The next call, NULL if none is waiting. */
eo_sms_call_t *eo_sms_inbound_recv(eo_sms_inbound_t *self);
/* Answer (with an empty body) and forget the call. */
void eo_sms_inbound_answer(eo_sms_inbound_t *self, eo_sms_call_t **call_p, int status);

const char *eo_sms_call_type(eo_sms_call_t *call);    /* "kannel" */
const char *eo_sms_call_adapter(eo_sms_call_t *call); /* "kannel" */
const char *eo_sms_call_what(eo_sms_call_t *call);    /* "mo", "dlr" */
zhash_t *eo_sms_call_args(eo_sms_call_t *call);       /* query + form arguments */
const char *eo_sms_call_peer(eo_sms_call_t *call);    /* the caller's address: "127.0.0.1" */
/* The secret the caller presents: the X-Eonjena-Key header, else the argument key
 * (Kannel's get-url can carry it only in the URL); "" if none. */
const char *eo_sms_call_key(eo_sms_call_t *call);
const char *eo_sms_call_body(eo_sms_call_t *call, size_t *size);

#endif
