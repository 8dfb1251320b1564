/* driver.c: W1 requests through POST /v1/requests at a steady rate (see load.h), or
 * straight into the broker (broker.c) on the same schedule.
 *
 * One thread, libcurl's multi interface: request k is due at start + k / rate; it goes
 * out as soon as it is due and one of the connections (kept alive) is free. When every
 * connection is busy the schedule slips; the worst slip is reported, so a run that could
 * not offer its rate says so instead of quietly sending less.
 *
 * The generator shares the machine with what it measures, so it keeps its own cost
 * small: libcurl's socket interface over epoll wakes it for the connections that have
 * something to say, where curl_multi_perform and curl_multi_poll would look at every
 * connection on every wake (at 2,000 requests a second over 128 connections that was
 * a quarter of a millisecond of CPU a request, a fifth of the whole deployment's). */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "load.h"

typedef struct {
    CURL *easy;
    size_t req;   /* index into reqs of the request in flight; SIZE_MAX: idle */
    char *answer; /* the response body so far */
    size_t len;
    char body[1024];
    char err[CURL_ERROR_SIZE];
} s_slot_t;

struct eo_load_driver_t {
    eo_load_driver_config_t cfg;
    CURLM *multi;             /* HTTP; NULL in direct mode */
    eo_load_broker_t *broker; /* direct mode; NULL through HTTP */
    int epfd;                 /* the connections curl asked us to watch */
    int64_t timer_at_us;      /* when curl wants its timeouts run (monotonic); -1: never */
    s_slot_t *slots;
    struct curl_slist *headers;
    char url[512];
    eo_load_req_t *reqs;
    size_t n_reqs, cap;
    uint32_t next_w1; /* the next W1 index to look at */
    int64_t t0_us;
    double lag_ms;
    int active;
    bool done_sending;
};

/* The wall clock in microseconds: the trace's clock, so the two can be compared. */
static int64_t s_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static size_t s_collect(char *ptr, size_t size, size_t n, void *arg)
{
    s_slot_t *slot = arg;
    size_t len = size * n;
    char *grown = realloc(slot->answer, slot->len + len + 1);
    if (!grown) return 0; /* curl reports a write error */
    memcpy(grown + slot->len, ptr, len);
    slot->answer = grown;
    slot->len += len;
    slot->answer[slot->len] = '\0';
    return len;
}

