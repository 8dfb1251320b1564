/* eo_broker, eo_client, eo_worker: service- and site-routed messaging (issue 4; the wire
 * protocol is docs/protocol.md).
 *
 * CONTRACT used by every role: a client sends a request (or a one-way event) for a
 * (service, site); the broker hands it to a live worker of that service that serves the
 * site, load-balancing among several; the worker's reply comes back to the client with
 * the client's correlation id. A worker that cannot decide an item gives it back
 * (eo_worker_release): it is tried again, later, and after max_tries its sender gets
 * EO_EDEADLETTER. Work a dead or disconnected worker held goes to another worker.
 * Heartbeats, reconnection after a broker restart and re-dispatch are inside these
 * classes: callers only send, poll the socket, receive and reply or release. Receivers
 * must be idempotent by id (at-least-once).
 * None of these objects is thread-safe: use each from one thread (one actor). */
#ifndef EO_BROKER_H
#define EO_BROKER_H

#include <czmq.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int heartbeat_ms;          /* default 1000 */
    int liveness;              /* missed heartbeats before a peer is dead; default 3 */
    size_t max_queue;          /* queued requests per (service, site); default 10000 */
    int unrouted_timeout_ms;   /* wait for a worker of an unserved service; default 5000 */
    int max_tries;             /* dispatches of one item before it is dead-lettered; 5 */
    int retry_base_ms;         /* a released item waits this, doubling per try; 100 */
    const char *curve_secret;  /* broker's secret cert file (zcert); NULL: plain */
    const char *curve_clients; /* folder of allowed clients' public certs (an empty one
                                * admits nobody); "*": any key. Needed with a secret */
    bool allow_plain_tcp;      /* bind plain tcp on a non-loopback address (a trusted
                                * network only); false: refused, CURVE is required */
} eo_broker_config_t;

/* Does every endpoint of the comma-separated list stay on this host (inproc://, ipc://,
 * tcp:// on a loopback address)? A plain tcp link that may leave the host is refused by
 * the broker and by the roles unless configured otherwise. */
bool eo_endpoint_is_local(const char *endpoints);

/* Sets every field to its default. */
void eo_broker_config_defaults(eo_broker_config_t *cfg);

/* --- the broker ----------------------------------------------------------------- */
typedef struct eo_broker_t eo_broker_t;

/* Start a broker actor bound to `endpoints` (comma-separated; tcp://, ipc://, inproc://).
 * cfg NULL means defaults. NULL if an endpoint cannot be bound (logged). */
eo_broker_t *eo_broker_new(const char *endpoints, const eo_broker_config_t *cfg);
void eo_broker_destroy(eo_broker_t **self_p);
/* The service name the broker answers itself: a REQUEST for (EO_BROKER_SELF, any site)
 * gets eo_broker_metrics' text as its REPLY, from the broker, without a worker. */
#define EO_BROKER_SELF "eo.broker"
/* The metrics as a JSON object text: per service and site the live workers, items
 * received, queued, in flight, re-dispatched (a worker died), released (a worker gave it back),
 * dead-lettered, rejected and unrouted, and the age of the oldest item in flight
 * (oldest_in_flight_ms; also over all queues at the top level). Caller frees. */
char *eo_broker_metrics(eo_broker_t *self);
/* The first endpoint as bound (a tcp "*" port resolved), for tests and logs. */
const char *eo_broker_endpoint(eo_broker_t *self);

/* --- clients ---------------------------------------------------------------------- */
typedef struct eo_client_t eo_client_t;

/* Connect to a broker. curve_server_public: the broker's public cert file for tcp with
 * CURVE (NULL: plain); curve_secret: this client's cert file (NULL: an ephemeral one). */
eo_client_t *eo_client_new(const char *endpoint, const char *curve_server_public,
                           const char *curve_secret);
void eo_client_destroy(eo_client_t **self_p);
/* Readable when a reply may be waiting (for zpoller / zloop). The socket is made anew
 * when the broker falls silent, so look it up again after each eo_client_recv. */
zsock_t *eo_client_sock(eo_client_t *self);
/* Heartbeat interval and liveness towards the broker (defaults 1000 ms, 3); match the
 * broker's. Heartbeats and re-sends happen inside eo_client_recv: a client that waits
 * in its own poller should call eo_client_recv(self, 0, ...) at least once per
 * heartbeat while requests are unanswered. */
void eo_client_set_heartbeat(eo_client_t *self, int heartbeat_ms, int liveness);
/* Requests and events sent and not yet answered (kept for re-sending). */
size_t eo_client_pending(eo_client_t *self);

