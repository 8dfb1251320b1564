/* index.cases: the query's and the bookings' rules, one case at a time, on a real
 * LMDB store: windows across midnight and the week / month boundary, every cap, lapsed
 * check or training, non-pool, inactive, exclusions, book / unbook results, carer
 * events, the reference week, and bad input for every entry point. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "core.pb-c.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "../../src/index/index_priv.h" /* eo_index_load_chunk */

static eo_caps_t s_caps;
static eo_dongs_t *s_dongs;
static eo_store_t *s_store;
static eo_index_t *s_index;
static uint32_t s_dong, s_nb, s_other; /* a 수원 dong, its neighbour, a 화성 dong */

static eo_time_t s_at(int month, int day, int hour, int minute)
{
    return eo_time_from_local(2026, month, day, hour, minute, 0);
}

/* A 수원 pool carer preferring s_dong, free at the given [from, to) ranges. */
static eo_carer_t s_carer(uint32_t id, uint8_t kind)
{
    eo_carer_t c;
    memset(&c, 0, sizeof c);
    c.id = id;
    strcpy(c.site, "suwon");
    c.kind = kind;
    c.pool = c.active = true;
    c.home_dong = s_dong;
    c.dongs[c.n_dongs++] = s_dong;
    snprintf(c.phone, sizeof c.phone, "+8210%08u", 30000000u + id);
    snprintf(c.name, sizeof c.name, "carer %u", id);
    c.check_until = c.training_until = 20271231;
    return c;
}

static void s_free(eo_carer_t *c, eo_time_t from, eo_time_t to)
{
    for (eo_time_t t = from; t < to; t += 1800)
        eo_avail_set(c->avail, eo_week_slot(t), true);
}

static MDB_txn *s_begin(void)
{
    MDB_txn *txn;
    assert(eo_store_begin(s_store, true, &txn) == EO_OK);
    return txn;
}

static void s_commit(MDB_txn *txn)
{
    assert(eo_store_commit(s_store, &txn) == EO_OK);
}

static void s_put(const eo_carer_t *c)
{
    MDB_txn *txn = s_begin();
    assert(eo_index_put(s_index, txn, c) == EO_OK);
    s_commit(txn);
}

static void s_booked(uint32_t id, eo_time_t t, uint32_t week, uint32_t month)
{
    MDB_txn *txn = s_begin();
    assert(eo_index_set_booked(s_index, txn, id, t, week, month) == EO_OK);
    s_commit(txn);
}

/* The ids a query returns, as "1,2,3" ("" for none). */
static char *s_ids(eo_time_t start, eo_time_t end, const uint32_t *exclude, uint32_t n_exclude)
{
    static char buf[512];
    eo_query_t q = {.site = "suwon",
                    .dong = s_dong,
                    .start = start,
                    .end = end,
                    .k = 20,
                    .exclude = exclude,
                    .n_exclude = n_exclude};
    eo_candidate_t out[20];
    uint32_t n;
    MDB_txn *txn;
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_query(s_index, txn, &q, out, &n) == EO_OK);
    eo_store_abort(&txn);
    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%u", i ? "," : "",
                 out[i].carer_id);
    return buf;
}

