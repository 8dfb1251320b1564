/* kannel.c: Kannel's smsbox as the gateway (KANNEL.md has the facts this relies on).
 *
 * MT: GET <sendsms>?username&password&from&to&text&coding=2&charset=UTF-8&dlr-mask&dlr-url
 * over a few keep-alive connections (smsbox listens with a backlog of 10: a connection
 * per message loses), driven by one curl multi handle on the adapter's own engine
 * thread, so that the role's fsyncs never leave the connections idle.
 * Both coding=2 and charset=UTF-8, or Hangul arrives as '?' or garbled with HTTP 202.
 * DLR: dlr-url = <public_url>/kannel/<name>/dlr?id=<message id>&status=%d, URL-encoded
 * inside the query or Kannel drops everything after its first '&'.
 * MO: the sms-service's get-url points at <public_url>/kannel/<name>/mo?id=%I&from=%p&text=%b
 * (with mo-recode = true and max-messages = 0; tests/kannel/ has a working config).
 *
 *   sms/adapters/<name>
 *       type = kannel
 *       sendsms = "http://127.0.0.1:13013/cgi-bin/sendsms"
 *       username = "eonjena"       password = "..."
 *       from = "0311234567"        # the registered sender number
 *       connections = 8            dlr_mask = 3      timeout_ms = 10000
 *       smsc = ""                  # optional smsc-id route
 *       national = true            # send "010..." instead of "+8210..." */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "adapter.h"
#include "eonjena/eo_phone.h"

/* --- the engine: curl multi on its own thread ------------------------------------------
 * The role's thread commits to LMDB with fsync; if HTTP ran there too, every commit
 * would leave the connections idle. So the sendsms GETs run on this thread: it takes
 * "SEND id url" from the pipe, keeps `conns` keep-alive connections busy and answers
 * "id rc" for each. */

#define S_ENGINE_QUEUE 512 /* GETs handed to the engine and not answered, at most */

typedef struct {
    CURL *easy;
    char *id; /* the message in flight on this handle, NULL if idle */
    char err[CURL_ERROR_SIZE];
} s_conn_t;

typedef struct {
    int nconns;
    long timeout_ms;
} s_engine_args_t;

typedef struct {
    char *id, *url;
} s_job_t;

static size_t s_discard(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr, (void)arg;
    return size * n;
}

/* Start queued jobs on idle connections. */
static void s_engine_start(CURLM *multi, s_conn_t *conns, int n, zlistx_t *jobs)
{
    for (int i = 0; i < n && zlistx_size(jobs); i++) {
        if (conns[i].id)
            continue;
        s_job_t *job = zlistx_first(jobs);
        zlistx_detach_cur(jobs);
        curl_easy_setopt(conns[i].easy, CURLOPT_URL, job->url); /* curl copies it */
        conns[i].id = job->id;
        free(job->url);
        free(job);
        curl_multi_add_handle(multi, conns[i].easy);
    }
}

/* Report finished transfers: 2xx taken; 4xx refused for good; anything else retried. */
static void s_engine_harvest(CURLM *multi, zsock_t *pipe)
{
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        s_conn_t *conn;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&conn);
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        int rc = msg->data.result != CURLE_OK ? EO_EIO
                 : code >= 200 && code < 300  ? EO_OK
                 : code >= 400 && code < 500  ? EO_EINVAL
                                              : EO_EIO;
        if (rc != EO_OK)
            zsys_warning("sms kannel: sendsms for %s: %s (HTTP %ld)", conn->id,
                         msg->data.result != CURLE_OK ? conn->err : "refused", code);
        curl_multi_remove_handle(multi, conn->easy);
        zsock_send(pipe, "si", conn->id, rc);
        zstr_free(&conn->id);
    }
}

