/* eo_index: carers, their bookings and weekly/monthly minutes, and the matching query,
 * all in the node's LMDB store (issue 3; design in docs/index.md).
 *
 * CONTRACT shared with the matcher (issue 5): every function that reads or writes takes
 * the caller's transaction, so a settlement can book a carer and change a request's state
 * in ONE write transaction. Functions never commit or abort the caller's transaction. */
#ifndef EO_INDEX_H
#define EO_INDEX_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eo_phone.h"
#include "eo_dong.h"
#include "eo_store.h"
#include "eo_time.h"

#define EO_CARER_MAX_DONGS 8
#define EO_CARER_MAX_PROVIDERS 4

#include "eo_carer_kind.h"

typedef struct {
    uint32_t id;             /* > 0 */
    char site[EO_SITE_SLUG]; /* site slug */
    uint8_t kind;            /* eo_carer_kind_t */
    bool pool;               /* consented to call-centre offers */
    bool active;
    bool night_ok;      /* willing to take 22-06 work */
    uint32_t home_dong; /* adm_cd */
    uint8_t n_dongs;    /* preferred dongs (home usually first) */
    uint32_t dongs[EO_CARER_MAX_DONGS];
    char phone[20];                   /* E.164, "+821012345678" */
    char name[64];                    /* UTF-8 */
    uint8_t avail[EO_WEEK_SLOTS / 8]; /* bit s set: free in half-hour slot s */
    int32_t check_until;              /* yyyymmdd: background check valid through */
    int32_t training_until;           /* yyyymmdd: required training valid through */
    uint8_t n_providers;
    uint16_t providers[EO_CARER_MAX_PROVIDERS];
} eo_carer_t;

typedef struct {
    uint32_t carer_id;
    uint8_t tier;        /* 1: a preferred dong is the request's; 2: a neighbour */
    uint32_t booked_min; /* minutes booked in the week of the start */
} eo_candidate_t;

typedef struct {
    const char *site;        /* slug */
    uint32_t dong;           /* adm_cd of the request */
    eo_time_t start, end;    /* [start, end), half-hour aligned, end > start */
    uint32_t k;              /* how many candidates wanted */
    const uint32_t *exclude; /* carers never to return (already offered, declined) */
    uint32_t n_exclude;
    uint8_t kinds; /* bits 1 << eo_carer_kind_t of the kinds wanted; 0: every kind
                    * (a 시설형 stay asks for facility and invited carers) */
} eo_query_t;

typedef struct eo_index_t eo_index_t;

/* Open the index's databases in the store; the dong table is borrowed and must outlive
 * the index; the caps (copied) are the rules' (eo_rules_caps): the index has no numbers
 * of its own. NULL on failure, logged. */
eo_index_t *eo_index_new(eo_store_t *store, const eo_dongs_t *dongs, const eo_caps_t *caps);
/* The caps the index enforces from now on (the rules changed). Call from the thread that
 * uses the index. */
void eo_index_set_caps(eo_index_t *self, const eo_caps_t *caps);
const eo_caps_t *eo_index_caps(const eo_index_t *self);
void eo_index_destroy(eo_index_t **self_p);

/* Insert or replace a carer (keeps its bookings and minutes). EO_EINVAL on a bad record
 * (unknown dong or site, bad phone, id 0). */
int eo_index_put(eo_index_t *self, MDB_txn *txn, const eo_carer_t *carer);
int eo_index_get(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_carer_t *out);
/* Set the minutes already booked in the ISO week (and month) containing t; W1 load and
 * imports use this. Minutes never hide bookings: a period's counter becomes at least
 * what the carer's booking rows put into it (eo_index_booked_rows). */
int eo_index_set_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t t,
                        uint32_t week_min, uint32_t month_min);
/* Minutes booked in the ISO week / calendar month that contains t. */
int eo_index_booked(eo_index_t *self, MDB_txn *txn, uint32_t id, eo_time_t t,
                    uint32_t *week_min, uint32_t *month_min);

/* The matching query (docs/index.md): pool members, active, check and training valid
 * on the service date, whose preferred dongs hold q->dong (tier 1) or a neighbour
 * (tier 2), free in every slot of [start, end) after bookings, booked + duration within
 * every cap (per week and month the service touches). Ordered by tier, booked minutes,
 * id. Writes up to q->k candidates into out and their number into *n. */
int eo_index_query(eo_index_t *self, MDB_txn *txn, const eo_query_t *q, eo_candidate_t *out,
                   uint32_t *n);

/* What eo_index_book would find of a carer for [start, end), test by test, in this
 * order: EO_FIT_OK when it could be booked. EO_ENOTFOUND for an unknown carer. */
