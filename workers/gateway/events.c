/* events.c: GET /v1/events, Server-Sent Events of the change feed (see events.h). */
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "events.h"
#include "feed.h"
#include "path.h"
#include "routes.h"

#define S_SUSPENDED_MAX 1024

struct eo_events_hub_t {
    int poll_ms, heartbeat_ms, max_clients, limit;
    atomic_int clients;
    pthread_mutex_t lock;
    struct MHD_Connection **suspended; /* waiting for the next tick */
    size_t n;
    bool stopped; /* no stream suspends any more */
    bool quit;    /* the ticker ends */
    pthread_t ticker;
};

/* One client's stream. */
typedef struct {
    eo_events_hub_t *hub;
    eo_gateway_t *gateway;
    struct MHD_Connection *conn;
    eo_identity_t who;
    eo_feed_cursor_t cursor;
    char *out; /* what is ready to send: out[off..len) */
    size_t len, off, cap;
    bool broken; /* out of memory: the stream ends, the client resumes from its last id */
    int64_t next_poll, next_beat; /* zclock_mono */
} s_stream_t;

/* Every tick, the suspended streams are resumed: each then polls, or suspends again. */
static void *s_ticker(void *arg)
{
    eo_events_hub_t *self = arg;
    while (true) {
        pthread_mutex_lock(&self->lock);
        bool quit = self->quit;
        for (size_t i = 0; i < self->n; i++)
            MHD_resume_connection(self->suspended[i]);
        self->n = 0;
        pthread_mutex_unlock(&self->lock);
        if (quit) break;
        zclock_sleep(self->poll_ms);
    }
    return NULL;
}

static int s_setting(zconfig_t *config, const char *path, const char *fallback, int lo, int hi)
{
    int v = atoi(zconfig_get(config, path, fallback));
    return v < lo ? lo : v > hi ? hi : v;
}

eo_events_hub_t *eo_events_hub_new(zconfig_t *config)
{
    eo_events_hub_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->poll_ms = s_setting(config, "gateway/events_poll_ms", "500", 20, 60000);
    self->heartbeat_ms = 1000 * s_setting(config, "gateway/events_heartbeat_s", "10", 1, 3600);
    self->max_clients = s_setting(config, "gateway/events_max_clients", "64", 0, 1000);
    self->limit = 100;
    self->suspended = calloc(S_SUSPENDED_MAX, sizeof *self->suspended);
    pthread_mutex_init(&self->lock, NULL);
    if (!self->suspended || pthread_create(&self->ticker, NULL, s_ticker, self) != 0) {
        pthread_mutex_destroy(&self->lock);
        free(self->suspended);
        free(self);
        return NULL;
    }
    return self;
}

void eo_events_hub_stop(eo_events_hub_t *self)
{
    if (!self) return;
    pthread_mutex_lock(&self->lock);
    self->stopped = true;
    for (size_t i = 0; i < self->n; i++)
        MHD_resume_connection(self->suspended[i]);
    self->n = 0;
    pthread_mutex_unlock(&self->lock);
}

void eo_events_hub_destroy(eo_events_hub_t **self_p)
{
    eo_events_hub_t *self = *self_p;
    if (!self) return;
    eo_events_hub_stop(self);
    pthread_mutex_lock(&self->lock);
    self->quit = true;
    pthread_mutex_unlock(&self->lock);
    pthread_join(self->ticker, NULL);
    pthread_mutex_destroy(&self->lock);
    free(self->suspended);
    free(self);
    *self_p = NULL;
}

/* Suspend the stream's connection until the next tick: false when the gateway stops
 * (the stream ends) or too many wait (it is read again at once). Called from the
 * stream's read, under the lock, so that a stop never misses one. */
static bool s_suspend(eo_events_hub_t *self, struct MHD_Connection *conn, bool *ended)
{
    pthread_mutex_lock(&self->lock);
    *ended = self->stopped;
    bool ok = !self->stopped && self->n < S_SUSPENDED_MAX;
    if (ok) {
        MHD_suspend_connection(conn);
        self->suspended[self->n++] = conn;
    }
    pthread_mutex_unlock(&self->lock);
    return ok;
}

/* Append text to what the stream will send. */
static void s_put(s_stream_t *s, const char *text)
{
    size_t n = strlen(text);
    if (!n) return; /* nothing to add (and out may still be NULL) */
    if (s->off == s->len) s->off = s->len = 0;
    if (s->len + n > s->cap) {
        size_t cap = (s->len + n) * 2;
        char *grown = realloc(s->out, cap);
        if (!grown) {
            s->broken = true;
            return;
        }
        s->out = grown, s->cap = cap;
    }
    memcpy(s->out + s->len, text, n);
    s->len += n;
}

