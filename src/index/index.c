/* index.c: carer records, booked minutes, bookings and the per-dong lists the query
 * reads (see eo_index.h and docs/index.md). The query itself is in index_query.c.
 * Every function works inside the caller's transaction and never ends it. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "index_priv.h"

#define S_BOOKING_MAX 200 /* bytes of a booking id */

eo_index_t *eo_index_new(eo_store_t *store, const eo_dongs_t *dongs, const eo_caps_t *caps)
{
    assert(store && dongs && caps);
    eo_index_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->store = store;
    self->dongs = dongs;
    self->caps = *caps;
    pthread_mutex_init(&self->counts_lock, NULL);
    self->counts = calloc(eo_dongs_count(dongs) * EO_LISTS, sizeof *self->counts);
    if (!self->counts) {
        free(self);
        return NULL;
    }
    if (eo_store_dbi(store, "carer", 0, &self->carers) ||
        eo_store_dbi(store, "carer_list", MDB_INTEGERKEY | MDB_DUPSORT | MDB_DUPFIXED,
                     &self->lists) ||
        eo_store_dbi(store, "carer_state", 0, &self->state) ||
        eo_store_dbi(store, "carer_phone", 0, &self->phones) ||
        eo_store_dbi(store, "index_meta", 0, &self->meta)) {
        eo_index_destroy(&self);
        return NULL;
    }
    return self;
}

void eo_index_set_caps(eo_index_t *self, const eo_caps_t *caps)
{
    self->caps = *caps;
}

const eo_caps_t *eo_index_caps(const eo_index_t *self)
{
    return &self->caps;
}

void eo_index_destroy(eo_index_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_index_t *self = *self_p;
    pthread_mutex_destroy(&self->counts_lock);
    free(self->counts);
    free(self);
    *self_p = NULL;
}

/* --- list size hints ------------------------------------------------------------- */

static atomic_uint *s_count_slot(eo_index_t *self, uint32_t dong, int list)
{
    const eo_dong_t *d = eo_dongs_find(self->dongs, dong);
    if (!d || list < 0 || list >= EO_LISTS) return NULL;
    return &self->counts[(size_t)(d - eo_dongs_at(self->dongs, 0)) * EO_LISTS + (size_t)list];
}

static void s_counts_load(eo_index_t *self, MDB_txn *txn)
{
    pthread_mutex_lock(&self->counts_lock);
    if (!atomic_load(&self->counts_ready)) {
        for (size_t i = 0; i < eo_dongs_count(self->dongs) * EO_LISTS; i++)
            atomic_store_explicit(&self->counts[i], 0, memory_order_relaxed);
        MDB_cursor *cur;
        int rc = mdb_cursor_open(txn, self->lists, &cur);
        MDB_val k, v;
        if (rc == 0) {
            for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
                 rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_NODUP)) {
                size_t key, count = 0;
                memcpy(&key, k.mv_data, sizeof key);
                atomic_uint *slot = s_count_slot(self, (uint32_t)(key >> 8), (int)(key & 0xff));
                if (slot && mdb_cursor_count(cur, &count) == 0)
                    atomic_store_explicit(slot, (unsigned)count, memory_order_relaxed);
            }
            mdb_cursor_close(cur);
        }
        if (rc && rc != MDB_NOTFOUND)
            eo_store_fail("carer_list counts", rc); /* only a hint: carry on */
        atomic_store(&self->counts_ready, true);
    }
    pthread_mutex_unlock(&self->counts_lock);
}

unsigned eo_index_count(eo_index_t *self, MDB_txn *txn, uint32_t dong, int list)
{
    if (!atomic_load_explicit(&self->counts_ready, memory_order_acquire))
        s_counts_load(self, txn);
    atomic_uint *slot = s_count_slot(self, dong, list);
    return slot ? atomic_load_explicit(slot, memory_order_relaxed) : 0;
}

void eo_index_counts_reset(eo_index_t *self)
{
    atomic_store(&self->counts_ready, false);
}

void eo_index_count_add(eo_index_t *self, uint32_t dong, int list, int delta)
{
    atomic_uint *slot = s_count_slot(self, dong, list);
    if (slot) atomic_fetch_add_explicit(slot, (unsigned)delta, memory_order_relaxed);
}

const eo_dongs_t *eo_index_dongs(eo_index_t *self)
{
    return self->dongs;
}

void eo_index_stats(eo_index_t *self, eo_index_stats_t *out)
{
    out->fast = atomic_load_explicit(&self->queries_fast, memory_order_relaxed);
    out->full = atomic_load_explicit(&self->queries_full, memory_order_relaxed);
}

/* --- windows -------------------------------------------------------------------- */

