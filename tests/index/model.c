/* model.c: the brute-force model of the carer index (model.h). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "model.h"

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

/* The fields every request looks at, packed apart so that the scan over all carers
 * stays in cache (the model's records are large). */
typedef struct {
    uint16_t dong_pos[EO_CARER_MAX_DONGS]; /* positions in the dong table */
    uint8_t n_dongs;
    bool listed; /* pool and active */
} m_hot_t;

static eo_caps_t s_caps;
static const eo_dongs_t *s_dongs;
static m_carer_t *s_model;
static m_hot_t *s_hot;
static eo_candidate_t *s_all;
static uint32_t s_capacity, s_n; /* carers 1 .. s_n exist */

void m_init(const eo_dongs_t *dongs, const eo_caps_t *caps, uint32_t capacity)
{
    s_dongs = dongs;
    s_caps = *caps;
    s_capacity = capacity;
    s_n = 0;
    s_model = calloc(capacity, sizeof *s_model);
    s_hot = calloc(capacity, sizeof *s_hot);
    s_all = calloc(capacity, sizeof *s_all);
    assert(s_model && s_hot && s_all);
}

void m_destroy(void)
{
    free(s_model);
    free(s_hot);
    free(s_all);
    s_model = NULL;
    s_hot = NULL;
    s_all = NULL;
}

static m_carer_t *s_get(uint32_t id)
{
    assert(id >= 1 && id <= s_n);
    return &s_model[id - 1];
}

static uint32_t *s_min_ref(m_carer_t *m, char type, int32_t period)
{
    for (int i = 0; i < m->n_min; i++)
        if (m->min[i].type == type && m->min[i].period == period) return &m->min[i].minutes;
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
    if (x->tier != y->tier) return x->tier - y->tier;
    if (x->booked_min != y->booked_min) return x->booked_min < y->booked_min ? -1 : 1;
    return x->carer_id < y->carer_id ? -1 : 1;
}

uint32_t m_query(const eo_query_t *q, eo_candidate_t *out)
{
    uint32_t n = 0;
    const eo_dong_t *rd = eo_dongs_find(s_dongs, q->dong);
    /* Tier of each dong of the table for this request: 1 itself, 2 a neighbour. */
    static uint8_t tier_of[65536];
    size_t nd = eo_dongs_count(s_dongs);
    assert(nd < 65536);
    memset(tier_of, 0, nd);
    for (int x = 0; x < rd->n_nb; x++)
        tier_of[eo_dongs_find(s_dongs, rd->nb[x]) - eo_dongs_at(s_dongs, 0)] = 2;
    tier_of[rd - eo_dongs_at(s_dongs, 0)] = 1;
    int32_t last_day = eo_date_key(q->end - 1);
    m_split_t sp;
    s_split(q->start, q->end, &sp);
    int slots[7 * 48], n_slots = 0;
    for (eo_time_t t = q->start; t < q->end; t += 1800)
        slots[n_slots++] = eo_week_slot(t);
    /* locals: the stores below must not make the loop reload the globals */
    const m_hot_t *hot = s_hot;
    m_carer_t *model = s_model;
    eo_candidate_t *all = s_all;
    for (uint32_t i = 0, n_carers = s_n; i < n_carers; i++) {
        const m_hot_t *h = &hot[i];
        if (!h->listed) continue;
        int tier = 0;
        for (int j = 0; j < h->n_dongs; j++) {
            int t = tier_of[h->dong_pos[j]];
            if (t && (!tier || t < tier)) tier = t;
        }
        if (!tier) continue;
        m_carer_t *m = &model[i];
        const eo_carer_t *c = &m->c;
        bool ok = c->check_until >= last_day && c->training_until >= last_day;
        for (uint32_t x = 0; x < q->n_exclude; x++)
            if (q->exclude[x] == c->id) ok = false;
        for (int x = 0; ok && x < n_slots; x++)
            ok = eo_avail_get(c->avail, slots[x]);
        for (int b = 0; ok && b < m->n_book; b++)
            if (m->book[b].live && m->book[b].start < q->end && q->start < m->book[b].end)
                ok = false;
        for (int x = 0; ok && x < sp.n; x++) {
            int cap = sp.type[x] == 'W' ? (int)s_caps.week_min[c->kind]
                                        : (int)s_caps.month_min[c->kind];
            if (cap && *s_min_ref(m, sp.type[x], sp.period[x]) + sp.add[x] > (uint32_t)cap)
                ok = false;
        }
        if (ok)
            all[n++] = (eo_candidate_t){c->id, (uint8_t)tier,
                                        *s_min_ref(m, 'W', eo_iso_week(q->start))};
    }
    qsort(all, n, sizeof all[0], s_cmp);
    if (n > q->k) n = q->k;
    memcpy(out, all, n * sizeof *out);
    return n;
}