/* Start each case from an empty index. */
static void s_reset(void)
{
    eo_index_destroy(&s_index);
    eo_store_destroy(&s_store);
    char cmd[600];
    const char *tmp = getenv("EO_TEST_TMP");
    snprintf(cmd, sizeof cmd, "rm -rf '%s/store'", tmp);
    assert(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s/store", tmp);
    s_store = eo_store_new(cmd, 64, EO_STORE_NOSYNC);
    s_index = eo_index_new(s_store, s_dongs, &s_caps);
    assert(s_store && s_index);
}

static void s_test_midnight(void)
{
    s_reset();
    /* 1: Saturday 22:00 - Sunday 02:00; 2: Saturday 22:00 - 24:00 only. */
    eo_carer_t a = s_carer(1, EO_CARER_VISIT), b = s_carer(2, EO_CARER_VISIT);
    s_free(&a, s_at(11, 28, 22, 0), s_at(11, 29, 2, 0));
    s_free(&b, s_at(11, 28, 22, 0), s_at(11, 29, 0, 0));
    s_put(&a);
    s_put(&b);
    assert(streq(s_ids(s_at(11, 28, 23, 0), s_at(11, 29, 1, 0), NULL, 0), "1"));
    assert(streq(s_ids(s_at(11, 28, 22, 0), s_at(11, 29, 0, 0), NULL, 0), "1,2"));
    assert(streq(s_ids(s_at(11, 29, 1, 0), s_at(11, 29, 2, 30), NULL, 0), ""));
    /* Valid through Saturday only: out for a window that ends on Sunday. */
    a.check_until = 20261128;
    s_put(&a);
    assert(streq(s_ids(s_at(11, 28, 23, 0), s_at(11, 29, 1, 0), NULL, 0), ""));
    assert(streq(s_ids(s_at(11, 28, 22, 0), s_at(11, 28, 23, 30), NULL, 0), "1,2"));
}

static void s_test_week_boundary(void)
{
    s_reset();
    /* Sunday 2026-05-31 23:00 - Monday 06-01 01:00: two ISO weeks, two months. The
     * weekly bitmap wraps: Sunday's last slots, then Monday's first. */
    eo_time_t start = s_at(5, 31, 23, 0), end = s_at(6, 1, 1, 0), monday = s_at(6, 1, 0, 0);
    uint32_t cap = 52 * 60;
    for (uint32_t id = 1; id <= 5; id++) {
        eo_carer_t c = s_carer(id, id == 5 ? EO_CARER_INVITED : EO_CARER_VISIT);
        s_free(&c, s_at(5, 31, 22, 0), s_at(6, 1, 2, 0));
        s_put(&c);
    }
    s_booked(1, start, cap - 60, 0);  /* 60 min in this week: exactly the cap */
    s_booked(2, start, cap - 30, 0);  /* 30 over */
    s_booked(3, monday, cap - 30, 0); /* next week's cap is the one that breaks */
    s_booked(4, start, 100, 0);
    s_booked(5, start, 0, 56 * 60 - 30); /* invited: May's minutes too many */
    assert(streq(s_ids(start, end, NULL, 0), "4,1"));
    s_booked(5, start, 0, 56 * 60 - 60);  /* exactly May's cap */
    s_booked(5, monday, 0, 56 * 60 - 60); /* and June's */
    assert(streq(s_ids(start, end, NULL, 0), "5,4,1"));
    s_booked(5, monday, 14 * 60 - 60, 56 * 60 - 30); /* June now 30 over */
    assert(streq(s_ids(start, end, NULL, 0), "4,1"));
    /* A window that starts on Monday is outside the reference week (set by the first
     * minutes recorded): the same answer, by the other path. */
    eo_time_t ref;
    MDB_txn *txn = s_begin();
    assert(eo_index_week(s_index, txn, &ref) == EO_OK && ref == eo_week_start(start));
    eo_store_abort(&txn);
    assert(streq(s_ids(monday, s_at(6, 1, 1, 0), NULL, 0), "1,2,4"));
    /* Booking across the boundary adds to both weeks and both months. */
    txn = s_begin();
    assert(eo_index_book(s_index, txn, 4, "r-1", start, end) == EO_OK);
    uint32_t w, m;
    assert(eo_index_booked(s_index, txn, 4, start, &w, &m) == EO_OK && w == 160 && m == 60);
    assert(eo_index_booked(s_index, txn, 4, monday, &w, &m) == EO_OK && w == 60 && m == 60);
    s_commit(txn);
    assert(streq(s_ids(start, end, NULL, 0), "1"));
    /* Moving the reference week keeps every answer. */
    txn = s_begin();
    assert(eo_index_set_week(s_index, txn, monday) == EO_OK);
    s_commit(txn);
    assert(streq(s_ids(start, end, NULL, 0), "1"));
    assert(streq(s_ids(monday, s_at(6, 1, 1, 0), NULL, 0), "1,2"));
}

static void s_test_caps(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 10, 0);
    const uint8_t kinds[3] = {EO_CARER_VISIT, EO_CARER_FACILITY, EO_CARER_INVITED};
    for (int k = 0; k < 3; k++) {
        /* Per kind: one exactly at the cap after 2 h, one 30 min over. */
        uint32_t cap = s_caps.week_min[kinds[k]];
        eo_carer_t at = s_carer(10 + (uint32_t)k * 2, kinds[k]);
        eo_carer_t over = s_carer(11 + (uint32_t)k * 2, kinds[k]);
        s_free(&at, sat, sat + 4 * EO_HOUR);
        s_free(&over, sat, sat + 4 * EO_HOUR);
        s_put(&at);
        s_put(&over);
        s_booked(at.id, sat, cap - 120, 0);
        s_booked(over.id, sat, cap - 90, 0);
    }
    assert((int)s_caps.week_min[EO_CARER_VISIT] == 3120 &&
           (int)s_caps.week_min[EO_CARER_FACILITY] == 720 &&
           (int)s_caps.week_min[EO_CARER_INVITED] == 840 &&
           (int)s_caps.month_min[EO_CARER_INVITED] == 3360 &&
           (int)s_caps.month_min[EO_CARER_VISIT] == 0);
    /* Ordered by booked minutes: 12 h - 2 h, 14 h - 2 h, 52 h - 2 h. */
    assert(streq(s_ids(sat, sat + 2 * EO_HOUR, NULL, 0), "12,14,10"));
    /* The invited carer's month: 56 h - 1 h leaves no room for 2 h. */
    s_booked(14, sat, 840 - 120, 3360 - 60);
    assert(streq(s_ids(sat, sat + 2 * EO_HOUR, NULL, 0), "12,10"));
    /* book says ECAP where the query says no. */
    MDB_txn *txn = s_begin();
    assert(eo_index_book(s_index, txn, 14, "r-cap", sat, sat + 2 * EO_HOUR) == EO_ECAP);
    assert(eo_index_book(s_index, txn, 11, "r-cap", sat, sat + 2 * EO_HOUR) == EO_ECAP);
    assert(eo_index_book(s_index, txn, 10, "r-cap", sat, sat + 2 * EO_HOUR) == EO_OK);
    s_commit(txn);
    /* Next hour: 10 is at its cap now; 14's month has room for exactly 1 h. */
    assert(streq(s_ids(sat + 2 * EO_HOUR, sat + 3 * EO_HOUR, NULL, 0), "12,13,14,15,11"));
}

