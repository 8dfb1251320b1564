/* eonjena-bench settle: settlements per second with concurrent acceptances (W1,
 * ../shared/bench/WORKLOAD.md "Settlement").
 *
 * Loads W1 carers into a fresh DURABLE store, takes R W1 requests in through the matcher's
 * own intake (K = 20 offers each), then releases A acceptor threads: acceptor j accepts,
 * for every request, the j-th of A distinct offered carers drawn with a seed from the
 * request id. Each acceptor keeps up to --window acceptances in flight. One settler
 * thread decides them in group commits (eo_cases_apply_batch: one write transaction,
 * fsync at commit) and answers each acceptance only after the commit that decided it.
 * settles_per_s = settled requests / (last answer - release); p99_us is the latency of
 * an acceptance from submission to answer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bench.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_w1.h"
#include "eonjena/eonjena.h"

#define S_MAX_A 20

typedef struct {
    uint8_t *body;
    size_t size;
    double submitted, answered;
    bool won;
    int acceptor;
} s_item_t;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t work, room;
    s_item_t **queue;       /* ring of submitted items */
    size_t head, tail, cap;
    int inflight[S_MAX_A];
    int window;
    int acceptors_done;
    int acceptors;
    bool go;
    pthread_cond_t start;
} s_bench_t;

typedef struct {
    s_bench_t *b;
    s_item_t *items;   /* this acceptor's items, in request order */
    size_t n;
    int id;
} s_acceptor_t;

/* Bytes this process handed to write(2) so far: what the commits cost in page writes. */
static double s_written_mb(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    double mb = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "wchar: ", 7) == 0)
            mb = (double)strtoull(line + 7, NULL, 10) / 1e6;
    if (f)
        fclose(f);
    return mb;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void *s_acceptor(void *arg)
{
    s_acceptor_t *a = arg;
    s_bench_t *b = a->b;
    pthread_mutex_lock(&b->lock);
    while (!b->go)
        pthread_cond_wait(&b->start, &b->lock);
    for (size_t i = 0; i < a->n; i++) {
        while (b->inflight[a->id] >= b->window)
            pthread_cond_wait(&b->room, &b->lock);
        a->items[i].submitted = s_now();
        b->queue[b->tail++ % b->cap] = &a->items[i];
        b->inflight[a->id]++;
        pthread_cond_signal(&b->work);
    }
    b->acceptors_done++;
    pthread_cond_signal(&b->work);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* The settler: drain, decide in one transaction, commit, then answer. */
static int s_settle(s_bench_t *b, eo_cases_t *cases, eo_store_t *store, int64_t now_ms,
                    size_t batch, size_t total, size_t *commits)
{
    s_item_t **items = calloc(batch, sizeof *items);
    eo_cases_input_t *in = calloc(batch, sizeof *in);
    uint8_t **replies = calloc(batch, sizeof *replies);
    size_t *sizes = calloc(batch, sizeof *sizes);
    size_t answered = 0;
    int rc = items && in && replies && sizes ? EO_OK : EO_ENOMEM;
    while (rc == EO_OK && answered < total) {
        pthread_mutex_lock(&b->lock);
        while (b->head == b->tail)
            pthread_cond_wait(&b->work, &b->lock);
        size_t n = 0;
        while (n < batch && b->head != b->tail)
            items[n++] = b->queue[b->head++ % b->cap];
        pthread_mutex_unlock(&b->lock);
        for (size_t i = 0; i < n; i++)
            in[i] = (eo_cases_input_t){items[i]->body, items[i]->size};
        MDB_txn *txn = NULL;
        if ((rc = eo_store_begin(store, true, &txn)) ||
            (rc = eo_cases_apply_batch(cases, txn, in, n, now_ms, replies, sizes)) ||
            (rc = eo_store_commit(store, &txn))) {
            eo_store_abort(&txn);
            break;
        }
        (*commits)++;
        double t = s_now();
        pthread_mutex_lock(&b->lock);
        for (size_t i = 0; i < n; i++) {
            char err[64];
            Eo__Event *ev = replies[i] ? eo_event_decode(replies[i], sizes[i], err, sizeof err) : NULL;
            items[i]->won = ev && ev->body_case == EO__EVENT__BODY_ACK && ev->ack->n_ids == 2 &&
                            streq(ev->ack->ids[1], "won");
            items[i]->answered = t;
            eo_event_free(&ev);
            free(replies[i]);
            b->inflight[items[i]->acceptor]--;
        }
        pthread_cond_broadcast(&b->room);
        pthread_mutex_unlock(&b->lock);
        answered += n;
    }
    free(items);
    free(in);
    free(replies);
    free(sizes);
    return rc;
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena-bench settle [--requests R] [--accepts A] [--carers N] [--seed S]\n"
            "                            [--window W] [--batch B] [--store DIR]\n"
            "W1 settlement with A concurrent acceptances per request, durable group commits.\n"
            "Defaults: R 10000, A 5, N 30000, seed 1, W 256 in flight per acceptor, B 1024\n"
            "acceptances per transaction at most, a temporary store (removed after).\n"
            "Prints {\"bench\":\"settle\",\"requests\":R,\"accepts\":A,\"settles_per_s\":..,\n"
            "\"p99_us\":.., ...}\n");
}

