/* client.c: eo_client, the requester side of the broker protocol (docs/protocol.md).
 *
 * A client keeps every request (and event) it sent until the broker answers it, so that
 * nothing it was not answered for is lost: when the broker's epoch changes (it
 * restarted) or the broker falls silent for `liveness` heartbeats (the socket is then
 * made anew), every unanswered item is sent again. Heartbeats are sent only while
 * something is unanswered and only from inside the client's calls, so an idle client
 * costs the broker nothing. Not thread-safe: one thread per client. */
#include "eonjena/eo_broker.h"

#include "broker_priv.h"
#include "eonjena/eo_error.h"

typedef struct {
    char *id;
    char *service;
    char *site;
    zframe_t *body;
    bool event;
    uint64_t epoch; /* the broker epoch it was last sent to; 0 unknown */
} pending_t;

struct eo_client_t {
    char *endpoint;
    char *server_public;
    char *secret;
    zsock_t *sock;
    zhashx_t *pending; /* id -> pending_t */
    uint64_t epoch;    /* the broker's, learnt from its heartbeats */
    int heartbeat_ms;
    int liveness;
    int64_t heard_at;  /* last message from the broker */
    int64_t next_ping; /* when to send the next heartbeat */
    uint64_t counter;  /* for eo_client_request's ids */
    char prefix[24];
};

static void s_pending_free(void **item_p)
{
    pending_t *p = *item_p;
    if (!p) return;
    free(p->id);
    free(p->service);
    free(p->site);
    zframe_destroy(&p->body);
    free(p);
    *item_p = NULL;
}

static int s_connect(eo_client_t *self)
{
    int rc = eo_wire_dealer(&self->sock, self->endpoint, self->server_public, self->secret,
                            100000, "client");
    if (rc != EO_OK) return rc;
    self->heard_at = zclock_mono();
    self->next_ping = 0; /* learn the epoch at once */
    return EO_OK;
}

eo_client_t *eo_client_new(const char *endpoint, const char *curve_server_public,
                           const char *curve_secret)
{
    if (!endpoint) return NULL;
    eo_client_t *self = calloc(1, sizeof *self);
    assert(self);
    self->endpoint = strdup(endpoint);
    self->server_public = curve_server_public ? strdup(curve_server_public) : NULL;
    self->secret = curve_secret ? strdup(curve_secret) : NULL;
    self->pending = zhashx_new();
    zhashx_set_destructor(self->pending, s_pending_free);
    self->heartbeat_ms = 1000;
    self->liveness = 3;
    snprintf(self->prefix, sizeof self->prefix, "c%x.%x", (unsigned)getpid(),
             (unsigned)randof(0x7fffffff));
    if (s_connect(self) != EO_OK) {
        eo_client_destroy(&self);
        return NULL;
    }
    return self;
}

void eo_client_destroy(eo_client_t **self_p)
{
    eo_client_t *self = *self_p;
    if (!self) return;
    zsock_destroy(&self->sock);
    zhashx_destroy(&self->pending);
    free(self->endpoint);
    free(self->server_public);
    free(self->secret);
    free(self);
    *self_p = NULL;
}

void eo_client_set_heartbeat(eo_client_t *self, int heartbeat_ms, int liveness)
{
    if (heartbeat_ms > 0) self->heartbeat_ms = heartbeat_ms;
    if (liveness > 0) self->liveness = liveness;
}

size_t eo_client_pending(eo_client_t *self)
{
    return zhashx_size(self->pending);
}

zsock_t *eo_client_sock(eo_client_t *self)
{
    return self->sock;
}

static int s_send_pending(eo_client_t *self, pending_t *p)
{
    p->epoch = self->epoch;
    void *sock = zsock_resolve(self->sock);
    uint8_t cmd = p->event ? EO_CMD_EVENT : EO_CMD_REQUEST;
    if (zmq_send(sock, EO_WIRE_CLIENT, EO_WIRE_HDR_LEN, ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, &cmd, 1, ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, p->service, strlen(p->service), ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, p->site, strlen(p->site), ZMQ_SNDMORE) < 0 ||
        zmq_send(sock, p->id, strlen(p->id), ZMQ_SNDMORE) < 0 ||
        zframe_send(&p->body, sock, ZFRAME_REUSE) != 0)
        return EO_EIO;
    return EO_OK;
}