int eo_window_init(eo_window_t *w, eo_time_t start, eo_time_t end)
{
    memset(w, 0, sizeof *w);
    /* Half-hour aligned (Seoul is a whole number of hours from UTC), at most a week. */
    if (end <= start || start % 1800 || end % 1800 || end - start > 7 * EO_DAY)
        return EO_EINVAL;
    w->start = start;
    w->end = end;
    w->week_start = eo_week_start(start);
    eo_time_t next_week = w->week_start + 7 * EO_DAY;
    w->week[0] = eo_iso_week(start);
    w->week_min[0] = (uint32_t)(((end < next_week ? end : next_week) - start) / 60);
    if (end > next_week) {
        w->week[1] = eo_iso_week(next_week);
        w->week_min[1] = (uint32_t)((end - next_week) / 60);
    }
    eo_local_t l;
    eo_time_local(start, &l);
    eo_time_t next_month = eo_time_from_local(l.year, l.month + 1, 1, 0, 0, 0);
    w->month[0] = l.year * 100 + l.month;
    w->month_min[0] = (uint32_t)(((end < next_month ? end : next_month) - start) / 60);
    if (end > next_month) {
        w->month[1] = eo_month_key(next_month);
        w->month_min[1] = (uint32_t)((end - next_month) / 60);
    }
    w->last_date = eo_date_key(end - 1);
    /* The weekly bitmap repeats: a window past Sunday 24:00 wraps to Monday's slots. */
    int s0 = eo_week_slot(start);
    int n = (int)((end - start) / 1800);
    for (int i = 0; i < n; i++)
        eo_avail_set(w->mask, (s0 + i) % EO_WEEK_SLOTS, true);
    for (int b = 0; b < EO_AVAIL_BYTES; b++)
        if (w->mask[b]) w->bytes[w->n_bytes++] = (uint8_t)b;
    return EO_OK;
}

bool eo_window_caps_ok(const eo_window_t *w, const eo_caps_t *caps, uint8_t kind,
                       const uint32_t week_booked[2], const uint32_t month_booked[2])
{
    if (kind >= EO_CARER_KINDS) return false;
    uint32_t wcap = caps->week_min[kind], mcap = caps->month_min[kind];
    for (int i = 0; i < 2; i++) {
        if (w->week_min[i] && week_booked[i] + w->week_min[i] > wcap) return false;
        if (mcap && w->month_min[i] && month_booked[i] + w->month_min[i] > mcap) return false;
    }
    return true;
}

/* --- keys ----------------------------------------------------------------------- */

void eo_min_key(uint8_t key[9], uint32_t id, char type, int32_t period)
{
    eo_be32_put(key, id);
    key[4] = (uint8_t)type;
    eo_be32_put(key + 5, (uint32_t)period);
}

/* A fixed-size value: copied into out, zero when the key is absent; a value of another
 * size means a corrupted store. */
static int s_get_fixed(MDB_txn *txn, MDB_dbi dbi, MDB_val *key, void *out, size_t size,
                       const char *what)
{
    MDB_val v;
    int rc = mdb_get(txn, dbi, key, &v);
    memset(out, 0, size);
    if (rc == MDB_NOTFOUND) return EO_OK;
    if (rc) return eo_store_fail(what, rc);
    if (v.mv_size != size) return eo_store_fail(what, MDB_CORRUPTED);
    memcpy(out, v.mv_data, size);
    return EO_OK;
}

int eo_index_minutes(eo_index_t *self, MDB_txn *txn, uint32_t id, char type, int32_t period,
                     uint32_t *out)
{
    uint8_t kb[9];
    eo_min_key(kb, id, type, period);
    MDB_val k = {sizeof kb, kb};
    return s_get_fixed(txn, self->state, &k, out, sizeof *out, "carer_min get");
}

static int s_minutes_set(eo_index_t *self, MDB_txn *txn, uint32_t id, char type, int32_t period,
                         uint32_t value)
{
    uint8_t kb[9];
    eo_min_key(kb, id, type, period);
    MDB_val k = {sizeof kb, kb}, v = {sizeof value, &value};
    int rc = value ? mdb_put(txn, self->state, &k, &v, 0) : mdb_del(txn, self->state, &k, NULL);
    if (rc && !(rc == MDB_NOTFOUND && !value)) return eo_store_fail("carer_min put", rc);
    return EO_OK;
}

int eo_index_ref_week(eo_index_t *self, MDB_txn *txn, eo_time_t *week_start)
{
    MDB_val k = {8, "ref_week"};
    return s_get_fixed(txn, self->meta, &k, week_start, sizeof *week_start, "index_meta get");
}

int eo_index_week(eo_index_t *self, MDB_txn *txn, eo_time_t *week_start)
{
    return eo_index_ref_week(self, txn, week_start);
}

int eo_index_ref_week_put(eo_index_t *self, MDB_txn *txn, eo_time_t week_start)
{
    int64_t v64 = week_start;
    MDB_val k = {8, "ref_week"}, v = {sizeof v64, &v64};
    int rc = mdb_put(txn, self->meta, &k, &v, 0);
    return rc ? eo_store_fail("index_meta put", rc) : EO_OK;
}

/* Minutes a carer has in the week starting week_start (0: none, no minutes). */
static int s_week_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t week_start,
                         uint32_t *out)
{
    *out = 0;
    return week_start ? eo_index_minutes(self, txn, id, 'W', eo_iso_week(week_start), out)
                      : EO_OK;
}

/* How one carer's list entries are keyed (docs/index.md "The re-key"). Outside a re-key,
 * and for a carer phase 3 has passed, every entry holds one key, recorded in the record,
 * for one week (`week`). During a re-key the carer is "split": the lists the re-key has
 * rewritten (eo_rekey_target) hold the target week's key and booking count, recorded
 * in the carer's 'T' row (t_min, t_book), the others the reference week's, recorded in
 * the record. */
