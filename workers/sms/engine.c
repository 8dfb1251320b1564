/* engine.c: HTTP requests to a gateway on their own thread (see engine.h). */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "eonjena/eo_error.h"
#include "engine.h"

typedef struct {
    CURL *easy;
    char *id; /* the message in flight on this handle, NULL if idle */
    char *body;
    char err[CURL_ERROR_SIZE];
} s_conn_t;

typedef struct {
    char *id, *url, *body;
} s_job_t;

typedef struct {
    CURLM *multi;
    s_conn_t *conns;
    int n;
    zlistx_t *jobs;
    struct curl_slist *headers;
    zsock_t *pipe;
} s_engine_t;

static size_t s_discard(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr, (void)arg;
    return size * n;
}

/* Start queued jobs on idle connections. */
static void s_start(s_engine_t *self)
{
    for (int i = 0; i < self->n && zlistx_size(self->jobs); i++) {
        s_conn_t *c = &self->conns[i];
        if (c->id) continue;
        s_job_t *job = zlistx_first(self->jobs);
        zlistx_detach_cur(self->jobs);
        curl_easy_setopt(c->easy, CURLOPT_URL, job->url); /* curl copies it */
        if (*job->body) {
            curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, job->body); /* not copied: kept */
            curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(job->body));
        } else
            curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
        c->id = job->id;
        c->body = job->body;
        free(job->url);
        free(job);
        curl_multi_add_handle(self->multi, c->easy);
    }
}

/* Report finished transfers, all of them in one message: 2xx taken; 4xx refused for
 * good; anything else retried. */
static void s_harvest(s_engine_t *self)
{
    int left;
    CURLMsg *msg;
    zmsg_t *out = NULL;
    while ((msg = curl_multi_info_read(self->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        s_conn_t *c;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        int rc = msg->data.result != CURLE_OK ? EO_EIO
                 : code >= 200 && code < 300  ? EO_OK
                 : code >= 400 && code < 500  ? EO_EINVAL
                                              : EO_EIO;
        if (rc != EO_OK)
            zsys_warning("sms: gateway request for %s: %s (HTTP %ld)", c->id,
                         msg->data.result != CURLE_OK ? c->err : "refused", code);
        curl_multi_remove_handle(self->multi, c->easy);
        if (!out) out = zmsg_new();
        zmsg_addstr(out, c->id);
        zmsg_addstrf(out, "%d", rc);
        zstr_free(&c->id);
        zstr_free(&c->body);
    }
    if (out) zmsg_send(&out, self->pipe);
}

/* Wait on the pipe and curl's sockets together. Returns false when told to stop. */
static bool s_wait(s_engine_t *self)
{
    zmq_pollitem_t items[72];
    int count = 0;
    items[count++] = (zmq_pollitem_t){zsock_resolve(self->pipe), 0, ZMQ_POLLIN, 0};
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    int maxfd = -1;
    curl_multi_fdset(self->multi, &r, &w, &x, &maxfd);
    for (int fd = 0; fd <= maxfd && count < 72; fd++) {
        short ev =
            (short)((FD_ISSET(fd, &r) ? ZMQ_POLLIN : 0) | (FD_ISSET(fd, &w) ? ZMQ_POLLOUT : 0));
        if (ev) items[count++] = (zmq_pollitem_t){NULL, fd, ev, 0};
    }
    long timeout = -1;
    curl_multi_timeout(self->multi, &timeout);
    bool busy = false;
    for (int i = 0; i < self->n; i++)
        busy |= self->conns[i].id != NULL;
    /* curl may hold a socket it does not list yet (connecting): look again soon */
    if (busy && (timeout < 0 || timeout > 10)) timeout = 10;
    return zmq_poll(items, count, timeout) >= 0;
}

/* Take every SEND waiting on the pipe ("SEND" then id, url, body for each job).
 * Returns false on $TERM. */
static bool s_take(s_engine_t *self)
{
    while (zsock_events(self->pipe) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv(self->pipe);
        char *cmd = msg ? zmsg_popstr(msg) : NULL;
        bool ok = cmd && streq(cmd, "SEND");
        zstr_free(&cmd);
        while (ok && zmsg_size(msg) >= 3) {
            s_job_t *job = malloc(sizeof *job);
            assert(job);
            job->id = zmsg_popstr(msg);
            job->url = zmsg_popstr(msg);
            job->body = zmsg_popstr(msg);
            zlistx_add_end(self->jobs, job);
        }
        zmsg_destroy(&msg);
        if (!ok) return false;
    }
    return true;
}

static void s_engine(zsock_t *pipe, void *arg)
{
    const eo_sms_engine_args_t *a = arg;
    s_engine_t self = {.n = a->conns, .pipe = pipe};
    self.multi = curl_multi_init();
    self.conns = calloc((size_t)self.n, sizeof *self.conns);
    self.jobs = zlistx_new();
    assert(self.multi && self.conns && self.jobs);
    if (a->header && *a->header) self.headers = curl_slist_append(self.headers, a->header);
    if (a->content_type && *a->content_type) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", a->content_type);
        self.headers = curl_slist_append(self.headers, ct);
    }
    /* at most `conns` connections, kept alive and reused */
    curl_multi_setopt(self.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)self.n);
    curl_multi_setopt(self.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)self.n);
    curl_multi_setopt(self.multi, CURLMOPT_MAXCONNECTS, (long)self.n);
    for (int i = 0; i < self.n; i++) {
        CURL *e = curl_easy_init();
        assert(e);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_discard);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, a->timeout_ms);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, self.conns[i].err);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &self.conns[i]);
        if (self.headers) curl_easy_setopt(e, CURLOPT_HTTPHEADER, self.headers);
        self.conns[i].easy = e;
    }
    zsock_signal(pipe, 0); /* args are not read after this */
    while (s_wait(&self) && s_take(&self)) {
        s_start(&self);
        int running;
        curl_multi_perform(self.multi, &running);
        s_harvest(&self);
        s_start(&self);
        curl_multi_perform(self.multi, &running);
    }
    for (int i = 0; i < self.n; i++) {
        curl_multi_remove_handle(self.multi, self.conns[i].easy);
        curl_easy_cleanup(self.conns[i].easy);
        free(self.conns[i].id);
        free(self.conns[i].body);
    }
    for (s_job_t *job = zlistx_first(self.jobs); job; job = zlistx_next(self.jobs)) {
        free(job->id);
        free(job->url);
        free(job->body);
        free(job);
    }
    zlistx_destroy(&self.jobs);
    curl_slist_free_all(self.headers);
    free(self.conns);
    curl_multi_cleanup(self.multi);
}

