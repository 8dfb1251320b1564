/* eo_store: the node's one LMDB environment.
 *
 * One environment per node under a directory created 0700 with files 0600 (it holds
 * personal data). Modules open their own named databases with eo_store_dbi(). Every
 * LMDB error is logged here with mdb_strerror and turned into EO_ESTORE.
 * Write transactions are durable (fsync on commit) unless EO_STORE_NOSYNC is given,
 * which only benchmarks of non-durable paths and bulk loads may use.
 * Failures are survived in place: a full map grows (eo_store_grow) up to its maximum,
 * and an environment that had a fatal error (a write failed on a full disk: LMDB then
 * refuses every transaction) is closed and opened again by the next eo_store_begin, so
 * a role recovers by itself once the disk has room again. */
#ifndef EO_STORE_H
#define EO_STORE_H

#include <lmdb.h>
#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "eonjena/eo_error.h"

typedef struct eo_store_t eo_store_t;

enum {
    EO_STORE_NOSYNC = 1 << 0,     /* MDB_NOSYNC: no fsync at commit */
    EO_STORE_READONLY = 1 << 1,   /* open read-only (eonjena check, log) */
    EO_STORE_EXISTING = 1 << 2,   /* refuse a missing or empty store (a role without --init) */
    EO_STORE_ANY_LAYOUT = 1 << 3, /* open a store of any layout (backup, migrate) */
};

/* Open (creating if needed, unless EO_STORE_EXISTING or READONLY) the store in `dir`. A
 * new store gets the current layout, and a store of another layout is refused with what
 * to do (eo_layout.h) unless EO_STORE_ANY_LAYOUT.
 * map_size_mb 0 picks the default (4096 MiB; LMDB only reserves address space). A store
 * that exists is looked at first (eo_store_probe): one shorter than its last page is
 * refused, never mapped. NULL on failure, logged with what to do. */
eo_store_t *eo_store_new(const char *dir, size_t map_size_mb, unsigned flags);
void eo_store_destroy(eo_store_t **self_p);
MDB_env *eo_store_env(eo_store_t *self);
const char *eo_store_dir(eo_store_t *self);
/* Opened with EO_STORE_READONLY. */
bool eo_store_readonly(eo_store_t *self);

/* Open or create the named database with MDB_CREATE | flags (e.g. MDB_DUPSORT).
 * Thread-safe; the handle is valid for the life of the store. */
int eo_store_dbi(eo_store_t *self, const char *name, unsigned flags, MDB_dbi *dbi);

/* Begin a transaction (read-only unless write). */
int eo_store_begin(eo_store_t *self, bool write, MDB_txn **txn);
/* Commit and clear *txn; on failure the transaction is gone too. */
int eo_store_commit(eo_store_t *self, MDB_txn **txn);
/* Commits of transactions (read-only ones too) so far and the microseconds they took
 * (a write commit is where the fsyncs are): for the roles' timing figures. */
void eo_store_commit_stats(eo_store_t *self, uint64_t *commits, uint64_t *us);
/* Abort and clear *txn; safe on NULL. */
void eo_store_abort(MDB_txn **txn);
/* From now on a commit syncs the data pages but writes the meta page that makes the
 * transaction current without syncing it (LMDB's MDB_NOMETASYNC: one fdatasync a commit
 * instead of two, and the order data-before-meta is kept, so a crash never corrupts).
 * A committed transaction is durable only after the next eo_store_sync, which another
 * thread may do while this one decides the next batch: whoever uses this answers for a
 * transaction only after such a sync (the matcher's sync thread, docs/deploy.md). Not
 * for a store other roles write to. Call with no transaction open in this thread. */
int eo_store_set_nometasync(eo_store_t *self);
/* Force the data to disk (after NOSYNC bulk work). */
int eo_store_sync(eo_store_t *self);

/* The map grows (doubling) up to this many MiB (configuration store/map_max_mb; the
 * default is large: LMDB only reserves address space, the disk is the limit). */
void eo_store_set_max(eo_store_t *self, size_t max_mb);
/* Double the map (up to the maximum) after a write failed with EO_EFULL; the caller
 * then does its transaction again. EO_OK, EO_EFULL at the maximum, EO_EBUSY if this
 * thread holds a transaction (it must end it first). */
int eo_store_grow(eo_store_t *self);