/* curl says which way a connection should be watched (or that it is done with it). */
static int s_watch(CURL *easy, curl_socket_t fd, int what, void *arg, void *socketp)
{
    (void)easy, (void)socketp;
    eo_load_driver_t *self = arg;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(self->epfd, EPOLL_CTL_DEL, fd, NULL); /* ENOENT/EBADF: already gone */
        return 0;
    }
    struct epoll_event ev = {.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
                                       (what & CURL_POLL_OUT ? EPOLLOUT : 0u),
                             .data.fd = fd};
    if (epoll_ctl(self->epfd, EPOLL_CTL_MOD, fd, &ev) == 0) return 0;
    if (errno == ENOENT && epoll_ctl(self->epfd, EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
    return -1; /* curl fails the transfer: reported as a transport error */
}

/* curl says when it next wants its timeouts run (-1: no need). */
static int s_timer(CURLM *multi, long timeout_ms, void *arg)
{
    (void)multi;
    eo_load_driver_t *self = arg;
    self->timer_at_us = timeout_ms < 0 ? -1 : zclock_usecs() + (int64_t)timeout_ms * 1000;
    return 0;
}

/* Run curl's timeouts when they are due (a transfer just added is due at once). */
static void s_timeouts(eo_load_driver_t *self)
{
    int running = 0;
    while (self->timer_at_us >= 0 && self->timer_at_us <= zclock_usecs()) {
        self->timer_at_us = -1;
        curl_multi_socket_action(self->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
}

void eo_load_driver_destroy(eo_load_driver_t **self_p)
{
    eo_load_driver_t *self = *self_p;
    if (!self) return;
    for (int i = 0; self->slots && i < self->cfg.connections; i++) {
        if (self->slots[i].easy) {
            curl_multi_remove_handle(self->multi, self->slots[i].easy);
            curl_easy_cleanup(self->slots[i].easy);
        }
        free(self->slots[i].answer);
    }
    if (self->multi) curl_multi_cleanup(self->multi);
    eo_load_broker_destroy(&self->broker);
    if (self->epfd >= 0) close(self->epfd);
    curl_slist_free_all(self->headers);
    free(self->slots);
    free(self->reqs);
    free(self);
    *self_p = NULL;
}

eo_load_driver_t *eo_load_driver_new(const eo_load_driver_config_t *config)
{
    eo_load_driver_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->cfg = *config;
    if (self->cfg.timeout_ms <= 0) self->cfg.timeout_ms = EO_LOAD_TIMEOUT_MS;
    self->timer_at_us = -1;
    self->epfd = -1;
    self->slots = calloc((size_t)config->connections, sizeof *self->slots);
    for (int i = 0; self->slots && i < config->connections; i++)
        self->slots[i].req = SIZE_MAX;
    if (config->broker) {
        self->broker = eo_load_broker_new(config->broker);
        if (!self->slots || !self->broker) eo_load_driver_destroy(&self);
        if (self) self->t0_us = zclock_usecs();
        return self;
    }
    snprintf(self->url, sizeof self->url, "%s/v1/requests", config->url);
    self->epfd = epoll_create1(EPOLL_CLOEXEC);
    self->multi = curl_multi_init();
    self->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (config->key) {
        char auth[300];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", config->key);
        self->headers = curl_slist_append(self->headers, auth);
    }
    if (self->epfd < 0 || !self->multi || !self->slots || !self->headers) {
        eo_load_driver_destroy(&self);
        return NULL;
    }
    curl_multi_setopt(self->multi, CURLMOPT_MAXCONNECTS, (long)config->connections);
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETFUNCTION, s_watch);
    curl_multi_setopt(self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERFUNCTION, s_timer);
    curl_multi_setopt(self->multi, CURLMOPT_TIMERDATA, self);
    for (int i = 0; i < config->connections; i++) {
        s_slot_t *slot = &self->slots[i];
        if (!(slot->easy = curl_easy_init())) {
            eo_load_driver_destroy(&self);
            return NULL;
        }
        curl_easy_setopt(slot->easy, CURLOPT_URL, self->url);
        curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
        curl_easy_setopt(slot->easy, CURLOPT_HTTPHEADER, self->headers);
        curl_easy_setopt(slot->easy, CURLOPT_WRITEFUNCTION, s_collect);
        curl_easy_setopt(slot->easy, CURLOPT_WRITEDATA, slot);
        curl_easy_setopt(slot->easy, CURLOPT_ERRORBUFFER, slot->err);
        curl_easy_setopt(slot->easy, CURLOPT_TIMEOUT_MS, (long)self->cfg.timeout_ms);
        curl_easy_setopt(slot->easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(slot->easy, CURLOPT_TCP_NODELAY, 1L);
    }
    self->t0_us = zclock_usecs();
    return self;
}

/* The next W1 request of a driven site. */
static void s_next_request(eo_load_driver_t *self, eo_w1_request_t *r)
{
    for (;;) {
        eo_w1_request(self->cfg.w1, self->next_w1++, r);
        int s = eo_dongs_site_find(self->cfg.dongs, r->site);
        if (s >= 0 && s < 64 && (self->cfg.sites >> s & 1)) return;
    }
}

/* The POST body of W1 request r: the fields a call centre fills in. */
static void s_body(eo_load_driver_t *self, const eo_w1_request_t *r, char *out, size_t size)
{
    char start[32], end[32];
    eo_time_format(r->start, start, sizeof start);
    eo_time_format(r->end, end, sizeof end);
    snprintf(out, size,
             "{\"id\":\"%s_%u\",\"site\":\"%s\",\"dong\":\"%u\",\"start\":\"%s\","
             "\"end\":\"%s\",\"channel\":\"call_centre\",\"member\":{\"id\":\"load-%u\","
             "\"phone\":\"010-%04u-%04u\",\"verified\":true},\"child\":{\"first_name\":"
             "\"아이\",\"age_months\":60},\"address\":\"load test\"}",
             self->cfg.run, r->id, r->site, r->dong, start, end, r->id,
             2000 + r->id / 10000 % 8000, r->id % 10000);
}

/* The request in the slot is answered (or given up on): the slot is free again. */
static void s_finish(eo_load_driver_t *self, s_slot_t *slot)
{
    self->reqs[slot->req].answered_us = s_wall_us();
    slot->req = SIZE_MAX;
    self->active--;
}

/* Direct mode: an answer from the broker, to the slot and request its tag names (an
 * answer to a request given up on finds its slot moved on, and is dropped). */
static void s_direct_answer(void *arg, const char *tag, int status, const char *code,
                            const char *id)
{
    eo_load_driver_t *self = arg;
    int i;
    size_t req;
    if (sscanf(tag, "%d.%zu", &i, &req) != 2 || i < 0 || i >= self->cfg.connections ||
        self->slots[i].req != req)
        return;
    eo_load_req_t *r = &self->reqs[req];
    r->status = status;
    snprintf(r->code, sizeof r->code, "%s", code);
    snprintf(r->id, sizeof r->id, "%s", id);
    s_finish(self, &self->slots[i]);
}

/* Direct mode: the request that just took the slot, into the broker. A body the intake
 * refuses is answered at once, as the API would (400 and the problem's code). */
static int s_send_direct(eo_load_driver_t *self, s_slot_t *slot)
{
    char tag[48], code[32];
    snprintf(tag, sizeof tag, "%d.%zu", (int)(slot - self->slots), slot->req);
    if (eo_load_broker_send(self->broker, tag, slot->body, code, sizeof code) == EO_OK)
        return EO_OK;
    eo_load_req_t *r = &self->reqs[slot->req];
    r->status = streq(code, "not_sent") || streq(code, "no_memory") ? 0 : 400;
    snprintf(r->code, sizeof r->code, "%s", code);
    s_finish(self, slot);
    return EO_OK;
}

/* Direct mode: a request unanswered for the timeout is a transport error, as through
 * HTTP (the broker client would go on re-sending it). */
static void s_direct_expire(eo_load_driver_t *self)
{
    int64_t now = s_wall_us();
    for (int i = 0; i < self->cfg.connections; i++) {
        s_slot_t *slot = &self->slots[i];
        if (slot->req == SIZE_MAX ||
            now - self->reqs[slot->req].sent_us < (int64_t)self->cfg.timeout_ms * 1000)
            continue;
        self->reqs[slot->req].status = 0;
        snprintf(self->reqs[slot->req].code, sizeof self->reqs[slot->req].code,
                 "client_timeout");
        s_finish(self, slot);
    }
}

static int s_start(eo_load_driver_t *self, s_slot_t *slot)
{
    if (self->n_reqs == self->cap) {
        size_t cap = self->cap ? 2 * self->cap : 4096;
        eo_load_req_t *grown = realloc(self->reqs, cap * sizeof *grown);
        if (!grown) return EO_ENOMEM;
        self->reqs = grown;
        self->cap = cap;
    }
    eo_w1_request_t r;
    s_next_request(self, &r);
    s_body(self, &r, slot->body, sizeof slot->body);
    eo_load_req_t *req = &self->reqs[self->n_reqs];
    *req = (eo_load_req_t){.w1 = r.id - 1, .sent_us = s_wall_us()};
    slot->req = self->n_reqs++;
    self->active++;
    if (self->broker) return s_send_direct(self, slot);
    slot->len = 0;
    slot->err[0] = '\0';
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, slot->body);
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(slot->body));
    curl_multi_add_handle(self->multi, slot->easy);
    return EO_OK;
}

/* What an answer says: the id of a 201, or the error's code. */
static void s_answer(eo_load_req_t *req, int status, const char *body)
{
    req->status = status;
    json_t *root = body ? json_loads(body, 0, NULL) : NULL;
    json_t *id = json_object_get(root, "id");
    json_t *code = json_object_get(json_object_get(root, "error"), "code");
    if (status == 201 && json_is_string(id))
        snprintf(req->id, sizeof req->id, "%s", json_string_value(id));
    else if (json_is_string(code))
        snprintf(req->code, sizeof req->code, "%s", json_string_value(code));
    else if (status == 201)
        snprintf(req->code, sizeof req->code, "no_id");
    else
        snprintf(req->code, sizeof req->code, "http_%d", status);
    json_decref(root);
}

static void s_harvest(eo_load_driver_t *self)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(self->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        s_slot_t *slot = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
        curl_multi_remove_handle(self->multi, m->easy_handle);
        if (!slot || slot->req == SIZE_MAX) continue;
        eo_load_req_t *req = &self->reqs[slot->req];
        long status = 0;
        if (m->data.result == CURLE_OK) {
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            s_answer(req, (int)status, slot->len ? slot->answer : NULL);
        } else {
            req->status = 0;
            snprintf(req->code, sizeof req->code, "%s",
                     m->data.result == CURLE_OPERATION_TIMEDOUT ? "client_timeout"
                                                                : "transport");
        }
        s_finish(self, slot);
    }
}

