/* gateway.c: the HTTP server and its actor (see gateway.h). Routes are in routes.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "eonjena/eo_addr.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_rules.h"
#include "gateway.h"
#include "auth.h"
#include "counts.h"
#include "events.h"
#include "webhooks.h"
#include "eonjena/eo_provider.h"
#include "limit.h"
#include "routes.h"

#define S_DEFAULT_MAX_BODY 16384
#define S_DRAIN_MS 1000 /* on stop, how long answers in progress may take to leave */

struct eo_gateway_t {
    const eo_role_args_t *args;
    struct MHD_Daemon *daemon;
    size_t max_body;
    int timeout_ms;
    pthread_key_t client_key; /* each HTTP thread's own eo_client_t */
    eo_calendar_t *calendar;
    eo_rules_t *rules;
    eo_providers_t *providers;
    pthread_mutex_t refresh_lock; /* one thread at a time re-reads the rules files */
    eo_auth_t *auth;
    eo_limiter_t *per_key;     /* requests/s of each credential (gateway/rate_per_key) */
    eo_limiter_t *per_address; /* of each anonymous address (gateway/rate_anonymous) */
    char *tls_cert, *tls_key;  /* PEM texts (gateway/tls_cert, tls_key); NULL: plain */
    char *trusted_proxies;     /* eo_addr list whose X-Forwarded-For is believed */
    bool secure_cookies;       /* TLS here or at the proxy (gateway/cookie_secure) */
    atomic_bool stopping;      /* set first thing on stop: waits for workers give up */
    atomic_int active;         /* requests between their headers and their completion */
    char cors_origin[256];     /* the one origin allowed to call from a browser, "" none */
    bool access_log;           /* one line per request (gateway/access_log) */
    eo_http_counts_t *counts;  /* requests by method, route, status (GET /metrics) */
    eo_events_hub_t *events;   /* the Server-Sent Events streams (events.h) */
    eo_webhooks_t *webhooks;   /* clients' webhooks of the change feed (webhooks.h) */
};

/* Per-connection state while a body arrives. */
typedef struct {
    char *body;
    size_t len;
    bool too_large;
    int64_t started; /* zclock_usecs when the headers came */
    bool ambiguous;  /* two Content-Length headers, or one with Transfer-Encoding */
} s_upload_t;

/* Count the framing headers: a request that names its length twice (or a length and a
 * chunked encoding) may be read differently by a proxy in front and by us (request
 * smuggling); it is refused. */
static enum MHD_Result s_count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *value)
{
    (void)kind, (void)value;
    int *n = cls;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        n[0]++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        n[1]++;
    return MHD_YES;
}

static void s_client_free(void *client)
{
    eo_client_t *c = client;
    eo_client_destroy(&c);
}

/* The calling thread's broker client (one per HTTP thread). NULL if it cannot connect. */
static eo_client_t *s_client(eo_gateway_t *self)
{
    eo_client_t *client = pthread_getspecific(self->client_key);
    if (!client) {
        client = eo_client_new(self->args->broker, self->args->curve_server_public,
                               self->args->curve_secret);
        if (client) pthread_setspecific(self->client_key, client);
    }
    return client;
}

eo_rules_t *eo_gateway_rules(eo_gateway_t *self)
{
    /* Operators edit the data files without a restart: pick changes up here. */
    pthread_mutex_lock(&self->refresh_lock);
    eo_rules_refresh(self->rules);
    pthread_mutex_unlock(&self->refresh_lock);
    return self->rules;
}

eo_calendar_t *eo_gateway_calendar(eo_gateway_t *self)
{
    eo_gateway_rules(self);
    return self->calendar;
}

eo_providers_t *eo_gateway_providers(eo_gateway_t *self)
{
    return self->providers;
}

bool eo_gateway_secure_cookies(eo_gateway_t *self)
{
    return self->secure_cookies;
}

eo_auth_t *eo_gateway_auth(eo_gateway_t *self)
{
    return self->auth;
}

