/* sim.c: simulated carers, for `make run`, demos and load tests.
 *
 * Every message is "delivered" dlr_ms after it is sent (or fails, with probability
 * `fail`). An offer is answered after delay_ms (+ up to jitter_ms) with probability
 * `accept` (an accept text) or `decline`, else never. The answer comes back through the
 * role's MO path like a real reply. Decisions are a pure function of (seed, message id),
 * so a replay makes the same carers say the same things whatever the order of sends.
 * Times come from the role's clock: a demo clock that runs fast makes carers fast too.
 * dlr_ms = -1: no delivery reports (a gateway asked for none). With `trace`, every
 * message handed over is appended to that file as "<wall clock us> <message id>", and
 * every answer the carer will give as "<us> <offer's id>:accept" (or :decline): what
 * eonjena-load reads to time offers sent and settlements and to count the carers'
 * answers (docs/load.md).
 *
 *   sms/adapters/<name>
 *       type = sim
 *       delay_ms = 3000      jitter_ms = 2000     dlr_ms = 100
 *       accept = 0.5         decline = 0.2        fail = 0     seed = 1
 *       trace = "var/sms.trace"
 * A text can also be injected as if a carer sent it (s_inbound), when the role has an
 * inbound endpoint (sms/listen). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapter.h"

typedef struct {
    int64_t due;  /* clock ms */
    uint64_t seq; /* creation order breaks ties */
    bool mo;
    eo_dlr_t status;
    char *id; /* message id (dlr) or reply id (mo) */
    char *from;
    char *text;
} s_event_t;

typedef struct {
    char *name;
    eo_clock_t *clock;
    const eo_sms_sink_t *sink;
    double delay_ms, jitter_ms, dlr_ms, accept, decline, fail;
    uint64_t seed, seq;
    zlistx_t *events;   /* s_event_t, sorted by (due, seq) */
    FILE *trace;        /* NULL: none */
    bool traced;        /* lines written since the last flush */
    int64_t flushed_at; /* mono ms */
} s_sim_t;

/* A number in [0, 1) from (seed, id, salt): FNV-1a then splitmix64's finaliser. */
static double s_roll(uint64_t seed, const char *id, uint64_t salt)
{
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h += salt * 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    return (double)(h >> 11) / 9007199254740992.0;
}

