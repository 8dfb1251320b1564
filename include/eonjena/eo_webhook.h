/* eo_webhook: one signed JSON POST: a hand-off to a provider's URL (docs/handoff.md), an
 * event of the change feed to a client's URL (docs/api.md). Both are signed alike, so a
 * receiver verifies them with the same code.
 *
 * Headers: Content-Type: application/json, Idempotency-Key: <item or event id> and
 * X-Eonjena-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> (eo_hmac.h).
 * Blocking, bounded by timeout_ms. Redirects are not followed (a signed body must not
 * be re-sent somewhere else). */
#ifndef EO_WEBHOOK_H
#define EO_WEBHOOK_H

#include <stddef.h>

#include "eonjena.h"

/* Returns the HTTP status (100..599), or EO_EIO when no answer came (connection
 * refused, timeout; the reason is in err), or EO_EINVAL (no secret). */
int eo_webhook_post(const char *url, const char *secret, const char *idempotency_key,
                    const char *body, eo_time_t now, long timeout_ms, char *err, size_t errlen);

#endif
