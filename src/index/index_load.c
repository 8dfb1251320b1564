/* index_load.c: bulk load of an empty index (see eo_index_load in eo_index.h).
 *
 * n puts into the per-(dong, block) lists land at random places in thousands of sorted
 * lists; here every database is written in key order with MDB_APPEND / MDB_APPENDDUP,
 * so LMDB only ever fills the last page. */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "index_priv.h"

/* Writes per transaction when the load manages its own: LMDB keeps a transaction's
 * dirty pages in a sorted list and spills past 128 Ki pages, which makes one 1.5 GB
 * transaction several times slower than many small ones. */
static size_t s_chunk = 100000;

void eo_index_load_chunk(size_t writes)
{
    s_chunk = writes ? writes : 100000;
}

typedef struct s_load_t s_load_t;
struct s_load_t {
    eo_index_t *self;
    MDB_txn *txn;
    eo_store_t *store; /* NULL: the caller's transaction, never ended here */
    size_t pending;
    bool committed; /* a chunk was committed: a failure must undo it */
    const eo_carer_t *carers;
    const uint32_t *week_min, *month_min;
    size_t n;
    eo_time_t t;
};

static int s_append(s_load_t *l, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags,
                    const char *what)
{
    int rc = mdb_put(l->txn, dbi, k, v, flags);
    if (rc) return eo_store_fail(what, rc);
    /* Appends continue across transactions: they only compare with the last key. */
    if (l->store && ++l->pending >= s_chunk) {
        l->pending = 0;
        l->committed = true;
        if ((rc = eo_store_commit(l->store, &l->txn)) ||
            (rc = eo_store_begin(l->store, true, &l->txn)))
            return rc;
    }
    return EO_OK;
}

static int s_validate(s_load_t *l)
{
    MDB_stat st;
    int rc = mdb_stat(l->txn, l->self->carers, &st);
    if (rc) return eo_store_fail("carer stat", rc);
    if (st.ms_entries) return EO_EEXIST;
    for (size_t i = 0; i < l->n; i++) {
        char why[96];
        const eo_carer_t *c = &l->carers[i];
        if (eo_carer_validate(c, l->self->dongs, why, sizeof why) ||
            (i && c->id <= l->carers[i - 1].id) || l->week_min[i] > 7 * 24 * 60 ||
            (l->month_min && l->month_min[i] > 31 * 24 * 60)) {
            zsys_warning("index: load: carer %u refused: %s", c->id,
                         i && c->id <= l->carers[i - 1].id ? "ids not ascending" : why);
            return EO_EINVAL;
        }
    }
    return EO_OK;
}

/* Records and minutes, in id order (the minutes key starts with the id; 'M' < 'W'). */
static int s_records(s_load_t *l)
{
    eo_rec_t rec;
    int32_t week = eo_iso_week(l->t), month = eo_month_key(l->t);
    int rc = EO_OK;
    for (size_t i = 0; i < l->n && rc == EO_OK; i++) {
        eo_rec_make(&rec, &l->carers[i]);
        rec.listed_min = l->week_min[i]; /* s_lists keys the entries by it */
        uint8_t kb[4];
        eo_be32_put(kb, rec.carer.id);
        MDB_val k = {4, kb}, v = {sizeof rec, &rec};
        rc = s_append(l, l->self->carers, &k, &v, MDB_APPEND, "carer append");
        uint32_t m = l->month_min ? l->month_min[i] : 0, w = l->week_min[i];
        uint8_t mk[9];
        MDB_val k2 = {sizeof mk, mk};
        if (rc == EO_OK && m) {
            eo_min_key(mk, rec.carer.id, 'M', month);
            MDB_val v2 = {sizeof m, &m};
            rc = s_append(l, l->self->state, &k2, &v2, MDB_APPEND, "carer_min append");
        }
        if (rc == EO_OK && w) {
            eo_min_key(mk, rec.carer.id, 'W', week);
            MDB_val v2 = {sizeof w, &w};
            rc = s_append(l, l->self->state, &k2, &v2, MDB_APPEND, "carer_min append");
        }
    }
    return rc;
}

static const eo_carer_t *s_sort_carers;
static int s_cmp_phone(const void *a, const void *b)
{
    return strcmp(s_sort_carers[*(const uint32_t *)a].phone,
                  s_sort_carers[*(const uint32_t *)b].phone);
}

static int s_phones(s_load_t *l, uint32_t *order)
{
    for (size_t i = 0; i < l->n; i++)
        order[i] = (uint32_t)i;
    /* qsort has no context argument; the load runs in one thread at a time. */
    s_sort_carers = l->carers;
    qsort(order, l->n, sizeof *order, s_cmp_phone);
    int rc = EO_OK;
    for (size_t i = 0; i < l->n && rc == EO_OK; i++) {
        const eo_carer_t *c = &l->carers[order[i]];
        if (i && streq(c->phone, l->carers[order[i - 1]].phone)) return EO_EEXIST;
        MDB_val k = {strlen(c->phone), (void *)c->phone}, v = {sizeof c->id, (void *)&c->id};
        rc = s_append(l, l->self->phones, &k, &v, MDB_APPEND, "carer_phone append");
    }
    return rc;
}

static int s_cmp_entry(const void *a, const void *b)
{
    return memcmp(a, b, 8);
}

