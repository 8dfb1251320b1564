/* index.reference: the index query against a brute-force scan of every carer, order
 * included, at N = 20,000 for 5,000 W1 requests (plus 2,000 whose windows cross a
 * week and a month boundary). After each query the first candidate is booked (in the
 * index and in the model) and some earlier bookings are released, so the lists'
 * re-sorting and the booking checks are compared too.
 *
 * The brute force is written from docs/workload.md alone: it walks every half-hour slot of
 * the window, counts minutes per ISO week and month slot by slot, and shares nothing
 * with the index but the W1 generator, eo_time and the dong table. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"

#define N_CARERS 20000
#define K 20
#define MAX_BOOK 32
#define MAX_MIN 16

typedef struct {
    eo_time_t start, end;
    char name[24];
    bool live;
} m_booking_t;

typedef struct {
    char type;
    int32_t period;
    uint32_t minutes;
} m_minutes_t;

typedef struct {
    eo_carer_t c;
    m_booking_t book[MAX_BOOK];
    int n_book;
    m_minutes_t min[MAX_MIN];
    int n_min;
} m_carer_t;

static eo_caps_t s_caps;
static m_carer_t *s_model;
/* The fields every request looks at, packed apart so that the scan over all carers
 * stays in cache (the model's records are large). */
typedef struct {
    uint16_t dong_pos[EO_CARER_MAX_DONGS]; /* positions in the dong table */
    uint8_t n_dongs;
    bool listed; /* pool and active */
} m_hot_t;
static m_hot_t *s_hot;
static const eo_dongs_t *s_dongs;

static uint32_t *s_min_ref(m_carer_t *m, char type, int32_t period)
{
    for (int i = 0; i < m->n_min; i++)
        if (m->min[i].type == type && m->min[i].period == period)
            return &m->min[i].minutes;
    assert(m->n_min < MAX_MIN);
    m->min[m->n_min] = (m_minutes_t){type, period, 0};
    return &m->min[m->n_min++].minutes;
}

/* Minutes of [start, end) per ISO week and month, counted slot by slot. */
typedef struct {
    int32_t period[8];
    char type[8];
    uint32_t add[8];
    int n;
} m_split_t;

static void s_split(eo_time_t start, eo_time_t end, m_split_t *sp)
{
    memset(sp, 0, sizeof *sp);
    for (eo_time_t t = start; t < end; t += 1800) {
        int32_t keys[2] = {eo_iso_week(t), eo_month_key(t)};
        char types[2] = {'W', 'M'};
        for (int j = 0; j < 2; j++) {
            int i = 0;
            while (i < sp->n && !(sp->type[i] == types[j] && sp->period[i] == keys[j]))
                i++;
            if (i == sp->n) {
                sp->type[i] = types[j];
                sp->period[i] = keys[j];
                sp->n++;
            }
            sp->add[i] += 30;
        }
    }
}

static int s_cmp(const void *a, const void *b)
{
    const eo_candidate_t *x = a, *y = b;
    if (x->tier != y->tier)
        return x->tier - y->tier;
    if (x->booked_min != y->booked_min)
        return x->booked_min < y->booked_min ? -1 : 1;
    return x->carer_id < y->carer_id ? -1 : 1;
}

static uint32_t s_brute(const eo_dongs_t *dongs, const eo_query_t *q, eo_candidate_t *out)
{
    static eo_candidate_t all[N_CARERS];
    uint32_t n = 0;
    const eo_dong_t *rd = eo_dongs_find(dongs, q->dong);
    /* Tier of each dong of the table for this request: 1 itself, 2 a neighbour. */
    static uint8_t tier_of[65536];
    size_t nd = eo_dongs_count(dongs);
    assert(nd < 65536);
    memset(tier_of, 0, nd);
    for (int x = 0; x < rd->n_nb; x++)
        tier_of[eo_dongs_find(dongs, rd->nb[x]) - eo_dongs_at(dongs, 0)] = 2;
    tier_of[rd - eo_dongs_at(dongs, 0)] = 1;
    int32_t last_day = eo_date_key(q->end - 1);
    m_split_t sp;
    s_split(q->start, q->end, &sp);
    int slots[7 * 48], n_slots = 0;
    for (eo_time_t t = q->start; t < q->end; t += 1800)
        slots[n_slots++] = eo_week_slot(t);
    for (uint32_t i = 0; i < N_CARERS; i++) {
        const m_hot_t *h = &s_hot[i];
        if (!h->listed)
            continue;
        int tier = 0;
        for (int j = 0; j < h->n_dongs; j++) {
            int t = tier_of[h->dong_pos[j]];
            if (t && (!tier || t < tier))
                tier = t;
        }
        if (!tier)
            continue;
        m_carer_t *m = &s_model[i];
        const eo_carer_t *c = &m->c;
        bool ok = c->check_until >= last_day && c->training_until >= last_day;
        for (uint32_t x = 0; x < q->n_exclude; x++)
            if (q->exclude[x] == c->id)
                ok = false;
        for (int x = 0; ok && x < n_slots; x++)
            ok = eo_avail_get(c->avail, slots[x]);
        for (int b = 0; ok && b < m->n_book; b++)
            if (m->book[b].live && m->book[b].start < q->end && q->start < m->book[b].end)
                ok = false;
        for (int x = 0; ok && x < sp.n; x++) {
            int cap = sp.type[x] == 'W' ? (int)s_caps.week_min[c->kind] : (int)s_caps.month_min[c->kind];
            if (cap && *s_min_ref(m, sp.type[x], sp.period[x]) + sp.add[x] > (uint32_t)cap)
                ok = false;
        }
        if (ok)
            all[n++] = (eo_candidate_t){c->id, (uint8_t)tier,
                                        *s_min_ref(m, 'W', eo_iso_week(q->start))};
    }
    qsort(all, n, sizeof all[0], s_cmp);
    if (n > q->k)
        n = q->k;
    memcpy(out, all, n * sizeof *out);
    return n;
}