typedef enum {
    EO_FIT_OK = 0,
    EO_FIT_INACTIVE,    /* deactivated */
    EO_FIT_EXPIRED,     /* background check or training not valid on the service date */
    EO_FIT_UNAVAILABLE, /* outside the carer's weekly availability */
    EO_FIT_OVERLAP,     /* another of their bookings overlaps */
    EO_FIT_CAP,         /* booked + the duration would exceed a weekly or monthly cap */
} eo_fit_t;
int eo_index_fit(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, eo_time_t start,
                 eo_time_t end, eo_fit_t *fit);
/* "ok", "inactive", "expired", "unavailable", "overlap", "cap". */
const char *eo_fit_name(eo_fit_t fit);

/* Book [start, end) for a carer under `booking` (a request id): re-checks availability,
 * overlap with other bookings and every cap, then reserves the slots and adds the
 * minutes. EO_EBUSY if a slot is taken or outside availability, EO_ECAP over a cap,
 * EO_EEXIST if this booking is already there (idempotent callers treat it as done). */
int eo_index_book(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking,
                  eo_time_t start, eo_time_t end);
/* Release a booking and its minutes. EO_ENOTFOUND if there is none. */
int eo_index_unbook(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking);
/* Retention: delete the row of a booking whose service is over, leaving the minutes
 * it added to its weeks and months (the caps go on counting them). EO_ENOTFOUND if
 * there is no such row. */
int eo_index_forget(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, const char *booking);
/* Retention: from carer *next on, for up to max carers, delete the minutes rows of ISO
 * weeks and months before those of `before` in which the carer holds no booking row
 * (index_prune.c); *deleted counts them. *next becomes the first carer of the next
 * batch; *done when the last carer was looked at. */
int eo_index_prune(eo_index_t *self, MDB_txn *txn, eo_time_t before, uint32_t max,
                   uint32_t *next, bool *done, size_t *deleted);
/* The `before` of eo_index_prune at `now`: now, or the start of the reference week or of
 * a re-key's target week if earlier (the list keys are lower bounds of their minutes). */
int eo_index_prune_cut(eo_index_t *self, MDB_txn *txn, eo_time_t now, eo_time_t *before);
/* Visit every booking of a carer (for `eonjena check`); stop early if fn returns != 0. */
int eo_index_bookings(eo_index_t *self, MDB_txn *txn, uint32_t carer_id,
                      int (*fn)(void *arg, const char *booking, eo_time_t start, eo_time_t end),
                      void *arg);

/* The minutes the carer's booking rows put into one ISO week ('W', period yyyyww) or
 * calendar month ('M', yyyymm): what the minutes counter of that period can never be
 * below. */
int eo_index_booked_rows(eo_index_t *self, MDB_txn *txn, uint32_t carer_id, char type,
                         int32_t period, uint32_t *minutes);

/* Find a carer by phone (E.164). EO_ENOTFOUND if none. */
int eo_index_by_phone(eo_index_t *self, MDB_txn *txn, const char *phone, uint32_t *id);

/* --- additions by the index owner (issue 3) ---------------------------------------- */

/* Check a record against the dong table: id > 0, known site, kind 1..3, home and
 * preferred dongs known and of the carer's site, no repeated dong, E.164 phone, valid
 * dates (0 = none, never a candidate), printable name, E.164 phone ('+' and 8 to 15
 * digits; imports further require a Korean mobile number, eo_phone.h). 0 or EO_EINVAL with a
 * reason in why (may be NULL). */
int eo_carer_validate(const eo_carer_t *carer, const eo_dongs_t *dongs, char *why,
                      size_t whylen);
/* eo_phone_valid (E.164) and eo_phone_mask (for logs) are in eo_phone.h. */
/* Availability bit helpers (slot 0..335). */
static inline bool eo_avail_get(const uint8_t *avail, int slot)
{
    return avail[slot >> 3] & (1u << (slot & 7));
}
static inline void eo_avail_set(uint8_t *avail, int slot, bool on)
{
    if (on)
        avail[slot >> 3] |= (uint8_t)(1u << (slot & 7));
    else
        avail[slot >> 3] &= (uint8_t) ~(1u << (slot & 7));
}

/* The reference week: the index lists are ordered by the minutes booked in one ISO
 * week, so queries whose start lies in it read candidates in final order and stop after
 * k hits (the fast path); queries in any other week, and every query while a re-key is
 * under way, are answered exactly by reading the lists involved whole. If never set, the
 * first week that minutes are recorded for (set_booked or book) becomes the reference
 * week. eo_index_set_week makes the week of t the reference week in ONE transaction
 * that rewrites every list entry (O(carers): for loads; a running node re-keys in steps,
 * below). */
