/* eonjena-bench settle: settlements per second with concurrent acceptances (W1,
 * docs/workload.md "Settlement").
 *
 * W1 says a site is a shard: its carers and requests live with one matcher. So, as a node
 * running two matchers per core would, the sites are dealt out over that many shards
 * (--shards N; 0: one per site; 1: all in one, the way one matcher serves them all): each
 * shard has its own DURABLE store with its sites' W1 carers and its own settler thread.
 *
 * W1 settles request after request: the 5 acceptors of a request accept at once, one
 * wins, then the next request, whose query already sees the earlier bookings. The bench
 * follows that in rounds of --chunk requests: each shard takes the round's requests in
 * through the matcher's own intake (query on the store as the earlier rounds left it, K =
 * 20 offers each; not timed), then A acceptor threads are released: acceptor j accepts,
 * for every request of the round, the j-th of A distinct offered carers drawn with a seed
 * from the request id. The acceptors move together: a request's acceptances go out only
 * while fewer than --window requests with acceptances before it are still unanswered, so
 * every request's acceptances meet in the store at about the same time, as W1's do. A
 * request without candidates has no settlement (W1) and takes no place in the window:
 * counted, it left late rounds of a long run, where most requests find no free carer,
 * with a handful of settlements per commit, and the rate fell with the run for that
 * alone (docs/lifecycle.md). A settler decides
 * what its shard has pending in group commits (eo_cases_apply_batch: one write
 * transaction, fsync at commit) and answers each acceptance only after the commit that
 * decided it. settles_per_s = settled requests / the rounds' time from releasing the
 * acceptors to their last answer; p99_us is the latency of an acceptance from submission
 * to answer. --chunk 0 takes every request in before any acceptance (offers then go to
 * carers that earlier requests book, and most acceptances of a long run lose). */
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
#define S_K 20 /* offers per request (W1) */

typedef struct {
    uint8_t *body;
    size_t size;
    double submitted, answered;
    bool won;
    int acceptor, shard;
    uint32_t req; /* the request's index in the run */
} s_item_t;

typedef struct {
    s_item_t **ring; /* submitted, not yet taken by the shard's settler */
    size_t head, tail, cap;
    pthread_cond_t work;
} s_queue_t;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t room, start;
    uint8_t *left;   /* per request of the run: its acceptances not answered yet */
    uint32_t *rank;  /* per request of the run: how many before it have acceptances */
    uint32_t ranked; /* requests with acceptances so far */
    uint32_t done;   /* every request before this one is answered */
    uint32_t end;    /* the round's requests end here */
    uint32_t window; /* requests with acceptances that may be out at once */
    bool go;
    s_queue_t q[S_MAX_SHARDS];
} s_bench_t;

typedef struct {
    uint32_t *carers;
    uint32_t n;
} s_offered_t;

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
    uint64_t outbox_from; /* the outbox rows not read for offers yet start here */
    int rc;
    pthread_t thread;
    /* the round being taken in (s_intake_thread) */
    const eo_dongs_t *dongs;
    eo_w1_t *w1;
    uint32_t from, to;
    s_offered_t *offered;
} s_shard_t;

typedef struct {
    s_bench_t *b;
    s_item_t *items; /* this acceptor's items of the round, in request order */
    size_t n;
    int id;
} s_acceptor_t;

/* A counter of /proc/self/io ("wchar", "syscw"), 0 where there is none. */
static double s_proc_io(const char *field)
{
    FILE *f = fopen("/proc/self/io", "r");
    char line[128];
    size_t n = strlen(field);
    double value = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            value = (double)strtoull(line + n + 1, NULL, 10);
    if (f) fclose(f);
    return value;
}

/* Bytes this process handed to write(2) so far: what the commits cost in page writes. */
static double s_written_mb(void)
{
    return s_proc_io("wchar") / 1e6;
}

