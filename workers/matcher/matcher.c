/* matcher.c: the matcher actor (see matcher.h). One thread owns the worker, the relay
 * client and every write transaction, so LMDB's single writer is never contended here;
 * the loop is: decide a batch of work in one transaction, commit (fsync), reply; fire
 * due timers; relay new outbox rows; delete acknowledged rows. */
#include <string.h>

#include <openssl/crypto.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_provider.h"
#include "eonjena/eo_retention.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_template.h"
#include "matcher.h"

#define S_MAX_BATCH 1024
#define S_RELAY_WINDOW 2000   /* rows relayed to one service and not yet acknowledged */
#define S_ACK_FLUSH_MS 1000   /* acknowledged rows wait at most this for a commit to ride... */
#define S_ACK_FLUSH_ROWS 1024 /* ...or until this many wait */
#define S_LANES 4             /* services the outbox names: sms, handoff, and room */
#define S_RETRY_MS 1000
#define S_TIMERS_BACKOFF_MAX 30000
#define S_STATS_MS 10000

/* A reply decided and committed, waiting for the sync that makes it durable. */
typedef struct {
    eo_work_t *work;
    uint8_t *reply;
    size_t size;
    uint64_t gen; /* the store's commit count once it was committed */
} s_held_t;

typedef struct {
    eo_role_args_t *args;
    zsock_t *pipe;
    eo_index_t *index;
    eo_cases_t *cases;
    eo_templates_t *templates; /* the configured texts, lent to cases */
    eo_providers_t *providers; /* the providers and their facilities, lent to cases (시설형) */
    eo_worker_t *worker;
    eo_client_t *client;
    eo_rules_t *rules;
    size_t batch;
    zhashx_t *inflight; /* "ob:<seq>" -> its lane + 1, relayed and not yet acknowledged,
                         * or S_ACKED: acknowledged, not yet deleted (not sent again) */
    /* The relay keeps one lane per service, each with its own window, so that a service
     * that is slow to acknowledge (a hand-off role behind on its disk) holds up its own
     * rows only, never the offers to sms. */
    struct {
        char service[12];
        uint64_t next_seq; /* the lane's first row not yet relayed */
        size_t inflight;   /* relayed, not yet acknowledged */
        int64_t retry_at;  /* mono ms: a failed row paused the lane until then */
    } lanes[S_LANES];
    size_t n_lanes;
    uint64_t scan_seq;   /* rows from here on were never looked at */
    size_t relay_window; /* matcher/relay_window */
    uint64_t *acked;     /* acknowledged rows to delete at the next commit */
    size_t n_acked, cap_acked;
    int64_t acked_since_ms;    /* role clock: the oldest of them was acknowledged */
    int ack_flush_ms;          /* matcher/ack_flush_ms */
    size_t ack_flush_rows;     /* matcher/ack_flush_rows */
    int64_t timers_retry_at;   /* monotonic ms: timers failed, wait until then */
    int timers_backoff;        /* ms, doubling while they keep failing */
    uint64_t rules_version;    /* of the rules last recorded */
    int64_t maintained_at;     /* mono ms: the store's housekeeping last ran */
    int32_t calendar_day;      /* the date the calendar's end was last looked at */
    uint64_t calendar_seen;    /* and the calendar's version then */
    eo_retention_t *retention; /* the daily purge schedule (docs/retention.md) */
    bool purging;              /* a retention step is waiting to be done */
    int64_t rekey_next;        /* mono ms: look whether the index needs a re-key step */
    bool rekey_busy;           /* the index is re-keying for a new week: poll, don't wait */
    bool terminated;
    /* The sync thread (matcher/sync_thread = 1): commits sync their data only (one
     * fdatasync, store NOMETASYNC) and the thread syncs the meta page while this one
     * decides the next batch. Nothing leaves before the sync that made it durable:
     * replies wait in `held`, outbox rows above relay_limit wait in the outbox. */
    zactor_t *syncer;
    uint64_t synced_gen;    /* commits made durable so far (the store's commit count) */
    bool sync_busy;         /* a sync is under way */
    uint64_t relay_limit;   /* outbox rows up to this seq are durable */
    uint64_t pending_limit; /* and up to this one once the sync under way is done */
    s_held_t *held;         /* replies waiting for their sync, oldest first */
    size_t n_held, cap_held;
    struct {           /* the intake's timing, logged every S_STATS_MS (docs/deploy.md) */
        int64_t since; /* mono ms the period began */
        uint64_t batches, items, max_batch;
        uint64_t decide_us; /* in eo_cases_decide: deciding and committing */
        uint64_t commit_us; /* of which committing (the fsyncs) */
        uint64_t cpu_us;    /* the thread's CPU in eo_cases_decide: the rest is waiting */
    } stats;
} s_matcher_t;

