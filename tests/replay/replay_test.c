/* replay.*: a seeded run of many interleaved inputs (requests, acceptances, declines,
 * delivery reports, cancellations, clock ticks) on a real store; a replay of its input
 * log into a fresh store must reach the same decisions (same digest of waves, offers,
 * winners and journal hashes), and `eonjena check` must pass on both. */
#include <string.h>

#include "matcher/fixture.h"

typedef struct {
    uint64_t s;
} s_rng_t;

static uint32_t s_rand(s_rng_t *r, uint32_t n)
{
    r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(r->s >> 33) % n;
}

/* n is read after b was built (argument order is unspecified) */
static void s_apply(fx_t *fx, uint8_t *b, const size_t *n)
{
    Eo__Event *ev = fx_apply(fx, b, *n, NULL);
    eo_event_free(&ev);
    free(b);
}

static void s_digest(fx_t *fx, char *hex)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_digest(fx->cases, txn, hex) == EO_OK);
    eo_store_abort(&txn);
}

int main(int argc, char **argv)
{
    zsys_init();
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    int steps = argc > 2 ? atoi(argv[2]) : 3000;
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = 4;
    cfg.always_pool = true;
    fx_t *fx = fx_new("run", true, &cfg);
    const int carers = 12;
    for (uint32_t i = 1; i <= (uint32_t)carers; i++)
        fx_carer(fx, i);
    s_rng_t rng = {seed};
    int requests = 0;
    size_t n;
    for (int step = 0; step < steps; step++) {
        uint32_t what = s_rand(&rng, 100);
        char id[32], reply[48];
        snprintf(id, sizeof id, "q%u", requests ? s_rand(&rng, (uint32_t)requests) : 0);
        snprintf(reply, sizeof reply, "mo%d", step);
        uint32_t carer = 1 + s_rand(&rng, (uint32_t)carers);
        if (what < 15 || requests == 0) {
            snprintf(id, sizeof id, "q%d", requests++);
            int64_t start = fx->now_ms / 1000 + 3 * 3600 + 1800 * (int64_t)s_rand(&rng, 96);
            start -= start % 1800;
            s_apply(fx,
                    fx_request(fx, id, start, 1 + (int)s_rand(&rng, 4),
                               1 + (s_rand(&rng, 10) == 0), &n),
                    &n);
        } else if (what < 45) {
            s_apply(fx, fx_answer(id, carer, true, reply, &n), &n);
        } else if (what < 65) {
            s_apply(fx, fx_answer(id, carer, false, reply, &n), &n);
        } else if (what < 80) {
            char mid[64];
            snprintf(mid, sizeof mid, "%s:%u:offer", id, carer);
            s_apply(fx, fx_delivery(mid, s_rand(&rng, 4) != 0, &n), &n);
        } else if (what < 83) {
            s_apply(fx, fx_cancel(id, s_rand(&rng, 2) ? carer : 0, &n), &n);
        } else {
            fx->now_ms += 1000LL * (30 + s_rand(&rng, 400));
            fx_tick(fx);
        }
    }
    fx_check_ok(fx);
    char a[65], b[65];
    s_digest(fx, a);

    /* replay into a fresh store */
    fx_t *re = fx_new("replayed", true, NULL);
    size_t inputs = 0;
    assert(eo_cases_replay(re->cases, fx->store, &inputs) == EO_OK);
    s_digest(re, b);
    fx_check_ok(re);
    fprintf(stderr, "replay: %d requests, %zu inputs, digest %s / %s\n", requests, inputs, a,
            b);
    assert(inputs > (size_t)steps / 3);
    assert(streq(a, b));
    /* the journal of a replayed case is the same chain */
    eo_case_t x = fx_case(fx, "q0"), y = fx_case(re, "q0");
    assert(memcmp(x.log_hash, y.log_hash, 32) == 0 && x.log_n == y.log_n);
    fx_destroy(&re);
    fx_destroy(&fx);
    return 0;
}
