/* store.c: the node's LMDB environment (see eo_store.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_layout.h"
#include "eonjena/eo_store.h"

#define S_DEFAULT_MAP_MB 4096
#define S_DEFAULT_MAX_MB (256 * 1024) /* address space only: the disk is the real limit */
#define S_MAX_DBS 64
#define S_WARN_PERCENT 80
#define S_FAILING_MS 5000 /* a commit failed this recently: the store is not writable */

struct eo_store_t {
    MDB_env *env;
    char *dir;
    unsigned flags, envflags;
    size_t map_bytes, max_bytes;
    /* Every transaction holds this for reading; growing the map or reopening a broken
     * environment (both need no transaction open in the process) holds it for writing. */
    pthread_rwlock_t gate;
    pthread_mutex_t dbi_lock; /* mdb_dbi_open must not race with itself */
    struct {
        char *name;
        unsigned flags;
        MDB_dbi dbi;
    } dbs[S_MAX_DBS]; /* opened so far, in order: a reopen opens them again the same */
    size_t n_dbs;
    _Atomic int64_t failed_at; /* mono ms of the last failed commit (readiness), 0: none */
    _Atomic bool warned;       /* the 80 % warning was given */
    _Atomic uint64_t commits, commit_us; /* commits so far and their time (the fsyncs) */
};

/* Transactions this thread holds, on any store: a thread that holds one must not wait
 * for the gate's write side (it would wait for itself). */
static __thread int s_held;

void eo_store_report(const char *what, int rc)
{
    zsys_error("store: %s: %s", what, mdb_strerror(rc));
}

/* mkdir -p with mode 0700 for every folder we create. */
static int s_mkdirs(const char *dir)
{
    char *path = strdup(dir);
    if (!path) return -1;
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(path, 0700) && errno != EEXIST) {
                free(path);
                return -1;
            }
            *p = '/';
        }
    }
    int rc = mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
    free(path);
    return rc;
}

/* Create and open the environment (at start, and again after a fatal error). */
static int s_env_open(eo_store_t *self)
{
    int rc = mdb_env_create(&self->env);
    if (rc) return eo_store_fail("mdb_env_create", rc);
    if ((rc = mdb_env_set_mapsize(self->env, self->map_bytes)) ||
        (rc = mdb_env_set_maxdbs(self->env, S_MAX_DBS)) ||
        (rc = mdb_env_set_maxreaders(self->env, 256)) ||
        (rc = mdb_env_open(self->env, self->dir, self->envflags, 0600))) {
        zsys_error("store: cannot open %s: %s", self->dir, mdb_strerror(rc));
        mdb_env_close(self->env);
        self->env = NULL;
        return EO_ESTORE;
    }
    mdb_env_set_userctx(self->env, self);
    /* readers of killed processes hold pages forever: clear their slots now */
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    if (dead)
        zsys_warning("store: %s: cleared %d stale reader(s) of dead processes", self->dir,
                     dead);
    return EO_OK;
}