void eo_matcher_config(zconfig_t *config, const eo_dongs_t *dongs, eo_cases_config_t *cfg)
{
    eo_cases_config_defaults(cfg);
    if (!config) return;
    cfg->wave_k = (uint32_t)atoi(zconfig_get(config, "matcher/wave_k", "10"));
    int timeout = atoi(zconfig_get(config, "matcher/wave_timeout_s", "300"));
    cfg->escalate_lead_s = atoi(zconfig_get(config, "matcher/escalate_lead_s", "3600"));
    cfg->always_pool = atoi(zconfig_get(config, "matcher/always_pool", "0")) != 0;
    snprintf(cfg->callcentre_phone, sizeof cfg->callcentre_phone, "%s",
             zconfig_get(config, "matcher/callcentre_phone", "+82215771234"));
    for (size_t i = 0; i < eo_dongs_site_count(dongs) && i < EO_SITE_MAX; i++) {
        char path[96];
        snprintf(path, sizeof path, "matcher/site/%s/wave_timeout_s",
                 eo_dongs_site(dongs, (int)i)->slug);
        cfg->wave_timeout_s[i] = atoi(zconfig_get(config, path, "0"));
        if (cfg->wave_timeout_s[i] <= 0) cfg->wave_timeout_s[i] = timeout > 0 ? timeout : 300;
    }
    if (cfg->wave_k == 0 || cfg->wave_k > 1000) cfg->wave_k = 10;
}

/* This thread's CPU time, us: a batch's wall time less this is time spent waiting for
 * the disk or for a core. */
static int64_t s_thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- deciding a batch ------------------------------------------------------------- */

static int s_delete_acked(s_matcher_t *self, MDB_txn *txn)
{
    for (size_t i = 0; i < self->n_acked; i++) {
        int rc = eo_cases_outbox_delete(self->cases, txn, self->acked[i]);
        if (rc && rc != EO_ENOTFOUND) return rc;
    }
    return EO_OK;
}

static int s_delete_acked_fn(void *arg, MDB_txn *txn)
{
    return s_delete_acked(arg, txn);
}

#define S_ACKED ((void *)(uintptr_t)(S_LANES + 1))

/* The acknowledged rows are deleted (committed): the relay may forget them. */
static void s_acked_gone(s_matcher_t *self)
{
    char corr[32];
    for (size_t i = 0; i < self->n_acked; i++) {
        snprintf(corr, sizeof corr, "ob:%llu", (unsigned long long)self->acked[i]);
        zhashx_delete(self->inflight, corr);
    }
    self->n_acked = 0;
    self->acked_since_ms = 0;
}

/* Read a whole number setting of the configuration, or its default. */
static int s_setting(zconfig_t *config, const char *path, int fallback)
{
    const char *text = config ? zconfig_get(config, path, NULL) : NULL;
    return text ? atoi(text) : fallback;
}

/* --- the sync thread ---------------------------------------------------------------- */

/* Keep a committed reply until the sync of commit `gen` is done. */
static void s_hold(s_matcher_t *self, eo_work_t *work, uint8_t *reply, size_t size,
                   uint64_t gen)
{
    if (self->n_held == self->cap_held) {
        self->cap_held = self->cap_held ? self->cap_held * 2 : 256;
        self->held = realloc(self->held, self->cap_held * sizeof *self->held);
        assert(self->held);
    }
    self->held[self->n_held++] = (s_held_t){work, reply, size, gen};
}

/* Send (ok) or give back to the broker (not ok: durability unknown, the broker hands it
 * out again and the store answers the same id the same) the held replies of commits up
 * to gen. */
static void s_release_held(s_matcher_t *self, uint64_t gen, bool ok)
{
    size_t done = 0;
    while (done < self->n_held && self->held[done].gen <= gen) {
        s_held_t *h = &self->held[done++];
        if (ok)
            eo_worker_reply(self->worker, &h->work, h->reply, h->size);
        else
            eo_worker_release(self->worker, &h->work);
        free(h->reply);
    }
    memmove(self->held, self->held + done, (self->n_held - done) * sizeof *self->held);
    self->n_held -= done;
}