static void s_model_book(m_carer_t *m, const char *name, eo_time_t start, eo_time_t end, int sign)
{
    m_split_t sp;
    s_split(start, end, &sp);
    for (int x = 0; x < sp.n; x++) {
        uint32_t *v = s_min_ref(m, sp.type[x], sp.period[x]);
        *v = sign > 0 ? *v + sp.add[x] : *v - sp.add[x];
    }
    if (sign > 0) {
        assert(m->n_book < MAX_BOOK);
        m_booking_t *b = &m->book[m->n_book++];
        b->start = start;
        b->end = end;
        b->live = true;
        snprintf(b->name, sizeof b->name, "%s", name);
    } else {
        for (int i = 0; i < m->n_book; i++)
            if (m->book[i].live && streq(m->book[i].name, name))
                m->book[i].live = false;
    }
}

static void s_model_unbook(m_carer_t *m, const char *name)
{
    for (int i = 0; i < m->n_book; i++)
        if (m->book[i].live && streq(m->book[i].name, name)) {
            s_model_book(m, name, m->book[i].start, m->book[i].end, -1);
            return;
        }
    abort();
}

/* W1 carers, with some made inactive, out of the pool or lapsed, so that every filter
 * has something to reject. */
static void s_generate(eo_w1_t *w1, eo_time_t clock, eo_carer_t *carers, uint32_t *week,
                       uint32_t *month)
{
    for (uint32_t i = 0; i < N_CARERS; i++) {
        eo_carer_t *c = &carers[i];
        eo_w1_carer(w1, i, c, &week[i]);
        if (c->id % 89 == 0)
            c->active = false;
        if (c->id % 97 == 0)
            c->check_until = eo_date_key(clock + 30 * EO_HOUR); /* lapses during the run */
        if (c->id % 83 == 0)
            c->training_until = 0;
        month[i] = c->kind == EO_CARER_INVITED ? week[i] : 0;
        m_carer_t *m = &s_model[i];
        memset(m, 0, sizeof *m);
        m->c = *c;
        s_hot[i].listed = c->pool && c->active;
        s_hot[i].n_dongs = c->n_dongs;
        for (int j = 0; j < c->n_dongs; j++)
            s_hot[i].dong_pos[j] = (uint16_t)(eo_dongs_find(s_dongs, c->dongs[j]) - eo_dongs_at(s_dongs, 0));
        *s_min_ref(m, 'W', eo_iso_week(clock)) = week[i];
        *s_min_ref(m, 'M', eo_month_key(clock)) = month[i];
    }
}

