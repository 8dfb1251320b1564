/* adapter.c: an adapter instance = a driver + rate limit + retries (see adapter.h).
 *
 * The driver only knows how to talk to its gateway; pacing and retrying are the same for
 * every gateway and live here: messages wait in a FIFO until the token bucket allows
 * them, a refused send waits backoff_ms (doubling) and goes again, and only the final
 * outcome reaches the role. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "adapter.h"
#include "eonjena/eo_addr.h"
#include "eonjena/eo_sha256.h"

typedef struct {
    char *id, *to, *text, *code;
    bool euckr, offer;
    int attempts;
    int64_t not_before; /* zclock_mono ms */
} s_item_t;

struct eo_sms_adapter_t {
    char *name;
    const eo_sms_driver_t *driver;
    void *state;
    const eo_sms_sink_t *role; /* where final outcomes go */
    eo_sms_sink_t sink;        /* what the driver calls: us */
    double rate;               /* messages/s, 0 = unlimited */
    double tokens;
    int64_t tokens_at;
    int retries;
    int backoff_ms;
    zlistx_t *queue;    /* s_item_t, FIFO, first try */
    zlistx_t *retry;    /* s_item_t waiting for not_before */
    zhashx_t *inflight; /* id -> s_item_t handed to the driver */
    bool pumping;
    /* who may call us back (eo_sms_adapter_admit) */
    bool inbound;       /* the role has an endpoint and the driver takes calls */
    uint8_t secret[32]; /* SHA-256 of inbound_secret */
    char *allow_from;   /* eo_addr list */
};

static const eo_sms_driver_t *s_drivers[] = {
    &eo_sms_driver_file,
    &eo_sms_driver_http,
    &eo_sms_driver_kannel,
    &eo_sms_driver_sim,
};

const eo_sms_driver_t *eo_sms_driver_find(const char *type)
{
    for (size_t i = 0; type && i < sizeof s_drivers / sizeof s_drivers[0]; i++)
        if (streq(s_drivers[i]->type, type)) return s_drivers[i];
    return NULL;
}

static void s_item_destroy(s_item_t **item_p)
{
    if (item_p && *item_p) {
        s_item_t *item = *item_p;
        free(item->id);
        free(item->to);
        free(item->text);
        free(item->code);
        free(item);
        *item_p = NULL;
    }
}

static void s_pump(eo_sms_adapter_t *self);

/* The driver's report on one send: retry a refusal for now, pass on the rest. */
static void s_on_sent(void *owner, const char *adapter, const char *id, int rc)
{
    eo_sms_adapter_t *self = owner;
    s_item_t *item = zhashx_lookup(self->inflight, id);
    if (!item) return; /* not ours: a report for a send we did not make */
    zhashx_delete(self->inflight, id);
    if (rc == EO_EIO && item->attempts <= self->retries) {
        int64_t delay = (int64_t)self->backoff_ms
                        << (item->attempts - 1 < 16 ? item->attempts - 1 : 16);
        item->not_before = zclock_mono() + delay;
        zsys_debug("sms %s: gateway refused %s (attempt %d), again in %lld ms", adapter, id,
                   item->attempts, (long long)delay);
        zlistx_add_end(self->retry, item);
        return;
    }
    self->role->sent(self->role->owner, adapter, id, rc);
    s_item_destroy(&item);
}

static void s_on_mo(void *owner, const char *adapter, const eo_sms_mo_t *mo)
{
    eo_sms_adapter_t *self = owner;
    self->role->mo(self->role->owner, adapter, mo);
}

static void s_on_dlr(void *owner, const char *adapter, const char *id, eo_dlr_t status)
{
    eo_sms_adapter_t *self = owner;
    self->role->dlr(self->role->owner, adapter, id, status);
}

static double s_number(zconfig_t *section, const char *key, double fallback, double min,
                       double max, const char *name, bool *bad, char *err, size_t errlen)
{
    const char *text = zconfig_get(section, key, NULL);
    if (!text) return fallback;
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || v < min || v > max) {
        snprintf(err, errlen, "sms/adapters/%s/%s: '%s' is not a number in %g..%g", name, key,
                 text, min, max);
        *bad = true;
    }
    return v;
}

