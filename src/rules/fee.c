/* fee.c: what a service costs the member and earns the carer (see eo_rules.h).
 *
 * The 방문형 fee is charged piece by piece: a piece is the part of the service inside one
 * calendar day and one fee period (day 06-22, night 22-06), at the rate of that day and
 * period, so a Sunday 21:00 - Monday 01:00 service is Sunday day, Sunday night and Monday
 * night. Amounts come from the fee table in force on the service date. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

/* Won for `minutes` at `rate` per hour, rounded to the whole won (exact for the half
 * hours of the national tables). */
static int64_t s_prorate(int64_t rate, int minutes)
{
    return (rate * minutes + 30) / 60;
}

static eo_fee_line_t *s_line(eo_quote_t *q, eo_payer_t payer, const char *rule,
                             const char *what, eo_time_t from, eo_time_t to, int64_t rate)
{
    if (q->n_lines == EO_FEE_LINES_MAX) return NULL;
    eo_fee_line_t *l = &q->lines[q->n_lines++];
    memset(l, 0, sizeof *l);
    l->payer = payer;
    snprintf(l->rule, sizeof l->rule, "%s", rule);
    snprintf(l->what, sizeof l->what, "%s", what);
    l->from = from;
    l->to = to;
    l->minutes = from && to ? (int)((to - from) / EO_MINUTE) : 0;
    l->rate = rate;
    l->won = l->minutes ? s_prorate(rate, l->minutes) : rate;
    if (payer == EO_PAYER_MEMBER)
        q->member_total += l->won;
    else
        q->carer_total += l->won;
    return l;
}

/* Sundays and holidays take the higher 방문형 rates; Saturdays do not. */
static bool s_sunday_or_holiday(eo_rules_t *self, int32_t date)
{
    return eo_date_wday(date) == 6 || eo_calendar_is_holiday(self->cal, date);
}

/* The member's per-hour lines, one per calendar day and fee period. */
static eo_reason_t s_visit_member(eo_rules_t *self, const eo_rconf_t *c,
                                  const eo_fee_table_t *fees, eo_time_t start, eo_time_t end,
                                  eo_quote_t *q)
{
    for (eo_time_t t = start; t < end;) {
        int32_t date = eo_date_key(t);
        int m = eo_minute_of_day(t);
        int next = m < c->day_from ? c->day_from : m < c->day_to ? c->day_to : 1440;
        eo_time_t b = eo_at_minute(date, next);
        if (b > end) b = end;
        bool day = m >= c->day_from && m < c->day_to;
        bool off = s_sunday_or_holiday(self, date);
        eo_fee_key_t key = day ? (off ? EO_FEE_VISIT_PLUS50 : EO_FEE_VISIT_BASE)
                               : (off ? EO_FEE_VISIT_PLUS100 : EO_FEE_VISIT_PLUS50);
        eo_holiday_t h;
        char what[160];
        bool named = eo_calendar_get(self->cal, date, &h);
        snprintf(what, sizeof what, "%s %s%s%.60s", off ? "Sunday/holiday" : "weekday/Saturday",
                 day ? "day 06-22" : "night 22-06", named ? ": " : "", named ? h.name : "");
        if (!s_line(q, EO_PAYER_MEMBER, eo_fee_key_names[key], what, t, b, fees->won[key]))
            return EO_REASON_DURATION;
        t = b;
    }
    return EO_REASON_OK;
}

static void s_visit_carer(const eo_fee_table_t *fees, const eo_quote_params_t *p, eo_quote_t *q)
{
    const int64_t *w = fees->won;
    s_line(q, EO_PAYER_CARER, "pay.base", "carer base pay per hour", p->start, p->end,
           w[EO_FEE_PAY_BASE]);
    if (q->surcharge)
        s_line(q, EO_PAYER_CARER, "visit.surcharge", "surcharge passed to the carer", 0, 0,
               w[EO_FEE_VISIT_SURCHARGE]);
    else if (!p->not_linked)
        s_line(q, EO_PAYER_CARER, "pay.linked", "일시연계 allowance per hour", p->start, p->end,
               w[EO_FEE_PAY_LINKED]);
    if (q->have_route && q->route.anytime_allowance)
        s_line(q, EO_PAYER_CARER, "pay.anytime", "언제나아이돌봄 수당 per case", 0, 0,
               w[EO_FEE_PAY_ANYTIME]);
}

