/* broker.c: the eonjena broker actor (issue 4; protocol in docs/protocol.md).
 *
 * One ROUTER socket per security kind (plain for inproc/ipc and tcp without keys, CURVE
 * for tcp when a secret cert is configured) carries clients and workers alike; the
 * header frame tells them apart. Work is routed by (service, site): a request goes to
 * the next live worker of the service that serves the site and has credit left in its
 * window, or waits in that (service, site)'s bounded queue. Every dispatched item stays
 * in its worker's in-flight table until the worker answers or releases it; a worker
 * that stops heartbeating or disconnects gives its in-flight items back to the head of
 * their queues (at-least-once). A released item waits at the head of its queue (a
 * delay doubling per try) and is answered EDEADLETTER after max_tries dispatches. Per
 * message the broker moves frames (libzmq shares their data), never copies a body, and
 * recycles item records from a free list. */
#include "eonjena/eo_broker.h"

#include <jansson.h>

#include "broker_priv.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_heap.h"

#define S_MAX_SOCKS 2
#define S_DRAIN 512        /* messages taken from one socket before looking at the others */
#define S_MAX_QUEUES 65536 /* (service, site) pairs: clients cannot grow the table forever */
/* Item records kept for reuse. A backlog (a matcher stalled, a burst) may take tens of
 * thousands of records; once it is served, more than this many would only hold memory
 * the next burst can allocate again. */
#define S_FREE_ITEMS_MAX 1024

typedef struct s_queue_t queue_t;
typedef struct s_service_t service_t;

typedef struct s_item_t {
    uint64_t seq;     /* the broker's handle, echoed by the worker */
    zframe_t *client; /* requester's routing id */
    int sock;         /* index of the socket the requester is on */
    zframe_t *id;     /* corr id or event id */
    zframe_t *body;
    queue_t *queue;
    bool event;
    int tries; /* dispatches so far */
    int64_t queued_at;
    int64_t dispatched_at;
    int64_t not_before;    /* a released item waits until then at the head of its queue */
    struct s_item_t *next; /* queue or free list */
} item_t;

struct s_queue_t {
    service_t *service;
    char *site;
    item_t *head, *tail;
    size_t size;
    size_t inflight;
    uint64_t received; /* requests and events taken for this (service, site) */
    uint64_t redispatched, rejected, unrouted, released, dead;
};

typedef struct {
    char key[2 + 2 * 256];
    zframe_t *rid;
    int sock;
    service_t *service;
    bool all_sites;
    char **sites;
    int nsites;
    int window;
    item_t **inflight;
    int ninflight;
    int64_t expiry;
} worker_t;

struct s_service_t {
    char *name;
    worker_t **workers;
    size_t nworkers, capworkers, rr;
    queue_t **queues;
    size_t nqueues, capqueues, qrr;
    size_t queued; /* items waiting in all of this service's queues */
};

typedef struct {
    zsock_t *pipe;
    zsock_t *socks[S_MAX_SOCKS];
    int nsocks;
    zactor_t *auth;
    eo_broker_config_t cfg;
    char *curve_secret, *curve_clients;
    zhashx_t *services; /* name -> service_t (owned) */
    zhashx_t *queues;   /* "service\x1fsite" -> queue_t (owned by the service) */
    zhashx_t *workers;  /* key -> worker_t (owned) */
    uint64_t epoch;
    uint64_t seq;
    item_t *free_items;
    size_t n_items;      /* item records allocated: in queues, in flight and free */
    size_t n_free_items; /* of which on the free list (at most S_FREE_ITEMS_MAX) */
    int64_t next_heartbeat;
    int64_t next_due; /* the earliest not_before of a released item; 0: none */
    bool terminated;
} broker_t;

struct eo_broker_t {
    zactor_t *actor;
    char *endpoint;
};

void eo_broker_config_defaults(eo_broker_config_t *cfg)
{
    cfg->heartbeat_ms = 1000;
    cfg->liveness = 3;
    cfg->max_queue = 10000;
    cfg->unrouted_timeout_ms = 5000;
    cfg->max_tries = 5;
    cfg->retry_base_ms = 100;
    cfg->curve_secret = NULL;
    cfg->curve_clients = NULL;
    cfg->allow_plain_tcp = false;
}

/* --- items ------------------------------------------------------------------------ */

static item_t *s_item_new(broker_t *self)
{
    item_t *item = self->free_items;
    if (item) {
        self->free_items = item->next;
        self->n_free_items--;
    } else {
        item = malloc(sizeof *item);
        assert(item);
        self->n_items++;
    }
    memset(item, 0, sizeof *item);
    item->seq = self->seq++;
    return item;
}

static void s_item_free(broker_t *self, item_t *item)
{
    zframe_destroy(&item->client);
    zframe_destroy(&item->id);
    zframe_destroy(&item->body);
    if (self->n_free_items >= S_FREE_ITEMS_MAX) {
        free(item);
        self->n_items--;
        return;
    }
    item->next = self->free_items;
    self->free_items = item;
    self->n_free_items++;
}

