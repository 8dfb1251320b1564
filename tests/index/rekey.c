/* index.rekey and index.rekey.resume: the re-key (docs/index.md "The re-key") against
 * the brute-force model (model.c), answers compared order included.
 *
 * index.rekey ("weeks"): W1 carers bulk-loaded in week W, with minutes of their own in
 * weeks W+1 and W+2 and bookings for W+1 made during W. The clock moves to W+1: step by
 * step (small budgets, so every phase takes many steps), a query, a booking of its first
 * candidate and one write of another kind (a put that moves the carer between lists,
 * minutes set lower or higher in either week, a new carer, a deactivation, a released
 * booking) go in between, and a query of week W, still the reference week; every answer
 * must be exact and come from the full path.
 * After the last step the reference week is W+1, the lists hold exactly the entries the
 * carers call for, and every query of W+1 must take the fast path and stay exact while
 * its candidates are booked. Then W+2, through eo_index_rekey_store as the matcher
 * calls it. A re-key skipped, or keys left stale, fails the fast-path count or the
 * comparison.
 *
 * index.rekey.resume ("resume"): the W+1 re-key is killed (SIGKILL, inside an open
 * write transaction) once in each phase by a child process; each time the store reopens
 * at the last committed step and answers exactly. The clock then jumps to W+2: the W+1
 * re-key finishes first, the W+2 one follows, and the fast path is exact again. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"
#include "model.h"

#define K 20
#define EXTRA 1000 /* room for carers added during the test */

static eo_dongs_t *s_dongs;
static eo_caps_t s_caps;
static char s_dir[600];
static eo_store_t *s_store;
static eo_index_t *s_index;
static eo_w1_t *s_w1;  /* the carers' generator (seed 7, W's Friday clock) */
static eo_rng_t s_rng; /* choices of the test itself */
static uint32_t s_n;   /* carers loaded */

/* names of live bookings, to release some */
static struct {
    char name[24];
    uint32_t carer;
} s_live[4096];
static int s_n_live;
static uint32_t s_seq; /* booking names */

/* Monday 00:00 of week W + n. */
static eo_time_t s_week(int n)
{
    return eo_week_start(eo_w1_default_clock()) + (eo_time_t)n * 7 * EO_DAY;
}

static void s_open(void)
{
    s_store = eo_store_new(s_dir, 1024, EO_STORE_NOSYNC);
    assert(s_store);
    s_index = eo_index_new(s_store, s_dongs, &s_caps);
    assert(s_index);
}

