/* retention.minutes: what a retention run deletes of the carers' booked-minute counters
 * (docs/retention.md "The carers' minutes and offers"). A counter of a week or month
 * that is over goes only when it is not the index's reference week and the carer holds
 * no booking row in it; `eonjena check` passes after every run; the batches are
 * recorded with their cut, and a replay from the checkpoint before them (which does not
 * re-key) deletes the same counters. */
#include <string.h>

#include "eonjena/eo_retention.h"
#include "matcher/fixture.h"

/* The minutes of carer id in the week and month of t. */
static void s_minutes(fx_t *fx, uint32_t id, eo_time_t t, uint32_t *week, uint32_t *month)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_booked(fx->index, txn, id, t, week, month) == EO_OK);
    eo_store_abort(&txn);
}

static void s_settled(fx_t *fx, const char *id, int64_t start, uint32_t carer)
{
    size_t n;
    uint8_t *b = fx_request(fx, id, start, 2, 1, &n);
    fx_apply_ok(fx, b, n);
    char reply[64];
    snprintf(reply, sizeof reply, "mo-%s", id);
    b = fx_answer(id, carer, true, reply, &n);
    fx_apply_ok(fx, b, n);
    assert(fx_case(fx, id).state == EO_CASE_SETTLED);
    snprintf(reply, sizeof reply, "pay-%s", id);
    b = fx_payment(id, 0, reply, &n); /* paid: it takes place, its booking stays */
    fx_apply_ok(fx, b, n);
}

static void s_digest(eo_store_t *store, eo_cases_t *cases, char *hex)
{
    MDB_txn *txn;
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_cases_digest(cases, txn, hex) == EO_OK);
    eo_store_abort(&txn);
}

/* Phase 2 of a run alone, in batches of 4 carers, each recorded: the rows deleted. */
static size_t s_prune(fx_t *fx)
{
    eo_retention_cuts_t cuts = {0};
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_index_prune_cut(fx->index, txn, fx->now_ms / 1000, &cuts.periods_before) ==
           EO_OK);
    eo_store_abort(&txn);
    eo_retention_counts_t counts = {0};
    uint8_t phase = 2, key[EO_RETENTION_KEY_MAX];
    size_t keylen = 0, batches = 0;
    while (phase < EO_RETENTION_DONE) {
        assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
        assert(eo_retention_batch(fx->cases, txn, fx->now_ms, &cuts, 1, &phase, key, &keylen,
                                  &counts) == EO_OK);
        assert(eo_store_commit(fx->store, &txn) == EO_OK);
        batches++;
    }
    assert(batches >= 2); /* 5 carers, 4 a batch */
    return counts.minutes;
}

