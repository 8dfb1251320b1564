/* index_rekey.c: the re-key (eo_index_rekey_step; docs/index.md "The re-key"). The
 * lists move to a new reference week in bounded steps, each in the caller's write
 * transaction, with its progress in index_meta "rekey", and every answer given
 * meanwhile is exact: queries read the lists whole until the last step.
 *
 * Why three phases and not carer by carer: a carer's ~35 entries lie at random places
 * of carer_list, so a step of a few thousand carers dirties most of its pages, and
 * every step writes them all again (at 100 k carers, 50 steps of 2,000 would write the
 * 140 MB table fifty times over). Rewriting each list whole writes each page once per
 * re-key, however small the steps; the lists then need each carer's new key fixed
 * beforehand, in one place every list can find (phase 1, a 'T' row beside its
 * minutes), and moved into its record afterwards (phase 3). Phases 1 and 3 walk
 * "carer" and "carer_state" in key order: a page written once per step. */
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "index_priv.h"

/* --- the state in index_meta and the 'T' rows ------------------------------------------ */

int eo_index_rekey_get(eo_index_t *self, MDB_txn *txn, eo_rekey_t *rk)
{
    MDB_val k = {5, "rekey"}, v;
    memset(rk, 0, sizeof *rk);
    int rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc) return eo_store_fail("index_meta get", rc);
    if (v.mv_size != sizeof *rk) return eo_store_fail("index_meta rekey", MDB_CORRUPTED);
    memcpy(rk, v.mv_data, sizeof *rk);
    if (rk->phase < EO_REKEY_KEYS || rk->phase > EO_REKEY_RECORDS || !rk->target) {
        memset(rk, 0, sizeof *rk);
        return eo_store_fail("index_meta rekey", MDB_CORRUPTED);
    }
    return EO_OK;
}

int eo_index_rekey_put(eo_index_t *self, MDB_txn *txn, const eo_rekey_t *rk)
{
    MDB_val k = {5, "rekey"}, v = {sizeof *rk, (void *)rk};
    int rc = rk && rk->target ? mdb_put(txn, self->meta, &k, &v, 0)
                              : mdb_del(txn, self->meta, &k, NULL);
    if (rc && !(rc == MDB_NOTFOUND && !(rk && rk->target)))
        return eo_store_fail("index_meta rekey", rc);
    return EO_OK;
}

static MDB_val s_tkey_key(uint8_t kb[5], uint32_t id)
{
    eo_be32_put(kb, id);
    kb[4] = 'T';
    return (MDB_val){5, kb};
}