static void s_queue_push(queue_t *q, item_t *item, bool at_head)
{
    item->next = NULL;
    if (!q->head)
        q->head = q->tail = item;
    else if (at_head) {
        item->next = q->head;
        q->head = item;
    } else {
        q->tail->next = item;
        q->tail = item;
    }
    q->size++;
    q->service->queued++;
}

static item_t *s_queue_pop(queue_t *q)
{
    item_t *item = q->head;
    if (item) {
        q->head = item->next;
        if (!q->head) q->tail = NULL;
        item->next = NULL;
        q->size--;
        q->service->queued--;
    }
    return item;
}

/* --- services and queues ----------------------------------------------------------- */

static void s_service_destroy(service_t **self_p)
{
    service_t *self = *self_p;
    if (!self) return;
    for (size_t i = 0; i < self->nqueues; i++) {
        queue_t *q = self->queues[i];
        assert(q->size == 0 && q->inflight == 0); /* the broker drained them */
        free(q->site);
        free(q);
    }
    free(self->queues);
    free(self->workers);
    free(self->name);
    free(self);
    *self_p = NULL;
}

static service_t *s_service_require(broker_t *self, const char *name)
{
    service_t *service = zhashx_lookup(self->services, name);
    if (!service) {
        service = calloc(1, sizeof *service);
        assert(service);
        service->name = strdup(name);
        zhashx_insert(self->services, name, service);
    }
    return service;
}

static bool s_queue_exists(broker_t *self, const char *service_name, const char *site)
{
    char key[2 * EO_WIRE_NAME_MAX + 2];
    snprintf(key, sizeof key, "%s\x1f%s", service_name, site);
    return zhashx_lookup(self->queues, key) != NULL;
}

static queue_t *s_queue_require(broker_t *self, const char *service_name, const char *site)
{
    char key[2 * EO_WIRE_NAME_MAX + 2];
    snprintf(key, sizeof key, "%s\x1f%s", service_name, site);
    queue_t *q = zhashx_lookup(self->queues, key);
    if (q) return q;
    service_t *service = s_service_require(self, service_name);
    q = calloc(1, sizeof *q);
    assert(q);
    q->service = service;
    q->site = strdup(site);
    if (service->nqueues == service->capqueues) {
        service->capqueues = service->capqueues ? 2 * service->capqueues : 8;
        service->queues = realloc(service->queues, service->capqueues * sizeof(queue_t *));
        assert(service->queues);
    }
    service->queues[service->nqueues++] = q;
    zhashx_insert(self->queues, key, q);
    return q;
}

/* --- workers ----------------------------------------------------------------------- */

static bool s_worker_serves(const worker_t *w, const char *site)
{
    if (w->all_sites) return true;
    for (int i = 0; i < w->nsites; i++)
        if (streq(w->sites[i], site)) return true;
    return false;
}

static void s_worker_key(char *key, int sock, zframe_t *rid)
{
    static const char hex[] = "0123456789abcdef";
    const byte *data = zframe_data(rid);
    size_t size = zframe_size(rid);
    if (size > 255) size = 255;
    key[0] = (char)('0' + sock);
    for (size_t i = 0; i < size; i++) {
        key[1 + 2 * i] = hex[data[i] >> 4];
        key[2 + 2 * i] = hex[data[i] & 15];
    }
    key[1 + 2 * size] = 0;
}

static void s_worker_free(void **item_p)
{
    worker_t *w = *item_p;
    if (!w) return;
    zframe_destroy(&w->rid);
    for (int i = 0; i < w->nsites; i++)
        free(w->sites[i]);
    free(w->sites);
    free(w->inflight);
    free(w);
    *item_p = NULL;
}

/* --- sending ------------------------------------------------------------------------ */

/* An answer or error to the requester of an item. */
static void s_to_client(broker_t *self, item_t *item, int cmd, zframe_t *body, int err)
{
    zsock_t *sock = self->socks[item->sock];
    if (cmd == EO_CMD_ERROR) {
        const char *reason = eo_wire_reason(err);
        const void *ptrs[] = {zframe_data(item->id), reason};
        size_t sizes[] = {zframe_size(item->id), strlen(reason)};
        eo_wire_sendv(sock, item->client, EO_WIRE_CLIENT, cmd, ptrs, sizes, 2);
    } else {
        zframe_t *frames[] = {item->id, body};
        eo_wire_send(sock, item->client, EO_WIRE_CLIENT, cmd, frames,
                     cmd == EO_CMD_ACK ? 1 : 2);
    }
}

static void s_dispatch(broker_t *self, worker_t *w, item_t *item)
{
    w->inflight[w->ninflight++] = item;
    item->queue->inflight++;
    item->tries++;
    item->dispatched_at = zclock_mono();
    void *sock = zsock_resolve(self->socks[w->sock]);
    zframe_send(&w->rid, sock, ZFRAME_MORE | ZFRAME_REUSE);
    uint8_t cmd = item->event ? EO_CMD_EVENT : EO_CMD_REQUEST;
    zmq_send(sock, EO_WIRE_WORKER, EO_WIRE_HDR_LEN, ZMQ_SNDMORE);
    zmq_send(sock, &cmd, 1, ZMQ_SNDMORE);
    zmq_send(sock, &item->seq, sizeof item->seq, ZMQ_SNDMORE);
    zmq_send(sock, item->queue->site, strlen(item->queue->site), ZMQ_SNDMORE);
    zframe_send(&item->id, sock, ZFRAME_MORE | ZFRAME_REUSE);
    zframe_send(&item->body, sock, ZFRAME_REUSE);
}

