/* inbound.c: the sms role's HTTP endpoint (see inbound.h). */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "eonjena/eonjena.h"
#include "inbound.h"

#define S_BODY_MAX 16384

struct eo_sms_call_t {
    struct MHD_Connection *conn;
    char type[32], adapter[64], what[16];
    char peer[INET6_ADDRSTRLEN]; /* the caller's address, for the adapter's allowlist */
    char *key;                   /* X-Eonjena-Key, if sent */
    zhash_t *args;
    char *body;
    size_t size;
    bool bad;       /* malformed path or oversize body: answered at once */
    bool submitted; /* handed to the owner, connection suspended */
    int status;     /* set by the owner before it resumes the connection */
};

struct eo_sms_inbound_t {
    struct MHD_Daemon *daemon;
    zsock_t *push;          /* used only on MHD's one polling thread */
    zsock_t *pull;          /* the owner's side */
    atomic_int outstanding; /* calls pushed and not answered yet */
    atomic_bool closing;
    int port;
};

static enum MHD_Result s_collect(void *arg, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    zhash_t *args = arg;
    zhash_update(args, key, (void *)(value ? value : ""));
    return MHD_YES;
}

/* /<type>/<adapter>/<what>: three short segments of [a-z0-9_-]. */
static bool s_path(const char *url, eo_sms_call_t *call)
{
    char t[32], a[64], w[16];
    int end = 0;
    if (sscanf(url, "/%31[a-z0-9_-]/%63[a-z0-9_.-]/%15[a-z]%n", t, a, w, &end) != 3 || url[end])
        return false;
    snprintf(call->type, sizeof call->type, "%s", t);
    snprintf(call->adapter, sizeof call->adapter, "%s", a);
    snprintf(call->what, sizeof call->what, "%s", w);
    return true;
}

/* The numeric address of the connection's peer ("" if unknown). */
static void s_peer(struct MHD_Connection *conn, char *out, size_t size)
{
    *out = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)size);
}

static enum MHD_Result s_respond(struct MHD_Connection *conn, int status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *data,
                                size_t *data_size, void **con_cls)
{
    (void)version;
    eo_sms_inbound_t *self = cls;
    eo_sms_call_t *call = *con_cls;
    if (!call) { /* first call for this request: headers only */
        call = calloc(1, sizeof *call);
        if (!call) return MHD_NO;
        call->conn = conn;
        call->args = zhash_new();
        zhash_autofree(call->args);
        call->bad = !s_path(url, call) || !(streq(method, "GET") || streq(method, "POST"));
        s_peer(conn, call->peer, sizeof call->peer);
        const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Eonjena-Key");
        call->key = key ? strdup(key) : NULL;
        *con_cls = call;
        return MHD_YES;
    }
    if (*data_size) { /* a piece of the body */
        if (call->size + *data_size > S_BODY_MAX)
            call->bad = true;
        else {
            char *grown = realloc(call->body, call->size + *data_size + 1);
            if (!grown) return MHD_NO;
            call->body = grown;
            memcpy(call->body + call->size, data, *data_size);
            call->size += *data_size;
            call->body[call->size] = 0;
        }
        *data_size = 0;
        return MHD_YES;
    }
    if (call->submitted) /* resumed by the owner: it set the status */
        return s_respond(conn, call->status);
    if (call->bad) return s_respond(conn, 400);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, s_collect, call->args);
    atomic_fetch_add(&self->outstanding, 1);
    if (atomic_load(&self->closing)) {
        atomic_fetch_sub(&self->outstanding, 1);
        return s_respond(conn, 503);
    }
    call->submitted = true;
    MHD_suspend_connection(conn);
    zsock_send(self->push, "p", call);
    return MHD_YES;
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    eo_sms_call_t *call = *con_cls;
    if (call) {
        zhash_destroy(&call->args);
        free(call->key);
        free(call->body);
        free(call);
        *con_cls = NULL;
    }
}

