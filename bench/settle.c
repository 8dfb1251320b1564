/* eonjena-bench settle: settlements per second with concurrent acceptances (W1,
 * docs/workload.md "Settlement").
 *
 * W1 says a site is a shard: its carers and requests live with one matcher. So, as a node
 * running two matchers per core would, the sites are dealt out over that many shards
 * (--shards N; 0: one per site; 1: all in one, the way `eonjena serve` runs them): each
 * shard has its own DURABLE store with its sites' W1 carers, takes its W1 requests in
 * through the matcher's own intake (K = 20 offers each) and has its own settler thread. Then A acceptor threads are released: acceptor j
 * accepts, for every request, the j-th of A distinct offered carers drawn with a seed from
 * the request id, each keeping up to --window acceptances in flight. A settler decides
 * what its site has pending in group commits (eo_cases_apply_batch: one write
 * transaction, fsync at commit) and answers each acceptance only after the commit that
 * decided it. settles_per_s = settled requests / (last answer - release); p99_us is the
 * latency of an acceptance from submission to answer. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_w1.h"
#include "eonjena/eonjena.h"

#define S_MAX_A 20
#define S_MAX_SHARDS 32

typedef struct {
    uint8_t *body;
    size_t size;
    double submitted, answered;
    bool won;
    int acceptor, shard;
} s_item_t;

typedef struct {
    s_item_t **ring; /* submitted, not yet taken by the shard's settler */
    size_t head, tail, cap;
    pthread_cond_t work;
} s_queue_t;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t room, start;
    int inflight[S_MAX_A];
    int window;
    bool go;
    s_queue_t q[S_MAX_SHARDS];
} s_bench_t;

typedef struct {
    char site[EO_SITE_SLUG]; /* its first site (the store's folder name) */
    uint32_t sites;          /* bit s: W1 site s lives here */
    char dir[320];
    eo_store_t *store;
    eo_index_t *index;
    eo_rules_t *rules;
    eo_cases_t *cases;
    s_bench_t *b;
    int id;
    size_t batch, total, commits;
    double decide_s, commit_s;
    int64_t now_ms;
    int rc;
    pthread_t thread;
} s_shard_t;

typedef struct {
    s_bench_t *b;
    s_item_t *items; /* this acceptor's items, in request order */
    size_t n;
    int id;
} s_acceptor_t;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
        s_item_t *it = &a->items[i];
        s_queue_t *q = &b->q[it->shard];
        it->submitted = s_now();
        q->ring[q->tail++ % q->cap] = it;
        b->inflight[a->id]++;
        pthread_cond_signal(&q->work);
    }
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* One decision round of a settler: one transaction, fsync at commit, then the answers. */
static int s_round(s_shard_t *sh, s_item_t **items, size_t n, eo_cases_input_t *in,
                   uint8_t **replies, size_t *sizes)
{
    for (size_t i = 0; i < n; i++)
        in[i] = (eo_cases_input_t){items[i]->body, items[i]->size};
    MDB_txn *txn = NULL;
    double t0 = s_now(), t1 = t0;
    int rc;
    if ((rc = eo_store_begin(sh->store, true, &txn)) ||
        (rc = eo_cases_apply_batch(sh->cases, txn, in, n, sh->now_ms, replies, sizes)) ||
        (t1 = s_now(), rc = eo_store_commit(sh->store, &txn))) {
        eo_store_abort(&txn);
        return rc;
    }
    double t = s_now();
    sh->commits++;
    sh->decide_s += t1 - t0;
    sh->commit_s += t - t1;
    for (size_t i = 0; i < n; i++) { /* read the answers outside the shared lock */
        char err[64];
        Eo__Event *ev = replies[i] ? eo_event_decode(replies[i], sizes[i], err, sizeof err) : NULL;
        items[i]->won = ev && ev->body_case == EO__EVENT__BODY_ACK && ev->ack->n_ids == 2 &&
                        streq(ev->ack->ids[1], "won");
        items[i]->answered = t;
        eo_event_free(&ev);
        free(replies[i]);
    }
    s_bench_t *b = sh->b;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < n; i++)
        b->inflight[items[i]->acceptor]--;
    pthread_cond_broadcast(&b->room);
    pthread_mutex_unlock(&b->lock);
    return EO_OK;
}

