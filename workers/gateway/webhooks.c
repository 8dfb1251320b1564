/* webhooks.c: clients' webhooks of the change feed (see webhooks.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "eonjena/eo_webhook.h"
#include "feed.h"
#include "path.h"
#include "routes.h"
#include "webhooks.h"

#define S_MAX 256     /* registrations */
#define S_URL_MAX 512 /* bytes of a URL */
#define S_SECRET 64   /* hex digits of a secret */
#define S_BATCH 50    /* events per site per round */

typedef struct {
    char id[EO_KEY_ID_MAX];
    char url[S_URL_MAX];
    char secret[S_SECRET + 1];
    char cursor[EO_FEED_CURSOR_MAX]; /* "" before the first round */
    int attempts;                    /* failures of the event at the head */
    int last_status;                 /* the last answer: HTTP status, or 0: none */
    int64_t next_mono;               /* not before (zclock_mono), after a failure */
} s_hook_t;

struct eo_webhooks_t {
    eo_gateway_t *gateway;
    char path[PATH_MAX];
    int base_ms, max_ms, timeout_ms, poll_ms;
    pthread_mutex_t lock;
    s_hook_t *v;
    size_t n;
    atomic_bool quit;
    pthread_t thread;
    bool running;
};

/* --- the file ------------------------------------------------------------------------ */

/* "<key id> <url> <secret> <cursor or ->" per line. */
static int s_load(eo_webhooks_t *self, char *err, size_t errlen)
{
    FILE *f = fopen(self->path, "r");
    if (!f)
        return errno == ENOENT
                   ? EO_OK
                   : (snprintf(err, errlen, "%s: %s", self->path, strerror(errno)), EO_EIO);
    char line[S_URL_MAX + EO_FEED_CURSOR_MAX + 200];
    int rc = EO_OK, no = 0;
    while (rc == EO_OK && fgets(line, sizeof line, f)) {
        no++;
        if (line[0] == '#' || line[0] == '\n') continue;
        s_hook_t h = {0};
        char cursor[EO_FEED_CURSOR_MAX];
        if (self->n == S_MAX ||
            sscanf(line, "%23s %511s %64s %1183s", h.id, h.url, h.secret, cursor) != 4 ||
            strlen(h.secret) != S_SECRET) {
            snprintf(err, errlen, "%s line %d: not <key id> <url> <secret> <cursor>",
                     self->path, no);
            rc = EO_EINVAL;
            break;
        }
        snprintf(h.cursor, sizeof h.cursor, "%s", streq(cursor, "-") ? "" : cursor);
        self->v[self->n++] = h;
    }
    OPENSSL_cleanse(line, sizeof line);
    fclose(f);
    return rc;
}

/* Write the file anew (a temporary file, fsync'ed, renamed over it), under the lock. */
static int s_save(eo_webhooks_t *self)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", self->path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        zsys_error("webhooks: cannot write %s: %s", tmp, strerror(errno));
        return EO_EIO;
    }
    fprintf(f,
            "# eonjena webhooks: <key id> <url> <secret> <cursor> (written by the gateway)\n");
    for (size_t i = 0; i < self->n; i++)
        fprintf(f, "%s %s %s %s\n", self->v[i].id, self->v[i].url, self->v[i].secret,
                *self->v[i].cursor ? self->v[i].cursor : "-");
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, self->path) != 0) {
        zsys_error("webhooks: cannot write %s: %s", self->path, strerror(errno));
        unlink(tmp);
        return EO_EIO;
    }
    return EO_OK;
}

static s_hook_t *s_find(eo_webhooks_t *self, const char *id)
{
    for (size_t i = 0; i < self->n; i++)
        if (streq(self->v[i].id, id)) return &self->v[i];
    return NULL;
}

/* --- delivery ------------------------------------------------------------------------ */

/* After a failure: base, doubling per attempt, up to max. */
static int64_t s_backoff(const eo_webhooks_t *self, int attempts)
{
    int64_t ms = self->base_ms;
    for (int i = 1; i < attempts && ms < self->max_ms; i++)
        ms *= 2;
    return ms < self->max_ms ? ms : self->max_ms;
}

/* The position reached, and how the head fared, back into the registration (unless
 * it was removed or registered anew meanwhile). */
static void s_record(eo_webhooks_t *self, const s_hook_t *was, const char *cursor, int status,
                     bool failed)
{
    pthread_mutex_lock(&self->lock);
    s_hook_t *h = s_find(self, was->id);
    if (h && streq(h->url, was->url) && streq(h->secret, was->secret)) {
        bool moved = !streq(h->cursor, cursor);
        snprintf(h->cursor, sizeof h->cursor, "%s", cursor);
        if (status || failed) h->last_status = status;
        h->attempts = failed ? h->attempts + 1 : 0;
        h->next_mono = failed ? zclock_mono() + s_backoff(self, h->attempts) : 0;
        if (moved) s_save(self);
    }
    pthread_mutex_unlock(&self->lock);
}

