/* retention.soak: the matcher's case store with a 64 MiB map that may not grow, and a
 * retention of one day (store/retire_days = 1, seen_days = 1), runs a month of W1
 * traffic on a manual clock: never a full map, and the data file stays flat once the
 * first cases are retired.
 *
 * Scaled down to stay well under a minute on two cores: S_PER_DAY requests a day (W1
 * requests, their starts moved to the simulated day), each answered by its first
 * offered carer four times in five; the rest go through their waves and escalate. A
 * case starts up to 36 h after its intake and is retired a day after it ended. The
 * high-water mark of the data file (the last page ever used) from day S_STEADY on may
 * not exceed that of day S_STEADY by more than 10 %. Each day prints what every database
 * holds (entries / pages), which is how the growth was found (docs/retention.md
 * "Steady state"): released bookings rewrote their carers' list entries (carer_list
 * grew from 1,648 to 2,797 pages with the same 70,707 entries), retired offers left
 * their carers' m.coffers entries behind (1,734 by day 30), and the minutes rows of past
 * weeks and months were never deleted. Before: 8.7 MiB on day 1, 9.5 MiB on day 2,
 * 13.9 MiB on day 30 (without re-keys). After: 8.2, 8.5 and 8.8 MiB.
 *
 * The index is re-keyed at each new week in the matcher's steps (index_rekey.c), scaled
 * to the 3,000 carers: it is what lets the load week's minutes go, and a re-key that
 * keyed carers by minutes a release could undo made every later release rewrite list
 * entries (carer_list: 2,047 pages by day 30 with the other fixes). */
#include <string.h>

#include "eonjena/eo_retention.h"
#include "eonjena/eo_w1.h"
#include "matcher/fixture.h"

#define S_DAYS 30
#define S_PER_DAY 150
#define S_STEADY 2
#define S_MAP_MB 64
/* the matcher's re-key step (EO_INDEX_REKEY_BUDGET) is sized for 100,000 carers: here the
 * same share of the 3,000 carers' lists */
#define S_REKEY_BUDGET (EO_INDEX_REKEY_BUDGET * 3000 / 100000)

typedef struct {
    fx_t *fx;
    zhashx_t *answered; /* request ids that got their answer */
    uint64_t rng;
} s_soak_t;

static uint32_t s_rand(s_soak_t *s, uint32_t n)
{
    s->rng = s->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(s->rng >> 33) % n;
}

typedef struct {
    zlistx_t *seqs;
    zlistx_t *offers; /* "request\ncarer" of OFFER messages */
} s_rows_t;

static int s_row(void *arg, const eo_outbox_row_t *row)
{
    s_rows_t *r = arg;
    zlistx_add_end(r->seqs, (void *)(uintptr_t)row->seq);
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    assert(ev);
    if (ev->body_case == EO__EVENT__BODY_MESSAGE &&
        ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER)
        zlistx_add_end(r->offers,
                       zsys_sprintf("%s\n%u", ev->message->request_id, ev->message->carer_id));
    eo_event_free(&ev);
    return 0;
}

/* The relay's part: every outbox row acknowledged (deleted); each request's first
 * offer accepted four times in five. */
static void s_relay(s_soak_t *s)
{
    fx_t *fx = s->fx;
    s_rows_t r = {zlistx_new(), zlistx_new()};
    zlistx_set_destructor(r.offers, (zlistx_destructor_fn *)zstr_free);
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_outbox_each(fx->cases, txn, 0, s_row, &r) == EO_OK);
    for (void *q = zlistx_first(r.seqs); q; q = zlistx_next(r.seqs))
        assert(eo_cases_outbox_delete(fx->cases, txn, (uint64_t)(uintptr_t)q) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    for (char *o = zlistx_first(r.offers); o; o = zlistx_next(r.offers)) {
        char *nl = strchr(o, '\n');
        *nl = 0;
        if (zhashx_lookup(s->answered, o)) continue;
        zhashx_insert(s->answered, o, (void *)1);
        if (s_rand(s, 5) == 0) continue;
        char reply[64];
        snprintf(reply, sizeof reply, "mo-%s", o);
        size_t n;
        uint8_t *b = fx_answer(o, (uint32_t)atoi(nl + 1), true, reply, &n);
        fx_apply_ok(fx, b, n);
    }
    zlistx_destroy(&r.seqs);
    zlistx_destroy(&r.offers);
}

/* What the probe counts in the store at the end of a day. */
typedef struct {
    size_t coffers; /* m.coffers entries */
    size_t minutes; /* carer_state minutes rows ('W', 'M') */
    size_t rekey;   /* carer_state re-key rows ('T') */
} s_rows_of_t;

/* Print what each database holds (entries / pages) and the free list's pages: where the
 * pages of the data file go. */