void eo_load_driver_stop(eo_load_driver_t *self)
{
    self->done_sending = true;
}

/* Take in what was answered, without waiting. */
static void s_take_in(eo_load_driver_t *self)
{
    if (self->broker) {
        eo_load_broker_wait(self->broker, 0, s_direct_answer, self);
        return;
    }
    s_timeouts(self);
    s_harvest(self);
}

/* Wait at most wait_ms for answers, and take them in (and, direct, give up on what
 * waited too long: every step that does not end the run comes here). */
static void s_wait(eo_load_driver_t *self, int64_t wait_ms)
{
    if (self->broker) {
        eo_load_broker_wait(self->broker, (int)wait_ms, s_direct_answer, self);
        s_direct_expire(self);
        return;
    }
    struct epoll_event ev[64];
    int n = epoll_wait(self->epfd, ev, 64, (int)wait_ms);
    int running = 0;
    for (int i = 0; i < n; i++) {
        int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        curl_multi_socket_action(self->multi, ev[i].data.fd, flags, &running);
    }
    s_timeouts(self);
    s_harvest(self);
}

bool eo_load_driver_step(eo_load_driver_t *self, int timeout_ms)
{
    int64_t now = zclock_usecs();
    double per_us = 1e6 / self->cfg.rate;
    if (!self->done_sending &&
        (self->n_reqs >= self->cfg.max || s_wall_us() >= self->cfg.stop_us))
        self->done_sending = true;
    for (int i = 0; i < self->cfg.connections && !self->done_sending; i++) {
        int64_t due = self->t0_us + (int64_t)((double)self->n_reqs * per_us);
        if (due > now || self->n_reqs >= self->cfg.max) break;
        if (self->slots[i].req != SIZE_MAX) continue;
        double lag = (double)(now - due) / 1000.0;
        if (lag > self->lag_ms) self->lag_ms = lag;
        if (s_start(self, &self->slots[i]) != EO_OK) self->done_sending = true;
    }
    s_take_in(self);
    if (self->done_sending && self->active == 0) return false;
    /* Sleep until the next request is due (rounded up: a wait of "0 ms" would spin), or,
     * with every connection busy or nothing left to send, until an answer comes; and no
     * later than curl's next timeout (the broker client's heartbeats need no more). */
    int64_t now_us = zclock_usecs();
    int64_t due = self->t0_us + (int64_t)((double)self->n_reqs * per_us);
    int64_t wait = (due - now_us + 999) / 1000;
    if (self->done_sending || self->active >= self->cfg.connections || wait > timeout_ms)
        wait = timeout_ms;
    if (self->timer_at_us >= 0 && (self->timer_at_us - now_us + 999) / 1000 < wait)
        wait = (self->timer_at_us - now_us + 999) / 1000;
    if (wait < 0) wait = 0;
    s_wait(self, wait);
    return true;
}

eo_load_req_t *eo_load_driver_requests(eo_load_driver_t *self, size_t *n)
{
    *n = self->n_reqs;
    return self->reqs;
}

double eo_load_driver_lag_ms(eo_load_driver_t *self)
{
    return self->lag_ms;
}
