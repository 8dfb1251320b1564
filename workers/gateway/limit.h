/* limit: request rates per caller, token buckets (the gateway's 429 answers).
 *
 * A bucket holds up to `burst` tokens and refills at `rate` tokens per second; a request
 * takes one. Keys are the caller: "k:<key id>" for a credential, "a:<address>" for an
 * anonymous one. Thread-safe (the HTTP threads share it). Time is given by the caller
 * (monotonic milliseconds) so that tests decide it. Memory is bounded: buckets idle long
 * enough to be full again are forgotten when the table grows. */
#ifndef EO_GATEWAY_LIMIT_H
#define EO_GATEWAY_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct eo_limiter_t eo_limiter_t;

/* rate per second (0: no limit) and burst (>= 1; 0: twice the rate). */
eo_limiter_t *eo_limiter_new(double rate, double burst);
void eo_limiter_destroy(eo_limiter_t **self_p);
/* Take a token for key at now_ms: 0 if allowed, else the milliseconds until one is
 * available (for Retry-After). */
int64_t eo_limiter_take(eo_limiter_t *self, const char *key, int64_t now_ms);
/* Buckets held (for the tests). */
size_t eo_limiter_size(eo_limiter_t *self);

void eo_limiter_test(bool verbose);

#endif