/* The inbound keys: a gateway that calls us back (MO, delivery reports) must present the
 * adapter's secret and come from an allowed address, or anyone who reaches the endpoint
 * could answer an offer in a carer's name. Without a secret such an adapter does not
 * start. */
static int s_inbound_config(eo_sms_adapter_t *self, const eo_sms_adapter_env_t *env, char *err,
                            size_t errlen)
{
    self->inbound = self->driver->inbound && env->public_url && *env->public_url;
    if (!self->inbound) return 0;
    const char *secret = zconfig_get(env->section, "inbound_secret", "");
    const char *allow = zconfig_get(env->section, "allow_from", "127.0.0.1, ::1");
    char why[128];
    if (strlen(secret) < 16) {
        snprintf(err, errlen,
                 "sms/adapters/%s/inbound_secret: needed, at least 16 characters "
                 "(the gateway sends it with every callback: `openssl rand -hex 16` makes one)",
                 env->name);
        return -1;
    }
    if (!eo_addr_list_valid(allow, why, sizeof why) || !*allow) {
        snprintf(err, errlen, "sms/adapters/%s/allow_from: %s", env->name,
                 *allow ? why : "empty: no gateway could call back");
        return -1;
    }
    eo_sha256(secret, strlen(secret), self->secret);
    self->allow_from = strdup(allow);
    return 0;
}

eo_sms_adapter_t *eo_sms_adapter_new(const eo_sms_adapter_env_t *env, char *err, size_t errlen)
{
    const char *type = zconfig_get(env->section, "type", NULL);
    const eo_sms_driver_t *driver = eo_sms_driver_find(type);
    if (!driver) {
        snprintf(err, errlen,
                 "sms/adapters/%s/type: '%s' is not one of kannel, http, sim, file", env->name,
                 type ? type : "");
        return NULL;
    }
    eo_sms_adapter_t *self = calloc(1, sizeof *self);
    assert(self);
    self->name = strdup(env->name);
    self->driver = driver;
    self->role = env->sink;
    self->sink = (eo_sms_sink_t){self, s_on_sent, s_on_mo, s_on_dlr};
    bool bad = false;
    self->rate = s_number(env->section, "rate", 0, 0, 1e6, env->name, &bad, err, errlen);
    self->retries =
        (int)s_number(env->section, "retries", 6, 0, 100, env->name, &bad, err, errlen);
    self->backoff_ms = (int)s_number(env->section, "backoff_ms", 500, 1, 3600000, env->name,
                                     &bad, err, errlen);
    self->queue = zlistx_new();
    self->retry = zlistx_new();
    self->inflight = zhashx_new();
    self->tokens = self->rate > 0 ? 1 : 0;
    self->tokens_at = zclock_mono();
    if (bad || s_inbound_config(self, env, err, errlen)) goto fail;
    eo_sms_adapter_env_t mine = *env;
    mine.sink = &self->sink;
    self->state = driver->create(&mine, err, errlen);
    if (!self->state) goto fail;
    return self;
fail:
    eo_sms_adapter_destroy(&self);
    return NULL;
}

static void s_list_free(zlistx_t **list_p)
{
    if (!*list_p) return;
    for (s_item_t *item = zlistx_first(*list_p); item; item = zlistx_next(*list_p))
        s_item_destroy(&item);
    zlistx_destroy(list_p);
}

void eo_sms_adapter_destroy(eo_sms_adapter_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_sms_adapter_t *self = *self_p;
    if (self->state) self->driver->destroy(&self->state);
    free(self->allow_from);
    OPENSSL_cleanse(self->secret, sizeof self->secret);
    s_list_free(&self->queue);
    s_list_free(&self->retry);
    if (self->inflight) {
        for (s_item_t *item = zhashx_first(self->inflight); item;
             item = zhashx_next(self->inflight))
            s_item_destroy(&item);
        zhashx_destroy(&self->inflight);
    }
    free(self->name);
    free(self);
    *self_p = NULL;
}