typedef struct {
    eo_rekey_t rk;  /* target 0: no re-key */
    eo_time_t week; /* the week of the record's key */
    bool split;
    uint32_t t_min, t_book;
} s_keying_t;

/* The keying of carer id; with_t: also read its 'T' row (to find entries written with
 * it; phase 1 has none yet and rewrote no list). */
static int s_keying(eo_index_t *self, MDB_txn *txn, uint32_t id, bool with_t, s_keying_t *k)
{
    memset(k, 0, sizeof *k);
    int rc = eo_index_rekey_get(self, txn, &k->rk);
    if (rc == EO_OK) rc = eo_index_ref_week(self, txn, &k->week);
    if (rc || !k->rk.target) return rc;
    if (k->rk.phase == EO_REKEY_RECORDS && id < k->rk.cursor) {
        k->week = k->rk.target; /* moved on already: the record holds the target's key */
        return EO_OK;
    }
    k->split = true;
    if (!with_t || k->rk.phase == EO_REKEY_KEYS) return EO_OK;
    rc = eo_index_tkey_get(self, txn, id, &k->t_min, &k->t_book);
    /* every carer has its 'T' row from phase 1 on (a put writes one) */
    return rc == EO_ENOTFOUND ? eo_store_fail("carer_state T get", MDB_CORRUPTED) : rc;
}

/* --- records and list entries ----------------------------------------------------- */

static int s_rec_get(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_rec_t *rec)
{
    uint8_t kb[4];
    eo_be32_put(kb, id);
    MDB_val k = {4, kb}, v;
    int rc = mdb_get(txn, self->carers, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("carer get", rc);
    if (v.mv_size != sizeof *rec) return eo_store_fail("carer get", MDB_CORRUPTED);
    memcpy(rec, v.mv_data, sizeof *rec);
    return rec->version == EO_REC_VERSION ? EO_OK
                                          : eo_store_fail("carer get", MDB_VERSION_MISMATCH);
}

static int s_rec_put(eo_index_t *self, MDB_txn *txn, const eo_rec_t *rec)
{
    uint8_t kb[4];
    eo_be32_put(kb, rec->carer.id);
    MDB_val k = {4, kb}, v = {sizeof *rec, (void *)rec};
    int rc = mdb_put(txn, self->carers, &k, &v, 0);
    return rc ? eo_store_fail("carer put", rc) : EO_OK;
}

bool eo_carer_listed(const eo_carer_t *c)
{
    return c->pool && c->active;
}

void eo_entry_make(const eo_rec_t *rec, uint32_t booked, eo_entry_t *e)
{
    const eo_carer_t *c = &rec->carer;
    memset(e, 0, sizeof *e);
    eo_be32_put(e->booked_be, booked);
    eo_be32_put(e->id_be, c->id);
    e->valid_until = c->check_until < c->training_until ? c->check_until : c->training_until;
    e->kind = c->kind;
    e->n_book = rec->listed_book > 255 ? 255 : (uint8_t)rec->listed_book;
    memcpy(e->avail, c->avail, sizeof e->avail);
}

void eo_entry_key(eo_entry_t *e, uint32_t booked, uint32_t n_book)
{
    eo_be32_put(e->booked_be, booked);
    e->n_book = n_book > 255 ? 255 : (uint8_t)n_book;
}

/* Add (or remove) the carer's entry in the lists of every preferred dong that its
 * availability puts it in (index_priv.h), as rec->listed_* describe it, or during a
 * re-key, in the lists already rewritten for the target week, as the keying's t_*. */
static int s_entries(eo_index_t *self, MDB_txn *txn, const eo_rec_t *rec, const s_keying_t *kg,
                     bool add)
{
    if (!eo_carer_listed(&rec->carer)) return EO_OK;
    eo_entry_t e, t;
    eo_entry_make(rec, rec->listed_min, &e);
    t = e;
    eo_entry_key(&t, kg->t_min, kg->t_book);
    for (int i = 0; i < rec->carer.n_dongs; i++) {
        for (int x = 0; x < EO_LIST_COUNT; x++) {
            int list = eo_list_at(x);
            if (!eo_list_has(list, e.avail)) continue;
            size_t key = eo_list_key(rec->carer.dongs[i], list);
            bool target = kg->split && eo_rekey_target(&kg->rk, key);
            MDB_val k = {sizeof key, &key}, v = {sizeof e, target ? &t : &e};
            int rc =
                add ? mdb_put(txn, self->lists, &k, &v, 0) : mdb_del(txn, self->lists, &k, &v);
            if (rc && !(add && rc == MDB_KEYEXIST))
                return eo_store_fail(add ? "carer_list put" : "carer_list del", rc);
            eo_index_count_add(self, rec->carer.dongs[i], list, add ? 1 : -1);
        }
    }
    return EO_OK;
}

/* The 5-byte head of a carer's rows of one kind in carer_state: id BE, tag. */
static MDB_val s_state_key(uint8_t *kb, uint32_t id, char tag)
{
    eo_be32_put(kb, id);
    kb[4] = (uint8_t)tag;
    return (MDB_val){5, kb};
}

/* The number of moved carers (index_meta "moved_n"), so the query knows whether to look. */
static int s_moved_count(eo_index_t *self, MDB_txn *txn, int delta)
{
    MDB_val k = {7, "moved_n"}, v;
    uint32_t n = 0;
    int rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == 4)
        n = eo_be32_get(v.mv_data);
    else if (rc && rc != MDB_NOTFOUND)
        return eo_store_fail("index_meta get", rc);
    n = delta < 0 ? (n ? n - 1 : 0) : n + 1;
    uint8_t buf[4];
    eo_be32_put(buf, n);
    v = (MDB_val){4, buf};
    rc = mdb_put(txn, self->meta, &k, &v, 0);
    return rc ? eo_store_fail("index_meta put", rc) : EO_OK;
}

