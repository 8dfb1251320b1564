/* intake.c: every rule a request must pass, in one function (eo_rules_check): the quote
 * and the matcher's intake both call it, so the same input gets the same coded answer
 * whichever path it takes. The order is the one a member would fix them in: what was
 * typed, where, when and how long, who asks, and last when it was asked. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

static const char *s_text_names[EO_TEXT_COUNT] = {
    "address", "child.first_name", "member.id", "handover", "pickup",
};

/* Valid UTF-8 without control characters (C0, DEL, C1): a text that goes into an SMS
 * or a provider's record is printable. */
static bool s_printable(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        uint32_t c;
        int n = *p < 0x80             ? 1
                : (*p & 0xE0) == 0xC0 ? 2
                : (*p & 0xF0) == 0xE0 ? 3
                : (*p & 0xF8) == 0xF0 ? 4
                                      : 0;
        if (n == 0) return false;
        c = n == 1 ? *p : *p & (0xFF >> (n + 1));
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            c = (c << 6) | (p[i] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
        if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)) return false;
        p += n;
    }
    return true;
}

static eo_reason_t s_texts(const eo_rconf_t *c, const eo_quote_params_t *p, char *arg,
                           size_t arglen)
{
    for (int i = 0; i < EO_TEXT_COUNT; i++) {
        const char *t = p->texts[i];
        int max = i == EO_TEXT_ADDRESS ? c->address_max : c->name_max;
        if (!t || (strlen(t) <= (size_t)max && s_printable(t))) continue;
        snprintf(arg, arglen, "%s (max %d bytes, no control characters)", s_text_names[i], max);
        return EO_REASON_BAD_TEXT;
    }
    return EO_REASON_OK;
}

static bool s_on_grid(eo_time_t t, int step_min)
{
    return (t + EO_SEOUL_OFFSET) % ((int64_t)step_min * EO_MINUTE) == 0;
}

/* "24 h" or "2 h 30 min": a duration for a message, in neither language. */
static void s_hours(int minutes, char *buf, size_t size)
{
    if (minutes % 60)
        snprintf(buf, size, "%d h %d min", minutes / 60, minutes % 60);
    else
        snprintf(buf, size, "%d h", minutes / 60);
}

/* Durations: exactly the short 1 h, or >= 2 h in 30-minute steps up to visit/max_min;
 * start and end on the half-hour grid. */
eo_reason_t eo_rules_visit_times(const eo_rconf_t *c, eo_time_t start, eo_time_t end, char *arg,
                                 size_t arglen)
{
    if (start <= 0 || end <= start) return EO_REASON_BAD_TIMES;
    if (!s_on_grid(start, c->step_min) || !s_on_grid(end, c->step_min))
        return EO_REASON_TIME_GRID;
    int64_t minutes = (end - start) / EO_MINUTE;
    if (minutes == c->short_min) return EO_REASON_OK;
    if (minutes < c->min_min || minutes % c->step_min || minutes > c->visit_max_min) {
        s_hours(c->visit_max_min, arg, arglen);
        return EO_REASON_DURATION;
    }
    return EO_REASON_OK;
}

static void s_when(eo_time_t t, char *arg, size_t arglen)
{
    char buf[32];
    eo_time_format(t, buf, sizeof buf);
    snprintf(arg, arglen, "%.16s", buf); /* "2026-11-27T21:00" */
}

/* Who asks: the eligibility of docs/domain.md, for what the request says. */
static eo_reason_t s_who(eo_rules_t *self, const eo_rconf_t *c, const eo_quote_params_t *p,
                         int type, char *arg, size_t arglen)
{
    const char *home = p->residence && *p->residence ? p->residence : p->site;
    bool resident = true;
    if (p->dongs) {
        int s = home ? eo_dongs_site_find(p->dongs, home) : -1;
        resident = s >= 0 && (eo_dongs_site(p->dongs, s)->services & (unsigned)type);
    }
    eo_eligibility_t in = {
        .type = type,
        .dongs = NULL, /* the site was checked before */
        .site = p->site,
        .verified_member = p->verified != EO_NO,
        .child_registered_in_site = resident,
        /* the child's facts are checked where the child is said (a quote may not) */
        .child_preregistered = p->preregistered || !p->child_given,
        .child_birth = p->child_given ? p->child_birth : 0,
        .child_age_months = p->child_given ? p->child_age_months : -1,
        .service_date = eo_date_key(p->start),
        .child_in_school = p->in_school || !p->child_given,
        .sibling_registered = p->sibling_registered,
        .sick = p->sick,
        .severe_disability = p->severe_disability,
        .restricted_until = p->restricted_until,
    };
    return eo_rules_eligibility_locked(self, c, &in, arg, arglen);
}

