/* worker.c: eo_worker, the serving side of the broker protocol (docs/protocol.md).
 *
 * A worker announces (service, sites, window) with READY, then receives up to `window`
 * work items at a time and answers each with REPLY (requests) or ACK (events). It
 * heartbeats the broker and expects the broker's heartbeats; a broker silent for
 * `liveness` heartbeats gets a fresh socket and a new READY, and a broker that does
 * not know us (it restarted) says DISCONNECT, to which we answer READY at once. The
 * heartbeat work happens inside eo_worker_recv: call it at least once per heartbeat
 * interval (a poll timeout or a zloop timer). Not thread-safe: one thread per worker. */
#include "eonjena/eo_broker.h"

#include "broker_priv.h"
#include "eonjena/eo_error.h"

struct eo_worker_t {
    char *endpoint;
    char *service;
    char *sites;
    char *server_public;
    char *secret;
    zsock_t *sock;
    int window;
    int heartbeat_ms;
    int liveness;
    int64_t heard_at;
    int64_t next_ping;
    uint64_t connection; /* bumped per socket, so stale work is not answered on a new one */
};

struct eo_work_t {
    uint64_t seq;
    uint64_t connection;
    bool event;
    char site[EO_WIRE_NAME_MAX + 1];
    char id[EO_WIRE_NAME_MAX + 1];
    zframe_t *body;
};

static int s_send_ready(eo_worker_t *self)
{
    char window[16];
    snprintf(window, sizeof window, "%d", self->window);
    const void *ptrs[] = {self->service, self->sites, window};
    size_t sizes[] = {strlen(self->service), strlen(self->sites), strlen(window)};
    return eo_wire_sendv(self->sock, NULL, EO_WIRE_WORKER, EO_CMD_READY, ptrs, sizes, 3);
}

static int s_connect(eo_worker_t *self)
{
    self->connection++;
    int rc = eo_wire_dealer(&self->sock, self->endpoint, self->server_public, self->secret, 0,
                            "worker");
    if (rc != EO_OK) return rc;
    int64_t now = zclock_mono();
    self->heard_at = now;
    self->next_ping = now + self->heartbeat_ms;
    return s_send_ready(self);
}

static bool s_sites_ok(const char *sites)
{
    if (!sites || !*sites || strlen(sites) >= 4096) return false;
    for (const char *c = sites; *c; c++)
        if (*c != ',' && *c != ' ') return true;
    return false;
}

eo_worker_t *eo_worker_new(const char *endpoint, const char *service, const char *sites,
                           const char *curve_server_public, const char *curve_secret)
{
    if (!endpoint || !service || !*service || strlen(service) > EO_WIRE_NAME_MAX ||
        !s_sites_ok(sites))
        return NULL;
    eo_worker_t *self = calloc(1, sizeof *self);
    assert(self);
    self->endpoint = strdup(endpoint);
    self->service = strdup(service);
    self->sites = strdup(sites);
    self->server_public = curve_server_public ? strdup(curve_server_public) : NULL;
    self->secret = curve_secret ? strdup(curve_secret) : NULL;
    self->window = EO_WORKER_WINDOW;
    self->heartbeat_ms = 1000;
    self->liveness = 3;
    if (s_connect(self) != EO_OK) eo_worker_destroy(&self);
    return self;
}

void eo_worker_destroy(eo_worker_t **self_p)
{
    eo_worker_t *self = *self_p;
    if (!self) return;
    if (self->sock) /* tell the broker now rather than after `liveness` heartbeats */
        eo_wire_sendv(self->sock, NULL, EO_WIRE_WORKER, EO_CMD_DISCONNECT, NULL, NULL, 0);
    zsock_destroy(&self->sock);
    free(self->endpoint);
    free(self->service);
    free(self->sites);
    free(self->server_public);
    free(self->secret);
    free(self);
    *self_p = NULL;
}

void eo_worker_set_heartbeat(eo_worker_t *self, int heartbeat_ms, int liveness)
{
    if (heartbeat_ms > 0) self->heartbeat_ms = heartbeat_ms;
    if (liveness > 0) self->liveness = liveness;
    self->next_ping = zclock_mono() + self->heartbeat_ms;
}

int eo_worker_set_window(eo_worker_t *self, int window)
{
    if (window < 1 || window > 4096) return EO_EINVAL;
    self->window = window;
    return s_send_ready(self); /* a READY again updates the registration */
}

zsock_t *eo_worker_sock(eo_worker_t *self)
{
    return self->sock;
}

