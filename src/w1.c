/* w1.c: the W1 workload generator (see eo_w1.h, docs/workload.md). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_w1.h"

/* Stream numbers: carers and requests never share a stream. */
#define S_STREAM_CARER 0x43415245ull   /* "CARE" */
#define S_STREAM_REQUEST 0x52455155ull /* "REQU" */

/* The workload's own weekly caps by kind, in minutes (docs/workload.md: the booked
 * minutes a generated carer starts with are drawn below them). They define the
 * workload, not the service: the index enforces the rules' caps. */
static const uint32_t s_w1_week_cap_min[EO_CARER_KINDS] = {0, 52 * 60, 12 * 60, 14 * 60};

struct eo_w1_t {
    const eo_dongs_t *dongs;
    uint64_t seed;
    eo_time_t clock;
    const eo_dong_t **visit; /* every dong of a 방문형 site */
    size_t n_visit;
};

/* --- PRNG ------------------------------------------------------------------------- */

static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void eo_rng_seed(eo_rng_t *rng, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ s_splitmix(&stream);
    for (int i = 0; i < 4; i++)
        rng->s[i] = s_splitmix(&x);
}

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t eo_rng_next(eo_rng_t *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

uint32_t eo_rng_below(eo_rng_t *rng, uint32_t n)
{
    assert(n > 0);
    /* Lemire's multiply-shift: the bias is below 2^-32, irrelevant here. */
    return (uint32_t)(((eo_rng_next(rng) >> 32) * (uint64_t)n) >> 32);
}

/* --- the generator -------------------------------------------------------------------- */

eo_time_t eo_w1_default_clock(void)
{
    return eo_time_from_local(2026, 11, 27, 18, 0, 0);
}

eo_w1_t *eo_w1_new(const eo_dongs_t *dongs, uint64_t seed, eo_time_t clock)
{
    if (!clock) clock = eo_w1_default_clock();
    if (clock % 1800) return NULL;
    eo_w1_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->dongs = dongs;
    self->seed = seed;
    self->clock = clock;
    self->visit = calloc(eo_dongs_count(dongs), sizeof *self->visit);
    if (!self->visit) goto fail;
    for (size_t s = 0; s < eo_dongs_site_count(dongs); s++) {
        if (!(eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT)) continue;
        size_t n;
        const eo_dong_t *const *of = eo_dongs_of_site(dongs, (int)s, &n);
        for (size_t i = 0; i < n; i++)
            self->visit[self->n_visit++] = of[i];
    }
    if (self->n_visit == 0) goto fail;
    return self;
fail:
    eo_w1_destroy(&self);
    return NULL;
}

void eo_w1_destroy(eo_w1_t **self_p)
{
    if (!self_p || !*self_p) return;
    free((*self_p)->visit);
    free(*self_p);
    *self_p = NULL;
}

eo_time_t eo_w1_clock(eo_w1_t *self)
{
    return self->clock;
}

/* A site with probability proportional to its dong count, then a dong uniform within
 * it, is the same as one dong uniform over all 방문형 dongs. */
static const eo_dong_t *s_dong(eo_w1_t *self, eo_rng_t *rng)
{
    return self->visit[eo_rng_below(rng, (uint32_t)self->n_visit)];
}

/* A block start: with p = 0.7 a weekday 18:00-22:00 or weekend 08:00-20:00 half hour
 * (40 + 48 = 88 slots, uniform), else any slot of the week. */
static int s_block_start(eo_rng_t *rng)
{
    if (eo_rng_below(rng, 10) < 7) {
        uint32_t r = eo_rng_below(rng, 88);
        if (r < 40) return (int)(r / 8) * 48 + 36 + (int)(r % 8);
        r -= 40;
        return (5 + (int)(r / 24)) * 48 + 16 + (int)(r % 24);
    }
    return (int)eo_rng_below(rng, EO_WEEK_SLOTS);
}

void eo_w1_carer(eo_w1_t *self, uint32_t i, eo_carer_t *c, uint32_t *booked_min)
{
    eo_rng_t rng;
    eo_rng_seed(&rng, self->seed, S_STREAM_CARER << 32 | i);
    memset(c, 0, sizeof *c);
    c->id = i + 1;
    const eo_dong_t *home = s_dong(self, &rng);
    snprintf(c->site, sizeof c->site, "%s", eo_dongs_site(self->dongs, home->site)->slug);
    c->home_dong = home->code;
    c->dongs[c->n_dongs++] = home->code;
    uint32_t k = eo_rng_below(&rng, 4);
    if (k > home->n_nb) k = home->n_nb;
    uint32_t nb[EO_DONG_MAX_NB];
    memcpy(nb, home->nb, home->n_nb * sizeof nb[0]);
    for (uint32_t j = 0; j < k; j++) { /* partial Fisher-Yates: k distinct neighbours */
        uint32_t r = j + eo_rng_below(&rng, home->n_nb - j);
        uint32_t t = nb[j];
        nb[j] = nb[r];
        nb[r] = t;
        c->dongs[c->n_dongs++] = nb[j];
    }
    c->pool = eo_rng_below(&rng, 10) < 7;
    uint32_t kind = eo_rng_below(&rng, 10);
    c->kind = kind < 8 ? EO_CARER_VISIT : kind == 8 ? EO_CARER_FACILITY : EO_CARER_INVITED;
    int blocks = 2 + (int)eo_rng_below(&rng, 4);
    for (int b = 0; b < blocks; b++) {
        int start = s_block_start(&rng);
        int len = 4 + (int)eo_rng_below(&rng, 13); /* 2 h to 8 h in half hours */
        for (int s = 0; s < len; s++)
            eo_avail_set(c->avail, (start + s) % EO_WEEK_SLOTS, true);
    }
    uint32_t cap = s_w1_week_cap_min[c->kind];
    *booked_min = eo_rng_below(&rng, cap / 30 + 1) * 30;
    c->active = true;
    c->night_ok = true;
    /* A valid 010 number: its middle block starts with 2-9. */
    snprintf(c->phone, sizeof c->phone, "+8210%08u", 20000000u + c->id % 80000000u);
    snprintf(c->name, sizeof c->name, "돌보미%u", c->id);
    c->check_until = 20271231;
    c->training_until = 20271231;
}

void eo_w1_request(eo_w1_t *self, uint32_t i, eo_w1_request_t *r)
{
    eo_rng_t rng;
    eo_rng_seed(&rng, self->seed, S_STREAM_REQUEST << 32 | i);
    memset(r, 0, sizeof *r);
    r->id = i + 1;
    const eo_dong_t *d = s_dong(self, &rng);
    snprintf(r->site, sizeof r->site, "%s", eo_dongs_site(self->dongs, d->site)->slug);
    r->dong = d->code;
    /* 2 h .. 36 h after the clock on a half hour (69 choices); 1 h, or 2 h .. 8 h in
     * half hours (14 choices): the durations the national rule allows (1.5 h is none). */
    r->start = self->clock + 2 * EO_HOUR + (eo_time_t)eo_rng_below(&rng, 69) * 1800;
    uint32_t k = eo_rng_below(&rng, 14);
    r->end = r->start + (eo_time_t)(k ? 3 + k : 2) * 1800;
}

int eo_w1_load(eo_w1_t *self, eo_store_t *store, eo_index_t *index, uint32_t n)
{
    return eo_w1_load_sites(self, store, index, n, NULL, 0);
}

static bool s_in(const char *site, const char *const *sites, size_t n_sites)
{
    for (size_t i = 0; i < n_sites; i++)
        if (strcmp(site, sites[i]) == 0) return true;
    return false;
}

int eo_w1_load_sites(eo_w1_t *self, eo_store_t *store, eo_index_t *index, uint32_t n,
                     const char *const *sites, size_t n_sites)
{
    eo_carer_t *carers = malloc((n + 1) * sizeof *carers);
    uint32_t *week = malloc((n + 1) * sizeof *week);
    uint32_t *month = malloc((n + 1) * sizeof *month);
    int rc = carers && week && month ? EO_OK : EO_ENOMEM;
    uint32_t m = 0;
    for (uint32_t i = 0; rc == EO_OK && i < n; i++) {
        eo_w1_carer(self, i, &carers[m], &week[m]);
        if (sites && !s_in(carers[m].site, sites, n_sites)) continue;
        month[m] = carers[m].kind == EO_CARER_INVITED ? week[m] : 0;
        m++;
    }
    if (rc == EO_OK)
        rc = eo_index_load_store(index, store, carers, week, month, m, self->clock);
    free(carers);
    free(week);
    free(month);
    return rc;
}

void eo_w1_test(bool verbose)
{
    if (verbose) printf(" * eo_w1: ");
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    eo_w1_t *w1 = eo_w1_new(dongs, 42, 0);
    assert(w1);
    assert(eo_week_slot(eo_w1_clock(w1)) == 228);
    assert(w1->n_visit == 190);
    /* Same seed, same carer, whatever the order; requests too. */
    eo_carer_t a, b;
    uint32_t ba, bb;
    eo_w1_carer(w1, 7, &a, &ba);
    eo_w1_carer(w1, 3, &b, &bb);
    eo_w1_carer(w1, 7, &b, &bb);
    assert(memcmp(&a, &b, sizeof a) == 0 && ba == bb);
    assert(eo_carer_validate(&a, dongs, NULL, 0) == EO_OK && a.id == 8);
    /* Shares over 20,000 carers and requests are close to the workload's. */
    uint32_t n = 20000, pool = 0, visit = 0, dongs_total = 0, avail_slots = 0;
    for (uint32_t i = 0; i < n; i++) {
        eo_w1_carer(w1, i, &a, &ba);
        assert(eo_carer_validate(&a, dongs, NULL, 0) == EO_OK);
        assert(ba <= s_w1_week_cap_min[a.kind] && ba % 30 == 0);
        pool += a.pool;
        visit += a.kind == EO_CARER_VISIT;
        dongs_total += a.n_dongs;
        for (int s = 0; s < EO_WEEK_SLOTS; s++)
            avail_slots += eo_avail_get(a.avail, s);
        eo_w1_request_t r;
        eo_w1_request(w1, i, &r);
        assert(r.start >= eo_w1_clock(w1) + 2 * EO_HOUR);
        assert(r.start <= eo_w1_clock(w1) + 36 * EO_HOUR);
        assert(r.end - r.start >= EO_HOUR && r.end - r.start <= 8 * EO_HOUR);
        assert(r.start % 1800 == 0 && eo_dongs_find(dongs, r.dong));
    }
    assert(pool > n * 68 / 100 && pool < n * 72 / 100);
    assert(visit > n * 78 / 100 && visit < n * 82 / 100);
    assert(dongs_total > n * 2 && dongs_total < n * 3);
    assert(avail_slots > n * 20 && avail_slots < n * 50);
    eo_w1_request_t r1, r2;
    eo_w1_request(w1, 5, &r1);
    eo_w1_t *other = eo_w1_new(dongs, 43, 0);
    eo_w1_request(other, 5, &r2);
    assert(memcmp(&r1, &r2, sizeof r1) != 0);
    assert(eo_w1_new(dongs, 1, eo_w1_default_clock() + 60) == NULL);
    eo_w1_destroy(&other);
    eo_w1_destroy(&w1);
    assert(w1 == NULL);
    eo_dongs_destroy(&dongs);
    if (verbose) printf("OK\n");
}