/* The timing of a 방문형 request: app hours, the 2 h lead, the route. */
static eo_reason_t s_visit_timing(eo_rules_t *self, const eo_rconf_t *c,
                                  const eo_quote_params_t *p, eo_verdict_t *v)
{
    eo_rules_route_locked(self, c, p->requested, p->start, p->channel, &v->route);
    v->have_route = true;
    if (v->route.reason == EO_REASON_LEAD_TIME)
        s_when(p->requested + (eo_time_t)c->visit_lead * EO_MINUTE, v->arg, sizeof v->arg);
    else if (v->route.business_at)
        s_when(v->route.business_at, v->arg, sizeof v->arg);
    return v->route.route == EO_ROUTE_REFUSED ? v->route.reason : EO_REASON_OK;
}

void eo_rules_check_locked(eo_rules_t *self, const eo_rconf_t *c, const eo_quote_params_t *p,
                           eo_verdict_t *v)
{
    memset(v, 0, sizeof *v);
    int type = p->type ? p->type : EO_SERVICE_VISIT;
    bool visit = type == EO_SERVICE_VISIT;
    eo_reason_t r = s_texts(c, p, v->arg, sizeof v->arg);
    if (!r && p->dongs) {
        int site = p->site ? eo_dongs_site_find(p->dongs, p->site) : -1;
        if (site < 0 || !(eo_dongs_site(p->dongs, site)->services & (unsigned)type))
            r = EO_REASON_SITE_NOT_SERVED;
    }
    eo_facility_decision_t fac = {0};
    if (!r && visit)
        r = eo_rules_visit_times(c, p->start, p->end, v->arg, sizeof v->arg);
    else if (!r) {
        /* 시설형: the day, hours, midnight, cutoff, lead and 6 h on a day off */
        eo_facility_request_t req = {.requested = p->requested,
                                     .start = p->start,
                                     .end = p->end,
                                     .site = p->site,
                                     .child_minutes_that_day = p->child_minutes_that_day};
        r = p->start > 0 && p->end > p->start &&
                    (!s_on_grid(p->start, c->step_min) || !s_on_grid(p->end, c->step_min))
                ? EO_REASON_TIME_GRID
                : EO_REASON_OK;
        if (!r) {
            eo_rules_check_facility_locked(self, c, &req, &fac);
            r = fac.reason;
            if (r == EO_REASON_LEAD_TIME)
                s_when(p->requested + (eo_time_t)c->fac_lead * EO_MINUTE, v->arg,
                       sizeof v->arg);
        }
    }
    eo_time_t latest = p->requested + (eo_time_t)c->horizon_days * EO_DAY;
    if (!r && p->requested && p->start > latest) {
        r = EO_REASON_HORIZON;
        s_when(latest, v->arg, sizeof v->arg);
    }
    if (!r) r = s_who(self, c, p, type, v->arg, sizeof v->arg);
    if (!r && visit && p->requested) r = s_visit_timing(self, c, p, v);
    v->pair_recommended = !r && fac.pair_recommended;
    v->reason = r;
}

int eo_rules_check(eo_rules_t *self, const eo_quote_params_t *params, eo_verdict_t *out)
{
    if (!out) return EO_EINVAL;
    memset(out, 0, sizeof *out);
    if (!self || !params ||
        (params->type && params->type != EO_SERVICE_VISIT &&
         params->type != EO_SERVICE_FACILITY)) {
        out->reason = EO_REASON_BAD_REQUEST;
        snprintf(out->arg, sizeof out->arg, "type");
        return EO_EINVAL;
    }
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_rules_check_locked(self, c, params, out);
    eo_rules_unlock(self);
    return EO_OK;
}

char *eo_verdict_message(const eo_verdict_t *v, const char *lang, char *buf, size_t size)
{
    return eo_reason_format(v->reason, lang, v->arg, buf, size);
}

eo_time_t eo_rules_horizon(eo_rules_t *self, eo_time_t requested)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_time_t t = requested + (eo_time_t)c->horizon_days * EO_DAY;
    eo_rules_unlock(self);
    return t;
}

int eo_rules_payment_deadline_min(eo_rules_t *self)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    int m = c->pay_deadline;
    eo_rules_unlock(self);
    return m;
}