/* eo_store_grow when the map is nearly used up (90 %): for a writer that cannot tell a
 * full map from its other failures (a batch whose transaction went bad). */
int eo_store_grow_if_full(eo_store_t *self);

typedef struct {
    size_t used_bytes; /* pages in use */
    size_t map_bytes;  /* the map now */
    size_t max_bytes;  /* what it may grow to */
    int percent;       /* used of max */
    bool failing;      /* a commit failed in the last 5 s (a full disk: not ready) */
} eo_store_usage_t;
int eo_store_usage(eo_store_t *self, eo_store_usage_t *out);
/* Housekeeping a role does every minute or so: clear the reader slots of dead
 * processes (mdb_reader_check), and warn once when the store passes 80 % of its
 * maximum. */
void eo_store_maintain(eo_store_t *self);
#define EO_STORE_MAINTAIN_MS 60000 /* how often the roles call it */

/* A compacted copy of the store (free pages left out) into the folder dir, which must
 * exist and hold no data.mdb. From a read transaction: writers go on meanwhile; a map
 * that must grow meanwhile waits for the copy. Thread-safe. */
int eo_store_copy(eo_store_t *self, const char *dir);

/* Rewrite the data file of a store that no process has open without its free pages
 * (LMDB leaves deleted bytes in freed pages until it reuses them): after a purge, what
 * was deleted is then gone from the disk file too. *before / *after: the file's sizes.
 * EO_OK; EO_EBUSY when a process has the store open (why says so); EO_ENOTFOUND,
 * EO_ESTORE or EO_EIO with why. A compaction stopped midway leaves the store as it was. */
int eo_store_compact(const char *dir, size_t *before, size_t *after, char *why, size_t whylen);

/* Delete a closed store's files (data.mdb, lock.mdb) and its folder, if empty then.
 * For temporary stores (self-tests, benchmarks). 0, or -1 with errno set. */
int eo_store_remove(const char *dir);

/* Look at a store before it is mapped: EO_OK for a sound one (or, unless must_exist, for
 * none yet), EO_ENOTFOUND for a missing or empty one, EO_ESTORE for a file that is no
 * LMDB store or is shorter than its own last page, with why naming it and what to do. */
int eo_store_probe(const char *dir, bool must_exist, char *why, size_t whylen);
/* Walk every entry of every tree of a store (in a child process, so a damaged store
 * that crashes its reader is reported, not fatal): keys in order, counts as the trees
 * say. EO_OK, or EO_ESTORE / EO_ENOTFOUND with why naming the first fault. */
int eo_store_verify(const char *dir, char *why, size_t whylen);

/* --- back-up and restore (src/store_copy.c, docs/operations.md) -------------------- */

/* A consistent, compacted copy of the store in dir (mdb_env_copy2 with MDB_CP_COMPACT:
 * one read transaction, so it is safe while a server writes) into the new folder `to`
 * (none yet, or empty). The copy is built beside `to`, read back in full
 * (eo_store_verify) and only then renamed into place: `to` never holds half a backup.
 * *bytes gets its size. EO_OK; EO_EEXIST if `to` holds anything, EO_ENOTFOUND for no
 * store at dir, else an error; why says what. */
int eo_store_backup(const char *dir, const char *to, size_t *bytes, char *why, size_t whylen);
/* Put the backup in `from` back as the store in dir, after reading it back in full.
 * Refused (EO_EBUSY) while a process has dir open, and (EO_EEXIST) if dir holds a store
 * unless replace: then the old store is renamed aside (its new name in kept), never
 * deleted. EO_OK, or an error with why. */
int eo_store_restore(const char *from, const char *dir, bool replace, char *kept,
                     size_t keptlen, char *why, size_t whylen);
/* Is the store in dir open in some process (a running server or tool)? */
bool eo_store_in_use(const char *dir);

/* Log an LMDB error with context and return EO_ESTORE (EO_EFULL for a full map), for
 * `return eo_store_fail(...)`. Inline so that callers (and the static analyser) see it
 * never returns EO_OK. */
void eo_store_report(const char *what, int rc);
static inline int eo_store_fail(const char *what, int rc)
{
    eo_store_report(what, rc);
    return rc == MDB_MAP_FULL ? EO_EFULL : EO_ESTORE;
}

void eo_store_test(bool verbose);

#endif