static int s_count_one(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    (void)booking, (void)start, (void)end;
    (*(uint32_t *)arg)++;
    return 0;
}

int eo_index_booking_count(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t *n)
{
    *n = 0;
    return eo_index_bookings(self, txn, id, s_count_one, n);
}

int eo_index_moved_clear(eo_index_t *self, MDB_txn *txn, uint32_t id)
{
    uint8_t kb[5];
    MDB_val k = s_state_key(kb, id, '!');
    int rc = mdb_del(txn, self->state, &k, NULL);
    if (rc == MDB_NOTFOUND) return EO_OK;
    return rc ? eo_store_fail("carer_moved del", rc) : s_moved_count(self, txn, -1);
}

/* Remove the carer's entries, wherever the keying says they are. */
static int s_list_remove(eo_index_t *self, MDB_txn *txn, const eo_rec_t *rec)
{
    s_keying_t kg;
    int rc = s_keying(self, txn, rec->carer.id, true, &kg);
    return rc ? rc : s_entries(self, txn, rec, &kg, false);
}

/* List the carer under its exact minutes and bookings count now (the record's week,
 * and during a re-key the target week too, kept in its 'T' row); the caller writes the
 * record, which remembers the key. */
static int s_list_add(eo_index_t *self, MDB_txn *txn, eo_rec_t *rec)
{
    s_keying_t kg;
    uint32_t id = rec->carer.id;
    int rc = s_keying(self, txn, id, false, &kg);
    if (rc || (rc = s_week_booked(self, txn, id, kg.week, &rec->listed_min)) ||
        (rc = eo_index_booking_count(self, txn, id, &rec->listed_book)))
        return rc;
    if (kg.split) {
        kg.t_book = rec->listed_book;
        if ((rc = s_week_booked(self, txn, id, kg.rk.target, &kg.t_min)) ||
            (rc = eo_index_tkey_put(self, txn, id, kg.t_min, kg.t_book)))
            return rc;
    }
    /* the entries are exact again */
    if ((rc = eo_index_moved_clear(self, txn, id))) return rc;
    return s_entries(self, txn, rec, &kg, true);
}

/* Mark a carer whose entries no longer tell its minutes and bookings exactly. */
int eo_index_moved_mark(eo_index_t *self, MDB_txn *txn, uint32_t id)
{
    uint8_t kb[5];
    MDB_val k = s_state_key(kb, id, '!'), v = {0, ""};
    int rc = mdb_put(txn, self->state, &k, &v, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) return EO_OK;
    return rc ? eo_store_fail("carer_moved put", rc) : s_moved_count(self, txn, +1);
}

int eo_index_moved(eo_index_t *self, MDB_txn *txn, uint32_t id, bool *moved)
{
    uint8_t kb[5];
    MDB_val k = s_state_key(kb, id, '!'), v;
    int rc = mdb_get(txn, self->state, &k, &v);
    *moved = rc == 0;
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("carer_moved get", rc) : EO_OK;
}

int eo_index_moved_any(eo_index_t *self, MDB_txn *txn, bool *any)
{
    MDB_val k = {7, "moved_n"}, v;
    int rc = mdb_get(txn, self->meta, &k, &v);
    *any = rc == 0 && v.mv_size == 4 && eo_be32_get(v.mv_data) > 0;
    return rc && rc != MDB_NOTFOUND ? eo_store_fail("index_meta get", rc) : EO_OK;
}

static int s_phone_set(eo_index_t *self, MDB_txn *txn, const char *phone, uint32_t id, bool add)
{
    MDB_val k = {strlen(phone), (void *)phone}, v = {sizeof id, &id};
    int rc = add ? mdb_put(txn, self->phones, &k, &v, 0) : mdb_del(txn, self->phones, &k, NULL);
    return rc ? eo_store_fail("carer_phone", rc) : EO_OK;
}