const char *eo_sms_adapter_name(eo_sms_adapter_t *self)
{
    return self->name;
}

const char *eo_sms_adapter_type(eo_sms_adapter_t *self)
{
    return self->driver->type;
}

int eo_sms_adapter_send(eo_sms_adapter_t *self, const eo_sms_mt_t *mt)
{
    if (!mt->id || !*mt->id || !mt->to || !mt->text) return EO_EINVAL;
    s_item_t *item = calloc(1, sizeof *item);
    assert(item);
    item->id = strdup(mt->id);
    item->to = strdup(mt->to);
    item->text = strdup(mt->text);
    item->code = strdup(mt->code ? mt->code : "");
    item->euckr = mt->euckr;
    item->offer = mt->offer;
    zlistx_add_end(self->queue, item);
    s_pump(self);
    return EO_OK;
}

/* Refill the token bucket; a burst of at most a tenth of a second's worth (>= 1). */
static void s_refill(eo_sms_adapter_t *self, int64_t now)
{
    if (self->rate <= 0) return;
    double burst = self->rate / 10 > 1 ? self->rate / 10 : 1;
    self->tokens += (double)(now - self->tokens_at) * self->rate / 1000.0;
    if (self->tokens > burst) self->tokens = burst;
    self->tokens_at = now;
}

/* The next item allowed to go: a due retry first, then the queue's head. */
static s_item_t *s_next(eo_sms_adapter_t *self, int64_t now, zlistx_t **from)
{
    for (s_item_t *item = zlistx_first(self->retry); item; item = zlistx_next(self->retry))
        if (item->not_before <= now) {
            *from = self->retry;
            return item;
        }
    *from = self->queue;
    return zlistx_first(self->queue);
}

static void s_pump(eo_sms_adapter_t *self)
{
    if (self->pumping) return; /* a driver that reports inside send() brings us back here */
    self->pumping = true;
    int64_t now = zclock_mono();
    s_refill(self, now);
    zlistx_t *from;
    s_item_t *item;
    while ((item = s_next(self, now, &from)) != NULL) {
        if (self->rate > 0 && self->tokens < 1) break;
        eo_sms_mt_t mt = {item->id, item->to, item->text, item->euckr, item->offer, item->code};
        item->attempts++;
        zlistx_detach_cur(from);
        if (zhashx_insert(self->inflight, item->id, item) != 0) {
            zsys_warning("sms %s: %s is already being sent, dropped the copy", self->name,
                         item->id);
            s_item_destroy(&item);
            continue;
        }
        int rc = self->driver->send(self->state, &mt);
        if (rc == EO_EOVERLOAD) { /* not taken: back to the front, try later */
            item->attempts--;
            zhashx_delete(self->inflight, item->id);
            zlistx_add_start(from, item);
            break;
        }
        if (self->rate > 0) self->tokens -= 1;
    }
    self->pumping = false;
}

size_t eo_sms_adapter_pollfds(eo_sms_adapter_t *self, zmq_pollitem_t *items, size_t max)
{
    return self->driver->pollfds ? self->driver->pollfds(self->state, items, max) : 0;
}

void eo_sms_adapter_ready(eo_sms_adapter_t *self, zmq_pollitem_t *items, size_t n)
{
    if (self->driver->ready) self->driver->ready(self->state, items, n);
    s_pump(self);
}

int64_t eo_sms_adapter_due(eo_sms_adapter_t *self)
{
    int64_t due = self->driver->due ? self->driver->due(self->state) : -1;
    int64_t now = zclock_mono();
    int64_t mine = -1;
    if (zlistx_size(self->queue) > 0 && self->rate > 0 && self->tokens < 1)
        mine = (int64_t)((1 - self->tokens) * 1000.0 / self->rate) + 1;
    for (s_item_t *item = zlistx_first(self->retry); item; item = zlistx_next(self->retry)) {
        int64_t d = item->not_before > now ? item->not_before - now : 0;
        if (mine < 0 || d < mine) mine = d;
    }
    if (mine >= 0 && (due < 0 || mine < due)) due = mine;
    return due;
}