int eo_index_tkey_get(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t *min,
                      uint32_t *book)
{
    uint8_t kb[5];
    MDB_val k = s_tkey_key(kb, id), v;
    eo_tkey_t t;
    int rc = mdb_get(txn, self->state, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("carer_state T get", rc);
    if (v.mv_size != sizeof t) return eo_store_fail("carer_state T get", MDB_CORRUPTED);
    memcpy(&t, v.mv_data, sizeof t);
    *min = t.min;
    *book = t.book;
    return EO_OK;
}

int eo_index_tkey_put(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t min, uint32_t book)
{
    uint8_t kb[5];
    eo_tkey_t t = {min, book};
    MDB_val k = s_tkey_key(kb, id), v = {sizeof t, &t};
    int rc = mdb_put(txn, self->state, &k, &v, 0);
    return rc ? eo_store_fail("carer_state T put", rc) : EO_OK;
}

int eo_index_tkey_del(eo_index_t *self, MDB_txn *txn, uint32_t id)
{
    uint8_t kb[5];
    MDB_val k = s_tkey_key(kb, id);
    int rc = mdb_del(txn, self->state, &k, NULL);
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("carer_state T del", rc) : EO_OK;
}

int eo_index_rekey_state(eo_index_t *self, MDB_txn *txn, eo_time_t *target, int *phase,
                         uint64_t *cursor)
{
    eo_rekey_t rk;
    int rc = eo_index_rekey_get(self, txn, &rk);
    *target = rk.target;
    if (phase) *phase = (int)rk.phase;
    if (cursor) *cursor = rk.cursor;
    return rc;
}

/* --- the phases ------------------------------------------------------------------ */

/* Position an open cursor on "carer" at the first carer whose id is rk->cursor or
 * more; MDB_NOTFOUND past the last. */
static int s_carer_first(const eo_rekey_t *rk, MDB_cursor *cur, MDB_val *k, MDB_val *v)
{
    if (rk->cursor > UINT32_MAX) return MDB_NOTFOUND;
    uint8_t kb[4];
    eo_be32_put(kb, (uint32_t)rk->cursor);
    *k = (MDB_val){4, kb}; /* LMDB points k at the key found */
    return mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
}

/* Phase 1: fix each carer's key for the target week, its minutes less those of the
 * bookings it holds, and its bookings count now, in its 'T' row, and mark it moved if
 * that key is below its minutes, else clear the mark: from now on the mark says "the
 * 'T' key may be below the minutes", which is what it must say of the lists after
 * phase 2. Until the re-key ends no query trusts a mark or a key (index_query.c). */
static int s_keys(eo_index_t *self, MDB_txn *txn, eo_rekey_t *rk, size_t *budget)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, self->carers, &cur), result = EO_OK;
    if (rc) return eo_store_fail("rekey carer cursor", rc);
    int32_t week = eo_iso_week(rk->target);
    for (rc = s_carer_first(rk, cur, &k, &v); rc == 0 && *budget;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 4) {
            rc = MDB_CORRUPTED;
            break;
        }
        uint32_t id = eo_be32_get(k.mv_data), min, book, rows;
        if ((result = eo_index_minutes(self, txn, id, 'W', week, &min)) ||
            (result = eo_index_booking_count(self, txn, id, &book)) ||
            (result = eo_index_booked_rows(self, txn, id, 'W', week, &rows)))
            break;
        /* the key leaves out the minutes of the bookings held: a release lowers the
         * minutes by no more than those, so the key stays a lower bound and the release
         * leaves the lists alone (eo_index_unbook), as the booking did; such a carer
         * stays marked, as a booking leaves it */
        uint32_t key = min > rows ? min - rows : 0;
        if ((result = eo_index_tkey_put(self, txn, id, key, book)) ||
            (result = key < min ? eo_index_moved_mark(self, txn, id)
                                : eo_index_moved_clear(self, txn, id)))
            break;
        rk->cursor = (uint64_t)id + 1;
        (*budget)--;
    }
    mdb_cursor_close(cur);
    if (result) return result;
    if (rc == MDB_NOTFOUND) {
        rk->phase = EO_REKEY_LISTS;
        rk->cursor = 0;
        return EO_OK;
    }
    return rc ? eo_store_fail("rekey carer cursor", rc) : EO_OK;
}

/* A list's entries, read or made. */
typedef struct {
    eo_entry_t *e;
    size_t n, cap;
} s_entries_t;

static int s_entries_fit(s_entries_t *b, size_t n)
{
    if (n <= b->cap) return EO_OK;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < n)
        cap *= 2;
    eo_entry_t *p = realloc(b->e, cap * sizeof *p);
    if (!p) return EO_ENOMEM;
    b->e = p;
    b->cap = cap;
    return EO_OK;
}

/* Append a page of entries to b (at most `count` in all). */
static int s_entries_add(s_entries_t *b, const MDB_val *v, size_t count)
{
    size_t n = v->mv_size / sizeof(eo_entry_t);
    if (v->mv_size % sizeof(eo_entry_t) || b->n + n > count)
        return eo_store_fail("rekey carer_list read", MDB_CORRUPTED);
    memcpy(b->e + b->n, v->mv_data, v->mv_size);
    b->n += n;
    return EO_OK;
}