typedef struct {
    eo_store_t *store;
    int delay_ms; /* matcher/sync_delay_ms: tests make a sync slow to see what waits for it */
} s_syncer_args_t;

/* The thread: "SYNC <gen>" -> the store synced -> "<gen> <rc>". */
static void s_syncer_actor(zsock_t *pipe, void *arg)
{
    s_syncer_args_t *args = arg;
    zsock_signal(pipe, 0);
    while (true) {
        char *cmd = NULL, *gen = NULL;
        if (zstr_recvx(pipe, &cmd, &gen, NULL) < 1 || streq(cmd, "$TERM")) {
            zstr_free(&cmd);
            zstr_free(&gen);
            break;
        }
        if (args->delay_ms > 0) zclock_sleep(args->delay_ms);
        int rc = eo_store_sync(args->store);
        zstr_sendx(pipe, gen ? gen : "0", rc == EO_OK ? "0" : "1", NULL);
        zstr_free(&cmd);
        zstr_free(&gen);
    }
    free(args);
}

static int s_max_seq(void *arg, const eo_outbox_row_t *row)
{
    uint64_t *max = arg;
    if (row->seq > *max) *max = row->seq;
    return 0;
}

/* The highest outbox seq committed so far (0: none). */
static uint64_t s_outbox_top(s_matcher_t *self)
{
    uint64_t top = self->relay_limit;
    MDB_txn *txn = NULL;
    if (eo_store_begin(self->args->store, false, &txn) == EO_OK) {
        eo_cases_outbox_each(self->cases, txn, self->relay_limit + 1, s_max_seq, &top);
        eo_store_abort(&txn);
    }
    return top;
}

/* Commits since the last sync and none under way: start one, noting which outbox rows
 * it covers (those committed before it starts). */
static void s_sync_start(s_matcher_t *self)
{
    uint64_t commits, us;
    eo_store_commit_stats(self->args->store, &commits, &us);
    if (!self->syncer || self->sync_busy || commits <= self->synced_gen) return;
    self->pending_limit = s_outbox_top(self);
    char gen[24];
    snprintf(gen, sizeof gen, "%llu", (unsigned long long)commits);
    if (zstr_sendx(self->syncer, "SYNC", gen, NULL) == 0) self->sync_busy = true;
}

/* A sync is done: what it covered may leave. */
static void s_sync_done(s_matcher_t *self)
{
    char *gen = NULL, *rc = NULL;
    if (zstr_recvx(self->syncer, &gen, &rc, NULL) == 2) {
        uint64_t g = strtoull(gen, NULL, 10);
        bool ok = streq(rc, "0");
        if (ok) {
            self->synced_gen = g;
            self->relay_limit = self->pending_limit;
        } else
            zsys_error("matcher: the store's sync failed: %zu replies given back to the broker",
                       self->n_held);
        s_release_held(self, g, ok);
    }
    self->sync_busy = false;
    zstr_free(&gen);
    zstr_free(&rc);
}

/* matcher/sync_thread = 1: the store's commits sync data only, the thread the rest. */
static int s_syncer_start(s_matcher_t *self)
{
    s_syncer_args_t *a = calloc(1, sizeof *a);
    if (!a) return -1;
    a->store = self->args->store;
    a->delay_ms = s_setting(self->args->config, "matcher/sync_delay_ms", 0);
    /* what is in the store when we start is made durable before anything is relayed */
    if (eo_store_set_nometasync(self->args->store) || eo_store_sync(self->args->store)) {
        free(a);
        return -1;
    }
    eo_store_commit_stats(self->args->store, &self->synced_gen, &(uint64_t){0});
    self->relay_limit = 0;
    self->relay_limit = s_outbox_top(self);
    self->syncer = zactor_new(s_syncer_actor, a);
    return self->syncer ? 0 : -1;
}

/* Decide every work item waiting (up to batch) in one write transaction (group commit:
 * one fsync for the batch); replies go out only after the commit. The case store
 * retries a failed batch one item per transaction; an item that still fails is given
 * back to the broker, which tries it again after a delay and, after a few tries, gives
 * up on it and answers its sender. Acknowledged outbox rows are deleted in the batch. */
