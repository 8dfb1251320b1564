/* eo_hmac: the signature of a hand-off webhook (docs/handoff.md), for the sender and for
 * any receiver that wants to check it.
 *
 * The header is
 *     X-Eonjena-Signature: t=<unix seconds>,v1=<hex of HMAC-SHA256(secret, "<t>.<body>")>
 * Signing the timestamp with the body lets a receiver reject a replayed request: it
 * recomputes the MAC over exactly the bytes it received and refuses a timestamp further
 * than its tolerance from its own clock. Comparison is constant-time. */
#ifndef EO_HMAC_H
#define EO_HMAC_H

#include <stdbool.h>
#include <stddef.h>

#include "eo_time.h"

#define EO_HMAC_HEADER "X-Eonjena-Signature"
#define EO_HMAC_SIG_MAX 96    /* bytes for a header value, with the NUL */
#define EO_HMAC_TOLERANCE 300 /* seconds a receiver should accept by default */

/* What a verification found. */
typedef enum {
    EO_HMAC_VALID = 0,
    EO_HMAC_MALFORMED = -1, /* no "t=" or no "v1=" of 64 hex digits */
    EO_HMAC_MISMATCH = -2,  /* wrong secret or altered body/timestamp */
    EO_HMAC_STALE = -3,     /* the timestamp is outside the tolerance */
} eo_hmac_result_t;

/* Write the header value for `body` signed at `t` into out (EO_HMAC_SIG_MAX bytes).
 * Returns 0, or EO_EINVAL (empty secret, small buffer) or EO_ENOMEM. */
int eo_hmac_sign(const char *secret, eo_time_t t, const void *body, size_t size, char *out,
                 size_t outlen);

/* Check a received header value against the received body, at the receiver's `now`,
 * accepting timestamps within +-tolerance_s seconds. A mismatch is reported before
 * staleness is looked at only when the MAC is bad; a valid MAC with an old timestamp
 * is EO_HMAC_STALE. */
eo_hmac_result_t eo_hmac_verify(const char *secret, const char *header, const void *body,
                                size_t size, eo_time_t now, int tolerance_s);

/* "valid", "malformed", "mismatch", "stale". */
const char *eo_hmac_result_name(eo_hmac_result_t result);

void eo_hmac_test(bool verbose);

#endif