const char *eo_gateway_header(const eo_http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

void eo_http_header(eo_http_reply_t *reply, const char *name, const char *value)
{
    if (reply->n_headers >= EO_HTTP_HEADERS_MAX) return;
    reply->header_names[reply->n_headers] = name;
    snprintf(reply->header_values[reply->n_headers], sizeof reply->header_values[0], "%s",
             value);
    reply->n_headers++;
}

json_t *eo_http_body(const eo_http_request_t *req, eo_http_reply_t *reply,
                     const eo_field_t *spec)
{
    eo_problems_t p = {0};
    json_t *root = eo_body_parse(req->body, spec, &p);
    if (root && p.n == 0) return root;
    json_decref(root);
    eo_http_problems(reply, 400, &p);
    return NULL;
}

const eo_role_args_t *eo_gateway_args(eo_gateway_t *self)
{
    return self->args;
}

static bool s_stopping(void *arg)
{
    eo_gateway_t *self = arg;
    return atomic_load(&self->stopping);
}

/* Each of n requests to (service, sites[i]) at once: bodies[i] of sizes[i], or the one
 * body for all when same. */
static int s_call_many(eo_gateway_t *self, const char *service, const char *const *sites,
                       size_t n, const void *const *bodies, const size_t *sizes, bool same,
                       int timeout_ms, zframe_t **replies)
{
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    eo_client_t *client = s_client(self);
    if (!client) return EO_EIO;
    /* one correlation id per call: a late answer to an earlier call is never taken */
    static atomic_uint s_round;
    unsigned round = atomic_fetch_add(&s_round, 1);
    char corr[48];
    for (size_t i = 0; i < n; i++) {
        snprintf(corr, sizeof corr, "all.%u.%zu", round, i);
        eo_client_send(client, service, sites[i], corr, bodies[same ? 0 : i],
                       sizes[same ? 0 : i]);
    }
    size_t left = n;
    int64_t until = zclock_mono() + timeout_ms;
    while (left && zclock_mono() < until && !atomic_load(&self->stopping)) {
        char *id = NULL;
        int status;
        zframe_t *reply = NULL;
        if (eo_client_recv(client, 50, &id, &status, &reply) != EO_OK) continue;
        unsigned r;
        size_t i;
        if (id && sscanf(id, "all.%u.%zu", &r, &i) == 2 && r == round && i < n && !replies[i]) {
            left--;
            replies[i] = status == EO_OK ? reply : NULL;
            if (status == EO_OK) reply = NULL;
        }
        free(id);
        zframe_destroy(&reply);
    }
    return EO_OK;
}

int eo_gateway_call_all(eo_gateway_t *self, const char *service, const char *const *sites,
                        size_t n, const void *body, size_t size, int timeout_ms,
                        zframe_t **replies)
{
    return s_call_many(self, service, sites, n, &body, &size, true, timeout_ms, replies);
}

int eo_gateway_call_each(eo_gateway_t *self, const char *service, const char *const *sites,
                         size_t n, const void *const *bodies, const size_t *sizes,
                         int timeout_ms, zframe_t **replies)
{
    return s_call_many(self, service, sites, n, bodies, sizes, false, timeout_ms, replies);
}

bool eo_gateway_stopping(eo_gateway_t *self)
{
    return atomic_load(&self->stopping);
}

int eo_gateway_probe(eo_gateway_t *self, const char *service, const char *const *sites,
                     size_t n, const void *body, size_t size, int timeout_ms, bool *answered)
{
    zframe_t **replies = calloc(n ? n : 1, sizeof *replies);
    if (!replies) return EO_ENOMEM;
    int rc = eo_gateway_call_all(self, service, sites, n, body, size, timeout_ms, replies);
    for (size_t i = 0; i < n; i++) {
        answered[i] = replies[i] != NULL;
        zframe_destroy(&replies[i]);
    }
    free(replies);
    return rc;
}

size_t eo_gateway_sites(eo_gateway_t *self, const char **out, size_t max)
{
    const eo_role_args_t *args = self->args;
    size_t n = 0;
    for (size_t i = 0; args->dongs && i < eo_dongs_site_count(args->dongs) && n < max; i++) {
        const char *slug = eo_dongs_site(args->dongs, (int)i)->slug;
        const char *list = args->sites ? args->sites : "*";
        size_t len = strlen(slug);
        bool served = streq(list, "*");
        for (const char *p = list; !served && (p = strstr(p, slug)); p += len)
            served = (p == list || p[-1] == ',') && (p[len] == 0 || p[len] == ',');
        if (served) out[n++] = slug;
    }
    return n;
}

int eo_gateway_timeout_ms(eo_gateway_t *self)
{
    return self->timeout_ms;
}

int eo_gateway_call(eo_gateway_t *self, const char *service, const char *site, const void *body,
                    size_t size, zframe_t **reply)
{
    eo_client_t *client = s_client(self);
    if (!client) return EO_EIO;
    return eo_client_request_until(client, service, site, body, size, self->timeout_ms,
                                   s_stopping, self, reply);
}

const char *eo_gateway_query_arg(const eo_http_request_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

void eo_http_error_field(eo_http_reply_t *reply, int status, const char *code, const char *ko,
                         const char *en, const char *field)
{
    reply->status = status;
    json_decref(reply->json);
    reply->json =
        json_pack("{s:{s:s,s:s,s:s,s:o}}", "error", "code", code, "message_ko", ko,
                  "message_en", en, "field", field ? json_string(field) : json_null());
}

void eo_http_error(eo_http_reply_t *reply, int status, const char *code, const char *ko,
                   const char *en)
{
    eo_http_error_field(reply, status, code, ko, en, NULL);
}

void eo_http_problems(eo_http_reply_t *reply, int status, const eo_problems_t *problems)
{
    reply->status = status;
    json_decref(reply->json);
    reply->json = eo_problems_json(problems);
}

/* The console's origin may call from a browser (gateway/cors_origin; none by default):
 * only that exact origin gets the CORS headers. */
static bool s_cors(eo_gateway_t *self, struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    return *self->cors_origin && origin && streq(origin, self->cors_origin);
}

/* The reply's body as a response: its stream, or its text or JSON. */
static struct MHD_Response *s_response(eo_http_reply_t *reply, const char **type)
{
    if (reply->stream) {
        struct MHD_Response *resp = reply->stream;
        *type = reply->content_type;
        reply->stream = NULL;
        return resp;
    }
    char *text = reply->text;
    *type = reply->content_type ? reply->content_type : "text/plain; charset=utf-8";
    if (!text) {
        text = reply->json ? json_dumps(reply->json, JSON_COMPACT) : strdup("{}");
        *type = "application/json; charset=utf-8";
    }
    reply->text = NULL;
    json_decref(reply->json);
    reply->json = NULL;
    if (!text) return NULL;
    size_t len = strlen(text);
    char *body = realloc(text, len + 2);
    if (!body) {
        free(text);
        return NULL;
    }
    /* One trailing newline keeps curl output readable; a 204 has no body at all. */
    if (reply->status == 204)
        len = 0;
    else if (!len || body[len - 1] != '\n')
        body[len++] = '\n';
    return MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result s_send(eo_gateway_t *self, struct MHD_Connection *conn,
                              const eo_http_request_t *req, eo_http_reply_t *reply)
{
    const char *type;
    struct MHD_Response *resp = s_response(reply, &type);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Request-Id", req->trace);
    for (int i = 0; i < reply->n_headers; i++)
        MHD_add_response_header(resp, reply->header_names[i], reply->header_values[i]);
    if (s_cors(self, conn)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", self->cors_origin);
        MHD_add_response_header(resp, "Access-Control-Allow-Credentials", "true");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                "X-Request-Id, Location, Allow");
        MHD_add_response_header(resp, "Vary", "Origin");
    }
    if (eo_auth_insecure(self->auth))
        MHD_add_response_header(resp, "X-Eonjena-Insecure-Demo", "1");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* X-Request-Id: the caller's when it is a sane token (1-64 of [A-Za-z0-9._:-]), else a
 * new one, so that a log line never carries what a caller smuggled into a header. */
static void s_trace(struct MHD_Connection *conn, int64_t now_ms, char *out, size_t size)
{
    const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    size_t n = given ? strlen(given) : 0;
    bool ok = n > 0 && n <= 64 && n < size;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)given[i]) || strchr("._:-", given[i]);
    if (ok)
        memcpy(out, given, n + 1);
    else
        eo_id_new(out, size, now_ms);
}

/* A CORS preflight from the console's origin: which methods the path takes. */
static bool s_preflight(eo_gateway_t *self, struct MHD_Connection *conn, const char *method,
                        eo_http_request_t *req, eo_http_reply_t *reply)
{
    char allow[96];
    if (!streq(method, "OPTIONS") || !s_cors(self, conn) ||
        !eo_routes_allow(req->path, allow, sizeof allow))
        return false;
    reply->status = 204;
    reply->text = strdup("");
    eo_http_header(reply, "Access-Control-Allow-Methods", allow);
    eo_http_header(reply, "Access-Control-Allow-Headers",
                   "Authorization, Content-Type, Idempotency-Key, X-Request-Id, Last-Event-ID");
    eo_http_header(reply, "Access-Control-Max-Age", "600");
    return true;
}

/* The caller's rate: a credential's own bucket, or its address's when anonymous (or
 * refused: guessing keys is rated as anonymous). Liveness (/v1/health) is never limited:
 * load balancers probe it. Over the rate: 429 with Retry-After, nothing done. */
static bool s_within_rate(eo_gateway_t *self, eo_http_request_t *req, eo_http_reply_t *reply)
{
    if (streq(req->path, "/v1/health")) return true;
    char key[80];
    bool anonymous = req->bad_credentials || req->who.role == EO_ROLE_NONE;
    if (anonymous) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(req->connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        char addr[INET6_ADDRSTRLEN] = "?";
        const struct sockaddr *sa = ci ? ci->client_addr : NULL;
        if (sa && sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
        else if (sa && sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr,
                      sizeof addr);
        /* behind a reverse proxy the peer is the proxy: its X-Forwarded-For names the
         * caller (the last entry: the one the proxy itself added) */
        const char *xff = self->trusted_proxies && eo_addr_in_list(self->trusted_proxies, addr)
                              ? eo_gateway_header(req, "X-Forwarded-For")
                              : NULL;
        const char *last = xff ? strrchr(xff, ',') : NULL;
        snprintf(key, sizeof key, "a:%.60s", xff ? (last ? last + 1 : xff) : addr);
    } else
        snprintf(key, sizeof key, "k:%s", req->who.id);
    int64_t wait =
        eo_limiter_take(anonymous ? self->per_address : self->per_key, key, zclock_mono());
    if (wait == 0) return true;
    char after[24];
    snprintf(after, sizeof after, "%lld", (long long)((wait + 999) / 1000));
    eo_http_error(reply, 429, "rate_limited", "요청이 너무 많습니다. 잠시 후 다시 시도하세요",
                  anonymous ? "too many requests from this address without a credential "
                              "(gateway/rate_anonymous)"
                            : "too many requests with this credential (gateway/rate_per_key)");
    eo_http_header(reply, "Retry-After", after);
    return false;
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version,
                                const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    eo_gateway_t *self = cls;
    s_upload_t *up = *con_cls;
    if (!up) { /* first call: headers only */
        up = calloc(1, sizeof *up);
        if (!up) return MHD_NO;
        int framing[2] = {0, 0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, s_count_framing, framing);
        up->ambiguous = framing[0] > 1 || (framing[0] && framing[1]) || framing[1] > 1;
        *con_cls = up;
        up->started = zclock_usecs();
        atomic_fetch_add(&self->active, 1);
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body */
        if (up->len + *upload_size > self->max_body)
            up->too_large = true;
        else {
            char *grown = realloc(up->body, up->len + *upload_size + 1);
            if (!grown) return MHD_NO;
            memcpy(grown + up->len, upload_data, *upload_size);
            up->body = grown;
            up->len += *upload_size;
            up->body[up->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    eo_http_reply_t reply = {.status = 200};
    eo_http_request_t req = {.gateway = self,
                             .method = method,
                             .path = url,
                             .body = up->body ? up->body : "",
                             .body_len = up->len,
                             .connection = conn};
    s_trace(conn, eo_clock_now_ms(self->args->clock), req.trace, sizeof req.trace);
    if (up->too_large) {
        char en[96];
        snprintf(en, sizeof en, "the request body is larger than %zu bytes", self->max_body);
        eo_http_error(&reply, 413, "body_too_large", "요청 본문이 너무 큽니다", en);
    } else if (up->ambiguous)
        eo_http_error(&reply, 400, "bad_framing", "요청 길이 헤더가 모호합니다",
                      "the request names its length more than once (Content-Length twice, "
                      "or with Transfer-Encoding)");
    else if (up->body && memchr(up->body, '\0', up->len))
        eo_http_error(&reply, 400, "bad_body", "요청 본문에 NUL 문자가 있습니다",
                      "the request body contains a NUL byte");
    else if (!s_preflight(self, conn, method, &req, &reply)) {
        eo_auth_identify(
            self->auth,
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Cookie"), &req.who,
            &req.bad_credentials, &req.scraper);
        if (s_within_rate(self, &req, &reply)) eo_routes_dispatch(&req, &reply);
    }
    eo_http_counts_add(self->counts, method, req.route, reply.status);
    if (self->access_log) /* the route's pattern, never the path: it may name a person */
        zsys_info("gateway: %s %s %s %d %.1fms %s", req.trace, method,
                  req.route ? req.route : "-", reply.status,
                  (double)(zclock_usecs() - up->started) / 1000.0,
                  req.who.id[0] ? req.who.id : "-");
    return s_send(self, conn, &req, &reply);
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode toe)
{
    (void)conn, (void)toe;
    eo_gateway_t *self = cls;
    s_upload_t *up = *con_cls;
    if (up) {
        free(up->body);
        free(up);
        *con_cls = NULL;
        atomic_fetch_sub(&self->active, 1);
    }
}

/* "127.0.0.1:8080" -> sockaddr. */
static int s_parse_listen(const char *text, struct sockaddr_in *addr)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text || (size_t)(colon - text) >= sizeof host) return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    int port = atoi(colon + 1);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &addr->sin_addr) != 1) return -1;
    return 0;
}

static void s_gateway_destroy(eo_gateway_t **self_p)
{
    eo_gateway_t *self = *self_p;
    if (!self) return;
    /* Callers waiting on a worker give up first (503), so stopping never waits out
     * their timeouts one connection after another; then stopping the daemon joins its
     * threads, which frees their clients. */
    atomic_store(&self->stopping, true);
    eo_events_hub_stop(self->events); /* the event streams end at their next read */
    eo_webhooks_destroy(&self->webhooks);
    if (self->daemon) {
        /* no new connections; the answers already being written (503 "stopping" among
         * them) get a bounded moment to leave before the connections are closed */
        MHD_quiesce_daemon(self->daemon);
        for (int i = 0; i < S_DRAIN_MS / 10 && atomic_load(&self->active) > 0; i++)
            zclock_sleep(10);
    }
    if (self->daemon) MHD_stop_daemon(self->daemon);
    eo_events_hub_destroy(&self->events);
    pthread_key_delete(self->client_key);
    pthread_mutex_destroy(&self->refresh_lock);
    eo_providers_destroy(&self->providers);
    eo_rules_destroy(&self->rules);
    eo_calendar_destroy(&self->calendar);
    eo_auth_destroy(&self->auth);
    eo_http_counts_destroy(&self->counts);
    eo_limiter_destroy(&self->per_key);
    eo_limiter_destroy(&self->per_address);
    if (self->tls_key) OPENSSL_cleanse(self->tls_key, strlen(self->tls_key));
    free(self->tls_key);
    free(self->tls_cert);
    free(self->trusted_proxies);
    free(self);
    *self_p = NULL;
}

/* Idle and slow connections are cheap (MHD polls them with epoll) as long as there are
 * descriptors for them: the soft limit is often 1024, so raise it towards the hard limit
 * for max_connections and some to spare. */
static void s_raise_fd_limit(unsigned max_conns)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t want = (rlim_t)max_conns + 1024;
    if (rl.rlim_cur >= want) return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < want)
        zsys_warning("gateway: %llu file descriptors for %u connections: raise the hard "
                     "limit (LimitNOFILE=) or lower gateway/max_connections",
                     (unsigned long long)rl.rlim_cur, max_conns);
}