static void s_serve(s_matcher_t *self)
{
    eo_work_t *work[S_MAX_BATCH];
    eo_cases_input_t in[S_MAX_BATCH];
    uint8_t *reply[S_MAX_BATCH];
    size_t rsize[S_MAX_BATCH];
    int rcs[S_MAX_BATCH];
    size_t n = 0;
    while (n < self->batch && (work[n] = eo_worker_recv(self->worker, 0))) {
        zframe_t *body = eo_work_body(work[n]);
        in[n] = (eo_cases_input_t){zframe_data(body), zframe_size(body)};
        n++;
    }
    if (n == 0) return;
    bool acked = false;
    uint64_t commits, commit_us, commits_after, commit_us_after;
    eo_store_commit_stats(self->args->store, &commits, &commit_us);
    int64_t started = zclock_usecs(), cpu = s_thread_cpu_us();
    eo_cases_decide(self->cases, in, n, eo_clock_now_ms(self->args->clock), reply, rsize, rcs,
                    self->n_acked ? s_delete_acked_fn : NULL, self, &acked);
    eo_store_commit_stats(self->args->store, &commits_after, &commit_us_after);
    self->stats.batches++;
    self->stats.items += n;
    self->stats.max_batch = n > self->stats.max_batch ? n : self->stats.max_batch;
    self->stats.decide_us += (uint64_t)(zclock_usecs() - started);
    self->stats.commit_us += commit_us_after - commit_us;
    self->stats.cpu_us += (uint64_t)(s_thread_cpu_us() - cpu);
    if (acked) s_acked_gone(self);
    for (size_t i = 0; i < n; i++) {
        if (rcs[i] == EO_OK && reply[i] && self->syncer) {
            s_hold(self, work[i], reply[i], rsize[i], commits_after);
            continue;
        }
        if (rcs[i] == EO_OK && reply[i])
            eo_worker_reply(self->worker, &work[i], reply[i], rsize[i]);
        else
            eo_worker_release(self->worker, &work[i]); /* not decided: tried again later */
        free(reply[i]);
    }
}

/* Every S_STATS_MS with work in it, and at the stop (final) for the period's rest, one
 * line: how the batches went (group commit: one commit, two fsyncs, per batch) and how
 * much of the period deciding took. `eonjena-bench e2e` reads these lines. */
static void s_stats(s_matcher_t *self, bool final)
{
    int64_t now = zclock_mono(), span = now - self->stats.since;
    if (span < S_STATS_MS && !(final && span > 0)) return;
    if (self->stats.batches)
        zsys_info("matcher: stats %.1f s: %llu batches, %llu items (%.1f a batch, max %llu), "
                  "%.2f ms a batch deciding and %.2f committing (%.2f on the CPU), busy %.0f%%",
                  (double)span / 1000.0, (unsigned long long)self->stats.batches,
                  (unsigned long long)self->stats.items,
                  (double)self->stats.items / (double)self->stats.batches,
                  (unsigned long long)self->stats.max_batch,
                  (double)(self->stats.decide_us - self->stats.commit_us) / 1000.0 /
                      (double)self->stats.batches,
                  (double)self->stats.commit_us / 1000.0 / (double)self->stats.batches,
                  (double)self->stats.cpu_us / 1000.0 / (double)self->stats.batches,
                  (double)self->stats.decide_us / 10.0 / (double)span);
    memset(&self->stats, 0, sizeof self->stats);
    self->stats.since = now;
}

/* Fire the due timers. A store that cannot even take a failing timer out makes the
 * next attempt wait, doubling up to 30 s, rather than spinning at 0 ms. */
static void s_timers(s_matcher_t *self)
{
    int64_t now = eo_clock_now_ms(self->args->clock), due;
    if (zclock_mono() < self->timers_retry_at) return;
    MDB_txn *txn = NULL;
    if (eo_store_begin(self->args->store, false, &txn)) return;
    int rc = eo_cases_next_due(self->cases, txn, &due);
    eo_store_abort(&txn);
    if (rc || due > now) return;
    size_t fired = 0, dead = 0;
    rc = eo_cases_fire(self->cases, now, 256, &fired, &dead);
    if (rc == EO_OK) {
        self->timers_backoff = 0;
        return;
    }
    self->timers_backoff = self->timers_backoff ? self->timers_backoff * 2 : 100;
    if (self->timers_backoff > S_TIMERS_BACKOFF_MAX)
        self->timers_backoff = S_TIMERS_BACKOFF_MAX;
    self->timers_retry_at = zclock_mono() + self->timers_backoff;
    zsys_error("matcher: timers failed (%s): next try in %d ms", eo_strerror(rc),
               self->timers_backoff);
}

