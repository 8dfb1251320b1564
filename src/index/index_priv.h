/* index_priv.h: what index.c (records, bookings) and index_query.c (the query) share.
 * Not a public header: the layout is described in docs/index.md. */
#ifndef EO_INDEX_PRIV_H
#define EO_INDEX_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "eonjena/eo_index.h"

#define EO_AVAIL_BYTES (EO_WEEK_SLOTS / 8)

struct eo_index_t {
    eo_store_t *store;
    const eo_dongs_t *dongs;
    MDB_dbi carers; /* "carer": id (4 bytes BE) -> eo_rec_t */
    MDB_dbi lists;  /* "carer_list": dong << 8 | block (INTEGERKEY, size_t) ->
                     * DUPSORT|DUPFIXED eo_entry_t */
    /* "carer_state": what booking changes, a carer's rows side by side so that a booking
     * dirties one page, not one in each of three trees; the byte after the id tells them
     * apart: id BE, 'W'|'M', period BE -> uint32 minutes; id BE, 'B', booking id ->
     * eo_span_t; id BE, '!' -> "" for carers booked since their list entries were
     * written (keys below the minutes, docs/index.md), counted in index_meta "moved_n";
     * id BE, 'T' -> eo_tkey_t during a re-key */
    MDB_dbi state;
    MDB_dbi phones; /* "carer_phone": E.164 -> id (uint32) */
    /* "index_meta": "ref_week" -> int64 Monday 00:00; "moved_n" -> BE u32; "rekey" ->
     * eo_rekey_t while a re-key is under way */
    MDB_dbi meta;
    /* Entries per list, per dong position in the table: only a hint for choosing which
     * list to read (a stale count costs time, never a wrong answer), so it is loaded
     * once, kept up to date by this object's writes and ignores aborts. */
    atomic_uint *counts;
    atomic_bool counts_ready;
    pthread_mutex_t counts_lock;
    eo_caps_t caps; /* the rules' caps, minutes by kind */
    /* Queries by path (eo_index_stats): read in key order and stopped early, or whole. */
    atomic_ullong queries_fast, queries_full;
};

/* A re-key under way (index_meta "rekey"; docs/index.md "The re-key"). Phase 1 fixes
 * every carer's key for the target week in a 'T' row of carer_state (carers in id
 * order), phase 2 rewrites the lists with those keys (in list key order), phase 3 moves
 * the keys into the records (id order) and, past the last carer, makes the target the
 * reference week. */
enum { EO_REKEY_KEYS = 1, EO_REKEY_LISTS = 2, EO_REKEY_RECORDS = 3 };
typedef struct {
    int64_t target;  /* Monday 00:00 of the week the lists move to; 0: no re-key */
    uint64_t cursor; /* phases 1 and 3: the next carer id; phase 2: the next list key */
    uint32_t phase;
    uint32_t zero; /* stored as written: no hole */
} eo_rekey_t;

/* The re-key under way (target 0 if none); write it (NULL or target 0: none). */
int eo_index_rekey_get(eo_index_t *self, MDB_txn *txn, eo_rekey_t *rk);
int eo_index_rekey_put(eo_index_t *self, MDB_txn *txn, const eo_rekey_t *rk);

/* Is list `list_key` (eo_list_key) keyed for the re-key's target week already? */
static inline bool eo_rekey_target(const eo_rekey_t *rk, size_t list_key)
{
    return rk->target && (rk->phase == EO_REKEY_RECORDS ||
                          (rk->phase == EO_REKEY_LISTS && list_key < rk->cursor));
}

/* A carer's 'T' row in carer_state (id BE, 'T' -> eo_tkey_t): its key and bookings
 * count for the re-key's target week, fixed in phase 1 (or by a later relist) and used
 * for every entry written for that week until phase 3 moves them into the record.
 * EO_ENOTFOUND if it has none. */
