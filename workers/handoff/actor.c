/* actor.c: the hand-off role as two threads: intake (broker worker, this actor) and
 * delivery (a child actor driving the core by timers computed from the clock). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <openssl/crypto.h>

#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_calendar.h"
#include "eonjena/eo_codec.h"
#include "handoff/actor.h"
#include "handoff/handoff.h"

#define S_POLL_MS 250     /* intake: heartbeat the broker at least this often */
#define S_RECHECK_MS 5000 /* delivery: re-read clock and calendar at least this often */

/* What both threads share, owned by the intake. The core is made for this: the
 * delivery thread runs it, the intake thread only accepts and reads metrics. */
typedef struct {
    eo_role_args_t *args;
    eo_providers_t *providers;
    eo_handoff_config_t cfg;
    eo_calendar_t *calendar;
    eo_handoff_t *core;
} s_shared_t;

static bool s_is_holiday(void *ctx, int32_t date_key)
{
    return eo_calendar_is_holiday(ctx, date_key);
}

/* --- delivery thread -------------------------------------------------------------- */

typedef struct {
    s_shared_t *shared;
    eo_handoff_t *core;
    zloop_t *loop;
    int timer;
    int64_t maintained_at; /* mono ms: the store's housekeeping last ran */
} s_delivery_t;

static int s_on_timer(zloop_t *loop, int timer_id, void *arg);

/* One timer for the next due delivery, from the clock; capped so that a clock that
 * was set by hand, or a calendar change, is seen soon. */
static void s_arm(s_delivery_t *self)
{
    if (self->timer >= 0) zloop_timer_end(self->loop, self->timer);
    self->timer = -1;
    int64_t due = eo_handoff_next_due_ms(self->core);
    int64_t now = eo_clock_now_ms(self->shared->args->clock);
    int64_t delay = due == INT64_MAX ? S_RECHECK_MS : due - now;
    if (delay < 0) delay = 0;
    if (delay > S_RECHECK_MS) delay = S_RECHECK_MS;
    self->timer = zloop_timer(self->loop, (size_t)delay, 1, s_on_timer, self);
}

static int s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    s_delivery_t *self = arg;
    (void)loop;
    (void)timer_id;
    self->timer = -1;
    eo_calendar_refresh(self->shared->calendar);
    if (zclock_mono() - self->maintained_at >= EO_STORE_MAINTAIN_MS) {
        self->maintained_at = zclock_mono();
        eo_store_maintain(self->shared->args->store);
    }
    if (eo_handoff_run(self->core, NULL))
        zsys_error("handoff: delivery round failed (store), retrying");
    s_arm(self);
    return 0;
}

static int s_on_delivery_pipe(zloop_t *loop, zsock_t *pipe, void *arg)
{
    s_delivery_t *self = arg;
    (void)loop;
    char *cmd = zstr_recv(pipe);
    if (!cmd || streq(cmd, "$TERM")) {
        zstr_free(&cmd);
        return -1;
    }
    if (streq(cmd, "NUDGE"))
        s_arm(self);
    else if (streq(cmd, "WAKE")) {
        /* A round now, then the answer: the caller knows what the clock allowed. */
        s_on_timer(loop, self->timer, self);
        zstr_send(pipe, "WOKE");
    }
    zstr_free(&cmd);
    return 0;
}

static void s_delivery_actor(zsock_t *pipe, void *arg)
{
    s_shared_t *shared = arg;
    s_delivery_t self = {.shared = shared, .core = shared->core, .timer = -1};
    self.loop = zloop_new();
    if (!self.loop) {
        zsock_signal(pipe, -1);
        return;
    }
    zloop_reader(self.loop, pipe, s_on_delivery_pipe, &self);
    s_arm(&self);
    zsock_signal(pipe, 0);
    zloop_start(self.loop);
    zloop_destroy(&self.loop);
    /* Webhook signing used libcrypto in this thread: free its per-thread state before
     * the thread is gone from the caller's view (LeakSanitizer checks at exit). */
    OPENSSL_thread_stop();
}

/* --- intake (this actor) ---------------------------------------------------------- */

typedef struct {
    s_shared_t shared;
    eo_worker_t *worker;
    zactor_t *delivery;
} s_intake_t;