/* The rules and holidays change without a restart (an operator edits a file, or adds a
 * holiday over the API): before each turn look at the files (three stats), so a
 * decision uses the files as they are, like the gateway's quote; when they were
 * reloaded, give the index the new caps and record the new rules for replay. */
static void s_rules(s_matcher_t *self)
{
    eo_rules_refresh(self->rules);
    uint64_t version = eo_rules_version(self->rules);
    if (version == self->rules_version) return;
    MDB_txn *txn = NULL;
    if (eo_store_begin(self->args->store, true, &txn) == EO_OK &&
        eo_cases_record_config(self->cases, txn) == EO_OK &&
        eo_store_commit(self->args->store, &txn) == EO_OK) {
        eo_caps_t caps;
        eo_rules_caps(self->rules, &caps);
        eo_index_set_caps(self->index, &caps);
        self->rules_version = version;
        zsys_info("matcher: the rules changed: caps and routing follow, recorded for replay");
    }
    eo_store_abort(&txn);
}

/* The holiday calendar runs out (it lists the years published so far): warn every day
 * from rules/calendar_warn_days before its end, and when it changes. */
static void s_calendar(s_matcher_t *self)
{
    eo_calendar_t *cal = eo_rules_calendar(self->rules);
    eo_time_t now = eo_clock_now(self->args->clock);
    if (eo_date_key(now) == self->calendar_day &&
        eo_calendar_version(cal) == self->calendar_seen)
        return;
    self->calendar_day = eo_date_key(now);
    self->calendar_seen = eo_calendar_version(cal);
    int left, warn = eo_calendar_warn_days(self->args->config);
    char msg[1200];
    if (eo_calendar_ends_soon(cal, now, warn, &left, msg, sizeof msg))
        zsys_warning("matcher: %s (%s)", msg, eo_calendar_path(cal));
}

/* --- the relay ------------------------------------------------------------------- */

/* The lane of a service, made on first sight; -1 when there are S_LANES already. */
static int s_lane(s_matcher_t *self, const char *service)
{
    for (size_t i = 0; i < self->n_lanes; i++)
        if (streq(self->lanes[i].service, service)) return (int)i;
    if (self->n_lanes == S_LANES) return -1;
    size_t i = self->n_lanes++;
    memset(&self->lanes[i], 0, sizeof self->lanes[i]);
    snprintf(self->lanes[i].service, sizeof self->lanes[i].service, "%s", service);
    return (int)i;
}

static bool s_lane_open(s_matcher_t *self, size_t i, int64_t now)
{
    return self->lanes[i].inflight < self->relay_window && now >= self->lanes[i].retry_at;
}

/* Rows never looked at: a lane for each new service, starting at its first row. */
static int s_discover_row(void *arg, const eo_outbox_row_t *row)
{
    s_matcher_t *self = arg;
    if (self->syncer && row->seq > self->relay_limit) return 1; /* not durable yet */
    self->scan_seq = row->seq + 1;
    size_t known = self->n_lanes;
    int l = s_lane(self, row->service);
    if (l >= 0 && (size_t)l == known) self->lanes[l].next_seq = row->seq;
    if (l < 0)
        zsys_error("matcher: outbox row %llu names a service too many ('%s'): kept",
                   (unsigned long long)row->seq, row->service);
    return 0;
}

typedef struct {
    s_matcher_t *self;
    size_t lane;
    int64_t now; /* mono ms, once for the scan */
} s_lane_scan_t;

/* One lane's rows, in order, while its window has room. */
static int s_relay_row(void *arg, const eo_outbox_row_t *row)
{
    s_lane_scan_t *scan = arg;
    s_matcher_t *self = scan->self;
    if (row->seq >= self->scan_seq) return 1; /* not durable yet, or not looked at yet */
    if (!streq(row->service, self->lanes[scan->lane].service)) return 0;
    char corr[32];
    snprintf(corr, sizeof corr, "ob:%llu", (unsigned long long)row->seq);
    if (!zhashx_lookup(self->inflight, corr)) {
        if (eo_client_send(self->client, row->service, row->site, corr, row->body, row->size))
            return 1;
        zhashx_insert(self->inflight, corr, (void *)(uintptr_t)(scan->lane + 1));
        self->lanes[scan->lane].inflight++;
    }
    self->lanes[scan->lane].next_seq = row->seq + 1;
    return s_lane_open(self, scan->lane, scan->now) ? 0 : 1;
}