/* One round for one registration: its new events, in order, until one fails. */
static void s_deliver(eo_webhooks_t *self, const s_hook_t *hook)
{
    /* no trace: a poll every events_poll_ms would fill the matchers' logs */
    eo_http_request_t req = {.gateway = self->gateway, .route = "webhook"};
    eo_http_reply_t scratch = {0};
    eo_feed_cursor_t cur;
    int rc = eo_auth_identity(eo_gateway_auth(self->gateway), hook->id, &req.who);
    if (rc == EO_OK) rc = eo_feed_start(&req, &scratch, hook->cursor, &cur);
    json_decref(scratch.json);
    if (rc) return; /* a revoked key, or a matcher that does not answer: next round */
    json_t *events = eo_feed_poll(&req, &cur, S_BATCH);
    char cursor[EO_FEED_CURSOR_MAX];
    snprintf(cursor, sizeof cursor, "%s", hook->cursor);
    int status = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e)
    {
        json_t *event = json_object_get(e, "event");
        char *body = json_dumps(event, JSON_COMPACT);
        char err[256] = "";
        status = body ? eo_webhook_post(hook->url, hook->secret,
                                        json_string_value(json_object_get(event, "id")), body,
                                        eo_clock_now(eo_gateway_args(self->gateway)->clock),
                                        self->timeout_ms, err, sizeof err)
                      : EO_ENOMEM;
        free(body);
        if (status < 200 || status > 299) {
            zsys_warning("webhooks: %s: event %s: %s%d, tried again later", hook->id,
                         json_string_value(json_object_get(event, "id")),
                         *err ? err : "status ", status > 0 ? status : 0);
            s_record(self, hook, cursor, status > 0 ? status : 0, true);
            json_decref(events);
            return;
        }
        snprintf(cursor, sizeof cursor, "%s", json_string_value(json_object_get(e, "cursor")));
    }
    json_decref(events);
    eo_feed_cursor_format(&cur, cursor, sizeof cursor); /* past other sites' rows too */
    s_record(self, hook, cursor, status, false);
}

static void *s_run(void *arg)
{
    eo_webhooks_t *self = arg;
    while (!atomic_load(&self->quit)) {
        for (size_t i = 0; !atomic_load(&self->quit); i++) {
            pthread_mutex_lock(&self->lock);
            s_hook_t hook = {0};
            bool any = i < self->n;
            if (any) hook = self->v[i];
            pthread_mutex_unlock(&self->lock);
            if (!any) break;
            if (hook.next_mono <= zclock_mono()) s_deliver(self, &hook);
            OPENSSL_cleanse(hook.secret, sizeof hook.secret);
        }
        for (int slept = 0; slept < self->poll_ms && !atomic_load(&self->quit); slept += 20)
            zclock_sleep(20);
    }
    return NULL;
}

/* --- the object ---------------------------------------------------------------------- */

static int s_setting(zconfig_t *config, const char *path, const char *fallback, int lo, int hi)
{
    int v = atoi(zconfig_get(config, path, fallback));
    return v < lo ? lo : v > hi ? hi : v;
}

