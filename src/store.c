/* store.c: the node's LMDB environment (see eo_store.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_store.h"

#define S_DEFAULT_MAP_MB 4096
#define S_MAX_DBS 64

struct eo_store_t {
    MDB_env *env;
    char *dir;
    unsigned flags;
    pthread_mutex_t dbi_lock; /* mdb_dbi_open must not race with itself */
};

int eo_store_fail(const char *what, int rc)
{
    zsys_error("store: %s: %s", what, mdb_strerror(rc));
    return EO_ESTORE;
}

/* mkdir -p with mode 0700 for every folder we create. */
static int s_mkdirs(const char *dir)
{
    char *path = strdup(dir);
    if (!path)
        return -1;
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

eo_store_t *eo_store_new(const char *dir, size_t map_size_mb, unsigned flags)
{
    eo_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init(&self->dbi_lock, NULL);
    self->flags = flags;
    self->dir = strdup(dir);
    if (!self->dir)
        goto fail;
    char why[512];
    if (eo_store_probe(dir, flags & (EO_STORE_EXISTING | EO_STORE_READONLY), why, sizeof why)) {
        zsys_error("store: %s", why);
        goto fail;
    }
    if (!(flags & EO_STORE_READONLY) && s_mkdirs(dir)) {
        zsys_error("store: cannot create %s: %s", dir, strerror(errno));
        goto fail;
    }
    int rc = mdb_env_create(&self->env);
    if (rc) {
        eo_store_fail("mdb_env_create", rc);
        goto fail;
    }
    size_t mb = map_size_mb ? map_size_mb : S_DEFAULT_MAP_MB;
    if ((rc = mdb_env_set_mapsize(self->env, mb << 20)) ||
        (rc = mdb_env_set_maxdbs(self->env, S_MAX_DBS)) ||
        (rc = mdb_env_set_maxreaders(self->env, 256))) {
        eo_store_fail("mdb_env_set", rc);
        goto fail;
    }
    /* NOTLS: read transactions belong to the caller, not to the thread, so actors may
     * hand them around; NORDAHEAD: the index is random access. */
    unsigned envflags = MDB_NOTLS | MDB_NORDAHEAD;
    if (flags & EO_STORE_NOSYNC)
        envflags |= MDB_NOSYNC;
    if (flags & EO_STORE_READONLY)
        envflags |= MDB_RDONLY;
    if ((rc = mdb_env_open(self->env, dir, envflags, 0600))) {
        zsys_error("store: cannot open %s: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    return self;
fail:
    eo_store_destroy(&self);
    return NULL;
}

void eo_store_destroy(eo_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    eo_store_t *self = *self_p;
    if (self->env)
        mdb_env_close(self->env);
    pthread_mutex_destroy(&self->dbi_lock);
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

int eo_store_dbi(eo_store_t *self, const char *name, unsigned flags, MDB_dbi *dbi)
{
    pthread_mutex_lock(&self->dbi_lock);
    MDB_txn *txn = NULL;
    bool ro = self->flags & EO_STORE_READONLY;
    int rc = mdb_txn_begin(self->env, NULL, ro ? MDB_RDONLY : 0, &txn);
    if (rc == 0)
        rc = mdb_dbi_open(txn, name, ro ? flags : flags | MDB_CREATE, dbi);
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    pthread_mutex_unlock(&self->dbi_lock);
    if (rc) {
        zsys_error("store: cannot open database '%s': %s", name, mdb_strerror(rc));
        return EO_ESTORE;
    }
    return EO_OK;
}

int eo_store_begin(eo_store_t *self, bool write, MDB_txn **txn)
{
    int rc = mdb_txn_begin(self->env, NULL, write ? 0 : MDB_RDONLY, txn);
    return rc ? eo_store_fail("mdb_txn_begin", rc) : EO_OK;
}

int eo_store_commit(eo_store_t *self, MDB_txn **txn)
{
    (void)self;
    int rc = mdb_txn_commit(*txn);
    *txn = NULL;
    return rc ? eo_store_fail("mdb_txn_commit", rc) : EO_OK;
}

void eo_store_abort(MDB_txn **txn)
{
    if (txn && *txn) {
        mdb_txn_abort(*txn);
        *txn = NULL;
    }
}

int eo_store_sync(eo_store_t *self)
{
    int rc = mdb_env_sync(self->env, 1);
    return rc ? eo_store_fail("mdb_env_sync", rc) : EO_OK;
}

int eo_store_remove(const char *dir)
{
    char path[4096];
    const char *files[] = {"data.mdb", "lock.mdb"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (unlink(path) && errno != ENOENT)
            return -1;
    }
    return rmdir(dir);
}

void eo_store_test(bool verbose)
{
    if (verbose)
        printf(" * eo_store: ");
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
    if (verbose)
        printf("OK\n");
}