static void s_close(void)
{
    eo_index_destroy(&s_index);
    eo_store_destroy(&s_store);
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

/* Minutes a carer of this kind may have in a week: 0 .. cap in half hours. */
static uint32_t s_random_minutes(uint8_t kind)
{
    return eo_rng_below(&s_rng, s_caps.week_min[kind] / 30 + 1) * 30;
}

/* Request i of week n: from W1 clocks on its Monday 06:00, Wednesday 18:00 and Friday
 * 18:00, so every window starts in week n (2 h to 36 h after the clock). */
static void s_request(int n, uint32_t i, eo_query_t *q, eo_w1_request_t *r)
{
    static const int offsets[3] = {6 * EO_HOUR, 2 * EO_DAY + 18 * EO_HOUR,
                                   4 * EO_DAY + 18 * EO_HOUR};
    static eo_w1_t *gen[3][3]; /* weeks W+0 .. W+2, by clock; kept for the process */
    assert(n >= 0 && n < 3);
    eo_w1_t **w1 = &gen[n][i % 3];
    if (!*w1) *w1 = eo_w1_new(s_dongs, 100 + (uint64_t)n, s_week(n) + offsets[i % 3]);
    assert(*w1);
    eo_w1_request(*w1, i / 3, r);
    assert(eo_week_start(r->start) == s_week(n));
    *q = (eo_query_t){
        .site = r->site, .dong = r->dong, .start = r->start, .end = r->end, .k = K};
}

static void s_book(MDB_txn *txn, uint32_t carer, const eo_w1_request_t *r)
{
    char name[24];
    snprintf(name, sizeof name, "b-%u", ++s_seq);
    assert(eo_index_book(s_index, txn, carer, name, r->start, r->end) == EO_OK);
    m_book(carer, name, r->start, r->end);
    if (s_n_live < (int)(sizeof s_live / sizeof s_live[0])) {
        snprintf(s_live[s_n_live].name, sizeof s_live[0].name, "%s", name);
        s_live[s_n_live++].carer = carer;
    }
}

static void s_unbook_one(MDB_txn *txn)
{
    if (!s_n_live) return;
    int x = (int)eo_rng_below(&s_rng, (uint32_t)s_n_live);
    assert(eo_index_unbook(s_index, txn, s_live[x].carer, s_live[x].name) == EO_OK);
    m_unbook(s_live[x].carer, s_live[x].name);
    s_live[x] = s_live[--s_n_live];
}

/* One query compared with the model; fast: the path it must take. The first
 * candidate is booked (and the last, every third time) in the same transaction. */
static uint32_t s_query(MDB_txn *txn, int week, uint32_t i, bool fast, const char *tag)
{
    eo_query_t q;
    eo_w1_request_t r;
    eo_candidate_t got[K];
    s_request(week, i, &q, &r);
    eo_index_stats_t before, after;
    eo_index_stats(s_index, &before);
    uint32_t n = m_compare(s_index, txn, &q, got, tag, i);
    eo_index_stats(s_index, &after);
    if (after.fast - before.fast != (fast ? 1u : 0u) ||
        after.full - before.full != (fast ? 0u : 1u)) {
        fprintf(stderr, "%s request %u: want the %s path, took the other\n", tag, i,
                fast ? "fast" : "full");
        abort();
    }
    if (n) s_book(txn, got[0].carer_id, &r);
    if (n > 1 && i % 3 == 1) s_book(txn, got[n - 1].carer_id, &r);
    return n;
}

/* A carer id at random (an existing one). */
static uint32_t s_any_carer(void)
{
    return 1 + eo_rng_below(&s_rng, m_count());
}

static void s_put(MDB_txn *txn, const eo_carer_t *c)
{
    assert(eo_index_put(s_index, txn, c) == EO_OK);
    m_put(c);
}

static void s_set_booked(MDB_txn *txn, uint32_t id, eo_time_t t, uint32_t week_min)
{
    uint32_t month = m_carer(id)->kind == EO_CARER_INVITED ? week_min : 0;
    assert(eo_index_set_booked(s_index, txn, id, t, week_min, month) == EO_OK);
    m_set_booked(id, t, week_min, month);
}

/* One write of another kind than a booking, chosen by step: each keys list entries. */
static void s_write(MDB_txn *txn, uint32_t step, int week)
{
    eo_carer_t c;
    switch (step % 6) {
    case 0: { /* availability changed: out of some lists, into others */
        c = *m_carer(s_any_carer());
        int b = (int)eo_rng_below(&s_rng, EO_WEEK_SLOTS / 8);
        c.avail[b] = c.avail[b] ? 0 : 0xff;
        s_put(txn, &c);
        break;
    }
    case 1:   /* this week's minutes, often lower than before */
    case 2: { /* or the week being left */
        uint32_t id = s_any_carer();
        eo_time_t t = s_week(step % 6 == 1 ? week : week - 1) + 2 * EO_DAY + 12 * EO_HOUR;
        s_set_booked(txn, id, t, s_random_minutes(m_carer(id)->kind) / 2);
        break;
    }
    case 3: { /* a new carer, with minutes in this week */
        uint32_t booked;
        if (m_count() >= s_n + EXTRA) break;
        eo_w1_carer(s_w1, m_count(), &c, &booked);
        assert(c.id == m_count() + 1);
        s_put(txn, &c);
        s_set_booked(txn, c.id, s_week(week) + EO_DAY, booked);
        break;
    }
    case 4: /* deactivated: out of every list */
        c = *m_carer(s_any_carer());
        c.active = false;
        s_put(txn, &c);
        break;
    default:
        s_unbook_one(txn);
        break;
    }
}

/* What the lists must hold: per listed carer and preferred dong, an "any" entry per
 * 4-hour block it is free in at all, a "full" one per block free throughout, a "half"
 * one per 2-hour half block free throughout (docs/index.md, "The lists"). */
static size_t s_entries_expected(void)
{
    size_t n = 0;
    for (uint32_t id = 1; id <= m_count(); id++) {
        const eo_carer_t *c = m_carer(id);
        if (!c->pool || !c->active) continue;
        size_t per = 0;
        for (int b = 0; b < EO_WEEK_SLOTS / 8; b++)
            per += (c->avail[b] != 0) + (c->avail[b] == 0xff) + ((c->avail[b] & 0xf) == 0xf) +
                   ((c->avail[b] >> 4) == 0xf);
        n += per * c->n_dongs;
    }
    return n;
}

static void s_check_lists(void)
{
    MDB_dbi dbi;
    MDB_stat st;
    MDB_txn *txn;
    assert(eo_store_dbi(s_store, "carer_list", MDB_INTEGERKEY | MDB_DUPSORT | MDB_DUPFIXED,
                        &dbi) == EO_OK);
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(mdb_stat(txn, dbi, &st) == 0);
    eo_store_abort(&txn);
    if (st.ms_entries != s_entries_expected()) {
        fprintf(stderr, "carer_list holds %zu entries, the carers call for %zu\n",
                (size_t)st.ms_entries, s_entries_expected());
        abort();
    }
}

/* The re-key's state after the last commit. */
static void s_state_at(eo_time_t *target, int *phase, uint64_t *cursor, eo_time_t *ref)
{
    MDB_txn *txn;
    assert(eo_store_begin(s_store, false, &txn) == EO_OK);
    assert(eo_index_rekey_state(s_index, txn, target, phase, cursor) == EO_OK);
    assert(eo_index_week(s_index, txn, ref) == EO_OK);
    eo_store_abort(&txn);
}

static void s_state(eo_time_t *target, int *phase, eo_time_t *ref)
{
    s_state_at(target, phase, NULL, ref);
}

/* A write to a carer whose entries straddle the cursor, where an off-by-one in the
 * keying rule would show: in phases 1 and 3 the carers just before and at the cursor;
 * in phase 2 a carer of the dong whose lists the cursor is passing (its lists before
 * the cursor hold the new week's key, those after the old). Minutes or availability. */
static void s_write_at(MDB_txn *txn, int phase, uint64_t cursor, uint32_t step, int week)
{
    uint32_t ids[2] = {0, 0};
    if (phase == 1 || phase == 3) {
        ids[0] = cursor > 1 ? (uint32_t)cursor - 1 : 0;
        ids[1] = (uint32_t)cursor;
    } else {
        uint32_t dong = (uint32_t)(cursor >> 8);
        for (uint32_t x = 0; x < m_count() && !ids[0]; x++) {
            uint32_t id = 1 + (step * 7919u + x) % m_count();
            const eo_carer_t *c = m_carer(id);
            for (int j = 0; c->pool && c->active && j < c->n_dongs; j++)
                if (c->dongs[j] == dong) ids[0] = id;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!ids[i] || ids[i] > m_count()) continue;
        if (step % 2) {
            eo_carer_t c = *m_carer(ids[i]);
            int b = (int)eo_rng_below(&s_rng, EO_WEEK_SLOTS / 8);
            c.avail[b] = c.avail[b] ? 0 : 0xff;
            s_put(txn, &c);
        } else {
            eo_time_t t = s_week(step % 4 ? week - 1 : week) + 3 * EO_DAY;
            s_set_booked(txn, ids[i], t, s_random_minutes(m_carer(ids[i])->kind) / 3);
        }
    }
}

/* Queries of a week once its re-key is over: all on the fast path, all exact, while
 * their candidates are booked and some bookings released. */
static void s_round(int week, uint32_t n_queries, const char *tag)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_queries; i++) {
        MDB_txn *txn = s_begin();
        total += s_query(txn, week, 1000 + i, true, tag);
        if (i % 50 == 49) s_unbook_one(txn);
        s_commit(txn);
    }
    printf("%s: %u queries of week W+%d on the fast path agree (mean %.2f candidates)\n", tag,
           n_queries, week, (double)total / n_queries);
}

