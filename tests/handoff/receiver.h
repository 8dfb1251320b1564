/* A real provider endpoint for the hand-off tests: libmicrohttpd on 127.0.0.1 (an
 * ephemeral port) that verifies every POST with eo_hmac_verify at the test clock's time,
 * deduplicates by Idempotency-Key as a provider must, and can be told to fail the next
 * n requests or to hold its answers (so a sender can be killed mid-delivery). */
#ifndef TEST_RECEIVER_H
#define TEST_RECEIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "eonjena/eo_hmac.h"
#include "eonjena/eonjena.h"

typedef struct receiver_t receiver_t;

/* clock may be NULL: then the receiver verifies at the system time. */
receiver_t *receiver_new(const char *secret, eo_clock_t *clock);
void receiver_destroy(receiver_t **self_p);
/* "http://127.0.0.1:<port>/handoff" */
const char *receiver_url(receiver_t *self);
/* Answer the next n verified requests with status (e.g. 503). */
void receiver_fail_next(receiver_t *self, int n, int status);
/* While held, a verified request is counted, then its answer waits until released. */
void receiver_hold(receiver_t *self, bool hold);
/* POSTs seen (all, whatever the outcome). */
size_t receiver_requests(receiver_t *self);
/* Distinct items accepted (answered 2xx the first time their key came). */
size_t receiver_accepted(receiver_t *self);
/* The i-th accepted item's key (copy into buf). */
const char *receiver_key(receiver_t *self, size_t i, char *buf, size_t size);
/* Requests whose key had already been accepted (answered 200, not processed again). */
size_t receiver_duplicates(receiver_t *self);
/* Requests rejected for a signature problem of this kind. */
size_t receiver_rejected(receiver_t *self, eo_hmac_result_t why);
/* Wait until requests() >= n (bounded). true if reached. */
bool receiver_wait_requests(receiver_t *self, size_t n, int timeout_ms);
/* Wait until accepted() >= n (bounded). true if reached. */
bool receiver_wait_accepted(receiver_t *self, size_t n, int timeout_ms);

#endif