zactor_t *eo_sms_engine_new(const eo_sms_engine_args_t *args)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    return zactor_new(s_engine, (void *)args);
}

void eo_sms_batch_add(zmsg_t **batch, const char *id, const char *url, const char *body)
{
    if (!*batch) {
        *batch = zmsg_new();
        zmsg_addstr(*batch, "SEND");
    }
    zmsg_addstr(*batch, id);
    zmsg_addstr(*batch, url);
    zmsg_addstr(*batch, body);
}

void eo_sms_batch_send(zmsg_t **batch, zactor_t *engine)
{
    if (*batch) zmsg_send(batch, engine);
}

int eo_sms_engine_recv(zactor_t *engine, void (*fn)(void *arg, const char *id, int rc),
                       void *arg)
{
    int n = 0;
    while (zsock_events(zactor_sock(engine)) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv(engine);
        if (!msg) break;
        while (zmsg_size(msg) >= 2) {
            char *id = zmsg_popstr(msg), *rc = zmsg_popstr(msg);
            fn(arg, id, atoi(rc));
            n++;
            zstr_free(&id);
            zstr_free(&rc);
        }
        zmsg_destroy(&msg);
    }
    return n;
}

void eo_sms_link_add(eo_sms_link_t *link, const char *id, const char *url, const char *body)
{
    eo_sms_batch_add(&link->batch, id, url, body);
    link->busy++;
}

size_t eo_sms_link_pollfds(void *state, zmq_pollitem_t *items, size_t max)
{
    eo_sms_link_t *link = state;
    eo_sms_batch_send(&link->batch, link->engine); /* what this turn queued */
    if (link->busy == 0 || max == 0) return 0;
    items[0] = (zmq_pollitem_t){zsock_resolve(link->engine), 0, ZMQ_POLLIN, 0};
    return 1;
}

static void s_link_answer(void *arg, const char *id, int rc)
{
    eo_sms_link_t *link = arg;
    link->busy--;
    link->sink->sent(link->sink->owner, link->name, id, rc);
}

void eo_sms_link_ready(void *state, zmq_pollitem_t *items, size_t n)
{
    (void)items, (void)n;
    eo_sms_link_t *link = state;
    if (link->busy > 0) eo_sms_engine_recv(link->engine, s_link_answer, link);
}

void eo_sms_link_tick(void *state)
{
    eo_sms_link_ready(state, NULL, 0);
}

size_t eo_sms_link_inflight(void *state)
{
    return (size_t)((eo_sms_link_t *)state)->busy;
}
