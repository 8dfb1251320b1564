/* bench.pages: the page walker of `eonjena-bench pages` (bench/pages.c) against commits
 * whose pages are known. Every page of a snapshot belongs to the tree LMDB counts it in
 * (its mdb_stat agrees); one key put in a one-page tree is one new leaf there and one in
 * the tree of trees; a big value is a leaf and its overflow pages; a key changed in a
 * deeper tree is a leaf and the branch pages above it; a DUPSORT key's sub-tree counts
 * with its tree. Then the watcher, beside a writer that commits only after the watcher
 * has walked the previous snapshot (so every pair is one commit apart, whatever the
 * machine's pace), takes every commit and finds one leaf of "a" in each. Three commits
 * seen at once leave the walker knowing exactly the pages of the snapshot (it forgets
 * what they freed), so the next commit is counted right. */
#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../bench/pages.h"

static MDB_env *s_env;
static MDB_dbi s_a, s_b, s_d;

static void s_put(MDB_dbi dbi, const char *key, const void *val, size_t size, unsigned flags)
{
    MDB_txn *txn;
    assert(mdb_txn_begin(s_env, NULL, 0, &txn) == 0);
    MDB_val k = {strlen(key), (void *)key}, v = {size, (void *)val};
    assert(mdb_put(txn, dbi, &k, &v, flags) == 0);
    assert(mdb_txn_commit(txn) == 0);
}

static MDB_txn *s_held;     /* the snapshot s_pages last saw, held */
static eo_pages_t *s_pages; /* the walker */

static MDB_txn *s_begin(void)
{
    MDB_txn *txn;
    assert(mdb_txn_begin(s_env, NULL, MDB_RDONLY, &txn) == 0);
    return txn;
}

static long s_get(json_t *sums, const char *tree, const char *kind)
{
    return (long)json_integer_value(json_object_get(json_object_get(sums, tree), kind));
}

/* What the commits since the snapshot s_pages last saw wrote; commits: how many. */
static json_t *s_since(int commits)
{
    MDB_txn *txn = s_begin();
    json_t *sums = json_object();
    char err[256] = "";
    uint64_t was = eo_pages_txnid(s_pages);
    int n = eo_pages_next(s_pages, txn, sums, err, sizeof err);
    char *text = json_dumps(sums, JSON_COMPACT | JSON_SORT_KEYS);
    printf("bench.pages: txn %llu -> %llu: %s%s\n", (unsigned long long)was,
           (unsigned long long)eo_pages_txnid(s_pages), text, err);
    free(text);
    assert(n == commits);
    mdb_txn_abort(s_held);
    s_held = txn;
    return sums;
}

/* Every page s_pages knows, per tree, is what mdb_stat counts in that snapshot. */
static void s_check_counts(void)
{
    json_t *all = eo_pages_count(s_pages);
    const char *names[] = {"a", "b"};
    MDB_dbi dbis[] = {s_a, s_b};
    for (int i = 0; i < 2; i++) {
        MDB_stat st;
        assert(mdb_stat(s_held, dbis[i], &st) == 0);
        assert(s_get(all, names[i], "leaf") == (long)st.ms_leaf_pages);
        assert(s_get(all, names[i], "branch") == (long)st.ms_branch_pages);
        assert(s_get(all, names[i], "overflow") == (long)st.ms_overflow_pages);
    }
    MDB_stat st;
    assert(mdb_stat(s_held, 1 /* MAIN_DBI */, &st) == 0);
    assert(s_get(all, "(main)", "leaf") == (long)st.ms_leaf_pages);
    json_decref(all);
}

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t walked;
    uint64_t seen; /* the last snapshot the watcher walked */
    int commits;
} s_pace_t;

static void s_hook(void *arg, uint64_t txnid)
{
    s_pace_t *pace = arg;
    pthread_mutex_lock(&pace->lock);
    pace->seen = txnid;
    pthread_cond_signal(&pace->walked);
    pthread_mutex_unlock(&pace->lock);
}