typedef struct {
    uint32_t min, book;
} eo_tkey_t;
int eo_index_tkey_get(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t *min,
                      uint32_t *book);
int eo_index_tkey_put(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t min, uint32_t book);
int eo_index_tkey_del(eo_index_t *self, MDB_txn *txn, uint32_t id);

#define EO_REC_VERSION 3

/* The primary record. */
typedef struct {
    uint32_t version;
    /* What the carer's list entries were written with (to find them again): their sort
     * key, a lower bound of the reference-week minutes (booking does not re-key the
     * lists, see docs/index.md), and the bookings held then (so the query checks
     * overlaps only when > 0). Booking writes neither: it marks the carer moved. During
     * a re-key, the entries of lists already rewritten use the carer's 'T' row instead
     * (eo_tkey_t), until phase 3 copies it here. */
    uint32_t listed_min;
    uint32_t listed_book;
    eo_carer_t carer;
} eo_rec_t;

/* The lists: for each dong and each 4-hour block b of the week (one byte of the
 * bitmap), list "any" b holds the pool carers who prefer the dong and are free in at
 * least one slot of b, and list "full" b those free in all 8 slots of b; for each
 * 2-hour half block h (a nibble), list "half" h those free in all 4 slots of h. A
 * window's candidates are all in the "any" list of every block it touches and in the
 * "full" / "half" list of every block / half block it covers whole; the query reads the
 * shortest of these. */
#define EO_BLOCK_SLOTS 8 /* 4 hours: one byte of the bitmap */
#define EO_BLOCKS (EO_WEEK_SLOTS / EO_BLOCK_SLOTS)
#define EO_LIST_FULL 64  /* list number of "full" b is EO_LIST_FULL + b */
#define EO_LIST_HALF 128 /* list number of "half" h is EO_LIST_HALF + h, h = 0 .. 83 */
#define EO_LISTS 256     /* list numbers per dong */
#define EO_LIST_COUNT (4 * EO_BLOCKS) /* lists that exist per dong: 42 + 42 + 84 */

/* The x-th list number (x < EO_LIST_COUNT), in ascending key order. */
static inline int eo_list_at(int x)
{
    return x < EO_BLOCKS       ? x
           : x < 2 * EO_BLOCKS ? EO_LIST_FULL + x - EO_BLOCKS
                               : EO_LIST_HALF + x - 2 * EO_BLOCKS;
}

/* Does a carer with this availability belong in list `list`? */
static inline bool eo_list_has(int list, const uint8_t *avail)
{
    if (list < EO_LIST_FULL) return avail[list] != 0;
    if (list < EO_LIST_HALF) return avail[list - EO_LIST_FULL] == 0xff;
    int h = list - EO_LIST_HALF;
    return ((avail[h >> 1] >> ((h & 1) * 4)) & 0xf) == 0xf;
}

static inline size_t eo_list_key(uint32_t dong, int list)
{
    return (size_t)dong << 8 | (size_t)list;
}

/* One carer in one list. The first 8 bytes are the sort key (memcmp order): a lower
 * bound of the minutes booked in the reference week, then id, both big-endian. The rest is what
 * the query needs to reject a carer without another read. 56 bytes, no holes. */
typedef struct {
    uint8_t booked_be[4];
    uint8_t id_be[4];
    int32_t valid_until; /* min(check_until, training_until) */
    uint8_t kind;
    uint8_t n_book; /* when listed, saturating: non-zero means "look at the bookings"
                     * (bookings made since are seen through the minutes, index_query.c) */
    uint8_t avail[EO_AVAIL_BYTES];
} eo_entry_t;

typedef struct {
    int64_t start, end;
} eo_span_t;

/* A service window, split by ISO week and calendar month (it spans at most two of
 * each: windows are at most one week long), with its slot mask. */
