/* index.reference: the index query against a brute-force scan of every carer, order
 * included, at N = 20,000 for 5,000 W1 requests (plus 2,000 whose windows cross a
 * week and a month boundary). After each query the first candidate is booked (in the
 * index and in the model) and some earlier bookings are released, so the lists'
 * re-sorting and the booking checks are compared too.
 *
 * The brute force (model.c) is written from docs/workload.md alone: it walks every
 * half-hour slot of the window, counts minutes per ISO week and month slot by slot, and
 * shares nothing with the index but the W1 generator, eo_time and the dong table. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"
#include "model.h"

#define N_CARERS 20000
#define K 20

static void s_compare(eo_index_t *index, eo_store_t *store, eo_w1_t *w1, uint32_t n_requests,
                      const char *tag)
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
        eo_candidate_t got[K];
        MDB_txn *txn;
        assert(eo_store_begin(store, true, &txn) == EO_OK);
        uint32_t ng = m_compare(index, txn, &q, got, tag, i);
        total += ng;
        /* Settle: book the first candidate every other request; release an older one
         * now and then. */
        if (ng && i % 2 == 0) {
            char name[24];
            snprintf(name, sizeof name, "%s-%u", tag, i);
            assert(eo_index_book(index, txn, got[0].carer_id, name, r.start, r.end) == EO_OK);
            m_book(got[0].carer_id, name, r.start, r.end);
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
            assert(eo_index_book(index, txn, got[ng - 1].carer_id, name, r.start, r.end) ==
                   EO_OK);
            m_book(got[ng - 1].carer_id, name, r.start, r.end);
            booked++;
        }
        if (i % 50 == 49 && n_names) {
            int x = (int)(i % (uint32_t)n_names);
            if (owners[x]) {
                assert(eo_index_unbook(index, txn, owners[x], names[x]) == EO_OK);
                m_unbook(owners[x], names[x]);
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
    eo_caps_t caps;
    assert(eo_rules_caps_config(NULL, &caps, err, sizeof err) == EO_OK);
    m_init(dongs, &caps, N_CARERS);
    eo_carer_t *carers = calloc(N_CARERS, sizeof *carers);
    uint32_t *week = calloc(N_CARERS, sizeof *week), *month = calloc(N_CARERS, sizeof *month);
    assert(carers && week && month);

    /* 1. The W1 clock (Friday 18:00), bulk-loaded: the reference-week path. */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/w1", tmp);
    eo_store_t *store = eo_store_new(dir, 1024, EO_STORE_NOSYNC);
    eo_index_t *index = eo_index_new(store, dongs, &caps);
    assert(store && index);
    eo_w1_t *w1 = eo_w1_new(dongs, 7, 0);
    m_generate(w1, eo_w1_clock(w1), N_CARERS, carers, week, month);
    MDB_txn *txn;
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    assert(eo_index_load(index, txn, carers, week, month, N_CARERS, eo_w1_clock(w1)) == EO_OK);
    assert(eo_store_commit(store, &txn) == EO_OK);
    s_compare(index, store, w1, 5000, "friday");
    eo_w1_destroy(&w1);
    eo_index_destroy(&index);
    eo_store_destroy(&store);

    /* 2. Sunday 2026-05-31 06:00: windows from Sunday 08:00 to Monday 18:00 cross
     * midnight, the ISO week and the month; Monday starts are outside the reference
     * week. Loaded carer by carer with eo_index_put. */
    snprintf(dir, sizeof dir, "%s/sunday", tmp);
    store = eo_store_new(dir, 1024, EO_STORE_NOSYNC);
    index = eo_index_new(store, dongs, &caps);
    assert(store && index);
    eo_time_t sunday = eo_time_from_local(2026, 5, 31, 6, 0, 0);
    w1 = eo_w1_new(dongs, 11, sunday);
    m_generate(w1, sunday, N_CARERS, carers, week, month);
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    for (uint32_t i = 0; i < N_CARERS; i++) {
        assert(eo_index_set_booked(index, txn, carers[i].id, sunday, week[i], month[i]) ==
               EO_OK);
        assert(eo_index_put(index, txn, &carers[i]) == EO_OK);
    }
    assert(eo_store_commit(store, &txn) == EO_OK);
    s_compare(index, store, w1, 2000, "sunday");
    eo_w1_destroy(&w1);
    eo_index_destroy(&index);
    eo_store_destroy(&store);

    eo_dongs_destroy(&dongs);
    m_destroy();
    free(carers);
    free(week);
    free(month);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert(system(cmd) == 0);
    return 0;
}