static void s_book(m_carer_t *m, const char *name, eo_time_t start, eo_time_t end, int sign)
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
            if (m->book[i].live && streq(m->book[i].name, name)) m->book[i].live = false;
    }
}

void m_book(uint32_t id, const char *name, eo_time_t start, eo_time_t end)
{
    s_book(s_get(id), name, start, end, +1);
}

void m_unbook(uint32_t id, const char *name)
{
    m_carer_t *m = s_get(id);
    for (int i = 0; i < m->n_book; i++)
        if (m->book[i].live && streq(m->book[i].name, name)) {
            s_book(m, name, m->book[i].start, m->book[i].end, -1);
            return;
        }
    abort();
}

void m_put(const eo_carer_t *c)
{
    assert(c->id >= 1 && c->id <= s_capacity);
    if (c->id > s_n) {
        assert(c->id == s_n + 1); /* ids stay dense */
        s_n = c->id;
        memset(&s_model[c->id - 1], 0, sizeof s_model[0]);
    }
    m_carer_t *m = s_get(c->id);
    m->c = *c;
    m_hot_t *h = &s_hot[c->id - 1];
    h->listed = c->pool && c->active;
    h->n_dongs = c->n_dongs;
    for (int j = 0; j < c->n_dongs; j++)
        h->dong_pos[j] =
            (uint16_t)(eo_dongs_find(s_dongs, c->dongs[j]) - eo_dongs_at(s_dongs, 0));
}

const eo_carer_t *m_carer(uint32_t id)
{
    return &s_get(id)->c;
}

uint32_t m_count(void)
{
    return s_n;
}

/* What the live bookings put into one period. */
static uint32_t s_rows(const m_carer_t *m, char type, int32_t period)
{
    uint32_t sum = 0;
    for (int b = 0; b < m->n_book; b++) {
        if (!m->book[b].live) continue;
        m_split_t sp;
        s_split(m->book[b].start, m->book[b].end, &sp);
        for (int x = 0; x < sp.n; x++)
            if (sp.type[x] == type && sp.period[x] == period) sum += sp.add[x];
    }
    return sum;
}

void m_set_booked(uint32_t id, eo_time_t t, uint32_t week_min, uint32_t month_min)
{
    m_carer_t *m = s_get(id);
    int32_t w = eo_iso_week(t), mo = eo_month_key(t);
    uint32_t rw = s_rows(m, 'W', w), rm = s_rows(m, 'M', mo);
    *s_min_ref(m, 'W', w) = week_min > rw ? week_min : rw;
    *s_min_ref(m, 'M', mo) = month_min > rm ? month_min : rm;
}

uint32_t m_minutes(uint32_t id, char type, eo_time_t t)
{
    return *s_min_ref(s_get(id), type, type == 'W' ? eo_iso_week(t) : eo_month_key(t));
}

void m_generate(eo_w1_t *w1, eo_time_t clock, uint32_t n, eo_carer_t *carers, uint32_t *week,
                uint32_t *month)
{
    assert(n <= s_capacity);
    s_n = 0;
    for (uint32_t i = 0; i < n; i++) {
        eo_carer_t *c = &carers[i];
        eo_w1_carer(w1, i, c, &week[i]);
        if (c->id % 89 == 0) c->active = false;
        if (c->id % 97 == 0)
            c->check_until = eo_date_key(clock + 30 * EO_HOUR); /* lapses during the run */
        if (c->id % 83 == 0) c->training_until = 0;
        month[i] = c->kind == EO_CARER_INVITED ? week[i] : 0;
        m_put(c);
        m_carer_t *m = s_get(c->id);
        *s_min_ref(m, 'W', eo_iso_week(clock)) = week[i];
        *s_min_ref(m, 'M', eo_month_key(clock)) = month[i];
    }
}

uint32_t m_compare(eo_index_t *index, MDB_txn *txn, const eo_query_t *q, eo_candidate_t *got,
                   const char *tag, uint32_t i)
{
    eo_candidate_t want[1000];
    assert(q->k <= 1000);
    uint32_t nw = m_query(q, want), ng = 0;
    assert(eo_index_query(index, txn, q, got, &ng) == EO_OK);
    bool same = ng == nw;
    for (uint32_t x = 0; same && x < nw; x++)
        same = got[x].carer_id == want[x].carer_id && got[x].tier == want[x].tier &&
               got[x].booked_min == want[x].booked_min;
    if (!same) {
        fprintf(stderr, "%s request %u: index %u candidates, brute force %u\n", tag, i, ng, nw);
        for (uint32_t x = 0; x < q->k; x++)
            fprintf(stderr, "  %2u: index %u/%u/%u  brute %u/%u/%u\n", x,
                    x < ng ? got[x].carer_id : 0, x < ng ? got[x].tier : 0,
                    x < ng ? got[x].booked_min : 0, x < nw ? want[x].carer_id : 0,
                    x < nw ? want[x].tier : 0, x < nw ? want[x].booked_min : 0);
        abort();
    }
    return ng;
}
