/* bench/pages.c: eonjena-bench pages, which trees a running role's commits rewrite
 * (issue 21: what a request writes is the size of a commit, not the number of commits).
 *
 * LMDB copies on write: a commit writes a new copy of every page it changes and of each
 * page above it up to its tree's root, then of the tree of trees ("(main)") and of the
 * free list ("(free)"), then a meta page. A page number of snapshot N+1 that snapshot N
 * had in the same tree is that page unchanged (a commit never reuses a page it freed
 * itself), so the pages of each tree in N+1 that N did not have are exactly what commit
 * N+1 wrote for it. This bench opens a store read-only beside the role that writes it,
 * walks the trees of each snapshot it can hold (its read transaction keeps that
 * snapshot's pages from reuse while they are read, through a read-only map of the file),
 * and sums, over pairs of snapshots one commit apart, the new pages per tree.
 *
 * It reads LMDB's on-disk page format (0.9: 16-byte page headers, 8-byte nodes, 48-byte
 * tree records), checked as it goes: a page that does not read as one is an error,
 * never a crash (every offset is bounded by the page and the snapshot's last page).
 *
 *   eonjena-bench pages --store DIR [--commits 50] [--seconds 30]
 * prints {"bench":"pages","commits":K,"pages_per_commit":..,"kib_per_commit":..,
 *         "trees":{"<tree>":{"leaf":..,"branch":..,"overflow":..},...}}: means a commit,
 * the heaviest tree first; pages_per_commit counts the meta page too. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common/opts.h"
#include "pages.h"

/* LMDB 0.9's layout (mdb.c): page header, node, MDB_db and MDB_meta offsets */
#define S_HDR 16 /* the page header: pgno 8, pad 2, flags 2, lower/upper or pages 4 */
#define S_P_BRANCH 0x01
#define S_P_LEAF 0x02
#define S_P_LEAF2 0x20   /* a leaf of fixed-size keys (DUPFIXED), no nodes */
#define S_NODE 8         /* lo 2, hi 2, flags 2, ksize 2, then the key and the data */
#define S_F_BIGDATA 0x01 /* the data is the number of its first overflow page */
#define S_F_SUBDATA 0x02 /* the data is a tree record (a named tree, or a sub-tree) */
#define S_F_DUPDATA 0x04 /* the data holds a key's duplicates */
#define S_DB_SIZE 48     /* a tree record; its root page number at: */
#define S_DB_ROOT 40
#define S_META_MAGIC 0xBEEFC0DEu
#define S_META_FREE (S_HDR + 24) /* the free list's tree record in a meta page */
#define S_META_MAIN (S_META_FREE + S_DB_SIZE)
#define S_META_LAST (S_META_MAIN + S_DB_SIZE) /* the last page in use */
#define S_META_TXNID (S_META_LAST + 8)
#define S_NO_PAGE UINT64_MAX

#define S_MAX_TREES 66 /* the stores' 64 named trees, (main) and (free) */
#define S_NAME_MAX 64
#define S_MAX_DEPTH 64

enum { S_LEAF, S_BRANCH, S_OVERFLOW, S_KINDS };
static const char *s_kind_names[S_KINDS] = {"leaf", "branch", "overflow"};

typedef struct {
    uint64_t key; /* page number + 1; 0: an empty slot */
    uint16_t tree;
    uint8_t kind;
} s_slot_t;

struct eo_pages_snap_t {
    uint64_t txnid;
    const uint8_t *map;
    size_t psize;
    uint64_t last; /* the snapshot's last page in use */
    char names[S_MAX_TREES][S_NAME_MAX];
    size_t n_trees;
    s_slot_t *slots; /* open addressing by page number */
    size_t cap, n;
    char *err; /* the first thing that did not read right */
    size_t errlen;
    bool bad;
};

static uint16_t s_u16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint32_t s_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static uint64_t s_u64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void s_bad(eo_pages_snap_t *self, const char *what, uint64_t pgno)
{
    if (!self->bad) snprintf(self->err, self->errlen, "%s (page %" PRIu64 ")", what, pgno);
    self->bad = true;
}