void eo_sms_adapter_tick(eo_sms_adapter_t *self)
{
    if (self->driver->tick) self->driver->tick(self->state);
    s_pump(self);
}

const char *eo_sms_adapter_admit(eo_sms_adapter_t *self, const char *peer, const char *key)
{
    if (!self->inbound) return "no_inbound";
    if (!eo_addr_in_list(self->allow_from, peer)) return "source";
    /* compare digests: constant time, and the length of the secret does not leak */
    uint8_t given[32];
    eo_sha256(key, strlen(key), given);
    return CRYPTO_memcmp(given, self->secret, sizeof given) == 0 ? NULL : "key";
}

int eo_sms_adapter_inbound(eo_sms_adapter_t *self, const char *what, zhash_t *args,
                           const char *body, size_t size)
{
    if (!self->driver->inbound) return 404;
    int status = self->driver->inbound(self->state, what, args, body, size);
    s_pump(self);
    return status;
}

size_t eo_sms_adapter_pending(eo_sms_adapter_t *self)
{
    return zlistx_size(self->queue) + zlistx_size(self->retry) + zhashx_size(self->inflight);
}

/* --- self-test: the sim and file drivers, pacing and retries ------------------------ */

#include <sys/stat.h>

#include "eonjena/eo_reply.h"

typedef struct {
    int sent_ok, sent_failed, dlr_delivered, dlr_failed, accepts, declines, others;
    zlistx_t *mo_texts;
} s_tally_t;

static void s_tally_sent(void *owner, const char *adapter, const char *id, int rc)
{
    (void)adapter, (void)id;
    s_tally_t *t = owner;
    if (rc == EO_OK)
        t->sent_ok++;
    else
        t->sent_failed++;
}

static void s_tally_mo(void *owner, const char *adapter, const eo_sms_mo_t *mo)
{
    (void)adapter;
    s_tally_t *t = owner;
    eo_reply_t r;
    eo_reply_parse(mo->text, strlen(mo->text), &r);
    if (r.kind == EO_REPLY_ACCEPT && streq(r.code, "4821"))
        t->accepts++;
    else if (r.kind == EO_REPLY_DECLINE && streq(r.code, "4821"))
        t->declines++;
    else
        t->others++;
    assert(streq(mo->from, "+821012345678"));
    zlistx_add_end(t->mo_texts, strdup(mo->text));
}

static void s_tally_dlr(void *owner, const char *adapter, const char *id, eo_dlr_t status)
{
    (void)adapter, (void)id;
    s_tally_t *t = owner;
    if (status == EO_DLR_DELIVERED)
        t->dlr_delivered++;
    else
        t->dlr_failed++;
}

static eo_sms_adapter_t *s_test_adapter(const char *cfg, eo_clock_t *clock, eo_sms_sink_t *sink,
                                        char *err, size_t errlen)
{
    zconfig_t *section = zconfig_str_load(cfg);
    assert(section);
    eo_sms_adapter_env_t env = {"t", zconfig_locate(section, "x/t"), "http://127.0.0.1:1",
                                clock, sink};
    eo_sms_adapter_t *a = eo_sms_adapter_new(&env, err, errlen);
    zconfig_destroy(&section);
    return a;
}

/* Drive the adapter's cycle until `done` or 5 s pass. */
static void s_drive(eo_sms_adapter_t *a, int *counter, int want)
{
    int64_t until = zclock_mono() + 5000;
    while (*counter < want && zclock_mono() < until) {
        int64_t due = eo_sms_adapter_due(a);
        zmq_poll(NULL, 0, due < 0 || due > 50 ? 50 : (long)due);
        eo_sms_adapter_tick(a);
    }
}