static void s_worker_control(broker_t *self, int sock, zframe_t *rid, int cmd,
                             const char *reason)
{
    const void *ptrs[] = {reason};
    size_t sizes[] = {reason ? strlen(reason) : 0};
    eo_wire_sendv(self->socks[sock], rid, EO_WIRE_WORKER, cmd, ptrs, sizes, reason ? 1 : 0);
}

/* --- routing ------------------------------------------------------------------------ */

/* The next worker (round robin) of the service that serves the site and has credit. */
static worker_t *s_pick(service_t *service, const char *site)
{
    size_t n = service->nworkers;
    for (size_t i = 0; i < n; i++) {
        worker_t *w = service->workers[(service->rr + i) % n];
        if (w->ninflight < w->window && s_worker_serves(w, site)) {
            service->rr = (service->rr + i + 1) % n;
            return w;
        }
    }
    return NULL;
}

static bool s_site_served(service_t *service, const char *site)
{
    for (size_t i = 0; i < service->nworkers; i++)
        if (s_worker_serves(service->workers[i], site)) return true;
    return false;
}

static void s_route(broker_t *self, item_t *item)
{
    queue_t *q = item->queue;
    worker_t *w = q->size == 0 ? s_pick(q->service, q->site) : NULL;
    if (w)
        s_dispatch(self, w, item);
    else if (q->size >= self->cfg.max_queue) {
        q->rejected++;
        s_to_client(self, item, EO_CMD_ERROR, NULL, EO_EOVERLOAD);
        s_item_free(self, item);
    } else {
        item->queued_at = zclock_mono();
        s_queue_push(q, item, false);
    }
}

/* Give a worker with credit the oldest work of the queues it serves, round robin. */
static void s_pull(broker_t *self, worker_t *w)
{
    service_t *service = w->service;
    int64_t now = zclock_mono();
    while (w->ninflight < w->window && service->queued > 0) {
        item_t *item = NULL;
        for (size_t i = 0; i < service->nqueues && !item; i++) {
            queue_t *q = service->queues[(service->qrr + i) % service->nqueues];
            /* a released head waits its delay, and keeps its queue's order meanwhile */
            if (q->head && q->head->not_before <= now && s_worker_serves(w, q->site)) {
                item = s_queue_pop(q);
                service->qrr = (service->qrr + i + 1) % service->nqueues;
            }
        }
        if (!item) break;
        s_dispatch(self, w, item);
    }
}

/* Hand queued work of a service to whichever of its workers has credit. */
static void s_pull_all(broker_t *self, service_t *service)
{
    for (size_t i = 0; i < service->nworkers && service->queued > 0; i++)
        s_pull(self, service->workers[i]);
}

/* A worker is gone: its unanswered work goes back to the head of its queues. */
static void s_worker_remove(broker_t *self, worker_t *w, const char *why)
{
    service_t *service = w->service;
    zsys_info("broker: worker %s of '%s' %s, %d item(s) re-dispatched", w->key, service->name,
              why, w->ninflight);
    for (size_t i = 0; i < service->nworkers; i++)
        if (service->workers[i] == w) {
            service->workers[i] = service->workers[--service->nworkers];
            break;
        }
    service->rr = 0;
    for (int i = w->ninflight - 1; i >= 0; i--) {
        item_t *item = w->inflight[i];
        item->queue->inflight--;
        item->queue->redispatched++;
        item->queued_at = zclock_mono();
        s_queue_push(item->queue, item, true);
    }
    w->ninflight = 0;
    zhashx_delete(self->workers, w->key);
    s_pull_all(self, service);
}

/* A worker gave an item back: to the head of its queue after a delay doubling per try,
 * or, tried max_tries times, answered EDEADLETTER (logged and counted). */
static void s_release(broker_t *self, item_t *item)
{
    queue_t *q = item->queue;
    q->released++;
    if (item->tries >= self->cfg.max_tries) {
        q->dead++;
        zsys_warning("broker: '%s' for %s: item %.*s given back %d times, dead-lettered",
                     q->service->name, q->site, (int)zframe_size(item->id),
                     (const char *)zframe_data(item->id), item->tries);
        s_to_client(self, item, EO_CMD_ERROR, NULL, EO_EDEADLETTER);
        s_item_free(self, item);
        return;
    }
    int shift = item->tries - 1 < 16 ? item->tries - 1 : 16;
    int64_t delay = (int64_t)self->cfg.retry_base_ms << shift;
    item->not_before = zclock_mono() + (delay < 60000 ? delay : 60000);
    item->queued_at = zclock_mono();
    s_queue_push(q, item, true);
    if (!self->next_due || item->not_before < self->next_due) self->next_due = item->not_before;
}