static size_t s_hash(uint64_t pgno, size_t cap)
{
    return (size_t)((pgno * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

static const s_slot_t *s_find(const eo_pages_snap_t *self, uint64_t pgno)
{
    for (size_t i = s_hash(pgno, self->cap);; i = (i + 1) & (self->cap - 1)) {
        if (self->slots[i].key == 0) return NULL;
        if (self->slots[i].key == pgno + 1) return &self->slots[i];
    }
}

static bool s_grow(eo_pages_snap_t *self)
{
    size_t cap = self->cap ? self->cap * 2 : 4096;
    s_slot_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < self->cap; i++) {
        if (!self->slots[i].key) continue;
        size_t j = s_hash(self->slots[i].key - 1, cap);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = self->slots[i];
    }
    free(self->slots);
    self->slots = slots, self->cap = cap;
    return true;
}

/* Record a page of tree; a page reached twice is a damaged store (or a misreading). */
static void s_add(eo_pages_snap_t *self, uint64_t pgno, size_t tree, int kind)
{
    if (self->bad) return;
    if ((self->n + 1) * 2 > self->cap && !s_grow(self)) {
        s_bad(self, strerror(ENOMEM), pgno);
        return;
    }
    size_t i = s_hash(pgno, self->cap);
    while (self->slots[i].key && self->slots[i].key != pgno + 1)
        i = (i + 1) & (self->cap - 1);
    if (self->slots[i].key) {
        s_bad(self, "a page reached twice", pgno);
        return;
    }
    self->slots[i] = (s_slot_t){pgno + 1, (uint16_t)tree, (uint8_t)kind};
    self->n++;
}

/* The page pgno, or NULL (said why) when it is past the snapshot's last page. */
static const uint8_t *s_page(eo_pages_snap_t *self, uint64_t pgno)
{
    if (pgno < 2 || pgno > self->last) {
        s_bad(self, "a page number out of the store", pgno);
        return NULL;
    }
    return self->map + pgno * self->psize;
}

static size_t s_tree(eo_pages_snap_t *self, const char *name, size_t len)
{
    if (self->n_trees == S_MAX_TREES) {
        s_bad(self, "more trees than a store has", 0);
        return 0;
    }
    size_t t = self->n_trees++;
    snprintf(self->names[t], S_NAME_MAX, "%.*s", (int)len, name);
    return t;
}

static void s_walk(eo_pages_snap_t *self, size_t tree, uint64_t pgno, int depth, bool main);

/* A leaf's nodes: overflow pages, sub-trees of duplicates, and in (main) named trees. */
static void s_leaf_nodes(eo_pages_snap_t *self, const uint8_t *p, uint64_t pgno, size_t tree,
                         int depth, bool main)
{
    size_t n = (s_u16(p + 12) - S_HDR) / 2;
    for (size_t i = 0; i < n && !self->bad; i++) {
        size_t off = s_u16(p + S_HDR + 2 * i);
        if (off < S_HDR || off + S_NODE > self->psize) {
            s_bad(self, "a node outside its page", pgno);
            return;
        }
        const uint8_t *node = p + off;
        uint16_t flags = s_u16(node + 4);
        size_t ksize = s_u16(node + 6);
        const uint8_t *data = node + S_NODE + ksize;
        size_t need = flags & S_F_BIGDATA ? 8 : flags & S_F_SUBDATA ? S_DB_SIZE : 0;
        if (off + S_NODE + ksize + need > self->psize) {
            s_bad(self, "a node's data outside its page", pgno);
            return;
        }
        if (flags & S_F_BIGDATA) {
            uint64_t first = s_u64(data);
            const uint8_t *ov = s_page(self, first);
            uint32_t count = ov ? s_u32(ov + 12) : 0;
            if (ov && (count == 0 || first + count - 1 > self->last))
                s_bad(self, "an overflow run out of the store", first);
            for (uint32_t j = 0; j < count && !self->bad; j++)
                s_add(self, first + j, tree, S_OVERFLOW);
        } else if (flags & S_F_SUBDATA) {
            uint64_t root = s_u64(data + S_DB_ROOT);
            /* in (main): a named tree; elsewhere: a key's duplicates, part of its tree */
            size_t owner = main && !(flags & S_F_DUPDATA)
                               ? s_tree(self, (const char *)node + S_NODE, ksize)
                               : tree;
            if (root != S_NO_PAGE) s_walk(self, owner, root, depth + 1, false);
        }
    }
}

static void s_walk(eo_pages_snap_t *self, size_t tree, uint64_t pgno, int depth, bool main)
{
    const uint8_t *p = depth < S_MAX_DEPTH ? s_page(self, pgno) : NULL;
    if (!p || self->bad) {
        if (depth >= S_MAX_DEPTH) s_bad(self, "trees nested too deep", pgno);
        return;
    }
    uint16_t flags = s_u16(p + 10), lower = s_u16(p + 12);
    if (s_u64(p) != pgno || lower < S_HDR || lower > self->psize) {
        s_bad(self, "a page that is not the one its parent names", pgno);
        return;
    }
    if (flags & S_P_BRANCH) {
        s_add(self, pgno, tree, S_BRANCH);
        size_t n = (size_t)(lower - S_HDR) / 2;
        for (size_t i = 0; i < n && !self->bad; i++) {
            size_t off = s_u16(p + S_HDR + 2 * i);
            if (off < S_HDR || off + S_NODE > self->psize) {
                s_bad(self, "a node outside its page", pgno);
                return;
            }
            const uint8_t *node = p + off;
            uint64_t child = (uint64_t)s_u16(node) | (uint64_t)s_u16(node + 2) << 16 |
                             (uint64_t)s_u16(node + 4) << 32;
            s_walk(self, tree, child, depth + 1, main);
        }
    } else if (flags & S_P_LEAF) {
        s_add(self, pgno, tree, S_LEAF);
        if (!(flags & S_P_LEAF2)) s_leaf_nodes(self, p, pgno, tree, depth, main);
    } else
        s_bad(self, "a page that is neither branch nor leaf", pgno);
}

/* The snapshot of txn; NULL with *moved when its meta page was already rewritten (the
 * writer committed twice since txn began: take another). */
/* The txnid in meta page m of the file (0 when it cannot be read). */
static uint64_t s_meta_txnid(int fd, size_t psize, int m)
{
    uint8_t id[8];
    return pread(fd, id, sizeof id, (off_t)(m * psize + S_META_TXNID)) == sizeof id ? s_u64(id)
                                                                                    : 0;
}

/* The roots of txn's snapshot walked, through a read-only map of the store's file
 * (LMDB keeps its own map to itself). */
static void s_walk_file(eo_pages_snap_t *self, int fd, bool *moved)
{
    uint8_t meta[2][S_META_TXNID + 8];
    int m = -1;
    for (int i = 0; i < 2 && !self->bad; i++) {
        if (pread(fd, meta[i], sizeof meta[i], (off_t)(i * self->psize)) != sizeof meta[i] ||
            s_u32(meta[i] + S_HDR) != S_META_MAGIC)
            s_bad(self, "not an LMDB meta page", (uint64_t)i);
        else if (s_u64(meta[i] + S_META_TXNID) == self->txnid)
            m = i;
    }
    if (self->bad) return;
    if (m < 0) { /* two commits since txn began: its meta page was rewritten */
        *moved = true;
        return;
    }
    self->last = s_u64(meta[m] + S_META_LAST);
    struct stat st;
    size_t len = (size_t)(self->last + 1) * self->psize;
    if (fstat(fd, &st) || (size_t)st.st_size < len) {
        s_bad(self, "a last page past the end of the file", self->last);
        return;
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        s_bad(self, strerror(errno), 0);
        return;
    }
    self->map = map;
    size_t main_tree = s_tree(self, "(main)", 6), free_tree = s_tree(self, "(free)", 6);
    uint64_t main_root = s_u64(meta[m] + S_META_MAIN + S_DB_ROOT);
    uint64_t free_root = s_u64(meta[m] + S_META_FREE + S_DB_ROOT);
    if (main_root != S_NO_PAGE) s_walk(self, main_tree, main_root, 0, true);
    if (free_root != S_NO_PAGE) s_walk(self, free_tree, free_root, 0, false);
    munmap(map, len);
    self->map = NULL;
    /* rewritten while it was read: the roots may not have been this snapshot's */
    if (s_meta_txnid(fd, self->psize, m) != self->txnid) *moved = true;
}

/* The snapshot of txn; NULL with *moved when its meta page was already rewritten (the
 * writer committed twice since txn began: take another). */
static eo_pages_snap_t *s_snap(MDB_txn *txn, bool *moved, char *err, size_t errlen)
{
    *moved = false;
    MDB_env *env = mdb_txn_env(txn);
    MDB_stat st;
    const char *path = NULL;
    unsigned flags = 0;
    int rc = mdb_env_stat(env, &st);
    if (rc == 0) rc = mdb_env_get_path(env, &path);
    if (rc == 0) rc = mdb_env_get_flags(env, &flags);
    if (rc) {
        snprintf(err, errlen, "%s", mdb_strerror(rc));
        return NULL;
    }
    char file[4200];
    snprintf(file, sizeof file, flags & MDB_NOSUBDIR ? "%s" : "%s/data.mdb", path);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    eo_pages_snap_t *self = fd >= 0 ? calloc(1, sizeof *self) : NULL;
    if (!self) {
        snprintf(err, errlen, "%s: %s", file, strerror(fd < 0 ? errno : ENOMEM));
        if (fd >= 0) close(fd);
        return NULL;
    }
    self->txnid = (uint64_t)mdb_txn_id(txn);
    self->psize = st.ms_psize;
    self->err = err, self->errlen = errlen;
    s_walk_file(self, fd, moved);
    close(fd);
    if (self->bad || *moved) eo_pages_snap_destroy(&self);
    return self;
}

eo_pages_snap_t *eo_pages_snap_new(MDB_txn *txn, char *err, size_t errlen)
{
    bool moved;
    eo_pages_snap_t *self = s_snap(txn, &moved, err, errlen);
    if (!self && moved) snprintf(err, errlen, "the snapshot's meta page was rewritten");
    return self;
}

void eo_pages_snap_destroy(eo_pages_snap_t **self_p)
{
    if (!self_p || !*self_p) return;
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

uint64_t eo_pages_snap_txnid(const eo_pages_snap_t *self)
{
    return self->txnid;
}

size_t eo_pages_new(const eo_pages_snap_t *before, const eo_pages_snap_t *after, json_t *sums)
{
    size_t count = 0;
    for (size_t i = 0; i < after->cap; i++) {
        const s_slot_t *s = &after->slots[i];
        if (!s->key) continue;
        const s_slot_t *was = before && before->n ? s_find(before, s->key - 1) : NULL;
        if (was && strcmp(before->names[was->tree], after->names[s->tree]) == 0) continue;
        const char *name = after->names[s->tree];
        json_t *tree = json_object_get(sums, name);
        if (!tree) {
            tree = json_pack("{s:i,s:i,s:i}", "leaf", 0, "branch", 0, "overflow", 0);
            json_object_set_new(sums, name, tree);
        }
        json_t *n = json_object_get(tree, s_kind_names[s->kind]);
        json_integer_set(n, json_integer_value(n) + 1);
        count++;
    }
    return count;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int eo_pages_watch(MDB_env *env, int commits, double seconds, json_t *sums, int *taken,
                   eo_pages_hook_fn *hook, void *arg, char *err, size_t errlen)
{
    eo_pages_snap_t *prev = NULL;
    *taken = 0;
    int rc = 0;
    for (double end = s_now() + seconds; rc == 0 && *taken < commits && s_now() < end;) {
        MDB_txn *txn;
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
        if (rc == MDB_MAP_RESIZED) { /* the writer grew the map: follow it */
            rc = mdb_env_set_mapsize(env, 0);
            continue;
        }
        if (rc) {
            snprintf(err, errlen, "mdb_txn_begin: %s", mdb_strerror(rc));
            break;
        }
        if (prev && (uint64_t)mdb_txn_id(txn) == prev->txnid) { /* no commit yet: look again */
            mdb_txn_abort(txn);
            nanosleep(&(struct timespec){0, 100000}, NULL);
            continue;
        }
        bool moved;
        eo_pages_snap_t *snap = s_snap(txn, &moved, err, errlen);
        mdb_txn_abort(txn);
        if (!snap) {
            rc = moved ? 0 : -1;
            continue;
        }
        if (hook) hook(arg, snap->txnid);
        if (prev && snap->txnid == prev->txnid + 1) {
            eo_pages_new(prev, snap, sums);
            (*taken)++;
        }
        eo_pages_snap_destroy(&prev);
        prev = snap;
    }
    eo_pages_snap_destroy(&prev);
    return rc ? -1 : 0;
}

/* --- the command -------------------------------------------------------------------- */

static const char s_about[] =
    "Which trees the commits of the role that writes DIR rewrite: reads the store\n"
    "read-only beside it and compares snapshots one commit apart, page by page.\n"
    "Prints {\"bench\":\"pages\",\"commits\":K,\"pages_per_commit\":..,\"kib_per_commit\":..,\n"
    "\"trees\":{\"<tree>\":{\"leaf\":..,\"branch\":..,\"overflow\":..},...}}: means a commit,\n"
    "the heaviest tree first (pages_per_commit counts the meta page too).";

/* {"<tree>": sums / k}, the trees by their pages a commit, most first; total in *pages. */
static json_t *s_means(json_t *sums, int k, double *pages)
{
    json_t *out = json_object();
    *pages = 1.0; /* the meta page */
    for (;;) {    /* a selection sort of a few dozen trees */
        const char *name, *best = NULL;
        json_t *t;
        json_int_t most = -1;
        json_object_foreach(sums, name, t)
        {
            json_int_t n = 0;
            for (int kind = 0; kind < S_KINDS; kind++)
                n += json_integer_value(json_object_get(t, s_kind_names[kind]));
            if (!json_object_get(out, name) && n > most) most = n, best = name;
        }
        if (!best) break;
        json_t *mean = json_object();
        t = json_object_get(sums, best);
        for (int kind = 0; kind < S_KINDS; kind++) {
            double v = (double)json_integer_value(json_object_get(t, s_kind_names[kind])) / k;
            json_object_set_new(mean, s_kind_names[kind], json_real(v));
            *pages += v;
        }
        json_object_set_new(out, best, mean);
    }
    return out;
}

int eo_bench_pages(int argc, char **argv)
{
    const char *store = NULL, *v[2] = {NULL};
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store of a running role (required)"),
        EO_OPT_VALUE("commits", "K", &v[0], "pairs of snapshots one commit apart (50)"),
        EO_OPT_VALUE("seconds", "S", &v[1], "at most this long (30)"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench pages", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    char *end = NULL;
    long commits = v[0] ? strtol(v[0], &end, 10) : 50;
    if (!store) return eo_opts_fail(&p, "--store: which store to read");
    if ((end && *end) || commits < 1 || commits > 1000000)
        return eo_opts_fail(&p, "--commits: a number from 1 to 1000000");
    end = NULL;
    double seconds = v[1] ? strtod(v[1], &end) : 30.0;
    if ((end && *end) || !(seconds > 0 && seconds <= 3600))
        return eo_opts_fail(&p, "--seconds: more than 0, at most 3600");

    MDB_env *env = NULL;
    MDB_stat st = {0};
    char err[512] = "";
    rc = mdb_env_create(&env);
    if (rc == 0) rc = mdb_env_set_maxdbs(env, S_MAX_TREES);
    if (rc == 0) rc = mdb_env_open(env, store, MDB_RDONLY, 0);
    if (rc == 0) rc = mdb_env_stat(env, &st);
    if (rc) {
        fprintf(stderr, "eonjena-bench pages: %s: %s\n", store, mdb_strerror(rc));
        mdb_env_close(env);
        return 1;
    }
    json_t *sums = json_object();
    int taken = 0;
    rc = eo_pages_watch(env, (int)commits, seconds, sums, &taken, NULL, NULL, err, sizeof err);
    mdb_env_close(env);
    if (rc || taken == 0) {
        fprintf(stderr, "eonjena-bench pages: %s: %s\n", store,
                rc ? err : "no two snapshots one commit apart (is a role writing it?)");
        json_decref(sums);
        return 1;
    }
    double pages;
    json_t *trees = s_means(sums, taken, &pages);
    json_t *out = json_pack("{s:s,s:i,s:f,s:f,s:o}", "bench", "pages", "commits", taken,
                            "pages_per_commit", pages, "kib_per_commit",
                            pages * st.ms_psize / 1024.0, "trees", trees);
    char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    printf("%s\n", text);
    free(text);
    json_decref(out);
    json_decref(sums);
    return 0;
}