static void s_test_filters(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 18, 0);
    for (uint32_t id = 1; id <= 7; id++) {
        eo_carer_t c = s_carer(id, EO_CARER_VISIT);
        s_free(&c, sat, sat + 6 * EO_HOUR);
        if (id == 2) c.pool = false;
        if (id == 3) c.active = false;
        if (id == 4) c.check_until = 20261127; /* lapsed the day before */
        if (id == 5) c.training_until = 0;     /* never trained */
        if (id == 6) {                         /* prefers the neighbour: tier 2 */
            c.home_dong = s_nb;
            c.dongs[0] = s_nb;
        }
        if (id == 7) c.check_until = 20261128; /* valid on the service day itself */
        s_put(&c);
    }
    assert(streq(s_ids(sat, sat + 2 * EO_HOUR, NULL, 0), "1,7,6"));
    uint32_t ex[2] = {7, 6};
    assert(streq(s_ids(sat, sat + 2 * EO_HOUR, ex, 2), "1"));
    /* Tier 2 never repeats a tier-1 carer who also prefers a neighbour. */
    eo_carer_t both = s_carer(8, EO_CARER_VISIT);
    both.dongs[both.n_dongs++] = s_nb;
    s_free(&both, sat, sat + 6 * EO_HOUR);
    s_put(&both);
    assert(streq(s_ids(sat, sat + 2 * EO_HOUR, NULL, 0), "1,7,8,6"));
    /* A carer of another dong of the site, not a neighbour: never. */
    eo_query_t q = {
        .site = "suwon", .dong = s_dong, .start = sat, .end = sat + EO_HOUR, .k = 2};
    eo_candidate_t out[2];
    uint32_t n;
    MDB_txn *txn;
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_query(s_index, txn, &q, out, &n) == EO_OK && n == 2);
    assert(out[0].carer_id == 1 && out[0].tier == 1 && out[1].carer_id == 7);
    q.k = 0;
    assert(eo_index_query(s_index, txn, &q, out, &n) == EO_OK && n == 0);
    eo_store_abort(&txn);
}

