/* matcher: the role that serves service "match" for its sites (issue 5; docs/architecture.md).
 *
 * Decides every `match` body with eo_cases (one LMDB write transaction per batch of
 * work: group commit; each reply is sent only after the commit that decided it), fires
 * the durable timers from its clock, and relays the outbox to `sms` and `handoff`,
 * deleting each row when its ack arrives.
 *
 * Configuration (section `matcher` of etc/eonjena.cfg), all optional:
 *   wave_k = 10  wave_timeout_s = 300  escalate_lead_s = 3600
 *   always_pool = 0  callcentre_phone = +82215771234  batch = 256  window = 64
 *   site/<slug>/wave_timeout_s = ...    (per-site wave timeout)
 *   sync_thread = 0   1: commits sync their data, a second thread the meta page while the
 *                     next batch is decided; answers and relayed outbox rows wait for it
 *                     (only for a store of the matcher's own; docs/deploy.md)
 *   sync_delay_ms = 0 tests only: the sync thread waits this long before each sync
 * and the retention of its case store (docs/retention.md): store/retire_days,
 * store/seen_days, store/purge_hour, store/purge_batch, handoff/retention_years. */
#ifndef EO_MATCHER_H
#define EO_MATCHER_H

#include <czmq.h>

#include "common/role.h"
#include "eonjena/eo_cases.h"

/* The actor: args is an eo_role_args_t*. Signals 0 when serving, -1 if it cannot. */
void eo_matcher_actor(zsock_t *pipe, void *args);

/* Read the matcher section of a configuration into cfg (defaults for what is absent). */
void eo_matcher_config(zconfig_t *config, const eo_dongs_t *dongs, eo_cases_config_t *cfg);

#endif
