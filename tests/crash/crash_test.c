/* crash.kill: the eonjena-matcher PROCESS serves a W1 load through a real broker and is
 * killed with SIGKILL at seeded random points (at least 5 times), restarted each time.
 * This test plays the broker, the requesters, the sms worker (it acks every message and
 * answers some offers: accept, decline, delivery reports) and the handoff worker.
 * Afterwards: every acknowledged request is in the store in a final or live state, every
 * offer in the store reached the sms worker (none lost between commit and relay), the
 * invariants hold (eo_cases_check, as `eonjena check`), and SIGTERM stops it with 0. */
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_w1.h"
#include "matcher/fixture.h"

#define S_REQUESTS 300
#define S_CARERS 3000

static char s_dir[256], s_cfg[300], s_endpoint[128];

static pid_t s_start_matcher(void)
{
    char bin[300];
    snprintf(bin, sizeof bin, "%s/eonjena-matcher", getenv("EO_BINARY_DIR"));
    pid_t pid = fork();
    assert(pid >= 0);
    if (pid == 0) {
        /* dies with the test: an orphan would serve the next test's broker on this port */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl(bin, bin, "--broker", s_endpoint, "--store", s_dir, "--config", s_cfg, "--clock",
              "manual:2026-11-27T18:00", "--sites", "*", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void s_kill(pid_t pid, int sig, int *status)
{
    kill(pid, sig);
    assert(waitpid(pid, status, 0) == pid);
    /* how it ended, when not as told: a matcher that died by itself says so here */
    if (sig == SIGKILL && !(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL))
        fprintf(stderr, "crash: the matcher had ended by itself (%s %d)\n",
                WIFSIGNALED(*status) ? "signal" : "exit status",
                WIFSIGNALED(*status) ? WTERMSIG(*status) : WEXITSTATUS(*status));
    if (sig == SIGTERM && !(WIFEXITED(*status) && WEXITSTATUS(*status) == 0))
        fprintf(stderr, "crash: SIGTERM: the matcher ended with %s %d\n",
                WIFSIGNALED(*status) ? "signal" : "exit status",
                WIFSIGNALED(*status) ? WTERMSIG(*status) : WEXITSTATUS(*status));
}

typedef struct {
    zhashx_t *offers; /* "<request>:<carer>:offer" seen by the sms worker */
    zhashx_t *acked;  /* request ids acknowledged with a Status (no error) */
    eo_client_t *client;
    uint32_t rng;
    int answers;
} s_world_t;

static uint32_t s_rand(s_world_t *w, uint32_t n)
{
    w->rng = w->rng * 1103515245u + 12345u;
    return (w->rng >> 8) % n;
}

/* The sms worker: ack, remember offers, answer some of them. */
static void s_sms(s_world_t *w, eo_worker_t *sms, int wait_ms)
{
    eo_work_t *work = eo_worker_recv(sms, wait_ms);
    while (work) {
        char err[64];
        zframe_t *b = eo_work_body(work);
        Eo__Event *ev = eo_event_decode(zframe_data(b), zframe_size(b), err, sizeof err);
        assert(ev);
        if (ev->body_case == EO__EVENT__BODY_MESSAGE &&
            ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER &&
            !zhashx_lookup(w->offers, ev->message->id)) {
            zhashx_insert(w->offers, ev->message->id, (void *)1);
            uint32_t dice = s_rand(w, 10);
            size_t n;
            char reply_id[96];
            snprintf(reply_id, sizeof reply_id, "mo:%s", ev->message->id);
            uint8_t *body = NULL;
            if (dice < 3)
                body = fx_answer(ev->message->request_id, ev->message->carer_id, dice < 2,
                                 reply_id, &n);
            else if (dice < 6)
                body = fx_delivery(ev->message->id, dice != 5, &n);
            if (body) {
                eo_client_send(w->client, "match", ev->message->site, reply_id, body, n);
                w->answers++;
                free(body);
            }
        }
        eo_event_free(&ev);
        eo_worker_reply(sms, &work, "", 0);
        work = eo_worker_recv(sms, 0);
    }
}

static void s_handoff(eo_worker_t *handoff)
{
    eo_work_t *work;
    while ((work = eo_worker_recv(handoff, 0)))
        eo_worker_reply(handoff, &work, "", 0);
}

static void s_replies(s_world_t *w)
{
    char *corr = NULL;
    int status;
    zframe_t *body = NULL;
    while (eo_client_recv(w->client, 0, &corr, &status, &body) == EO_OK) {
        if (status == EO_OK && body && strncmp(corr, "mo:", 3) != 0) {
            char err[64];
            Eo__Event *ev =
                eo_event_decode(zframe_data(body), zframe_size(body), err, sizeof err);
            if (ev && ev->body_case == EO__EVENT__BODY_STATUS && !ev->status->error)
                zhashx_insert(w->acked, corr, (void *)1);
            else if (ev && ev->body_case == EO__EVENT__BODY_STATUS)
                fprintf(stderr, "crash: %s refused: %s\n", corr, ev->status->error->code);
            eo_event_free(&ev);
        } else if (status != EO_OK) /* never expected here: say so, the run then times out */
            fprintf(stderr, "crash: %s answered %s\n", corr, eo_strerror(status));
        free(corr);
        corr = NULL;
        zframe_destroy(&body);
    }
}

/* Offers in the store that the sms worker has not seen; -1 if the store is not ready. */
static int s_missing_offers(fx_t *fx, s_world_t *w, int *total)
{
    MDB_dbi dbi;
    MDB_txn *txn;
    if (eo_store_dbi(fx->store, "m.cases", 0, &dbi) || eo_store_begin(fx->store, false, &txn))
        return -1;
    MDB_cursor *cur;
    assert(mdb_cursor_open(txn, dbi, &cur) == 0);
    MDB_val k, v;
    int missing = 0;
    *total = 0;
    while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        const char *id = k.mv_data;
        const char *nul = memchr(id, 0, k.mv_size);
        if (!nul || k.mv_size != (size_t)(nul - id) + 5)
            continue; /* a case record; its offers follow it (id \0 carer) */
        size_t n = (size_t)(nul - id);
        const uint8_t *c = (const uint8_t *)id + n + 1;
        char mid[128];
        snprintf(mid, sizeof mid, "%s:%u:offer", id,
                 (uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]);
        (*total)++;
        missing += zhashx_lookup(w->offers, mid) == NULL;
    }
    mdb_cursor_close(cur);
    eo_store_abort(&txn);
    return missing;
}

/* Send W1's request i (id "c<W1 id>") with corr as its correlation id (NULL: the id). */
static void s_send_request(s_world_t *w, eo_w1_t *w1, uint32_t i, const char *corr)
{
    eo_w1_request_t r;
    eo_w1_request(w1, i, &r);
    char id[32];
    snprintf(id, sizeof id, "c%u", r.id);
    size_t n;
    uint8_t *b = fx_request_as(id, r.site, r.dong, r.start, r.end, "+821099990000", "하늘",
                               "어딘가로 1", &n);
    assert(eo_client_send(w->client, "match", r.site, corr ? corr : id, b, n) == EO_OK);
    free(b);
}

/* The matcher started last serves: it answers a request it already has (from its store)
 * again. Until then a SIGTERM could find it before it handles signals (in its first
 * milliseconds, longer under ASan) and end it as the default action does, which
 * the check of a clean stop would take for a failure of the matcher. */
static void s_await_serving(s_world_t *w, eo_w1_t *w1, eo_worker_t *sms, eo_worker_t *handoff)
{
    s_send_request(w, w1, 0, "probe");
    int64_t until = zclock_mono() + 30000;
    bool answered = false;
    while (!answered && zclock_mono() < until) {
        s_sms(w, sms, 0);
        s_handoff(handoff);
        char *corr = NULL;
        int status;
        zframe_t *body = NULL;
        if (eo_client_recv(w->client, 100, &corr, &status, &body) == EO_OK)
            answered = corr && streq(corr, "probe") && status == EO_OK;
        free(corr);
        zframe_destroy(&body);
    }
    assert(answered);
}

int main(int argc, char **argv)
{
    zsys_init();
    uint32_t seed = argc > 1 ? (uint32_t)atoi(argv[1]) : 1;
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.always_pool = true;
    fx_t *fx = fx_new("store", false, &cfg);
    snprintf(s_dir, sizeof s_dir, "%s", fx->dir);
    snprintf(s_cfg, sizeof s_cfg, "%s.cfg", fx->dir);
    FILE *f = fopen(s_cfg, "w");
    assert(f);
    fprintf(f,
            "broker\n    heartbeat_ms = 100\n    liveness = 5\nmatcher\n    always_pool = 1\n"
            "    wave_k = 10\n    batch = 64\n    window = 16\n");
    fclose(f);

    /* W1 carers, through the logged load so the store is replayable */
    eo_w1_t *w1 = eo_w1_new(fx->dongs, 1, 0);
    assert(w1);
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    for (uint32_t i = 0; i < S_CARERS; i++) {
        eo_carer_t c;
        uint32_t booked;
        eo_w1_carer(w1, i, &c, &booked);
        assert(eo_cases_load_carer(fx->cases, txn, &c, eo_w1_clock(w1), booked,
                                   c.kind == EO_CARER_INVITED ? booked : 0) == EO_OK);
    }
    assert(eo_store_commit(fx->store, &txn) == EO_OK);

    eo_broker_config_t bcfg;
    eo_broker_config_defaults(&bcfg);
    bcfg.heartbeat_ms = 100;
    bcfg.liveness = 5;
    bcfg.unrouted_timeout_ms = 30000; /* a restarting matcher is not "nobody" */
    eo_broker_t *broker = eo_broker_new("tcp://127.0.0.1:*", &bcfg);
    assert(broker);
    snprintf(s_endpoint, sizeof s_endpoint, "%s", eo_broker_endpoint(broker));
    eo_worker_t *sms = eo_worker_new(s_endpoint, "sms", "*", NULL, NULL);
    eo_worker_t *handoff = eo_worker_new(s_endpoint, "handoff", "*", NULL, NULL);
    s_world_t w = {.offers = zhashx_new(),
                   .acked = zhashx_new(),
                   .client = eo_client_new(s_endpoint, NULL, NULL),
                   .rng = seed};
    assert(sms && handoff && w.client);
    eo_worker_set_heartbeat(sms, 100, 5);
    eo_worker_set_heartbeat(handoff, 100, 5);
    eo_client_set_heartbeat(w.client, 100, 5);

    pid_t pid = s_start_matcher();
    int kills = 0, status;
    size_t next_kill = 10 + s_rand(&w, 40);
    uint32_t sent = 0;
    int64_t until = zclock_mono() + 120000;
    while ((zhashx_size(w.acked) < S_REQUESTS || kills < 5) && zclock_mono() < until) {
        /* keep a window of requests in flight */
        while (sent < S_REQUESTS && sent < zhashx_size(w.acked) + 40)
            s_send_request(&w, w1, sent++, NULL);
        s_sms(&w, sms, 20);
        s_handoff(handoff);
        s_replies(&w);
        size_t progress = zhashx_size(w.acked) + (size_t)w.answers;
        if (progress >= next_kill && (kills < 5 || zhashx_size(w.acked) < S_REQUESTS)) {
            s_kill(pid, SIGKILL, &status);
            assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
            kills++;
            next_kill = progress + 20 + s_rand(&w, 80);
            pid = s_start_matcher();
        }
    }
    fprintf(stderr, "crash: %zu acknowledged, %d kills, %d answers sent\n",
            zhashx_size(w.acked), kills, w.answers);
    assert(kills >= 5 && zhashx_size(w.acked) == S_REQUESTS);

    /* the last matcher relays what is left: every offer in the store reaches sms */
    int total = 0, missing = -1;
    until = zclock_mono() + 30000;
    while (zclock_mono() < until && (missing = s_missing_offers(fx, &w, &total)) != 0) {
        s_sms(&w, sms, 100);
        s_handoff(handoff);
        s_replies(&w);
    }
    fprintf(stderr, "crash: %d offers in the store, %d never reached sms\n", total, missing);
    assert(missing == 0 && total > 0);
    s_await_serving(&w, w1, sms, handoff);
    s_kill(pid, SIGTERM, &status);
    assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* every acknowledged request is in the store, final or live; the invariants hold */
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    for (const char *id = zhashx_first(w.acked); id; id = zhashx_next(w.acked)) {
        (void)id;
        const char *key = zhashx_cursor(w.acked);
        eo_case_t c;
        assert(eo_cases_get(fx->cases, txn, key, &c) == EO_OK);
        assert(c.state >= EO_CASE_OFFERING && c.state <= EO_CASE_QUEUED);
    }
    char why[256];
    int rc = eo_cases_check(fx->cases, txn, why, sizeof why);
    if (rc) fprintf(stderr, "crash: check: %s\n", why);
    assert(rc == EO_OK);
    eo_store_abort(&txn);

    zhashx_destroy(&w.offers);
    zhashx_destroy(&w.acked);
    eo_client_destroy(&w.client);
    eo_worker_destroy(&sms);
    eo_worker_destroy(&handoff);
    eo_broker_destroy(&broker);
    eo_w1_destroy(&w1);
    fx_destroy(&fx);
    printf("crash.kill: OK (%d kills)\n", kills);
    return 0;
}
