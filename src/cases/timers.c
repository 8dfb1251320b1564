/* timers.c: durable timers, storage only. One LMDB database keyed due_ms(BE64)
 * seq(BE64) -> case id, so a cursor walks them in due order and equal due times in
 * creation order (seq comes from a persistent counter): a replay of the same inputs fires
 * them in the same order. A case has at most one live timer; its key is kept in the
 * case record. Firing one is an input like any other (inputs.c). */
#include <string.h>

#include "cases_priv.h"

static void s_key(uint8_t *key, int64_t due_ms, uint64_t seq)
{
    eo_be64(key, (uint64_t)due_ms);
    eo_be64(key + 8, seq);
}

int eo_timer_clear(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c)
{
    if (!c->timer_seq) return EO_OK;
    uint8_t key[16];
    s_key(key, c->timer_due_ms, c->timer_seq);
    MDB_val k = {16, key};
    int rc = mdb_del(txn, self->timers, &k, NULL);
    c->timer_due_ms = 0;
    c->timer_seq = 0;
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("del timer", rc) : EO_OK;
}

int eo_timer_set(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int64_t due_ms)
{
    int rc = eo_timer_clear(self, txn, c);
    uint64_t seq;
    if (rc || (rc = eo_meta_next(self, txn, "timer_seq", &seq))) return rc;
    uint8_t key[16];
    s_key(key, due_ms, seq);
    MDB_val k = {16, key}, v = {strlen(c->id), c->id};
    if ((rc = mdb_put(txn, self->timers, &k, &v, MDB_NOOVERWRITE)))
        return eo_store_fail("put timer", rc);
    c->timer_due_ms = due_ms;
    c->timer_seq = seq;
    return EO_OK;
}

int eo_timer_first(eo_cases_t *self, MDB_txn *txn, uint8_t *key, char *id)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->timers, &cur);
    if (rc) return eo_store_fail("timer cursor", rc);
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    if (rc == 0 && (k.mv_size != 16 || v.mv_size >= EO_CASE_ID_MAX)) rc = MDB_CORRUPTED;
    if (rc == 0) {
        memcpy(key, k.mv_data, 16);
        memcpy(id, v.mv_data, v.mv_size);
        id[v.mv_size] = 0;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    return rc ? eo_store_fail("first timer", rc) : EO_OK;
}

int eo_timer_take(eo_cases_t *self, MDB_txn *txn, const uint8_t *key, char *id)
{
    MDB_val k = {16, (void *)key}, v;
    int rc = mdb_get(txn, self->timers, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get timer", rc);
    if (v.mv_size >= EO_CASE_ID_MAX) return eo_store_fail("get timer", MDB_CORRUPTED);
    memcpy(id, v.mv_data, v.mv_size);
    id[v.mv_size] = 0;
    if ((rc = mdb_del(txn, self->timers, &k, NULL))) return eo_store_fail("del timer", rc);
    return EO_OK;
}

int eo_cases_next_due(eo_cases_t *self, MDB_txn *txn, int64_t *due_ms)
{
    uint8_t key[16];
    char id[EO_CASE_ID_MAX];
    int rc = eo_timer_first(self, txn, key, id);
    if (rc == EO_OK) *due_ms = (int64_t)eo_get_be64(key);
    return rc;
}