/* A shard's settler: take what is pending (at most batch), decide it, answer, repeat. */
static void *s_settler(void *arg)
{
    s_shard_t *sh = arg;
    s_bench_t *b = sh->b;
    s_queue_t *q = &b->q[sh->id];
    s_item_t **items = calloc(sh->batch, sizeof *items);
    eo_cases_input_t *in = calloc(sh->batch, sizeof *in);
    uint8_t **replies = calloc(sh->batch, sizeof *replies);
    size_t *sizes = calloc(sh->batch, sizeof *sizes);
    size_t answered = 0;
    sh->rc = items && in && replies && sizes ? EO_OK : EO_ENOMEM;
    while (sh->rc == EO_OK && answered < sh->total) {
        pthread_mutex_lock(&b->lock);
        while (q->head == q->tail)
            pthread_cond_wait(&q->work, &b->lock);
        size_t n = 0;
        while (n < sh->batch && q->head != q->tail)
            items[n++] = q->ring[q->head++ % q->cap];
        pthread_mutex_unlock(&b->lock);
        sh->rc = s_round(sh, items, n, in, replies, sizes);
        answered += n;
    }
    free(items);
    free(in);
    free(replies);
    free(sizes);
    return NULL;
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
    q.member_id = "w1-member"; /* W1: a verified member's child of 5 */
    q.member_verified = true;
    q.child_age_months = 60;
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

/* The shard that holds a site. */
static int s_shard_of(const eo_dongs_t *dongs, s_shard_t *shards, int n, const char *site)
{
    int s = eo_dongs_site_find(dongs, site);
    for (int i = 0; s >= 0 && s < 32 && i < n; i++)
        if (shards[i].sites & 1u << s)
            return i;
    return -1;
}

/* Take the shard's requests in (intake: query + offers), 500 per transaction. */
static int s_intake(s_shard_t *sh, const eo_dongs_t *dongs, eo_w1_t *w1, uint32_t r)
{
    int rc = EO_OK;
    MDB_txn *txn = NULL;
    uint32_t in_txn = 0;
    for (uint32_t j = 0; rc == EO_OK && j < r; j++) {
        eo_w1_request_t req;
        eo_w1_request(w1, j, &req);
        int s = eo_dongs_site_find(dongs, req.site);
        if (s < 0 || s >= 32 || !(sh->sites & 1u << s))
            continue;
        if (!txn && (rc = eo_store_begin(sh->store, true, &txn)))
            break;
        char id[32];
        snprintf(id, sizeof id, "w1-%u", req.id);
        size_t size, rsize;
        uint8_t *body = s_request_event(&req, id, &size), *reply = NULL;
        rc = eo_cases_apply(sh->cases, txn, body, size, sh->now_ms, &reply, &rsize);
        free(body);
        free(reply);
        if (rc == EO_OK && ++in_txn == 500) {
            rc = eo_store_commit(sh->store, &txn);
            in_txn = 0;
        }
    }
    if (rc == EO_OK && txn)
        rc = eo_store_commit(sh->store, &txn);
    eo_store_abort(&txn);
    return rc;
}

/* A shard's store, index and case store, its carers and its requests. */
static int s_shard_open(s_shard_t *sh, const eo_dongs_t *dongs, eo_w1_t *w1, uint32_t carers,
                        uint32_t r, unsigned flags, size_t map_mb, s_offered_t *offered)
{
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = 20;
    cfg.always_pool = true;
    if (mkdir(sh->dir, 0700) != 0)
        return EO_ESTORE;
    char err[256];
    sh->rules = eo_rules_new(NULL, err, sizeof err);
    sh->store = sh->rules ? eo_store_new(sh->dir, map_mb, flags) : NULL;
    eo_caps_t caps;
    if (sh->rules)
        eo_rules_caps(sh->rules, &caps);
    sh->index = sh->store ? eo_index_new(sh->store, dongs, &caps) : NULL;
    sh->cases = sh->index ? eo_cases_new(sh->store, sh->index, dongs, sh->rules, &cfg) : NULL;
    if (!sh->cases)
        return EO_ESTORE;
    sh->now_ms = eo_w1_clock(w1) * 1000;
    const char *slugs[32];
    size_t n = 0;
    for (int s = 0; s < 32; s++)
        if (sh->sites & 1u << s)
            slugs[n++] = eo_dongs_site(dongs, s)->slug;
    int rc = eo_w1_load_sites(w1, sh->store, sh->index, carers, slugs, n);
    if (rc == EO_OK)
        rc = s_intake(sh, dongs, w1, r);
    MDB_txn *txn = NULL;
    if (rc == EO_OK && (rc = eo_store_begin(sh->store, false, &txn)) == EO_OK)
        rc = eo_cases_outbox_each(sh->cases, txn, 0, s_collect, offered);
    eo_store_abort(&txn);
    return rc;
}

static void s_shard_close(s_shard_t *sh, bool remove)
{
    eo_cases_destroy(&sh->cases);
    eo_index_destroy(&sh->index);
    eo_store_destroy(&sh->store);
    eo_rules_destroy(&sh->rules);
    if (remove) {
        char path[400];
        snprintf(path, sizeof path, "%s/data.mdb", sh->dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/lock.mdb", sh->dir);
        unlink(path);
        rmdir(sh->dir);
    }
}

/* The invariants of every shard after the run; the first violation is printed. */
static void s_check(s_shard_t *shards, int n)
{
    for (int i = 0; i < n; i++) {
        char why[256] = "";
        MDB_txn *txn = NULL;
        if (eo_store_begin(shards[i].store, false, &txn) == EO_OK &&
            eo_cases_check(shards[i].cases, txn, why, sizeof why))
            fprintf(stderr, "settle: INVARIANT VIOLATED in %s: %s\n", shards[i].dir, why);
        eo_store_abort(&txn);
    }
}

typedef struct {
    uint32_t r, accepts, carers;
    uint64_t seed;
    int window;
    size_t batch;
    const char *dir;
    bool nosync;
    int shards; /* stores and settlers: two per core by default; 0: one per W1 site */
} s_opts_t;

static const char s_about[] =
    "W1 settlement with A concurrent acceptances per request and durable\n"
    "group commits, the sites (W1: a site is a shard) dealt out over N\n"
    "stores and settlers. Prints\n"
    "{\"bench\":\"settle\",\"requests\":R,\"accepts\":A,"
    "\"settles_per_s\":..,\"p99_us\":..,...}";

/* The command line into *o; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, s_opts_t *o)
{
    /* two settlers per core: a settler waits on fsync longer than it computes (14k/s
     * without fsync, 5k/s with, on the project machine), so one per core leaves the
     * cores idle half the time; many more make every commit small */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (s_opts_t){10000, 5, 30000, 1, 256, 1024, NULL, false, cores > 0 ? 2 * (int)cores : 2};
    const char *v[7] = {NULL}; /* requests accepts carers seed window batch shards */
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("requests", "R", &v[0], "W1 requests (10000)"),
        EO_OPT_VALUE("accepts", "A", &v[1], "concurrent acceptances per request (5)"),
        EO_OPT_VALUE("carers", "C", &v[2], "W1 carers (30000)"),
        EO_OPT_VALUE("seed", "S", &v[3], "the W1 seed (1)"),
        EO_OPT_VALUE("window", "W", &v[4], "acceptances in flight per acceptor (256)"),
        EO_OPT_VALUE("batch", "B", &v[5], "acceptances per transaction at most (1024)"),
        EO_OPT_VALUE("shards", "N", &v[6],
                     "stores and settlers (two per core; 0: one per site; 1: one)"),
        EO_OPT_VALUE("stores", "DIR", &o->dir,
                     "new folder for the shards' stores, kept (default: temporary)"),
        /* diagnosis only: the figure is the durable one */
        EO_OPT_FLAG("nosync", &o->nosync, "no fsync at commits (diagnosis only)"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench settle",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN)
        return rc;
    o->r = v[0] ? (uint32_t)atoi(v[0]) : o->r;
    o->accepts = v[1] ? (uint32_t)atoi(v[1]) : o->accepts;
    o->carers = v[2] ? (uint32_t)atoi(v[2]) : o->carers;
    o->seed = v[3] ? strtoull(v[3], NULL, 10) : o->seed;
    o->window = v[4] ? atoi(v[4]) : o->window;
    o->batch = v[5] ? (size_t)atoi(v[5]) : o->batch;
    o->shards = v[6] ? atoi(v[6]) : o->shards;
    bool ok = o->r > 0 && o->accepts > 0 && o->accepts <= S_MAX_A && o->window > 0 &&
              o->batch > 0 && o->shards >= 0 && o->shards <= S_MAX_SHARDS;
    return ok ? EO_OPTS_RUN : eo_opts_fail(&p, "a number out of range");
}

/* The shards: n stores (0: one per W1 site), the sites dealt out largest first to the
 * shard with the fewest 동 so far, as an operator would spread matchers. */
static int s_shards_plan(const eo_dongs_t *dongs, int n, const char *root, s_shard_t *shards)
{
    int sites[32], n_sites = 0;
    size_t size[32];
    for (size_t s = 0; s < eo_dongs_site_count(dongs) && n_sites < 32; s++)
        if (eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT) {
            eo_dongs_of_site(dongs, (int)s, &size[n_sites]);
            sites[n_sites++] = (int)s;
        }
    n = n == 0 || n > n_sites ? n_sites : n;
    size_t load[S_MAX_SHARDS] = {0};
    bool dealt[32] = {false};
    for (int k = 0; k < n_sites; k++) {
        int big = -1, to = 0;
        for (int i = 0; i < n_sites; i++)
            if (!dealt[i] && (big < 0 || size[i] > size[big]))
                big = i;
        for (int j = 1; j < n; j++)
            if (load[j] < load[to])
                to = j;
        dealt[big] = true;
        load[to] += size[big];
        shards[to].sites |= 1u << sites[big];
        if (!*shards[to].site) {
            const char *slug = eo_dongs_site(dongs, sites[big])->slug;
            snprintf(shards[to].site, sizeof shards[to].site, "%s", slug);
            snprintf(shards[to].dir, sizeof shards[to].dir, "%s/%s", root, slug);
        }
    }
    return n;
}

/* Acceptor j accepts, for every request, the j-th of A distinct offered carers. */
static size_t s_items(s_opts_t *o, const eo_dongs_t *dongs, eo_w1_t *w1, s_shard_t *shards,
                      int n_shards,
                      s_offered_t *offered, s_acceptor_t *acc, size_t *with_candidates)
{
    size_t total = 0;
    for (uint32_t i = 0; i < o->r; i++) {
        s_offered_t *of = &offered[i];
        *with_candidates += of->n > 0;
        eo_rng_t rng;
        eo_rng_seed(&rng, o->seed, 0x5e771eULL + i);
        for (uint32_t k = of->n; k > 1; k--) { /* seeded shuffle: the first A accept */
            uint32_t x = eo_rng_below(&rng, k);
            uint32_t t = of->carers[k - 1];
            of->carers[k - 1] = of->carers[x];
            of->carers[x] = t;
        }
        eo_w1_request_t req;
        eo_w1_request(w1, i, &req);
        int shard = s_shard_of(dongs, shards, n_shards, req.site);
        char id[32];
        snprintf(id, sizeof id, "w1-%u", i + 1);
        for (uint32_t j = 0; shard >= 0 && j < o->accepts && j < of->n; j++) {
            s_item_t *it = &acc[j].items[acc[j].n++];
            it->body = s_answer_event(id, of->carers[j], &it->size);
            it->acceptor = (int)j;
            it->shard = shard;
            shards[shard].total++;
            total++;
        }
    }
    return total;
}

/* Release the acceptors, run every settler, wait for all answers. */
static int s_run(s_bench_t *b, s_shard_t *shards, int n_shards, s_acceptor_t *acc,
                 uint32_t accepts, double *release)
{
    pthread_t threads[S_MAX_A];
    for (uint32_t j = 0; j < accepts; j++) {
        acc[j].b = b;
        pthread_create(&threads[j], NULL, s_acceptor, &acc[j]);
    }
    for (int s = 0; s < n_shards; s++) {
        shards[s].b = b;
        shards[s].id = s;
        pthread_create(&shards[s].thread, NULL, s_settler, &shards[s]);
    }
    pthread_mutex_lock(&b->lock);
    b->go = true;
    *release = s_now();
    pthread_cond_broadcast(&b->start);
    pthread_mutex_unlock(&b->lock);
    int rc = EO_OK;
    for (int s = 0; s < n_shards; s++) {
        pthread_join(shards[s].thread, NULL);
        rc = rc ? rc : shards[s].rc;
    }
    for (uint32_t j = 0; j < accepts; j++)
        pthread_join(threads[j], NULL);
    return rc;
}

int eo_bench_settle(int argc, char **argv)
{
    s_opts_t o;
    int parsed = s_parse(argc, argv, &o);
    if (parsed != EO_OPTS_RUN)
        return parsed;
    zsys_init();
    char root[256];
    if (o.dir) {
        snprintf(root, sizeof root, "%s", o.dir);
        if (mkdir(root, 0700) != 0) {
            fprintf(stderr, "settle: cannot create %s (it must not exist)\n", root);
            return 1;
        }
    } else {
        snprintf(root, sizeof root, "/tmp/eo-bench-settle.XXXXXX");
        if (!mkdtemp(root))
            return 1;
    }
    char err[256] = "";
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_w1_t *w1 = dongs ? eo_w1_new(dongs, o.seed, 0) : NULL;
    if (!w1) {
        fprintf(stderr, "settle: cannot set up (%s)\n", err);
        return 1;
    }
    static s_shard_t shards[S_MAX_SHARDS];
    memset(shards, 0, sizeof shards);
    int n_shards = s_shards_plan(dongs, o.shards, root, shards);
    s_offered_t *offered = calloc(o.r, sizeof *offered);
    for (uint32_t i = 0; i < o.r; i++)
        offered[i].carers = calloc(20, sizeof(uint32_t));
    double t0 = s_now();
    int rc = EO_OK;
    for (int s = 0; rc == EO_OK && s < n_shards; s++) {
        shards[s].batch = o.batch;
        rc = s_shard_open(&shards[s], dongs, w1, o.carers, o.r,
                          o.nosync ? EO_STORE_NOSYNC : 0, n_shards == 1 ? 8192 : 4096, offered);
    }
    fprintf(stderr, "settle: %u carers and %u requests in %d store(s) in %.1f s\n", o.carers, o.r,
            n_shards, s_now() - t0);

    s_acceptor_t acc[S_MAX_A];
    for (uint32_t j = 0; j < o.accepts; j++)
        acc[j] = (s_acceptor_t){.items = calloc(o.r, sizeof(s_item_t)), .id = (int)j};
    size_t with_candidates = 0;
    size_t total = s_items(&o, dongs, w1, shards, n_shards, offered, acc, &with_candidates);
    s_bench_t b = {.window = o.window};
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.room, NULL);
    pthread_cond_init(&b.start, NULL);
    for (int s = 0; s < n_shards; s++) {
        b.q[s].cap = shards[s].total + 1;
        b.q[s].ring = calloc(b.q[s].cap, sizeof *b.q[s].ring);
        pthread_cond_init(&b.q[s].work, NULL);
    }
    double release = 0, w0 = s_written_mb();
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    if (rc == EO_OK)
        rc = s_run(&b, shards, n_shards, acc, o.accepts, &release);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    size_t commits = 0;
    double decide_s = 0, commit_s = 0;
    for (int s = 0; s < n_shards; s++) {
        commits += shards[s].commits;
        decide_s += shards[s].decide_s;
        commit_s += shards[s].commit_s;
    }
    fprintf(stderr,
            "settle: %.3f s of CPU and %.1f MB written in %zu commits for the settlement phase "
            "(settlers: %.3f s deciding, %.3f s committing, summed)\n",
            (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9,
            s_written_mb() - w0, commits, decide_s, commit_s);

    double last = release, *lat = calloc(total + 1, sizeof *lat);
    size_t won = 0, nl = 0;
    for (uint32_t j = 0; j < o.accepts; j++)
        for (size_t i = 0; i < acc[j].n; i++) {
            s_item_t *it = &acc[j].items[i];
            won += it->won;
            last = it->answered > last ? it->answered : last;
            lat[nl++] = (it->answered - it->submitted) * 1e6;
            free(it->body);
        }
    qsort(lat, nl, sizeof *lat, s_cmp);
    if (rc == EO_OK)
        s_check(shards, n_shards);
    double secs = last - release;
    if (rc == EO_OK && won != with_candidates)
        fprintf(stderr, "settle: %zu winners for %zu requests with candidates (the others' "
                        "acceptors were booked into overlapping requests first)\n",
                won, with_candidates);
    if (rc == EO_OK)
        printf("{\"bench\":\"settle\",\"requests\":%u,\"accepts\":%u,\"settles_per_s\":%.0f,"
               "\"p99_us\":%.0f,\"p50_us\":%.0f,\"settled\":%zu,\"acceptances\":%zu,"
               "\"commits\":%zu,\"seconds\":%.3f,\"carers\":%u,\"shards\":%d,\"durable\":%s}\n",
               o.r, o.accepts, secs > 0 ? won / secs : 0, nl ? lat[nl * 99 / 100] : 0,
               nl ? lat[nl / 2] : 0, won, total, commits, secs, o.carers, n_shards,
               o.nosync ? "false" : "true");
    else
        fprintf(stderr, "settle: failed: %s\n", eo_strerror(rc));
    for (uint32_t j = 0; j < o.accepts; j++)
        free(acc[j].items);
    for (uint32_t i = 0; i < o.r; i++)
        free(offered[i].carers);
    free(offered);
    free(lat);
    for (int s = 0; s < n_shards; s++) {
        free(b.q[s].ring);
        pthread_cond_destroy(&b.q[s].work);
        s_shard_close(&shards[s], !o.dir);
    }
    if (!o.dir)
        rmdir(root);
    eo_w1_destroy(&w1);
    eo_dongs_destroy(&dongs);
    return rc == EO_OK ? 0 : 1;
}