/* One SSE message: the cursor as its id, the event as one line of data. */
static void s_put_event(s_stream_t *s, const char *type, const char *id, json_t *data)
{
    char *json = json_dumps(data, JSON_COMPACT);
    if (!json) return;
    char head[EO_FEED_CURSOR_MAX + 64];
    snprintf(head, sizeof head, "%s%s%sid: %s\ndata: ", type ? "event: " : "", type ? type : "",
             type ? "\n" : "", id);
    s_put(s, head);
    s_put(s, json);
    s_put(s, "\n\n");
    free(json);
}

/* Ask the matchers for what is new, or send a heartbeat when it is time. */
static void s_fill(s_stream_t *s)
{
    int64_t now = zclock_mono();
    if (now >= s->next_poll) {
        /* no trace: a poll every events_poll_ms would fill the matchers' logs */
        eo_http_request_t req = {.gateway = s->gateway, .who = s->who, .route = "/v1/events"};
        json_t *events = eo_feed_poll(&req, &s->cursor, s->hub->limit);
        size_t i;
        json_t *e;
        json_array_foreach(events, i, e)
            s_put_event(s, NULL, json_string_value(json_object_get(e, "cursor")),
                        json_object_get(e, "event"));
        json_decref(events);
        s->next_poll = zclock_mono() + s->hub->poll_ms;
    }
    if (s->off == s->len && now >= s->next_beat) s_put(s, ": heartbeat\n\n");
    if (s->off < s->len) s->next_beat = now + s->hub->heartbeat_ms;
}

static ssize_t s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_stream_t *s = cls;
    bool ended = eo_gateway_stopping(s->gateway);
    if (!ended && s->off == s->len) s_fill(s);
    if (s->broken) return MHD_CONTENT_READER_END_WITH_ERROR;
    if (s->off < s->len) {
        size_t n = s->len - s->off < max ? s->len - s->off : max;
        memcpy(buf, s->out + s->off, n);
        s->off += n;
        return (ssize_t)n;
    }
    if (ended || (!s_suspend(s->hub, s->conn, &ended) && ended))
        return MHD_CONTENT_READER_END_OF_STREAM;
    return 0; /* suspended: the ticker resumes it, or read again at once */
}

static void s_free(void *cls)
{
    s_stream_t *s = cls;
    atomic_fetch_sub(&s->hub->clients, 1);
    free(s->out);
    free(s);
}

void eo_api_events(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    static const char *const allowed[] = {"last_event_id", NULL};
    eo_query_args_check(req, allowed, &p);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    eo_events_hub_t *hub = eo_gateway_events_hub(req->gateway);
    if (atomic_fetch_add(&hub->clients, 1) >= hub->max_clients) {
        atomic_fetch_sub(&hub->clients, 1);
        eo_http_error(reply, 503, "too_many_streams", "동시 연결이 너무 많습니다",
                      "too many event streams at once (gateway/events_max_clients): "
                      "retry later");
        eo_http_header(reply, "Retry-After", "10");
        return;
    }
    s_stream_t *s = calloc(1, sizeof *s);
    /* EventSource sends the last id it saw as a header; a first connection from a
     * browser can only name it in the query */
    const char *from = eo_gateway_header(req, "Last-Event-ID");
    if (!from || !*from) from = eo_gateway_query_arg(req, "last_event_id");
    if (!s || eo_feed_start(req, reply, from, &s->cursor) != EO_OK) {
        if (!s) eo_http_error(reply, 500, "internal", "서버 오류입니다", "out of memory");
        free(s);
        atomic_fetch_sub(&hub->clients, 1);
        return;
    }
    *s = (s_stream_t){.hub = hub,
                      .gateway = req->gateway,
                      .conn = req->connection,
                      .who = req->who,
                      .cursor = s->cursor,
                      .next_poll = zclock_mono() + hub->poll_ms,
                      .next_beat = zclock_mono() + hub->heartbeat_ms};
    /* the first message says where the stream starts, so that a client that reconnects
     * before any change came resumes from here (its Last-Event-ID) */
    char at[EO_FEED_CURSOR_MAX];
    eo_feed_cursor_format(&s->cursor, at, sizeof at);
    s_put(s, "retry: 2000\n");
    json_t *ready = json_pack("{s:s}", "cursor", at);
    s_put_event(s, "ready", at, ready);
    json_decref(ready);
    reply->stream =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, s_read, s, s_free);
    if (!reply->stream) {
        s_free(s);
        eo_http_error(reply, 500, "internal", "서버 오류입니다", "out of memory");
        return;
    }
    reply->status = 200;
    reply->content_type = "text/event-stream; charset=utf-8";
}
