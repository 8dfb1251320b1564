/* store_compact.c: rewrite a closed store's data file without its free pages (see
 * eo_store.h, eo_store_compact). LMDB never overwrites a freed page until it reuses
 * it, so bytes deleted by the retention (phones, names, addresses) can linger in the
 * file; a compacted copy holds only the pages in use. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_store.h"

/* Hold LMDB's own exclusive lock on the store (a write lock on the first byte of
 * lock.mdb, which every process that has the store open holds shared): nobody else has
 * it open, and nobody can open it until fd is closed. -1 when someone has it open. */
static int s_exclusive(const char *dir, char *why, size_t whylen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    if (fd >= 0 && fcntl(fd, F_SETLK, &lk) == 0) return fd;
    if (fd < 0)
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
    else
        snprintf(why, whylen, "the store at %s is open by a running role: stop it first", dir);
    if (fd >= 0) close(fd);
    return -1;
}

static int s_sync_path(const char *path, bool dir)
{
    int fd = open(path, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0) close(fd);
    return rc;
}

/* The compacted copy into tmp (a fresh folder), synced. LMDB's lock file is not used:
 * the caller holds the store exclusively. */
static int s_copy(const char *dir, const char *tmp, char *why, size_t whylen)
{
    MDB_env *env = NULL;
    int rc = mdb_env_create(&env);
    if (rc == 0) rc = mdb_env_set_maxdbs(env, 64);
    if (rc == 0) rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600);
    if (rc == 0) rc = mdb_env_copy2(env, tmp, MDB_CP_COMPACT);
    if (env) mdb_env_close(env);
    if (rc) {
        snprintf(why, whylen, "compacting %s: %s", dir, mdb_strerror(rc));
        return EO_ESTORE;
    }
    char file[4200];
    snprintf(file, sizeof file, "%s/data.mdb", tmp);
    if (s_sync_path(file, false)) {
        snprintf(why, whylen, "cannot sync %s: %s", file, strerror(errno));
        return EO_EIO;
    }
    return EO_OK;
}

int eo_store_compact(const char *dir, size_t *before, size_t *after, char *why, size_t whylen)
{
    char tmp[4096], from[4200], to[4200];
    snprintf(tmp, sizeof tmp, "%s/compact.tmp", dir);
    snprintf(from, sizeof from, "%s/data.mdb", tmp);
    snprintf(to, sizeof to, "%s/data.mdb", dir);
    struct stat st;
    if (stat(to, &st)) {
        snprintf(why, whylen, "no store at %s", dir);
        return EO_ENOTFOUND;
    }
    *before = (size_t)st.st_size;
    int lock = s_exclusive(dir, why, whylen);
    if (lock < 0) return EO_EBUSY;
    unlink(from); /* a leftover of a compaction that was stopped */
    int rc = mkdir(tmp, 0700) && errno != EEXIST ? EO_EIO : EO_OK;
    if (rc) snprintf(why, whylen, "cannot create %s: %s", tmp, strerror(errno));
    if (rc == EO_OK) rc = s_copy(dir, tmp, why, whylen);
    /* the rename is the switch: a compaction stopped before it leaves the store as it was */
    if (rc == EO_OK && (rename(from, to) || s_sync_path(dir, true))) {
        snprintf(why, whylen, "cannot replace %s: %s", to, strerror(errno));
        rc = EO_EIO;
    }
    unlink(from);
    rmdir(tmp);
    if (rc == EO_OK && stat(to, &st) == 0) *after = (size_t)st.st_size;
    close(lock); /* the lock goes with it */
    return rc;
}