static void *s_acceptor(void *arg)
{
    s_acceptor_t *a = arg;
    s_bench_t *b = a->b;
    pthread_mutex_lock(&b->lock);
    while (!b->go)
        pthread_cond_wait(&b->start, &b->lock);
    for (size_t i = 0; i < a->n; i++) {
        s_item_t *it = &a->items[i];
        while (b->done < b->end && b->rank[it->req] >= b->rank[b->done] + b->window)
            pthread_cond_wait(&b->room, &b->lock);
        s_queue_t *q = &b->q[it->shard];
        it->submitted = eo_bench_now();
        q->ring[q->tail++ % q->cap] = it;
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
    double t0 = eo_bench_now(), t1 = t0;
    int rc;
    if ((rc = eo_store_begin(sh->store, true, &txn)) ||
        (rc = eo_cases_apply_batch(sh->cases, txn, in, n, sh->now_ms, replies, sizes)) ||
        (t1 = eo_bench_now(), rc = eo_store_commit(sh->store, &txn))) {
        eo_store_abort(&txn);
        return rc;
    }
    double t = eo_bench_now();
    sh->commits++;
    sh->decide_s += t1 - t0;
    sh->commit_s += t - t1;
    for (size_t i = 0; i < n; i++) { /* read the answers outside the shared lock */
        char err[64];
        Eo__Event *ev =
            replies[i] ? eo_event_decode(replies[i], sizes[i], err, sizeof err) : NULL;
        items[i]->won = ev && ev->body_case == EO__EVENT__BODY_ACK && ev->ack->n_ids == 2 &&
                        streq(ev->ack->ids[1], "won");
        items[i]->answered = t;
        eo_event_free(&ev);
        free(replies[i]);
    }
    s_bench_t *b = sh->b;
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < n; i++)
        b->left[items[i]->req]--;
    while (b->done < b->end && b->left[b->done] == 0)
        b->done++;
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

/* The offers of the round's requests [from, to), read from the outbox rows the intake
 * wrote (rows of earlier requests' later waves are not the round's). */
static int s_collect(void *arg, const eo_outbox_row_t *row)
{
    s_shard_t *sh = arg;
    char err[64];
    sh->outbox_from = row->seq + 1;
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    if (ev && ev->body_case == EO__EVENT__BODY_MESSAGE &&
        ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER) {
        uint32_t r = (uint32_t)atoi(ev->message->request_id + 3) - 1; /* "w1-<id>" */
        s_offered_t *o = &sh->offered[r];
        if (r >= sh->from && r < sh->to && o->n < S_K)
            o->carers[o->n++] = ev->message->carer_id;
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
        if (shards[i].sites & 1u << s) return i;
    return -1;
}

/* Take the shard's requests of the round in (intake: query + offers), 500 per
 * transaction, then read their offers from the outbox. */
static int s_intake(s_shard_t *sh)
{
    int rc = EO_OK;
    MDB_txn *txn = NULL;
    uint32_t in_txn = 0;
    for (uint32_t j = sh->from; rc == EO_OK && j < sh->to; j++) {
        eo_w1_request_t req;
        eo_w1_request(sh->w1, j, &req);
        int s = eo_dongs_site_find(sh->dongs, req.site);
        if (s < 0 || s >= 32 || !(sh->sites & 1u << s)) continue;
        if (!txn && (rc = eo_store_begin(sh->store, true, &txn))) break;
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
    if (rc == EO_OK && txn) rc = eo_store_commit(sh->store, &txn);
    eo_store_abort(&txn);
    if (rc == EO_OK && (rc = eo_store_begin(sh->store, false, &txn)) == EO_OK)
        rc = eo_cases_outbox_each(sh->cases, txn, sh->outbox_from, s_collect, sh);
    eo_store_abort(&txn);
    return rc;
}

static void *s_intake_thread(void *arg)
{
    s_shard_t *sh = arg;
    sh->rc = s_intake(sh);
    return NULL;
}

/* Every shard takes the round [from, to) in, each on its own thread (not timed). */
static int s_intake_round(s_shard_t *shards, int n, uint32_t from, uint32_t to)
{
    for (int s = 0; s < n; s++) {
        shards[s].from = from;
        shards[s].to = to;
        pthread_create(&shards[s].thread, NULL, s_intake_thread, &shards[s]);
    }
    int rc = EO_OK;
    for (int s = 0; s < n; s++) {
        pthread_join(shards[s].thread, NULL);
        rc = rc ? rc : shards[s].rc;
    }
    return rc;
}

/* A shard's store, index and case store, and its carers. */
static int s_shard_open(s_shard_t *sh, const eo_dongs_t *dongs, eo_w1_t *w1, uint32_t carers,
                        unsigned flags, size_t map_mb)
{
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = S_K;
    cfg.always_pool = true;
    if (mkdir(sh->dir, 0700) != 0) return EO_ESTORE;
    char err[256];
    sh->rules = eo_rules_new(NULL, err, sizeof err);
    sh->store = sh->rules ? eo_store_new(sh->dir, map_mb, flags) : NULL;
    eo_caps_t caps;
    if (sh->rules) eo_rules_caps(sh->rules, &caps);
    sh->index = sh->store ? eo_index_new(sh->store, dongs, &caps) : NULL;
    sh->cases = sh->index ? eo_cases_new(sh->store, sh->index, dongs, sh->rules, &cfg) : NULL;
    if (!sh->cases) return EO_ESTORE;
    sh->now_ms = eo_w1_clock(w1) * 1000;
    sh->dongs = dongs;
    sh->w1 = w1;
    const char *slugs[32];
    size_t n = 0;
    for (int s = 0; s < 32; s++)
        if (sh->sites & 1u << s) slugs[n++] = eo_dongs_site(dongs, s)->slug;
    return eo_w1_load_sites(w1, sh->store, sh->index, carers, slugs, n);
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
    uint32_t r, accepts, carers, chunk;
    uint64_t seed;
    int window;
    size_t batch;
    const char *dir;
    bool nosync;
    int shards;  /* stores and settlers: two per core by default; 0: one per W1 site */
    bool rounds; /* a line per round: what a commit carries as the run grows */
} s_opts_t;

static const char s_about[] =
    "W1 settlement with A concurrent acceptances per request and durable\n"
    "group commits, the sites (W1: a site is a shard) dealt out over N\n"
    "stores and settlers, the requests taken in and settled in rounds\n"
    "(--chunk), each round's query seeing the earlier rounds' bookings. Prints\n"
    "{\"bench\":\"settle\",\"requests\":R,\"accepts\":A,"
    "\"settles_per_s\":..,\"p99_us\":..,...}";

/* The command line into *o; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, s_opts_t *o)
{
    /* two settlers per core: a settler waits on fsync longer than it computes, so one
     * per core leaves the cores idle half the time; many more make every commit small */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (s_opts_t){10000, 5,    30000, 1000,  1,
                    64,    1024, NULL,  false, cores > 0 ? 2 * (int)cores : 2};
    const char *v[8] = {NULL}; /* requests accepts carers seed window batch shards chunk */
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("requests", "R", &v[0], "W1 requests (10000)"),
        EO_OPT_VALUE("accepts", "A", &v[1], "concurrent acceptances per request (5)"),
        EO_OPT_VALUE("carers", "C", &v[2], "W1 carers (30000)"),
        EO_OPT_VALUE("seed", "S", &v[3], "the W1 seed (1)"),
        EO_OPT_VALUE("window", "W", &v[4], "requests with acceptances out at once (64)"),
        EO_OPT_VALUE("batch", "B", &v[5], "acceptances per transaction at most (1024)"),
        EO_OPT_VALUE("shards", "N", &v[6],
                     "stores and settlers (two per core; 0: one per site; 1: one)"),
        EO_OPT_VALUE("chunk", "K", &v[7],
                     "requests taken in per round (1000; 0: all before any acceptance)"),
        EO_OPT_VALUE("stores", "DIR", &o->dir,
                     "new folder for the shards' stores, kept (default: temporary)"),
        /* diagnosis only: the figure is the durable one */
        EO_OPT_FLAG("nosync", &o->nosync, "no fsync at commits (diagnosis only)"),
        EO_OPT_FLAG("rounds", &o->rounds,
                    "a line per round on stderr: acceptances, commits, writes (diagnosis)"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench settle", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o->r = v[0] ? (uint32_t)atoi(v[0]) : o->r;
    o->accepts = v[1] ? (uint32_t)atoi(v[1]) : o->accepts;
    o->carers = v[2] ? (uint32_t)atoi(v[2]) : o->carers;
    o->seed = v[3] ? strtoull(v[3], NULL, 10) : o->seed;
    o->window = v[4] ? atoi(v[4]) : o->window;
    o->batch = v[5] ? (size_t)atoi(v[5]) : o->batch;
    o->shards = v[6] ? atoi(v[6]) : o->shards;
    o->chunk = v[7] ? (uint32_t)atoi(v[7]) : o->chunk;
    if (o->chunk == 0 || o->chunk > o->r) o->chunk = o->r;
    bool ok = o->r > 0 && o->accepts > 0 && o->accepts <= S_MAX_A && o->window > 0 &&
              o->batch > 0 && o->shards >= 0 && o->shards <= S_MAX_SHARDS;
    return ok ? EO_OPTS_RUN : eo_opts_fail(&p, "a number out of range");
}

/* The shards: n stores (0: one per W1 site), the sites dealt out as `eonjena serve` and
 * an operator spread matchers (eo_dongs_shards); each store is named by its first site. */
static int s_shards_plan(const eo_dongs_t *dongs, int n, const char *root, s_shard_t *shards)
{
    uint32_t plan[EO_SITE_MAX];
    n = eo_dongs_shards(dongs, n, EO_SERVICE_VISIT, plan);
    for (int i = 0; i < n; i++) {
        shards[i].sites = plan[i];
        int first = __builtin_ctz(plan[i]);
        const char *slug = eo_dongs_site(dongs, first)->slug;
        snprintf(shards[i].site, sizeof shards[i].site, "%s", slug);
        snprintf(shards[i].dir, sizeof shards[i].dir, "%s/%s", root, slug);
    }
    return n;
}

/* What the rounds add up to. */
typedef struct {
    double seconds, cpu_s, written_mb, decide_s, commit_s;
    size_t won, total, with_candidates, commits, n_lat;
    double *lat; /* every acceptance's latency, us */
} s_sum_t;

/* The round's items: acceptor j accepts, for every request of [from, to), the j-th of A
 * distinct offered carers (a seeded shuffle of the offers). */
static void s_items(const s_opts_t *o, const eo_dongs_t *dongs, eo_w1_t *w1, s_shard_t *shards,
                    int n_shards, s_offered_t *offered, uint32_t from, uint32_t to,
                    s_acceptor_t *acc, s_bench_t *b, s_sum_t *sum)
{
    for (uint32_t j = 0; j < o->accepts; j++)
        acc[j].n = 0;
    for (int s = 0; s < n_shards; s++)
        shards[s].total = 0;
    for (uint32_t i = from; i < to; i++) {
        s_offered_t *of = &offered[i];
        sum->with_candidates += of->n > 0;
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
        b->left[i] = 0;
        b->rank[i] = b->ranked;
        for (uint32_t j = 0; shard >= 0 && j < o->accepts && j < of->n; j++) {
            s_item_t *it = &acc[j].items[acc[j].n++];
            *it = (s_item_t){.acceptor = (int)j, .shard = shard, .req = i};
            it->body = s_answer_event(id, of->carers[j], &it->size);
            shards[shard].total++;
            b->left[i]++;
        }
        b->ranked += b->left[i] > 0;
    }
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
    *release = eo_bench_now();
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

/* Commits of every shard so far. */
static size_t s_commits(const s_shard_t *shards, int n)
{
    size_t c = 0;
    for (int s = 0; s < n; s++)
        c += shards[s].commits;
    return c;
}

static double s_cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One round: take [from, to) in (not timed), release its acceptances, add it up. */
static int s_round_run(const s_opts_t *o, const eo_dongs_t *dongs, eo_w1_t *w1,
                       s_shard_t *shards, int n_shards, s_offered_t *offered, uint32_t from,
                       uint32_t to, s_acceptor_t *acc, s_bench_t *b, s_sum_t *sum)
{
    int rc = s_intake_round(shards, n_shards, from, to);
    if (rc) return rc;
    s_items(o, dongs, w1, shards, n_shards, offered, from, to, acc, b, sum);
    b->go = false;
    b->done = from;
    b->end = to;
    while (b->done < b->end && b->left[b->done] == 0)
        b->done++;
    for (int s = 0; s < n_shards; s++)
        b->q[s].head = b->q[s].tail = 0;
    size_t commits0 = s_commits(shards, n_shards), total0 = sum->total, won0 = sum->won;
    double release = 0, w0 = s_written_mb(), c0 = s_cpu_s(), calls0 = s_proc_io("syscw");
    rc = s_run(b, shards, n_shards, acc, o->accepts, &release);
    sum->cpu_s += s_cpu_s() - c0;
    double mb = s_written_mb() - w0, calls = s_proc_io("syscw") - calls0;
    sum->written_mb += mb;
    double last = release;
    for (uint32_t j = 0; j < o->accepts; j++)
        for (size_t i = 0; i < acc[j].n; i++) {
            s_item_t *it = &acc[j].items[i];
            sum->won += it->won;
            last = it->answered > last ? it->answered : last;
            sum->lat[sum->n_lat++] = (it->answered - it->submitted) * 1e6;
            sum->total++;
            free(it->body);
        }
    sum->seconds += last - release;
    if (o->rounds) {
        size_t commits = s_commits(shards, n_shards) - commits0;
        double per = commits ? 1.0 / (double)commits : 0;
        fprintf(stderr,
                "settle: round %u-%u: %zu acceptances, %zu settled in %.3f s; %zu commits, "
                "%.1f acceptances, %.0f KB and %.1f write calls per commit\n",
                from, to, sum->total - total0, sum->won - won0, last - release, commits,
                (double)(sum->total - total0) * per, mb * 1e3 * per, calls * per);
    }
    return rc;
}

/* Every round, then the shards' counters. */
static int s_rounds(const s_opts_t *o, const eo_dongs_t *dongs, eo_w1_t *w1, s_shard_t *shards,
                    int n_shards, s_offered_t *offered, s_sum_t *sum)
{
    s_acceptor_t acc[S_MAX_A];
    for (uint32_t j = 0; j < o->accepts; j++)
        acc[j] = (s_acceptor_t){.items = calloc(o->chunk, sizeof(s_item_t)), .id = (int)j};
    s_bench_t b = {.window = (uint32_t)o->window,
                   .left = calloc(o->r, 1),
                   .rank = calloc(o->r, sizeof(uint32_t))};
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.room, NULL);
    pthread_cond_init(&b.start, NULL);
    for (int s = 0; s < n_shards; s++) {
        b.q[s].cap = (size_t)o->chunk * o->accepts + 1;
        b.q[s].ring = calloc(b.q[s].cap, sizeof *b.q[s].ring);
        pthread_cond_init(&b.q[s].work, NULL);
    }
    int rc = EO_OK;
    for (uint32_t from = 0; rc == EO_OK && from < o->r; from += o->chunk) {
        uint32_t to = o->r - from < o->chunk ? o->r : from + o->chunk;
        rc = s_round_run(o, dongs, w1, shards, n_shards, offered, from, to, acc, &b, sum);
    }
    for (int s = 0; s < n_shards; s++) {
        sum->commits += shards[s].commits;
        sum->decide_s += shards[s].decide_s;
        sum->commit_s += shards[s].commit_s;
        free(b.q[s].ring);
        pthread_cond_destroy(&b.q[s].work);
    }
    for (uint32_t j = 0; j < o->accepts; j++)
        free(acc[j].items);
    free(b.left);
    free(b.rank);
    return rc;
}

static void s_report(const s_opts_t *o, s_sum_t *sum, int n_shards)
{
    eo_bench_sort(sum->lat, sum->n_lat);
    size_t n = sum->n_lat;
    fprintf(stderr,
            "settle: %.3f s of CPU and %.1f MB written in %zu commits while settling "
            "(settlers: %.3f s deciding, %.3f s committing, summed)\n",
            sum->cpu_s, sum->written_mb, sum->commits, sum->decide_s, sum->commit_s);
    if (sum->won != sum->with_candidates)
        fprintf(stderr,
                "settle: %zu winners for %zu requests with candidates (the others' "
                "acceptors were booked into overlapping requests first)\n",
                sum->won, sum->with_candidates);
    printf("{\"bench\":\"settle\",\"requests\":%u,\"accepts\":%u,\"settles_per_s\":%.0f,"
           "\"p99_us\":%.0f,\"p50_us\":%.0f,\"settled\":%zu,\"acceptances\":%zu,"
           "\"commits\":%zu,\"seconds\":%.3f,\"carers\":%u,\"shards\":%d,\"chunk\":%u,"
           "\"window\":%d,\"durable\":%s}\n",
           o->r, o->accepts, sum->seconds > 0 ? (double)sum->won / sum->seconds : 0,
           n ? sum->lat[n * 99 / 100] : 0, n ? sum->lat[n / 2] : 0, sum->won, sum->total,
           sum->commits, sum->seconds, o->carers, n_shards, o->chunk, o->window,
           o->nosync ? "false" : "true");
}

int eo_bench_settle(int argc, char **argv)
{
    s_opts_t o;
    int parsed = s_parse(argc, argv, &o);
    if (parsed != EO_OPTS_RUN) return parsed;
    zsys_init();
    char root[256];
    if (o.dir) {
        snprintf(root, sizeof root, "%s", o.dir);
        if (mkdir(root, 0700) != 0) {
            fprintf(stderr, "settle: cannot create %s (it must not exist)\n", root);
            return 1;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%.200s/eo-bench-settle.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(root)) return 1;
    }
    char err[256] = "";
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_w1_t *w1 = dongs ? eo_w1_new(dongs, o.seed, 0) : NULL;
    if (!w1) {
        fprintf(stderr, "settle: cannot set up (%s)\n", err);
        eo_dongs_destroy(&dongs);
        rmdir(root); /* made above and still empty: leave nothing behind */
        return 1;
    }
    static s_shard_t shards[S_MAX_SHARDS];
    memset(shards, 0, sizeof shards);
    int n_shards = s_shards_plan(dongs, o.shards, root, shards);
    s_offered_t *offered = calloc(o.r, sizeof *offered);
    for (uint32_t i = 0; i < o.r; i++)
        offered[i].carers = calloc(S_K, sizeof(uint32_t));
    double t0 = eo_bench_now();
    int rc = EO_OK;
    for (int s = 0; rc == EO_OK && s < n_shards; s++) {
        shards[s].batch = o.batch;
        shards[s].offered = offered;
        rc = s_shard_open(&shards[s], dongs, w1, o.carers, o.nosync ? EO_STORE_NOSYNC : 0,
                          n_shards == 1 ? 8192 : 4096);
    }
    fprintf(stderr, "settle: %u carers in %d store(s) in %.1f s\n", o.carers, n_shards,
            eo_bench_now() - t0);
    s_sum_t sum = {.lat = calloc((size_t)o.r * o.accepts + 1, sizeof(double))};
    t0 = eo_bench_now();
    if (rc == EO_OK) rc = s_rounds(&o, dongs, w1, shards, n_shards, offered, &sum);
    fprintf(stderr, "settle: %u requests in rounds of %u in %.1f s (intake not timed)\n", o.r,
            o.chunk, eo_bench_now() - t0);
    if (rc == EO_OK) {
        s_check(shards, n_shards);
        s_report(&o, &sum, n_shards);
    } else
        fprintf(stderr, "settle: failed: %s\n", eo_strerror(rc));
    for (uint32_t i = 0; i < o.r; i++)
        free(offered[i].carers);
    free(offered);
    free(sum.lat);
    for (int s = 0; s < n_shards; s++)
        s_shard_close(&shards[s], !o.dir);
    if (!o.dir) rmdir(root);
    eo_w1_destroy(&w1);
    eo_dongs_destroy(&dongs);
    return rc == EO_OK ? 0 : 1;
}
