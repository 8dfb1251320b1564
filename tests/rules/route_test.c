/* rules.route: the 방문형 routing table of docs/domain.md, row by row, at the boundary minutes,
 * on weekdays, weekends, holidays and substitute holidays, from phone and app. */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "eonjena/eo_rules.h"
#include "eonjena/eo_time.h"

typedef struct {
    const char *what;
    const char *requested, *start; /* Seoul "YYYY-MM-DD HH:MM" */
    eo_channel_t channel;
    eo_route_t route;
    eo_reason_t reason;
    const char *business_at; /* NULL: not set */
} s_case_t;

#define PH EO_CHANNEL_PHONE
#define APP EO_CHANNEL_APP
#define R_PROV EO_ROUTE_PROVIDER, EO_REASON_PROVIDER_HOURS
#define R_POOL EO_ROUTE_POOL, EO_REASON_POOL_WINDOW
#define R_LATE EO_ROUTE_QUEUED, EO_REASON_QUEUED_LATE_START
#define R_OFF EO_ROUTE_QUEUED, EO_REASON_QUEUED_OFF_HOURS
#define R_BEFORE EO_ROUTE_REFUSED, EO_REASON_BEFORE_BUSINESS
#define R_LEAD EO_ROUTE_REFUSED, EO_REASON_LEAD_TIME
#define R_APP EO_ROUTE_REFUSED, EO_REASON_APP_HOURS

/* 2026-11-23 is a Monday; 11-28 Saturday, 11-29 Sunday. 2026-10-05 (Mon) is a substitute
 * holiday, 10-09 (Fri) 한글날, 09-24..26 추석. */