typedef struct {
    uint32_t *carers;
    uint32_t n;
} s_offered_t;

static int s_collect(void *arg, const eo_outbox_row_t *row)
{
    s_offered_t *o = arg;
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    if (ev && ev->body_case == EO__EVENT__BODY_MESSAGE &&
        ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER) {
        uint32_t r = (uint32_t)atoi(ev->message->request_id + 3) - 1; /* "w1-<id>" */
        o[r].carers[o[r].n++] = ev->message->carer_id;
    }
    eo_event_free(&ev);
    return 0;
}

static uint8_t *s_request_event(const eo_w1_request_t *r, char *id, size_t *size)
{
    Eo__Request q = EO__REQUEST__INIT;
    q.id = id;
    q.site = (char *)r->site;
    q.dong = r->dong;
    q.start = r->start;
    q.end = r->end;
    q.carers_needed = 1;
    q.channel = EO__CHANNEL__CHANNEL_CALL_CENTRE;
    q.member_phone = "+821000000000";
    q.child_first_name = "아이";
    q.address = "bench";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = id;
    ev.site = (char *)r->site;
    ev.body_case = EO__EVENT__BODY_REQUEST;
    ev.request = &q;
    return eo_event_encode(&ev, size);
}

static uint8_t *s_answer_event(const char *req, uint32_t carer, size_t *size)
{
    char id[64];
    snprintf(id, sizeof id, "%s-%u", req, carer);
    Eo__Answer a = EO__ANSWER__INIT;
    a.request_id = (char *)req;
    a.carer_id = carer;
    a.accept = true;
    a.reply_id = id;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = id;
    ev.body_case = EO__EVENT__BODY_ANSWER;
    ev.answer = &a;
    return eo_event_encode(&ev, size);
}

/* Take the requests in (intake: query + offers), 500 per transaction. */
static int s_intake(eo_cases_t *cases, eo_store_t *store, eo_w1_t *w1, uint32_t r, int64_t now_ms)
{
    int rc = EO_OK;
    for (uint32_t i = 0; rc == EO_OK && i < r; i += 500) {
        MDB_txn *txn = NULL;
        if ((rc = eo_store_begin(store, true, &txn)))
            break;
        for (uint32_t j = i; rc == EO_OK && j < r && j < i + 500; j++) {
            eo_w1_request_t req;
            eo_w1_request(w1, j, &req);
            char id[32];
            snprintf(id, sizeof id, "w1-%u", req.id);
            size_t size, rsize;
            uint8_t *body = s_request_event(&req, id, &size), *reply = NULL;
            rc = eo_cases_apply(cases, txn, body, size, now_ms, &reply, &rsize);
            free(body);
            free(reply);
        }
        if (rc == EO_OK)
            rc = eo_store_commit(store, &txn);
        eo_store_abort(&txn);
    }
    return rc;
}