/* Commit once the watcher has walked the last commit's snapshot, pace->commits times. */
static void *s_writer(void *arg)
{
    s_pace_t *pace = arg;
    for (int i = 0; i < pace->commits; i++) {
        MDB_envinfo info;
        assert(mdb_env_info(s_env, &info) == 0);
        pthread_mutex_lock(&pace->lock);
        while (pace->seen < info.me_last_txnid)
            pthread_cond_wait(&pace->walked, &pace->lock);
        bool done = pace->seen == UINT64_MAX;
        pthread_mutex_unlock(&pace->lock);
        if (done) break;
        char key[32];
        snprintf(key, sizeof key, "paced-%04d", i);
        s_put(s_a, key, "v", 1, 0);
    }
    return NULL;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *tmp = getenv("EO_TEST_TMP") ? getenv("EO_TEST_TMP") : "/tmp/eo-bench-pages";
    char dir[512];
    snprintf(dir, sizeof dir, "%s/store", tmp);
    mkdir(tmp, 0700);
    mkdir(dir, 0700);
    char path[600];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    remove(path); /* a store of an earlier run */
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    remove(path);
    assert(mdb_env_create(&s_env) == 0);
    assert(mdb_env_set_maxdbs(s_env, 8) == 0);
    assert(mdb_env_set_mapsize(s_env, 64 << 20) == 0);
    /* NOTLS: a snapshot is held while this thread writes; NOSYNC: the pages, not the disk */
    assert(mdb_env_open(s_env, dir, MDB_NOTLS | MDB_NOSYNC, 0600) == 0);
    MDB_txn *txn;
    assert(mdb_txn_begin(s_env, NULL, 0, &txn) == 0);
    assert(mdb_dbi_open(txn, "a", MDB_CREATE, &s_a) == 0);
    assert(mdb_dbi_open(txn, "b", MDB_CREATE, &s_b) == 0);
    assert(mdb_dbi_open(txn, "d", MDB_CREATE | MDB_DUPSORT, &s_d) == 0);
    assert(mdb_txn_commit(txn) == 0);
    s_put(s_a, "k0", "v0", 2, 0);
    s_put(s_b, "x", "y", 1, 0);
    char err[256] = "";
    s_held = s_begin();
    s_pages = eo_pages_new(s_held, err, sizeof err);
    if (!s_pages) fprintf(stderr, "bench.pages: %s\n", err);
    assert(s_pages);
    s_check_counts();

    /* one key into a one-page tree: its leaf, the tree of trees' leaf, the free list */
    s_put(s_a, "k1", "v1", 2, 0);
    json_t *w = s_since(1);
    assert(s_get(w, "a", "leaf") == 1 && s_get(w, "a", "branch") == 0);
    assert(!json_object_get(w, "b") && !json_object_get(w, "d"));
    assert(s_get(w, "(main)", "leaf") == 1);
    assert(s_get(w, "(free)", "leaf") >= 1);
    json_decref(w);

    /* a 10,000-byte value: a leaf and three overflow pages */
    char *big = calloc(1, 10000);
    assert(big);
    s_put(s_b, "big", big, 10000, 0);
    w = s_since(1);
    assert(s_get(w, "b", "leaf") == 1 && s_get(w, "b", "overflow") == 3);
    assert(!json_object_get(w, "a"));
    json_decref(w);
    free(big);

    /* a deeper tree: a key changed rewrites its leaf and each branch above it */
    assert(mdb_txn_begin(s_env, NULL, 0, &txn) == 0);
    for (int i = 0; i < 20000; i++) {
        char key[32];
        snprintf(key, sizeof key, "key-%06d", i);
        MDB_val k = {strlen(key), key}, v = {8, "12345678"};
        assert(mdb_put(txn, s_a, &k, &v, 0) == 0);
    }
    assert(mdb_txn_commit(txn) == 0);
    json_decref(s_since(1));
    s_check_counts();
    s_put(s_a, "key-010000", "87654321", 8, 0);
    w = s_since(1);
    MDB_stat st;
    assert(mdb_stat(s_held, s_a, &st) == 0);
    printf("bench.pages: tree a: depth %u, %zu branch pages\n", st.ms_depth,
           st.ms_branch_pages);
    assert(st.ms_depth >= 2);
    assert(s_get(w, "a", "leaf") == 1 && s_get(w, "a", "branch") == (long)st.ms_depth - 1);
    json_decref(w);

    /* three commits at once: the pages they freed are forgotten, so that what follows is
     * counted right and the pages known are still exactly the snapshot's */
    s_put(s_a, "key-000001", "1", 1, 0);
    s_put(s_a, "key-019999", "2", 1, 0);
    s_put(s_b, "big", "small", 5, 0); /* frees the overflow run */
    json_decref(s_since(3));
    s_check_counts();
    s_put(s_a, "key-010000", "3", 1, 0);
    w = s_since(1);
    assert(s_get(w, "a", "leaf") == 1 && s_get(w, "a", "branch") == (long)st.ms_depth - 1);
    assert(!json_object_get(w, "b"));
    json_decref(w);

    /* a DUPSORT key with a sub-tree of its own: counted with its tree */
    assert(mdb_txn_begin(s_env, NULL, 0, &txn) == 0);
    for (int i = 0; i < 2000; i++) {
        char val[16];
        snprintf(val, sizeof val, "dup-%06d", i);
        MDB_val k = {1, "c"}, v = {strlen(val), val};
        assert(mdb_put(txn, s_d, &k, &v, 0) == 0);
    }
    assert(mdb_txn_commit(txn) == 0);
    json_decref(s_since(1));
    s_put(s_d, "c", "dup-999999", 10, 0);
    w = s_since(1);
    assert(s_get(w, "d", "leaf") >= 2); /* d's own leaf, the sub-tree's leaf */
    assert(s_get(w, "d", "branch") >= 1);
    json_decref(w);
    s_check_counts();
    /* a snapshot no newer than the last is refused */
    txn = s_begin();
    assert(eo_pages_next(s_pages, txn, NULL, err, sizeof err) == -1 &&
           strstr(err, "not newer"));
    mdb_txn_abort(txn);
    mdb_txn_abort(s_held);
    eo_pages_destroy(&s_pages);

    /* the watcher: each commit one leaf of a (its key lands in one page) */
    s_pace_t pace = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 21};
    pthread_t writer;
    assert(pthread_create(&writer, NULL, s_writer, &pace) == 0);
    json_t *sums = json_object();
    int taken = 0;
    err[0] = 0;
    int rc = eo_pages_watch(s_env, 20, 60, sums, &taken, s_hook, &pace, err, sizeof err);
    printf("bench.pages: watch: rc %d\n", rc);
    s_hook(&pace, UINT64_MAX); /* a watcher that gave up early leaves no writer waiting */
    pthread_join(writer, NULL);
    char *text = json_dumps(sums, JSON_COMPACT | JSON_SORT_KEYS);
    printf("bench.pages: watched %d commits: %s%s\n", taken, text, err);
    free(text);
    assert(rc == 0 && taken == 20);
    assert(s_get(sums, "a", "leaf") == 20);
    assert(s_get(sums, "(main)", "leaf") == 20);
    assert(!json_object_get(sums, "b") && !json_object_get(sums, "d"));
    json_decref(sums);
    mdb_env_close(s_env);
    printf("bench.pages: OK\n");
    return 0;
}