static void s_compare(eo_index_t *index, eo_store_t *store, const eo_dongs_t *dongs,
                      eo_w1_t *w1, uint32_t n_requests, const char *tag)
{
    uint32_t exclude[8];
    char names[64][24];
    uint32_t owners[64];
    int n_names = 0;
    uint64_t total = 0, booked = 0;
    for (uint32_t i = 0; i < n_requests; i++) {
        eo_w1_request_t r;
        eo_w1_request(w1, i, &r);
        eo_query_t q = {.site = r.site, .dong = r.dong, .start = r.start, .end = r.end, .k = K};
        if (i % 5 == 0) { /* some requests exclude carers already offered */
            q.exclude = exclude;
            q.n_exclude = 8;
            for (int x = 0; x < 8; x++)
                exclude[x] = 1 + (uint32_t)((i * 7919u + (uint32_t)x * 104729u) % N_CARERS);
        }
        eo_candidate_t want[K], got[K];
        uint32_t nw = s_brute(dongs, &q, want), ng = 0;
        MDB_txn *txn;
        assert(eo_store_begin(store, true, &txn) == EO_OK);
        assert(eo_index_query(index, txn, &q, got, &ng) == EO_OK);
        bool same = ng == nw;
        for (uint32_t x = 0; same && x < nw; x++)
            same = got[x].carer_id == want[x].carer_id && got[x].tier == want[x].tier &&
                   got[x].booked_min == want[x].booked_min;
        if (!same) {
            fprintf(stderr, "%s request %u: index %u candidates, brute force %u\n", tag, i, ng, nw);
            for (uint32_t x = 0; x < K; x++)
                fprintf(stderr, "  %2u: index %u/%u/%u  brute %u/%u/%u\n", x,
                        x < ng ? got[x].carer_id : 0, x < ng ? got[x].tier : 0,
                        x < ng ? got[x].booked_min : 0, x < nw ? want[x].carer_id : 0,
                        x < nw ? want[x].tier : 0, x < nw ? want[x].booked_min : 0);
            abort();
        }
        total += ng;
        /* Settle: book the first candidate every other request; release an older one
         * now and then. */
        if (ng && i % 2 == 0) {
            char name[24];
            snprintf(name, sizeof name, "%s-%u", tag, i);
            assert(eo_index_book(index, txn, got[0].carer_id, name, r.start, r.end) == EO_OK);
            s_model_book(&s_model[got[0].carer_id - 1], name, r.start, r.end, +1);
            booked++;
            if (n_names < 64) {
                snprintf(names[n_names], sizeof names[0], "%s", name);
                owners[n_names++] = got[0].carer_id;
            }
        }
        /* Also book the last candidate every third request: carers booked since the
         * lists were written have list keys below their minutes (lower bounds), and
         * the last candidate is the one the early stop compares against. */
        if (ng > 1 && i % 3 == 1) {
            char name[24];
            snprintf(name, sizeof name, "%s-%u-z", tag, i);
            assert(eo_index_book(index, txn, got[ng - 1].carer_id, name, r.start, r.end) == EO_OK);
            s_model_book(&s_model[got[ng - 1].carer_id - 1], name, r.start, r.end, +1);
            booked++;
        }
        if (i % 50 == 49 && n_names) {
            int x = (int)(i % (uint32_t)n_names);
            if (owners[x]) {
                assert(eo_index_unbook(index, txn, owners[x], names[x]) == EO_OK);
                s_model_unbook(&s_model[owners[x] - 1], names[x]);
                owners[x] = 0;
            }
        }
        assert(eo_store_commit(store, &txn) == EO_OK);
    }
    printf("%s: %u requests agree (mean %.2f candidates, %lu booked)\n", tag, n_requests,
           (double)total / n_requests, (unsigned long)booked);
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    assert(system(cmd) == 0);
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    /* the rules' caps: the index enforces what it is given */
    assert(eo_rules_caps_config(NULL, &s_caps, err, sizeof err) == EO_OK);
    s_dongs = dongs;
    s_model = calloc(N_CARERS, sizeof *s_model);
    s_hot = calloc(N_CARERS, sizeof *s_hot);
    eo_carer_t *carers = calloc(N_CARERS, sizeof *carers);
    uint32_t *week = calloc(N_CARERS, sizeof *week), *month = calloc(N_CARERS, sizeof *month);
    assert(s_model && s_hot && carers && week && month);

    /* 1. The W1 clock (Friday 18:00), bulk-loaded: the reference-week path. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/w1", tmp);
    eo_store_t *store = eo_store_new(dir, 1024, EO_STORE_NOSYNC);
    eo_index_t *index = eo_index_new(store, dongs, &s_caps);
    assert(store && index);
    eo_w1_t *w1 = eo_w1_new(dongs, 7, 0);
    s_generate(w1, eo_w1_clock(w1), carers, week, month);
    MDB_txn *txn;
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    assert(eo_index_load(index, txn, carers, week, month, N_CARERS, eo_w1_clock(w1)) == EO_OK);
    assert(eo_store_commit(store, &txn) == EO_OK);
    s_compare(index, store, dongs, w1, 5000, "friday");
    eo_w1_destroy(&w1);
    eo_index_destroy(&index);
    eo_store_destroy(&store);

    /* 2. Sunday 2026-05-31 06:00: windows from Sunday 08:00 to Monday 18:00 cross
     * midnight, the ISO week and the month; Monday starts are outside the reference
     * week. Loaded carer by carer with eo_index_put. */
    snprintf(dir, sizeof dir, "%s/sunday", tmp);
    store = eo_store_new(dir, 1024, EO_STORE_NOSYNC);
    index = eo_index_new(store, dongs, &s_caps);
    assert(store && index);
    eo_time_t sunday = eo_time_from_local(2026, 5, 31, 6, 0, 0);
    w1 = eo_w1_new(dongs, 11, sunday);
    s_generate(w1, sunday, carers, week, month);
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    for (uint32_t i = 0; i < N_CARERS; i++) {
        assert(eo_index_set_booked(index, txn, carers[i].id, sunday, week[i], month[i]) == EO_OK);
        assert(eo_index_put(index, txn, &carers[i]) == EO_OK);
    }
    assert(eo_store_commit(store, &txn) == EO_OK);
    s_compare(index, store, dongs, w1, 2000, "sunday");
    eo_w1_destroy(&w1);
    eo_index_destroy(&index);
    eo_store_destroy(&store);

    eo_dongs_destroy(&dongs);
    free(s_model);
    free(s_hot);
    free(carers);
    free(week);
    free(month);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert(system(cmd) == 0);
    return 0;
}