/* W1 carers loaded in week W; minutes of their own in W+1 and W+2 (so that the lists'
 * order differs from week to week); bookings in W+1 made during W. */
static void s_setup(uint32_t n)
{
    eo_carer_t *carers = calloc(n, sizeof *carers);
    uint32_t *week = calloc(n, sizeof *week), *month = calloc(n, sizeof *month);
    assert(carers && week && month);
    s_n = n;
    m_init(s_dongs, &s_caps, n + EXTRA);
    m_generate(s_w1, eo_w1_clock(s_w1), n, carers, week, month);
    s_open();
    assert(eo_index_load_store(s_index, s_store, carers, week, month, n, eo_w1_clock(s_w1)) ==
           EO_OK);
    MDB_txn *txn = s_begin();
    for (uint32_t id = 1; id <= n; id++)
        for (int w = 1; w <= 2; w++)
            s_set_booked(txn, id, s_week(w) + 2 * EO_DAY + 12 * EO_HOUR,
                         s_random_minutes(m_carer(id)->kind));
    s_commit(txn);
    eo_time_t target, ref;
    int phase;
    s_state(&target, &phase, &ref);
    assert(ref == s_week(0) && target == 0);
    for (uint32_t i = 0; i < 300; i++) { /* next week's requests, taken this week */
        txn = s_begin();
        s_query(txn, 1, i, false, "setup");
        s_commit(txn);
    }
    free(carers);
    free(week);
    free(month);
}

