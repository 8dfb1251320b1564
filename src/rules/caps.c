/* caps.c: carers' working-hour caps by ISO week and calendar month, Asia/Seoul
 * (see eo_rules.h); the numbers come from rules.cfg. */
#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

static int s_week_h(const eo_rconf_t *c, eo_carer_kind_t kind)
{
    switch (kind) {
    case EO_CARER_VISIT:
        return c->cap_visit_week;
    case EO_CARER_FACILITY:
        return c->cap_facility_week;
    case EO_CARER_INVITED:
        return c->cap_invited_week;
    default:
        return 0;
    }
}

static int s_month_h(const eo_rconf_t *c, eo_carer_kind_t kind)
{
    return kind == EO_CARER_INVITED ? c->cap_invited_month : 0;
}

int eo_rules_cap_week_h(eo_rules_t *self, eo_carer_kind_t kind)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int h = s_week_h(c, kind);
    eo_rules_unlock(self);
    return h;
}

int eo_rules_cap_month_h(eo_rules_t *self, eo_carer_kind_t kind)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int h = s_month_h(c, kind);
    eo_rules_unlock(self);
    return h;
}

void eo_rules_caps(eo_rules_t *self, eo_caps_t *out)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    *out = (eo_caps_t){0};
    for (int kind = EO_CARER_VISIT; kind < EO_CARER_KINDS; kind++) {
        out->week_min[kind] = (uint32_t)s_week_h(c, (eo_carer_kind_t)kind) * 60;
        out->month_min[kind] = (uint32_t)s_month_h(c, (eo_carer_kind_t)kind) * 60;
    }
    eo_rules_unlock(self);
}

int eo_rules_caps_config(zconfig_t *root, eo_caps_t *out, char *err, size_t errlen)
{
    eo_rules_t *rules = eo_rules_new(root, err, errlen);
    if (!rules) return EO_EINVAL;
    eo_rules_caps(rules, out);
    eo_rules_destroy(&rules);
    return EO_OK;
}

eo_reason_t eo_rules_cap_check(eo_rules_t *self, eo_carer_kind_t kind, int week_minutes,
                               int month_minutes, int add_minutes)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int week = s_week_h(c, kind) * 60, month = s_month_h(c, kind) * 60;
    eo_rules_unlock(self);
    if (!week || week_minutes + add_minutes > week) return EO_REASON_CAP_WEEK;
    if (month && month_minutes + add_minutes > month) return EO_REASON_CAP_MONTH;
    return EO_REASON_OK;
}

static int s_overlap_minutes(eo_time_t start, eo_time_t end, eo_time_t from, eo_time_t to)
{
    eo_time_t lo = start > from ? start : from, hi = end < to ? end : to;
    return hi > lo ? (int)((hi - lo) / EO_MINUTE) : 0;
}

int eo_minutes_in_week(eo_time_t start, eo_time_t end, eo_time_t t)
{
    eo_time_t from = eo_week_start(t);
    return s_overlap_minutes(start, end, from, from + 7 * EO_DAY);
}

int eo_minutes_in_month(eo_time_t start, eo_time_t end, eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    eo_time_t from = eo_time_from_local(l.year, l.month, 1, 0, 0, 0);
    eo_time_t to = eo_time_from_local(l.year, l.month + 1, 1, 0, 0, 0);
    return s_overlap_minutes(start, end, from, to);
}
