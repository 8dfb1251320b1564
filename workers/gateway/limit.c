/* limit.c: token buckets per caller (limit.h). */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <czmq.h>

#include "limit.h"

#define S_MAX_BUCKETS 50000 /* then full ones are forgotten */

typedef struct {
    double tokens;
    int64_t at_ms;
} s_bucket_t;

struct eo_limiter_t {
    double rate, burst;
    pthread_mutex_t lock;
    zhashx_t *buckets; /* key -> s_bucket_t */
};

eo_limiter_t *eo_limiter_new(double rate, double burst)
{
    eo_limiter_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->rate = rate > 0 ? rate : 0;
    self->burst = burst >= 1 ? burst : (self->rate * 2 >= 1 ? self->rate * 2 : 1);
    pthread_mutex_init(&self->lock, NULL);
    self->buckets = zhashx_new();
    zhashx_set_destructor(self->buckets, (zhashx_destructor_fn *)zstr_free);
    return self;
}

void eo_limiter_destroy(eo_limiter_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_limiter_t *self = *self_p;
    zhashx_destroy(&self->buckets);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

/* A bucket refilled up to now. */
static void s_refill(eo_limiter_t *self, s_bucket_t *b, int64_t now_ms)
{
    if (now_ms > b->at_ms) {
        b->tokens += (double)(now_ms - b->at_ms) * self->rate / 1000.0;
        if (b->tokens > self->burst) b->tokens = self->burst;
        b->at_ms = now_ms;
    }
}

/* Forget the buckets that are full again: they hold nothing a new one would not. */
static void s_prune(eo_limiter_t *self, int64_t now_ms)
{
    zlistx_t *keys = zhashx_keys(self->buckets);
    for (const char *k = zlistx_first(keys); k; k = zlistx_next(keys)) {
        s_bucket_t *b = zhashx_lookup(self->buckets, k);
        s_refill(self, b, now_ms);
        if (b->tokens >= self->burst) zhashx_delete(self->buckets, k);
    }
    zlistx_destroy(&keys);
}

int64_t eo_limiter_take(eo_limiter_t *self, const char *key, int64_t now_ms)
{
    if (self->rate <= 0) return 0;
    pthread_mutex_lock(&self->lock);
    s_bucket_t *b = zhashx_lookup(self->buckets, key);
    if (!b) {
        if (zhashx_size(self->buckets) >= S_MAX_BUCKETS) s_prune(self, now_ms);
        b = malloc(sizeof *b);
        assert(b);
        *b = (s_bucket_t){self->burst, now_ms};
        zhashx_insert(self->buckets, key, b);
    }
    s_refill(self, b, now_ms);
    int64_t wait = 0;
    if (b->tokens >= 1)
        b->tokens -= 1;
    else
        wait = (int64_t)((1 - b->tokens) * 1000.0 / self->rate) + 1;
    pthread_mutex_unlock(&self->lock);
    return wait;
}

size_t eo_limiter_size(eo_limiter_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = zhashx_size(self->buckets);
    pthread_mutex_unlock(&self->lock);
    return n;
}

void eo_limiter_test(bool verbose)
{
    if (verbose) printf(" * eo_limiter: ");
    eo_limiter_t *l = eo_limiter_new(10, 5); /* 10/s, bursts of 5 */
    for (int i = 0; i < 5; i++)
        assert(eo_limiter_take(l, "k:a", 1000) == 0);
    int64_t wait = eo_limiter_take(l, "k:a", 1000);
    assert(wait > 0 && wait <= 101);              /* one token every 100 ms */
    assert(eo_limiter_take(l, "k:b", 1000) == 0); /* another caller is not affected */
    assert(eo_limiter_take(l, "k:a", 1000 + wait) == 0);
    assert(eo_limiter_take(l, "k:a", 1000 + wait) > 0);
    /* a second later the bucket is full again, never fuller */
    for (int i = 0; i < 5; i++)
        assert(eo_limiter_take(l, "k:a", 10000) == 0);
    assert(eo_limiter_take(l, "k:a", 10000) > 0);
    assert(eo_limiter_size(l) == 2);
    eo_limiter_destroy(&l);
    /* no limit */
    l = eo_limiter_new(0, 0);
    for (int i = 0; i < 1000; i++)
        assert(eo_limiter_take(l, "x", 0) == 0);
    eo_limiter_destroy(&l);
    assert(l == NULL);
    if (verbose) printf("OK\n");
}
