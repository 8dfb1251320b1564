/* eo_handoff: the hand-off role's core, without the broker: takes HandoffItems into the
 * durable per-provider queues and delivers them to webhook providers inside their
 * business hours, in order, retrying with exponential backoff until a 2xx.
 *
 * Time comes only from the injected clock; eo_handoff_next_due_ms() says when the core
 * next has something to do so the actor can arm one zloop timer, and a test can step a
 * manual clock and call eo_handoff_run() itself. Per provider the head item blocks the
 * ones behind it until it is delivered. Backoff state lives in memory: after a restart
 * the head is tried again at once (inside business hours), which is safe because the
 * receiver deduplicates by Idempotency-Key.
 * Threads: one thread calls eo_handoff_run / _next_due_ms (delivery, which blocks in
 * HTTP); another may call eo_handoff_accept / _metrics / _queue meanwhile (intake).
 *
 * Configuration, section `handoff` (all optional):
 *   retry_base_ms = 30000     first retry delay; doubles per failure
 *   retry_max_ms = 3600000    cap of the delay
 *   http_timeout_ms = 10000   one POST, connect included
 *   batch = 50                deliveries per provider per run (keeps the actor responsive)
 *   retention_years = 3       personal data kept after the service ended (purge and the
 *                             daily run, with store/purge_hour and store/purge_batch)
 *   holidays = PATH           holiday file; default data/holidays.tsv */
#ifndef EO_HANDOFF_H
#define EO_HANDOFF_H

#include <czmq.h>
#include <stdint.h>

#include "core.pb-c.h"
#include "eonjena/eo_hours.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_provider.h"
#include "eonjena/eo_handoff_queue.h"
#include "eonjena/eo_retention.h"

typedef struct {
    int64_t retry_base_ms;
    int64_t retry_max_ms;
    long http_timeout_ms;
    int batch;
    int retention_years;
    int window;    /* items taken from the broker before answering, stored in one commit */
    int linger_ms; /* once an item came, wait this long for more to share its commit */
} eo_handoff_config_t;

#define EO_HANDOFF_WINDOW_MAX 1024 /* handoff/window's ceiling */

void eo_handoff_config_defaults(eo_handoff_config_t *cfg);
/* Read the `handoff` section over the defaults. 0, or EO_EINVAL with err set. */
int eo_handoff_config_load(eo_handoff_config_t *cfg, zconfig_t *config, char *err,
                           size_t errlen);

typedef struct eo_handoff_t eo_handoff_t;

/* store, clock and providers are borrowed and outlive the core. sites: "*" or a
 * comma-separated list; only providers of those sites are delivered to. cfg NULL:
 * defaults. NULL on failure (logged). */
eo_handoff_t *eo_handoff_new(eo_store_t *store, eo_clock_t *clock,
                             const eo_providers_t *providers, const char *sites,
                             const eo_handoff_config_t *cfg);
void eo_handoff_destroy(eo_handoff_t **self_p);
/* The holiday predicate business hours use (NULL: none). */
void eo_handoff_set_holidays(eo_handoff_t *self, eo_holiday_fn *holiday, void *ctx);
/* Run the daily retention (retention.h): from now on eo_handoff_run also
 * anonymises, one batch per call, the delivered items past cfg's privacy period, every
 * day at cfg->purge_hour, and eo_handoff_next_due_ms counts it. Call before the
 * delivery thread starts. EO_OK or EO_ESTORE. */
int eo_handoff_set_retention(eo_handoff_t *self, const eo_retention_config_t *cfg);
/* The queue (borrowed), e.g. for the pull API in the same thread. */
eo_handoff_queue_t *eo_handoff_queue(eo_handoff_t *self);

/* Take one Event with a handoff body: route it to its provider (HandoffItem.provider, or
 * the site's default) and store it durably. EO_OK when stored or already known (either
 * way the sender may be acknowledged), EO_EINVAL for a malformed item (nothing stored),
 * EO_ESTORE. An item whose site has no provider is kept in queue "unrouted.<site>"
 * (logged, visible in the metrics) rather than refused, so nothing is lost; a core
 * made when the site has a provider moves them there (in order). */
int eo_handoff_accept(eo_handoff_t *self, const Eo__Event *event);
/* The same for n events in one transaction (group commit: one commit for the batch, the
 * sender of each acknowledged after it). EO_OK: rcs[i] is what eo_handoff_accept would
 * have answered for events[i]; otherwise (the commit failed) nothing was stored. */
int eo_handoff_accept_batch(eo_handoff_t *self, const Eo__Event *const *events, size_t n,
                            int *rcs);

/* When (clock ms) a delivery, or a batch of the daily retention, is next due: now or
 * later; INT64_MAX if nothing waits for a webhook provider of the served sites and no
 * retention runs. */
int64_t eo_handoff_next_due_ms(eo_handoff_t *self);
/* Attempt every delivery that is due now, then one batch of the retention if it is due
 * (its failure is logged, not returned). *delivered (may be NULL) counts the items
 * delivered. EO_OK or EO_ESTORE. */
int eo_handoff_run(eo_handoff_t *self, size_t *delivered);

/* Metrics as JSON text (caller frees with free()):
 * {"at": ISO, "providers": {"<id>": {"site", "mode", "depth", "oldest_age_s",
 *   "attempts", "last_status", "next_attempt"}}, "unrouted": {"<site>": depth},
 *  "other_queues": {"<provider no longer configured>": depth},
 *  "retention": {"runs", "anonymised", "failures", "running", "next_run", "last_run"}
 *               or null when the core runs no retention} */
char *eo_handoff_metrics(eo_handoff_t *self);

void eo_handoff_test(bool verbose);

#endif