/* Relay new rows, each service from where its lane stands: a lane whose window is full
 * is passed over, so a slow service holds up its own rows and no other's. */
static void s_relay(s_matcher_t *self)
{
    MDB_txn *txn = NULL;
    if (eo_store_begin(self->args->store, false, &txn)) return;
    eo_cases_outbox_each(self->cases, txn, self->scan_seq, s_discover_row, self);
    int64_t now = zclock_mono();
    for (size_t i = 0; i < self->n_lanes; i++) {
        s_lane_scan_t scan = {self, i, now};
        if (s_lane_open(self, i, now) && self->lanes[i].next_seq < self->scan_seq)
            eo_cases_outbox_each(self->cases, txn, self->lanes[i].next_seq, s_relay_row, &scan);
    }
    eo_store_abort(&txn);
}

static void s_acks(s_matcher_t *self)
{
    char *corr = NULL;
    int status;
    zframe_t *body = NULL;
    while (eo_client_recv(self->client, 0, &corr, &status, &body) == EO_OK) {
        unsigned long long seq;
        uintptr_t lane = corr ? (uintptr_t)zhashx_lookup(self->inflight, corr) : 0;
        /* (an answer to a row already acknowledged, S_ACKED, is a duplicate: dropped) */
        if (lane && lane <= S_LANES && sscanf(corr, "ob:%llu", &seq) == 1) {
            self->lanes[lane - 1].inflight--;
            if (status == EO_OK) {
                if (self->n_acked == self->cap_acked) {
                    self->cap_acked = self->cap_acked ? self->cap_acked * 2 : 256;
                    self->acked = realloc(self->acked, self->cap_acked * sizeof *self->acked);
                    assert(self->acked);
                }
                if (self->n_acked == 0)
                    self->acked_since_ms = eo_clock_now_ms(self->args->clock);
                self->acked[self->n_acked++] = seq;
                /* kept until the row is deleted, so that a lane scanning again from an
                 * earlier row does not send it twice */
                zhashx_update(self->inflight, corr, S_ACKED);
            } else {
                zhashx_delete(self->inflight, corr);
                /* nobody serves it yet, or it timed out: this lane tries again from
                 * that row a little later (rows still in flight are not sent twice) */
                if (seq < self->lanes[lane - 1].next_seq) self->lanes[lane - 1].next_seq = seq;
                self->lanes[lane - 1].retry_at = zclock_mono() + S_RETRY_MS;
            }
        }
        free(corr);
        corr = NULL;
        zframe_destroy(&body);
    }
}

/* Acknowledged rows are deleted in the next batch's commit. Without work to ride on
 * they get a transaction of their own, but only once ack_flush_rows wait or the oldest
 * has waited ack_flush_ms (or now, when stopping): a commit of their own costs two
 * fdatasyncs, which at a few requests a second came once per acknowledgement and made
 * half the matcher's commits. Nothing is at risk meanwhile: after a crash the relay
 * starts from the first row still there and the receivers drop what they already have
 * (by id). */
static void s_flush_acked(s_matcher_t *self, bool now)
{
    if (!self->n_acked) return;
    int64_t waited = eo_clock_now_ms(self->args->clock) - self->acked_since_ms;
    if (!now && self->n_acked < self->ack_flush_rows && waited < self->ack_flush_ms) return;
    MDB_txn *txn = NULL;
    if (eo_store_begin(self->args->store, true, &txn)) return;
    if (s_delete_acked(self, txn) == EO_OK && eo_store_commit(self->args->store, &txn) == EO_OK)
        s_acked_gone(self);
    eo_store_abort(&txn);
}

/* --- the actor ------------------------------------------------------------------ */

static int s_poll_timeout(s_matcher_t *self)
{
    int timeout =
        100; /* heartbeats, manual clocks and relay retries look at least this often */
    if (self->purging)
        return 0; /* the retention's next batch: work that comes in goes between batches */
    if (zclock_mono() < self->timers_retry_at)
        return timeout; /* timers are backing off: a due one must not make this spin */
    MDB_txn *txn = NULL;
    int64_t due;
    if (eo_store_begin(self->args->store, false, &txn) == EO_OK) {
        if (eo_cases_next_due(self->cases, txn, &due) == EO_OK) {
            int64_t left = due - eo_clock_now_ms(self->args->clock);
            if (left < timeout) timeout = left < 0 ? 0 : (int)left;
        }
        eo_store_abort(&txn);
    }
    return timeout;
}