static bool s_name_ok(const char *s)
{
    return s && *s && strlen(s) <= EO_WIRE_NAME_MAX;
}

static int s_submit(eo_client_t *self, bool event, const char *service, const char *site,
                    const char *id, const void *body, size_t size)
{
    if (!s_name_ok(service) || !s_name_ok(site) || !s_name_ok(id) || (size && !body))
        return EO_EINVAL;
    pending_t *p = calloc(1, sizeof *p);
    assert(p);
    p->id = strdup(id);
    p->service = strdup(service);
    p->site = strdup(site);
    p->body = zframe_new(body, size);
    p->event = event;
    /* a second send with the same id replaces the first: one answer settles both */
    zhashx_update(self->pending, id, p);
    if (zhashx_size(self->pending) == 1) { /* judge the broker from now on */
        int64_t now = zclock_mono();
        self->heard_at = now;
        self->next_ping = now + self->heartbeat_ms;
    }
    /* a send the socket cannot take now stays pending: the reconnect re-sends it */
    s_send_pending(self, p);
    return EO_OK;
}

int eo_client_send(eo_client_t *self, const char *service, const char *site,
                   const char *corr_id, const void *body, size_t size)
{
    return s_submit(self, false, service, site, corr_id, body, size);
}

int eo_client_event(eo_client_t *self, const char *service, const char *site,
                    const char *event_id, const void *body, size_t size)
{
    return s_submit(self, true, service, site, event_id, body, size);
}

/* Send again what the current broker has not seen. */
static void s_resend(eo_client_t *self, bool all)
{
    for (pending_t *p = zhashx_first(self->pending); p; p = zhashx_next(self->pending))
        if (all || p->epoch != self->epoch) s_send_pending(self, p);
}

static void s_heard_epoch(eo_client_t *self, zframe_t *frame)
{
    uint64_t epoch;
    if (zframe_size(frame) != sizeof epoch) return;
    memcpy(&epoch, zframe_data(frame), sizeof epoch);
    uint64_t old = self->epoch;
    self->epoch = epoch;
    if (old == 0) {
        /* first contact: what we sent so far went to this broker or a later one,
         * and a later one will show another epoch */
        for (pending_t *p = zhashx_first(self->pending); p; p = zhashx_next(self->pending))
            if (p->epoch == 0) p->epoch = epoch;
    } else if (epoch != old) {
        zsys_info("broker client: the broker restarted; re-sending %zu item(s)",
                  zhashx_size(self->pending));
        s_resend(self, false);
    }
}

/* Heartbeat while something is unanswered; a silent broker gets a fresh socket. */
static void s_keepalive(eo_client_t *self, int64_t now)
{
    if (zhashx_size(self->pending) == 0 && self->epoch != 0) {
        self->heard_at = now; /* nothing at stake: do not judge the broker */
        return;
    }
    if (now - self->heard_at > (int64_t)self->heartbeat_ms * self->liveness) {
        zsys_info("broker client: %s silent, reconnecting", self->endpoint);
        if (s_connect(self) == EO_OK) s_resend(self, true);
        return; /* s_connect set next_ping to now */
    }
    if (now >= self->next_ping) {
        eo_wire_sendv(self->sock, NULL, EO_WIRE_CLIENT, EO_CMD_HEARTBEAT, NULL, NULL, 0);
        self->next_ping = now + self->heartbeat_ms;
    }
}