/* Released items whose delay is over go to whoever has credit. */
static void s_due(broker_t *self, int64_t now)
{
    if (!self->next_due || now < self->next_due) return;
    self->next_due = 0;
    for (service_t *s = zhashx_first(self->services); s; s = zhashx_next(self->services)) {
        for (size_t i = 0; i < s->nqueues; i++) {
            item_t *head = s->queues[i]->head;
            if (head && head->not_before > now &&
                (!self->next_due || head->not_before < self->next_due))
                self->next_due = head->not_before;
        }
        if (s->queued) s_pull_all(self, s);
    }
}

/* --- messages from clients ------------------------------------------------------------ */

static char *s_metrics(broker_t *self);

/* A request to the broker itself (service EO_BROKER_SELF): its metrics, answered at once
 * as a REPLY (docs/protocol.md, 6), so that any client, the gateway's GET /metrics
 * above all, can read them wherever the broker runs. */
static void s_self_reply(broker_t *self, int sock, zframe_t *client, zframe_t *corr)
{
    char *text = s_metrics(self);
    const void *ptrs[] = {zframe_data(corr), text};
    size_t sizes[] = {zframe_size(corr), strlen(text)};
    eo_wire_sendv(self->socks[sock], client, EO_WIRE_CLIENT, EO_CMD_REPLY, ptrs, sizes, 2);
    free(text);
}

static void s_client_message(broker_t *self, int sock, zframe_t **f, int n)
{
    int cmd = *zframe_data(f[2]);
    if (cmd == EO_CMD_HEARTBEAT) {
        const void *ptrs[] = {&self->epoch};
        size_t sizes[] = {sizeof self->epoch};
        eo_wire_sendv(self->socks[sock], f[0], EO_WIRE_CLIENT, EO_CMD_HEARTBEAT, ptrs, sizes,
                      1);
        return;
    }
    if (cmd != EO_CMD_REQUEST && cmd != EO_CMD_EVENT)
        return; /* DISCONNECT and unknown commands need nothing from us */
    char service[EO_WIRE_NAME_MAX + 1], site[EO_WIRE_NAME_MAX + 1];
    bool valid = n == 7 && zframe_size(f[5]) > 0 && zframe_size(f[5]) <= EO_WIRE_NAME_MAX &&
                 eo_wire_str(f[3], service, sizeof service, false) &&
                 eo_wire_str(f[4], site, sizeof site, false);
    if (!valid) {
        if (n >= 6) { /* we can still tell the sender which request was refused */
            const void *ptrs[] = {zframe_data(f[5]), "EINVAL"};
            size_t sizes[] = {zframe_size(f[5]), 6};
            eo_wire_sendv(self->socks[sock], f[0], EO_WIRE_CLIENT, EO_CMD_ERROR, ptrs, sizes,
                          2);
        }
        return;
    }
    if (zhashx_size(self->queues) >= S_MAX_QUEUES && !s_queue_exists(self, service, site)) {
        const void *ptrs[] = {zframe_data(f[5]), eo_wire_reason(EO_EOVERLOAD)};
        size_t sizes[] = {zframe_size(f[5]), strlen(ptrs[1])};
        eo_wire_sendv(self->socks[sock], f[0], EO_WIRE_CLIENT, EO_CMD_ERROR, ptrs, sizes, 2);
        return;
    }
    if (cmd == EO_CMD_REQUEST && streq(service, EO_BROKER_SELF)) {
        s_self_reply(self, sock, f[0], f[5]);
        return;
    }
    item_t *item = s_item_new(self);
    item->client = f[0];
    item->id = f[5];
    item->body = f[6];
    f[0] = f[5] = f[6] = NULL; /* the item owns them now */
    item->sock = sock;
    item->event = cmd == EO_CMD_EVENT;
    item->queue = s_queue_require(self, service, site);
    item->queue->received++;
    s_route(self, item);
}

/* --- messages from workers ------------------------------------------------------------ */

static int s_parse_sites(worker_t *w, const char *sites)
{
    if (streq(sites, "*")) {
        w->all_sites = true;
        return 0;
    }
    char *copy = strdup(sites);
    for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        if (!*t) continue;
        w->sites = realloc(w->sites, (w->nsites + 1) * sizeof(char *));
        assert(w->sites);
        w->sites[w->nsites++] = strdup(t);
    }
    free(copy);
    return w->nsites > 0 ? 0 : -1;
}

/* Move a re-registering worker's in-flight items to its new record: a READY that only
 * changes the window or the sites must not cost a re-dispatch. */
static void s_worker_replace(broker_t *self, worker_t *old, worker_t *w)
{
    int cap = w->window > old->ninflight ? w->window : old->ninflight;
    w->inflight = realloc(w->inflight, (size_t)cap * sizeof(item_t *));
    assert(w->inflight);
    memcpy(w->inflight, old->inflight, (size_t)old->ninflight * sizeof(item_t *));
    w->ninflight = old->ninflight;
    old->ninflight = 0;
    service_t *s = old->service;
    for (size_t i = 0; i < s->nworkers; i++)
        if (s->workers[i] == old) s->workers[i] = w;
    zhashx_delete(self->workers, old->key);
}

