/* webhooks: the change feed POSTed to a client's URL (docs/api.md, "Webhooks").
 *
 * A credential registers one URL (POST /v1/webhooks); the gateway answers a secret,
 * once, and from then on POSTs every event that credential may see (feed.h: the same
 * events as GET /v1/events) to the URL, one request per event, signed like the
 * hand-off webhooks (eo_webhook.h, eo_hmac.h) with Idempotency-Key the event's id. A
 * client's events go in order: one that fails (no answer, a non-2xx) is tried again
 * after gateway/webhook_retry_base_ms (1000), doubling up to webhook_retry_max_ms
 * (300000), and blocks the ones behind it. Delivery is at least once: the position is
 * saved after each delivered batch, so a restart may send the last few again.
 *
 * The registrations and positions live in gateway/webhooks_file (default "webhooks"
 * beside gateway/keys_file; mode 0600, it holds the secrets). One delivery thread per
 * gateway; a revoked key's webhook stops with it. */
#ifndef EO_GATEWAY_WEBHOOKS_H
#define EO_GATEWAY_WEBHOOKS_H

#include "gateway.h"

typedef struct eo_webhooks_t eo_webhooks_t;

/* Load the file (a missing one is empty) and start the delivery thread. NULL with err
 * on a bad file. */
eo_webhooks_t *eo_webhooks_new(eo_gateway_t *gateway, zconfig_t *config, char *err,
                               size_t errlen);
/* Stop the thread (a delivery in progress finishes first). */
void eo_webhooks_destroy(eo_webhooks_t **self_p);

/* The gateway's webhooks (gateway.c). */
eo_webhooks_t *eo_gateway_webhooks(eo_gateway_t *gateway);

#endif
