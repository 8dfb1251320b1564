/* adapter: how the sms role talks to one SMS gateway, behind one small vtable (in the
 * manner of Kannel's storage backends for delivery reports).
 *
 * Adapters are named sections under sms/adapters in the configuration, each with a
 * `type` (kannel, http, sim, file) and its own keys; sms/sites/<slug>/adapter picks one
 * per site (sms/sites/default/adapter for the rest). Everything an adapter does runs on
 * the sms actor's thread: the actor polls the descriptors the adapter lists, calls
 * `ready` and `tick`, and the adapter reports back through the sink callbacks, never
 * from another thread. Inbound HTTP (Kannel's get-url and dlr-url, webhooks) is received
 * by the role's endpoint (inbound.h) and handed to the adapter the path names. */
#ifndef EO_SMS_ADAPTER_H
#define EO_SMS_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "eonjena/eonjena.h"

/* One message to send. Strings are borrowed for the duration of the send call. */
typedef struct {
    const char *id;   /* Message.id: the idempotency key, echoed in reports */
    const char *to;   /* E.164 */
    const char *text; /* UTF-8 */
    bool euckr;       /* the site is configured for EUC-KR */
    bool offer;       /* a job offer (the simulator answers only those) */
    const char *code; /* the offer's reply code, "" if none */
} eo_sms_mt_t;

/* One received text. */
typedef struct {
    const char *id;   /* the gateway's id for it (idempotency) */
    const char *from; /* as the gateway gave it; the role normalises */
    const char *text; /* UTF-8 */
} eo_sms_mo_t;

typedef enum {
    EO_DLR_DELIVERED = 1,
    EO_DLR_FAILED = 2,
    EO_DLR_QUEUED = 3, /* at the SMSC */
} eo_dlr_t;

/* What an adapter tells the role. `owner` is the role's pointer given at creation. */
typedef struct {
    void *owner;
    /* The gateway took the message (rc 0), refused it for now (EO_EIO: retry later) or
     * for good (EO_EINVAL). Called exactly once per send. */
    void (*sent)(void *owner, const char *adapter, const char *id, int rc);
    void (*mo)(void *owner, const char *adapter, const eo_sms_mo_t *mo);
    void (*dlr)(void *owner, const char *adapter, const char *id, eo_dlr_t status);
} eo_sms_sink_t;

/* What the role hands to every adapter when it creates it. */
typedef struct {
    const char *name;       /* the section name: "kannel", "sim-demo" */
    zconfig_t *section;     /* sms/adapters/<name> */
    const char *public_url; /* how gateways reach our endpoint: "http://127.0.0.1:8089" */
    eo_clock_t *clock;
    const eo_sms_sink_t *sink;
} eo_sms_adapter_env_t;

typedef struct {
    const char *type;
    /* Build from configuration; NULL with err filled if the section is wrong. */
    void *(*create)(const eo_sms_adapter_env_t *env, char *err, size_t errlen);
    void (*destroy)(void **state_p);
    /* Start sending; the result comes through sink->sent (possibly before this returns).
     * Returns 0, or EO_EOVERLOAD if the adapter cannot take more now (try later). */
    int (*send)(void *state, const eo_sms_mt_t *mt);
    /* Descriptors to wait on (fd, events) into items; returns how many. May be NULL. */
    size_t (*pollfds)(void *state, zmq_pollitem_t *items, size_t max);
    /* After zmq_poll: items are the ones pollfds gave, with revents set. May be NULL. */
    void (*ready)(void *state, zmq_pollitem_t *items, size_t n);
    /* Milliseconds (monotonic, zclock_mono) until tick wants to run, -1 if never. */
    int64_t (*due)(void *state);
    void (*tick)(void *state);
    /* An HTTP request for /<type>/<name>/<what> (what: "mo", "dlr"): args are the query
     * (and form) arguments as a hash of strings, body the raw body (may be empty).
     * Returns an HTTP status (200, or 400 with nothing changed). May be NULL. */
    int (*inbound)(void *state, const char *what, zhash_t *args, const char *body, size_t size);
    /* Sends started and not reported yet (for the bench and for back-pressure). */
    size_t (*inflight)(void *state);
} eo_sms_driver_t;

extern const eo_sms_driver_t eo_sms_driver_sim;
extern const eo_sms_driver_t eo_sms_driver_file;
extern const eo_sms_driver_t eo_sms_driver_kannel;
extern const eo_sms_driver_t eo_sms_driver_http;

/* The driver for a type name, NULL if unknown. */
const eo_sms_driver_t *eo_sms_driver_find(const char *type);

/* --- an adapter instance: a driver, its state, and a rate limit ---------------------- */
typedef struct eo_sms_adapter_t eo_sms_adapter_t;

/* Create the adapter named `env->name` from its section. Common keys: type, rate
 * (messages per second, 0 = unlimited), retries (default 6), backoff_ms (first retry
 * delay, doubled each time; default 500). NULL with err filled on a bad section. */
eo_sms_adapter_t *eo_sms_adapter_new(const eo_sms_adapter_env_t *env, char *err, size_t errlen);
void eo_sms_adapter_destroy(eo_sms_adapter_t **self_p);
const char *eo_sms_adapter_name(eo_sms_adapter_t *self);
const char *eo_sms_adapter_type(eo_sms_adapter_t *self);
/* Queue a message; it goes out when the rate limit allows. A refused send (sink->sent
 * with EO_EIO) is retried with backoff by the adapter up to `retries` times before it
 * is reported. Strings are copied. */
int eo_sms_adapter_send(eo_sms_adapter_t *self, const eo_sms_mt_t *mt);
/* The poll/tick cycle, called by the role's loop. */
size_t eo_sms_adapter_pollfds(eo_sms_adapter_t *self, zmq_pollitem_t *items, size_t max);
void eo_sms_adapter_ready(eo_sms_adapter_t *self, zmq_pollitem_t *items, size_t n);
int64_t eo_sms_adapter_due(eo_sms_adapter_t *self);
void eo_sms_adapter_tick(eo_sms_adapter_t *self);
/* May this caller (its address, the secret it presents) call the adapter back? NULL if
 * so, else why not: "source" (not in allow_from), "key" (missing or wrong
 * inbound_secret), "no_inbound" (the adapter takes no calls). Keys of every adapter that
 * takes calls: inbound_secret (required, >= 16 characters; Kannel sends it as key=...
 * in its get-url and dlr-url), allow_from (default "127.0.0.1, ::1"; eo_addr.h). */
const char *eo_sms_adapter_admit(eo_sms_adapter_t *self, const char *peer, const char *key);
int eo_sms_adapter_inbound(eo_sms_adapter_t *self, const char *what, zhash_t *args,
                           const char *body, size_t size);
/* Messages queued or in flight (not yet reported). */
size_t eo_sms_adapter_pending(eo_sms_adapter_t *self);

void eo_sms_adapter_test(bool verbose);

#endif
