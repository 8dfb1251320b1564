/* quote.c: quote parameters from text and the quote as JSON, shared by `eonjena quote`
 * and the gateway's GET /v1/quote (see eo_rules.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>
#include <jansson.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"

static int s_bool(const char *v, bool *out)
{
    if (streq(v, "yes") || streq(v, "true") || streq(v, "1"))
        *out = true;
    else if (streq(v, "no") || streq(v, "false") || streq(v, "0"))
        *out = false;
    else
        return -1;
    return 0;
}

static int s_hhmm(const char *v, int *out)
{
    int h, m;
    char tail;
    if (sscanf(v, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
        (h == 24 && m))
        return -1;
    *out = h * 60 + m;
    return 0;
}

void eo_quote_params_init(eo_quote_params_t *p, const eo_dongs_t *dongs)
{
    memset(p, 0, sizeof *p);
    p->dongs = dongs;
    p->in_school = true;
}

int eo_quote_params_set(eo_quote_params_t *p, const char *key, const char *value, char *err,
                        size_t errlen)
{
    if (!p || !key || !value) {
        snprintf(err, errlen, "missing parameter");
        return EO_EINVAL;
    }
    eo_quote_params_t n = *p; /* changed only on success */
    bool b = false;
    int ok = 0;
    if (streq(key, "type"))
        ok = streq(value, "visit")      ? (n.type = EO_SERVICE_VISIT, 0)
             : streq(value, "facility") ? (n.type = EO_SERVICE_FACILITY, 0)
                                        : -1;
    else if (streq(key, "site"))
        n.site = value;
    else if (streq(key, "start"))
        ok = eo_time_parse(value, &n.start);
    else if (streq(key, "end"))
        ok = eo_time_parse(value, &n.end);
    else if (streq(key, "requested"))
        ok = eo_time_parse(value, &n.requested);
    else if (streq(key, "cancelled"))
        ok = eo_time_parse(value, &n.cancelled_at);
    else if (streq(key, "channel"))
        ok = streq(value, "phone") ? (n.channel = EO_CHANNEL_PHONE, 0)
             : streq(value, "app") ? (n.channel = EO_CHANNEL_APP, 0)
                                   : -1;
    else if (streq(key, "linked"))
        ok = s_bool(value, &b) ? -1 : (n.not_linked = !b, 0);
    else if (streq(key, "regular_days_off"))
        ok = s_bool(value, &n.regular_on_days_off);
    else if (streq(key, "regular")) {
        char from[8], to[8], tail;
        ok = sscanf(value, "%7[^-]-%7[^-]%c", from, to, &tail) == 2 &&
                     !s_hhmm(from, &n.regular_from) && !s_hhmm(to, &n.regular_to) &&
                     n.regular_from <= n.regular_to
                 ? 0
                 : -1;
    } else if (streq(key, "verified"))
        ok = s_bool(value, &b) ? -1 : (n.verified = b ? EO_YES : EO_NO, 0);
    else if (streq(key, "age_months")) {
        char *end;
        long v = strtol(value, &end, 10);
        ok = *value && !*end && v >= 0 && v <= 240
                 ? (n.child_age_months = (int)v, n.child_given = true, 0)
                 : -1;
    } else if (streq(key, "birth"))
        ok = eo_date_parse(value, &n.child_birth) ? -1 : (n.child_given = true, 0);
    else if (streq(key, "residence"))
        n.residence = value;
    else if (streq(key, "sick"))
        ok = s_bool(value, &n.sick);
    else if (streq(key, "severe_disability"))
        ok = s_bool(value, &n.severe_disability);
    else if (streq(key, "preregistered"))
        ok = s_bool(value, &n.preregistered);
    else if (streq(key, "in_school"))
        ok = s_bool(value, &n.in_school);
    else if (streq(key, "sibling_registered"))
        ok = s_bool(value, &n.sibling_registered);
    else if (streq(key, "child_minutes")) {
        char *end;
        long v = strtol(value, &end, 10);
        ok = *value && !*end && v >= 0 && v <= 1440 ? (n.child_minutes_that_day = (int)v, 0)
                                                    : -1;
    } else {
        snprintf(err, errlen, "unknown parameter '%s'", key);
        return EO_EINVAL;
    }
    if (ok) {
        snprintf(err, errlen, "bad value for %s: '%s'", key, value);
        return EO_EINVAL;
    }
    *p = n;
    return EO_OK;
}

static json_t *s_time(eo_time_t t)
{
    char buf[32];
    return t ? json_string(eo_time_format(t, buf, sizeof buf)) : json_null();
}

static json_t *s_line_json(const eo_fee_line_t *l)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:i, s:I, s:I}", "rule", l->rule, "what", l->what,
                     "from", s_time(l->from), "to", s_time(l->to), "minutes", l->minutes,
                     "rate", (json_int_t)l->rate, "won", (json_int_t)l->won);
}