/* Send a request; its reply comes back through eo_client_recv with the same corr_id.
 * 0, or EO_EINVAL for a bad argument. The body is copied; the request is kept (and
 * sent again after a broker restart or reconnect) until it is answered, so a send the
 * socket cannot take at once (no broker yet) still returns 0. */
int eo_client_send(eo_client_t *self, const char *service, const char *site,
                   const char *corr_id, const void *body, size_t size);
/* Send a one-way event (no reply; the broker still re-dispatches it until a worker
 * has acknowledged it). */
int eo_client_event(eo_client_t *self, const char *service, const char *site,
                    const char *event_id, const void *body, size_t size);
/* Receive one reply, waiting up to timeout_ms (0: do not wait, -1: forever).
 * On return 0: *corr_id (caller frees), *status EO_OK with *body the worker's reply
 * (caller destroys), or a broker error status (EO_EOVERLOAD, EO_ENOTFOUND for nobody
 * serving, EO_ETIMEOUT) with *body NULL. EO_ETIMEOUT if nothing arrived. */
int eo_client_recv(eo_client_t *self, int timeout_ms, char **corr_id, int *status,
                   zframe_t **body);
/* Send and wait for the reply to that request (replies to other ids are dropped).
 * Returns EO_OK with *reply, or the error status. */
int eo_client_request(eo_client_t *self, const char *service, const char *site,
                      const void *body, size_t size, int timeout_ms, zframe_t **reply);
/* The same, giving up early with EO_ECLOSED as soon as stop(arg) says true (looked at
 * every 50 ms): a server that is stopping does not wait out its callers' timeouts. */
int eo_client_request_until(eo_client_t *self, const char *service, const char *site,
                            const void *body, size_t size, int timeout_ms,
                            bool (*stop)(void *arg), void *arg, zframe_t **reply);

/* --- workers ---------------------------------------------------------------------- */
typedef struct eo_worker_t eo_worker_t;
#define EO_WORKER_WINDOW 8 /* a new worker's window (eo_worker_set_window) */
typedef struct eo_work_t eo_work_t;

/* Serve `service` for `sites` ("suwon,guri" or "*" for all). Connects, sends READY,
 * heartbeats and reconnects by itself. */
eo_worker_t *eo_worker_new(const char *endpoint, const char *service, const char *sites,
                           const char *curve_server_public, const char *curve_secret);
void eo_worker_destroy(eo_worker_t **self_p);
/* Readable when work may be waiting (for zpoller / zloop). The socket is made anew
 * when the broker falls silent, so look it up again after each eo_worker_recv.
 * Heartbeats happen inside eo_worker_recv: call it at least once per heartbeat. */
zsock_t *eo_worker_sock(eo_worker_t *self);
/* Heartbeat interval and liveness (defaults 1000 ms, 3); match the broker's. */
void eo_worker_set_heartbeat(eo_worker_t *self, int heartbeat_ms, int liveness);
/* How many work items the broker may hand this worker before it answers (default
 * EO_WORKER_WINDOW;
 * more hides the round trip to the broker, and on a crash more is re-dispatched).
 * 0 or EO_EINVAL. */
int eo_worker_set_window(eo_worker_t *self, int window);
/* The next work item, waiting up to timeout_ms (0: do not wait, -1: forever); NULL if
 * none arrived (heartbeats and control traffic are handled inside). */
eo_work_t *eo_worker_recv(eo_worker_t *self, int timeout_ms);
const char *eo_work_site(const eo_work_t *work);
const char *eo_work_id(const eo_work_t *work); /* corr_id or event id */
bool eo_work_is_event(const eo_work_t *work);
zframe_t *eo_work_body(const eo_work_t *work); /* borrowed */
/* Answer a request (or acknowledge an event: body ignored), destroying *work_p. */
int eo_worker_reply(eo_worker_t *self, eo_work_t **work_p, const void *body, size_t size);
/* Give a work item back unanswered (RELEASE), destroying *work_p: the broker puts it at
 * the head of its queue, after a delay that doubles with each try, and answers its
 * sender with EO_EDEADLETTER once it was tried max_tries times. A worker that cannot
 * decide an item now (its store failed) releases it, so its credit comes back. */
int eo_worker_release(eo_worker_t *self, eo_work_t **work_p);
/* Forget a work item without a word: it stays in the broker's in-flight table, taking
 * one of this worker's window, until the worker dies or disconnects and the broker
 * re-dispatches it. Only for a worker that is stopping; otherwise release it. */
void eo_work_destroy(eo_work_t **work_p);

void eo_broker_test(bool verbose);

#endif