static void s_worker_ready(broker_t *self, int sock, zframe_t **f, int n, const char *key)
{
    char service[EO_WIRE_NAME_MAX + 1], sites[4096], window[16];
    worker_t *old = zhashx_lookup(self->workers, key);
    bool valid = n == 6 && eo_wire_str(f[3], service, sizeof service, false) &&
                 eo_wire_str(f[4], sites, sizeof sites, false) &&
                 eo_wire_str(f[5], window, sizeof window, false);
    int win = valid ? atoi(window) : 0;
    worker_t *w = calloc(1, sizeof *w);
    assert(w);
    /* nobody may serve the broker's own name: it would never get work */
    if (!valid || win < 1 || win > 4096 || streq(service, EO_BROKER_SELF) ||
        s_parse_sites(w, sites) != 0) {
        s_worker_free((void **)&w);
        if (old) s_worker_remove(self, old, "sent a bad READY");
        s_worker_control(self, sock, f[0], EO_CMD_ERROR, "EINVAL");
        return;
    }
    strcpy(w->key, key);
    w->rid = zframe_dup(f[0]);
    w->sock = sock;
    w->window = win;
    w->inflight = calloc((size_t)win, sizeof(item_t *));
    assert(w->inflight);
    w->expiry = zclock_mono() + (int64_t)self->cfg.heartbeat_ms * self->cfg.liveness;
    if (old && streq(old->service->name, service)) {
        w->service = old->service;
        s_worker_replace(self, old, w);
    } else {
        if (old) /* another service: what it held goes to others */
            s_worker_remove(self, old, "re-registered");
        w->service = s_service_require(self, service);
        service_t *s = w->service;
        if (s->nworkers == s->capworkers) {
            s->capworkers = s->capworkers ? 2 * s->capworkers : 8;
            s->workers = realloc(s->workers, s->capworkers * sizeof(worker_t *));
            assert(s->workers);
        }
        s->workers[s->nworkers++] = w;
    }
    zhashx_insert(self->workers, w->key, w);
    zsys_debug("broker: worker %s ready for '%s' sites '%s' window %d", key, service, sites,
               win);
    s_pull(self, w);
}

/* Find and remove an item from a worker's in-flight table by the seq it echoed. */
static item_t *s_take_inflight(worker_t *w, zframe_t *seq)
{
    uint64_t value;
    if (zframe_size(seq) != sizeof value) return NULL;
    memcpy(&value, zframe_data(seq), sizeof value);
    for (int i = 0; i < w->ninflight; i++)
        if (w->inflight[i]->seq == value) {
            item_t *item = w->inflight[i];
            w->inflight[i] = w->inflight[--w->ninflight];
            item->queue->inflight--;
            return item;
        }
    return NULL;
}

static void s_worker_message(broker_t *self, int sock, zframe_t **f, int n)
{
    char key[sizeof(((worker_t *)0)->key)];
    s_worker_key(key, sock, f[0]);
    int cmd = *zframe_data(f[2]);
    if (cmd == EO_CMD_READY) {
        s_worker_ready(self, sock, f, n, key);
        return;
    }
    worker_t *w = zhashx_lookup(self->workers, key);
    if (!w) {
        /* not registered here (we restarted, or it was declared dead): make it READY again */
        if (cmd != EO_CMD_DISCONNECT)
            s_worker_control(self, sock, f[0], EO_CMD_DISCONNECT, NULL);
        return;
    }
    w->expiry = zclock_mono() + (int64_t)self->cfg.heartbeat_ms * self->cfg.liveness;
    if ((cmd == EO_CMD_REPLY || cmd == EO_CMD_ACK) && n >= 4) {
        item_t *item = s_take_inflight(w, f[3]);
        if (item) { /* else a late answer to work already re-dispatched: drop it */
            if (item->event)
                s_to_client(self, item, EO_CMD_ACK, NULL, 0);
            else
                s_to_client(self, item, EO_CMD_REPLY, n >= 5 ? f[4] : NULL, 0);
            s_item_free(self, item);
            s_pull(self, w);
        }
    } else if (cmd == EO_CMD_RELEASE && n >= 4) {
        item_t *item = s_take_inflight(w, f[3]);
        if (item) s_release(self, item);
        s_pull(self, w);
    } else if (cmd == EO_CMD_DISCONNECT)
        s_worker_remove(self, w, "disconnected");
}

/* --- the socket ------------------------------------------------------------------------ */

static void s_message(broker_t *self, int sock, zframe_t **f, int n)
{
    if (n < 3 || zframe_size(f[1]) != EO_WIRE_HDR_LEN || zframe_size(f[2]) != 1)
        return; /* not our protocol: nothing sensible to answer */
    const char *hdr = (const char *)zframe_data(f[1]);
    if (memcmp(hdr, EO_WIRE_CLIENT, EO_WIRE_HDR_LEN) == 0)
        s_client_message(self, sock, f, n);
    else if (memcmp(hdr, EO_WIRE_WORKER, EO_WIRE_HDR_LEN) == 0)
        s_worker_message(self, sock, f, n);
    else if (memcmp(hdr, "EOC", 3) == 0 || memcmp(hdr, "EOW", 3) == 0) {
        /* another version of the protocol: say so in ours, then forget the peer */
        bool client = hdr[2] == 'C';
        const void *ptrs[] = {"", "EVERSION"};
        size_t sizes[] = {0, 8};
        eo_wire_sendv(self->socks[sock], f[0], client ? EO_WIRE_CLIENT : EO_WIRE_WORKER,
                      EO_CMD_ERROR, client ? ptrs : ptrs + 1, client ? sizes : sizes + 1,
                      client ? 2 : 1);
    }
}