static void s_test_bookings(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 18, 0);
    eo_carer_t c = s_carer(1, EO_CARER_VISIT);
    s_free(&c, sat, sat + 6 * EO_HOUR);
    s_put(&c);
    MDB_txn *txn = s_begin();
    assert(eo_index_book(s_index, txn, 1, "a", sat, sat + 2 * EO_HOUR) == EO_OK);
    assert(eo_index_book(s_index, txn, 1, "a", sat, sat + 2 * EO_HOUR) == EO_EEXIST);
    assert(eo_index_book(s_index, txn, 1, "b", sat + EO_HOUR, sat + 3 * EO_HOUR) == EO_EBUSY);
    assert(eo_index_book(s_index, txn, 1, "b", sat + 5 * EO_HOUR, sat + 7 * EO_HOUR) ==
           EO_EBUSY);
    assert(eo_index_book(s_index, txn, 1, "b", sat + 2 * EO_HOUR, sat + 3 * EO_HOUR) == EO_OK);
    assert(eo_index_book(s_index, txn, 2, "c", sat, sat + EO_HOUR) == EO_ENOTFOUND);
    assert(eo_index_book(s_index, txn, 1, "", sat, sat + EO_HOUR) == EO_EINVAL);
    assert(eo_index_book(s_index, txn, 1, NULL, sat, sat + EO_HOUR) == EO_EINVAL);
    assert(eo_index_book(s_index, txn, 1, "d", sat + 60, sat + EO_HOUR) == EO_EINVAL);
    assert(eo_index_book(s_index, txn, 1, "d", sat, sat) == EO_EINVAL);
    s_commit(txn);
    /* Booked slots are gone for the query; the rest is still there. */
    assert(streq(s_ids(sat + EO_HOUR, sat + 2 * EO_HOUR, NULL, 0), ""));
    assert(streq(s_ids(sat + 3 * EO_HOUR, sat + 5 * EO_HOUR, NULL, 0), "1"));
    txn = s_begin();
    uint32_t w;
    assert(eo_index_booked(s_index, txn, 1, sat, &w, NULL) == EO_OK && w == 180);
    assert(eo_index_unbook(s_index, txn, 1, "a") == EO_OK);
    assert(eo_index_unbook(s_index, txn, 1, "a") == EO_ENOTFOUND);
    assert(eo_index_unbook(s_index, txn, 1, "") == EO_EINVAL);
    assert(eo_index_booked(s_index, txn, 1, sat, &w, NULL) == EO_OK && w == 60);
    s_commit(txn);
    assert(streq(s_ids(sat + EO_HOUR, sat + 2 * EO_HOUR, NULL, 0), "1"));
    /* An aborted booking leaves nothing behind. */
    txn = s_begin();
    assert(eo_index_book(s_index, txn, 1, "e", sat, sat + EO_HOUR) == EO_OK);
    eo_store_abort(&txn);
    assert(streq(s_ids(sat, sat + EO_HOUR, NULL, 0), "1"));
    /* Inactive carers cannot be booked. */
    c.active = false;
    s_put(&c);
    txn = s_begin();
    assert(eo_index_book(s_index, txn, 1, "f", sat, sat + EO_HOUR) == EO_EBUSY);
    eo_store_abort(&txn);
}

static int s_count_booking(void *arg, const char *booking, eo_time_t start, eo_time_t end)
{
    (void)booking;
    assert(end > start);
    (*(int *)arg)++;
    return 0;
}

