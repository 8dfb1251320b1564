/* events: GET /v1/events, the change feed as Server-Sent Events (docs/api.md).
 *
 * A stream is an MHD response read by a callback on the gateway's own HTTP threads:
 * when it has nothing to send, the callback suspends its connection (no thread waits on
 * it); the hub resumes the suspended streams every gateway/events_poll_ms, and each
 * stream then asks the matchers for what is new since its cursor (feed.h), or sends a
 * heartbeat comment every gateway/events_heartbeat_s so that proxies and the idle
 * timeout keep the connection. At most gateway/events_max_clients streams at once. */
#ifndef EO_GATEWAY_EVENTS_H
#define EO_GATEWAY_EVENTS_H

#include "gateway.h"

typedef struct eo_events_hub_t eo_events_hub_t;

/* From the configuration (gateway/events_*). NULL out of memory. */
eo_events_hub_t *eo_events_hub_new(zconfig_t *config);
/* Resume every stream and let none suspend again: they end at their next read. */
void eo_events_hub_stop(eo_events_hub_t *self);
void eo_events_hub_destroy(eo_events_hub_t **self_p);

/* The gateway's hub (gateway.c). */
eo_events_hub_t *eo_gateway_events_hub(eo_gateway_t *gateway);

#endif
