/* rules.facility, rules.eligibility, rules.caps: the 시설형 rules (closed days, hours,
 * midnight, cutoff, lead, 6 h on days off, pairs, matching order, allowances), who may
 * use which service, and the carers' caps by ISO week and calendar month. */
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_time.h"

static eo_time_t s_t(const char *text)
{
    eo_time_t t;
    int rc = eo_time_parse(text, &t);
    assert(rc == 0);
    return t;
}

typedef struct {
    const char *what, *requested, *start, *end;
    int child_minutes;
    eo_reason_t reason;
    bool pair;
} s_fac_case_t;

#define OK EO_REASON_OK
/* 2026-11-23 Monday, 11-28 Saturday; 09-25 추석 (closed), 09-24 추석 연휴 (open),
 * 05-25 substitute (open), 05-24 부처님오신날 (closed). */
static const s_fac_case_t s_fac_cases[] = {
    {"weekday afternoon", "2026-11-23 08:00", "2026-11-23 14:00", "2026-11-23 18:00", 0, OK,
     false},
    {"opens 07:00", "2026-11-22 12:00", "2026-11-23 07:00", "2026-11-23 09:00", 0, OK, false},
    {"06:59 is before opening", "2026-11-22 12:00", "2026-11-23 06:59", "2026-11-23 09:00", 0,
     EO_REASON_FACILITY_HOURS, false},
    {"until 24:00", "2026-11-23 08:00", "2026-11-23 22:00", "2026-11-24 00:00", 0, OK, true},
    {"across midnight", "2026-11-23 08:00", "2026-11-23 23:00", "2026-11-24 01:00", 0,
     EO_REASON_FACILITY_MIDNIGHT, false},
    {"ends 20:00: no pairs", "2026-11-23 08:00", "2026-11-23 18:00", "2026-11-23 20:00", 0, OK,
     false},
    {"19:00-21:00: pairs", "2026-11-23 08:00", "2026-11-23 19:00", "2026-11-23 21:00", 0, OK,
     true},
    {"same day 19:59 request", "2026-11-23 19:59", "2026-11-23 22:00", "2026-11-23 23:00", 0,
     OK, true},
    {"same day 20:00 request", "2026-11-23 20:00", "2026-11-23 22:30", "2026-11-23 23:30", 0,
     EO_REASON_FACILITY_CUTOFF, false},
    {"day before 21:00 for 09:00", "2026-11-22 21:00", "2026-11-23 09:00", "2026-11-23 11:00",
     0, OK, false},
    {"lead 1:59", "2026-11-23 10:00", "2026-11-23 11:59", "2026-11-23 13:00", 0,
     EO_REASON_LEAD_TIME, false},
    {"lead 2:00", "2026-11-23 10:00", "2026-11-23 12:00", "2026-11-23 13:00", 0, OK, false},
    {"weekday 17 h: no day limit", "2026-11-22 10:00", "2026-11-23 07:00", "2026-11-24 00:00",
     0, OK, true},
    {"Saturday 6 h", "2026-11-27 10:00", "2026-11-28 10:00", "2026-11-28 16:00", 0, OK, false},
    {"Saturday 6.5 h", "2026-11-27 10:00", "2026-11-28 10:00", "2026-11-28 16:30", 0,
     EO_REASON_FACILITY_DAY_MAX, false},
    {"Saturday 5 h after 1 h", "2026-11-27 10:00", "2026-11-28 18:00", "2026-11-28 23:00", 60,
     OK, true},
    {"Saturday 5.5 h after 1 h", "2026-11-27 10:00", "2026-11-28 18:00", "2026-11-28 23:30", 60,
     EO_REASON_FACILITY_DAY_MAX, false},
    {"holiday weekday 6.5 h", "2026-10-08 10:00", "2026-10-09 10:00", "2026-10-09 16:30", 0,
     EO_REASON_FACILITY_DAY_MAX, false},
    {"추석 day closed", "2026-09-20 10:00", "2026-09-25 10:00", "2026-09-25 12:00", 0,
     EO_REASON_FACILITY_CLOSED_DAY, false},
    {"추석 eve open", "2026-09-20 10:00", "2026-09-24 10:00", "2026-09-24 12:00", 0, OK, false},
    {"설날 day closed", "2026-02-10 10:00", "2026-02-17 10:00", "2026-02-17 12:00", 0,
     EO_REASON_FACILITY_CLOSED_DAY, false},
    {"1 January closed", "2026-12-30 10:00", "2027-01-01 10:00", "2027-01-01 12:00", 0,
     EO_REASON_FACILITY_CLOSED_DAY, false},
    {"Christmas closed", "2026-12-20 10:00", "2026-12-25 10:00", "2026-12-25 12:00", 0,
     EO_REASON_FACILITY_CLOSED_DAY, false},
    {"Buddha's birthday closed", "2026-05-20 10:00", "2026-05-24 10:00", "2026-05-24 12:00", 0,
     EO_REASON_FACILITY_CLOSED_DAY, false},
    {"its substitute day open", "2026-05-20 10:00", "2026-05-25 10:00", "2026-05-25 12:00", 0,
     OK, false},
    {"3.1 (no closed day) open", "2026-02-25 10:00", "2026-03-01 10:00", "2026-03-01 12:00", 0,
     OK, false},
    {"end before start", "2026-11-22 10:00", "2026-11-23 12:00", "2026-11-23 11:00", 0,
     EO_REASON_BAD_TIMES, false},
};