static void s_drain(broker_t *self, int sock)
{
    zframe_t *f[EO_WIRE_FRAMES_MAX];
    for (int i = 0; i < S_DRAIN; i++) {
        int n = eo_wire_recv(self->socks[sock], f, EO_WIRE_FRAMES_MAX);
        if (n == 0) break;
        if (n < 0) continue;
        s_message(self, sock, f, n);
        eo_wire_free(f, n);
    }
}

/* --- housekeeping ------------------------------------------------------------------------ */

/* Requests for a (service, site) nobody serves wait unrouted_timeout_ms, then fail. */
static void s_expire_unrouted(broker_t *self, int64_t now)
{
    for (queue_t *q = zhashx_first(self->queues); q; q = zhashx_next(self->queues)) {
        if (!q->head || s_site_served(q->service, q->site)) continue;
        item_t *keep = NULL, *keep_tail = NULL;
        size_t left = 0;
        for (item_t *item = q->head, *next; item; item = next) {
            next = item->next;
            if (item->queued_at + self->cfg.unrouted_timeout_ms <= now) {
                q->unrouted++;
                q->rejected++;
                q->service->queued--;
                s_to_client(self, item, EO_CMD_ERROR, NULL, EO_ENOTFOUND);
                s_item_free(self, item);
                continue;
            }
            item->next = NULL;
            if (keep_tail)
                keep_tail->next = item;
            else
                keep = item;
            keep_tail = item;
            left++;
        }
        q->head = keep;
        q->tail = keep_tail;
        q->size = left;
    }
}