static eo_work_t *s_work(eo_worker_t *self, zframe_t **f, int n, int cmd)
{
    if (n != 6 || zframe_size(f[2]) != sizeof(uint64_t)) return NULL;
    eo_work_t *work = calloc(1, sizeof *work);
    assert(work);
    memcpy(&work->seq, zframe_data(f[2]), sizeof work->seq);
    if (!eo_wire_str(f[3], work->site, sizeof work->site, false) ||
        !eo_wire_str(f[4], work->id, sizeof work->id, false)) {
        free(work);
        return NULL;
    }
    work->connection = self->connection;
    work->event = cmd == EO_CMD_EVENT;
    work->body = f[5];
    f[5] = NULL;
    return work;
}

/* One message from the broker: work for the caller, or NULL for control traffic. */
static eo_work_t *s_handle(eo_worker_t *self, zframe_t **f, int n)
{
    if (n < 2 || zframe_size(f[0]) != EO_WIRE_HDR_LEN || zframe_size(f[1]) != 1 ||
        memcmp(zframe_data(f[0]), EO_WIRE_WORKER, EO_WIRE_HDR_LEN) != 0)
        return NULL;
    int cmd = *zframe_data(f[1]);
    if (cmd == EO_CMD_REQUEST || cmd == EO_CMD_EVENT) return s_work(self, f, n, cmd);
    if (cmd == EO_CMD_DISCONNECT)
        s_send_ready(self); /* the broker does not know us (it restarted): register */
    else if (cmd == EO_CMD_ERROR) {
        char *reason = n > 2 ? zframe_strdup(f[2]) : strdup("?");
        zsys_error("broker worker: the broker refused '%s': %s", self->service, reason);
        free(reason);
    }
    return NULL;
}

static void s_keepalive(eo_worker_t *self, int64_t now)
{
    if (now - self->heard_at > (int64_t)self->heartbeat_ms * self->liveness) {
        zsys_info("broker worker: %s silent, reconnecting", self->endpoint);
        s_connect(self);
        return;
    }
    if (now >= self->next_ping) {
        eo_wire_sendv(self->sock, NULL, EO_WIRE_WORKER, EO_CMD_HEARTBEAT, NULL, NULL, 0);
        self->next_ping = now + self->heartbeat_ms;
    }
}

eo_work_t *eo_worker_recv(eo_worker_t *self, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : zclock_mono() + timeout_ms;
    zframe_t *f[EO_WIRE_FRAMES_MAX];
    while (true) {
        int n;
        while ((n = eo_wire_recv(self->sock, f, EO_WIRE_FRAMES_MAX)) != 0) {
            if (n < 0) continue;
            self->heard_at = zclock_mono();
            eo_work_t *work = s_handle(self, f, n);
            eo_wire_free(f, n);
            if (work) {
                if (self->heard_at >= self->next_ping)
                    s_keepalive(self, self->heard_at); /* busy workers heartbeat too */
                return work;
            }
        }
        int64_t now = zclock_mono();
        s_keepalive(self, now);
        if (now >= deadline) return NULL;
        if (eo_wire_wait(self->sock, now, deadline, self->next_ping)) return NULL;
    }
}

const char *eo_work_site(const eo_work_t *work)
{
    return work->site;
}

const char *eo_work_id(const eo_work_t *work)
{
    return work->id;
}

bool eo_work_is_event(const eo_work_t *work)
{
    return work->event;
}

zframe_t *eo_work_body(const eo_work_t *work)
{
    return work->body;
}

int eo_worker_reply(eo_worker_t *self, eo_work_t **work_p, const void *body, size_t size)
{
    eo_work_t *work = *work_p;
    if (!work) return EO_EINVAL;
    int rc = EO_OK;
    /* work from an earlier connection was re-dispatched by the broker already */
    if (work->connection == self->connection) {
        const void *ptrs[] = {&work->seq, body};
        size_t sizes[] = {sizeof work->seq, body ? size : 0};
        rc = eo_wire_sendv(self->sock, NULL, EO_WIRE_WORKER,
                           work->event ? EO_CMD_ACK : EO_CMD_REPLY, ptrs, sizes,
                           work->event ? 1 : 2);
    }
    eo_work_destroy(work_p);
    return rc;
}

int eo_worker_release(eo_worker_t *self, eo_work_t **work_p)
{
    eo_work_t *work = *work_p;
    if (!work) return EO_EINVAL;
    int rc = EO_OK;
    if (work->connection == self->connection) { /* else re-dispatched already */
        const void *ptrs[] = {&work->seq};
        size_t sizes[] = {sizeof work->seq};
        rc = eo_wire_sendv(self->sock, NULL, EO_WIRE_WORKER, EO_CMD_RELEASE, ptrs, sizes, 1);
    }
    eo_work_destroy(work_p);
    return rc;
}

void eo_work_destroy(eo_work_t **work_p)
{
    eo_work_t *work = *work_p;
    if (!work) return;
    zframe_destroy(&work->body);
    free(work);
    *work_p = NULL;
}