static int s_run_facility(eo_rules_t *rules)
{
    int failed = 0;
    size_t n = sizeof s_fac_cases / sizeof s_fac_cases[0];
    for (size_t i = 0; i < n; i++) {
        const s_fac_case_t *c = &s_fac_cases[i];
        eo_facility_request_t req = {.requested = s_t(c->requested),
                                     .start = s_t(c->start),
                                     .end = s_t(c->end),
                                     .site = "suwon",
                                     .child_minutes_that_day = c->child_minutes};
        eo_facility_decision_t d;
        assert(eo_rules_check_facility(rules, &req, &d) == 0);
        if (d.reason != c->reason || d.pair_recommended != c->pair) {
            fprintf(stderr, "FAIL facility %s: %s pair=%d\n", c->what, eo_reason_code(d.reason),
                    d.pair_recommended);
            failed++;
        }
    }
    assert(eo_rules_facility_pairs(rules, "suwon") && eo_rules_facility_pairs(rules, NULL));
    /* Member charges, one carer's children, the pickup grace. */
    char rule[40];
    assert(eo_rules_facility_charge(rules, EO_FACILITY_SHORTENED, 30001, 0, rule,
                                    sizeof rule) == 15000 &&
           streq(rule, "facility.shortened"));
    assert(eo_rules_facility_charge(rules, EO_FACILITY_OVERRUN, 30000, 4, rule, sizeof rule) ==
           0);
    assert(eo_rules_facility_charge(rules, EO_FACILITY_OVERRUN, 30000, 5, rule, sizeof rule) ==
               30000 &&
           streq(rule, "facility.overrun"));
    assert(eo_rules_facility_charge(rules, EO_FACILITY_NOSHOW, 30000, 0, rule, sizeof rule) ==
           30000);
    assert(eo_rules_facility_max_children(rules) == 20);
    assert(eo_rules_facility_pickup_grace_min(rules) == 60);
    printf("rules.facility: %zu cases, %d failed\n", n, failed);
    return failed;
}

typedef struct {
    const char *what, *start, *end, *regular;
    bool regular_days_off;
    const char *carer; /* rule:minutes:won */
    int64_t total;
} s_allow_case_t;

static const s_allow_case_t s_allow_cases[] = {
    {"weekday after regular hours", "2026-11-23 16:00", "2026-11-23 23:00", "09:00-18:00",
     false, "facility.weekday_day:240:80000 facility.weekday_night:60:30000", 110000},
    {"weekday inside regular hours: nothing", "2026-11-23 10:00", "2026-11-23 12:00",
     "09:00-18:00", false, "", 0},
    {"weekday before and after", "2026-11-23 07:00", "2026-11-23 20:00", "09:00-18:00", false,
     "facility.weekday_day:120:40000 facility.weekday_day:120:40000", 80000},
    {"Saturday, regular hours weekdays only", "2026-11-28 14:00", "2026-11-28 20:00",
     "09:00-18:00", false, "facility.holiday_day:360:180000", 180000},
    {"Saturday with regular hours on days off", "2026-11-28 14:00", "2026-11-28 20:00",
     "09:00-18:00", true, "facility.holiday_day:120:60000", 60000},
    {"Sunday 18-24", "2026-11-29 18:00", "2026-11-30 00:00", "09:00-18:00", false,
     "facility.holiday_day:240:120000 facility.holiday_night:120:80000", 200000},
    {"substitute holiday 21:30-23:00", "2026-10-05 21:30", "2026-10-05 23:00", "", false,
     "facility.holiday_day:30:15000 facility.holiday_night:60:40000", 55000},
    {"weekday 22-24, no regular hours", "2026-11-23 22:00", "2026-11-24 00:00", "", false,
     "facility.weekday_night:120:60000", 60000},
};

