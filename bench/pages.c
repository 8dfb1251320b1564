/* bench/pages.c: eonjena-bench pages, which trees a running role's commits rewrite
 * (issue 21: what a request writes is the size of a commit, not the number of commits).
 *
 * LMDB copies on write: a commit writes a new copy of every page it changes and of each
 * page above it up to its tree's root, then of the tree of trees ("(main)") and of the
 * free list ("(free)"), then a meta page. So a page that a snapshot shares with the one
 * before is unchanged, and so is everything below it; the pages a snapshot does not share
 * are what the commits since wrote. This bench opens a store read-only beside the role
 * that writes it, walks one snapshot whole, and then each newer one only where it
 * differs: from the roots down, stopping at any page the last one had. It holds the last
 * snapshot's read transaction while it reads the next (LMDB then uses none of the pages
 * freed since again), and forgets the pages the commits between them freed, which LMDB
 * lists in its free list under each commit's id. Reading only the new pages keeps up
 * with a role committing every few milliseconds; pairs one commit apart are summed.
 *
 * It reads LMDB's on-disk page format (0.9: 16-byte page headers, 8-byte nodes, 48-byte
 * tree records) through a read-only map of the file, checked as it goes: a page that does
 * not read as one is an error, never a crash (every offset is bounded by its page and the
 * snapshot's last page).
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

/* LMDB 0.9 on disk: the page header, a node, a tree record (MDB_db), the meta page */
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

struct eo_pages_t {
    uint64_t txnid;
    size_t psize;
    char names[S_MAX_TREES][S_NAME_MAX]; /* the trees by name, as they were first seen */
    size_t n_trees;
    s_slot_t *slots; /* open addressing by page number, linear probing */
    size_t cap, n;
    /* while a snapshot is walked */
    const uint8_t *map;
    uint64_t last; /* its last page in use */
    json_t *sums;  /* its new pages are added here (NULL: not counted) */
    char *err;     /* the first thing that did not read right */
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

static void s_bad(eo_pages_t *self, const char *what, uint64_t pgno)
{
    if (!self->bad) snprintf(self->err, self->errlen, "%s (page %" PRIu64 ")", what, pgno);
    self->bad = true;
}

/* --- the page set --------------------------------------------------------------------- */

static size_t s_hash(uint64_t pgno, size_t cap)
{
    return (size_t)((pgno * 0x9E3779B97F4A7C15ULL) >> 17) & (cap - 1);
}

static s_slot_t *s_find(const eo_pages_t *self, uint64_t pgno)
{
    if (!self->cap) return NULL;
    for (size_t i = s_hash(pgno, self->cap);; i = (i + 1) & (self->cap - 1)) {
        if (self->slots[i].key == 0) return NULL;
        if (self->slots[i].key == pgno + 1) return &self->slots[i];
    }
}

static bool s_grow(eo_pages_t *self)
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

/* One more page of kind in tree's figures in sums {"<tree>":{"leaf":n,...}}. */
static void s_count(json_t *sums, const char *tree, int kind)
{
    json_t *t = json_object_get(sums, tree);
    if (!t) {
        t = json_pack("{s:i,s:i,s:i}", "leaf", 0, "branch", 0, "overflow", 0);
        json_object_set_new(sums, tree, t);
    }
    json_t *n = json_object_get(t, s_kind_names[kind]);
    json_integer_set(n, json_integer_value(n) + 1);
}

/* A page of tree, new in this snapshot: recorded, and counted in sums. */
static void s_add(eo_pages_t *self, uint64_t pgno, size_t tree, int kind)
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
    if (self->sums) s_count(self->sums, self->names[tree], kind);
}

/* A page freed by a commit since the last snapshot (backward-shift deletion). */
static void s_forget(eo_pages_t *self, uint64_t pgno)
{
    s_slot_t *hole = s_find(self, pgno);
    if (!hole) return; /* written and freed again between the two snapshots */
    size_t i = (size_t)(hole - self->slots), mask = self->cap - 1;
    for (size_t j = (i + 1) & mask; self->slots[j].key; j = (j + 1) & mask) {
        size_t home = s_hash(self->slots[j].key - 1, self->cap);
        /* j's entry may move into the hole at i unless its home lies in (i, j] */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            self->slots[i] = self->slots[j];
            i = j;
        }
    }
    self->slots[i].key = 0;
    self->n--;
}

/* --- the walk ------------------------------------------------------------------------- */

/* The page pgno, or NULL (said why) when it is past the snapshot's last page. */
static const uint8_t *s_page(eo_pages_t *self, uint64_t pgno)
{
    if (pgno < 2 || pgno > self->last) {
        s_bad(self, "a page number out of the store", pgno);
        return NULL;
    }
    return self->map + pgno * self->psize;
}