static void s_stats(fx_t *fx, int day, s_rows_of_t *out)
{
    MDB_txn *txn;
    MDB_dbi main_dbi, dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    MDB_stat st;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(mdb_dbi_open(txn, NULL, 0, &main_dbi) == 0);
    assert(mdb_cursor_open(txn, main_dbi, &cur) == 0);
    fprintf(stderr, "day %2d dbs:", day);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)k.mv_size, (char *)k.mv_data);
        assert(eo_store_dbi(fx->store, name, 0, &dbi) == EO_OK);
        assert(mdb_stat(txn, dbi, &st) == 0);
        if (st.ms_entries == 0) continue;
        fprintf(stderr, " %s=%zu/%zu", name, st.ms_entries,
                st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
        if (streq(name, "m.coffers")) out->coffers = st.ms_entries;
    }
    mdb_cursor_close(cur);
    size_t types[256] = {0};
    assert(eo_store_dbi(fx->store, "carer_state", 0, &dbi) == EO_OK);
    assert(mdb_cursor_open(txn, dbi, &cur) == 0);
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        types[((uint8_t *)k.mv_data)[4]]++;
    mdb_cursor_close(cur);
    out->minutes = types['W'] + types['M'];
    out->rekey = types['T'];
    assert(mdb_stat(txn, 0, &st) == 0);
    fprintf(stderr,
            "; carer_state moved %zu, bookings %zu, weeks %zu, months %zu; free list %zu\n",
            types['!'], types['B'], types['W'], types['M'],
            st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages);
    eo_store_abort(&txn);
}

/* The matcher's re-key: once a week has begun, the lists move to it in bounded steps. */
static void s_rekey(fx_t *fx)
{
    bool busy = true;
    while (busy)
        assert(eo_index_rekey_store(fx->index, fx->store, fx->now_ms / 1000, S_REKEY_BUDGET,
                                    &busy) == EO_OK);
}

/* The whole store in the fixture, but on a map of S_MAP_MB that may not grow. */
static fx_t *s_fixture(const eo_cases_config_t *cfg, eo_w1_t **w1)
{
    fx_t *fx = fx_new("soak", true, cfg);
    fx_resize(fx, S_MAP_MB, S_MAP_MB, cfg);
    *w1 = eo_w1_new(fx->dongs, 1, 0);
    assert(*w1 && eo_w1_load(*w1, fx->store, fx->index, 3000) == EO_OK);
    fx->now_ms = eo_w1_clock(*w1) * 1000LL;
    return fx;
}

int main(void)
{
    zsys_init();
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.always_pool = true; /* W1 traffic at every hour: offered, not queued */
    cfg.wave_k = 5;
    eo_w1_t *w1 = NULL;
    s_soak_t s = {.answered = zhashx_new(), .rng = 7};
    fx_t *fx = s.fx = s_fixture(&cfg, &w1);
    eo_retention_config_t rcfg;
    eo_retention_config_defaults(&rcfg);
    rcfg.retire_days = 1;
    rcfg.seen_days = 1;
    eo_retention_t *run = eo_retention_new(fx->cases, &rcfg);
    const int64_t t0 = fx->now_ms;
    size_t mark[S_DAYS], retired = 0, minutes = 0;
    s_rows_of_t rows[S_DAYS] = {{0}};
    for (int d = 0; d < S_DAYS; d++) {
        fx->now_ms = t0 + (int64_t)d * EO_DAY * 1000;
        for (uint32_t i = 0; i < S_PER_DAY; i++) {
            eo_w1_request_t r;
            eo_w1_request(w1, (uint32_t)d * S_PER_DAY + i, &r);
            char id[32];
            snprintf(id, sizeof id, "d%d-%u", d, i);
            size_t n;
            uint8_t *b =
                fx_request_as(id, r.site, r.dong, r.start + d * EO_DAY, r.end + d * EO_DAY,
                              "+821099990000", "서연", "수원시 장안구 비밀로 12", &n);
            fx_apply_ok(fx, b, n);
            if (i % 25 == 24) s_relay(&s);
        }
        /* the day goes by: waves time out, cases settle, escalate, expire */
        for (int step = 0; step < 48; step++) {
            s_relay(&s);
            fx->now_ms += 1800 * 1000;
            fx_tick(fx);
            s_rekey(fx);
        }
        s_relay(&s);
        eo_retention_counts_t counts;
        assert(eo_retention_run(run, fx->now_ms, NULL, &counts) == EO_OK);
        retired += counts.retired;
        minutes += counts.minutes;
        eo_store_usage_t u;
        assert(eo_store_usage(fx->store, &u) == EO_OK);
        mark[d] = u.used_bytes;
        fprintf(stderr,
                "day %2d: high-water %5zu KiB of %d MiB, %zu retired, %zu minutes rows and %zu "
                "inputs deleted\n",
                d + 1, u.used_bytes >> 10, S_MAP_MB, counts.retired, counts.minutes,
                counts.inputs);
        assert(u.map_bytes == (size_t)S_MAP_MB << 20); /* it never had to grow */
        s_stats(fx, d + 1, &rows[d]);
    }
    fx_check_ok(fx);
    assert(retired >= (size_t)(S_DAYS - 3) * S_PER_DAY);
    for (int d = S_STEADY; d < S_DAYS; d++) {
        assert(mark[d] <= mark[S_STEADY - 1] + mark[S_STEADY - 1] / 10);
        /* a retired offer takes its carer's entry along: what is left are live offers */
        assert(rows[d].coffers <= 2 * rows[S_STEADY - 1].coffers);
    }
    /* the load week's minutes of all 3,000 carers went once it was over; what is left are
     * the periods still to come or still holding bookings: a few dozen rows */
    assert(minutes >= 2900);
    assert(rows[S_DAYS - 1].minutes < 300);
    assert(rows[S_DAYS - 1].rekey == 0);
    fprintf(stderr,
            "retention.soak: %d days x %d requests, %zu cases retired, store flat at "
            "%zu KiB from day %d\n",
            S_DAYS, S_PER_DAY, retired, mark[S_DAYS - 1] >> 10, S_STEADY);
    eo_retention_destroy(&run);
    zhashx_destroy(&s.answered);
    eo_w1_destroy(&w1);
    fx_destroy(&fx);
    return 0;
}