static int s_run_allowance(eo_rules_t *rules)
{
    int failed = 0;
    char err[256];
    size_t n = sizeof s_allow_cases / sizeof s_allow_cases[0];
    for (size_t i = 0; i < n; i++) {
        const s_allow_case_t *c = &s_allow_cases[i];
        eo_quote_params_t p = {.type = EO_SERVICE_FACILITY,
                               .start = s_t(c->start),
                               .end = s_t(c->end),
                               .site = "suwon",
                               .regular_on_days_off = c->regular_days_off};
        if (*c->regular)
            assert(eo_quote_params_set(&p, "regular", c->regular, err, sizeof err) == 0);
        eo_quote_t q;
        assert(eo_rules_quote(rules, &p, &q) == 0);
        char got[512] = "";
        for (size_t j = 0; j < q.n_lines; j++) {
            size_t len = strlen(got);
            snprintf(got + len, sizeof got - len, "%s%s:%d:%lld", len ? " " : "",
                     q.lines[j].rule, q.lines[j].minutes, (long long)q.lines[j].won);
        }
        if (!streq(got, c->carer) || q.carer_total != c->total || q.member_total != 0) {
            fprintf(stderr, "FAIL allowance %s: %s = %lld\n", c->what, got,
                    (long long)q.carer_total);
            failed++;
        }
    }
    printf("rules.facility_allowance: %zu cases, %d failed\n", n, failed);
    return failed;
}

static void s_check_order(void)
{
    eo_facility_match_t m;
    eo_facility_provider_t ps[] = {
        {3.0, 1, 0}, /* own carer, farther */
        {1.0, 0, 2}, /* invited carer, nearest */
        {2.0, 0, 0}, /* nobody */
    };
    eo_rules_facility_order(ps, 3, true, &m);
    assert(m.provider == 1 && m.tier == EO_MATCH_INVITED_CARER);
    ps[1].own_carers_free = 1;
    eo_rules_facility_order(ps, 3, true, &m);
    assert(m.provider == 1 && m.tier == EO_MATCH_OWN_CARER);
    eo_facility_provider_t tie[] = {{2.0, 0, 1}, {2.0, 1, 0}};
    eo_rules_facility_order(tie, 2, true, &m);
    assert(m.provider == 0 && m.tier == EO_MATCH_INVITED_CARER); /* equal distance: index */
    eo_facility_provider_t none[] = {{1.0, 0, 0}};
    eo_rules_facility_order(none, 1, true, &m);
    assert(m.provider == -1 && m.tier == EO_MATCH_CENTRE);
    eo_rules_facility_order(none, 1, false, &m);
    assert(m.provider == -1 && m.tier == EO_MATCH_CONVERT_VISIT);
    eo_rules_facility_order(NULL, 0, false, &m);
    assert(m.tier == EO_MATCH_CONVERT_VISIT);
    printf("rules.facility_order: ok\n");
}

typedef struct {
    const char *what;
    eo_eligibility_t in;
    eo_reason_t reason;
    const char *arg; /* substring of the message argument, or NULL */
} s_elig_case_t;

/* A case overrides one field of a base request (VISIT/FAC) by a later designator. */
#pragma GCC diagnostic ignored "-Woverride-init"
#define V EO_SERVICE_VISIT
#define F EO_SERVICE_FACILITY
/* Service date 2026-11-23. */
#define VISIT(birth)                                                                           \
    .type = V, .site = "suwon", .verified_member = true, .child_registered_in_site = true,     \
    .child_birth = birth, .service_date = 20261123
#define FAC(birth, school, sib)                                                                \
    .type = F, .site = "suwon", .child_preregistered = true, .child_birth = birth,             \
    .service_date = 20261123, .child_in_school = school, .sibling_registered = sib

