/* handoff.c: the hand-off core: routing, durable intake, business-hours delivery with
 * backoff, metrics (see handoff.h). */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"
#include "handoff/handoff.h"
#include "handoff/retention.h"
#include "eonjena/eo_handoff_item.h"
#include "eonjena/eo_webhook.h"

/* What the core remembers of a provider between runs (not durable, see handoff.h). */
typedef struct {
    const eo_provider_t *provider;
    int attempts;        /* failed attempts on the current head */
    int64_t next_try_ms; /* not before this (backoff); 0: at once */
    int last_status;     /* last HTTP status, or an EO_E* value; 0: none yet */
} s_state_t;

struct eo_handoff_t {
    eo_store_t *store;
    eo_clock_t *clock;
    eo_handoff_queue_t *queue;
    eo_handoff_config_t cfg;
    s_state_t *states; /* the webhook providers of the served sites */
    size_t n_states;
    eo_holiday_fn *holiday;
    void *holiday_ctx;
    pthread_mutex_t
        lock; /* guards the states' counters: run and metrics may differ in thread */
    eo_handoff_retention_t *retention; /* the daily run; NULL: off */
    eo_handoff_queue_t *purge_queue;   /* its own queue object, in the run's thread */
};

void eo_handoff_config_defaults(eo_handoff_config_t *cfg)
{
    *cfg = (eo_handoff_config_t){.retry_base_ms = 30000,
                                 .retry_max_ms = 3600000,
                                 .http_timeout_ms = 10000,
                                 .batch = 50,
                                 .retention_years = 3,
                                 .window = 512,
                                 .linger_ms = 100};
}

/* Read one whole-number setting of the handoff section into *value (kept if absent).
 * 0, or -1 with err set when present and not in min..max. */
static int s_setting_in(zconfig_t *section, const char *name, long long min, long long max,
                        long long *value, char *err, size_t errlen)
{
    const char *text = section ? zconfig_get(section, name, NULL) : NULL;
    if (!text) return 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || v < min || v > max) {
        snprintf(err, errlen, "handoff/%s must be a whole number from %lld to %lld (got '%s')",
                 name, min, max, text);
        return -1;
    }
    *value = v;
    return 0;
}

static int s_setting(zconfig_t *section, const char *name, long long max, long long *value,
                     char *err, size_t errlen)
{
    return s_setting_in(section, name, 1, max, value, err, errlen);
}

int eo_handoff_config_load(eo_handoff_config_t *cfg, zconfig_t *config, char *err,
                           size_t errlen)
{
    zconfig_t *section = config ? zconfig_locate(config, "handoff") : NULL;
    long long base = cfg->retry_base_ms, max = cfg->retry_max_ms,
              timeout = cfg->http_timeout_ms, batch = cfg->batch, years = cfg->retention_years,
              window = cfg->window, linger = cfg->linger_ms;
    if (s_setting(section, "retry_base_ms", 86400000, &base, err, errlen) ||
        s_setting(section, "retry_max_ms", 86400000, &max, err, errlen) ||
        s_setting(section, "http_timeout_ms", 600000, &timeout, err, errlen) ||
        s_setting(section, "batch", 100000, &batch, err, errlen) ||
        s_setting(section, "retention_years", 100, &years, err, errlen) ||
        s_setting(section, "window", EO_HANDOFF_WINDOW_MAX, &window, err, errlen) ||
        s_setting_in(section, "linger_ms", 0, 10000, &linger, err, errlen))
        return EO_EINVAL;
    if (max < base) {
        snprintf(err, errlen, "handoff/retry_max_ms is below retry_base_ms");
        return EO_EINVAL;
    }
    *cfg = (eo_handoff_config_t){.retry_base_ms = base,
                                 .retry_max_ms = max,
                                 .http_timeout_ms = (long)timeout,
                                 .batch = (int)batch,
                                 .retention_years = (int)years,
                                 .window = (int)window,
                                 .linger_ms = (int)linger};
    return EO_OK;
}

/* Is site in the "*" / "a,b" list? */
static bool s_serves(const char *sites, const char *site)
{
    if (!sites || streq(sites, "*")) return true;
    size_t n = strlen(site);
    for (const char *p = sites; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, site, n) == 0) return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

static const eo_provider_t *s_route(eo_handoff_t *self, const char *site, const char *id);

/* Items kept for a site without a provider go to the site's default provider once
 * the configuration has one. */