/* The tree named so (made on first sight). */
static size_t s_tree(eo_pages_t *self, const char *name, size_t len)
{
    char n[S_NAME_MAX];
    snprintf(n, sizeof n, "%.*s", (int)len, name);
    for (size_t t = 0; t < self->n_trees; t++)
        if (strcmp(self->names[t], n) == 0) return t;
    if (self->n_trees == S_MAX_TREES) {
        s_bad(self, "more trees than a store has", 0);
        return 0;
    }
    memcpy(self->names[self->n_trees], n, sizeof n);
    return self->n_trees++;
}

/* Is pgno a page of tree in the last snapshot (then it, and all below it, is unchanged:
 * a change anywhere below a page copies the page)? A page of another tree is damage. */
static bool s_unchanged(eo_pages_t *self, uint64_t pgno, size_t tree)
{
    const s_slot_t *s = s_find(self, pgno);
    if (s && s->tree != tree) s_bad(self, "a page in two trees", pgno);
    return s != NULL;
}

static void s_walk(eo_pages_t *self, size_t tree, uint64_t pgno, int depth, bool main);

/* The overflow run of a big value that starts at first. */
static void s_overflow(eo_pages_t *self, size_t tree, uint64_t first)
{
    if (s_unchanged(self, first, tree)) return;
    const uint8_t *ov = s_page(self, first);
    uint32_t count = ov ? s_u32(ov + 12) : 0;
    if (ov && (count == 0 || first + count - 1 > self->last))
        s_bad(self, "an overflow run out of the store", first);
    for (uint32_t j = 0; j < count && !self->bad; j++)
        s_add(self, first + j, tree, S_OVERFLOW);
}

/* Node i of page p (pgno), or NULL (said why) when it lies outside the page. */
static const uint8_t *s_node(eo_pages_t *self, const uint8_t *p, uint64_t pgno, size_t i)
{
    size_t off = s_u16(p + S_HDR + 2 * i);
    if (off < S_HDR || off + S_NODE > self->psize) {
        s_bad(self, "a node outside its page", pgno);
        return NULL;
    }
    return p + off;
}

/* A leaf's nodes: overflow pages, sub-trees of duplicates, and in (main) named trees. */
static void s_leaf_nodes(eo_pages_t *self, const uint8_t *p, uint64_t pgno, size_t tree,
                         int depth, bool main)
{
    size_t n = (s_u16(p + 12) - S_HDR) / 2;
    for (size_t i = 0; i < n && !self->bad; i++) {
        const uint8_t *node = s_node(self, p, pgno, i);
        if (!node) return;
        size_t off = (size_t)(node - p);
        uint16_t flags = s_u16(node + 4);
        size_t ksize = s_u16(node + 6);
        const uint8_t *data = node + S_NODE + ksize;
        size_t need = flags & S_F_BIGDATA ? 8 : flags & S_F_SUBDATA ? S_DB_SIZE : 0;
        if (off + S_NODE + ksize + need > self->psize) {
            s_bad(self, "a node's data outside its page", pgno);
            return;
        }
        if (flags & S_F_BIGDATA)
            s_overflow(self, tree, s_u64(data));
        else if (flags & S_F_SUBDATA) {
            uint64_t root = s_u64(data + S_DB_ROOT);
            /* in (main): a named tree; elsewhere: a key's duplicates, part of its tree */
            size_t owner = main && !(flags & S_F_DUPDATA)
                               ? s_tree(self, (const char *)node + S_NODE, ksize)
                               : tree;
            if (root != S_NO_PAGE) s_walk(self, owner, root, depth + 1, false);
        }
    }
}

