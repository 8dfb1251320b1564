/* store_check.c: looking at a store before and after it is opened (see eo_store.h).
 *
 * LMDB maps its file and trusts it: a file shorter than its own last page kills the
 * reader with SIGBUS, and a damaged page can make it abort or read garbage. So a store
 * is looked at before it is mapped (its two meta pages, read with pread: the page size,
 * the last page, the file's length), and `eonjena check` walks every entry of every
 * tree in a child process, so that a store that crashes its reader is reported as
 * damaged instead of killing the check. */
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_store.h"

/* LMDB's file layout (lmdb 0.9, 64-bit): every page starts with a 16-byte header; pages
 * 0 and 1 are meta pages; the live one has the larger transaction id. */
#define S_PAGE_HDR 16
#define S_META_MAGIC 0xBEEFC0DEu
#define S_META_OFF_MAGIC (S_PAGE_HDR + 0)
#define S_META_OFF_PSIZE (S_PAGE_HDR + 24)      /* mm_dbs[FREE_DBI].md_pad */
#define S_META_OFF_FREE_ROOT (S_PAGE_HDR + 64)  /* mm_dbs[FREE_DBI].md_root */
#define S_META_OFF_MAIN_ROOT (S_PAGE_HDR + 112) /* mm_dbs[MAIN_DBI].md_root */
#define S_NO_PAGE UINT64_MAX                    /* P_INVALID: an empty tree */
/* A commit does not write the pages it allocated and freed again (LMDB's "loose"
 * pages), so the last page the meta names may lie past the end of a sound file after
 * a kill. Its roots are always written. */
#define S_LOOSE_SLACK 256
#define S_META_OFF_LAST (S_PAGE_HDR + 120)  /* mm_last_pg */
#define S_META_OFF_TXNID (S_PAGE_HDR + 128) /* mm_txnid */
#define S_META_SIZE (S_PAGE_HDR + 136)

typedef struct {
    bool ok;
    uint32_t psize;
    uint64_t last, txnid, free_root, main_root;
} s_meta_t;

static void s_meta_read(int fd, off_t at, s_meta_t *m)
{
    uint8_t buf[S_META_SIZE];
    memset(m, 0, sizeof *m);
    if (pread(fd, buf, sizeof buf, at) != (ssize_t)sizeof buf) return;
    uint32_t magic;
    memcpy(&magic, buf + S_META_OFF_MAGIC, 4);
    memcpy(&m->psize, buf + S_META_OFF_PSIZE, 4);
    memcpy(&m->last, buf + S_META_OFF_LAST, 8);
    memcpy(&m->txnid, buf + S_META_OFF_TXNID, 8);
    memcpy(&m->free_root, buf + S_META_OFF_FREE_ROOT, 8);
    memcpy(&m->main_root, buf + S_META_OFF_MAIN_ROOT, 8);
    m->ok = magic == S_META_MAGIC && m->psize >= 512 && m->psize <= 65536 &&
            !(m->psize & (m->psize - 1));
}

int eo_store_probe(const char *dir, bool must_exist, char *why, size_t whylen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && !must_exist) return EO_OK; /* a new store */
        snprintf(why, whylen, "no store at %s (%s): give --init to create an empty one", dir,
                 strerror(errno));
        return EO_ENOTFOUND;
    }
    if (st.st_size == 0) {
        if (!must_exist) return EO_OK;
        snprintf(why, whylen,
                 "the store at %s is empty (data.mdb has 0 bytes): restore it "
                 "from a backup, or give --init to start a new one",
                 dir);
        return EO_ENOTFOUND;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return EO_EIO;
    }
    s_meta_t a, b;
    s_meta_read(fd, 0, &a);
    s_meta_read(fd, a.ok ? (off_t)a.psize : 4096, &b);
    close(fd);
    const s_meta_t *m = a.ok && (!b.ok || a.txnid >= b.txnid) ? &a : b.ok ? &b : NULL;
    if (!m) {
        snprintf(why, whylen,
                 "%s is not an LMDB store (no valid meta page): wrong path, or "
                 "damaged: restore it from a backup",
                 path);
        return EO_ESTORE;
    }
    /* the roots the meta names must be in the file, and the file may end before the
     * last page by no more than a commit's unwritten loose pages */
    uint64_t root = m->main_root != S_NO_PAGE ? m->main_root : 0;
    if (m->free_root != S_NO_PAGE && m->free_root > root) root = m->free_root;
    uint64_t need = (m->last + 1) * (uint64_t)m->psize;
    uint64_t slack = (uint64_t)S_LOOSE_SLACK * m->psize;
    if ((uint64_t)st.st_size < (root + 1) * (uint64_t)m->psize ||
        (uint64_t)st.st_size + slack < need) {
        snprintf(why, whylen,
                 "the store at %s is damaged: data.mdb has %lld bytes but its "
                 "last page ends at %llu (truncated): restore it from a backup",
                 dir, (long long)st.st_size, (unsigned long long)need);
        return EO_ESTORE;
    }
    return EO_OK;
}

