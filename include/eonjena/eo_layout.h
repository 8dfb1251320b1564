/* eo_layout: the store's layout, one number for everything in it, so that a build never
 * misreads a store another build wrote (docs/operations.md "Upgrades").
 *
 * A new store is stamped with EO_LAYOUT when it is created. eo_store_new looks at the
 * layout of every store it opens: an older one is refused with the command that upgrades
 * it (`eonjena migrate --store DIR`), a newer one with "written by a newer eonjena".
 * eo_layout_migrate upgrades in place, step by step, in ONE write transaction: the store
 * is either all upgraded or untouched.
 *
 * The layouts:
 *   1  before layouts were recorded: offers in their own tree, one journal per case.
 *      Not migrated (nothing reads it any more).
 *   2  offers next to their case, one appended journal (m.meta "layout" = 2). The input
 *      log held C structs: a carer load as eo_carer_t, the matcher's configuration as
 *      eo_cases_config_t, so any change to either would have misread old logs.
 *   3  the input log's carers and configuration are protobuf messages
 *      (proto/inputs.proto); the layout is kept in eo.meta "layout" for every role's
 *      store, not only the matcher's.
 *   4  a carer's m.coffers entries carry their offers' codes (start, end, code, id), so
 *      picking a new offer's code reads no offer. A store of layout 3 may still be
 *      opened read-only (`eonjena check`, the source of `eonjena replay`): neither reads
 *      m.coffers.
 *   5  every row of sms.msgs, sms.offers and sms.won carries when the sms role booked it
 *      (Event.at_ms), for its daily retention (sms/retention_days); rows of older stores
 *      are stamped with the time of the upgrade. Layouts 3 and 4 may be opened read-only. */
#ifndef EO_LAYOUT_H
#define EO_LAYOUT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "eo_store.h"

#define EO_LAYOUT 5

/* The layout of the store txn reads: 0 for a new, empty one. */
int eo_layout_read(MDB_txn *txn, uint32_t *layout);
/* At open (eo_store_new): stamp a new store (unless read-only), accept the current
 * layout, refuse any other with what to do (logged). EO_OK or EO_ESTORE. */
int eo_layout_check(eo_store_t *store);
/* Upgrade the store to EO_LAYOUT in one write transaction. *from gets the layout it had,
 * *changed the records rewritten. EO_OK (also when it was current already); EO_EINVAL
 * for a layout that cannot be upgraded, with why. Nothing else may have it open. */
int eo_layout_migrate(eo_store_t *store, uint32_t *from, size_t *changed, char *why,
                      size_t whylen);

/* The steps, each in the folder whose records it rewrites: from layout N to N + 1, in
 * the caller's write transaction. */
int eo_cases_migrate_2(MDB_txn *txn, size_t *changed, char *why, size_t whylen);
int eo_cases_migrate_3(MDB_txn *txn, size_t *changed, char *why, size_t whylen);
int eo_sms_migrate_4(MDB_txn *txn, size_t *changed, char *why, size_t whylen);

#endif
