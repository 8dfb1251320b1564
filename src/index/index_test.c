/* index_test.c: eo_index_test, a short tour of the index (the thorough tests are in
 * tests/index/). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"

/* A pool carer of 수원 who prefers the given dongs and is free Saturday 18:00-24:00. */
static eo_carer_t s_carer(uint32_t id, const char *phone, uint32_t d1, uint32_t d2)
{
    eo_carer_t c;
    memset(&c, 0, sizeof c);
    c.id = id;
    strcpy(c.site, "suwon");
    c.kind = EO_CARER_VISIT;
    c.pool = c.active = c.night_ok = true;
    c.home_dong = d1;
    c.dongs[c.n_dongs++] = d1;
    if (d2) c.dongs[c.n_dongs++] = d2;
    strcpy(c.phone, phone);
    snprintf(c.name, sizeof c.name, "돌보미 %u", id);
    for (int s = 5 * 48 + 36; s < 6 * 48; s++)
        eo_avail_set(c.avail, s, true);
    c.check_until = c.training_until = 20271231;
    return c;
}

void eo_index_test(bool verbose)
{
    if (verbose) printf(" * eo_index: ");
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    char dir[] = "/tmp/eo_index_test.XXXXXX";
    assert(mkdtemp(dir));
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    assert(store);
    eo_caps_t caps;
    assert(eo_rules_caps_config(NULL, &caps, err, sizeof err) == EO_OK);
    eo_index_t *index = eo_index_new(store, dongs, &caps);
    assert(index);

    /* Two dongs of 수원 that are neighbours. */
    size_t n;
    const eo_dong_t *const *suwon =
        eo_dongs_of_site(dongs, eo_dongs_site_find(dongs, "suwon"), &n);
    const eo_dong_t *home = suwon[0];
    assert(home->n_nb > 0);
    uint32_t nb = home->nb[0];

    MDB_txn *txn;
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    eo_carer_t a = s_carer(1, "+821011110001", home->code, 0);
    eo_carer_t b = s_carer(2, "+821011110002", home->code, 0);
    eo_carer_t c = s_carer(3, "+821011110003", nb, 0);
    assert(eo_index_put(index, txn, &a) == EO_OK);
    assert(eo_index_put(index, txn, &b) == EO_OK);
    assert(eo_index_put(index, txn, &c) == EO_OK);
    eo_carer_t bad = s_carer(4, "01011110004", home->code, 0);
    assert(eo_index_put(index, txn, &bad) == EO_EINVAL);
    eo_carer_t dup = s_carer(5, "+821011110001", home->code, 0);
    assert(eo_index_put(index, txn, &dup) == EO_EEXIST);

    /* Saturday 2026-11-28 19:00-21:00; carer 1 already has 10 h this week. */
    eo_time_t start = eo_time_from_local(2026, 11, 28, 19, 0, 0);
    assert(eo_index_set_booked(index, txn, 1, start, 600, 600) == EO_OK);
    assert(eo_store_commit(store, &txn) == EO_OK);

    assert(eo_store_begin(store, false, &txn) == EO_OK);
    eo_carer_t got;
    assert(eo_index_get(index, txn, 2, &got) == EO_OK && streq(got.phone, "+821011110002"));
    assert(eo_index_get(index, txn, 9, &got) == EO_ENOTFOUND);
    uint32_t id;
    assert(eo_index_by_phone(index, txn, "+821011110003", &id) == EO_OK && id == 3);
    eo_query_t q = {.site = "suwon",
                    .dong = home->code,
                    .start = start,
                    .end = start + 2 * EO_HOUR,
                    .k = 20};
    eo_candidate_t out[20];
    uint32_t got_n;
    assert(eo_index_query(index, txn, &q, out, &got_n) == EO_OK);
    /* Tier 1 by booked minutes (2 has none, 1 has 600), then the neighbour's carer. */
    assert(got_n == 3);
    assert(out[0].carer_id == 2 && out[0].tier == 1 && out[0].booked_min == 0);
    assert(out[1].carer_id == 1 && out[1].booked_min == 600);
    assert(out[2].carer_id == 3 && out[2].tier == 2);
    eo_store_abort(&txn);

    /* Book carer 2: the slot is taken, the minutes move it behind carer 1. */
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    assert(eo_index_book(index, txn, 2, "req-1", start, start + 11 * EO_HOUR) == EO_EBUSY);
    assert(eo_index_book(index, txn, 2, "req-1", start, start + 4 * EO_HOUR) == EO_OK);
    assert(eo_index_book(index, txn, 2, "req-1", start, start + 4 * EO_HOUR) == EO_EEXIST);
    assert(eo_index_book(index, txn, 2, "req-2", start + EO_HOUR, start + 2 * EO_HOUR) ==
           EO_EBUSY);
    uint32_t wm, mm;
    assert(eo_index_booked(index, txn, 2, start, &wm, &mm) == EO_OK && wm == 240 && mm == 240);
    assert(eo_index_query(index, txn, &q, out, &got_n) == EO_OK);
    assert(got_n == 2 && out[0].carer_id == 1 && out[1].carer_id == 3);
    assert(eo_index_unbook(index, txn, 2, "req-1") == EO_OK);
    assert(eo_index_unbook(index, txn, 2, "req-1") == EO_ENOTFOUND);
    assert(eo_index_query(index, txn, &q, out, &got_n) == EO_OK);
    assert(got_n == 3 && out[0].carer_id == 2);
    assert(eo_store_commit(store, &txn) == EO_OK);

    eo_index_destroy(&index);
    assert(index == NULL);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_dongs_destroy(&dongs);
    assert(eo_store_remove(dir) == 0);
    if (verbose) printf("OK\n");
}
