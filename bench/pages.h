/* pages: which trees a store's commits rewrite, page by page (bench/pages.c). */
#ifndef EO_BENCH_PAGES_H
#define EO_BENCH_PAGES_H

#include <stdint.h>

#include <jansson.h>
#include <lmdb.h>

/* The pages of a store as of the last snapshot it was shown, each with its tree: every
 * named tree (a DUPSORT tree's sub-trees counted with it), "(main)" (the tree of trees)
 * and "(free)" (the free list). */
typedef struct eo_pages_t eo_pages_t;

/* Every page of txn's snapshot (a read transaction of an environment opened with
 * MDB_NOTLS: the caller holds it until it shows the next one). NULL with why in err when
 * the pages do not read as LMDB's, or the snapshot's meta page was already rewritten
 * (two commits since txn began: take another). */
eo_pages_t *eo_pages_new(MDB_txn *txn, char *err, size_t errlen);
void eo_pages_destroy(eo_pages_t **self_p);
/* The transaction id of the last snapshot shown. */
uint64_t eo_pages_txnid(const eo_pages_t *self);

/* Show self a newer snapshot, txn, begun while the last one's transaction was still
 * held (so that no page freed since could have been used again): the pages txn has that
 * the last one did not are what the commits between them wrote (LMDB copies each page it
 * changes, and the path above it, to a new page), added to sums (if not NULL) as
 * {"<tree>":{"leaf":n,"branch":n,"overflow":n}}. Only the new pages are read, so this is
 * quick enough to see one commit at a time. Returns how many commits txn is past the
 * last one; 0 when its meta page was already rewritten (nothing changed: try another
 * txn); -1 with why in err (self is then half updated: destroy it). */
int eo_pages_next(eo_pages_t *self, MDB_txn *txn, json_t *sums, char *err, size_t errlen);

/* Every page of the last snapshot, per tree, as eo_pages_next sums them (caller decrefs). */
json_t *eo_pages_count(const eo_pages_t *self);

/* Called with each snapshot's id once it was shown (tests use it to pace a writer). */
typedef void(eo_pages_hook_fn)(void *arg, uint64_t txnid);

/* Watch env (opened read-only with MDB_NOTLS by the caller) for up to seconds and sum
 * into sums what each of up to commits commits wrote, taking only snapshots one commit
 * apart; the commits taken in *taken. 0, or -1 with why in err. */
int eo_pages_watch(MDB_env *env, int commits, double seconds, json_t *sums, int *taken,
                   eo_pages_hook_fn *hook, void *arg, char *err, size_t errlen);

#endif