/* 200 offers and 20 notices through a seeded simulator; returns the MO texts in order. */
static zlistx_t *s_test_sim_run(bool verbose, s_tally_t *t)
{
    char err[256];
    eo_clock_t *clock = eo_clock_new_manual(1800000000000);
    *t = (s_tally_t){.mo_texts = zlistx_new()};
    zlistx_set_destructor(t->mo_texts, (zlistx_destructor_fn *)zstr_free);
    eo_sms_sink_t sink = {t, s_tally_sent, s_tally_mo, s_tally_dlr};
    eo_sms_adapter_t *a =
        s_test_adapter("x\n    t\n        type = sim\n"
                       "        inbound_secret = 0123456789abcdef\n        delay_ms = 1000\n"
                       "        jitter_ms = 500\n        accept = 0.5\n"
                       "        decline = 0.3\n        seed = 7\n",
                       clock, &sink, err, sizeof err);
    assert(a);
    for (int i = 0; i < 220; i++) {
        char id[32];
        snprintf(id, sizeof id, "r%d:c%d:offer", i / 10, i);
        eo_sms_mt_t mt = {id, "+821012345678", "offer text", false, i < 200, "4821"};
        assert(eo_sms_adapter_send(a, &mt) == EO_OK);
    }
    assert(t->sent_ok == 220);
    eo_sms_adapter_tick(a);
    assert(t->dlr_delivered == 0); /* nothing is due before the clock moves */
    eo_clock_advance_ms(clock, 100);
    eo_sms_adapter_tick(a);
    assert(t->dlr_delivered == 220 && zlistx_size(t->mo_texts) == 0);
    eo_clock_advance_ms(clock, 1000);
    eo_sms_adapter_tick(a);
    size_t early = zlistx_size(t->mo_texts);
    eo_clock_advance_ms(clock, 500);
    eo_sms_adapter_tick(a);
    assert(zlistx_size(t->mo_texts) >= early);
    assert(eo_sms_adapter_due(a) == -1); /* everything happened */
    if (verbose) printf("sim: %d accept, %d decline of 200 offers; ", t->accepts, t->declines);
    /* about half accept and a third decline; notices are never answered */
    assert(t->others == 0);
    assert(t->accepts > 70 && t->accepts < 130 && t->declines > 35 && t->declines < 85);
    assert(t->accepts + t->declines < 200);
    eo_sms_adapter_destroy(&a);
    eo_clock_destroy(&clock);
    return t->mo_texts;
}

static void s_test_sim(bool verbose)
{
    s_tally_t t1, t2;
    zlistx_t *one = s_test_sim_run(verbose, &t1);
    zlistx_t *two = s_test_sim_run(false, &t2);
    /* same seed, same answers in the same order */
    assert(zlistx_size(one) == zlistx_size(two));
    for (char *a = zlistx_first(one), *b = zlistx_first(two); a;
         a = zlistx_next(one), b = zlistx_next(two))
        assert(streq(a, b));
    zlistx_destroy(&one);
    zlistx_destroy(&two);
}