/* The lists, dong by dong in code order, block by block: the key order. */
static int s_lists(s_load_t *l)
{
    const eo_dongs_t *dongs = l->self->dongs;
    size_t nd = eo_dongs_count(dongs);
    const eo_dong_t *first = eo_dongs_at(dongs, 0);
    /* Carers per dong (counting sort of carer indices by dong position). */
    uint32_t *start = calloc(nd + 1, sizeof *start);
    size_t total = 0;
    for (size_t i = 0; start && i < l->n; i++)
        if (eo_carer_listed(&l->carers[i]))
            for (int j = 0; j < l->carers[i].n_dongs; j++, total++)
                start[eo_dongs_find(dongs, l->carers[i].dongs[j]) - first + 1]++;
    uint32_t *by_dong = malloc((total + 1) * sizeof *by_dong);
    uint32_t *fill = calloc(nd + 1, sizeof *fill);
    eo_entry_t *buf = NULL;
    uint32_t *list_buf = NULL;
    int rc = start && by_dong && fill ? EO_OK : EO_ENOMEM;
    if (rc == EO_OK) {
        for (size_t d = 0; d < nd; d++)
            start[d + 1] += start[d];
        uint32_t biggest = 0;
        for (size_t d = 0; d < nd; d++)
            if (start[d + 1] - start[d] > biggest) biggest = start[d + 1] - start[d];
        for (size_t i = 0; i < l->n; i++)
            if (eo_carer_listed(&l->carers[i]))
                for (int j = 0; j < l->carers[i].n_dongs; j++) {
                    size_t d = (size_t)(eo_dongs_find(dongs, l->carers[i].dongs[j]) - first);
                    by_dong[start[d] + fill[d]++] = (uint32_t)i;
                }
        buf = malloc((biggest + 1) * sizeof *buf);
        list_buf = malloc((biggest + 1) * sizeof *list_buf);
        if (!buf || !list_buf) rc = EO_ENOMEM;
    }
    eo_rec_t rec;
    for (size_t d = 0; rc == EO_OK && d < nd; d++) {
        /* The dong's entries, made once and sorted once: each list is a filter of
         * them, so it comes out sorted. */
        size_t m = 0;
        for (uint32_t x = start[d]; x < start[d + 1]; x++) {
            uint32_t i = by_dong[x];
            eo_rec_make(&rec, &l->carers[i]);
            eo_entry_make(&rec, l->week_min[i], &buf[m++]);
        }
        qsort(buf, m, sizeof *buf, s_cmp_entry);
        /* Lists in ascending key order, as appends need. */
        for (int y = 0; rc == EO_OK && y < EO_LIST_COUNT; y++) {
            int list = eo_list_at(y);
            size_t in = 0;
            for (size_t x = 0; x < m; x++)
                if (eo_list_has(list, buf[x].avail)) list_buf[in++] = (uint32_t)x;
            size_t key = eo_list_key(eo_dongs_at(dongs, d)->code, list);
            for (size_t x = 0; x < in && rc == EO_OK; x++) {
                MDB_val k = {sizeof key, &key}, v = {sizeof buf[0], &buf[list_buf[x]]};
                rc = s_append(l, l->self->lists, &k, &v, MDB_APPENDDUP, "carer_list append");
            }
        }
    }
    free(buf);
    free(list_buf);
    free(fill);
    free(by_dong);
    free(start);
    return rc;
}

/* Validate, then append everything; l->txn may be replaced when l->store is set. */
static int s_load(s_load_t *l)
{
    if (!l->carers || !l->week_min || l->n > UINT32_MAX) return EO_EINVAL;
    int rc = s_validate(l);
    if (rc) return rc;
    uint32_t *order = malloc((l->n + 1) * sizeof *order);
    if (!order) return EO_ENOMEM;
    /* The minutes table may hold rows of other weeks (set before the carers came). */
    MDB_stat st;
    rc = mdb_stat(l->txn, l->self->state, &st);
    if (rc)
        rc = eo_store_fail("carer_min stat", rc);
    else if (st.ms_entries)
        rc = EO_EEXIST;
    if (rc == EO_OK) rc = eo_index_set_week(l->self, l->txn, l->t);
    if (rc == EO_OK) rc = s_records(l);
    if (rc == EO_OK) rc = s_phones(l, order);
    if (rc == EO_OK) rc = s_lists(l);
    free(order);
    eo_index_counts_reset(l->self);
    return rc;
}

int eo_index_load(eo_index_t *self, MDB_txn *txn, const eo_carer_t *carers,
                  const uint32_t *week_min, const uint32_t *month_min, size_t n, eo_time_t t)
{
    s_load_t l = {.self = self,
                  .txn = txn,
                  .carers = carers,
                  .week_min = week_min,
                  .month_min = month_min,
                  .n = n,
                  .t = t};
    return s_load(&l);
}

/* Undo a partial chunked load: the index was empty, so empty it again. */
static void s_unload(eo_index_t *self, eo_store_t *store)
{
    MDB_txn *txn = NULL;
    MDB_dbi dbis[5] = {self->carers, self->lists, self->state, self->phones, self->meta};
    int rc = eo_store_begin(store, true, &txn);
    for (int i = 0; rc == EO_OK && i < 5; i++)
        if ((rc = mdb_drop(txn, dbis[i], 0))) rc = eo_store_fail("load undo", rc);
    if (rc == EO_OK) rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    if (rc) zsys_error("index: a failed bulk load could not be undone: the store is partial");
    eo_index_counts_reset(self);
}

int eo_index_load_store(eo_index_t *self, eo_store_t *store, const eo_carer_t *carers,
                        const uint32_t *week_min, const uint32_t *month_min, size_t n,
                        eo_time_t t)
{
    s_load_t l = {.self = self,
                  .store = store,
                  .carers = carers,
                  .week_min = week_min,
                  .month_min = month_min,
                  .n = n,
                  .t = t};
    int rc = eo_store_begin(store, true, &l.txn);
    if (rc) return rc;
    rc = s_load(&l);
    if (rc == EO_OK) rc = eo_store_commit(store, &l.txn);
    eo_store_abort(&l.txn);
    if (rc && l.committed) s_unload(self, store);
    return rc;
}