typedef struct {
    eo_time_t start, end;
    eo_time_t week_start; /* Monday 00:00 of the start's week */
    int32_t week[2];      /* ISO weeks; week[1] = 0 if the window stays in one */
    uint32_t week_min[2];
    int32_t month[2];
    uint32_t month_min[2];
    int32_t last_date; /* date key of the last slot */
    uint8_t mask[EO_AVAIL_BYTES];
    uint8_t bytes[EO_AVAIL_BYTES];
    int n_bytes; /* indices of the mask bytes that are not zero */
} eo_window_t;

int eo_window_init(eo_window_t *w, eo_time_t start, eo_time_t end);
static inline bool eo_window_fits(const eo_window_t *w, const uint8_t *avail)
{
    for (int i = 0; i < w->n_bytes; i++) {
        int b = w->bytes[i];
        if ((avail[b] & w->mask[b]) != w->mask[b]) return false;
    }
    return true;
}

static inline uint32_t eo_be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void eo_be32_put(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Minutes booked for a carer in a period ('W' + ISO week or 'M' + month key); 0 when
 * none is recorded. */
int eo_index_minutes(eo_index_t *self, MDB_txn *txn, uint32_t id, char type, int32_t period,
                     uint32_t *out);
/* Does any booking of the carer overlap [start, end)? */
int eo_index_overlaps(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t start,
                      eo_time_t end, bool *overlap);
/* Was the carer booked since its list entries were written (their key is then below
 * its minutes and their booking count stale)? Is any carer? */
int eo_index_moved(eo_index_t *self, MDB_txn *txn, uint32_t id, bool *moved);
int eo_index_moved_any(eo_index_t *self, MDB_txn *txn, bool *any);
/* The reference week (0 = none); write it. */
int eo_index_ref_week(eo_index_t *self, MDB_txn *txn, eo_time_t *week_start);
int eo_index_ref_week_put(eo_index_t *self, MDB_txn *txn, eo_time_t week_start);
/* The bookings a carer holds. */
int eo_index_booking_count(eo_index_t *self, MDB_txn *txn, uint32_t id, uint32_t *n);
/* Clear a carer's moved mark (its entries are exact again), if any. */
int eo_index_moved_clear(eo_index_t *self, MDB_txn *txn, uint32_t id);
/* Mark a carer moved: its entries' key may be below its minutes, their bookings count
 * stale. */
int eo_index_moved_mark(eo_index_t *self, MDB_txn *txn, uint32_t id);
/* Every cap, given the minutes already booked in the window's weeks and months. */
bool eo_window_caps_ok(const eo_window_t *w, const eo_caps_t *caps, uint8_t kind,
                       const uint32_t week_booked[2], const uint32_t month_booked[2]);

/* A normalised record of a (validated) carer. */
void eo_rec_make(eo_rec_t *rec, const eo_carer_t *carer);
/* Key of a minutes row: id BE, 'W' or 'M', period BE. */
void eo_min_key(uint8_t key[9], uint32_t id, char type, int32_t period);
/* Is the carer in the lists at all (pool and active)? */
bool eo_carer_listed(const eo_carer_t *c);
/* The list entry of a carer listed under key `booked` (n_book from rec->listed_book). */
void eo_entry_make(const eo_rec_t *rec, uint32_t booked, eo_entry_t *e);
/* Give an entry another sort key and booking count (saturating). */
void eo_entry_key(eo_entry_t *e, uint32_t booked, uint32_t n_book);

/* The count hint of list `list` of a dong (loaded on first use); adjust it by delta. */
unsigned eo_index_count(eo_index_t *self, MDB_txn *txn, uint32_t dong, int list);
void eo_index_count_add(eo_index_t *self, uint32_t dong, int list, int delta);
/* Forget the hints (after a bulk write): the next query loads them again. */
void eo_index_counts_reset(eo_index_t *self);

/* Writes per transaction of eo_index_load_store (0: the default, 100,000); tests
 * make it small to see the all-or-nothing undo. */
void eo_index_load_chunk(size_t writes);

#endif