/* Reply with an Event carrying ack{ids: [id]} or error{code}. */
static void s_reply(s_intake_t *self, eo_work_t **work, const char *id, const char *site,
                    const char *error_code, const char *error_text)
{
    char new_id[33];
    int64_t now_ms = eo_clock_now_ms(self->shared.args->clock);
    size_t size = 0;
    uint8_t *bytes = eo_event_answer(eo_id_new(new_id, sizeof new_id, now_ms), site, now_ms, id,
                                     error_code, NULL, error_text, &size);
    if (!bytes || eo_worker_reply(self->worker, work, bytes, size))
        zsys_error("handoff: cannot reply to %s", id);
    free(bytes);
    eo_work_destroy(work); /* when the reply could not even be encoded */
}

/* What became of one decoded item of a batch: acknowledged, refused or given back. */
static void s_on_result(s_intake_t *self, eo_work_t *work, const Eo__Event *ev, int rc)
{
    eo_log_request_set(ev->id); /* the lines about this item name its request */
    if (rc == EO_OK && ev->trace_id && *ev->trace_id) /* caused by an HTTP request */
        zsys_info("handoff: %s item %s queued", ev->trace_id, ev->id);
    if (rc == EO_OK)
        s_reply(self, &work, ev->id, ev->site, NULL, NULL);
    else if (rc == EO_EINVAL) {
        zsys_warning("handoff: refused event %s (%s): not a valid hand-off", ev->id,
                     eo_event_kind(ev));
        s_reply(self, &work, ev->id, ev->site, "bad_handoff",
                "not a hand-off item with an id and a site");
    } else {
        /* Not stored: not acknowledged; given back, the broker tries it again later. */
        zsys_error("handoff: could not store %s: %s", ev->id, eo_strerror(rc));
        eo_worker_release(self->worker, &work);
    }
    eo_log_request_set(NULL);
}

/* Take the work waiting, up to handoff/window items, and store them in one transaction
 * (group commit: each sender is acknowledged after the one commit). Once one came, wait
 * up to handoff/linger_ms for more: a hand-off is not urgent (it goes to an agency when
 * its business hours begin), and a commit that carries more items rewrites fewer pages
 * an item and takes the disk's sync less often from the matchers and the sms role, whose
 * commits a request waits for. A process killed meanwhile loses nothing: what it held
 * was not acknowledged, and the broker gives it to the next worker. false when there was
 * none. */
static bool s_on_works(s_intake_t *self)
{
    eo_work_t *work[EO_HANDOFF_WINDOW_MAX];
    Eo__Event *ev[EO_HANDOFF_WINDOW_MAX];
    int rcs[EO_HANDOFF_WINDOW_MAX];
    size_t n = 0, window = (size_t)self->shared.cfg.window;
    int64_t until = 0; /* monotonic ms: stop waiting for more */
    int wait = 0;
    while (n < window && (work[n] = eo_worker_recv(self->worker, wait))) {
        if (!until) until = zclock_mono() + self->shared.cfg.linger_ms;
        int64_t left = until - zclock_mono();
        wait = left > 0 ? (int)left : 0;
        zframe_t *body = eo_work_body(work[n]);
        char err[160] = "";
        ev[n] = body ? eo_event_decode(zframe_data(body), zframe_size(body), err, sizeof err)
                     : NULL;
        if (ev[n]) {
            n++;
            continue;
        }
        zsys_warning("handoff: refused work %s: %s", eo_work_id(work[n]), err);
        s_reply(self, &work[n], eo_work_id(work[n]), eo_work_site(work[n]), "bad_handoff", err);
    }
    if (n == 0) return false;
    int rc = eo_handoff_accept_batch(self->shared.core, (const Eo__Event *const *)ev, n, rcs);
    bool stored = false;
    for (size_t i = 0; i < n; i++) {
        s_on_result(self, work[i], ev[i], rc == EO_OK ? rcs[i] : rc);
        stored = stored || (rc == EO_OK && rcs[i] == EO_OK);
        eo_event_free(&ev[i]);
    }
    if (stored) zstr_send(self->delivery, "NUDGE"); /* maybe due now: re-arm, no answer */
    return true;
}

static void s_intake_destroy(s_intake_t **self_p)
{
    s_intake_t *self = *self_p;
    if (!self) return;
    zactor_destroy(&self->delivery); /* first: it runs the core */
    eo_worker_destroy(&self->worker);
    eo_handoff_destroy(&self->shared.core);
    eo_calendar_destroy(&self->shared.calendar);
    eo_providers_destroy(&self->shared.providers);
    free(self);
    *self_p = NULL;
}