int eo_index_by_phone(eo_index_t *self, MDB_txn *txn, const char *phone, uint32_t *id)
{
    if (!phone || !*phone || strlen(phone) > 100) return EO_EINVAL;
    MDB_val k = {strlen(phone), (void *)phone}, v;
    int rc = mdb_get(txn, self->phones, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("carer_phone get", rc);
    if (v.mv_size != sizeof *id) return eo_store_fail("carer_phone get", MDB_CORRUPTED);
    memcpy(id, v.mv_data, sizeof *id);
    return EO_OK;
}

void eo_rec_make(eo_rec_t *rec, const eo_carer_t *carer)
{
    /* Field by field into a zeroed record, so that padding and unused array slots are
     * stored as zeros (records and entries are compared byte for byte). */
    memset(rec, 0, sizeof *rec);
    rec->version = EO_REC_VERSION;
    eo_carer_t *c = &rec->carer;
    c->id = carer->id;
    memcpy(c->site, carer->site, strnlen(carer->site, EO_SITE_SLUG - 1));
    c->kind = carer->kind;
    c->pool = carer->pool;
    c->active = carer->active;
    c->night_ok = carer->night_ok;
    c->home_dong = carer->home_dong;
    c->n_dongs = carer->n_dongs;
    memcpy(c->dongs, carer->dongs, carer->n_dongs * sizeof c->dongs[0]);
    memcpy(c->phone, carer->phone, strnlen(carer->phone, sizeof c->phone - 1));
    memcpy(c->name, carer->name, strnlen(carer->name, sizeof c->name - 1));
    memcpy(c->avail, carer->avail, sizeof c->avail);
    c->check_until = carer->check_until;
    c->training_until = carer->training_until;
    c->n_providers = carer->n_providers;
    memcpy(c->providers, carer->providers, carer->n_providers * sizeof c->providers[0]);
}

int eo_index_put(eo_index_t *self, MDB_txn *txn, const eo_carer_t *carer)
{
    char why[96];
    if (!carer || eo_carer_validate(carer, self->dongs, why, sizeof why)) {
        zsys_warning("index: carer %u refused: %s", carer ? carer->id : 0,
                     carer ? why : "NULL");
        return EO_EINVAL;
    }
    uint32_t owner;
    int rc = eo_index_by_phone(self, txn, carer->phone, &owner);
    if (rc == EO_OK && owner != carer->id)
        return EO_EEXIST; /* two carers cannot share a phone: replies are routed by it */
    if (rc && rc != EO_ENOTFOUND) return rc;
    eo_rec_t rec;
    memset(&rec, 0, sizeof rec);
    rc = s_rec_get(self, txn, carer->id, &rec);
    if (rc && rc != EO_ENOTFOUND) return rc;
    bool existed = rc == EO_OK;
    if (existed) {
        if ((rc = s_list_remove(self, txn, &rec))) return rc;
        if (strcmp(rec.carer.phone, carer->phone) &&
            (rc = s_phone_set(self, txn, rec.carer.phone, 0, false)))
            return rc;
    }
    eo_rec_make(&rec, carer);
    const eo_carer_t *c = &rec.carer;
    if ((rc = s_list_add(self, txn, &rec)) || (rc = s_rec_put(self, txn, &rec)) ||
        (rc = s_phone_set(self, txn, c->phone, c->id, true)))
        return rc;
    return EO_OK;
}

int eo_index_get(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_carer_t *out)
{
    eo_rec_t rec;
    int rc = s_rec_get(self, txn, id, &rec);
    if (rc == EO_OK) *out = rec.carer;
    return rc;
}

int eo_index_size(eo_index_t *self, MDB_txn *txn, size_t *carers)
{
    MDB_stat st;
    int rc = mdb_stat(txn, self->carers, &st);
    *carers = rc ? 0 : st.ms_entries;
    return rc ? eo_store_fail("carer stat", rc) : EO_OK;
}

int eo_index_each(eo_index_t *self, MDB_txn *txn, int (*fn)(void *arg, const eo_carer_t *carer),
                  void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->carers, &cur);
    if (rc) return eo_store_fail("carer cursor", rc);
    MDB_val k, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        eo_rec_t rec;
        if (v.mv_size != sizeof rec) {
            result = eo_store_fail("carer read", MDB_CORRUPTED);
            break;
        }
        memcpy(&rec, v.mv_data, sizeof rec);
        if (fn(arg, &rec.carer)) break;
    }
    if (rc && rc != MDB_NOTFOUND) result = eo_store_fail("carer cursor", rc);
    mdb_cursor_close(cur);
    return result;
}

/* --- booked minutes and the reference week ---------------------------------------- */

/* Rewrite a carer's list entries around a change of its minutes or bookings that may
 * lower them: `change` runs between removing the entries under the old sort key and
 * adding them under the exact new one; the record is written after. */
typedef int(s_change_fn)(eo_index_t *self, MDB_txn *txn, eo_rec_t *rec, void *arg);

static int s_relist(eo_index_t *self, MDB_txn *txn, eo_rec_t *rec, bool have_rec,
                    s_change_fn *change, void *arg)
{
    int rc = EO_OK;
    if (have_rec && (rc = s_list_remove(self, txn, rec))) return rc;
    if ((rc = change(self, txn, rec, arg))) return rc;
    if (have_rec && ((rc = s_list_add(self, txn, rec)) || (rc = s_rec_put(self, txn, rec))))
        return rc;
    return EO_OK;
}

/* Make the week of t the reference week if there is none yet. */
static int s_ref_default(eo_index_t *self, MDB_txn *txn, eo_time_t t)
{
    eo_time_t ref;
    int rc = eo_index_ref_week(self, txn, &ref);
    if (rc == EO_OK && ref == 0) rc = eo_index_ref_week_put(self, txn, eo_week_start(t));
    return rc;
}

typedef struct {
    eo_time_t t;
    uint32_t week_min, month_min;
} s_set_booked_t;

typedef struct {
    char type;
    int32_t period;
    uint32_t minutes;
} s_rows_t;

static int s_rows_fn(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    (void)booking;
    s_rows_t *r = arg;
    /* bookings are half-hour aligned and at most a week long: count their half hours */
    for (eo_time_t t = start; t < end; t += 30 * EO_MINUTE)
        if ((r->type == 'W' ? eo_iso_week(t) : eo_month_key(t)) == r->period) r->minutes += 30;
    return 0;
}