eo_sms_inbound_t *eo_sms_inbound_new(const char *listen, int backlog, char *err, size_t errlen)
{
    char host[64];
    int port = -1, end = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET};
    if (!listen || sscanf(listen, "%63[^:]:%d%n", host, &port, &end) != 2 || listen[end] ||
        port < 0 || port > 65535 || inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, errlen, "sms/listen: '%s' is not <IPv4 address>:<port>",
                 listen ? listen : "");
        return NULL;
    }
    addr.sin_port = htons((uint16_t)port);
    eo_sms_inbound_t *self = calloc(1, sizeof *self);
    assert(self);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "inproc://sms-inbound-%p", (void *)self);
    self->pull = zsock_new_pull(endpoint);
    self->push = zsock_new_push(endpoint);
    assert(self->pull && self->push);
    zsock_set_sndhwm(self->push, 0); /* never drop a call: the count bounds them */
    zsock_set_rcvhwm(self->pull, 0);
    self->daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, s_handle, self, MHD_OPTION_EXTERNAL_LOGGER, eo_log_mhd, "sms",
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)(backlog > 0 ? backlog : 4096), MHD_OPTION_NOTIFY_COMPLETED, s_completed,
        self, MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 4000u,
        MHD_OPTION_END);
    if (!self->daemon) {
        snprintf(err, errlen, "sms/listen: cannot listen on %s (port in use?)", listen);
        eo_sms_inbound_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : port;
    return self;
}

void eo_sms_inbound_destroy(eo_sms_inbound_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_sms_inbound_t *self = *self_p;
    if (self->daemon) {
        /* suspended connections must be resumed before MHD stops: answer them all */
        atomic_store(&self->closing, true);
        int64_t until = zclock_mono() + 5000;
        while (atomic_load(&self->outstanding) > 0 && zclock_mono() < until) {
            eo_sms_call_t *call = NULL;
            zmq_pollitem_t item = {zsock_resolve(self->pull), 0, ZMQ_POLLIN, 0};
            if (zmq_poll(&item, 1, 10) == 1 && zsock_recv(self->pull, "p", &call) == 0 && call)
                eo_sms_inbound_answer(self, &call, 503);
        }
        MHD_stop_daemon(self->daemon);
    }
    zsock_destroy(&self->push);
    zsock_destroy(&self->pull);
    free(self);
    *self_p = NULL;
}

int eo_sms_inbound_port(eo_sms_inbound_t *self)
{
    return self->port;
}

zsock_t *eo_sms_inbound_sock(eo_sms_inbound_t *self)
{
    return self->pull;
}

eo_sms_call_t *eo_sms_inbound_recv(eo_sms_inbound_t *self)
{
    if (!(zsock_events(self->pull) & ZMQ_POLLIN)) return NULL;
    eo_sms_call_t *call = NULL;
    if (zsock_recv(self->pull, "p", &call) != 0) return NULL;
    return call;
}

void eo_sms_inbound_answer(eo_sms_inbound_t *self, eo_sms_call_t **call_p, int status)
{
    eo_sms_call_t *call = *call_p;
    if (!call) return;
    call->status = status;
    *call_p = NULL;
    atomic_fetch_sub(&self->outstanding, 1);
    MHD_resume_connection(call->conn); /* MHD calls s_handle again, which answers */
}

const char *eo_sms_call_type(eo_sms_call_t *call)
{
    return call->type;
}
const char *eo_sms_call_adapter(eo_sms_call_t *call)
{
    return call->adapter;
}
const char *eo_sms_call_what(eo_sms_call_t *call)
{
    return call->what;
}
zhash_t *eo_sms_call_args(eo_sms_call_t *call)
{
    return call->args;
}
const char *eo_sms_call_peer(eo_sms_call_t *call)
{
    return call->peer;
}

const char *eo_sms_call_key(eo_sms_call_t *call)
{
    if (call->key) return call->key;
    const char *arg = zhash_lookup(call->args, "key");
    return arg ? arg : "";
}

const char *eo_sms_call_body(eo_sms_call_t *call, size_t *size)
{
    *size = call->size;
    return call->body ? call->body : "";
}