/* Read the entries of the list at the cursor (placed by MDB_SET_RANGE, which gave its
 * first entry in v) into b. */
static int s_list_dups(MDB_cursor *cur, MDB_val v, s_entries_t *b)
{
    MDB_val k;
    size_t count = 0;
    int rc = mdb_cursor_count(cur, &count);
    if (rc) return eo_store_fail("rekey carer_list count", rc);
    if (s_entries_fit(b, count)) return EO_ENOMEM;
    if (count == 1) /* a lone entry is no sub-database: MDB_GET_MULTIPLE gives nothing */
        return s_entries_add(b, &v, count);
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE))
        result = s_entries_add(b, &v, count);
    if (result) return result;
    /* MDB_NOTFOUND: past this list's last entry */
    if (rc != MDB_NOTFOUND || b->n != count)
        return eo_store_fail("rekey carer_list read", rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc);
    return EO_OK;
}

/* The first list whose key is *key or more, whole, into b, and its key into *key;
 * EO_ENOTFOUND past the last list. */
static int s_list_read(eo_index_t *self, MDB_txn *txn, size_t *key, s_entries_t *b)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->lists, &cur);
    if (rc) return eo_store_fail("rekey carer_list cursor", rc);
    MDB_val k = {sizeof *key, key}, v;
    b->n = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size != sizeof *key) rc = MDB_CORRUPTED;
    if (rc == 0) {
        memcpy(key, k.mv_data, sizeof *key);
        rc = s_list_dups(cur, v, b);
    } else
        rc = rc == MDB_NOTFOUND ? EO_ENOTFOUND : eo_store_fail("rekey carer_list get", rc);
    mdb_cursor_close(cur);
    return rc;
}

static int s_cmp_entry(const void *a, const void *b)
{
    return memcmp(a, b, 8);
}

/* The 'T' rows a step has read: a carer is in up to 168 lists of each dong it prefers,
 * and a step rewrites a dong's lists one after the other. Direct-mapped by id; a row
 * cannot change during the step (phase 2 writes none). */
#define S_TCACHE 16384
typedef struct {
    uint32_t id, min, book; /* id 0: empty */
} s_tcache_t;

static int s_tkey_cached(eo_index_t *self, MDB_txn *txn, s_tcache_t *cache, uint32_t id,
                         uint32_t *min, uint32_t *book)
{
    s_tcache_t *slot = &cache[(id * 2654435761u) % S_TCACHE];
    if (slot->id != id) {
        int rc = eo_index_tkey_get(self, txn, id, &slot->min, &slot->book);
        if (rc) {
            slot->id = 0;
            /* every listed carer has one from phase 1 on (a put writes one too) */
            return rc == EO_ENOTFOUND ? eo_store_fail("carer_state T get", MDB_CORRUPTED) : rc;
        }
        slot->id = id;
    }
    *min = slot->min;
    *book = slot->book;
    return EO_OK;
}

/* Rewrite list `key` (its entries in b, in their order) with its carers' 'T' keys, if
 * any entry changes: delete it, append it sorted. */
