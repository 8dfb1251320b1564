/* migrate.c: the sms role's part of the layout upgrades (eo_layout.h). */
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_layout.h"

/* Stamp one row (its Event after `skip` bytes) booked at an unknown time with now_ms;
 * a row that does not decode, or has its time, is left. *stamped set if rewritten. */
static int s_stamp_row(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v, size_t skip,
                       int64_t now_ms, bool *stamped)
{
    char err[128];
    *stamped = false;
    Eo__Event *ev = v->mv_size > skip ? eo_event_decode((uint8_t *)v->mv_data + skip,
                                                        v->mv_size - skip, err, sizeof err)
                                      : NULL;
    if (!ev || ev->at_ms) {
        eo_event_free(&ev);
        return EO_OK;
    }
    ev->at_ms = now_ms;
    size_t size;
    uint8_t *body = eo_event_encode(ev, &size);
    uint8_t *rec = body ? malloc(skip + size) : NULL;
    int rc = rec ? EO_OK : EO_ENOMEM;
    if (rec) {
        memcpy(rec, v->mv_data, skip); /* sms.msgs: the state byte */
        memcpy(rec + skip, body, size);
        MDB_val nv = {skip + size, rec};
        if ((rc = mdb_put(txn, dbi, k, &nv, 0))) rc = eo_store_fail("migrate: put sms row", rc);
    }
    free(rec);
    free(body);
    eo_event_free(&ev);
    *stamped = rc == EO_OK;
    return rc;
}

/* The rows of one sms table; absent (not an sms role's store): nothing to do. */
static int s_stamp_table(MDB_txn *txn, const char *name, size_t skip, int64_t now_ms,
                         size_t *changed)
{
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, name, 0, &dbi);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc) return eo_store_fail("migrate sms", rc);
    /* keys first: rows are rewritten after the walk, not under the cursor */
    zlistx_t *keys = zlistx_new();
    zlistx_set_destructor(keys, (zlistx_destructor_fn *)zchunk_destroy);
    MDB_cursor *cur;
    MDB_val k, v;
    if ((rc = mdb_cursor_open(txn, dbi, &cur)) == 0) {
        while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0)
            zlistx_add_end(keys, zchunk_new(k.mv_data, k.mv_size));
        mdb_cursor_close(cur);
    }
    rc = rc == MDB_NOTFOUND ? EO_OK : eo_store_fail("migrate sms walk", rc);
    for (zchunk_t *key = zlistx_first(keys); key && rc == EO_OK; key = zlistx_next(keys)) {
        k = (MDB_val){zchunk_size(key), zchunk_data(key)};
        bool stamped = false;
        if ((rc = mdb_get(txn, dbi, &k, &v)))
            rc = eo_store_fail("migrate sms get", rc);
        else if ((rc = s_stamp_row(txn, dbi, &k, &v, skip, now_ms, &stamped)) == EO_OK &&
                 stamped)
            (*changed)++;
    }
    zlistx_destroy(&keys);
    return rc;
}

/* 4 -> 5: every sms row carries when it was booked (Event.at_ms), which the role's daily
 * retention compares with sms/retention_days. Rows written before stamping (at_ms 0)
 * have no known time: they are stamped with the time of the upgrade, so they go one
 * period after it rather than at once (a recent text's delivery report still finds it). */
int eo_sms_migrate_4(MDB_txn *txn, size_t *changed, char *why, size_t whylen)
{
    (void)why, (void)whylen;
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    int rc = s_stamp_table(txn, "sms.msgs", 1, now_ms, changed);
    if (rc == EO_OK) rc = s_stamp_table(txn, "sms.offers", 0, now_ms, changed);
    if (rc == EO_OK) rc = s_stamp_table(txn, "sms.won", 0, now_ms, changed);
    return rc;
}