int eo_index_booked_rows(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, char type,
                         int32_t period, uint32_t *minutes)
{
    s_rows_t r = {type, period, 0};
    int rc = eo_index_bookings(self, txn, carer_id, s_rows_fn, &r);
    *minutes = r.minutes;
    return rc;
}

/* Minutes set from outside (a bulk load, an import) never hide the carer's bookings:
 * the counter of a period is at least what its booking rows put there. */
static int s_set_booked_change(eo_index_t *self, MDB_txn *txn, eo_rec_t *rec, void *arg)
{
    s_set_booked_t *a = arg;
    uint32_t week = a->week_min, month = a->month_min, rows;
    int32_t w = eo_iso_week(a->t), m = eo_month_key(a->t);
    int rc = eo_index_booked_rows(self, txn, rec->carer.id, 'W', w, &rows);
    if (rc == EO_OK && rows > week) week = rows;
    if (rc == EO_OK &&
        (rc = eo_index_booked_rows(self, txn, rec->carer.id, 'M', m, &rows)) == EO_OK &&
        rows > month)
        month = rows;
    if (rc == EO_OK) rc = s_minutes_set(self, txn, rec->carer.id, 'W', w, week);
    if (rc == EO_OK) rc = s_minutes_set(self, txn, rec->carer.id, 'M', m, month);
    return rc;
}

int eo_index_set_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t t,
                        uint32_t week_min, uint32_t month_min)
{
    if (id == 0 || week_min > 7 * 24 * 60 || month_min > 31 * 24 * 60) return EO_EINVAL;
    int rc = s_ref_default(self, txn, t);
    if (rc) return rc;
    /* The carer need not exist yet: bulk loads write minutes first, so that the
     * carer's entries are written once, under their final key. */
    eo_rec_t rec;
    memset(&rec, 0, sizeof rec);
    rec.carer.id = id;
    rc = s_rec_get(self, txn, id, &rec);
    if (rc && rc != EO_ENOTFOUND) return rc;
    s_set_booked_t a = {t, week_min, month_min};
    return s_relist(self, txn, &rec, rc == EO_OK, s_set_booked_change, &a);
}

int eo_index_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t t,
                    uint32_t *week_min, uint32_t *month_min)
{
    uint32_t w = 0, m = 0;
    int rc = eo_index_minutes(self, txn, id, 'W', eo_iso_week(t), &w);
    if (rc == EO_OK) rc = eo_index_minutes(self, txn, id, 'M', eo_month_key(t), &m);
    if (week_min) *week_min = w;
    if (month_min) *month_min = m;
    return rc;
}

int eo_index_set_week(eo_index_t *self, MDB_txn *txn, eo_time_t t)
{
    eo_time_t old, ws = eo_week_start(t);
    eo_rekey_t rk;
    int rc = eo_index_ref_week(self, txn, &old);
    if (rc == EO_OK) rc = eo_index_rekey_get(self, txn, &rk);
    if (rc || (old == ws && !rk.target)) return rc;
    /* Every entry's sort key changes: empty the lists and write them again (which
     * clears every carer's moved mark); a re-key under way is over, its 'T' rows go. */
    if ((rc = mdb_drop(txn, self->lists, 0))) return eo_store_fail("carer_list drop", rc);
    if ((rc = eo_index_ref_week_put(self, txn, ws)) ||
        (rk.target && (rc = eo_index_rekey_put(self, txn, NULL))))
        return rc;
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, self->carers, &cur)))
        return eo_store_fail("carer cursor", rc);
    MDB_val k, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && result == EO_OK;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        eo_rec_t rec;
        if (v.mv_size != sizeof rec) {
            result = eo_store_fail("carer read", MDB_CORRUPTED);
            break;
        }
        memcpy(&rec, v.mv_data, sizeof rec);
        if (rk.target) result = eo_index_tkey_del(self, txn, rec.carer.id);
        if (result == EO_OK) result = s_list_add(self, txn, &rec);
        if (result == EO_OK &&
            (rc = mdb_cursor_put(cur, &k, &(MDB_val){sizeof rec, &rec}, MDB_CURRENT)))
            result = eo_store_fail("carer put", rc);
    }
    if (rc && rc != MDB_NOTFOUND) result = eo_store_fail("carer cursor", rc);
    mdb_cursor_close(cur);
    eo_index_counts_reset(self); /* every list was rewritten */
    return result;
}

/* --- bookings ----------------------------------------------------------------------- */

static int s_booking_key(uint8_t *kb, uint32_t id, const char *booking, MDB_val *k)
{
    size_t n = booking ? strlen(booking) : 0;
    if (n == 0 || n > S_BOOKING_MAX) return EO_EINVAL;
    *k = s_state_key(kb, id, 'B');
    memcpy(kb + 5, booking, n);
    k->mv_size = 5 + n;
    return EO_OK;
}

