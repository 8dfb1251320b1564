/* store_copy.c: back-up and restore of a store, safe while it serves (see eo_store.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_store.h"
#include "eonjena/eo_time.h"

/* a store's folder, and a file or a sibling named after it */
#define S_DIR 4000
#define S_PATH (S_DIR + 96)

static int s_why(char *why, size_t whylen, int rc, const char *format, ...)
    __attribute__((format(printf, 4, 5)));
static int s_why(char *why, size_t whylen, int rc, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(why, whylen, format, args);
    va_end(args);
    return rc;
}

bool eo_store_in_use(const char *dir)
{
    char path[S_PATH];
    snprintf(path, sizeof path, "%.4000s/lock.mdb", dir);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return false; /* no lock file: nobody has it open */
    /* every process with the environment open holds a lock on the lock file's first
     * byte (LMDB's own, read or write): a write lock there conflicts with any */
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    bool busy = fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
    close(fd);
    return busy;
}

static bool s_has_store(const char *dir)
{
    char path[S_PATH];
    struct stat st;
    snprintf(path, sizeof path, "%.4000s/data.mdb", dir);
    return stat(path, &st) == 0;
}

/* fsync a file or folder by path. */
static int s_sync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
    if (fd >= 0) close(fd);
    return rc;
}

/* The folder holding path (for the fsync that makes a rename durable). */
static void s_parent(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == out)
        out[1] = 0;
    else
        *slash = 0;
}

/* A new folder next to final, 0700, to build in and rename into place at the end. */
static int s_staging(const char *final, char *out, size_t size, char *why, size_t whylen)
{
    snprintf(out, size, "%.4000s.partial-%ld", final, (long)getpid());
    if (mkdir(out, 0700) && errno != EEXIST)
        return s_why(why, whylen, EO_EIO, "cannot create %s: %s", out, strerror(errno));
    return EO_OK;
}

static void s_discard(const char *staging)
{
    char path[S_PATH];
    snprintf(path, sizeof path, "%.4000s/data.mdb", staging);
    unlink(path);
    snprintf(path, sizeof path, "%.4000s/lock.mdb", staging);
    unlink(path);
    rmdir(staging);
}

/* Make the staged store final: data synced, folder renamed over nothing, parent synced. */
static int s_publish(const char *staging, const char *final, char *why, size_t whylen)
{
    char path[S_PATH], parent[S_PATH];
    snprintf(path, sizeof path, "%.4000s/data.mdb", staging);
    if (s_sync_path(path) || chmod(path, 0600))
        return s_why(why, whylen, EO_EIO, "cannot sync %s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%.4000s/lock.mdb", staging);
    unlink(path); /* a copy's lock file is nobody's */
    rmdir(final); /* an empty folder given as the target is fine; anything else stays */
    if (rename(staging, final))
        return s_why(why, whylen, EO_EIO, "cannot rename %s to %s: %s", staging, final,
                     strerror(errno));
    s_parent(final, parent, sizeof parent);
    s_sync_path(parent);
    return EO_OK;
}

int eo_store_backup(const char *dir, const char *to, size_t *bytes, char *why, size_t whylen)
{
    struct stat st;
    if (s_has_store(to) || (stat(to, &st) == 0 && (!S_ISDIR(st.st_mode) || rmdir(to))))
        return s_why(why, whylen, EO_EEXIST,
                     "%s exists and is not an empty folder: back up into a new one", to);
    if (eo_store_probe(dir, true, why, whylen)) return EO_ENOTFOUND;
    /* read-only, beside the server: LMDB readers never block its writers, and the copy
     * is of one read transaction, so it is consistent however busy the store is */
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_READONLY | EO_STORE_ANY_LAYOUT);
    if (!store) return s_why(why, whylen, EO_ESTORE, "cannot open %s (see the log)", dir);
    char staging[S_PATH];
    int rc = s_staging(to, staging, sizeof staging, why, whylen);
    int mrc = rc ? 0 : mdb_env_copy2(eo_store_env(store), staging, MDB_CP_COMPACT);
    eo_store_destroy(&store);
    if (rc == EO_OK && mrc)
        rc = s_why(why, whylen, EO_ESTORE, "copy of %s: %s", dir, mdb_strerror(mrc));
    if (rc == EO_OK && (rc = eo_store_verify(staging, why, whylen)))
        rc = EO_ESTORE; /* a copy that does not read back is no backup */
    if (rc == EO_OK) rc = s_publish(staging, to, why, whylen);
    if (rc) {
        s_discard(staging);
        return rc;
    }
    char path[S_PATH];
    snprintf(path, sizeof path, "%.4000s/data.mdb", to);
    *bytes = stat(path, &st) == 0 ? (size_t)st.st_size : 0;
    return EO_OK;
}

/* Copy a file in full, 0600. */
static int s_copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = in >= 0 && out >= 0 ? 0 : -1;
    char buf[1 << 16];
    ssize_t n;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 || write(out, buf, (size_t)n) != n) rc = -1;
    }
    if (out >= 0 && (fsync(out) || close(out))) rc = -1;
    if (in >= 0) close(in);
    return rc;
}

int eo_store_restore(const char *from, const char *dir, bool replace, char *kept,
                     size_t keptlen, char *why, size_t whylen)
{
    if (kept && keptlen) kept[0] = 0;
    if (eo_store_verify(from, why, whylen))
        return EO_ESTORE; /* why says what is wrong with the backup */
    if (eo_store_in_use(dir))
        return s_why(why, whylen, EO_EBUSY,
                     "%s is open in a running process: stop the server first", dir);
    bool exists = s_has_store(dir);
    if (exists && !replace)
        return s_why(why, whylen, EO_EEXIST,
                     "%s holds a store: give --replace to put it aside and restore", dir);
    char staging[S_PATH], src[S_PATH], dst[S_PATH];
    int rc = s_staging(dir, staging, sizeof staging, why, whylen);
    if (rc) return rc;
    snprintf(src, sizeof src, "%.4000s/data.mdb", from);
    snprintf(dst, sizeof dst, "%.4000s/data.mdb", staging);
    if (s_copy_file(src, dst)) {
        s_discard(staging);
        return s_why(why, whylen, EO_EIO, "cannot copy %s: %s", src, strerror(errno));
    }
    if (exists) { /* the old store is put aside, never deleted */
        char stamp[32];
        eo_local_t l; /* Seoul, as every time eonjena shows */
        eo_time_local(time(NULL), &l);
        snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d", l.year % 10000, l.month,
                 l.day, l.hour, l.minute, l.second);
        char aside[S_PATH];
        snprintf(aside, sizeof aside, "%.4000s.before-restore-%s", dir, stamp);
        if (rename(dir, aside)) {
            s_discard(staging);
            return s_why(why, whylen, EO_EIO, "cannot move %s aside: %s", dir, strerror(errno));
        }
        if (kept) snprintf(kept, keptlen, "%s", aside);
    }
    if ((rc = s_publish(staging, dir, why, whylen))) s_discard(staging);
    return rc;
}