static void s_engine(zsock_t *pipe, void *arg)
{
    s_engine_args_t *a = arg;
    int n = a->nconns;
    CURLM *multi = curl_multi_init();
    s_conn_t *conns = calloc((size_t)n, sizeof *conns);
    zlistx_t *jobs = zlistx_new();
    assert(multi && conns && jobs);
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)n);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)n);
    for (int i = 0; i < n; i++) {
        CURL *e = curl_easy_init();
        assert(e);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_discard);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, a->timeout_ms);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, conns[i].err);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &conns[i]);
        conns[i].easy = e;
    }
    zsock_signal(pipe, 0);
    bool done = false;
    while (!done) {
        /* wait on the pipe and curl's sockets together */
        zmq_pollitem_t items[72];
        int count = 0;
        items[count++] = (zmq_pollitem_t){zsock_resolve(pipe), 0, ZMQ_POLLIN, 0};
        fd_set r, w, x;
        FD_ZERO(&r);
        FD_ZERO(&w);
        FD_ZERO(&x);
        int maxfd = -1;
        curl_multi_fdset(multi, &r, &w, &x, &maxfd);
        for (int fd = 0; fd <= maxfd && count < 72; fd++) {
            short ev = (short)((FD_ISSET(fd, &r) ? ZMQ_POLLIN : 0) | (FD_ISSET(fd, &w) ? ZMQ_POLLOUT : 0));
            if (ev)
                items[count++] = (zmq_pollitem_t){NULL, fd, ev, 0};
        }
        long timeout = -1;
        curl_multi_timeout(multi, &timeout);
        bool busy = false;
        for (int i = 0; i < n; i++)
            busy |= conns[i].id != NULL;
        /* curl may hold a socket it does not list yet (connecting): look again soon */
        if (busy && (timeout < 0 || timeout > 10))
            timeout = 10;
        if (zmq_poll(items, count, timeout) < 0)
            break;
        while (zsock_events(pipe) & ZMQ_POLLIN) {
            char *cmd = NULL, *id = NULL, *url = NULL;
            if (zsock_recv(pipe, "sss", &cmd, &id, &url) != 0 || !cmd || streq(cmd, "$TERM")) {
                done = true;
                zstr_free(&cmd), zstr_free(&id), zstr_free(&url);
                break;
            }
            s_job_t *job = malloc(sizeof *job);
            assert(job);
            *job = (s_job_t){id, url};
            zlistx_add_end(jobs, job);
            zstr_free(&cmd);
        }
        s_engine_start(multi, conns, n, jobs);
        int running;
        curl_multi_perform(multi, &running);
        s_engine_harvest(multi, pipe);
        s_engine_start(multi, conns, n, jobs);
        curl_multi_perform(multi, &running);
    }
    for (int i = 0; i < n; i++) {
        curl_multi_remove_handle(multi, conns[i].easy);
        curl_easy_cleanup(conns[i].easy);
        free(conns[i].id);
    }
    for (s_job_t *job = zlistx_first(jobs); job; job = zlistx_next(jobs)) {
        free(job->id);
        free(job->url);
        free(job);
    }
    zlistx_destroy(&jobs);
    free(conns);
    curl_multi_cleanup(multi);
}

/* --- the driver, on the role's thread ------------------------------------------------ */

typedef struct {
    char *name;
    const eo_sms_sink_t *sink;
    zactor_t *engine;
    s_engine_args_t engine_args;
    int busy;           /* handed to the engine, not answered */
    char *base;         /* sendsms?username=..&password=..&from=..&coding=2&charset=UTF-8 */
    char *dlr_base;     /* <public_url>/kannel/<name>/dlr */
    int dlr_mask;
    bool national;
} s_kannel_t;

static void s_destroy(void **state_p)
{
    s_kannel_t *self = *state_p;
    if (!self)
        return;
    zactor_destroy(&self->engine);
    free(self->base);
    free(self->dlr_base);
    free(self->name);
    free(self);
    *state_p = NULL;
}

/* URL-encode into a new string. */
static char *s_escape(const char *text)
{
    char *e = curl_easy_escape(NULL, text, 0);
    char *copy = e ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}