eo_webhooks_t *eo_webhooks_new(eo_gateway_t *gateway, zconfig_t *config, char *err,
                               size_t errlen)
{
    eo_webhooks_t *self = calloc(1, sizeof *self);
    if (self) self->v = calloc(S_MAX, sizeof *self->v);
    if (!self || !self->v) {
        free(self);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->gateway = gateway;
    const char *path = zconfig_get(config, "gateway/webhooks_file", "");
    if (*path)
        snprintf(self->path, sizeof self->path, "%s", path);
    else { /* beside the keys: both are the gateway's credentials */
        char keys[PATH_MAX];
        snprintf(keys, sizeof keys, "%s", zconfig_get(config, "gateway/keys_file", "var/keys"));
        snprintf(self->path, sizeof self->path, "%s/webhooks", dirname(keys));
    }
    self->base_ms = s_setting(config, "gateway/webhook_retry_base_ms", "1000", 10, 3600000);
    self->max_ms = s_setting(config, "gateway/webhook_retry_max_ms", "300000", 10, 86400000);
    self->timeout_ms = s_setting(config, "gateway/webhook_timeout_ms", "10000", 100, 120000);
    self->poll_ms = s_setting(config, "gateway/events_poll_ms", "500", 20, 60000);
    pthread_mutex_init(&self->lock, NULL);
    if (s_load(self, err, errlen) == EO_OK &&
        pthread_create(&self->thread, NULL, s_run, self) == 0) {
        self->running = true;
        return self;
    }
    if (!*err) snprintf(err, errlen, "cannot start the webhooks' thread");
    eo_webhooks_destroy(&self);
    return NULL;
}

void eo_webhooks_destroy(eo_webhooks_t **self_p)
{
    eo_webhooks_t *self = *self_p;
    if (!self) return;
    atomic_store(&self->quit, true);
    if (self->running) pthread_join(self->thread, NULL);
    pthread_mutex_destroy(&self->lock);
    OPENSSL_cleanse(self->v, S_MAX * sizeof *self->v);
    free(self->v);
    free(self);
    *self_p = NULL;
}

/* --- the routes ---------------------------------------------------------------------- */

static bool s_url_ok(const char *url)
{
    size_t n = strlen(url);
    if (n >= S_URL_MAX || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f) return false;
    return n > 8;
}

static void s_no_webhook(eo_http_reply_t *reply)
{
    eo_http_error(reply, 404, "no_webhook", "등록된 웹훅이 없습니다",
                  "this credential has registered no webhook");
}

static json_t *s_view(const s_hook_t *h)
{
    return json_pack("{s:s,s:s?,s:i,s:o}", "url", h->url, "cursor",
                     *h->cursor ? h->cursor : NULL, "failures", h->attempts, "last_status",
                     h->last_status ? json_integer(h->last_status) : json_null());
}

/* POST /v1/webhooks {"url"}: register (or move) the caller's webhook; the answer holds
 * its new secret, shown this once. Events from now on are sent (a move keeps the
 * position). */
void eo_api_webhooks_put(eo_http_request_t *req, eo_http_reply_t *reply)
{
    static const eo_field_t spec[] = {{"url", EO_JSON_STRING, true}, {NULL}};
    json_t *body = eo_http_body(req, reply, spec);
    if (!body) return;
    const char *url = json_string_value(json_object_get(body, "url"));
    if (!s_url_ok(url)) {
        eo_http_error_field(reply, 400, "bad_url", "웹훅 주소가 잘못되었습니다",
                            "url must be an http:// or https:// address of at most 511 "
                            "characters, without spaces",
                            "url");
        json_decref(body);
        return;
    }
    eo_webhooks_t *self = eo_gateway_webhooks(req->gateway);
    pthread_mutex_lock(&self->lock);
    s_hook_t *old = s_find(self, req->who.id);
    char from[EO_FEED_CURSOR_MAX];
    snprintf(from, sizeof from, "%s", old ? old->cursor : "");
    pthread_mutex_unlock(&self->lock);
    eo_feed_cursor_t cur; /* where it starts: now, or where the old one was */
    if (eo_feed_start(req, reply, from, &cur) != EO_OK) {
        json_decref(body);
        return;
    }
    s_hook_t h = {0};
    uint8_t raw[S_SECRET / 2];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        eo_http_error(reply, 500, "internal", "서버 오류입니다", "no random bytes");
        json_decref(body);
        return;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(h.secret + 2 * i, 3, "%02x", raw[i]);
    snprintf(h.id, sizeof h.id, "%s", req->who.id);
    snprintf(h.url, sizeof h.url, "%s", url);
    eo_feed_cursor_format(&cur, h.cursor, sizeof h.cursor);
    json_decref(body);
    pthread_mutex_lock(&self->lock);
    bool created = !(old = s_find(self, h.id));
    int rc = EO_OK;
    if (created && self->n == S_MAX)
        rc = EO_ENOMEM;
    else
        *(created ? &self->v[self->n++] : old) = h;
    if (rc == EO_OK) rc = s_save(self);
    pthread_mutex_unlock(&self->lock);
    if (rc) {
        eo_http_error(reply, 503, "not_saved", "웹훅을 저장하지 못했습니다",
                      rc == EO_ENOMEM ? "too many webhooks registered"
                                      : "the webhooks file "
                                        "could not be "
                                        "written");
        return;
    }
    reply->status = created ? 201 : 200;
    reply->json = s_view(&h);
    json_object_set_new(reply->json, "secret", json_string(h.secret));
    OPENSSL_cleanse(&h, sizeof h);
}

/* GET /v1/webhooks: the caller's webhook and how its delivery goes (no secret). */
void eo_api_webhooks_get(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_webhooks_t *self = eo_gateway_webhooks(req->gateway);
    pthread_mutex_lock(&self->lock);
    s_hook_t *h = s_find(self, req->who.id);
    if (h) reply->json = s_view(h);
    pthread_mutex_unlock(&self->lock);
    if (!h) s_no_webhook(reply);
}

/* DELETE /v1/webhooks: no more deliveries to the caller's URL. */
void eo_api_webhooks_delete(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_webhooks_t *self = eo_gateway_webhooks(req->gateway);
    pthread_mutex_lock(&self->lock);
    s_hook_t *h = s_find(self, req->who.id);
    int rc = EO_OK;
    if (h) {
        *h = self->v[--self->n];
        OPENSSL_cleanse(&self->v[self->n], sizeof *h);
        rc = s_save(self);
    }
    pthread_mutex_unlock(&self->lock);
    if (!h)
        s_no_webhook(reply);
    else if (rc)
        eo_http_error(reply, 503, "not_saved", "웹훅을 저장하지 못했습니다",
                      "the webhooks file could not be written");
    else {
        reply->status = 204;
        reply->text = strdup("");
    }
}