int eo_bench_settle(int argc, char **argv)
{
    uint32_t r = 10000, accepts = 5, carers = 30000;
    uint64_t seed = 1;
    int window = 256;
    size_t batch = 1024;
    const char *dir_opt = NULL;
    bool nosync = false; /* diagnosis only: the figure is the durable one */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (streq(a, "-h") || streq(a, "--help")) {
            s_usage(stdout);
            return 0;
        }
        if (streq(a, "--nosync")) {
            nosync = true;
            continue;
        }
        if (!v) {
            s_usage(stderr);
            return 2;
        }
        i++;
        if (streq(a, "--requests"))
            r = (uint32_t)atoi(v);
        else if (streq(a, "--accepts"))
            accepts = (uint32_t)atoi(v);
        else if (streq(a, "--carers"))
            carers = (uint32_t)atoi(v);
        else if (streq(a, "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (streq(a, "--window"))
            window = atoi(v);
        else if (streq(a, "--batch"))
            batch = (size_t)atoi(v);
        else if (streq(a, "--store"))
            dir_opt = v;
        else {
            s_usage(stderr);
            return 2;
        }
    }
    if (r == 0 || accepts == 0 || accepts > S_MAX_A || window <= 0 || batch == 0) {
        s_usage(stderr);
        return 2;
    }
    zsys_init();
    char dir[256];
    if (dir_opt)
        snprintf(dir, sizeof dir, "%s", dir_opt);
    else {
        snprintf(dir, sizeof dir, "/tmp/eo-bench-settle.XXXXXX");
        if (!mkdtemp(dir))
            return 1;
    }
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_store_t *store = dongs ? eo_store_new(dir, 8192, nosync ? EO_STORE_NOSYNC : 0) : NULL;
    eo_index_t *index = store ? eo_index_new(store, dongs) : NULL;
    eo_w1_t *w1 = index ? eo_w1_new(dongs, seed, 0) : NULL;
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = 20;
    cfg.always_pool = true;
    eo_cases_t *cases = w1 ? eo_cases_new(store, index, dongs, &cfg) : NULL;
    if (!cases) {
        fprintf(stderr, "settle: cannot set up (%s)\n", err);
        return 1;
    }
    int64_t now_ms = eo_w1_clock(w1) * 1000;
    double t0 = s_now();
    int rc = eo_w1_load(w1, store, index, carers);
    if (rc == EO_OK)
        rc = s_intake(cases, store, w1, r, now_ms);
    fprintf(stderr, "settle: %u carers and %u requests in %.1f s\n", carers, r, s_now() - t0);

    /* who accepts: A distinct offered carers per request, seeded by the request id */
    s_offered_t *offered = calloc(r, sizeof *offered);
    for (uint32_t i = 0; i < r; i++)
        offered[i].carers = calloc(20, sizeof(uint32_t));
    MDB_txn *txn = NULL;
    if (rc == EO_OK && (rc = eo_store_begin(store, false, &txn)) == EO_OK)
        rc = eo_cases_outbox_each(cases, txn, 0, s_collect, offered);
    eo_store_abort(&txn);
    s_acceptor_t acc[S_MAX_A];
    size_t total = 0, with_candidates = 0;
    for (uint32_t j = 0; j < accepts; j++)
        acc[j] = (s_acceptor_t){.items = calloc(r, sizeof(s_item_t)), .id = (int)j};
    for (uint32_t i = 0; i < r; i++) {
        s_offered_t *o = &offered[i];
        with_candidates += o->n > 0;
        eo_rng_t rng;
        eo_rng_seed(&rng, seed, 0x5e771eULL + i);
        for (uint32_t k = o->n; k > 1; k--) { /* seeded shuffle: the first A accept */
            uint32_t x = eo_rng_below(&rng, k);
            uint32_t t = o->carers[k - 1];
            o->carers[k - 1] = o->carers[x];
            o->carers[x] = t;
        }
        char id[32];
        snprintf(id, sizeof id, "w1-%u", i + 1);
        for (uint32_t j = 0; j < accepts && j < o->n; j++) {
            s_item_t *it = &acc[j].items[acc[j].n++];
            it->body = s_answer_event(id, o->carers[j], &it->size);
            it->acceptor = (int)j;
            total++;
        }
    }
    s_bench_t b = {.window = window, .acceptors = (int)accepts, .cap = total + 1};
    b.queue = calloc(b.cap, sizeof *b.queue);
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.work, NULL);
    pthread_cond_init(&b.room, NULL);
    pthread_cond_init(&b.start, NULL);
    pthread_t threads[S_MAX_A];
    for (uint32_t j = 0; j < accepts; j++) {
        acc[j].b = &b;
        pthread_create(&threads[j], NULL, s_acceptor, &acc[j]);
    }
    size_t commits = 0;
    pthread_mutex_lock(&b.lock);
    b.go = true;
    double release = s_now();
    pthread_cond_broadcast(&b.start);
    pthread_mutex_unlock(&b.lock);
    struct timespec c0, c1;
    double w0 = s_written_mb();
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (rc == EO_OK)
        rc = s_settle(&b, cases, store, now_ms, batch, total, &commits);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    fprintf(stderr,
            "settle: %.3f s of CPU and %.1f MB written in %zu commits for the settlement phase\n",
            (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9,
            s_written_mb() - w0, commits);
    for (uint32_t j = 0; j < accepts; j++)
        pthread_join(threads[j], NULL);

    double last = release, *lat = calloc(total + 1, sizeof *lat);
    size_t won = 0, nl = 0;
    for (uint32_t j = 0; j < accepts; j++)
        for (size_t i = 0; i < acc[j].n; i++) {
            s_item_t *it = &acc[j].items[i];
            won += it->won;
            last = it->answered > last ? it->answered : last;
            lat[nl++] = (it->answered - it->submitted) * 1e6;
            free(it->body);
        }
    qsort(lat, nl, sizeof *lat, s_cmp);
    char why[256] = "";
    if (rc == EO_OK && (rc = eo_store_begin(store, false, &txn)) == EO_OK) {
        if (eo_cases_check(cases, txn, why, sizeof why))
            fprintf(stderr, "settle: INVARIANT VIOLATED: %s\n", why);
        eo_store_abort(&txn);
    }
    double secs = last - release;
    if (rc == EO_OK && won != with_candidates)
        fprintf(stderr, "settle: %zu winners for %zu requests with candidates\n", won,
                with_candidates);
    if (rc == EO_OK)
        printf("{\"bench\":\"settle\",\"requests\":%u,\"accepts\":%u,\"settles_per_s\":%.0f,"
               "\"p99_us\":%.0f,\"p50_us\":%.0f,\"settled\":%zu,\"acceptances\":%zu,"
               "\"commits\":%zu,\"seconds\":%.3f,\"carers\":%u,\"durable\":%s}\n",
               r, accepts, secs > 0 ? won / secs : 0, nl ? lat[nl * 99 / 100] : 0,
               nl ? lat[nl / 2] : 0, won, total, commits, secs, carers, nosync ? "false" : "true");
    else
        fprintf(stderr, "settle: failed: %s\n", eo_strerror(rc));
    for (uint32_t j = 0; j < accepts; j++)
        free(acc[j].items);
    for (uint32_t i = 0; i < r; i++)
        free(offered[i].carers);
    free(offered);
    free(lat);
    free(b.queue);
    eo_cases_destroy(&cases);
    eo_w1_destroy(&w1);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_dongs_destroy(&dongs);
    if (!dir_opt) {
        char path[300];
        snprintf(path, sizeof path, "%s/data.mdb", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", dir);
        unlink(path);
        rmdir(dir);
    }
    return rc == EO_OK ? 0 : 1;
}
