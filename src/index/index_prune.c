/* index_prune.c: the index's part of the retention (eo_index_prune): the booked-minute
 * rows of weeks and months that are over. Every booking adds a row per carer, ISO week
 * and month it falls in (carer_state 'W' / 'M'), and nothing else ever deletes one: a
 * node running for years would hold a row per carer and week it ever worked.
 *
 * What still reads a past period's row: `eonjena check`, which compares each booking
 * row's periods with their counters (check.c), and the list keys, lower bounds of the
 * reference week's minutes (a re-key moves them to the new week soon after it begins);
 * the caps and the query read the weeks and months of windows still to come. So a row
 * goes only when its period is over, is not the reference week (nor a re-key's target:
 * eo_index_prune_cut, whose answer the retention records, since a replay does not
 * re-key) and the carer holds no booking row in it: once retention has deleted the bookings of
 * a period (store/retire_days), its counter goes at the next batch, and check compares exactly
 * the periods that still have both. A carer's rows lie side by side ('B' rows before 'M' and
 * 'W'), so one pass in key order sees its bookings before its counters. */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "index_priv.h"

/* The periods a carer's booking rows fall in: at most two weeks and two months each
 * (a window is at most a week long), so its first and last half hour name them. */
typedef struct {
    int32_t (*v)[4]; /* week of the start, week of the end, month of each */
    size_t n, cap;
} s_periods_t;

static int s_periods_add(s_periods_t *p, const MDB_val *v)
{
    eo_span_t span;
    if (v->mv_size != sizeof span) return eo_store_fail("prune booking", MDB_CORRUPTED);
    memcpy(&span, v->mv_data, sizeof span);
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        void *nv = realloc(p->v, cap * sizeof *p->v);
        if (!nv) return EO_ENOMEM;
        p->v = nv, p->cap = cap;
    }
    eo_time_t last = span.end - 30 * EO_MINUTE;
    int32_t *row = p->v[p->n++];
    row[0] = eo_iso_week(span.start), row[1] = eo_iso_week(last);
    row[2] = eo_month_key(span.start), row[3] = eo_month_key(last);
    return EO_OK;
}

static bool s_periods_hold(const s_periods_t *p, char type, int32_t period)
{
    int at = type == 'W' ? 0 : 2;
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i][at] == period || p->v[i][at + 1] == period) return true;
    return false;
}

int eo_index_prune_cut(eo_index_t *self, MDB_txn *txn, eo_time_t now, eo_time_t *before)
{
    eo_time_t ref;
    eo_rekey_t rk;
    *before = now;
    int rc = eo_index_ref_week(self, txn, &ref);
    if (rc == EO_OK) rc = eo_index_rekey_get(self, txn, &rk);
    if (rc) return rc;
    if (ref && ref < *before) *before = ref;
    if (rk.target && rk.target < *before) *before = rk.target;
    return EO_OK;
}

int eo_index_prune(eo_index_t *self, MDB_txn *txn, eo_time_t before, uint32_t max,
                   uint32_t *next, bool *done, size_t *deleted)
{
    const int32_t week = eo_iso_week(before), month = eo_month_key(before);
    s_periods_t periods = {0};
    MDB_cursor *cur;
    *done = false;
    int rc = mdb_cursor_open(txn, self->state, &cur), result = EO_OK;
    if (rc) return eo_store_fail("prune carer_state cursor", rc);
    uint8_t kb[4];
    eo_be32_put(kb, *next);
    MDB_val k = {sizeof kb, kb}, v;
    uint32_t carer = 0, carers = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 5) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint32_t id = eo_be32_get(k.mv_data);
        if (carers == 0 || id != carer) { /* the next carer's rows: a batch ends between */
            if (carers == max) break;
            carers++, carer = id, periods.n = 0;
        }
        char type = ((const char *)k.mv_data)[4];
        if (type == 'B') {
            result = s_periods_add(&periods, &v);
            continue;
        }
        if ((type != 'W' && type != 'M') || k.mv_size != 9) continue;
        int32_t period = (int32_t)eo_be32_get((const uint8_t *)k.mv_data + 5);
        if (period >= (type == 'W' ? week : month) || s_periods_hold(&periods, type, period))
            continue;
        if ((rc = mdb_cursor_del(cur, 0))) break;
        (*deleted)++;
        /* after a delete the cursor stands on the next row, and MDB_NEXT gives it */
    }
    if (rc == 0 && result == EO_OK)
        *next = eo_be32_get(k.mv_data); /* the first carer of the next batch */
    else if (rc == MDB_NOTFOUND)
        *done = true, rc = 0;
    mdb_cursor_close(cur);
    free(periods.v);
    if (result) return result;
    return rc ? eo_store_fail("prune carer_state", rc) : EO_OK;
}