static void s_matcher_destroy(s_matcher_t **self_p)
{
    s_matcher_t *self = *self_p;
    if (!self) return;
    if (self->cases) s_flush_acked(self, true); /* a clean stop relays nothing again */
    eo_retention_destroy(&self->retention);
    zactor_destroy(&self->syncer);
    if (self->worker && self->n_held) /* stopping: the last replies once durable */
        s_release_held(self, UINT64_MAX, eo_store_sync(self->args->store) == EO_OK);
    for (size_t i = 0; i < self->n_held; i++)
        free(self->held[i].reply); /* never sent: the broker gives them out again */
    free(self->held);
    eo_worker_destroy(&self->worker);
    eo_client_destroy(&self->client);
    eo_cases_destroy(&self->cases);
    eo_templates_destroy(&self->templates);
    eo_providers_destroy(&self->providers);
    eo_index_destroy(&self->index);
    eo_rules_destroy(&self->rules);
    zhashx_destroy(&self->inflight);
    free(self->acked);
    free(self);
    *self_p = NULL;
}

/* The rules, the index and the case store on the role's store, the configured texts,
 * the configuration recorded for replay, then the broker's worker and relay client.
 * NULL (logged) if any of it cannot be had. */
static s_matcher_t *s_matcher_new(zsock_t *pipe, eo_role_args_t *args)
{
    s_matcher_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->args = args;
    self->pipe = pipe;
    self->stats.since = zclock_mono(); /* the first period's busy share is of its span */
    eo_cases_config_t cfg;
    eo_matcher_config(args->config, args->dongs, &cfg);
    self->batch = (size_t)s_setting(args->config, "matcher/batch", 256);
    if (self->batch == 0 || self->batch > S_MAX_BATCH) self->batch = 256;
    self->inflight = zhashx_new();
    int relay_window = s_setting(args->config, "matcher/relay_window", S_RELAY_WINDOW);
    self->relay_window = relay_window > 0 ? (size_t)relay_window : S_RELAY_WINDOW;
    self->ack_flush_ms = s_setting(args->config, "matcher/ack_flush_ms", S_ACK_FLUSH_MS);
    int ack_rows = s_setting(args->config, "matcher/ack_flush_rows", S_ACK_FLUSH_ROWS);
    self->ack_flush_rows = ack_rows > 0 ? (size_t)ack_rows : S_ACK_FLUSH_ROWS;
    char err[256] = "";
    if (!(self->rules = eo_rules_new(args->config, err, sizeof err))) {
        zsys_error("matcher: cannot load the rules: %s", err);
        goto fail;
    }
    /* The same texts the sms side checked: one configuration, one wording. */
    if (!(self->templates = eo_templates_new(args->config, args->dongs, err, sizeof err))) {
        zsys_error("matcher: the sms templates do not load: %s", err);
        goto fail;
    }
    eo_caps_t caps;
    eo_rules_caps(self->rules, &caps);
    self->index = eo_index_new(args->store, args->dongs, &caps);
    self->cases = self->index
                      ? eo_cases_new(args->store, self->index, args->dongs, self->rules, &cfg)
                      : NULL;
    if (!self->cases) goto fail;
    eo_cases_set_templates(self->cases, self->templates);
    eo_cases_set_log(self->cases, true);
    /* 시설형 is offered by the facilities the providers run (src/cases/facility.c) */
    if (args->config && !(self->providers = eo_providers_load(args->config, err, sizeof err))) {
        zsys_error("matcher: the providers do not load: %s", err);
        goto fail;
    }
    eo_cases_set_providers(self->cases, self->providers);
    eo_retention_config_t retention;
    eo_retention_config_defaults(&retention);
    if (eo_retention_config_load(&retention, args->config, err, sizeof err)) {
        zsys_error("matcher: %s", err);
        goto fail;
    }
    self->retention = eo_retention_new(self->cases, &retention);
    if (!self->retention) goto fail;
    self->rules_version = eo_rules_version(self->rules);
    MDB_txn *txn = NULL;
    if (eo_store_begin(args->store, true, &txn) || eo_cases_record_config(self->cases, txn) ||
        eo_store_commit(args->store, &txn)) {
        eo_store_abort(&txn);
        goto fail;
    }
    self->worker = eo_worker_new(args->broker, "match", args->sites, args->curve_server_public,
                                 args->curve_secret);
    self->client = self->worker ? eo_client_new(args->broker, args->curve_server_public,
                                                args->curve_secret)
                                : NULL;
    if (!self->client) goto fail;
    if (s_setting(args->config, "matcher/sync_thread", 0) && s_syncer_start(self)) {
        zsys_error("matcher: cannot start the sync thread");
        goto fail;
    }
    int window = s_setting(args->config, "matcher/window", 64);
    eo_worker_set_window(self->worker, window > 0 ? window : 64);
    /* match the broker's heartbeat (section broker of the configuration) */
    int hb = s_setting(args->config, "broker/heartbeat_ms", 1000);
    int live = s_setting(args->config, "broker/liveness", 3);
    if (hb > 0 && live > 0) {
        eo_worker_set_heartbeat(self->worker, hb, live);
        eo_client_set_heartbeat(self->client, hb, live);
    }
    zsys_info("matcher: serving match for %s (wave %u, batch %zu%s)", args->sites, cfg.wave_k,
              self->batch, self->syncer ? ", sync thread" : "");
    return self;
fail:
    zsys_error("matcher: cannot start (store, index or broker %s)", args->broker);
    s_matcher_destroy(&self);
    return NULL;
}