static int s_list_rekey(eo_index_t *self, MDB_txn *txn, size_t key, s_entries_t *b,
                        s_entries_t *out, s_tcache_t *cache)
{
    if (!b->n) return EO_OK; /* an empty list has nothing to move */
    int rc = s_entries_fit(out, b->n);
    if (rc) return rc;
    out->n = b->n;
    for (size_t i = 0; i < b->n; i++) {
        uint32_t id = eo_be32_get(b->e[i].id_be), min = 0, book = 0;
        out->e[i] = b->e[i];
        if ((rc = s_tkey_cached(self, txn, cache, id, &min, &book))) return rc;
        eo_entry_key(&out->e[i], min, book);
    }
    qsort(out->e, out->n, sizeof *out->e, s_cmp_entry);
    if (memcmp(out->e, b->e, b->n * sizeof *b->e) == 0)
        return EO_OK; /* nothing moved (no minutes in either week, say): no page written */
    MDB_val k = {sizeof key, &key};
    if ((rc = mdb_del(txn, self->lists, &k, NULL)))
        return eo_store_fail("rekey carer_list del", rc);
    /* all of them in one call, each appended after the last (they are sorted) */
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, self->lists, &cur)))
        return eo_store_fail("rekey carer_list cursor", rc);
    MDB_val v[2] = {{sizeof *out->e, out->e}, {out->n, NULL}};
    rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE | MDB_APPENDDUP);
    mdb_cursor_close(cur);
    if (rc == 0 && v[1].mv_size != out->n) rc = MDB_CORRUPTED;
    return rc ? eo_store_fail("rekey carer_list put", rc) : EO_OK;
    /* as many entries as before: the count hints hold */
}

/* Phase 2: every list, in key order, rewritten whole with the 'T' keys. */
static int s_lists(eo_index_t *self, MDB_txn *txn, eo_rekey_t *rk, size_t *budget)
{
    s_entries_t b = {0}, out = {0};
    s_tcache_t *cache = calloc(S_TCACHE, sizeof *cache);
    int rc = cache ? EO_OK : EO_ENOMEM;
    while (rc == EO_OK && *budget) {
        size_t key = (size_t)rk->cursor;
        rc = s_list_read(self, txn, &key, &b);
        if (rc == EO_ENOTFOUND) {
            rk->phase = EO_REKEY_RECORDS;
            rk->cursor = 0;
            rc = EO_OK;
            break;
        }
        if (rc == EO_OK) rc = s_list_rekey(self, txn, key, &b, &out, cache);
        if (rc == EO_OK) {
            size_t units = (b.n + EO_INDEX_REKEY_ENTRIES - 1) / EO_INDEX_REKEY_ENTRIES;
            *budget = units < *budget ? *budget - units : 0;
            rk->cursor = (uint64_t)key + 1;
        }
    }
    free(b.e);
    free(out.e);
    free(cache);
    return rc;
}

/* Phase 3: each record takes its carer's 'T' key and the row goes; past the last
 * carer the target week is the reference week. */
static int s_records(eo_index_t *self, MDB_txn *txn, eo_rekey_t *rk, size_t *budget)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, self->carers, &cur), result = EO_OK;
    if (rc) return eo_store_fail("rekey carer cursor", rc);
    for (rc = s_carer_first(rk, cur, &k, &v); rc == 0 && *budget;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        eo_rec_t rec;
        if (k.mv_size != 4 || v.mv_size != sizeof rec) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(&rec, v.mv_data, sizeof rec);
        uint32_t id = rec.carer.id, min, book;
        result = eo_index_tkey_get(self, txn, id, &min, &book);
        if (result == EO_ENOTFOUND) result = eo_store_fail("carer_state T get", MDB_CORRUPTED);
        if (result) break;
        if (rec.listed_min != min || rec.listed_book != book) {
            rec.listed_min = min;
            rec.listed_book = book;
            if ((rc = mdb_cursor_put(cur, &k, &(MDB_val){sizeof rec, &rec}, MDB_CURRENT)))
                break;
        }
        if ((result = eo_index_tkey_del(self, txn, id))) break;
        rk->cursor = (uint64_t)id + 1;
        (*budget)--;
    }
    mdb_cursor_close(cur);
    if (result) return result;
    if (rc == MDB_NOTFOUND) {
        if ((result = eo_index_ref_week_put(self, txn, rk->target))) return result;
        memset(rk, 0, sizeof *rk); /* done */
        return EO_OK;
    }
    return rc ? eo_store_fail("rekey carer cursor", rc) : EO_OK;
}

/* --- steps ----------------------------------------------------------------------- */