int eo_index_set_week(eo_index_t *self, MDB_txn *txn, eo_time_t t);
/* The reference week's Monday 00:00, or 0 if none yet. */
int eo_index_week(eo_index_t *self, MDB_txn *txn, eo_time_t *week_start);

/* The re-key (docs/index.md "The re-key"): moves the reference week to the week of
 * `now` in bounded steps, each in the caller's write transaction, resumable from
 * index_meta after a crash. A step starts a re-key if now's week is not the reference
 * week (and none is under way), then does at most `budget` units of work: a carer in
 * phases 1 and 3, EO_INDEX_REKEY_ENTRIES list entries in phase 2 (a list is never
 * split). *busy says whether more remains (call again, in another transaction). A
 * re-key under way finishes before the next one starts. Answers stay exact throughout;
 * queries take the full path until the last step makes the target the reference week. */
#define EO_INDEX_REKEY_ENTRIES 16
#define EO_INDEX_REKEY_BUDGET 2000 /* the matcher's step: 2,000 carers or 32,000 entries */
int eo_index_rekey_step(eo_index_t *self, MDB_txn *txn, eo_time_t now, size_t budget,
                        bool *busy);
/* One step in a write transaction of its own, committed; nothing is written (a read
 * transaction looks) when no re-key is due. Failures are logged; the caller tries again
 * later (*busy is then false). */
int eo_index_rekey_store(eo_index_t *self, eo_store_t *store, eo_time_t now, size_t budget,
                         bool *busy);
/* The re-key under way: its target week's Monday 00:00 (0: none), phase (1 keys, 2
 * lists, 3 records) and cursor (phases 1 and 3: the next carer id; phase 2: the next
 * list key, dong << 8 | list); phase and cursor may be NULL. */
int eo_index_rekey_state(eo_index_t *self, MDB_txn *txn, eo_time_t *target, int *phase,
                         uint64_t *cursor);

/* Queries this index object answered, by path: fast (read in key order, stopped early)
 * or full (lists read whole, then sorted). */
typedef struct {
    uint64_t fast, full;
} eo_index_stats_t;
void eo_index_stats(eo_index_t *self, eo_index_stats_t *out);

/* Bulk load into an EMPTY index (no carer yet): n carers in strictly ascending id
 * order, with their minutes booked in the week (week_min) and month (month_min, may be
 * NULL) that contain t; the week of t becomes the reference week. Everything is
 * validated before anything is written; then records, minutes, phones and lists are
 * appended in key order, which is an order of magnitude faster than n puts. EO_EINVAL
 * (bad record or order, logged with the carer's id), EO_EEXIST (index not empty or a
 * phone twice). On error the caller aborts its transaction. */
int eo_index_load(eo_index_t *self, MDB_txn *txn, const eo_carer_t *carers,
                  const uint32_t *week_min, const uint32_t *month_min, size_t n, eo_time_t t);

/* How many carers the index holds. */
int eo_index_size(eo_index_t *self, MDB_txn *txn, size_t *carers);

/* The same as eo_index_load, in transactions of its own (committed every 100,000
 * writes, several times faster at 1 M carers). If anything fails after validation the
 * index is emptied again: all or nothing, as with one transaction. */
int eo_index_load_store(eo_index_t *self, eo_store_t *store, const eo_carer_t *carers,
                        const uint32_t *week_min, const uint32_t *month_min, size_t n,
                        eo_time_t t);

/* Visit every carer in id order (export); stop early if fn returns != 0. */
int eo_index_each(eo_index_t *self, MDB_txn *txn, int (*fn)(void *arg, const eo_carer_t *carer),
                  void *arg);
/* The dong table the index was opened with. */
const eo_dongs_t *eo_index_dongs(eo_index_t *self);

/* Apply a carer event (CarerUpsert, CarerDeactivate, CarerAvailability) in the
 * caller's transaction. EO_EINVAL for another body or a bad record (nothing changed),
 * EO_ENOTFOUND for deactivate/availability of an unknown carer. */
struct Eo__Event;
int eo_index_apply(eo_index_t *self, MDB_txn *txn, const struct Eo__Event *event);

/* A carer as the CarerUpsert message (proto/carer.proto) and back: the encoding of
 * carers in events and in the input log. from: EO_EINVAL if a field cannot fit. to: the
 * message points into c and into the two arrays given (the caller's storage). */
struct Eo__CarerUpsert;
int eo_carer_from_upsert(const struct Eo__CarerUpsert *m, eo_carer_t *c);
void eo_carer_to_upsert(const eo_carer_t *c, struct Eo__CarerUpsert *m,
                        uint32_t dongs[EO_CARER_MAX_DONGS],
                        uint32_t providers[EO_CARER_MAX_PROVIDERS]);

void eo_index_test(bool verbose);

#endif