static void *s_create(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    zconfig_t *c = env->section;
    const char *sendsms = zconfig_get(c, "sendsms", "");
    const char *user = zconfig_get(c, "username", "");
    const char *pass = zconfig_get(c, "password", "");
    const char *from = zconfig_get(c, "from", "");
    const char *smsc = zconfig_get(c, "smsc", "");
    int conns = atoi(zconfig_get(c, "connections", "8"));
    int mask = atoi(zconfig_get(c, "dlr_mask", "3"));
    long timeout = atol(zconfig_get(c, "timeout_ms", "10000"));
    if (strncmp(sendsms, "http://", 7) != 0 && strncmp(sendsms, "https://", 8) != 0) {
        snprintf(err, errlen, "sms/adapters/%s/sendsms: need smsbox's http(s):// sendsms URL",
                 env->name);
        return NULL;
    }
    if (!*user || !*from) {
        snprintf(err, errlen, "sms/adapters/%s: username and from (the sender number) are needed",
                 env->name);
        return NULL;
    }
    if (conns < 1 || conns > 64 || mask < 0 || mask > 31 || timeout < 100) {
        snprintf(err, errlen, "sms/adapters/%s: connections 1..64, dlr_mask 0..31, "
                 "timeout_ms >= 100", env->name);
        return NULL;
    }
    if (mask && (!env->public_url || !*env->public_url)) {
        snprintf(err, errlen, "sms/adapters/%s: delivery reports (dlr_mask %d) need sms/listen "
                 "(our HTTP endpoint) to be set", env->name, mask);
        return NULL;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s_kannel_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(env->name);
    self->sink = env->sink;
    self->dlr_mask = mask;
    self->national = !streq(zconfig_get(c, "national", "true"), "false");
    char *u = s_escape(user), *p = s_escape(pass), *f = s_escape(from), *s = s_escape(smsc);
    self->base = zsys_sprintf("%s%susername=%s&password=%s&from=%s&coding=2&charset=UTF-8%s%s",
                              sendsms, strchr(sendsms, '?') ? "&" : "?", u, p, f,
                              *smsc ? "&smsc=" : "", s);
    free(u), free(p), free(f), free(s);
    if (mask)
        self->dlr_base = zsys_sprintf("%s/kannel/%s/dlr", env->public_url, env->name);
    self->engine_args = (s_engine_args_t){conns, timeout};
    self->engine = zactor_new(s_engine, &self->engine_args);
    assert(self->engine);
    return self;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_kannel_t *self = state;
    if (self->busy >= S_ENGINE_QUEUE)
        return EO_EOVERLOAD;
    char to[EO_PHONE_MAX];
    /* Korean mobiles in the national form if asked; other E.164 numbers as they are */
    if (!self->national || eo_phone_national(mt->to, to, sizeof to) != EO_OK)
        snprintf(to, sizeof to, "%s", mt->to);
    char *eto = s_escape(to), *etext = s_escape(mt->text);
    char *url;
    if (self->dlr_mask) {
        char *eid = s_escape(mt->id);
        char *dlr = zsys_sprintf("%s?id=%s&status=%%d", self->dlr_base, eid);
        char *edlr = s_escape(dlr);
        url = zsys_sprintf("%s&to=%s&text=%s&dlr-mask=%d&dlr-url=%s", self->base, eto, etext,
                           self->dlr_mask, edlr);
        free(eid), zstr_free(&dlr), free(edlr);
    }
    else
        url = zsys_sprintf("%s&to=%s&text=%s", self->base, eto, etext);
    free(eto), free(etext);
    zsock_send(self->engine, "sss", "SEND", mt->id, url);
    zstr_free(&url);
    self->busy++;
    return EO_OK;
}

static size_t s_pollfds(void *state, zmq_pollitem_t *items, size_t max)
{
    s_kannel_t *self = state;
    if (self->busy == 0 || max == 0)
        return 0;
    items[0] = (zmq_pollitem_t){zsock_resolve(self->engine), 0, ZMQ_POLLIN, 0};
    return 1;
}

/* The engine's answers: one per send. */
static void s_ready(void *state, zmq_pollitem_t *items, size_t n)
{
    (void)items, (void)n;
    s_kannel_t *self = state;
    while (self->busy > 0 && (zsock_events(self->engine) & ZMQ_POLLIN)) {
        char *id = NULL;
        int rc = EO_EIO;
        if (zsock_recv(self->engine, "si", &id, &rc) != 0 || !id)
            break;
        self->busy--;
        self->sink->sent(self->sink->owner, self->name, id, rc);
        zstr_free(&id);
    }
}

static void s_tick(void *state)
{
    s_ready(state, NULL, 0);
}

static const char *s_arg(zhash_t *args, const char *key)
{
    const char *v = zhash_lookup(args, key);
    return v ? v : "";
}

/* Kannel calls back: /kannel/<name>/mo?id=%I&from=%p&text=%b and
 * /kannel/<name>/dlr?id=<ours>&status=%d. */
static int s_inbound(void *state, const char *what, zhash_t *args, const char *body, size_t size)
{
    (void)body, (void)size;
    s_kannel_t *self = state;
    if (streq(what, "mo")) {
        eo_sms_mo_t mo = {s_arg(args, "id"), s_arg(args, "from"), s_arg(args, "text")};
        if (!*mo.id || !*mo.from)
            return 400;
        self->sink->mo(self->sink->owner, self->name, &mo);
        return 200;
    }
    if (streq(what, "dlr")) {
        const char *id = s_arg(args, "id");
        int status = atoi(s_arg(args, "status"));
        if (!*id || status <= 0)
            return 400;
        /* Kannel's types: 1 delivered, 2 failed, 4 buffered, 8 at SMSC, 16 SMSC reject */
        eo_dlr_t dlr = status & 1 ? EO_DLR_DELIVERED : status & (2 | 16) ? EO_DLR_FAILED
                                                                         : EO_DLR_QUEUED;
        self->sink->dlr(self->sink->owner, self->name, id, dlr);
        return 200;
    }
    return 404;
}

static size_t s_inflight(void *state)
{
    return (size_t)((s_kannel_t *)state)->busy;
}

const eo_sms_driver_t eo_sms_driver_kannel = {
    .type = "kannel",
    .create = s_create,
    .destroy = s_destroy,
    .send = s_send,
    .pollfds = s_pollfds,
    .ready = s_ready,
    .tick = s_tick,
    .inbound = s_inbound,
    .inflight = s_inflight,
};