/* The index moves to a new week in bounded steps (docs/index.md "The re-key"): while one
 * is under way, a step at every turn that found no work waiting (the loop then polls
 * without waiting); otherwise, and under load, a look once a second. A failed step is
 * logged by the index and tried again a second later. */
static void s_rekey(s_matcher_t *self, bool work_waited)
{
    int64_t mono = zclock_mono();
    if ((!self->rekey_busy || work_waited) && mono < self->rekey_next) return;
    self->rekey_next = mono + S_RETRY_MS;
    eo_index_rekey_store(self->index, self->args->store, eo_clock_now(self->args->clock),
                         EO_INDEX_REKEY_BUDGET, &self->rekey_busy);
}

/* One turn: acknowledgements, work, timers, outbox, housekeeping; until $TERM. */
static void s_matcher_loop(s_matcher_t *self)
{
    while (!self->terminated) {
        zmq_pollitem_t items[] = {
            {zsock_resolve(self->pipe), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(eo_worker_sock(self->worker)), 0, ZMQ_POLLIN, 0},
            {zsock_resolve(eo_client_sock(self->client)), 0, ZMQ_POLLIN, 0},
            {self->syncer ? zsock_resolve(self->syncer) : NULL, 0, ZMQ_POLLIN, 0},
        };
        if (zmq_poll(items, self->syncer ? 4 : 3, self->rekey_busy ? 0 : s_poll_timeout(self)) <
                0 &&
            errno != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN) {
            char *cmd = zstr_recv(self->pipe);
            self->terminated = !cmd || streq(cmd, "$TERM");
            zstr_free(&cmd);
            if (self->terminated) break;
        }
        if (self->syncer && (items[3].revents & ZMQ_POLLIN)) s_sync_done(self);
        s_acks(self);
        s_rules(self);
        s_calendar(self);
        s_serve(self);
        s_stats(self, false);
        s_timers(self);
        s_flush_acked(self, false);
        s_relay(self);
        s_rekey(self, items[1].revents & ZMQ_POLLIN);
        /* the daily purge, one bounded transaction per turn */
        eo_retention_schedule(self->retention, eo_clock_now_ms(self->args->clock));
        self->purging = eo_retention_step(self->retention);
        if (zclock_mono() - self->maintained_at >= EO_STORE_MAINTAIN_MS) {
            self->maintained_at = zclock_mono();
            eo_store_maintain(self->args->store);
        }
        s_sync_start(self); /* what this turn committed, synced while the next turn runs */
    }
    s_stats(self, true);
}

void eo_matcher_actor(zsock_t *pipe, void *args_)
{
    eo_role_args_t *args = args_;
    s_matcher_t *self = s_matcher_new(pipe, args);
    args->failed = self == NULL;
    zsock_signal(pipe, self ? 0 : (byte)-1);
    if (self) s_matcher_loop(self);
    s_matcher_destroy(&self);
    /* The journal hashes with libcrypto in this thread: free its per-thread state now,
     * not whenever the detached thread finishes after zactor_destroy returned. */
    OPENSSL_thread_stop();
}
