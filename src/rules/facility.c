/* facility.c: the 시설형 rules: when a facility stay may be booked, the pairs
 * recommendation and the matching order (see eo_rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

static bool s_pairs_on(const eo_rconf_t *c, const char *site)
{
    for (size_t i = 0; site && i < c->n_pair_sites; i++)
        if (streq(c->pair_sites[i].slug, site)) return c->pair_sites[i].on;
    return c->fac_pair_default;
}

bool eo_rules_facility_pairs(eo_rules_t *self, const char *site)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    bool on = s_pairs_on(c, site);
    eo_rules_unlock(self);
    return on;
}

/* The first rejection, in the order a member would fix them. */
static eo_reason_t s_check(eo_rules_t *self, const eo_rconf_t *c,
                           const eo_facility_request_t *req)
{
    if (req->start <= 0 || req->end <= req->start) return EO_REASON_BAD_TIMES;
    int32_t date = eo_date_key(req->start);
    int from = eo_minute_of_day(req->start);
    /* A use is registered and closed on the same day: 24:00 is the last possible end. */
    if (req->end > eo_at_minute(date, 1440)) return EO_REASON_FACILITY_MIDNIGHT;
    int to = (int)((req->end - eo_at_minute(date, 0)) / EO_MINUTE);
    if (eo_calendar_is_facility_closed(self->cal, date)) return EO_REASON_FACILITY_CLOSED_DAY;
    if (from < c->fac_open_from || to > c->fac_open_to) return EO_REASON_FACILITY_HOURS;
    if (req->requested) {
        bool same_day = eo_date_key(req->requested) == date;
        if (same_day && eo_minute_of_day(req->requested) >= c->fac_cutoff)
            return EO_REASON_FACILITY_CUTOFF;
        if (req->start - req->requested < (eo_time_t)c->fac_lead * EO_MINUTE)
            return EO_REASON_LEAD_TIME;
    }
    int minutes = to - from;
    if (eo_calendar_is_day_off(self->cal, date) &&
        req->child_minutes_that_day + minutes > c->fac_dayoff_max)
        return EO_REASON_FACILITY_DAY_MAX;
    return EO_REASON_OK;
}

void eo_rules_check_facility_locked(eo_rules_t *self, const eo_rconf_t *c,
                                    const eo_facility_request_t *req,
                                    eo_facility_decision_t *out)
{
    memset(out, 0, sizeof *out);
    out->reason = s_check(self, c, req);
    if (out->reason == EO_REASON_OK) {
        int32_t date = eo_date_key(req->start);
        bool overlaps = req->start < eo_at_minute(date, c->fac_pair_to) &&
                        req->end > eo_at_minute(date, c->fac_pair_from);
        out->pair_recommended = overlaps && s_pairs_on(c, req->site);
    }
}

int eo_rules_check_facility(eo_rules_t *self, const eo_facility_request_t *req,
                            eo_facility_decision_t *out)
{
    if (!self || !req || !out) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_rules_check_facility_locked(self, c, req, out);
    eo_rules_unlock(self);
    return EO_OK;
}

void eo_rules_facility_order(const eo_facility_provider_t *providers, size_t n,
                             bool centre_available, eo_facility_match_t *out)
{
    /* Nearest first; on equal distance the lower index, so the choice is deterministic. */
    int best = -1;
    eo_match_tier_t best_tier = EO_MATCH_CENTRE;
    for (size_t i = 0; providers && i < n; i++) {
        const eo_facility_provider_t *p = &providers[i];
        eo_match_tier_t tier = p->own_carers_free > 0       ? EO_MATCH_OWN_CARER
                               : p->invited_carers_free > 0 ? EO_MATCH_INVITED_CARER
                                                            : EO_MATCH_CENTRE;
        if (tier == EO_MATCH_CENTRE) continue;
        if (best < 0 || p->distance_km < providers[best].distance_km) {
            best = (int)i;
            best_tier = tier;
        }
    }
    out->provider = best;
    out->tier = best >= 0          ? best_tier
                : centre_available ? EO_MATCH_CENTRE
                                   : EO_MATCH_CONVERT_VISIT;
}

int64_t eo_rules_facility_charge(eo_rules_t *self, eo_facility_charge_t kind, int64_t fee,
                                 int overrun_minutes, char *rule, size_t rulelen)
{
    if (!self || fee < 0) return 0;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int pct = 0;
    const char *name = "facility.none";
    if (kind == EO_FACILITY_SHORTENED) {
        pct = c->fac_shortened_pct;
        name = "facility.shortened";
    } else if (kind == EO_FACILITY_OVERRUN && overrun_minutes >= c->fac_overrun_grace) {
        pct = c->fac_overrun_pct;
        name = "facility.overrun";
    } else if (kind == EO_FACILITY_NOSHOW) {
        pct = c->fac_noshow_pct;
        name = "facility.noshow";
    }
    eo_rules_unlock(self);
    if (rule && rulelen) snprintf(rule, rulelen, "%s", name);
    return fee * pct / 100;
}

int eo_rules_facility_max_children(eo_rules_t *self)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int n = c->fac_max_children;
    eo_rules_unlock(self);
    return n;
}

int eo_rules_facility_pickup_grace_min(eo_rules_t *self)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int n = c->fac_pickup_grace;
    eo_rules_unlock(self);
    return n;
}