/* --- the walk -------------------------------------------------------------------- */

/* Every entry of one named database, in order: the count must be what the tree says. */
static int s_walk_db(MDB_txn *txn, const char *name, char *why, size_t whylen)
{
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, name, 0, &dbi);
    if (rc) {
        snprintf(why, whylen, "database %s: %s", name, mdb_strerror(rc));
        return EO_ESTORE;
    }
    MDB_stat st;
    MDB_cursor *cur;
    if ((rc = mdb_stat(txn, dbi, &st)) || (rc = mdb_cursor_open(txn, dbi, &cur))) {
        snprintf(why, whylen, "database %s: %s", name, mdb_strerror(rc));
        return EO_ESTORE;
    }
    MDB_val k, v, prev = {0, NULL};
    size_t n = 0;
    unsigned flags = 0;
    mdb_dbi_flags(txn, dbi, &flags);
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        /* keys ascend (equal only between the duplicates of a dupsort key) */
        if (prev.mv_data && mdb_cmp(txn, dbi, &prev, &k) > 0) {
            snprintf(why, whylen, "database %s: keys out of order at entry %zu", name, n);
            mdb_cursor_close(cur);
            return EO_ESTORE;
        }
        if (prev.mv_data && !(flags & MDB_DUPSORT) && mdb_cmp(txn, dbi, &prev, &k) == 0) {
            snprintf(why, whylen, "database %s: a key repeats at entry %zu", name, n);
            mdb_cursor_close(cur);
            return EO_ESTORE;
        }
        prev = k;
        n++;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) {
        snprintf(why, whylen, "database %s: %s after %zu entries", name, mdb_strerror(rc), n);
        return EO_ESTORE;
    }
    if (n != st.ms_entries) {
        snprintf(why, whylen, "database %s: %zu entries read, its tree says %zu", name, n,
                 (size_t)st.ms_entries);
        return EO_ESTORE;
    }
    return EO_OK;
}

/* The walk itself (in the child): the main tree names every other one. */
static int s_walk(const char *dir, char *why, size_t whylen)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    MDB_dbi main_dbi;
    int rc;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 256)) ||
        (rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) ||
        (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) ||
        (rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) ||
        (rc = mdb_cursor_open(txn, main_dbi, &cur))) {
        snprintf(why, whylen, "cannot open %s: %s", dir, mdb_strerror(rc));
        if (env) mdb_env_close(env);
        return EO_ESTORE;
    }
    int result = EO_OK;
    MDB_val k, v;
    size_t dbs = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char name[256];
        if (k.mv_size == 0 || k.mv_size >= sizeof name || memchr(k.mv_data, 0, k.mv_size)) {
            snprintf(why, whylen, "the main tree has a bad database name");
            result = EO_ESTORE;
            break;
        }
        memcpy(name, k.mv_data, k.mv_size);
        name[k.mv_size] = 0;
        result = s_walk_db(txn, name, why, whylen);
        dbs++;
    }
    if (result == EO_OK && rc != MDB_NOTFOUND) {
        snprintf(why, whylen, "the main tree: %s", mdb_strerror(rc));
        result = EO_ESTORE;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return result;
}

int eo_store_verify(const char *dir, char *why, size_t whylen)
{
    int rc = eo_store_probe(dir, true, why, whylen);
    if (rc) return rc;
    int fds[2];
    if (pipe(fds)) {
        snprintf(why, whylen, "pipe: %s", strerror(errno));
        return EO_EIO;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        snprintf(why, whylen, "fork: %s", strerror(errno));
        return EO_EIO;
    }
    if (pid == 0) { /* the child reads the store; if that crashes, only the child dies */
        close(fds[0]);
        char msg[512] = "";
        int result = s_walk(dir, msg, sizeof msg);
        if (result && write(fds[1], msg, strlen(msg)) < 0) _exit(3);
        _exit(result ? 1 : 0);
    }
    close(fds[1]);
    char msg[512];
    ssize_t n = read(fds[0], msg, sizeof msg - 1);
    msg[n > 0 ? n : 0] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return EO_OK;
    if (WIFSIGNALED(status))
        snprintf(why, whylen,
                 "the store at %s is damaged: reading it crashed the reader "
                 "(%s): restore it from a backup",
                 dir, strsignal(WTERMSIG(status)));
    else
        snprintf(why, whylen, "the store at %s is damaged: %s: restore it from a backup", dir,
                 *msg ? msg : "unreadable");
    return EO_ESTORE;
}