int eo_index_bookings(eo_index_t *self, MDB_txn *txn, uint32_t carer_id,
                      int (*fn)(void *arg, const char *booking, eo_time_t start, eo_time_t end),
                      void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->state, &cur);
    if (rc) return eo_store_fail("carer_booking cursor", rc);
    uint8_t kb[5];
    MDB_val k = s_state_key(kb, carer_id, 'B'), v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= 5 || memcmp(k.mv_data, kb, 5) != 0) break;
        eo_span_t span;
        char name[S_BOOKING_MAX + 1];
        if (v.mv_size != sizeof span || k.mv_size - 5 > S_BOOKING_MAX) {
            result = eo_store_fail("carer_booking read", MDB_CORRUPTED);
            break;
        }
        memcpy(&span, v.mv_data, sizeof span);
        memcpy(name, (char *)k.mv_data + 5, k.mv_size - 5);
        name[k.mv_size - 5] = '\0';
        if (fn(arg, name, span.start, span.end)) break;
    }
    if (rc && rc != MDB_NOTFOUND) result = eo_store_fail("carer_booking cursor", rc);
    mdb_cursor_close(cur);
    return result;
}

typedef struct {
    eo_time_t start, end;
    bool overlap;
} s_overlap_t;

static int s_overlap_fn(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    (void)booking;
    s_overlap_t *o = arg;
    o->overlap = start < o->end && o->start < end;
    return o->overlap;
}

int eo_index_overlaps(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t start,
                      eo_time_t end, bool *overlap)
{
    s_overlap_t o = {start, end, false};
    int rc = eo_index_bookings(self, txn, id, s_overlap_fn, &o);
    *overlap = o.overlap;
    return rc;
}

/* Minutes of the window's weeks and months, as they stand. */
static int s_window_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, const eo_window_t *w,
                           uint32_t week[2], uint32_t month[2])
{
    int rc = EO_OK;
    week[1] = month[1] = 0;
    if ((rc = eo_index_minutes(self, txn, id, 'W', w->week[0], &week[0])) ||
        (rc = eo_index_minutes(self, txn, id, 'M', w->month[0], &month[0])) ||
        (w->week[1] && (rc = eo_index_minutes(self, txn, id, 'W', w->week[1], &week[1]))) ||
        (w->month[1] && (rc = eo_index_minutes(self, txn, id, 'M', w->month[1], &month[1]))))
        return rc;
    return EO_OK;
}

typedef struct {
    const eo_window_t *w;
    MDB_val *key;
    int sign;                     /* +1 book, -1 unbook */
    const uint32_t *week, *month; /* the window's minutes if already read, else NULL */
} s_book_t;

static int s_book_change(eo_index_t *self, MDB_txn *txn, eo_rec_t *rec, void *arg)
{
    s_book_t *a = arg;
    uint32_t id = rec->carer.id, week[2], month[2];
    int rc = EO_OK;
    if (a->week) {
        memcpy(week, a->week, sizeof week);
        memcpy(month, a->month, sizeof month);
    } else
        rc = s_window_booked(self, txn, id, a->w, week, month);
    for (int i = 0; rc == EO_OK && i < 2; i++) {
        if (a->w->week_min[i]) {
            uint32_t m = a->sign > 0                   ? week[i] + a->w->week_min[i]
                         : week[i] > a->w->week_min[i] ? week[i] - a->w->week_min[i]
                                                       : 0;
            rc = s_minutes_set(self, txn, id, 'W', a->w->week[i], m);
        }
        if (rc == EO_OK && a->w->month_min[i]) {
            uint32_t m = a->sign > 0                     ? month[i] + a->w->month_min[i]
                         : month[i] > a->w->month_min[i] ? month[i] - a->w->month_min[i]
                                                         : 0;
            rc = s_minutes_set(self, txn, id, 'M', a->w->month[i], m);
        }
    }
    if (rc) return rc;
    if (a->sign > 0) {
        eo_span_t span = {a->w->start, a->w->end};
        MDB_val v = {sizeof span, &span};
        if ((rc = mdb_put(txn, self->state, a->key, &v, MDB_NOOVERWRITE)))
            return eo_store_fail("carer_booking put", rc);
    } else {
        if ((rc = mdb_del(txn, self->state, a->key, NULL)))
            return eo_store_fail("carer_booking del", rc);
    }
    return EO_OK;
}

/* The tests of a booking, against the state of this transaction: the same as the
 * query's (active, check and training valid, free in every slot, no overlapping booking,
 * every cap), one by one so that a caller can say which failed. week and month get the
 * window's minutes as they stand (read only when the earlier tests pass). */
static int s_fit(eo_index_t *self, MDB_txn *txn, const eo_rec_t *rec, const eo_window_t *w,
                 uint32_t week[2], uint32_t month[2], eo_fit_t *fit)
{
    const eo_carer_t *c = &rec->carer;
    int32_t valid = c->check_until < c->training_until ? c->check_until : c->training_until;
    *fit = !c->active                     ? EO_FIT_INACTIVE
           : valid < w->last_date         ? EO_FIT_EXPIRED
           : !eo_window_fits(w, c->avail) ? EO_FIT_UNAVAILABLE
                                          : EO_FIT_OK;
    if (*fit) return EO_OK;
    bool overlap;
    int rc = eo_index_overlaps(self, txn, c->id, w->start, w->end, &overlap);
    if (rc || (overlap && (*fit = EO_FIT_OVERLAP))) return rc;
    if ((rc = s_window_booked(self, txn, c->id, w, week, month))) return rc;
    if (!eo_window_caps_ok(w, &self->caps, c->kind, week, month)) *fit = EO_FIT_CAP;
    return EO_OK;
}