static const s_elig_case_t s_elig_cases[] = {
    {"visit 3 months exactly", {VISIT(20260823)}, OK, NULL},
    {"visit 3 months less a day",
     {VISIT(20260824)},
     EO_REASON_CHILD_AGE,
     "3 months - 12 years"},
    {"visit 12 years 364 days", {VISIT(20131124)}, OK, NULL},
    {"visit 13th birthday", {VISIT(20131123)}, EO_REASON_CHILD_AGE, NULL},
    {"visit born after the date", {VISIT(20261201)}, EO_REASON_CHILD_AGE, NULL},
    {"visit unverified member",
     {.type = V,
      .site = "suwon",
      .child_registered_in_site = true,
      .child_birth = 20200101,
      .service_date = 20261123},
     EO_REASON_NOT_MEMBER,
     NULL},
    {"visit child not registered in site",
     {.type = V,
      .site = "suwon",
      .verified_member = true,
      .child_birth = 20200101,
      .service_date = 20261123},
     EO_REASON_NOT_REGISTERED,
     NULL},
    {"visit in 성남 (facility only)",
     {VISIT(20200101), .site = "seongnam"},
     EO_REASON_SITE_NOT_SERVED,
     NULL},
    {"visit unknown site",
     {VISIT(20200101), .site = "atlantis"},
     EO_REASON_SITE_NOT_SERVED,
     NULL},
    {"visit sick child: fine", {VISIT(20200101), .sick = true}, OK, NULL},
    {"visit severe disability: referred",
     {VISIT(20200101), .severe_disability = true},
     EO_REASON_SEVERE_DISABILITY,
     NULL},
    {"visit restricted",
     {VISIT(20200101), .restricted_until = 1797951600 /* 2026-12-23 */},
     EO_REASON_RESTRICTED,
     "2026-12-23"},
    {"facility school child 6", {FAC(20200601, true, false)}, OK, NULL},
    {"facility school child 12", {FAC(20140101, true, false)}, OK, NULL},
    {"facility 13", {FAC(20131101, true, false)}, EO_REASON_CHILD_AGE, "6-12 years"},
    {"facility preschool sibling 6", {FAC(20200601, false, true)}, OK, NULL},
    {"facility preschool sibling 7", {FAC(20190601, false, true)}, OK, NULL},
    {"facility preschool sibling 8", {FAC(20180601, false, true)}, EO_REASON_CHILD_AGE, NULL},
    {"facility preschool sibling 5", {FAC(20210601, false, true)}, EO_REASON_CHILD_AGE, NULL},
    {"facility preschool, no sibling",
     {FAC(20200601, false, false)},
     EO_REASON_CHILD_AGE,
     NULL},
    {"facility unverified member: fine", {FAC(20180101, true, false)}, OK, NULL},
    {"facility sick child",
     {FAC(20180101, true, false), .sick = true},
     EO_REASON_SICK_CHILD,
     NULL},
    {"facility not pre-registered",
     {FAC(20180101, true, false), .child_preregistered = false},
     EO_REASON_FACILITY_NOT_PREREG,
     NULL},
    {"facility in 시흥 (visit only)",
     {FAC(20180101, true, false), .site = "siheung"},
     EO_REASON_SITE_NOT_SERVED,
     NULL},
    {"facility permanent restriction",
     {FAC(20180101, true, false), .restricted_until = INT64_MAX},
     EO_REASON_RESTRICTED,
     "permanent"},
};