/* Under the read lock, once eo_rules_check passed the request. */
static eo_reason_t s_quote_visit(eo_rules_t *self, const eo_rconf_t *c,
                                 const eo_quote_params_t *p, eo_quote_t *q)
{
    eo_reason_t r;
    q->minutes = (int)((p->end - p->start) / EO_MINUTE);
    const eo_fee_table_t *fees = eo_rconf_fees(c, eo_date_key(p->start));
    if (!fees) return EO_REASON_NO_FEE_TABLE;
    q->fee_table = fees->effective;
    if ((r = s_visit_member(self, c, fees, p->start, p->end, q))) return r;
    int64_t lead = p->requested ? p->start - p->requested : -1;
    bool late = lead >= (int64_t)c->surcharge_lead_from * EO_MINUTE &&
                lead <= (int64_t)c->surcharge_lead_to * EO_MINUTE;
    q->surcharge = late || q->minutes == c->short_min;
    if (q->surcharge)
        s_line(q, EO_PAYER_MEMBER, "visit.surcharge",
               late ? "requested 4 to 2 hours before start" : "short 1-hour service", 0, 0,
               fees->won[EO_FEE_VISIT_SURCHARGE]);
    s_visit_carer(fees, p, q);
    return EO_REASON_OK;
}

/* --- 시설형 carer allowance ---------------------------------------------------------- */

/* Allowance pieces of one facility day: [start, end) minus the regular hours, split at
 * the day/night boundary. */
static eo_reason_t s_facility_allowance(eo_rules_t *self, const eo_rconf_t *c,
                                        const eo_fee_table_t *fees, const eo_quote_params_t *p,
                                        eo_quote_t *q)
{
    int32_t date = eo_date_key(p->start);
    bool off = eo_calendar_is_day_off(self->cal, date);
    bool regular = p->regular_from < p->regular_to && (!off || p->regular_on_days_off);
    int from = eo_minute_of_day(p->start);
    int to = from + (int)((p->end - p->start) / EO_MINUTE);
    int cuts[] = {from,
                  to,
                  c->fac_allow_day_from,
                  c->fac_allow_day_to,
                  regular ? p->regular_from : from,
                  regular ? p->regular_to : from};
    /* Walk the minutes between consecutive cut points and merge equal neighbours. */
    int lo = from;
    while (lo < to) {
        int hi = to;
        for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
            if (cuts[i] > lo && cuts[i] < hi) hi = cuts[i];
        bool inside_regular = regular && lo >= p->regular_from && lo < p->regular_to;
        if (!inside_regular && lo >= c->fac_allow_day_from) {
            bool day = lo < c->fac_allow_day_to;
            eo_fee_key_t key = off ? (day ? EO_FEE_FAC_HOLIDAY_DAY : EO_FEE_FAC_HOLIDAY_NIGHT)
                                   : (day ? EO_FEE_FAC_WEEKDAY_DAY : EO_FEE_FAC_WEEKDAY_NIGHT);
            eo_fee_line_t *last = q->n_lines ? &q->lines[q->n_lines - 1] : NULL;
            eo_time_t t0 = eo_at_minute(date, lo), t1 = eo_at_minute(date, hi);
            if (last && streq(last->rule, eo_fee_key_names[key]) && last->to == t0) {
                q->carer_total -= last->won;
                last->to = t1;
                last->minutes += hi - lo;
                last->won = s_prorate(last->rate, last->minutes);
                q->carer_total += last->won;
            } else {
                char what[160];
                snprintf(what, sizeof what, "facility allowance, %s %s, outside regular hours",
                         off ? "weekend/holiday" : "weekday", day ? "07-22" : "22-24");
                if (!s_line(q, EO_PAYER_CARER, eo_fee_key_names[key], what, t0, t1,
                            fees->won[key]))
                    return EO_REASON_DURATION;
            }
        }
        lo = hi;
    }
    return EO_REASON_OK;
}

