/* receiver.c: the test provider endpoint (see receiver.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>
#include <jansson.h>
#include <microhttpd.h>

#include "receiver.h"

#define S_MAX_KEYS 256
#define S_MAX_BODY (1 << 20)

struct receiver_t {
    struct MHD_Daemon *daemon;
    char *secret;
    eo_clock_t *clock;
    char url[64];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int fail_next, fail_status;
    bool hold;
    size_t requests, duplicates, rejected[4];
    char *keys[S_MAX_KEYS];
    size_t n_keys;
};

typedef struct {
    char *data;
    size_t size;
} s_body_t;

static enum MHD_Result s_answer(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static bool s_known(receiver_t *self, const char *key)
{
    for (size_t i = 0; i < self->n_keys; i++)
        if (streq(self->keys[i], key)) return true;
    return false;
}

/* The body's "id" must be the idempotency key: a provider keys its records on it. */
static bool s_body_matches(const s_body_t *body, const char *key)
{
    json_t *doc = json_loadb(body->data, body->size, 0, NULL);
    const char *id = json_string_value(json_object_get(doc, "id"));
    bool ok = id && streq(id, key);
    json_decref(doc);
    return ok;
}

/* Decide the answer for a complete request (under the lock). */
static unsigned s_decide(receiver_t *self, const s_body_t *body, const char *sig,
                         const char *key)
{
    self->requests++;
    eo_time_t now = self->clock ? eo_clock_now(self->clock) : (eo_time_t)time(NULL);
    eo_hmac_result_t v =
        eo_hmac_verify(self->secret, sig, body->data, body->size, now, EO_HMAC_TOLERANCE);
    if (v != EO_HMAC_VALID) {
        self->rejected[-v]++;
        return MHD_HTTP_UNAUTHORIZED;
    }
    if (!key || !*key || !s_body_matches(body, key)) return MHD_HTTP_BAD_REQUEST;
    if (self->fail_next > 0) {
        self->fail_next--;
        return (unsigned)self->fail_status;
    }
    if (s_known(self, key)) {
        self->duplicates++;
        return MHD_HTTP_OK;
    }
    if (self->n_keys < S_MAX_KEYS) self->keys[self->n_keys++] = strdup(key);
    return MHD_HTTP_OK;
}

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **con_cls)
{
    receiver_t *self = cls;
    (void)url;
    (void)version;
    if (!streq(method, "POST"))
        return s_answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
    s_body_t *body = *con_cls;
    if (!body) {
        *con_cls = calloc(1, sizeof *body);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*size) {
        if (body->size + *size > S_MAX_BODY) return MHD_NO;
        char *grown = realloc(body->data, body->size + *size + 1);
        if (!grown) return MHD_NO;
        memcpy(grown + body->size, data, *size);
        body->data = grown;
        body->size += *size;
        body->data[body->size] = '\0';
        *size = 0;
        return MHD_YES;
    }
    const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, EO_HMAC_HEADER);
    const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
    pthread_mutex_lock(&self->lock);
    unsigned status = s_decide(self, body, sig, key);
    pthread_cond_broadcast(&self->changed);
    while (self->hold)
        pthread_cond_wait(&self->changed, &self->lock);
    pthread_mutex_unlock(&self->lock);
    return s_answer(conn, status, status == MHD_HTTP_OK ? "ok\n" : "no\n");
}

static void s_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                        enum MHD_RequestTerminationCode code)
{
    (void)cls;
    (void)conn;
    (void)code;
    s_body_t *body = *con_cls;
    if (body) {
        free(body->data);
        free(body);
        *con_cls = NULL;
    }
}

receiver_t *receiver_new(const char *secret, eo_clock_t *clock)
{
    receiver_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->secret = strdup(secret);
    self->clock = clock;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->changed, NULL);
    struct sockaddr_in addr = {
        .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    /* A thread per connection, so a held answer does not stop other requests. */
    self->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, s_handler, self, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED,
        s_completed, self, MHD_OPTION_END);
    if (!self->daemon) {
        receiver_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(self->url, sizeof self->url, "http://127.0.0.1:%u/handoff", info->port);
    return self;
}

void receiver_destroy(receiver_t **self_p)
{
    if (!self_p || !*self_p) return;
    receiver_t *self = *self_p;
    receiver_hold(self, false);
    if (self->daemon) MHD_stop_daemon(self->daemon);
    for (size_t i = 0; i < self->n_keys; i++)
        free(self->keys[i]);
    pthread_cond_destroy(&self->changed);
    pthread_mutex_destroy(&self->lock);
    free(self->secret);
    free(self);
    *self_p = NULL;
}

const char *receiver_url(receiver_t *self)
{
    return self->url;
}

void receiver_fail_next(receiver_t *self, int n, int status)
{
    pthread_mutex_lock(&self->lock);
    self->fail_next = n;
    self->fail_status = status;
    pthread_mutex_unlock(&self->lock);
}

void receiver_hold(receiver_t *self, bool hold)
{
    pthread_mutex_lock(&self->lock);
    self->hold = hold;
    pthread_cond_broadcast(&self->changed);
    pthread_mutex_unlock(&self->lock);
}

#define S_READ(field)                                                                          \
    pthread_mutex_lock(&self->lock);                                                           \
    size_t v = (field);                                                                        \
    pthread_mutex_unlock(&self->lock);                                                         \
    return v

size_t receiver_requests(receiver_t *self)
{
    S_READ(self->requests);
}
size_t receiver_accepted(receiver_t *self)
{
    S_READ(self->n_keys);
}
size_t receiver_duplicates(receiver_t *self)
{
    S_READ(self->duplicates);
}
size_t receiver_rejected(receiver_t *self, eo_hmac_result_t why)
{
    S_READ(self->rejected[-why]);
}

const char *receiver_key(receiver_t *self, size_t i, char *buf, size_t size)
{
    pthread_mutex_lock(&self->lock);
    snprintf(buf, size, "%s", i < self->n_keys ? self->keys[i] : "");
    pthread_mutex_unlock(&self->lock);
    return buf;
}

/* Wait on the condition variable until *field >= n or the deadline passes. */
static bool s_wait(receiver_t *self, size_t *field, size_t n, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&self->lock);
    int rc = 0;
    while (*field < n && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&self->changed, &self->lock, &deadline);
    bool ok = *field >= n;
    pthread_mutex_unlock(&self->lock);
    return ok;
}

bool receiver_wait_requests(receiver_t *self, size_t n, int timeout_ms)
{
    return s_wait(self, &self->requests, n, timeout_ms);
}

bool receiver_wait_accepted(receiver_t *self, size_t n, int timeout_ms)
{
    return s_wait(self, &self->n_keys, n, timeout_ms);
}