static int s_adopt_unrouted(eo_handoff_t *self)
{
    for (size_t i = 0; i < self->n_states; i++) {
        const eo_provider_t *p = self->states[i].provider;
        if (s_route(self, p->site, "") != p) continue;
        char from[EO_PROVIDER_ID_MAX];
        snprintf(from, sizeof from, "unrouted.%s", p->site);
        size_t moved = 0;
        int rc = eo_handoff_queue_move(self->queue, from, p->id, &moved);
        if (rc) return rc;
        if (moved)
            zsys_info("handoff: %zu waiting item(s) of %s now go to %s", moved, p->site, p->id);
    }
    return EO_OK;
}

eo_handoff_t *eo_handoff_new(eo_store_t *store, eo_clock_t *clock,
                             const eo_providers_t *providers, const char *sites,
                             const eo_handoff_config_t *cfg)
{
    eo_handoff_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->store = store;
    self->clock = clock;
    pthread_mutex_init(&self->lock, NULL);
    if (cfg)
        self->cfg = *cfg;
    else
        eo_handoff_config_defaults(&self->cfg);
    self->queue = eo_handoff_queue_new(store);
    size_t n = eo_providers_count(providers);
    self->states = calloc(n ? n : 1, sizeof *self->states);
    if (!self->queue || !self->states) goto fail;
    for (size_t i = 0; i < n; i++) {
        const eo_provider_t *p = eo_providers_at(providers, i);
        if (s_serves(sites, p->site)) self->states[self->n_states++].provider = p;
    }
    if (s_adopt_unrouted(self)) goto fail;
    return self;
fail:
    eo_handoff_destroy(&self);
    return NULL;
}