static const s_case_t s_cases[] = {
    /* weekdays 09-18: provider */
    {"weekday 08:59 is off hours", "2026-11-23 08:59", "2026-11-23 11:00", PH, R_OFF,
     "2026-11-23 09:00"},
    {"weekday 09:00 provider", "2026-11-23 09:00", "2026-11-23 11:00", PH, R_PROV, NULL},
    {"weekday 17:59 provider", "2026-11-23 17:59", "2026-11-23 20:00", PH, R_PROV, NULL},
    {"provider ignores next-day 11:00", "2026-11-23 10:00", "2026-11-25 15:00", PH, R_PROV,
     NULL},
    /* weekdays 18-22: pool when the start is within next day 11:00 */
    {"weekday 18:00 pool", "2026-11-23 18:00", "2026-11-23 20:00", PH, R_POOL, NULL},
    {"weekday 21:59 pool", "2026-11-23 21:59", "2026-11-24 06:00", PH, R_POOL, NULL},
    {"next day 10:59 pool", "2026-11-23 19:00", "2026-11-24 10:59", PH, R_POOL, NULL},
    {"next day 11:00 inclusive", "2026-11-23 19:00", "2026-11-24 11:00", PH, R_POOL, NULL},
    {"next day 11:01 queued", "2026-11-23 19:00", "2026-11-24 11:01", PH, R_LATE,
     "2026-11-24 09:00"},
    {"next day 11:30 queued", "2026-11-23 21:59", "2026-11-24 11:30", PH, R_LATE,
     "2026-11-24 09:00"},
    {"Friday evening, Saturday 11:00", "2026-11-27 18:00", "2026-11-28 11:00", PH, R_POOL,
     NULL},
    {"Friday evening, Saturday noon", "2026-11-27 18:00", "2026-11-28 12:00", PH, R_LATE,
     "2026-11-30 09:00"},
    /* other times: queued, refused if the start comes before business hours */
    {"weekday 22:00 off hours", "2026-11-23 22:00", "2026-11-24 09:00", PH, R_OFF,
     "2026-11-24 09:00"},
    {"weekday 22:00, start 08:59", "2026-11-23 22:00", "2026-11-24 08:59", PH, R_BEFORE,
     "2026-11-24 09:00"},
    {"weekday 05:59 before business", "2026-11-24 05:59", "2026-11-24 08:00", PH, R_BEFORE,
     "2026-11-24 09:00"},
    {"weekday 06:00 off hours", "2026-11-24 06:00", "2026-11-24 09:00", PH, R_OFF,
     "2026-11-24 09:00"},
    /* weekends and holidays 08-20 */
    {"Saturday 07:59 before business", "2026-11-28 07:59", "2026-11-28 12:00", PH, R_BEFORE,
     "2026-11-30 09:00"},
    {"Saturday 07:59, Monday start", "2026-11-28 07:59", "2026-11-30 10:00", PH, R_OFF,
     "2026-11-30 09:00"},
    {"Saturday 08:00 pool", "2026-11-28 08:00", "2026-11-28 10:00", PH, R_POOL, NULL},
    {"Saturday 17:59 pool", "2026-11-28 17:59", "2026-11-28 20:00", PH, R_POOL, NULL},
    {"Saturday 18:00 still pool", "2026-11-28 18:00", "2026-11-29 11:00", PH, R_POOL, NULL},
    {"Saturday 19:59 pool", "2026-11-28 19:59", "2026-11-28 21:59", PH, R_POOL, NULL},
    {"Saturday 20:00 off hours", "2026-11-28 20:00", "2026-11-29 10:00", PH, R_BEFORE,
     "2026-11-30 09:00"},
    {"Saturday pool, Sunday 11:01", "2026-11-28 10:00", "2026-11-29 11:01", PH, R_LATE,
     "2026-11-30 09:00"},
    {"Sunday 21:00 off hours", "2026-11-29 21:00", "2026-11-30 09:00", PH, R_OFF,
     "2026-11-30 09:00"},
    {"Sunday 19:00, Monday 11:00", "2026-11-29 19:00", "2026-11-30 11:00", PH, R_POOL, NULL},
    {"substitute Monday 10:00 pool", "2026-10-05 10:00", "2026-10-05 12:00", PH, R_POOL, NULL},
    {"substitute Monday 18:30 pool", "2026-10-05 18:30", "2026-10-06 11:00", PH, R_POOL, NULL},
    {"substitute Monday 21:00 off", "2026-10-05 21:00", "2026-10-06 08:00", PH, R_BEFORE,
     "2026-10-06 09:00"},
    {"substitute Monday 20:00 off", "2026-10-05 20:00", "2026-10-06 09:00", PH, R_OFF,
     "2026-10-06 09:00"},
    {"holiday Friday 12:00 pool", "2026-10-09 12:00", "2026-10-10 11:00", PH, R_POOL, NULL},
    {"holiday Friday 09:30 pool", "2026-10-09 09:30", "2026-10-09 11:30", PH, R_POOL, NULL},
    {"before 추석, Thursday 11:30", "2026-09-23 19:00", "2026-09-24 11:30", PH, R_LATE,
     "2026-09-28 09:00"},
    {"election day 10:00 pool", "2026-06-03 10:00", "2026-06-03 14:00", PH, R_POOL, NULL},
    /* the 2 h lead, whatever the route; exactly 2 h is accepted */
    {"lead 1:59 provider hours", "2026-11-23 10:00", "2026-11-23 11:59", PH, R_LEAD, NULL},
    {"lead 2:00 provider hours", "2026-11-23 10:00", "2026-11-23 12:00", PH, R_PROV, NULL},
    {"lead 1:59 pool", "2026-11-23 18:00", "2026-11-23 19:59", PH, R_LEAD, NULL},
    {"lead 2:00 pool", "2026-11-23 18:00", "2026-11-23 20:00", PH, R_POOL, NULL},
    {"start before request", "2026-11-23 18:00", "2026-11-23 17:00", PH, R_LEAD, NULL},
    {"lead 1:59 at night", "2026-11-23 23:00", "2026-11-24 00:59", PH, R_LEAD, NULL},
    /* app / web 06-22 every day */
    {"app 05:59", "2026-11-28 05:59", "2026-11-28 10:00", APP, R_APP, NULL},
    {"app 06:00 Saturday", "2026-11-28 06:00", "2026-11-28 12:00", APP, R_BEFORE,
     "2026-11-30 09:00"},
    {"app 08:00 Saturday", "2026-11-28 08:00", "2026-11-28 12:00", APP, R_POOL, NULL},
    {"app 21:59", "2026-11-23 21:59", "2026-11-24 10:00", APP, R_POOL, NULL},
    {"app 22:00", "2026-11-23 22:00", "2026-11-24 10:00", APP, R_APP, NULL},
    {"app 10:00 weekday", "2026-11-23 10:00", "2026-11-23 12:00", APP, R_PROV, NULL},
};