typedef struct {
    bool started, finished;
    eo_time_t from, to; /* the reference week before, the target */
    int phase;          /* after the step (0: none under way) */
} s_step_t;

static int s_step(eo_index_t *self, MDB_txn *txn, eo_time_t now, size_t budget, bool *busy,
                  s_step_t *what)
{
    eo_rekey_t rk;
    eo_time_t ref, week = eo_week_start(now);
    memset(what, 0, sizeof *what);
    *busy = false;
    int rc = eo_index_rekey_get(self, txn, &rk);
    if (rc == EO_OK) rc = eo_index_ref_week(self, txn, &ref);
    if (rc) return rc;
    what->from = ref;
    if (!rk.target) {
        if (ref == week) return EO_OK;
        if (!ref) /* no minutes recorded yet: every key is 0, exact in any week */
            return eo_index_ref_week_put(self, txn, week);
        rk = (eo_rekey_t){.target = week, .phase = EO_REKEY_KEYS};
        what->started = true;
    }
    what->to = rk.target;
    size_t left = budget ? budget : 1;
    while (rc == EO_OK && rk.target && left) {
        if (rk.phase == EO_REKEY_KEYS)
            rc = s_keys(self, txn, &rk, &left);
        else if (rk.phase == EO_REKEY_LISTS)
            rc = s_lists(self, txn, &rk, &left);
        else
            rc = s_records(self, txn, &rk, &left);
    }
    if (rc == EO_OK) rc = eo_index_rekey_put(self, txn, &rk);
    if (rc) return rc;
    what->finished = !rk.target;
    what->phase = (int)rk.phase;
    /* more: this re-key, or the next (the clock moved on a week meanwhile) */
    *busy = rk.target || what->to != week;
    return EO_OK;
}

int eo_index_rekey_step(eo_index_t *self, MDB_txn *txn, eo_time_t now, size_t budget,
                        bool *busy)
{
    s_step_t what;
    return s_step(self, txn, now, budget, busy, &what);
}

/* Is a step due: a re-key under way, or now in another week than the reference? */
static int s_due(eo_index_t *self, eo_store_t *store, eo_time_t now, bool *due)
{
    MDB_txn *txn = NULL;
    eo_rekey_t rk;
    eo_time_t ref = 0;
    int rc = eo_store_begin(store, false, &txn);
    if (rc == EO_OK && (rc = eo_index_rekey_get(self, txn, &rk)) == EO_OK)
        rc = eo_index_ref_week(self, txn, &ref);
    eo_store_abort(&txn);
    *due = rc == EO_OK && (rk.target || ref != eo_week_start(now));
    return rc;
}

int eo_index_rekey_store(eo_index_t *self, eo_store_t *store, eo_time_t now, size_t budget,
                         bool *busy)
{
    bool due;
    *busy = false;
    int rc = s_due(self, store, now, &due);
    if (rc || !due) return rc;
    MDB_txn *txn = NULL;
    s_step_t what;
    rc = eo_store_begin(store, true, &txn);
    if (rc == EO_OK) rc = s_step(self, txn, now, budget, busy, &what);
    if (rc == EO_OK) rc = eo_store_commit(store, &txn);
    eo_store_abort(&txn);
    if (rc == EO_EFULL) eo_store_grow(store); /* the next step has the room */
    if (rc) {
        *busy = false;
        zsys_error("index: a re-key step failed (%s): tried again later", eo_strerror(rc));
        return rc;
    }
    char from[32], to[32];
    if (what.started)
        zsys_info("index: re-keying the lists from the week of %.10s to that of %.10s",
                  what.from ? eo_time_format(what.from, from, sizeof from) : "(none)",
                  eo_time_format(what.to, to, sizeof to));
    if (what.finished)
        zsys_info("index: the lists are keyed for the week of %.10s (fast path)",
                  eo_time_format(what.to, to, sizeof to));
    return EO_OK;
}