static int s_run_eligibility(eo_rules_t *rules, const eo_dongs_t *dongs)
{
    int failed = 0;
    size_t n = sizeof s_elig_cases / sizeof s_elig_cases[0];
    assert(eo_time_from_local(2026, 12, 23, 0, 0, 0) == 1797951600);
    for (size_t i = 0; i < n; i++) {
        eo_eligibility_t in = s_elig_cases[i].in;
        in.dongs = dongs;
        char arg[128];
        eo_reason_t r = eo_rules_check_eligibility(rules, &in, arg, sizeof arg);
        if (r != s_elig_cases[i].reason ||
            (s_elig_cases[i].arg && !strstr(arg, s_elig_cases[i].arg))) {
            fprintf(stderr, "FAIL eligibility %s: %s (%s)\n", s_elig_cases[i].what,
                    eo_reason_code(r), arg);
            failed++;
        }
    }
    /* The unverified member is told to register and offered 시설형, in both languages. */
    char msg[512];
    assert(
        strstr(eo_reason_format(EO_REASON_NOT_MEMBER, "ko", NULL, msg, sizeof msg), "시설형"));
    assert(strstr(eo_reason_format(EO_REASON_NOT_MEMBER, "en", NULL, msg, sizeof msg),
                  "register"));
    eo_eligibility_t bad = {.type = 7};
    assert(eo_rules_check_eligibility(rules, &bad, NULL, 0) == EO_REASON_BAD_REQUEST);
    printf("rules.eligibility: %zu cases, %d failed\n", n, failed);
    return failed;
}

static void s_check_caps(eo_rules_t *rules)
{
    assert(eo_rules_cap_week_h(rules, EO_CARER_VISIT) == 52);
    assert(eo_rules_cap_week_h(rules, EO_CARER_FACILITY) == 12);
    assert(eo_rules_cap_week_h(rules, EO_CARER_INVITED) == 14);
    assert(eo_rules_cap_month_h(rules, EO_CARER_INVITED) == 56);
    assert(eo_rules_cap_month_h(rules, EO_CARER_VISIT) == 0);
    /* The cap itself is allowed. */
    assert(eo_rules_cap_check(rules, EO_CARER_VISIT, 51 * 60, 0, 60) == EO_REASON_OK);
    assert(eo_rules_cap_check(rules, EO_CARER_VISIT, 51 * 60, 0, 61) == EO_REASON_CAP_WEEK);
    assert(eo_rules_cap_check(rules, EO_CARER_VISIT, 0, 500 * 60, 120) == EO_REASON_OK);
    assert(eo_rules_cap_check(rules, EO_CARER_FACILITY, 10 * 60, 0, 120) == EO_REASON_OK);
    assert(eo_rules_cap_check(rules, EO_CARER_FACILITY, 10 * 60, 0, 150) == EO_REASON_CAP_WEEK);
    assert(eo_rules_cap_check(rules, EO_CARER_INVITED, 13 * 60, 55 * 60, 60) == EO_REASON_OK);
    assert(eo_rules_cap_check(rules, EO_CARER_INVITED, 13 * 60, 0, 90) == EO_REASON_CAP_WEEK);
    assert(eo_rules_cap_check(rules, EO_CARER_INVITED, 0, 55 * 60, 90) == EO_REASON_CAP_MONTH);
    /* Sunday 23:00 - Monday 01:00 counts an hour in each ISO week. */
    eo_time_t s = s_t("2026-11-29 23:00"), e = s_t("2026-11-30 01:00");
    assert(eo_minutes_in_week(s, e, s) == 60 && eo_minutes_in_week(s, e, e) == 60);
    assert(eo_iso_week(s) == 202648 && eo_iso_week(e) == 202649);
    /* Across the year: Thursday 2026-12-31 is ISO week 2026-53, Friday 2027-01-01 too. */
    s = s_t("2026-12-31 22:00"), e = s_t("2027-01-01 02:00");
    assert(eo_minutes_in_week(s, e, s) == 240);
    assert(eo_minutes_in_month(s, e, s) == 120 && eo_minutes_in_month(s, e, e) == 120);
    /* Month boundary in Seoul, not UTC: 2026-11-30 23:00 KST is still November. */
    s = s_t("2026-11-30 23:00"), e = s_t("2026-12-01 01:00");
    assert(eo_minutes_in_month(s, e, s) == 60 && eo_month_key(s) == 202611);
    printf("rules.caps: ok\n");
}

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "all";
    char err[512];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    assert(cal);
    eo_rules_t *rules = eo_rules_load_default(cal, err, sizeof err);
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(rules && dongs);
    int failed = 0;
    if (streq(what, "facility") || streq(what, "all")) {
        failed += s_run_facility(rules) + s_run_allowance(rules);
        s_check_order();
    }
    if (streq(what, "eligibility") || streq(what, "all"))
        failed += s_run_eligibility(rules, dongs);
    if (streq(what, "caps") || streq(what, "all")) s_check_caps(rules);
    eo_dongs_destroy(&dongs);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return failed ? 1 : 0;
}
