/* pages: which trees a store's commits rewrite, page by page (bench/pages.c). */
#ifndef EO_BENCH_PAGES_H
#define EO_BENCH_PAGES_H

#include <stdint.h>

#include <jansson.h>
#include <lmdb.h>

typedef struct eo_pages_snap_t eo_pages_snap_t;

/* Every page of txn's snapshot and the tree it belongs to: each named tree (a DUPSORT
 * tree's sub-trees counted with it), "(main)" (the tree of trees) and "(free)" (the
 * free list). txn must be a read transaction held until this returns. NULL with why in
 * err when the store's pages do not read as LMDB's (or out of memory). */
eo_pages_snap_t *eo_pages_snap_new(MDB_txn *txn, char *err, size_t errlen);
void eo_pages_snap_destroy(eo_pages_snap_t **self_p);
/* The snapshot's transaction id. */
uint64_t eo_pages_snap_txnid(const eo_pages_snap_t *self);

/* Pages of after that before did not have, per tree: what the commits between them
 * wrote (LMDB copies every page it changes, and the path above it, to a new page):
 * adds to sums {"<tree>":{"leaf":n,"branch":n,"overflow":n}}. Returns how many. With
 * before NULL: every page of after. */
size_t eo_pages_new(const eo_pages_snap_t *before, const eo_pages_snap_t *after, json_t *sums);

/* Called after each snapshot walked (tests use it to pace a writer). */
typedef void(eo_pages_hook_fn)(void *arg, uint64_t txnid);

/* Watch env (opened read-only by the caller) for up to seconds and sum into sums what
 * each of up to commits commits wrote, taking only pairs of snapshots one commit apart;
 * the pairs taken in *taken. 0, or -1 with why in err. */
int eo_pages_watch(MDB_env *env, int commits, double seconds, json_t *sums, int *taken,
                   eo_pages_hook_fn *hook, void *arg, char *err, size_t errlen);

#endif