static void s_test_bookings_visit(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 18, 0);
    eo_carer_t c = s_carer(1, EO_CARER_VISIT);
    s_free(&c, sat, sat + 6 * EO_HOUR);
    s_put(&c);
    MDB_txn *txn = s_begin();
    assert(eo_index_book(s_index, txn, 1, "x", sat, sat + EO_HOUR) == EO_OK);
    assert(eo_index_book(s_index, txn, 1, "y", sat + EO_HOUR, sat + 2 * EO_HOUR) == EO_OK);
    int n = 0;
    assert(eo_index_bookings(s_index, txn, 1, s_count_booking, &n) == EO_OK && n == 2);
    n = 0;
    assert(eo_index_bookings(s_index, txn, 2, s_count_booking, &n) == EO_OK && n == 0);
    s_commit(txn);
}

static void s_test_events(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 18, 0);
    eo_carer_t c = s_carer(1, EO_CARER_VISIT);
    s_free(&c, sat, sat + 6 * EO_HOUR);
    Eo__CarerUpsert up = EO__CARER_UPSERT__INIT;
    up.id = 1;
    up.site = c.site;
    up.kind = 1;
    up.pool = up.active = true;
    up.home_dong = s_dong;
    up.n_dongs = 1;
    up.dongs = &s_dong;
    up.phone = c.phone;
    up.name = c.name;
    up.availability.len = sizeof c.avail;
    up.availability.data = c.avail;
    up.check_until = up.training_until = 20271231;
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_CARER_UPSERT;
    ev.carer_upsert = &up;
    MDB_txn *txn = s_begin();
    assert(eo_index_apply(s_index, txn, &ev) == EO_OK);
    s_commit(txn);
    assert(streq(s_ids(sat, sat + EO_HOUR, NULL, 0), "1"));
    /* Availability changes: now free only from 21:00. */
    uint8_t avail[EO_WEEK_SLOTS / 8] = {0};
    for (eo_time_t t = sat + 3 * EO_HOUR; t < sat + 6 * EO_HOUR; t += 1800)
        eo_avail_set(avail, eo_week_slot(t), true);
    Eo__CarerAvailability av = EO__CARER_AVAILABILITY__INIT;
    av.id = 1;
    av.availability.len = sizeof avail;
    av.availability.data = avail;
    ev.body_case = EO__EVENT__BODY_CARER_AVAILABILITY;
    ev.carer_availability = &av;
    txn = s_begin();
    assert(eo_index_apply(s_index, txn, &ev) == EO_OK);
    s_commit(txn);
    assert(streq(s_ids(sat, sat + EO_HOUR, NULL, 0), ""));
    assert(streq(s_ids(sat + 3 * EO_HOUR, sat + 4 * EO_HOUR, NULL, 0), "1"));
    /* Bad events change nothing. */
    txn = s_begin();
    av.availability.len = 41;
    assert(eo_index_apply(s_index, txn, &ev) == EO_EINVAL);
    av.availability.len = sizeof avail;
    av.id = 99;
    assert(eo_index_apply(s_index, txn, &ev) == EO_ENOTFOUND);
    up.n_dongs = 9;
    ev.body_case = EO__EVENT__BODY_CARER_UPSERT;
    ev.carer_upsert = &up;
    assert(eo_index_apply(s_index, txn, &ev) == EO_EINVAL);
    up.n_dongs = 1;
    up.home_dong = s_other; /* a 화성 dong for a 수원 carer */
    assert(eo_index_apply(s_index, txn, &ev) == EO_EINVAL);
    ev.body_case = EO__EVENT__BODY__NOT_SET;
    assert(eo_index_apply(s_index, txn, &ev) == EO_EINVAL);
    assert(eo_index_apply(s_index, txn, NULL) == EO_EINVAL);
    /* Deactivation takes the carer out. */
    Eo__CarerDeactivate de = EO__CARER_DEACTIVATE__INIT;
    de.id = 1;
    ev.body_case = EO__EVENT__BODY_CARER_DEACTIVATE;
    ev.carer_deactivate = &de;
    assert(eo_index_apply(s_index, txn, &ev) == EO_OK);
    de.id = 77;
    assert(eo_index_apply(s_index, txn, &ev) == EO_ENOTFOUND);
    s_commit(txn);
    assert(streq(s_ids(sat + 3 * EO_HOUR, sat + 4 * EO_HOUR, NULL, 0), ""));
    eo_carer_t got;
    txn = s_begin();
    assert(eo_index_get(s_index, txn, 1, &got) == EO_OK && !got.active &&
           eo_avail_get(got.avail, eo_week_slot(sat + 3 * EO_HOUR)));
    eo_store_abort(&txn);
}

