/* kannel.c: Kannel's smsbox as the gateway (KANNEL.md has the facts this relies on).
 *
 * MT: GET <sendsms>?username&password&from&to&text&coding=2&charset=UTF-8&dlr-mask&dlr-url
 * over a few keep-alive connections driven by one curl multi handle on the role's
 * thread (smsbox listens with a backlog of 10: a connection per message loses).
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

typedef struct {
    CURL *easy;
    char *id;           /* the message in flight on this handle, NULL if idle */
    char err[CURL_ERROR_SIZE];
} s_conn_t;

typedef struct {
    char *name;
    const eo_sms_sink_t *sink;
    CURLM *multi;
    s_conn_t *conns;
    int nconns, busy;
    char *base;         /* sendsms?username=..&password=..&from=..&coding=2&charset=UTF-8 */
    char *dlr_base;     /* <public_url>/kannel/<name>/dlr */
    int dlr_mask;
    bool national;
    long timeout_ms;
} s_kannel_t;

static void s_destroy(void **state_p)
{
    s_kannel_t *self = *state_p;
    if (!self)
        return;
    for (int i = 0; i < self->nconns; i++) {
        if (self->conns[i].easy) {
            curl_multi_remove_handle(self->multi, self->conns[i].easy);
            curl_easy_cleanup(self->conns[i].easy);
        }
        free(self->conns[i].id);
    }
    if (self->multi)
        curl_multi_cleanup(self->multi);
    free(self->conns);
    free(self->base);
    free(self->dlr_base);
    free(self->name);
    free(self);
    *state_p = NULL;
}

static size_t s_discard(char *ptr, size_t size, size_t n, void *arg)
{
    (void)ptr, (void)arg;
    return size * n;
}

/* URL-encode into a new string (curl_easy_escape wants a handle; any will do). */
static char *s_escape(CURL *easy, const char *text)
{
    char *e = curl_easy_escape(easy, text, 0);
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
    self->nconns = conns;
    self->dlr_mask = mask;
    self->timeout_ms = timeout;
    self->national = !streq(zconfig_get(c, "national", "true"), "false");
    self->multi = curl_multi_init();
    self->conns = calloc((size_t)conns, sizeof *self->conns);
    assert(self->multi && self->conns);
    /* at most `conns` connections, kept alive and reused */
    curl_multi_setopt(self->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)conns);
    curl_multi_setopt(self->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)conns);
    curl_multi_setopt(self->multi, CURLMOPT_MAXCONNECTS, (long)conns);
    for (int i = 0; i < conns; i++) {
        CURL *e = curl_easy_init();
        assert(e);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_discard);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, self->conns[i].err);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &self->conns[i]);
        self->conns[i].easy = e;
    }
    CURL *e = self->conns[0].easy;
    char *u = s_escape(e, user), *p = s_escape(e, pass), *f = s_escape(e, from),
         *s = s_escape(e, smsc);
    self->base = zsys_sprintf("%s%susername=%s&password=%s&from=%s&coding=2&charset=UTF-8%s%s",
                              sendsms, strchr(sendsms, '?') ? "&" : "?", u, p, f,
                              *smsc ? "&smsc=" : "", s);
    free(u), free(p), free(f), free(s);
    if (mask)
        self->dlr_base = zsys_sprintf("%s/kannel/%s/dlr", env->public_url, env->name);
    return self;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_kannel_t *self = state;
    if (self->busy == self->nconns)
        return EO_EOVERLOAD;
    char to[EO_PHONE_MAX];
    /* Korean mobiles in the national form if asked; other E.164 numbers as they are */
    if (!self->national || eo_phone_national(mt->to, to, sizeof to) != EO_OK)
        snprintf(to, sizeof to, "%s", mt->to);
    s_conn_t *conn = NULL;
    for (int i = 0; i < self->nconns && !conn; i++)
        if (!self->conns[i].id)
            conn = &self->conns[i];
    assert(conn);
    char *eto = s_escape(conn->easy, to), *etext = s_escape(conn->easy, mt->text);
    char *url;
    if (self->dlr_mask) {
        char *eid = s_escape(conn->easy, mt->id);
        char *dlr = zsys_sprintf("%s?id=%s&status=%%d", self->dlr_base, eid);
        char *edlr = s_escape(conn->easy, dlr);
        url = zsys_sprintf("%s&to=%s&text=%s&dlr-mask=%d&dlr-url=%s", self->base, eto, etext,
                           self->dlr_mask, edlr);
        free(eid), zstr_free(&dlr), free(edlr);
    }
    else
        url = zsys_sprintf("%s&to=%s&text=%s", self->base, eto, etext);
    free(eto), free(etext);
    curl_easy_setopt(conn->easy, CURLOPT_URL, url); /* curl copies it */
    zstr_free(&url);
    conn->id = strdup(mt->id);
    self->busy++;
    curl_multi_add_handle(self->multi, conn->easy);
    return EO_OK;
}

/* Report finished transfers: 2xx taken; 4xx refused for good; anything else retried. */
static void s_harvest(s_kannel_t *self)
{
    int left;
    CURLMsg *msg;
    while ((msg = curl_multi_info_read(self->multi, &left)) != NULL) {
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
            zsys_warning("sms %s: sendsms for %s: %s (HTTP %ld)", self->name, conn->id,
                         msg->data.result != CURLE_OK ? conn->err : "refused", code);
        curl_multi_remove_handle(self->multi, conn->easy);
        char *id = conn->id;
        conn->id = NULL;
        self->busy--;
        self->sink->sent(self->sink->owner, self->name, id, rc);
        free(id);
    }
}

static void s_perform(s_kannel_t *self)
{
    int running;
    curl_multi_perform(self->multi, &running);
    s_harvest(self);
}

static size_t s_pollfds(void *state, zmq_pollitem_t *items, size_t max)
{
    s_kannel_t *self = state;
    if (self->busy == 0)
        return 0;
    fd_set r, w, x;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&x);
    int maxfd = -1;
    curl_multi_fdset(self->multi, &r, &w, &x, &maxfd);
    size_t n = 0;
    for (int fd = 0; fd <= maxfd && n < max; fd++) {
        short ev = (short)((FD_ISSET(fd, &r) ? ZMQ_POLLIN : 0) | (FD_ISSET(fd, &w) ? ZMQ_POLLOUT : 0)
                           | (FD_ISSET(fd, &x) ? ZMQ_POLLERR : 0));
        if (ev)
            items[n++] = (zmq_pollitem_t){NULL, fd, ev, 0};
    }
    return n;
}

static void s_ready(void *state, zmq_pollitem_t *items, size_t n)
{
    s_kannel_t *self = state;
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= items[i].revents != 0;
    if (any)
        s_perform(self);
}

static int64_t s_due(void *state)
{
    s_kannel_t *self = state;
    if (self->busy == 0)
        return -1;
    long t = -1;
    curl_multi_timeout(self->multi, &t);
    /* curl may hold a socket we do not see yet (connecting): look again soon */
    return t < 0 || t > 50 ? 50 : t;
}

static void s_tick(void *state)
{
    s_kannel_t *self = state;
    if (self->busy)
        s_perform(self);
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
    .due = s_due,
    .tick = s_tick,
    .inbound = s_inbound,
    .inflight = s_inflight,
};