static void s_test_file(void)
{
    char err[256], path[256], cfg[512];
    const char *tmp = getenv("EO_TEST_TMP") ? getenv("EO_TEST_TMP") : "/tmp";
    zsys_dir_create("%s", tmp);
    snprintf(path, sizeof path, "%s/sms-file-test.log", tmp);
    unlink(path);
    snprintf(cfg, sizeof cfg, "x\n    t\n        type = file\n        path = \"%s\"\n", path);
    eo_clock_t *clock = eo_clock_new_manual(1800000000000);
    s_tally_t t = {0};
    eo_sms_sink_t sink = {&t, s_tally_sent, s_tally_mo, s_tally_dlr};
    eo_sms_adapter_t *a = s_test_adapter(cfg, clock, &sink, err, sizeof err);
    assert(a);
    eo_sms_mt_t mt = {"m1", "+821012345678", "첫 줄\n둘째\t줄", false, true, "1234"};
    assert(eo_sms_adapter_send(a, &mt) == EO_OK);
    mt.id = "m2";
    mt.text = "수락 1234";
    assert(eo_sms_adapter_send(a, &mt) == EO_OK);
    assert(t.sent_ok == 2);
    eo_sms_adapter_destroy(&a);
    struct stat st;
    assert(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    FILE *f = fopen(path, "r");
    assert(f);
    char line[512];
    assert(fgets(line, sizeof line, f));
    assert(streq(line, "2027-01-15T17:00:00+09:00\tm1\t+82 10-****-5678\t첫 줄\\n둘째\\t줄\n"));
    assert(fgets(line, sizeof line, f) && strstr(line, "\tm2\t") && strstr(line, "수락 1234"));
    assert(!fgets(line, sizeof line, f));
    fclose(f);

    /* a file that refuses writes: retried with backoff, then reported failed */
    s_tally_t t2 = {0};
    sink.owner = &t2;
    a = s_test_adapter("x\n    t\n        type = file\n        path = /dev/full\n"
                       "        retries = 2\n        backoff_ms = 20\n",
                       clock, &sink, err, sizeof err);
    assert(a);
    int64_t started = zclock_mono();
    assert(eo_sms_adapter_send(a, &mt) == EO_OK);
    assert(t2.sent_failed == 0 && eo_sms_adapter_pending(a) == 1);
    s_drive(a, &t2.sent_failed, 1);
    assert(t2.sent_failed == 1 && t2.sent_ok == 0 && eo_sms_adapter_pending(a) == 0);
    assert(zclock_mono() - started >= 20 + 40); /* two waits, the second twice as long */
    eo_sms_adapter_destroy(&a);
    eo_clock_destroy(&clock);
}

static void s_test_rate(void)
{
    char err[256];
    eo_clock_t *clock = eo_clock_new_manual(1800000000000);
    s_tally_t t = {0};
    eo_sms_sink_t sink = {&t, s_tally_sent, s_tally_mo, s_tally_dlr};
    eo_sms_adapter_t *a = s_test_adapter("x\n    t\n        type = sim\n        rate = 100\n"
                                         "        inbound_secret = 0123456789abcdef\n",
                                         clock, &sink, err, sizeof err);
    assert(a);
    int64_t started = zclock_mono();
    for (int i = 0; i < 40; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        eo_sms_mt_t mt = {id, "+821012345678", "x", false, false, ""};
        eo_sms_adapter_send(a, &mt);
    }
    assert(t.sent_ok == 1); /* one token to start with */
    s_drive(a, &t.sent_ok, 40);
    assert(t.sent_ok == 40);
    /* 39 more at 100/s with bursts of at most 10: at least 0.29 s */
    assert(zclock_mono() - started >= 290);
    eo_sms_adapter_destroy(&a);
    eo_clock_destroy(&clock);
}

void eo_sms_adapter_test(bool verbose)
{
    if (verbose) printf(" * eo_sms_adapter: ");
    char err[256];
    static const struct {
        const char *cfg, *why;
    } bad[] = {
        {"x\n    t\n        rate = 5\n", "not one of"},
        {"x\n    t\n        type = smpp\n", "not one of"},
        {"x\n    t\n        type = sim\n        rate = fast\n", "rate"},
        /* the simulator takes injected texts on the endpoint: it needs a secret too */
        {"x\n    t\n        type = sim\n        accept = 0.5\n", "inbound_secret"},
        {"x\n    t\n        type = sim\n        inbound_secret = 0123456789abcdef\n"
         "        accept = 1.5\n",
         "accept"},
        {"x\n    t\n        type = sim\n        inbound_secret = 0123456789abcdef\n"
         "        accept = 0.8\n        decline = 0.5\n",
         "exceed"},
        {"x\n    t\n        type = file\n", "needs a path"},
        {"x\n    t\n        type = file\n        path = /nonexistent/dir/x\n", "cannot open"},
    };
    eo_sms_sink_t sink = {NULL, s_tally_sent, s_tally_mo, s_tally_dlr};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        eo_sms_adapter_t *a = s_test_adapter(bad[i].cfg, NULL, &sink, err, sizeof err);
        if (a || !strstr(err, bad[i].why)) {
            fprintf(stderr, "adapter case %zu: want '%s', got '%s'\n", i, bad[i].why, err);
            assert(false);
        }
    }
    s_test_sim(verbose);
    s_test_file();
    s_test_rate();
    if (verbose) printf("OK\n");
}