const char *eo_fit_name(eo_fit_t fit)
{
    static const char *names[] = {"ok", "inactive", "expired", "unavailable", "overlap", "cap"};
    return fit >= 0 && fit <= EO_FIT_CAP ? names[fit] : "unknown";
}

int eo_index_fit(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, eo_time_t start,
                 eo_time_t end, eo_fit_t *fit)
{
    eo_window_t w;
    if (eo_window_init(&w, start, end)) return EO_EINVAL;
    eo_rec_t rec;
    int rc = s_rec_get(self, txn, carer_id, &rec);
    uint32_t week[2], month[2];
    return rc ? rc : s_fit(self, txn, &rec, &w, week, month, fit);
}

int eo_index_book(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking,
                  eo_time_t start, eo_time_t end)
{
    eo_window_t w;
    uint8_t kb[5 + S_BOOKING_MAX];
    MDB_val key, v;
    if (eo_window_init(&w, start, end) || s_booking_key(kb, carer_id, booking, &key))
        return EO_EINVAL;
    eo_rec_t rec;
    int rc = s_rec_get(self, txn, carer_id, &rec);
    if (rc) return rc;
    rc = mdb_get(txn, self->state, &key, &v);
    if (rc == 0) return EO_EEXIST;
    if (rc != MDB_NOTFOUND) return eo_store_fail("carer_booking get", rc);
    uint32_t week[2], month[2];
    eo_fit_t fit;
    if ((rc = s_fit(self, txn, &rec, &w, week, month, &fit))) return rc;
    if (fit) return fit == EO_FIT_CAP ? EO_ECAP : EO_EBUSY;
    if ((rc = s_ref_default(self, txn, start))) return rc;
    /* Booking only raises minutes: the list keys stay lower bounds and the query reads
     * the actual minutes (docs/index.md), so the lists are left alone. A carer now
     * holding a booking its entries do not count is found through its minutes and its
     * moved mark; the record is not rewritten (a random page per settlement). */
    s_book_t a = {&w, &key, +1, week, month}; /* read above, in this transaction */
    if ((rc = s_book_change(self, txn, &rec, &a))) return rc;
    return eo_index_moved_mark(self, txn, carer_id);
}

/* May a release leave the carer's list entries as they are? Their key must stay a lower
 * bound of the reference-week minutes (docs/index.md): true when the minutes left after
 * the release are still at least the key the entries were written with. Rewriting them
 * instead deletes and inserts ~35 entries at random places of carer_list: each such
 * rewrite leaves slack in the lists' pages, and the bulk-loaded table, packed full,
 * grew by half in a month of releases (retention.soak). During a re-key the entries
 * hold two keys: always rewritten then. */
static int s_unbook_keeps_lists(eo_index_t *self, MDB_txn *txn, const eo_rec_t *rec,
                                const eo_window_t *w, bool *keep)
{
    eo_rekey_t rk;
    eo_time_t ref;
    uint32_t now = 0, sub = 0;
    *keep = false;
    int rc = eo_index_rekey_get(self, txn, &rk);
    if (rc == EO_OK) rc = eo_index_ref_week(self, txn, &ref);
    if (rc == EO_OK) rc = s_week_booked(self, txn, rec->carer.id, ref, &now);
    if (rc || rk.target) return rc;
    for (int i = 0; ref && i < 2; i++)
        if (w->week_min[i] && w->week[i] == eo_iso_week(ref)) sub += w->week_min[i];
    *keep = (now > sub ? now - sub : 0) >= rec->listed_min;
    return EO_OK;
}

int eo_index_unbook(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking)
{
    uint8_t kb[5 + S_BOOKING_MAX];
    MDB_val key, v;
    if (s_booking_key(kb, carer_id, booking, &key)) return EO_EINVAL;
    eo_rec_t rec;
    int rc = s_rec_get(self, txn, carer_id, &rec);
    if (rc) return rc;
    rc = mdb_get(txn, self->state, &key, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("carer_booking get", rc);
    eo_span_t span;
    if (v.mv_size != sizeof span) return eo_store_fail("carer_booking get", MDB_CORRUPTED);
    memcpy(&span, v.mv_data, sizeof span);
    eo_window_t w;
    if (eo_window_init(&w, span.start, span.end))
        return eo_store_fail("carer_booking get", MDB_CORRUPTED);
    s_book_t a = {&w, &key, -1, NULL, NULL};
    bool keep;
    if ((rc = s_unbook_keeps_lists(self, txn, &rec, &w, &keep))) return rc;
    if (!keep) return s_relist(self, txn, &rec, true, s_book_change, &a);
    /* as a booking does: minutes and row change, the lists stay, the carer is marked */
    if ((rc = s_book_change(self, txn, &rec, &a))) return rc;
    return eo_index_moved_mark(self, txn, carer_id);
}

int eo_index_forget(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking)
{
    uint8_t kb[5 + S_BOOKING_MAX];
    MDB_val key;
    if (s_booking_key(kb, carer_id, booking, &key)) return EO_EINVAL;
    /* only the row: the minutes it added stay in their week and month, where the caps
     * still count them (a retired case's service happened); the carer's list entries
     * may count one booking more than there is, which only makes the query look at the
     * bookings (index_priv.h, n_book) */
    int rc = mdb_del(txn, self->state, &key, NULL);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    return rc ? eo_store_fail("carer_booking forget", rc) : EO_OK;
}