static void s_walk(eo_pages_t *self, size_t tree, uint64_t pgno, int depth, bool main)
{
    if (self->bad || s_unchanged(self, pgno, tree)) return;
    const uint8_t *p = depth < S_MAX_DEPTH ? s_page(self, pgno) : NULL;
    if (!p) {
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
            const uint8_t *node = s_node(self, p, pgno, i);
            if (!node) return;
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

/* The pages the commits after the last snapshot freed, up to txn's, forgotten: LMDB lists
 * them in the free list under each commit's id (kept while the last snapshot is held). */
static int s_forget_freed(eo_pages_t *self, MDB_txn *txn)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(txn, 0 /* the free list */, &cur);
    for (uint64_t t = self->txnid + 1; rc == 0 && t <= (uint64_t)mdb_txn_id(txn); t++) {
        size_t id = (size_t)t;
        MDB_val k = {sizeof id, &id}, v;
        int grc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
        if (grc == MDB_NOTFOUND) continue; /* that commit freed nothing */
        if (grc) {
            rc = grc;
            break;
        }
        size_t count = 0;
        if (v.mv_size >= sizeof count) memcpy(&count, v.mv_data, sizeof count);
        if (v.mv_size < (count + 1) * sizeof(size_t)) {
            s_bad(self, "a free-list record shorter than its count", 0);
            break;
        }
        for (size_t i = 1; i <= count; i++) {
            size_t pg;
            memcpy(&pg, (const uint8_t *)v.mv_data + i * sizeof pg, sizeof pg);
            s_forget(self, pg);
        }
    }
    if (rc && !self->bad) snprintf(self->err, self->errlen, "free list: %s", mdb_strerror(rc));
    if (cur) mdb_cursor_close(cur);
    return rc || self->bad ? -1 : 0;
}

/* The meta page of txn's snapshot read: *last and the roots; false if it was rewritten
 * already (two commits since txn began). */
static bool s_meta(eo_pages_t *self, int fd, uint64_t txnid, uint64_t *roots)
{
    for (int m = 0; m < 2 && !self->bad; m++) {
        uint8_t meta[S_META_TXNID + 8];
        if (pread(fd, meta, sizeof meta, (off_t)(m * self->psize)) != sizeof meta ||
            s_u32(meta + S_HDR) != S_META_MAGIC) {
            s_bad(self, "not an LMDB meta page", (uint64_t)m);
            return false;
        }
        if (s_u64(meta + S_META_TXNID) != txnid) continue;
        self->last = s_u64(meta + S_META_LAST);
        roots[0] = s_u64(meta + S_META_MAIN + S_DB_ROOT);
        roots[1] = s_u64(meta + S_META_FREE + S_DB_ROOT);
        /* read again: the page could have been rewritten while it was read */
        uint8_t id[8];
        return pread(fd, id, sizeof id, (off_t)(m * self->psize + S_META_TXNID)) == sizeof id &&
               s_u64(id) == txnid;
    }
    return false;
}

/* Walk txn's snapshot: only what is not the last snapshot's. 1: done, 0: its meta page
 * was rewritten already, -1: bad. */
static int s_show(eo_pages_t *self, MDB_txn *txn, json_t *sums, char *err, size_t errlen)
{
    self->err = err, self->errlen = errlen, self->bad = false;
    const char *path = NULL;
    unsigned flags = 0;
    MDB_env *env = mdb_txn_env(txn);
    int rc = mdb_env_get_path(env, &path);
    if (rc == 0) rc = mdb_env_get_flags(env, &flags);
    if (rc) {
        snprintf(err, errlen, "%s", mdb_strerror(rc));
        return -1;
    }
    char file[4200];
    snprintf(file, sizeof file, flags & MDB_NOSUBDIR ? "%s" : "%s/data.mdb", path);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    uint64_t roots[2], txnid = (uint64_t)mdb_txn_id(txn);
    struct stat st;
    int done = s_meta(self, fd, txnid, roots) ? 1 : 0;
    /* the last page allocated may never have been written (allocated and let go in one
     * commit): the file can end before it; a page reached past the end is damage */
    if (done && fstat(fd, &st)) s_bad(self, strerror(errno), 0);
    if (done && !self->bad && (uint64_t)st.st_size / self->psize <= self->last)
        self->last = (uint64_t)st.st_size / self->psize - 1;
    size_t len = (size_t)(self->last + 1) * self->psize;
    void *map = done && !self->bad ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    close(fd);
    if (done && !self->bad && map == MAP_FAILED) s_bad(self, strerror(errno), 0);
    if (map != MAP_FAILED) {
        if (self->txnid && s_forget_freed(self, txn) == 0) self->sums = sums;
        self->map = map;
        size_t main_tree = s_tree(self, "(main)", 6), free_tree = s_tree(self, "(free)", 6);
        if (roots[0] != S_NO_PAGE) s_walk(self, main_tree, roots[0], 0, true);
        if (roots[1] != S_NO_PAGE) s_walk(self, free_tree, roots[1], 0, false);
        munmap(map, len);
        self->map = NULL, self->sums = NULL;
        self->txnid = txnid;
    }
    return self->bad ? -1 : done;
}

/* The pages of txn's snapshot, walked whole; *rc as s_show's. */
static eo_pages_t *s_new(MDB_txn *txn, int *rc, char *err, size_t errlen)
{
    MDB_stat st;
    int mrc = mdb_env_stat(mdb_txn_env(txn), &st);
    eo_pages_t *self = mrc ? NULL : calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "%s", mrc ? mdb_strerror(mrc) : strerror(ENOMEM));
        *rc = -1;
        return NULL;
    }
    self->psize = st.ms_psize;
    *rc = s_show(self, txn, NULL, err, errlen);
    if (*rc != 1) eo_pages_destroy(&self);
    return self;
}