/* A whole small file as a string, or NULL. */
static char *s_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char buf[4096];
    size_t n;
    while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0 && size < (1u << 20))
        fwrite(buf, 1, n, mem);
    if (mem) fclose(mem);
    fclose(f);
    return text;
}

/* TLS from the configuration: both files or neither. The key must not be readable by
 * others: a leaked key lets anyone read the traffic. */
static int s_load_tls(eo_gateway_t *self, zconfig_t *cfg)
{
    const char *cert = zconfig_get(cfg, "gateway/tls_cert", "");
    const char *key = zconfig_get(cfg, "gateway/tls_key", "");
    if (!*cert && !*key) return 0;
    struct stat st;
    if (!*cert || !*key) {
        zsys_error("gateway: tls_cert and tls_key go together (PEM files)");
        return -1;
    }
    if (stat(key, &st) == 0 && (st.st_mode & 077)) {
        zsys_error("gateway: %s may be read by others (mode %03o): chmod 600 it", key,
                   (unsigned)(st.st_mode & 0777));
        return -1;
    }
    self->tls_cert = s_slurp(cert);
    self->tls_key = s_slurp(key);
    if (!self->tls_cert || !self->tls_key) {
        zsys_error("gateway: cannot read %s", self->tls_cert ? key : cert);
        return -1;
    }
    return 0;
}