/* Handle one message; 1 with an answer for the caller, 0 for control traffic. */
static int s_handle(eo_client_t *self, zframe_t **f, int n, char **corr_id, int *status,
                    zframe_t **body)
{
    if (n < 2 || zframe_size(f[0]) != EO_WIRE_HDR_LEN || zframe_size(f[1]) != 1 ||
        memcmp(zframe_data(f[0]), EO_WIRE_CLIENT, EO_WIRE_HDR_LEN) != 0)
        return 0;
    int cmd = *zframe_data(f[1]);
    if (cmd == EO_CMD_HEARTBEAT && n == 3) {
        s_heard_epoch(self, f[2]);
        return 0;
    }
    if (n < 3) return 0;
    char *id = zframe_strdup(f[2]);
    pending_t *p = zhashx_lookup(self->pending, id);
    if (!p) { /* answered already (a duplicate after a re-send): drop */
        free(id);
        return 0;
    }
    bool event = p->event;
    if (cmd == EO_CMD_ACK && event) {
        zhashx_delete(self->pending, id);
        free(id);
        return 0;
    }
    if (cmd == EO_CMD_REPLY && !event) {
        zhashx_delete(self->pending, id);
        *corr_id = id;
        *status = EO_OK;
        if (n >= 4) {
            *body = f[3];
            f[3] = NULL;
        } else
            *body = zframe_new(NULL, 0);
        return 1;
    }
    if (cmd == EO_CMD_ERROR && n >= 4) {
        zhashx_delete(self->pending, id);
        *corr_id = id;
        *status = eo_wire_reason_value(f[3]);
        *body = NULL;
        return 1;
    }
    free(id);
    return 0;
}

int eo_client_recv(eo_client_t *self, int timeout_ms, char **corr_id, int *status,
                   zframe_t **body)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono() + timeout_ms;
    zframe_t *f[EO_WIRE_FRAMES_MAX];
    while (true) {
        int n;
        while ((n = eo_wire_recv(self->sock, f, EO_WIRE_FRAMES_MAX)) != 0) {
            if (n < 0) continue;
            self->heard_at = zclock_mono();
            int got = s_handle(self, f, n, corr_id, status, body);
            eo_wire_free(f, n);
            if (got) return EO_OK;
        }
        int64_t now = zclock_mono();
        s_keepalive(self, now);
        if (now >= deadline) return EO_ETIMEOUT;
        if (eo_wire_wait(self->sock, now, deadline, self->next_ping)) return EO_EIO;
    }
}

int eo_client_request(eo_client_t *self, const char *service, const char *site,
                      const void *body, size_t size, int timeout_ms, zframe_t **reply)
{
    return eo_client_request_until(self, service, site, body, size, timeout_ms, NULL, NULL,
                                   reply);
}

/* How often a wait with a stop predicate looks at it. */
#define S_STOP_CHECK_MS 50

int eo_client_request_until(eo_client_t *self, const char *service, const char *site,
                            const void *body, size_t size, int timeout_ms,
                            bool (*stop)(void *arg), void *arg, zframe_t **reply)
{
    char id[48];
    snprintf(id, sizeof id, "%s.%" PRIx64, self->prefix, ++self->counter);
    int rc = eo_client_send(self, service, site, id, body, size);
    if (rc != EO_OK) return rc;
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono() + timeout_ms;
    while (true) {
        if (stop && stop(arg)) {
            zhashx_delete(self->pending, id); /* the owner is stopping: give up on it */
            return EO_ECLOSED;
        }
        int64_t left = deadline == INT64_MAX ? -1 : deadline - zclock_mono();
        if (deadline != INT64_MAX && left < 0) left = 0;
        if (stop && (left < 0 || left > S_STOP_CHECK_MS)) left = S_STOP_CHECK_MS;
        char *corr = NULL;
        int status = EO_OK;
        zframe_t *frame = NULL;
        rc = eo_client_recv(self, (int)left, &corr, &status, &frame);
        if (rc == EO_ETIMEOUT && stop && zclock_mono() < deadline)
            continue; /* a slice ended, not the wait */
        if (rc != EO_OK) {
            zhashx_delete(self->pending, id); /* the caller gave up on it */
            return rc;
        }
        bool mine = streq(corr, id);
        free(corr);
        if (mine) {
            *reply = frame;
            return status;
        }
        zframe_destroy(&frame); /* someone else's: the contract says dropped */
    }
}