void eo_handoff_destroy(eo_handoff_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_handoff_t *self = *self_p;
    eo_handoff_queue_destroy(&self->queue);
    eo_handoff_queue_destroy(&self->purge_queue);
    eo_handoff_retention_destroy(&self->retention);
    free(self->states);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void eo_handoff_set_holidays(eo_handoff_t *self, eo_holiday_fn *holiday, void *ctx)
{
    self->holiday = holiday;
    self->holiday_ctx = ctx;
}

int eo_handoff_set_retention(eo_handoff_t *self, const eo_retention_config_t *cfg)
{
    eo_handoff_retention_destroy(&self->retention);
    if (!self->purge_queue) self->purge_queue = eo_handoff_queue_new(self->store);
    self->retention =
        self->purge_queue ? eo_handoff_retention_new(cfg, eo_clock_now_ms(self->clock)) : NULL;
    return self->retention ? EO_OK : EO_ESTORE;
}

eo_handoff_queue_t *eo_handoff_queue(eo_handoff_t *self)
{
    return self->queue;
}

/* The provider of site named id ("" : the site's default), among the served ones. */
static const eo_provider_t *s_route(eo_handoff_t *self, const char *site, const char *id)
{
    for (size_t i = 0; i < self->n_states; i++) {
        const eo_provider_t *p = self->states[i].provider;
        assert(p); /* every served state has its provider (eo_handoff_new) */
        if (!streq(p->site, site)) continue;
        if (id && *id) {
            if (streq(p->id, id)) return p;
        } else if (p->is_default)
            return p;
    }
    if (id && *id) return NULL;
    for (size_t i = 0; i < self->n_states; i++)
        if (streq(self->states[i].provider->site, site)) return self->states[i].provider;
    return NULL;
}

/* The provider id an item goes to: its provider's, or "unrouted.<site>" (logged) when
 * its site has none. EO_EINVAL for an item that is not a hand-off. */
static int s_provider_of(eo_handoff_t *self, const Eo__Event *event, char *out, size_t size)
{
    if (!event || event->body_case != EO__EVENT__BODY_HANDOFF || !event->handoff)
        return EO_EINVAL;
    const Eo__HandoffItem *item = event->handoff;
    const char *site = *item->site ? item->site : event->site;
    if (!site || !*site || strlen(site) > 32 || strchr(site, '/')) return EO_EINVAL;
    const eo_provider_t *p = s_route(self, site, item->provider);
    if (p) {
        snprintf(out, size, "%s", p->id);
        return EO_OK;
    }
    snprintf(out, size, "unrouted.%s", site);
    zsys_error("handoff: no provider '%s' for site %s: item %s kept in %s", item->provider,
               site, item->id, out);
    return EO_OK;
}

int eo_handoff_accept(eo_handoff_t *self, const Eo__Event *event)
{
    char provider[EO_PROVIDER_ID_MAX];
    int rc = s_provider_of(self, event, provider, sizeof provider);
    if (rc) return rc;
    rc = eo_handoff_queue_put(self->queue, provider, event, eo_clock_now(self->clock));
    return rc == EO_EEXIST ? EO_OK : rc;
}

int eo_handoff_accept_batch(eo_handoff_t *self, const Eo__Event *const *events, size_t n,
                            int *rcs)
{
    char(*names)[EO_PROVIDER_ID_MAX] = calloc(n ? n : 1, sizeof *names);
    const char **providers = calloc(n ? n : 1, sizeof *providers);
    const Eo__Event **valid = calloc(n ? n : 1, sizeof *valid);
    int *put = calloc(n ? n : 1, sizeof *put);
    size_t *at = calloc(n ? n : 1, sizeof *at), m = 0;
    int rc = names && providers && valid && put && at ? EO_OK : EO_ENOMEM;
    for (size_t i = 0; rc == EO_OK && i < n; i++) {
        rcs[i] = s_provider_of(self, events[i], names[m], sizeof names[m]);
        if (rcs[i] == EO_OK) providers[m] = names[m], valid[m] = events[i], at[m++] = i;
    }
    if (rc == EO_OK && m)
        rc = eo_handoff_queue_put_batch(self->queue, providers, valid, m,
                                        eo_clock_now(self->clock), put);
    for (size_t j = 0; rc == EO_OK && j < m; j++)
        rcs[at[j]] = put[j] == EO_EEXIST ? EO_OK : put[j];
    free(names);
    free(providers);
    free(valid);
    free(put);
    free(at);
    return rc;
}

/* When provider state s may next be tried, ignoring whether it has anything queued:
 * never later than t while the provider is open at t. Hours change on whole minutes, so
 * the second that holds t decides (rounding t up instead made the due time the next
 * whole second, always later than a running clock's now: nothing was ever due). */
static int64_t s_due_ms(eo_handoff_t *self, const s_state_t *s, int64_t now_ms)
{
    pthread_mutex_lock(&self->lock);
    int64_t t = s->next_try_ms > now_ms ? s->next_try_ms : now_ms;
    pthread_mutex_unlock(&self->lock);
    eo_time_t open =
        eo_hours_next_open(&s->provider->hours, t / 1000, self->holiday, self->holiday_ctx);
    if (!open) return INT64_MAX;
    return open * 1000 > t ? open * 1000 : t;
}

int64_t eo_handoff_next_due_ms(eo_handoff_t *self)
{
    int64_t now_ms = eo_clock_now_ms(self->clock), due = INT64_MAX;
    for (size_t i = 0; i < self->n_states; i++) {
        s_state_t *s = &self->states[i];
        if (s->provider->mode != EO_DELIVERY_WEBHOOK) continue;
        size_t depth;
        eo_time_t since;
        if (eo_handoff_queue_depth(self->queue, s->provider->id, &depth, &since) || !depth)
            continue;
        int64_t t = s_due_ms(self, s, now_ms);
        if (t < due) due = t;
    }
    if (self->retention) {
        int64_t t = eo_handoff_retention_due_ms(self->retention);
        if (t < due) due = t < now_ms ? now_ms : t;
    }
    return due;
}

static int64_t s_backoff_ms(const eo_handoff_config_t *cfg, int attempts)
{
    int64_t delay = cfg->retry_base_ms;
    for (int i = 1; i < attempts && delay < cfg->retry_max_ms; i++)
        delay *= 2;
    return delay < cfg->retry_max_ms ? delay : cfg->retry_max_ms;
}

static int s_post_head(eo_handoff_t *self, s_state_t *s, const eo_provider_t *p,
                       const Eo__HandoffItem *item);

/* POST the head item; 1 if delivered, 0 if it failed (backoff set), or an error. The
 * lines logged meanwhile name its request. */
static int s_deliver_head(eo_handoff_t *self, s_state_t *s, const Eo__HandoffItem *item)
{
    const eo_provider_t *p = s->provider;
    eo_log_request_set(item->id);
    int rc = s_post_head(self, s, p, item);
    eo_log_request_set(NULL);
    return rc;
}

static int s_post_head(eo_handoff_t *self, s_state_t *s, const eo_provider_t *p,
                       const Eo__HandoffItem *item)
{
    json_t *obj = eo_handoff_item_json(item);
    char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!body) return EO_ENOMEM;
    char err[256] = "";
    int status = eo_webhook_post(p->url, p->secret, item->id, body, eo_clock_now(self->clock),
                                 self->cfg.http_timeout_ms, err, sizeof err);
    free(body);
    int64_t now_ms = eo_clock_now_ms(self->clock);
    bool ok = status >= 200 && status < 300;
    if (ok) {
        int rc = eo_handoff_queue_delivered(self->queue, p->id, item->id, now_ms / 1000);
        if (rc) return rc;
    }
    pthread_mutex_lock(&self->lock);
    s->last_status = status;
    int attempts = ok ? s->attempts : ++s->attempts;
    int64_t delay = ok ? 0 : s_backoff_ms(&self->cfg, attempts);
    s->attempts = ok ? 0 : attempts;
    s->next_try_ms = ok ? 0 : now_ms + delay;
    pthread_mutex_unlock(&self->lock);
    if (ok) {
        zsys_info("handoff: %s delivered to %s after %d failed attempts", item->id, p->id,
                  attempts);
        return 1;
    }
    char why[300];
    if (status > 0)
        snprintf(why, sizeof why, "HTTP %d", status);
    else
        snprintf(why, sizeof why, "%s", err);
    zsys_warning("handoff: %s to %s failed (%s), attempt %d, next in %" PRId64 " ms", item->id,
                 p->id, why, attempts, delay);
    return 0;
}

