/* retention.map: a store whose map is far too small (1 MiB) takes a stream of requests
 * decided by eo_cases_decide, as the matcher does: every time a write finds the map
 * full (MDB_MAP_FULL), the map grows (doubling) and the transaction is done again, so
 * nothing is refused while the map may still grow; past 80 % of the maximum the usage
 * says so (/v1/ready's percent_full, the warning of eo_store_maintain); at the maximum
 * the batch is refused whole with EO_EFULL, and the store stays consistent. */
#include <string.h>

#include "matcher/fixture.h"

#define S_MAX_MB 4

static uint8_t *s_request(fx_t *fx, uint32_t i, size_t *size)
{
    char id[32];
    snprintf(id, sizeof id, "r%u", i);
    int64_t start = fx->now_ms / 1000 + 3 * 3600 + 1800 * (int64_t)(i % 60);
    return fx_request(fx, id, start, 2, 1, size);
}

static bool s_exists(fx_t *fx, uint32_t i)
{
    char id[32];
    snprintf(id, sizeof id, "r%u", i);
    return fx_exists(fx, id);
}

/* Decide a batch of 16 requests from number first: each is decided whole (its case
 * there, a reply) or refused for a full map (no case, no reply). How many were decided. */
static int s_batch(fx_t *fx, uint32_t first)
{
    eo_cases_input_t in[16];
    uint8_t *bodies[16], *replies[16];
    size_t sizes[16];
    int rcs[16], decided = 0;
    for (int i = 0; i < 16; i++) {
        size_t n;
        bodies[i] = s_request(fx, first + (uint32_t)i, &n);
        in[i] = (eo_cases_input_t){bodies[i], n};
    }
    eo_cases_decide(fx->cases, in, 16, fx->now_ms, replies, sizes, rcs, NULL, NULL, NULL);
    for (int i = 0; i < 16; i++) {
        assert(rcs[i] == EO_OK || rcs[i] == EO_EFULL);
        assert((rcs[i] == EO_OK) == (replies[i] != NULL));
        assert((rcs[i] == EO_OK) == s_exists(fx, first + (uint32_t)i));
        decided += rcs[i] == EO_OK;
        free(replies[i]);
        free(bodies[i]);
    }
    return decided;
}

int main(void)
{
    zsys_init();
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.always_pool = true;
    cfg.wave_k = 4;
    fx_t *fx = fx_new("store", true, NULL);
    /* the same store on a 1 MiB map that may grow to S_MAX_MB */
    fx_resize(fx, 1, S_MAX_MB, &cfg);
    fx_carers(fx, 8);

    eo_store_usage_t u;
    uint32_t sent = 0;
    int grown = 0, decided, refused = 0;
    bool warned = false;
    size_t map = 1 << 20;
    /* until a whole batch is refused: at the maximum the batch transaction fails, and
     * then each request alone, as long as one still fits */
    while ((decided = s_batch(fx, sent)) > 0) {
        refused += 16 - decided;
        sent += 16;
        assert(eo_store_usage(fx->store, &u) == EO_OK);
        if (u.map_bytes > map) {
            grown++;
            map = u.map_bytes;
            assert(refused == 0); /* nothing is refused while the map may grow */
        }
        warned = warned || u.percent >= 80;
        eo_store_maintain(fx->store); /* logs the 80 % warning once */
        assert(sent < 100000);
    }
    assert(eo_store_usage(fx->store, &u) == EO_OK);
    fprintf(stderr,
            "retention.map: %u requests decided; the map grew %d times to %zu MiB; then "
            "EFULL at %d %%\n",
            sent - (uint32_t)refused, grown, u.map_bytes >> 20, u.percent);
    assert(grown == 2 && u.map_bytes == (size_t)S_MAX_MB << 20); /* 1 -> 2 -> 4 */
    assert(warned && sent > 16 * 10);
    fx_check_ok(fx);
    fx_destroy(&fx);
    printf("retention.map: ok\n");
    return 0;
}
