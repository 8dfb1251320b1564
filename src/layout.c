/* layout.c: the store's layout number, checked at open, and the upgrades (see
 * eo_layout.h). */
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_layout.h"

static const MDB_val s_key = {6, "layout"};

/* A database of txn's environment, if it exists (never created here). */
static int s_dbi(MDB_txn *txn, const char *name, MDB_dbi *dbi)
{
    return mdb_dbi_open(txn, name, 0, dbi);
}

static uint32_t s_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A store written before layout 3: its layout is told by what it holds. */
static int s_legacy(MDB_txn *txn, uint32_t *layout)
{
    MDB_dbi meta, cases, main_dbi;
    MDB_val v;
    MDB_stat st;
    int rc = s_dbi(txn, "m.meta", &meta);
    if (rc == 0 && (rc = mdb_get(txn, meta, (MDB_val *)&s_key, &v)) == 0) {
        *layout = v.mv_size == 4 ? s_be32(v.mv_data) : 1;
        return EO_OK;
    }
    if (rc && rc != MDB_NOTFOUND) return eo_store_fail("layout", rc);
    /* cases without a recorded layout: layout 1 */
    if ((rc = s_dbi(txn, "m.cases", &cases)) == 0 && (rc = mdb_stat(txn, cases, &st)) == 0 &&
        st.ms_entries > 0) {
        *layout = 1;
        return EO_OK;
    }
    if (rc && rc != MDB_NOTFOUND) return eo_store_fail("layout", rc);
    /* anything at all (another role's trees): written before layout 3 */
    if ((rc = mdb_dbi_open(txn, NULL, 0, &main_dbi)) || (rc = mdb_stat(txn, main_dbi, &st)))
        return eo_store_fail("layout", rc);
    *layout = st.ms_entries > 0 ? 2 : 0;
    return EO_OK;
}

int eo_layout_read(MDB_txn *txn, uint32_t *layout)
{
    MDB_dbi meta;
    MDB_val v;
    int rc = s_dbi(txn, "eo.meta", &meta);
    if (rc == MDB_NOTFOUND) return s_legacy(txn, layout);
    if (rc == 0 && (rc = mdb_get(txn, meta, (MDB_val *)&s_key, &v)) == 0 && v.mv_size == 4) {
        *layout = s_be32(v.mv_data);
        return EO_OK;
    }
    return eo_store_fail("layout", rc ? rc : MDB_CORRUPTED);
}

/* Write the current layout (txn writable). */
static int s_stamp(MDB_txn *txn)
{
    MDB_dbi meta;
    uint8_t buf[4] = {EO_LAYOUT >> 24 & 0xff, EO_LAYOUT >> 16 & 0xff, EO_LAYOUT >> 8 & 0xff,
                      EO_LAYOUT & 0xff};
    MDB_val v = {4, buf};
    int rc = mdb_dbi_open(txn, "eo.meta", MDB_CREATE, &meta);
    if (rc == 0) rc = mdb_put(txn, meta, (MDB_val *)&s_key, &v, 0);
    return rc ? eo_store_fail("layout", rc) : EO_OK;
}

/* What a read-only open may look at: a new store, and layouts 3 and 4, whose only
 * differences (m.coffers without codes, sms rows without their time) are in what no
 * read-only user reads. */
static bool s_readable(uint32_t layout)
{
    return layout == 0 || layout == 3 || layout == 4;
}

int eo_layout_check(eo_store_t *store)
{
    MDB_txn *txn = NULL;
    uint32_t layout = 0;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK) rc = eo_layout_read(txn, &layout);
    eo_store_abort(&txn);
    if (rc) return rc;
    const char *dir = eo_store_dir(store);
    if (layout == EO_LAYOUT || (s_readable(layout) && eo_store_readonly(store))) return EO_OK;
    if (layout == 0) { /* a new store */
        if ((rc = eo_store_begin(store, true, &txn)) == EO_OK && (rc = s_stamp(txn)) == EO_OK)
            rc = eo_store_commit(store, &txn);
        eo_store_abort(&txn);
        return rc;
    }
    if (layout > EO_LAYOUT)
        zsys_error("store: %s has layout %u, written by a newer eonjena; this build reads "
                   "layout %d: run the newer build (docs/operations.md \"Upgrades\")",
                   dir, layout, EO_LAYOUT);
    else if (layout == 1)
        zsys_error("store: %s has layout 1 (before layouts were recorded), which no "
                   "migration reads: keep it for reference and start a new store",
                   dir);
    else
        zsys_error("store: %s has layout %u; this build reads layout %d: stop every "
                   "process that uses it, back it up (eonjena backup --store %s --to DIR) "
                   "and run `eonjena migrate --store %s` (docs/operations.md \"Upgrades\")",
                   dir, layout, EO_LAYOUT, dir, dir);
    return EO_ESTORE;
}

typedef int (*s_step_fn)(MDB_txn *txn, size_t *changed, char *why, size_t whylen);

/* The step from layout N (its index + 2) to N + 1. */
static const s_step_fn s_steps[EO_LAYOUT - 2] = {
    eo_cases_migrate_2, /* 2 -> 3: the input log's carers and configuration as protobuf */
    eo_cases_migrate_3, /* 3 -> 4: m.coffers entries carry their offers' codes */
    eo_sms_migrate_4,   /* 4 -> 5: sms rows carry when they were booked */
};

int eo_layout_migrate(eo_store_t *store, uint32_t *from, size_t *changed, char *why,
                      size_t whylen)
{
    MDB_txn *txn = NULL;
    *changed = 0;
    int rc = eo_store_begin(store, true, &txn);
    if (rc == EO_OK) rc = eo_layout_read(txn, from);
    if (rc == EO_OK && (*from == 1 || *from > EO_LAYOUT)) {
        snprintf(why, whylen, "layout %u cannot be upgraded to %d (%s)", *from, EO_LAYOUT,
                 *from == 1 ? "no migration reads layout 1" : "a newer eonjena wrote it");
        rc = EO_EINVAL;
    }
    for (uint32_t at = *from < 2 ? 2 : *from; rc == EO_OK && *from && at < EO_LAYOUT; at++)
        rc = s_steps[at - 2](txn, changed, why, whylen);
    if (rc == EO_OK && *from != EO_LAYOUT) rc = s_stamp(txn);
    if (rc == EO_OK) rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    return rc;
}