int eo_handoff_run(eo_handoff_t *self, size_t *delivered)
{
    size_t n = 0;
    int rc = EO_OK;
    for (size_t i = 0; i < self->n_states && rc >= 0; i++) {
        s_state_t *s = &self->states[i];
        if (s->provider->mode != EO_DELIVERY_WEBHOOK) continue;
        for (int k = 0; k < self->cfg.batch; k++) {
            int64_t now_ms = eo_clock_now_ms(self->clock);
            if (s_due_ms(self, s, now_ms) > now_ms) break;
            Eo__Event *head = NULL;
            rc = eo_handoff_queue_head(self->queue, s->provider->id, &head);
            if (rc == EO_ENOTFOUND) {
                rc = EO_OK;
                break;
            }
            if (rc) break;
            rc = s_deliver_head(self, s, head->handoff);
            eo_event_free(&head);
            if (rc <= 0) break;
            n++;
            rc = EO_OK;
        }
    }
    if (delivered) *delivered = n;
    /* Then one batch of the daily retention when it is due: bounded, so the next round
     * of deliveries is never far away. A failed batch is done again next turn. */
    if (self->retention && eo_handoff_retention_step(self->retention, self->purge_queue,
                                                     eo_clock_now_ms(self->clock)) != EO_OK)
        zsys_error("handoff: retention batch failed (store), trying again next turn");
    return rc < 0 ? rc : EO_OK;
}

/* {"runs", "anonymised", "failures", "running", "next_run", "last_run"}, or null when the
 * core runs no retention. */
static json_t *s_retention_json(eo_handoff_t *self)
{
    if (!self->retention) return json_null();
    eo_handoff_retention_counts_t c;
    eo_handoff_retention_counts(self->retention, &c);
    char next[32], last[32];
    eo_time_format(c.next_ms / 1000, next, sizeof next);
    eo_time_format(c.last_ms / 1000, last, sizeof last);
    return json_pack("{s:I, s:I, s:I, s:b, s:s, s:o}", "runs", (json_int_t)c.runs, "anonymised",
                     (json_int_t)c.anonymised, "failures", (json_int_t)c.failures, "running",
                     c.running, "next_run", next, "last_run",
                     c.last_ms ? json_string(last) : json_null());
}

static bool s_served_id(eo_handoff_t *self, const char *id)
{
    for (size_t i = 0; i < self->n_states; i++)
        if (streq(self->states[i].provider->id, id)) return true;
    return false;
}

char *eo_handoff_metrics(eo_handoff_t *self)
{
    json_t *depths = NULL;
    if (eo_handoff_queue_depths(self->queue, &depths)) return NULL;
    int64_t now_ms = eo_clock_now_ms(self->clock);
    eo_time_t now = now_ms / 1000;
    char buf[32];
    json_t *providers = json_object(), *unrouted = json_object(), *others = json_object();
    for (size_t i = 0; i < self->n_states; i++) {
        const s_state_t *s = &self->states[i];
        json_t *d = json_object_get(depths, s->provider->id);
        json_int_t depth = json_integer_value(json_object_get(d, "depth"));
        json_int_t since = json_integer_value(json_object_get(d, "oldest_since"));
        bool webhook = s->provider->mode == EO_DELIVERY_WEBHOOK;
        int64_t due = webhook && depth ? s_due_ms(self, s, now_ms) : INT64_MAX;
        pthread_mutex_lock(&self->lock);
        int attempts = s->attempts, last_status = s->last_status;
        pthread_mutex_unlock(&self->lock);
        json_object_set_new(
            providers, s->provider->id,
            json_pack("{s:s, s:s, s:I, s:I, s:i, s:i, s:o}", "site", s->provider->site, "mode",
                      webhook ? "webhook" : "pull", "depth", depth, "oldest_age_s",
                      depth ? (json_int_t)(now - since) : 0, "attempts", attempts,
                      "last_status", last_status, "next_attempt",
                      due == INT64_MAX
                          ? json_null()
                          : json_string(eo_time_format(due / 1000, buf, sizeof buf))));
    }
    const char *key;
    json_t *value;
    json_object_foreach(depths, key, value)
    {
        if (strncmp(key, "unrouted.", 9) == 0)
            json_object_set(unrouted, key + 9, json_object_get(value, "depth"));
        else if (!s_served_id(self, key)) /* a provider no longer configured here */
            json_object_set(others, key, json_object_get(value, "depth"));
    }
    json_t *root =
        json_pack("{s:s, s:o, s:o, s:o, s:o}", "at", eo_time_format(now, buf, sizeof buf),
                  "providers", providers, "unrouted", unrouted, "other_queues", others,
                  "retention", s_retention_json(self));
    json_decref(depths);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    return text;
}