static eo_time_t s_t(const char *text)
{
    eo_time_t t;
    int rc = eo_time_parse(text, &t);
    assert(rc == 0);
    return t;
}

int main(void)
{
    zsys_init();
    char err[512];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    assert(cal);
    eo_rules_t *rules = eo_rules_load_default(cal, err, sizeof err);
    if (!rules) fprintf(stderr, "%s\n", err);
    assert(rules);
    int failed = 0;
    size_t n = sizeof s_cases / sizeof s_cases[0];
    for (size_t i = 0; i < n; i++) {
        const s_case_t *c = &s_cases[i];
        eo_route_decision_t d;
        assert(eo_rules_route_visit(rules, s_t(c->requested), s_t(c->start), c->channel, &d) ==
               0);
        eo_time_t want_at = c->business_at ? s_t(c->business_at) : 0;
        bool ok = d.route == c->route && d.reason == c->reason && d.business_at == want_at &&
                  d.anytime_allowance == (c->route == EO_ROUTE_POOL) &&
                  d.starts_before_business ==
                      (c->reason == EO_REASON_QUEUED_LATE_START && s_t(c->start) < want_at);
        if (!ok) {
            char at[32];
            fprintf(stderr, "FAIL %s: got %s/%s at %s\n", c->what, eo_route_name(d.route),
                    eo_reason_code(d.reason),
                    d.business_at ? eo_time_format(d.business_at, at, sizeof at) : "-");
            failed++;
        }
    }
    /* The pool's consent window (offers go out only then). */
    assert(!eo_rules_in_pool_window(rules, s_t("2026-11-23 17:59")));
    assert(eo_rules_in_pool_window(rules, s_t("2026-11-23 18:00")));
    assert(eo_rules_in_pool_window(rules, s_t("2026-11-23 21:59")));
    assert(!eo_rules_in_pool_window(rules, s_t("2026-11-23 22:00")));
    assert(!eo_rules_in_pool_window(rules, s_t("2026-11-28 07:59")));
    assert(eo_rules_in_pool_window(rules, s_t("2026-11-28 08:00")));
    assert(eo_rules_in_pool_window(rules, s_t("2026-11-28 19:59")));
    assert(!eo_rules_in_pool_window(rules, s_t("2026-11-28 20:00")));
    assert(eo_rules_in_pool_window(rules, s_t("2026-10-05 12:00")));
    assert(eo_rules_business_start(rules, s_t("2026-11-27 18:00")) == s_t("2026-11-30 09:00"));
    /* Friday 18:00 for Saturday noon: queued for Monday, flagged as starting before. */
    eo_route_decision_t d;
    eo_rules_route_visit(rules, s_t("2026-11-27 18:00"), s_t("2026-11-28 12:00"), PH, &d);
    assert(d.route == EO_ROUTE_QUEUED && d.starts_before_business);
    eo_rules_route_visit(rules, s_t("2026-11-23 19:00"), s_t("2026-11-24 11:30"), PH, &d);
    assert(d.route == EO_ROUTE_QUEUED && !d.starts_before_business);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    printf("rules.route: %zu cases, %d failed\n", n, failed);
    return failed ? 1 : 0;
}