static eo_reason_t s_quote_facility(eo_rules_t *self, const eo_rconf_t *c,
                                    const eo_quote_params_t *p, eo_quote_t *q)
{
    q->minutes = (int)((p->end - p->start) / EO_MINUTE);
    const eo_fee_table_t *fees = eo_rconf_fees(c, eo_date_key(p->start));
    if (!fees) return EO_REASON_NO_FEE_TABLE;
    q->fee_table = fees->effective;
    return s_facility_allowance(self, c, fees, p, q);
}

/* --- cancellation ----------------------------------------------------------------- */

static void s_cancel(const eo_rconf_t *c, const eo_fee_table_t *fees, eo_time_t start,
                     eo_time_t cancelled_at, int64_t linked_fee, eo_fee_line_t *l)
{
    memset(l, 0, sizeof *l);
    l->payer = EO_PAYER_MEMBER;
    int64_t before = start - cancelled_at;
    if (before >= (int64_t)c->cancel_free_before * EO_MINUTE) {
        snprintf(l->rule, sizeof l->rule, "cancel.free");
        snprintf(l->what, sizeof l->what, "cancelled 24 hours or more before start: free");
    } else if (before >= (int64_t)c->cancel_hour_before * EO_MINUTE) {
        snprintf(l->rule, sizeof l->rule, "cancel.hour");
        snprintf(l->what, sizeof l->what,
                 "cancelled 24 to 1 hours before start: one hour of the base day rate");
        l->rate = fees->won[EO_FEE_VISIT_BASE];
        l->won = l->rate;
    } else {
        snprintf(l->rule, sizeof l->rule, "cancel.late");
        snprintf(l->what, sizeof l->what,
                 "cancelled less than 1 hour before start: %d%% of "
                 "the linked fee",
                 c->cancel_late_percent);
        l->rate = linked_fee;
        l->won = linked_fee * c->cancel_late_percent / 100;
    }
}

int eo_rules_cancel_fee(eo_rules_t *self, eo_time_t start, eo_time_t cancelled_at,
                        int64_t linked_fee, eo_fee_line_t *line)
{
    if (!self || !line || linked_fee < 0) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    const eo_fee_table_t *fees = eo_rconf_fees(c, eo_date_key(start));
    if (fees) s_cancel(c, fees, start, cancelled_at, linked_fee, line);
    eo_rules_unlock(self);
    return fees ? EO_OK : EO_ENOTFOUND;
}

int eo_rules_quote(eo_rules_t *self, const eo_quote_params_t *params, eo_quote_t *out)
{
    if (!out) return EO_EINVAL;
    memset(out, 0, sizeof *out);
    if (!self || !params) return EO_EINVAL;
    int type = params->type ? params->type : EO_SERVICE_VISIT;
    if (type != EO_SERVICE_VISIT && type != EO_SERVICE_FACILITY) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    /* the one check of a request, the same the matcher's intake makes */
    eo_verdict_t v;
    eo_rules_check_locked(self, c, params, &v);
    out->route = v.route;
    out->have_route = v.have_route;
    out->pair_recommended = v.pair_recommended;
    eo_reason_t r = v.reason;
    if (r == EO_REASON_OK)
        r = type == EO_SERVICE_VISIT ? s_quote_visit(self, c, params, out)
                                     : s_quote_facility(self, c, params, out);
    if (r == EO_REASON_OK && params->cancelled_at && type == EO_SERVICE_VISIT) {
        const eo_fee_table_t *fees = eo_rconf_fees(c, eo_date_key(params->start));
        s_cancel(c, fees, params->start, params->cancelled_at, out->member_total,
                 &out->cancel_line);
        out->cancelled = true;
        out->cancel_fee = out->cancel_line.won;
    }
    eo_rules_unlock(self);
    if (r) {
        eo_route_decision_t route = out->route;
        bool have_route = out->have_route;
        memset(out, 0, sizeof *out);
        out->route = route;
        out->have_route = have_route;
        out->reason = r;
        if (r == v.reason) memcpy(out->arg, v.arg, sizeof out->arg);
        return EO_EINVAL;
    }
    return EO_OK;
}