static eo_gateway_t *s_gateway_new(const eo_role_args_t *args)
{
    eo_gateway_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->args = args;
    zconfig_t *cfg = args->config;
    const char *listen = zconfig_get(cfg, "gateway/listen", "127.0.0.1:8080");
    self->max_body = (size_t)atol(zconfig_get(cfg, "gateway/max_body", "16384"));
    if (self->max_body == 0) self->max_body = S_DEFAULT_MAX_BODY;
    self->timeout_ms = atoi(zconfig_get(cfg, "gateway/timeout_ms", "5000"));
    unsigned threads = (unsigned)atoi(zconfig_get(cfg, "gateway/threads", "128"));
    snprintf(self->cors_origin, sizeof self->cors_origin, "%s",
             zconfig_get(cfg, "gateway/cors_origin", ""));
    self->access_log = atoi(zconfig_get(cfg, "gateway/access_log", "1")) != 0;
    self->counts = eo_http_counts_new();
    pthread_key_create(&self->client_key, s_client_free);
    pthread_mutex_init(&self->refresh_lock, NULL);
    char err[512];
    if (!(self->auth = eo_auth_new(cfg, err, sizeof err))) {
        zsys_error("gateway: %s", err);
        goto fail;
    }
    if (!(self->calendar = eo_calendar_load_config(cfg, err, sizeof err)) ||
        !(self->rules = eo_rules_load_config(cfg, self->calendar, err, sizeof err)) ||
        !(self->providers = eo_providers_load(cfg, err, sizeof err))) {
        zsys_error("gateway: %s", err);
        goto fail;
    }
    struct sockaddr_in addr;
    if (s_parse_listen(listen, &addr)) {
        zsys_error("gateway: bad listen address '%s' (want host:port)", listen);
        goto fail;
    }
    const char *proxies = zconfig_get(cfg, "gateway/trusted_proxies", "");
    char why[128];
    if (*proxies && !eo_addr_list_valid(proxies, why, sizeof why)) {
        zsys_error("gateway: trusted_proxies: %s", why);
        goto fail;
    }
    self->trusted_proxies = *proxies ? strdup(proxies) : NULL;
    self->secure_cookies = atoi(zconfig_get(cfg, "gateway/cookie_secure", "0")) != 0;
    self->per_key = eo_limiter_new(atof(zconfig_get(cfg, "gateway/rate_per_key", "500")), 0);
    self->per_address =
        eo_limiter_new(atof(zconfig_get(cfg, "gateway/rate_anonymous", "20")), 0);
    unsigned max_conns = (unsigned)atoi(zconfig_get(cfg, "gateway/max_connections", "4000"));
    unsigned per_ip = (unsigned)atoi(zconfig_get(cfg, "gateway/max_connections_per_ip", "0"));
    unsigned idle_s = (unsigned)atoi(zconfig_get(cfg, "gateway/idle_timeout_s", "15"));
    s_raise_fd_limit(max_conns);
    if (s_load_tls(self, cfg)) goto fail;
    if (!(self->events = eo_events_hub_new(cfg))) {
        zsys_error("gateway: cannot start the event streams' hub");
        goto fail;
    }
    if (!(self->webhooks = eo_webhooks_new(self, cfg, err, sizeof err))) {
        zsys_error("gateway: webhooks: %s", err);
        goto fail;
    }
    self->secure_cookies = self->secure_cookies || self->tls_cert;
    /* the certificate options only with TLS (MHD complains of them otherwise) */
    struct MHD_OptionItem tls[] = {
        {self->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, self->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, self->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    self->daemon = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            MHD_ALLOW_SUSPEND_RESUME | (self->tls_cert ? MHD_USE_TLS : 0),
        0, NULL, NULL, s_handle, self, MHD_OPTION_ARRAY, tls, MHD_OPTION_EXTERNAL_LOGGER,
        eo_log_mhd, "gateway", MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 1, MHD_OPTION_NOTIFY_COMPLETED,
        s_completed, self, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, MHD_OPTION_CONNECTION_TIMEOUT,
        idle_s ? idle_s : 15u, MHD_OPTION_CONNECTION_LIMIT, max_conns ? max_conns : 4000u,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)32768, MHD_OPTION_END);
    if (!self->daemon) {
        zsys_error("gateway: cannot listen on %s (port in use?)", listen);
        goto fail;
    }
    zsys_info("gateway: listening on %s://%s", self->tls_cert ? "https" : "http", listen);
    return self;
fail:
    s_gateway_destroy(&self);
    return NULL;
}

void eo_gateway_actor(zsock_t *pipe, void *args)
{
    eo_gateway_t *self = s_gateway_new(args);
    if (!self) ((eo_role_args_t *)args)->failed = true;
    zsock_signal(pipe, self ? 0 : -1);
    if (!self) return;
    while (true) {
        char *cmd = zstr_recv(pipe);
        bool term = !cmd || streq(cmd, "$TERM");
        zstr_free(&cmd);
        if (term) break;
    }
    s_gateway_destroy(&self);
}

eo_http_counts_t *eo_gateway_counts(eo_gateway_t *self)
{
    return self->counts;
}

eo_events_hub_t *eo_gateway_events_hub(eo_gateway_t *self)
{
    return self->events;
}

eo_webhooks_t *eo_gateway_webhooks(eo_gateway_t *self)
{
    return self->webhooks;
}