static void s_test_bad_input(void)
{
    s_reset();
    eo_carer_t ok = s_carer(1, EO_CARER_VISIT);
    char why[128];
    assert(eo_carer_validate(&ok, s_dongs, why, sizeof why) == EO_OK);
    eo_carer_t c;
#define BAD(mutation)                                                                          \
    do {                                                                                       \
        c = ok;                                                                                \
        mutation;                                                                              \
        assert(eo_carer_validate(&c, s_dongs, why, sizeof why) == EO_EINVAL);                  \
        MDB_txn *t_ = s_begin();                                                               \
        assert(eo_index_put(s_index, t_, &c) == EO_EINVAL);                                    \
        eo_store_abort(&t_);                                                                   \
    } while (0)
    BAD(c.id = 0);
    BAD(strcpy(c.site, "nowhere"));
    BAD(memset(c.site, 'x', sizeof c.site));
    BAD(c.kind = 4);
    BAD(c.kind = 0);
    BAD(c.home_dong = 1234567890);
    BAD(c.home_dong = s_other);
    BAD(c.dongs[0] = s_other);
    BAD(c.dongs[1] = s_dong; c.n_dongs = 2);
    BAD(c.n_dongs = 9);
    BAD(strcpy(c.phone, "01012345678"));
    BAD(strcpy(c.phone, "+82"));
    BAD(strcpy(c.phone, "+8210abc45678"));
    BAD(memset(c.phone, '1', sizeof c.phone));
    BAD(memset(c.name, 'a', sizeof c.name));
    BAD(strcpy(c.name, "tab\there"));
    BAD(c.check_until = 20261332);
    BAD(c.training_until = 123);
    BAD(c.n_providers = 5);
#undef BAD
    MDB_txn *txn = s_begin();
    assert(eo_index_put(s_index, txn, NULL) == EO_EINVAL);
    assert(eo_index_put(s_index, txn, &ok) == EO_OK);
    /* Another carer with the same phone. */
    c = s_carer(2, EO_CARER_VISIT);
    strcpy(c.phone, ok.phone);
    assert(eo_index_put(s_index, txn, &c) == EO_EEXIST);
    uint32_t id;
    assert(eo_index_by_phone(s_index, txn, ok.phone, &id) == EO_OK && id == 1);
    assert(eo_index_by_phone(s_index, txn, "+821099999999", &id) == EO_ENOTFOUND);
    assert(eo_index_by_phone(s_index, txn, "", &id) == EO_EINVAL);
    /* A changed phone moves the phone index. */
    c = ok;
    strcpy(c.phone, "+821055556666");
    assert(eo_index_put(s_index, txn, &c) == EO_OK);
    assert(eo_index_by_phone(s_index, txn, ok.phone, &id) == EO_ENOTFOUND);
    assert(eo_index_by_phone(s_index, txn, "+821055556666", &id) == EO_OK && id == 1);
    assert(eo_index_set_booked(s_index, txn, 0, s_at(11, 28, 0, 0), 10, 0) == EO_EINVAL);
    assert(eo_index_set_booked(s_index, txn, 1, s_at(11, 28, 0, 0), 99999, 0) == EO_EINVAL);
    /* Bulk load refuses a store that has carers. */
    assert(eo_index_load(s_index, txn, &ok, &id, NULL, 1, s_at(11, 28, 0, 0)) == EO_EEXIST);
    s_commit(txn);
    /* Queries: unknown site, a dong of another site, bad windows. */
    eo_time_t sat = s_at(11, 28, 18, 0);
    eo_query_t good = {
        .site = "suwon", .dong = s_dong, .start = sat, .end = sat + EO_HOUR, .k = 5};
    eo_query_t bad[7];
    for (int i = 0; i < 7; i++)
        bad[i] = good;
    bad[0].site = "nowhere";
    bad[1].dong = s_other;
    bad[2].end = sat;
    bad[3].start = sat + 60;
    bad[4].end = sat + 8 * EO_DAY;
    bad[5].site = NULL;
    bad[6].n_exclude = 3;
    eo_candidate_t out[5];
    uint32_t n = 99;
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_query(s_index, txn, &good, out, &n) == EO_OK);
    for (int i = 0; i < 7; i++) {
        assert(eo_index_query(s_index, txn, &bad[i], out, &n) == EO_EINVAL && n == 0);
    }
    assert(eo_index_query(s_index, txn, NULL, out, &n) == EO_EINVAL);
    eo_store_abort(&txn);
    /* Bulk load: bad order, bad record. */
    s_reset();
    eo_carer_t two[2] = {s_carer(5, EO_CARER_VISIT), s_carer(4, EO_CARER_VISIT)};
    uint32_t mins[2] = {0, 0};
    txn = s_begin();
    assert(eo_index_load(s_index, txn, two, mins, NULL, 2, sat) == EO_EINVAL);
    two[1].id = 6;
    two[1].kind = 7;
    assert(eo_index_load(s_index, txn, two, mins, NULL, 2, sat) == EO_EINVAL);
    two[1].kind = EO_CARER_VISIT;
    strcpy(two[1].phone, two[0].phone);
    assert(eo_index_load(s_index, txn, two, mins, NULL, 2, sat) == EO_EEXIST);
    eo_store_abort(&txn);
}