static void s_heartbeat(broker_t *self, int64_t now)
{
    zlistx_t *dead = zlistx_new();
    for (worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        if (w->expiry <= now)
            zlistx_add_end(dead, w);
        else
            s_worker_control(self, w->sock, w->rid, EO_CMD_HEARTBEAT, NULL);
    for (worker_t *w = zlistx_first(dead); w; w = zlistx_next(dead))
        s_worker_remove(self, w, "expired");
    zlistx_destroy(&dead);
}

static int s_tick_ms(const broker_t *self)
{
    int ms = self->cfg.heartbeat_ms;
    if (self->cfg.unrouted_timeout_ms / 4 < ms) ms = self->cfg.unrouted_timeout_ms / 4;
    return ms < 10 ? 10 : ms;
}

/* --- metrics ------------------------------------------------------------------------------ */

static size_t s_live_for(service_t *service, const char *site)
{
    size_t n = 0;
    for (size_t i = 0; i < service->nworkers; i++)
        n += s_worker_serves(service->workers[i], site);
    return n;
}

/* How long the queue's oldest item in flight has waited for its worker, ms (0: none). */
static int64_t s_oldest_inflight(broker_t *self, const queue_t *q, int64_t now)
{
    int64_t oldest = 0;
    for (worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        for (int i = 0; i < w->ninflight; i++)
            if (w->inflight[i]->queue == q && now - w->inflight[i]->dispatched_at > oldest)
                oldest = now - w->inflight[i]->dispatched_at;
    return oldest;
}

static char *s_metrics(broker_t *self)
{
    json_t *root = json_object(), *services = json_object();
    int64_t now = zclock_mono(), oldest_all = 0;
    for (service_t *s = zhashx_first(self->services); s; s = zhashx_next(self->services)) {
        json_t *sites = json_object();
        for (size_t i = 0; i < s->nqueues; i++) {
            queue_t *q = s->queues[i];
            int64_t oldest = s_oldest_inflight(self, q, now);
            if (oldest > oldest_all) oldest_all = oldest;
            json_object_set_new(
                sites, q->site,
                json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "workers_live",
                          (json_int_t)s_live_for(s, q->site), "received",
                          (json_int_t)q->received, "queued", (json_int_t)q->size, "in_flight",
                          (json_int_t)q->inflight, "redispatched", (json_int_t)q->redispatched,
                          "released", (json_int_t)q->released, "dead_lettered",
                          (json_int_t)q->dead, "rejected", (json_int_t)q->rejected, "unrouted",
                          (json_int_t)q->unrouted, "oldest_in_flight_ms", (json_int_t)oldest));
        }
        json_object_set_new(
            services, s->name,
            json_pack("{s:I,s:o}", "workers_live", (json_int_t)s->nworkers, "sites", sites));
    }
    json_object_set_new(root, "services", services);
    json_object_set_new(root, "workers", json_integer((json_int_t)zhashx_size(self->workers)));
    json_object_set_new(root, "oldest_in_flight_ms", json_integer((json_int_t)oldest_all));
    /* memory: the item records (in use and kept for reuse) and the process's heap */
    eo_heap_stats_t heap;
    eo_heap_stats(&heap);
    json_object_set_new(root, "items",
                        json_pack("{s:I,s:I}", "allocated", (json_int_t)self->n_items, "free",
                                  (json_int_t)self->n_free_items));
    json_object_set_new(root, "heap",
                        json_pack("{s:I,s:I}", "in_use_bytes", (json_int_t)heap.in_use,
                                  "free_bytes", (json_int_t)heap.free));
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

/* --- the actor ------------------------------------------------------------------------------
 */

typedef struct {
    char *endpoints;
    eo_broker_config_t cfg;
} args_t;

static int s_socket_for(broker_t *self, const char *endpoint)
{
    bool curve = self->curve_secret && eo_wire_is_tcp(endpoint);
    if (eo_wire_is_tcp(endpoint) && !curve && !eo_endpoint_is_local(endpoint) &&
        !self->cfg.allow_plain_tcp) {
        /* anyone on that network could register as a worker and read requests */
        zsys_error("broker: refusing plain tcp on %s, which is not a loopback address: give "
                   "the broker a CURVE key (curve_secret, `eonjena keygen broker`) or, on a "
                   "trusted network only, broker/allow_plain_tcp = 1",
                   endpoint);
        return -1;
    }
    int index = curve ? 1 : 0;
    if (self->socks[index]) return index;
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    zsock_set_sndhwm(sock, 100000);
    zsock_set_rcvhwm(sock, 100000);
    zsock_set_linger(sock, 0);
    if (curve) {
        zcert_t *cert = zcert_load(self->curve_secret);
        if (!cert || !*zcert_secret_txt(cert) ||
            streq(zcert_secret_txt(cert), "0000000000000000000000000000000000000000")) {
            zsys_error("broker: cannot load the secret certificate '%s'", self->curve_secret);
            zcert_destroy(&cert);
            zsock_destroy(&sock);
            return -1;
        }
        zcert_apply(cert, sock);
        zcert_destroy(&cert);
        zsock_set_curve_server(sock, 1);
        zsock_set_zap_domain(sock, "eonjena");
    }
    self->socks[index] = sock;
    if (index + 1 > self->nsocks) self->nsocks = index + 1;
    return index;
}

static int s_bind_all(broker_t *self, const char *endpoints, char *resolved, size_t cap)
{
    char *copy = strdup(endpoints);
    int rc = 0;
    resolved[0] = 0;
    for (char *save = NULL, *e = strtok_r(copy, ",", &save); e && rc == 0;
         e = strtok_r(NULL, ",", &save)) {
        int index = s_socket_for(self, e);
        if (index < 0) {
            rc = -1;
            break;
        }
        if (zsock_bind(self->socks[index], "%s", e) < 0) {
            zsys_error("broker: cannot bind %s: %s", e, zmq_strerror(zmq_errno()));
            rc = -1;
            break;
        }
        char *last = zsock_last_endpoint(self->socks[index]); /* ours to free */
        if (!resolved[0]) snprintf(resolved, cap, "%s", last ? last : e);
        free(last);
    }
    free(copy);
    return rc;
}

static int s_start_auth(broker_t *self)
{
    if (!self->curve_secret) return 0;
    /* which keys may connect is a decision, never a default: a folder of public certs
     * (an empty one admits nobody) or "*" */
    if (!self->curve_clients || !*self->curve_clients) {
        zsys_error("broker: curve_secret without curve_clients: name the folder of the "
                   "allowed peers' public certificates, or \"*\" to admit any key");
        return -1;
    }
    self->auth = zactor_new(zauth, NULL);
    if (!self->auth) return -1;
    zstr_sendx(self->auth, "CURVE",
               streq(self->curve_clients, "*") ? CURVE_ALLOW_ANY : self->curve_clients, NULL);
    zsock_wait(self->auth);
    return 0;
}

static void s_broker_cleanup(broker_t *self)
{
    for (worker_t *w = zhashx_first(self->workers); w; w = zhashx_next(self->workers))
        for (int i = 0; i < w->ninflight; i++) {
            w->inflight[i]->queue->inflight--;
            s_item_free(self, w->inflight[i]);
        }
    zhashx_destroy(&self->workers);
    for (queue_t *q = zhashx_first(self->queues); q; q = zhashx_next(self->queues)) {
        item_t *item;
        while ((item = s_queue_pop(q)))
            s_item_free(self, item);
    }
    zhashx_destroy(&self->queues);
    zhashx_destroy(&self->services);
    while (self->free_items) {
        item_t *item = self->free_items;
        self->free_items = item->next;
        free(item);
    }
    for (int i = 0; i < S_MAX_SOCKS; i++)
        zsock_destroy(&self->socks[i]);
    zactor_destroy(&self->auth);
}

static void s_pipe_command(broker_t *self)
{
    char *cmd = zstr_recv(self->pipe);
    if (!cmd || streq(cmd, "$TERM"))
        self->terminated = true;
    else if (streq(cmd, "METRICS")) {
        char *text = s_metrics(self);
        zstr_send(self->pipe, text);
        free(text);
    }
    free(cmd);
}

static void s_loop(broker_t *self)
{
    zmq_pollitem_t items[1 + S_MAX_SOCKS];
    int nitems = 0;
    int map[1 + S_MAX_SOCKS];
    items[nitems++] = (zmq_pollitem_t){zsock_resolve(self->pipe), 0, ZMQ_POLLIN, 0};
    for (int i = 0; i < S_MAX_SOCKS; i++)
        if (self->socks[i]) {
            map[nitems] = i;
            items[nitems++] = (zmq_pollitem_t){zsock_resolve(self->socks[i]), 0, ZMQ_POLLIN, 0};
        }
    int tick = s_tick_ms(self);
    int64_t next_tick = zclock_mono() + tick;
    while (!self->terminated) {
        int64_t until =
            self->next_due && self->next_due < next_tick ? self->next_due : next_tick;
        int64_t wait = until - zclock_mono();
        int rc = zmq_poll(items, nitems, wait > 0 ? (long)wait : 0);
        if (rc < 0 && zmq_errno() != EINTR) break;
        if (rc > 0) {
            if (items[0].revents & ZMQ_POLLIN) s_pipe_command(self);
            for (int i = 1; i < nitems; i++)
                if (items[i].revents & ZMQ_POLLIN) s_drain(self, map[i]);
        }
        int64_t now = zclock_mono();
        s_due(self, now);
        if (now >= next_tick) {
            if (now >= self->next_heartbeat) {
                s_heartbeat(self, now);
                self->next_heartbeat = now + self->cfg.heartbeat_ms;
            }
            s_expire_unrouted(self, now);
            next_tick = now + tick;
        }
    }
}

static void s_actor(zsock_t *pipe, void *arg)
{
    args_t *args = arg;
    broker_t self = {.pipe = pipe, .cfg = args->cfg};
    self.curve_secret = args->cfg.curve_secret ? strdup(args->cfg.curve_secret) : NULL;
    self.curve_clients = args->cfg.curve_clients ? strdup(args->cfg.curve_clients) : NULL;
    self.services = zhashx_new();
    zhashx_set_destructor(self.services, (zhashx_destructor_fn *)s_service_destroy);
    self.queues = zhashx_new();
    self.workers = zhashx_new();
    zhashx_set_destructor(self.workers, s_worker_free);
    /* a restarted broker has another epoch, so clients know to re-send */
    do {
        self.epoch = ((uint64_t)randof(0x7fffffff) << 33) ^ ((uint64_t)zclock_time() << 8) ^
                     (uint64_t)getpid();
    } while (self.epoch == 0);
    self.seq = ((uint64_t)randof(0x7fffffff) << 32) | (uint64_t)randof(0x7fffffff);
    char resolved[256];
    bool ok = s_start_auth(&self) == 0 &&
              s_bind_all(&self, args->endpoints, resolved, sizeof resolved) == 0;
    zsock_signal(pipe, 0); /* zactor_new waits for this; then our own handshake */
    zsock_send(pipe, "is", ok ? 0 : -1, ok ? resolved : "");
    if (ok) {
        self.next_heartbeat = zclock_mono() + self.cfg.heartbeat_ms;
        s_loop(&self);
    }
    s_broker_cleanup(&self);
    free(self.curve_secret);
    free(self.curve_clients);
}

eo_broker_t *eo_broker_new(const char *endpoints, const eo_broker_config_t *cfg)
{
    if (!endpoints || !*endpoints) return NULL;
    args_t args = {.endpoints = (char *)endpoints};
    if (cfg)
        args.cfg = *cfg;
    else
        eo_broker_config_defaults(&args.cfg);
    if (args.cfg.heartbeat_ms < 1 || args.cfg.liveness < 1 || args.cfg.max_queue < 1 ||
        args.cfg.unrouted_timeout_ms < 0 || args.cfg.max_tries < 1 ||
        args.cfg.retry_base_ms < 0) {
        zsys_error("broker: bad configuration (heartbeat, liveness, max_queue and max_tries "
                   "must be > 0)");
        return NULL;
    }
    eo_broker_t *self = calloc(1, sizeof *self);
    assert(self);
    self->actor = zactor_new(s_actor, &args);
    int rc = -1;
    char *resolved = NULL;
    if (self->actor) zsock_recv(self->actor, "is", &rc, &resolved);
    if (rc != 0) {
        free(resolved);
        eo_broker_destroy(&self);
        return NULL;
    }
    self->endpoint = resolved;
    return self;
}

void eo_broker_destroy(eo_broker_t **self_p)
{
    eo_broker_t *self = *self_p;
    if (!self) return;
    zactor_destroy(&self->actor);
    free(self->endpoint);
    free(self);
    *self_p = NULL;
}

const char *eo_broker_endpoint(eo_broker_t *self)
{
    return self->endpoint;
}

char *eo_broker_metrics(eo_broker_t *self)
{
    zstr_send(self->actor, "METRICS");
    return zstr_recv(self->actor);
}