int main(void)
{
    zsys_init();
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    fx_t *fx = fx_new("minutes", true, &cfg);
    fx_carers(fx, 5);
    const int64_t t0 = fx->now_ms / 1000; /* Friday 2026-11-27 18:00: week 48, November */
    s_settled(fx, "a", t0 + 3 * 3600, 1);
    s_settled(fx, "b", t0 + 4 * 3600, 2);
    /* carer 3's minutes of this week and month were imported: no booking row */
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_index_set_booked(fx->index, txn, 3, t0, 120, 240) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    uint32_t w, m;
    s_minutes(fx, 1, t0, &w, &m);
    assert(w == 120 && m == 120);

    /* ten days on (Monday 7 December, week 50): the week and month are over */
    fx->now_ms += 10 * EO_DAY * 1000LL;
    fx_tick(fx);
    /* carers 4 and 5 have minutes in the week and month now running: they stay */
    const int64_t t1 = fx->now_ms / 1000;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    for (uint32_t id = 4; id <= 5; id++)
        assert(eo_index_set_booked(fx->index, txn, id, t1, 60, 60) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    eo_retention_config_t rcfg;
    eo_retention_config_defaults(&rcfg); /* cases are kept (retire_days 0) */
    rcfg.batch = 1;
    eo_retention_t *run = eo_retention_new(fx->cases, &rcfg);
    eo_retention_counts_t counts;
    assert(eo_retention_run(run, fx->now_ms, NULL, &counts) == EO_OK);
    /* week 48 is still the reference week (no re-key yet): the cut is its Monday, and
     * nothing of week 48 or November goes */
    assert(counts.minutes == 0);
    s_minutes(fx, 3, t0, &w, &m);
    assert(w == 120 && m == 240);
    s_minutes(fx, 1, t0, &w, &m);
    assert(w == 120 && m == 120); /* booking "a" holds them */
    fx_check_ok(fx);

    /* the lists move to week 50; then carer 3's week and month go, the booked ones stay */
    bool busy = true;
    while (busy)
        assert(eo_index_rekey_store(fx->index, fx->store, fx->now_ms / 1000, 2, &busy) ==
               EO_OK);
    assert(s_prune(fx) == 2);
    s_minutes(fx, 3, t0, &w, &m);
    assert(w == 0 && m == 0);
    s_minutes(fx, 2, t0, &w, &m);
    assert(w == 120 && m == 120);
    fx_check_ok(fx);

    /* a replay from the checkpoint, which holds none of these batches, gets the same */
    eo_checkpoint_t ck;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_checkpoint_get(fx->store, txn, &ck) == EO_OK);
    eo_store_abort(&txn);
    char dir[512], why[512];
    snprintf(dir, sizeof dir, "%s/minutes-replayed", getenv("EO_TEST_TMP"));
    uint64_t first = 0;
    const char *files[] = {"data.mdb", "lock.mdb"}; /* a run before this one's */
    for (int i = 0; i < 2; i++) {
        char *f = zsys_sprintf("%s/%s", dir, files[i]);
        zsys_file_delete(f);
        zstr_free(&f);
    }
    zsys_dir_delete(dir);
    int crc = eo_checkpoint_restore(fx->store, dir, &first, why, sizeof why);
    if (crc) fprintf(stderr, "restore: %s\n", why);
    assert(crc == EO_OK);
    eo_store_t *rs = eo_store_new(dir, 256, EO_STORE_NOSYNC | EO_STORE_EXISTING);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    eo_index_t *ri = eo_index_new(rs, fx->dongs, &caps);
    eo_cases_t *rc = eo_cases_new(rs, ri, fx->dongs, fx->rules, &cfg);
    size_t inputs = 0;
    assert(rc && eo_cases_replay_from(rc, fx->store, first, &inputs) == EO_OK && inputs > 0);
    char a[65], r[65];
    s_digest(fx->store, fx->cases, a);
    s_digest(rs, rc, r);
    assert(streq(a, r));
    /* the digest leaves the index out: the counters themselves, with the recorded cut
     * (the replayed store was not re-keyed: its reference week is still week 48) */
    for (uint32_t id = 1; id <= 5; id++) {
        uint32_t rw, rm, lw, lm;
        assert(eo_store_begin(rs, false, &txn) == EO_OK);
        assert(eo_index_booked(ri, txn, id, t0, &rw, &rm) == EO_OK);
        eo_store_abort(&txn);
        s_minutes(fx, id, t0, &lw, &lm);
        assert(rw == lw && rm == lm);
    }
    eo_cases_destroy(&rc);
    eo_index_destroy(&ri);
    eo_store_destroy(&rs);

    /* keep closed cases a day: "a" and "b" go with their booking rows, and the same run
     * deletes the counters those held */
    eo_retention_destroy(&run);
    rcfg.retire_days = 1;
    run = eo_retention_new(fx->cases, &rcfg);
    assert(eo_retention_run(run, fx->now_ms, NULL, &counts) == EO_OK);
    assert(counts.retired == 2 && counts.minutes == 4);
    for (uint32_t id = 1; id <= 3; id++) {
        s_minutes(fx, id, t0, &w, &m);
        assert(w == 0 && m == 0);
    }
    for (uint32_t id = 4; id <= 5; id++) {
        s_minutes(fx, id, t1, &w, &m);
        assert(w == 60 && m == 60);
    }
    fx_check_ok(fx);
    fprintf(stderr, "retention.minutes: past counters deleted once no booking holds them\n");
    eo_retention_destroy(&run);
    fx_destroy(&fx);
    return 0;
}