/* A chunked bulk load that fails after chunks were committed leaves nothing. */
static void s_test_load_undo(void)
{
    s_reset();
    eo_time_t sat = s_at(11, 28, 18, 0);
    eo_carer_t carers[50];
    uint32_t mins[50] = {0};
    for (uint32_t i = 0; i < 50; i++) {
        carers[i] = s_carer(i + 1, EO_CARER_VISIT);
        s_free(&carers[i], sat, sat + 4 * EO_HOUR);
    }
    strcpy(carers[49].phone, carers[0].phone); /* found only when phones are written */
    eo_index_load_chunk(10);
    assert(eo_index_load_store(s_index, s_store, carers, mins, NULL, 50, sat) == EO_EEXIST);
    MDB_txn *txn;
    size_t n;
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_size(s_index, txn, &n) == EO_OK && n == 0);
    eo_store_abort(&txn);
    snprintf(carers[49].phone, sizeof carers[49].phone, "+821040000050");
    assert(eo_index_load_store(s_index, s_store, carers, mins, NULL, 50, sat) == EO_OK);
    eo_index_load_chunk(0);
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_size(s_index, txn, &n) == EO_OK && n == 50);
    eo_store_abort(&txn);
    assert(strlen(s_ids(sat, sat + EO_HOUR, NULL, 0)) > 0);
    assert(eo_index_load_store(s_index, s_store, carers, mins, NULL, 50, sat) == EO_EEXIST);
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    assert(system(cmd) == 0);
    char err[256];
    s_dongs = eo_dongs_load_default(err, sizeof err);
    assert(s_dongs);
    /* the rules' caps: the index enforces what it is given */
    assert(eo_rules_caps_config(NULL, &s_caps, err, sizeof err) == EO_OK);
    size_t n;
    const eo_dong_t *const *suwon =
        eo_dongs_of_site(s_dongs, eo_dongs_site_find(s_dongs, "suwon"), &n);
    s_dong = suwon[0]->code;
    s_nb = suwon[0]->nb[0];
    s_other = eo_dongs_of_site(s_dongs, eo_dongs_site_find(s_dongs, "hwaseong"), &n)[0]->code;

    s_test_midnight();
    s_test_week_boundary();
    s_test_caps();
    s_test_filters();
    s_test_bookings();
    s_test_bookings_visit();
    s_test_events();
    s_test_bad_input();
    s_test_load_undo();
    printf("index cases: ok\n");

    eo_index_destroy(&s_index);
    eo_store_destroy(&s_store);
    eo_dongs_destroy(&s_dongs);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert(system(cmd) == 0);
    return 0;
}