/* --- self-test (no network: a pull provider) ------------------------------------ */

void eo_handoff_test(bool verbose)
{
    if (verbose) printf(" * eo_handoff: ");
    char dir[] = "/tmp/eo_handoff_XXXXXX";
    assert(mkdtemp(dir));
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    eo_clock_t *clock = eo_clock_new_manual(eo_time_from_local(2026, 11, 20, 21, 0, 0) * 1000);
    zconfig_t *config = zconfig_str_load("providers\n    guri-center\n        site = guri\n"
                                         "handoff\n    retry_base_ms = 1000\n");
    char err[256];
    eo_providers_t *providers = eo_providers_load(config, err, sizeof err);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    assert(eo_handoff_config_load(&cfg, config, err, sizeof err) == 0);
    assert(cfg.retry_base_ms == 1000 && cfg.retention_years == 3);
    eo_handoff_t *core = eo_handoff_new(store, clock, providers, "*", &cfg);
    assert(core);
    Eo__HandoffItem item = EO__HANDOFF_ITEM__INIT;
    item.id = "h1";
    item.site = "guri";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "e1";
    ev.body_case = EO__EVENT__BODY_HANDOFF;
    ev.handoff = &item;
    assert(eo_handoff_accept(core, &ev) == 0);
    assert(eo_handoff_accept(core, &ev) == 0); /* a re-send is acknowledged, not queued */
    item.id = "h2";
    item.site = "suwon"; /* no provider: kept, visible */
    assert(eo_handoff_accept(core, &ev) == 0);
    item.id = "";
    assert(eo_handoff_accept(core, &ev) == EO_EINVAL);
    /* Pull providers are never pushed to. */
    assert(eo_handoff_next_due_ms(core) == INT64_MAX);
    char *metrics = eo_handoff_metrics(core);
    assert(metrics && strstr(metrics, "\"guri-center\":{\"site\":\"guri\",\"mode\":\"pull\","
                                      "\"depth\":1"));
    assert(strstr(metrics, "\"unrouted\":{\"suwon\":1}"));
    free(metrics);
    json_t *list = NULL;
    assert(eo_handoff_queue_list(eo_handoff_queue(core), "guri-center", 10, &list) == 0);
    assert(json_array_size(list) == 1);
    json_decref(list);
    eo_handoff_destroy(&core);
    assert(core == NULL);
    eo_providers_destroy(&providers);
    zconfig_destroy(&config);
    /* suwon gets a provider: its waiting item moves there at start. */
    config = zconfig_str_load("providers\n    guri-center\n        site = guri\n"
                              "    suwon-center\n        site = suwon\n");
    providers = eo_providers_load(config, err, sizeof err);
    core = eo_handoff_new(store, clock, providers, "*", NULL);
    size_t depth;
    eo_time_t since;
    assert(eo_handoff_queue_depth(eo_handoff_queue(core), "suwon-center", &depth, &since) == 0);
    assert(depth == 1);
    assert(eo_handoff_queue_depth(eo_handoff_queue(core), "unrouted.suwon", &depth, &since) ==
           0);
    assert(depth == 0);
    metrics = eo_handoff_metrics(core);
    assert(strstr(metrics, "\"unrouted\":{},\"other_queues\":{}"));
    free(metrics);
    eo_handoff_destroy(&core);
    eo_providers_destroy(&providers);
    zconfig_destroy(&config);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    assert(eo_store_remove(dir) == 0);
    if (verbose) printf("OK\n");
}
