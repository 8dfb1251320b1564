/* rules_glue.c: see rules_glue.h. */
#include <stdlib.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_glue.h"

eo_rules_t *eo_glue_rules_load(eo_calendar_t **calendar, char *err, size_t errlen)
{
    *calendar = eo_calendar_load_default(err, errlen);
    eo_rules_t *rules = *calendar ? eo_rules_load_default(*calendar, err, errlen) : NULL;
    if (!rules)
        eo_calendar_destroy(calendar);
    return rules;
}

void eo_glue_rules_destroy(eo_rules_t **rules, eo_calendar_t **calendar)
{
    eo_rules_destroy(rules);
    eo_calendar_destroy(calendar);
}

int eo_glue_route(eo_rules_t *rules, int64_t now, int64_t start, bool app, const char **code,
                  const char **en)
{
    eo_route_decision_t d;
    eo_rules_route_visit(rules, now, start, app ? EO_CHANNEL_APP : EO_CHANNEL_PHONE, &d);
    if (d.route == EO_ROUTE_REFUSED) {
        *code = eo_reason_code(d.reason);
        *en = eo_reason_en(d.reason);
        return EO_GLUE_REFUSE;
    }
    return d.route == EO_ROUTE_POOL ? EO_GLUE_POOL : EO_GLUE_PROVIDER;
}

int64_t eo_glue_cancel_fee(eo_rules_t *rules, const eo_dongs_t *dongs, const char *site,
                           int64_t start, int64_t end, int64_t requested, int64_t now)
{
    eo_quote_params_t p = {.type = EO_SERVICE_VISIT, .site = site, .dongs = dongs,
                           .start = start, .end = end, .requested = requested};
    eo_quote_t *q = calloc(1, sizeof *q);
    eo_fee_line_t line;
    int64_t fee = -1;
    if (q && eo_rules_quote(rules, &p, q) == EO_OK &&
        eo_rules_cancel_fee(rules, start, now, q->member_total, &line) == EO_OK)
        fee = line.won;
    free(q);
    return fee;
}

bool eo_glue_in_pool_window(eo_rules_t *rules, int64_t t)
{
    return eo_rules_in_pool_window(rules, t);
}