static json_t *s_side(const eo_quote_t *q, eo_payer_t payer, int64_t total)
{
    json_t *lines = json_array();
    for (size_t i = 0; lines && i < q->n_lines; i++)
        if (q->lines[i].payer == payer) json_array_append_new(lines, s_line_json(&q->lines[i]));
    return json_pack("{s:o, s:I}", "lines", lines, "total", (json_int_t)total);
}

/* arg fills the message's %s when the decision names no business hours (a refusal's own
 * value: the earliest start of a lead_time refusal). */
static json_t *s_route_json(const eo_route_decision_t *d, const char *arg)
{
    char ko[512], en[512], at[96];
    snprintf(at, sizeof at, "%s", arg);
    if (d->business_at) eo_time_format(d->business_at, at, sizeof at);
    return json_pack("{s:s, s:s, s:o, s:b, s:b, s:s, s:s}", "route", eo_route_name(d->route),
                     "reason", eo_reason_code(d->reason), "business_at", s_time(d->business_at),
                     "anytime_allowance", d->anytime_allowance, "starts_before_business",
                     d->starts_before_business, "ko",
                     eo_reason_format(d->reason, "ko", at, ko, sizeof ko), "en",
                     eo_reason_format(d->reason, "en", at, en, sizeof en));
}

/* arg fills the message's %s; NULL: the refusal's own (eo_verdict_t). */
static json_t *s_error_json(const eo_quote_t *q, const char *arg)
{
    char ko[512], en[512], at[96] = "";
    snprintf(at, sizeof at, "%s", arg ? arg : q->arg);
    json_t *root = json_pack("{s:b, s:{s:s, s:s, s:s}}", "ok", 0, "error", "code",
                             eo_reason_code(q->reason), "ko",
                             eo_reason_format(q->reason, "ko", at, ko, sizeof ko), "en",
                             eo_reason_format(q->reason, "en", at, en, sizeof en));
    if (root && q->have_route) json_object_set_new(root, "route", s_route_json(&q->route, at));
    return root;
}

static json_t *s_quote_json(const eo_quote_params_t *p, const eo_quote_t *q)
{
    char table[16];
    snprintf(table, sizeof table, "%04d-%02d-%02d", q->fee_table / 10000,
             q->fee_table / 100 % 100, q->fee_table % 100);
    json_t *root = json_pack(
        "{s:b, s:s, s:o, s:o, s:o, s:o, s:i, s:s, s:b, s:o, s:o}", "ok", 1, "type",
        p->type == EO_SERVICE_FACILITY ? "facility" : "visit", "site",
        p->site ? json_string(p->site) : json_null(), "start", s_time(p->start), "end",
        s_time(p->end), "requested", s_time(p->requested), "minutes", q->minutes, "fee_table",
        table, "surcharge", q->surcharge, "member", s_side(q, EO_PAYER_MEMBER, q->member_total),
        "carer", s_side(q, EO_PAYER_CARER, q->carer_total));
    if (!root) return NULL;
    if (q->have_route) json_object_set_new(root, "route", s_route_json(&q->route, ""));
    if (p->type == EO_SERVICE_FACILITY)
        json_object_set_new(root, "pair_recommended", json_boolean(q->pair_recommended));
    if (q->cancelled)
        json_object_set_new(root, "cancellation",
                            json_pack("{s:o, s:o}", "at", s_time(p->cancelled_at), "line",
                                      s_line_json(&q->cancel_line)));
    return root;
}

json_t *eo_quote_object(eo_rules_t *self, const eo_quote_params_t *params, char *err,
                        size_t errlen)
{
    if (!self || !params) {
        snprintf(err, errlen, "missing rules or parameters");
        return NULL;
    }
    eo_quote_t *q = malloc(sizeof *q);
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    eo_quote_params_t p = *params;
    if (!p.type) p.type = EO_SERVICE_VISIT;
    json_t *root;
    if (!p.start || !p.end) {
        memset(q, 0, sizeof *q);
        q->reason = EO_REASON_BAD_REQUEST;
        root = s_error_json(q, "start, end");
    } else if (eo_rules_quote(self, &p, q) == EO_OK)
        root = s_quote_json(&p, q);
    else {
        bool bad = q->reason == EO_REASON_OK;
        if (bad) q->reason = EO_REASON_BAD_REQUEST;
        root = s_error_json(q, bad ? "type" : NULL);
    }
    free(q);
    if (!root) snprintf(err, errlen, "out of memory");
    return root;
}

char *eo_quote_json(eo_rules_t *self, const eo_quote_params_t *params, char *err, size_t errlen)
{
    json_t *root = eo_quote_object(self, params, err, errlen);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    if (root && !text) snprintf(err, errlen, "out of memory");
    json_decref(root);
    return text;
}