static int s_event_compare(const void *a, const void *b)
{
    const s_event_t *x = a, *y = b;
    if (x->due != y->due) return x->due < y->due ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void s_event_free(void **item_p)
{
    s_event_t *e = *item_p;
    if (e) {
        free(e->id);
        free(e->from);
        free(e->text);
        free(e);
        *item_p = NULL;
    }
}

static void s_schedule(s_sim_t *self, int64_t due, bool mo, eo_dlr_t status, const char *id,
                       const char *from, const char *text)
{
    s_event_t *e = calloc(1, sizeof *e);
    assert(e);
    *e = (s_event_t){due,
                     self->seq++,
                     mo,
                     status,
                     strdup(id),
                     strdup(from ? from : ""),
                     strdup(text ? text : "")};
    zlistx_insert(self->events, e, false);
}

static bool s_prob(zconfig_t *section, const char *key, double fallback, double max,
                   double *out, const char *name, char *err, size_t errlen)
{
    const char *text = zconfig_get(section, key, NULL);
    *out = fallback;
    if (!text) return true;
    char *end;
    *out = strtod(text, &end);
    if (end == text || *end || *out < 0 || *out > max) {
        snprintf(err, errlen, "sms/adapters/%s/%s: '%s' must be a number in 0..%g", name, key,
                 text, max);
        return false;
    }
    return true;
}

static void s_destroy(void **state_p)
{
    s_sim_t *self = *state_p;
    if (!self) return;
    zlistx_destroy(&self->events);
    if (self->trace) fclose(self->trace);
    free(self->name);
    free(self);
    *state_p = NULL;
}

static void *s_create(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    s_sim_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(env->name);
    self->clock = env->clock;
    self->sink = env->sink;
    self->events = zlistx_new();
    zlistx_set_comparator(self->events, s_event_compare);
    zlistx_set_destructor(self->events, s_event_free);
    double seed = 1;
    zconfig_t *c = env->section;
    const char *dlr = zconfig_get(c, "dlr_ms", NULL); /* -1: no delivery reports */
    bool no_dlr = dlr && streq(dlr, "-1");
    bool ok =
        s_prob(c, "delay_ms", 3000, 86400000, &self->delay_ms, env->name, err, errlen) &&
        s_prob(c, "jitter_ms", 2000, 86400000, &self->jitter_ms, env->name, err, errlen) &&
        (no_dlr || s_prob(c, "dlr_ms", 100, 86400000, &self->dlr_ms, env->name, err, errlen)) &&
        s_prob(c, "accept", 0.5, 1, &self->accept, env->name, err, errlen) &&
        s_prob(c, "decline", 0.2, 1, &self->decline, env->name, err, errlen) &&
        s_prob(c, "fail", 0, 1, &self->fail, env->name, err, errlen) &&
        s_prob(c, "seed", 1, 4294967295.0, &seed, env->name, err, errlen);
    if (ok && self->accept + self->decline > 1) {
        snprintf(err, errlen, "sms/adapters/%s: accept + decline must not exceed 1", env->name);
        ok = false;
    }
    const char *trace = zconfig_get(c, "trace", "");
    if (ok && *trace && !(self->trace = fopen(trace, "a"))) {
        snprintf(err, errlen, "sms/adapters/%s/trace: cannot open '%s' to append", env->name,
                 trace);
        ok = false;
    }
    if (!ok) {
        void *state = self;
        s_destroy(&state);
        return NULL;
    }
    if (no_dlr) self->dlr_ms = -1;
    self->seed = (uint64_t)seed;
    return self;
}

/* What a simulated carer texts back: the ways real carers answer, code included. */
static void s_answer_text(s_sim_t *self, const eo_sms_mt_t *mt, bool accept, char *out,
                          size_t size)
{
    static const char *accepts[] = {"수락 %s", "%s", "1 %s", "네 %s", "ok %s"};
    static const char *declines[] = {"2 %s", "거절 %s", "N %s"};
    const char *const *forms = accept ? accepts : declines;
    size_t n = accept ? 5 : 3;
    if (!mt->code || !*mt->code) {
        snprintf(out, size, "%s", accept ? "1" : "2");
        return;
    }
    size_t pick = (size_t)(s_roll(self->seed, mt->id, 4) * (double)n);
    snprintf(out, size, forms[pick < n ? pick : n - 1], mt->code);
}

/* A trace line "<wall clock us> <message id><suffix>": the wall clock, as eonjena-load
 * compares it with its own. */
static void s_trace(s_sim_t *self, const char *id, const char *suffix)
{
    if (!self->trace) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(self->trace, "%lld %s%s\n", (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, id,
            suffix);
    self->traced = true;
}

static int s_send(void *state, const eo_sms_mt_t *mt)
{
    s_sim_t *self = state;
    int64_t now = eo_clock_now_ms(self->clock);
    bool failed = s_roll(self->seed, mt->id, 1) < self->fail;
    s_trace(self, mt->id, "");
    if (self->dlr_ms >= 0)
        s_schedule(self, now + (int64_t)self->dlr_ms, false,
                   failed ? EO_DLR_FAILED : EO_DLR_DELIVERED, mt->id, NULL, NULL);
    if (mt->offer && !failed) {
        double r = s_roll(self->seed, mt->id, 2);
        if (r < self->accept + self->decline) {
            char text[64];
            s_answer_text(self, mt, r < self->accept, text, sizeof text);
            int64_t delay =
                (int64_t)(self->delay_ms + self->jitter_ms * s_roll(self->seed, mt->id, 3));
            char reply_id[160];
            snprintf(reply_id, sizeof reply_id, "sim:%s", mt->id);
            s_schedule(self, now + delay, true, 0, reply_id, mt->to, text);
            s_trace(self, mt->id, r < self->accept ? ":accept" : ":decline");
        }
    }
    self->sink->sent(self->sink->owner, self->name, mt->id, EO_OK);
    return EO_OK;
}

#define S_TRACE_FLUSH_MS 100 /* how stale the trace file may be */

static int64_t s_due(void *state)
{
    s_sim_t *self = state;
    s_event_t *e = zlistx_first(self->events);
    if (!e) return self->traced ? S_TRACE_FLUSH_MS : -1;
    int64_t d = e->due - eo_clock_now_ms(self->clock);
    /* a manual or fast clock may move without us: look again at least every 100 ms */
    return d < 0 ? 0 : d > 100 ? 100 : d;
}

static void s_tick(void *state)
{
    s_sim_t *self = state;
    if (self->traced && zclock_mono() - self->flushed_at >= S_TRACE_FLUSH_MS) {
        fflush(self->trace);
        self->traced = false;
        self->flushed_at = zclock_mono();
    }
    int64_t now = eo_clock_now_ms(self->clock);
    s_event_t *e;
    while ((e = zlistx_first(self->events)) && e->due <= now) {
        zlistx_detach_cur(self->events);
        if (e->mo) {
            eo_sms_mo_t mo = {e->id, e->from, e->text};
            self->sink->mo(self->sink->owner, self->name, &mo);
        } else
            self->sink->dlr(self->sink->owner, self->name, e->id, e->status);
        void *item = e;
        s_event_free(&item);
    }
}

/* A carer's text injected over the role's inbound endpoint (demos and tests):
 *   GET|POST /sim/<adapter>/mo?from=010-...&text=...[&id=...]
 * arrives exactly as a simulated carer's reply does. */
static int s_inbound(void *state, const char *what, zhash_t *args, const char *body,
                     size_t size)
{
    (void)body, (void)size;
    s_sim_t *self = state;
    const char *from = zhash_lookup(args, "from"), *text = zhash_lookup(args, "text");
    const char *id = zhash_lookup(args, "id");
    if (!streq(what, "mo") || !from || !text || !*text) return 400;
    char made[48];
    if (!id || !*id) {
        snprintf(made, sizeof made, "inject:%" PRIu64, self->seq++);
        id = made;
    }
    eo_sms_mo_t mo = {id, from, text};
    self->sink->mo(self->sink->owner, self->name, &mo);
    return 200;
}

static size_t s_inflight(void *state)
{
    return zlistx_size(((s_sim_t *)state)->events);
}

const eo_sms_driver_t eo_sms_driver_sim = {
    .type = "sim",
    .create = s_create,
    .destroy = s_destroy,
    .send = s_send,
    .due = s_due,
    .tick = s_tick,
    .inbound = s_inbound,
    .inflight = s_inflight,
};