/* Re-key for week n in direct steps of `budget`, each committed, with a query, a
 * booking and a write in between: every answer exact, none from the fast path. */
static void s_rekey_steps(int week, size_t budget, const char *tag)
{
    int steps[4] = {0, 0, 0, 0};
    bool busy = true;
    uint32_t step = 0;
    eo_time_t now = s_week(week) + 9 * EO_HOUR;
    while (busy) {
        MDB_txn *txn = s_begin();
        assert(eo_index_rekey_step(s_index, txn, now, budget, &busy) == EO_OK);
        s_commit(txn);
        eo_time_t target, ref;
        uint64_t cursor;
        int phase;
        s_state_at(&target, &phase, &cursor, &ref);
        assert(busy == (target != 0));
        if (!busy) break;
        assert(target == s_week(week) && phase >= 1 && phase <= 3);
        steps[phase]++;
        txn = s_begin();
        s_query(txn, week, step, false, tag);
        /* the week being left is still the reference week: no fast path either */
        s_query(txn, week - 1, 2000 + step, false, tag);
        s_write(txn, step, week);
        s_write_at(txn, phase, cursor, step, week);
        s_commit(txn);
        step++;
    }
    printf("%s: re-keyed in %d + %d + %d steps (phases 1, 2, 3), answers exact between\n", tag,
           steps[1], steps[2], steps[3]);
    /* every phase was interleaved with writes */
    assert(steps[1] >= 3 && steps[2] >= 3 && steps[3] >= 3);
}

static void s_done(int week)
{
    eo_time_t target, ref;
    int phase;
    s_state(&target, &phase, &ref);
    assert(target == 0 && phase == 0 && ref == s_week(week));
    s_check_lists();
    /* every tree walks clean (as `eonjena check` walks it), the store closed */
    char why[256];
    s_close();
    assert(eo_store_verify(s_dir, why, sizeof why) == EO_OK);
    s_open();
}

static void s_test_weeks(void)
{
    s_setup(12000);
    /* Nothing due in the reference week: no re-key starts. */
    bool busy = true;
    assert(eo_index_rekey_store(s_index, s_store, s_week(0) + 3 * EO_DAY, 100, &busy) == EO_OK);
    assert(!busy);
    eo_time_t target, ref;
    int phase;
    s_state(&target, &phase, &ref);
    assert(target == 0 && ref == s_week(0));
    /* Before the re-key: week W+1 is exact, by the full path. */
    MDB_txn *txn = s_begin();
    for (uint32_t i = 0; i < 100; i++)
        s_query(txn, 1, 500 + i, false, "w+1 before");
    s_commit(txn);

    s_rekey_steps(1, 300, "w+1");
    s_done(1);
    s_round(1, 3000, "w+1");

    /* W+2, as the matcher drives it: steps in transactions of their own. */
    eo_time_t now = s_week(2) + 1;
    uint32_t steps = 0;
    for (busy = true; busy; steps++) {
        assert(eo_index_rekey_store(s_index, s_store, now, EO_INDEX_REKEY_BUDGET / 4, &busy) ==
               EO_OK);
        if (busy) {
            txn = s_begin();
            s_query(txn, 2, steps, false, "w+2 steps");
            s_write(txn, steps, 2);
            s_commit(txn);
        }
    }
    printf("w+2: re-keyed in %u steps through eo_index_rekey_store\n", steps);
    s_done(2);
    s_round(2, 3000, "w+2");
    s_close();
    m_destroy();
}