static s_intake_t *s_intake_new(eo_role_args_t *args)
{
    s_intake_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    s_shared_t *sh = &self->shared;
    sh->args = args;
    char err[256] = "";
    eo_handoff_config_defaults(&sh->cfg);
    if (eo_handoff_config_load(&sh->cfg, args->config, err, sizeof err) ||
        !(sh->providers = eo_providers_load(args->config, err, sizeof err))) {
        zsys_error("handoff: configuration: %s", err);
        goto fail;
    }
    const char *holidays =
        args->config ? zconfig_get(args->config, "handoff/holidays", "") : "";
    sh->calendar = *holidays ? eo_calendar_load(holidays, err, sizeof err)
                             : eo_calendar_load_default(err, sizeof err);
    if (!sh->calendar) {
        zsys_error("handoff: holiday calendar: %s", err);
        goto fail;
    }
    sh->core = eo_handoff_new(args->store, args->clock, sh->providers, args->sites, &sh->cfg);
    if (!sh->core) goto fail;
    eo_handoff_set_holidays(sh->core, s_is_holiday, sh->calendar);
    /* The daily retention of delivered items: the keys `eonjena purge` reads. */
    eo_retention_config_t retention;
    eo_retention_config_defaults(&retention);
    if (eo_retention_config_load(&retention, args->config, err, sizeof err)) {
        zsys_error("handoff: configuration: %s", err);
        goto fail;
    }
    if (eo_handoff_set_retention(sh->core, &retention)) goto fail;
    self->worker = eo_worker_new(args->broker, "handoff", args->sites,
                                 args->curve_server_public, args->curve_secret);
    if (!self->worker) {
        zsys_error("handoff: cannot serve 'handoff' at %s", args->broker);
        goto fail;
    }
    /* a window of items lets one commit cover many (as sms does) */
    eo_worker_set_window(self->worker, sh->cfg.window);
    /* match the broker's heartbeat (section broker of the configuration) */
    int hb = args->config ? atoi(zconfig_get(args->config, "broker/heartbeat_ms", "1000")) : 0;
    int live = args->config ? atoi(zconfig_get(args->config, "broker/liveness", "3")) : 0;
    if (hb > 0 && live > 0) eo_worker_set_heartbeat(self->worker, hb, live);
    self->delivery = zactor_new(s_delivery_actor, sh);
    if (!self->delivery) goto fail;
    return self;
fail:
    s_intake_destroy(&self);
    return NULL;
}

void eo_handoff_actor(zsock_t *pipe, void *arg)
{
    eo_role_args_t *args = arg;
    s_intake_t *self = s_intake_new(args);
    if (!self) args->failed = true;
    zsock_signal(pipe, self ? 0 : -1);
    if (!self) return;
    /* The poll items are made anew every turn: the worker replaces its socket when the
     * broker falls silent (eo_worker's reconnect), and a poller made once would go on
     * polling the destroyed one and end this loop, leaving the process up and deaf. */
    while (true) {
        zmq_pollitem_t items[] = {
            {zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(eo_worker_sock(self->worker)), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(zactor_sock(self->delivery)), 0, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, 3, S_POLL_MS) < 0 && zmq_errno() != EINTR)
            break; /* the context is going away */
        if (items[0].revents & ZMQ_POLLIN) {
            char *cmd = zstr_recv(pipe);
            bool term = !cmd || streq(cmd, "$TERM");
            if (cmd && streq(cmd, "WAKE"))
                zstr_send(self->delivery, "WAKE");
            else if (cmd && streq(cmd, "METRICS")) {
                /* Answered here, so it never waits for a delivery in progress. */
                char *json = eo_handoff_metrics(self->shared.core);
                zstr_send(pipe, json ? json : "{}");
                free(json);
            }
            zstr_free(&cmd);
            if (term) break;
        }
        if (items[2].revents & ZMQ_POLLIN) {
            char *answer = zstr_recv(self->delivery); /* WOKE: pass it to who asked */
            if (answer) zstr_send(pipe, answer);
            zstr_free(&answer);
        }
        /* Drain the work, and let the worker heartbeat even when idle. */
        while (s_on_works(self))
            ;
    }
    s_intake_destroy(&self);
}