eo_store_t *eo_store_new(const char *dir, size_t map_size_mb, unsigned flags)
{
    eo_store_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    pthread_mutex_init(&self->dbi_lock, NULL);
    pthread_rwlock_init(&self->gate, NULL);
    self->flags = flags;
    self->dir = strdup(dir);
    if (!self->dir) goto fail;
    char why[512];
    if (eo_store_probe(dir, flags & (EO_STORE_EXISTING | EO_STORE_READONLY), why, sizeof why)) {
        zsys_error("store: %s", why);
        goto fail;
    }
    if (!(flags & EO_STORE_READONLY) && s_mkdirs(dir)) {
        zsys_error("store: cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    self->map_bytes = (map_size_mb ? map_size_mb : S_DEFAULT_MAP_MB) << 20;
    self->max_bytes = self->map_bytes > ((size_t)S_DEFAULT_MAX_MB << 20)
                          ? self->map_bytes
                          : (size_t)S_DEFAULT_MAX_MB << 20;
    /* NOTLS: read transactions belong to the caller, not to the thread, so actors may
     * hand them around; NORDAHEAD: the index is random access. */
    self->envflags = MDB_NOTLS | MDB_NORDAHEAD;
    if (flags & EO_STORE_NOSYNC) self->envflags |= MDB_NOSYNC;
    if (flags & EO_STORE_READONLY) self->envflags |= MDB_RDONLY;
    if (s_env_open(self)) goto fail;
    /* a store another build wrote is refused by its layout, never misread */
    if (!(flags & EO_STORE_ANY_LAYOUT) && eo_layout_check(self)) goto fail;
    /* a store that grew in an earlier run is larger than the map asked for */
    MDB_envinfo info;
    if (mdb_env_info(self->env, &info) == 0 && info.me_mapsize > self->map_bytes)
        self->map_bytes = info.me_mapsize;
    return self;
fail:
    eo_store_destroy(&self);
    return NULL;
}

void eo_store_set_max(eo_store_t *self, size_t max_mb)
{
    size_t max = max_mb << 20;
    self->max_bytes = max > self->map_bytes ? max : self->map_bytes;
}

void eo_store_destroy(eo_store_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_store_t *self = *self_p;
    if (self->env) mdb_env_close(self->env);
    for (size_t i = 0; i < self->n_dbs; i++)
        free(self->dbs[i].name);
    pthread_mutex_destroy(&self->dbi_lock);
    pthread_rwlock_destroy(&self->gate);
    free(self->dir);
    free(self);
    *self_p = NULL;
}

MDB_env *eo_store_env(eo_store_t *self)
{
    return self->env;
}

const char *eo_store_dir(eo_store_t *self)
{
    return self->dir;
}

bool eo_store_readonly(eo_store_t *self)
{
    return self->flags & EO_STORE_READONLY;
}

/* Open one database in the environment; the gate is held by the caller. */
static int s_dbi_open(eo_store_t *self, const char *name, unsigned flags, MDB_dbi *dbi)
{
    MDB_txn *txn = NULL;
    bool ro = self->flags & EO_STORE_READONLY;
    int rc = mdb_txn_begin(self->env, NULL, ro ? MDB_RDONLY : 0, &txn);
    if (rc == 0) rc = mdb_dbi_open(txn, name, ro ? flags : flags | MDB_CREATE, dbi);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    return rc;
}

int eo_store_dbi(eo_store_t *self, const char *name, unsigned flags, MDB_dbi *dbi)
{
    pthread_rwlock_rdlock(&self->gate);
    pthread_mutex_lock(&self->dbi_lock);
    int rc = s_dbi_open(self, name, flags, dbi);
    bool known = false;
    for (size_t i = 0; rc == 0 && i < self->n_dbs; i++)
        known = known || streq(self->dbs[i].name, name);
    if (rc == 0 && !known && self->n_dbs < S_MAX_DBS) {
        self->dbs[self->n_dbs].name = strdup(name);
        self->dbs[self->n_dbs].flags = flags;
        self->dbs[self->n_dbs++].dbi = *dbi;
    }
    pthread_mutex_unlock(&self->dbi_lock);
    pthread_rwlock_unlock(&self->gate);
    if (rc) {
        zsys_error("store: cannot open database '%s': %s", name, mdb_strerror(rc));
        return EO_ESTORE;
    }
    return EO_OK;
}

/* After a fatal error (a write that failed: a full disk) LMDB refuses every
 * transaction of the environment until it is closed. Close it and open it again, with
 * the same databases under the same handles, so the role goes on by itself once the
 * cause is gone. The caller holds the gate for writing. */
static int s_reopen(eo_store_t *self)
{
    mdb_env_close(self->env);
    self->env = NULL;
    int rc = s_env_open(self);
    for (size_t i = 0; rc == EO_OK && i < self->n_dbs; i++) {
        MDB_dbi dbi;
        int mrc = s_dbi_open(self, self->dbs[i].name, self->dbs[i].flags, &dbi);
        if (mrc || dbi != self->dbs[i].dbi) {
            zsys_error("store: %s: database %s did not reopen as it was", self->dir,
                       self->dbs[i].name);
            rc = EO_ESTORE;
        }
    }
    if (rc == EO_OK) zsys_warning("store: %s reopened after a fatal error", self->dir);
    return rc;
}

/* With the gate held for writing: mend what mdb_txn_begin said. */
static int s_mend(eo_store_t *self, int mrc)
{
    if (s_held) /* this thread has a transaction open: it cannot wait for itself */
        return EO_EBUSY;
    pthread_rwlock_wrlock(&self->gate);
    int rc = mrc == MDB_MAP_RESIZED ? (mdb_env_set_mapsize(self->env, 0) ? EO_ESTORE : EO_OK)
                                    : s_reopen(self);
    pthread_rwlock_unlock(&self->gate);
    return rc;
}

int eo_store_begin(eo_store_t *self, bool write, MDB_txn **txn)
{
    for (int attempt = 0;; attempt++) {
        pthread_rwlock_rdlock(&self->gate);
        int rc =
            self->env ? mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, txn) : MDB_PANIC;
        if (rc == 0) {
            s_held++;
            return EO_OK;
        }
        pthread_rwlock_unlock(&self->gate);
        *txn = NULL;
        /* another process grew the map; or the environment had a fatal error */
        if (attempt == 0 && (rc == MDB_MAP_RESIZED || rc == MDB_PANIC) &&
            s_mend(self, rc) == EO_OK)
            continue;
        return eo_store_fail("mdb_txn_begin", rc);
    }
}

/* The store a transaction belongs to. */
static eo_store_t *s_of(MDB_txn *txn)
{
    return mdb_env_get_userctx(mdb_txn_env(txn));
}

static void s_release(eo_store_t *self)
{
    s_held--;
    pthread_rwlock_unlock(&self->gate);
}

int eo_store_commit(eo_store_t *self, MDB_txn **txn)
{
    (void)self;
    eo_store_t *store = s_of(*txn);
    int64_t started = zclock_usecs();
    int rc = mdb_txn_commit(*txn);
    *txn = NULL;
    s_release(store);
    atomic_fetch_add(&store->commits, 1);
    atomic_fetch_add(&store->commit_us, (uint64_t)(zclock_usecs() - started));
    if (rc) atomic_store(&store->failed_at, zclock_mono());
    return rc ? eo_store_fail("mdb_txn_commit", rc) : EO_OK;
}

void eo_store_commit_stats(eo_store_t *self, uint64_t *commits, uint64_t *us)
{
    *commits = atomic_load(&self->commits);
    *us = atomic_load(&self->commit_us);
}

void eo_store_abort(MDB_txn **txn)
{
    if (txn && *txn) {
        eo_store_t *store = s_of(*txn);
        mdb_txn_abort(*txn);
        *txn = NULL;
        s_release(store);
    }
}

int eo_store_set_nometasync(eo_store_t *self)
{
    pthread_rwlock_wrlock(&self->gate);
    self->envflags |= MDB_NOMETASYNC; /* kept when the environment is opened again */
    int rc = mdb_env_set_flags(self->env, MDB_NOMETASYNC, 1);
    pthread_rwlock_unlock(&self->gate);
    return rc ? eo_store_fail("mdb_env_set_flags NOMETASYNC", rc) : EO_OK;
}

int eo_store_sync(eo_store_t *self)
{
    pthread_rwlock_rdlock(&self->gate);
    int rc = mdb_env_sync(self->env, 1);
    pthread_rwlock_unlock(&self->gate);
    return rc ? eo_store_fail("mdb_env_sync", rc) : EO_OK;
}

int eo_store_grow(eo_store_t *self)
{
    if (s_held) return EO_EBUSY;
    pthread_rwlock_wrlock(&self->gate);
    int rc = EO_EFULL;
    if (self->map_bytes < self->max_bytes) {
        size_t bytes =
            self->map_bytes * 2 < self->max_bytes ? self->map_bytes * 2 : self->max_bytes;
        int mrc = mdb_env_set_mapsize(self->env, bytes);
        if (mrc == 0) {
            zsys_warning("store: %s grows its map from %zu to %zu MiB", self->dir,
                         self->map_bytes >> 20, bytes >> 20);
            self->map_bytes = bytes;
            rc = EO_OK;
        } else
            rc = eo_store_fail("mdb_env_set_mapsize", mrc);
    } else
        zsys_error("store: %s is full: its map is at the configured maximum (%zu MiB)",
                   self->dir, self->max_bytes >> 20);
    pthread_rwlock_unlock(&self->gate);
    return rc;
}

int eo_store_usage(eo_store_t *self, eo_store_usage_t *out)
{
    MDB_envinfo info;
    MDB_stat st;
    pthread_rwlock_rdlock(&self->gate);
    int rc = mdb_env_info(self->env, &info) || mdb_env_stat(self->env, &st);
    pthread_rwlock_unlock(&self->gate);
    if (rc) return EO_ESTORE;
    out->used_bytes = (size_t)(info.me_last_pgno + 1) * st.ms_psize;
    out->map_bytes = self->map_bytes;
    out->max_bytes = self->max_bytes;
    out->percent = (int)(out->used_bytes * 100 / out->max_bytes);
    int64_t failed = atomic_load(&self->failed_at);
    out->failing = failed && zclock_mono() - failed < S_FAILING_MS;
    return EO_OK;
}

int eo_store_grow_if_full(eo_store_t *self)
{
    eo_store_usage_t u;
    if (eo_store_usage(self, &u) || u.used_bytes < u.map_bytes / 10 * 9) return EO_OK;
    return eo_store_grow(self);
}

void eo_store_maintain(eo_store_t *self)
{
    pthread_rwlock_rdlock(&self->gate);
    int dead = 0;
    if (self->env) mdb_reader_check(self->env, &dead);
    pthread_rwlock_unlock(&self->gate);
    if (dead)
        zsys_warning("store: %s: cleared %d stale reader(s) of dead processes", self->dir,
                     dead);
    eo_store_usage_t u;
    if (eo_store_usage(self, &u) == EO_OK) {
        bool high = u.percent >= S_WARN_PERCENT;
        if (high && !atomic_exchange(&self->warned, true))
            zsys_warning("store: %s is %d %% full (%zu of at most %zu MiB): raise "
                         "store/map_max_mb, or purge what is past its retention",
                         self->dir, u.percent, u.used_bytes >> 20, u.max_bytes >> 20);
        else if (!high)
            atomic_store(&self->warned, false);
    }
}

int eo_store_copy(eo_store_t *self, const char *dir)
{
    /* the gate keeps the map from being resized under the copy (a grow waits for it);
     * LMDB copies from a read transaction of its own, so writers go on */
    pthread_rwlock_rdlock(&self->gate);
    int rc = self->env ? mdb_env_copy2(self->env, dir, MDB_CP_COMPACT) : MDB_PANIC;
    pthread_rwlock_unlock(&self->gate);
    return rc ? eo_store_fail("mdb_env_copy2", rc) : EO_OK;
}

int eo_store_remove(const char *dir)
{
    char path[4096];
    const char *files[] = {"data.mdb", "lock.mdb"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (unlink(path) && errno != ENOENT) return -1;
    }
    return rmdir(dir);
}

void eo_store_test(bool verbose)
{
    if (verbose) printf(" * eo_store: ");
    char dir[] = "/tmp/eo_store_test.XXXXXX";
    assert(mkdtemp(dir));
    char sub[64];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    eo_store_t *store = eo_store_new(sub, 16, 0);
    assert(store);
    struct stat st;
    assert(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);
    MDB_dbi dbi;
    assert(eo_store_dbi(store, "things", 0, &dbi) == EO_OK);
    MDB_txn *txn;
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    MDB_val k = {3, "key"}, v = {5, "value"};
    assert(mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE) == 0);
    assert(mdb_put(txn, dbi, &k, &v, MDB_NOOVERWRITE) == MDB_KEYEXIST);
    assert(eo_store_commit(store, &txn) == EO_OK && txn == NULL);
    char file[80];
    snprintf(file, sizeof file, "%s/data.mdb", sub);
    assert(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600);
    eo_store_destroy(&store);
    assert(store == NULL);

    store = eo_store_new(sub, 16, EO_STORE_READONLY);
    assert(store);
    assert(eo_store_dbi(store, "things", 0, &dbi) == EO_OK);
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    MDB_val out;
    assert(mdb_get(txn, dbi, &k, &out) == 0 && out.mv_size == 5);
    eo_store_abort(&txn);
    assert(eo_store_dbi(store, "missing", 0, &dbi) == EO_ESTORE);
    eo_store_destroy(&store);
    assert(eo_store_new("/proc/no/such/dir", 16, 0) == NULL);
    assert(eo_store_remove(sub) == 0);
    snprintf(file, sizeof file, "%s/a", dir);
    rmdir(file);
    rmdir(dir);
    if (verbose) printf("OK\n");
}