/* --- resume ---------------------------------------------------------------------- */

/* In a child process: step the W+1 re-key, committing, until the third step of
 * `phase`, then die with that step's transaction open. */
static int s_child(int phase)
{
    s_open();
    int seen = 0;
    for (;;) {
        bool busy;
        eo_time_t target;
        int now_phase;
        MDB_txn *txn = s_begin();
        assert(eo_index_rekey_step(s_index, txn, s_week(1) + EO_HOUR, 200, &busy) == EO_OK);
        assert(eo_index_rekey_state(s_index, txn, &target, &now_phase, NULL) == EO_OK);
        if (now_phase == phase && ++seen == 3)
            raise(SIGKILL); /* a crash in the middle of a step */
        s_commit(txn);
        if (!busy) return 1; /* never reached the phase */
    }
}

static void s_test_resume(const char *self_exe)
{
    s_setup(6000);
    s_close();
    for (int phase = 1; phase <= 3; phase++) {
        pid_t pid = fork();
        assert(pid >= 0);
        if (pid == 0) {
            char arg[4];
            snprintf(arg, sizeof arg, "%d", phase);
            execl(self_exe, self_exe, "child", arg, (char *)NULL);
            _exit(127);
        }
        int status;
        assert(waitpid(pid, &status, 0) == pid);
        assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* Reopened: the committed steps are there, the killed one is not; answers are
         * exact meanwhile, and writes key consistently with the progress. */
        s_open();
        eo_time_t target, ref;
        int now_phase;
        s_state(&target, &now_phase, &ref);
        assert(target == s_week(1) && now_phase == phase && ref == s_week(0));
        for (uint32_t i = 0; i < 30; i++) {
            MDB_txn *txn = s_begin();
            s_query(txn, 1, (uint32_t)phase * 100 + i, false, "resume");
            s_write(txn, i, 1);
            s_commit(txn);
        }
        s_close();
        printf("resume: killed in phase %d, reopened there, answers exact\n", phase);
    }
    /* Two weeks on: the W+1 re-key under way finishes first, then W+2's runs. */
    s_open();
    eo_time_t now = s_week(2) + EO_HOUR, target, ref;
    int phase;
    bool busy = true;
    bool saw_next = false;
    for (uint32_t step = 0; busy; step++) {
        assert(eo_index_rekey_store(s_index, s_store, now, 500, &busy) == EO_OK);
        s_state(&target, &phase, &ref);
        if (target == s_week(2))
            saw_next = true;
        else if (busy)
            assert(target == s_week(1) || (target == 0 && ref == s_week(1)));
        if (busy) {
            MDB_txn *txn = s_begin();
            s_query(txn, 2, 700 + step, false, "jump");
            s_commit(txn);
        }
    }
    assert(saw_next);
    s_done(2);
    s_round(2, 2000, "resume w+2");
    s_close();
    m_destroy();
}

int main(int argc, char **argv)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp && argc >= 2);
    snprintf(s_dir, sizeof s_dir, "%s/store", tmp);
    char err[256];
    s_dongs = eo_dongs_load_default(err, sizeof err);
    assert(s_dongs);
    assert(eo_rules_caps_config(NULL, &s_caps, err, sizeof err) == EO_OK);
    s_w1 = eo_w1_new(s_dongs, 7, 0);
    eo_rng_seed(&s_rng, 11, 0);
    int rc = 0;
    if (streq(argv[1], "child"))
        rc = s_child(atoi(argv[2]));
    else {
        char cmd[700];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
        assert(system(cmd) == 0);
        if (streq(argv[1], "weeks"))
            s_test_weeks();
        else if (streq(argv[1], "resume"))
            s_test_resume("/proc/self/exe");
        else
            abort();
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        assert(system(cmd) == 0);
    }
    eo_w1_destroy(&s_w1);
    eo_dongs_destroy(&s_dongs);
    return rc;
}
