/* eo_rules: the service rules of DOMAIN.md in one place, data-driven (issue 7).
 *
 * Numbers live in data/rules.cfg (zconfig: windows, lead times, ages, caps, restriction
 * causes) and data/fees.tsv (won amounts, tables with an effective date); holidays in
 * the calendar (eo_calendar.h). eo_rules_refresh() re-reads changed files, so an operator
 * changes a number without a rebuild or restart. Every function takes "now" (the request
 * time) as an argument and never reads a clock. All decisions are thread-safe.
 *
 * Times are eo_time_t instants; every rule is evaluated in Asia/Seoul civil time.
 * Windows are half-open [from, to). */
#ifndef EO_RULES_H
#define EO_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eo_calendar.h"
#include "eo_reason.h"
#include "eo_time.h"

typedef struct eo_rules_t eo_rules_t;

/* Load rules.cfg and fees.tsv; the calendar is borrowed (the caller keeps it alive and
 * destroys it after the rules). NULL with "file:line: why" in err. */
eo_rules_t *eo_rules_load(const char *cfg_path, const char *fees_path, eo_calendar_t *cal,
                          char *err, size_t errlen);
/* data/rules.cfg and data/fees.tsv of eo_data_dir(). */
eo_rules_t *eo_rules_load_default(eo_calendar_t *cal, char *err, size_t errlen);
void eo_rules_destroy(eo_rules_t **self_p);
/* Re-read rules.cfg, fees.tsv and the calendar if any changed. 0, or an error (logged;
 * the old values stay in force). */
int eo_rules_refresh(eo_rules_t *self);
eo_calendar_t *eo_rules_calendar(eo_rules_t *self);

/* --- 방문형 routing ------------------------------------------------------------------ */
typedef enum { EO_CHANNEL_PHONE = 0, EO_CHANNEL_APP = 1 } eo_channel_t;

typedef enum {
    EO_ROUTE_REFUSED = 0,
    EO_ROUTE_PROVIDER, /* weekday office hours: the site's provider links a carer */
    EO_ROUTE_POOL,     /* call centre: offer to the site's pool now */
    EO_ROUTE_QUEUED,   /* recorded; handed to the provider at business_at */
} eo_route_t;

typedef struct {
    eo_route_t route;
    eo_reason_t reason;      /* why (a rejection code when REFUSED) */
    eo_time_t business_at;   /* QUEUED and BEFORE_BUSINESS: when business hours begin */
    bool anytime_allowance;  /* POOL: the carer earns the 언제나 case allowance */
} eo_route_decision_t;

/* Route a 방문형 request made at `requested` for a service starting at `start`.
 * Always fills *out; returns 0 (a refusal is a decision, not an error) or EO_EINVAL
 * for a NULL argument. */
int eo_rules_route_visit(eo_rules_t *self, eo_time_t requested, eo_time_t start,
                         eo_channel_t channel, eo_route_decision_t *out);
/* When the provider's business hours next begin at or after t (09:00 of a working day). */
eo_time_t eo_rules_business_start(eo_rules_t *self, eo_time_t t);
/* Whether t falls in the pool's consent window (weekdays 18-22, days off 08-20): offers
 * go out only then. */
bool eo_rules_in_pool_window(eo_rules_t *self, eo_time_t t);

const char *eo_route_name(eo_route_t route);

void eo_rules_test(bool verbose);

#endif