eo_pages_t *eo_pages_new(MDB_txn *txn, char *err, size_t errlen)
{
    int rc;
    eo_pages_t *self = s_new(txn, &rc, err, errlen);
    if (rc == 0) snprintf(err, errlen, "the snapshot's meta page was rewritten already");
    return self;
}

void eo_pages_destroy(eo_pages_t **self_p)
{
    if (!self_p || !*self_p) return;
    free((*self_p)->slots);
    free(*self_p);
    *self_p = NULL;
}

uint64_t eo_pages_txnid(const eo_pages_t *self)
{
    return self->txnid;
}

int eo_pages_next(eo_pages_t *self, MDB_txn *txn, json_t *sums, char *err, size_t errlen)
{
    uint64_t was = self->txnid;
    if ((uint64_t)mdb_txn_id(txn) <= was) {
        snprintf(err, errlen, "snapshot %" PRIu64 " is not newer than %" PRIu64,
                 (uint64_t)mdb_txn_id(txn), was);
        return -1;
    }
    int rc = s_show(self, txn, sums, err, errlen);
    return rc == 1 ? (int)(self->txnid - was) : rc;
}

json_t *eo_pages_count(const eo_pages_t *self)
{
    json_t *all = json_object();
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].key)
            s_count(all, self->names[self->slots[i].tree], self->slots[i].kind);
    return all;
}

/* A read transaction of env (following a map the writer grew), or NULL with why. */
static MDB_txn *s_begin(MDB_env *env, char *err, size_t errlen)
{
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED && (rc = mdb_env_set_mapsize(env, 0)) == 0)
        rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc) snprintf(err, errlen, "mdb_txn_begin: %s", mdb_strerror(rc));
    return rc ? NULL : txn;
}

int eo_pages_watch(MDB_env *env, int commits, double seconds, json_t *sums, int *taken,
                   eo_pages_hook_fn *hook, void *arg, char *err, size_t errlen)
{
    *taken = 0;
    double end = eo_bench_now() + seconds;
    /* the first snapshot, walked whole (its meta page may be gone already: again) */
    MDB_txn *held = NULL;
    eo_pages_t *pages = NULL;
    int rc = 0;
    while (!pages && rc == 0 && eo_bench_now() < end) {
        if (!(held = s_begin(env, err, errlen))) return -1;
        pages = s_new(held, &rc, err, errlen);
        if (!pages) mdb_txn_abort(held), held = NULL;
    }
    if (!pages) return rc < 0 ? -1 : 0;
    rc = 0;
    if (hook) hook(arg, eo_pages_txnid(pages));
    while (rc == 0 && *taken < commits && eo_bench_now() < end) {
        MDB_txn *txn = s_begin(env, err, errlen);
        if (!txn) {
            rc = -1;
            break;
        }
        if ((uint64_t)mdb_txn_id(txn) == eo_pages_txnid(pages)) { /* no commit yet */
            mdb_txn_abort(txn);
            nanosleep(&(struct timespec){0, 100000}, NULL);
            continue;
        }
        /* one commit on: a sample; more: the pages are still followed, not summed */
        json_t *into = (uint64_t)mdb_txn_id(txn) == eo_pages_txnid(pages) + 1 ? sums : NULL;
        int n = eo_pages_next(pages, txn, into, err, errlen);
        if (n < 0) rc = -1;
        if (n <= 0) { /* bad, or its meta page was rewritten: keep the one held */
            mdb_txn_abort(txn);
            continue;
        }
        mdb_txn_abort(held);
        held = txn;
        *taken += n == 1;
        if (hook) hook(arg, eo_pages_txnid(pages));
    }
    mdb_txn_abort(held);
    eo_pages_destroy(&pages);
    return rc;
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
    long commits = v[0] ? eo_bench_int(v[0], 1, 1000000) : 50;
    double seconds = v[1] ? eo_bench_seconds(v[1]) : 30.0;
    if (!store) return eo_opts_fail(&p, "--store: which store to read");
    if (commits < 0) return eo_opts_fail(&p, "--commits: a number from 1 to 1000000");
    if (seconds < 0) return eo_opts_fail(&p, "--seconds: more than 0, at most 3600");

    MDB_env *env = NULL;
    MDB_stat st = {0};
    char err[512] = "";
    rc = mdb_env_create(&env);
    if (rc == 0) rc = mdb_env_set_maxdbs(env, S_MAX_TREES);
    /* NOTLS: the last snapshot stays held while the next is read, in one thread */
    if (rc == 0) rc = mdb_env_open(env, store, MDB_RDONLY | MDB_NOTLS, 0);
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
