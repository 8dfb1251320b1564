/* rules.reload: a running process picks up a changed fee, a new fee table, a changed rule
 * number and an added holiday from copies of the data files with eo_rules_refresh (no
 * rebuild, no restart); a broken edit is refused and the old values stay in force. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"

static char s_dir[1024];

static void s_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", s_dir, name);
}

/* Rewrite a data file with sed (a real operator's edit, new size or mtime). */
static void s_sed(const char *name, const char *expr)
{
    char path[1100], cmd[2400];
    s_path(path, sizeof path, name);
    snprintf(cmd, sizeof cmd, "sed -i -e '%s' '%s'", expr, path);
    assert(system(cmd) == 0);
}

static void s_append(const char *name, const char *text)
{
    char path[1100];
    s_path(path, sizeof path, name);
    FILE *f = fopen(path, "a");
    assert(f);
    fputs(text, f);
    fclose(f);
}

static int64_t s_total(eo_rules_t *rules, const char *start, const char *end)
{
    eo_quote_params_t p = {0};
    char err[256];
    assert(eo_quote_params_set(&p, "start", start, err, sizeof err) == 0);
    assert(eo_quote_params_set(&p, "end", end, err, sizeof err) == 0);
    eo_quote_t q;
    int rc = eo_rules_quote(rules, &p, &q);
    return rc == EO_OK ? q.member_total : -1;
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP"), *src = getenv("EO_SOURCE_DIR");
    assert(tmp && src);
    char cmd[3000];
    snprintf(s_dir, sizeof s_dir, "%s", tmp);
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && mkdir -p '%s' && cp '%s/data/rules.cfg' '%s/data/fees.tsv' "
             "'%s/data/holidays.tsv' '%s/'",
             tmp, tmp, src, src, src, tmp);
    assert(system(cmd) == 0);
    char cfg[1100], fees[1100], hol[1100], err[512];
    s_path(cfg, sizeof cfg, "rules.cfg");
    s_path(fees, sizeof fees, "fees.tsv");
    s_path(hol, sizeof hol, "holidays.tsv");
    eo_calendar_t *cal = eo_calendar_load(hol, err, sizeof err);
    assert(cal);
    eo_rules_t *rules = eo_rules_load(cfg, fees, cal, err, sizeof err);
    assert(rules);

    /* Tuesday 2026-11-24 10-12: 2 x 11,630. */
    const char *s = "2026-11-24T10:00", *e = "2026-11-24T12:00";
    assert(s_total(rules, s, e) == 23260);
    assert(eo_rules_refresh(rules) == EO_OK); /* nothing changed */

    /* An operator changes the base rate. */
    s_sed("fees.tsv", "s/visit.base\t11630/visit.base\t12000/");
    assert(s_total(rules, s, e) == 23260); /* not before the refresh */
    assert(eo_rules_refresh(rules) == EO_OK);
    assert(s_total(rules, s, e) == 24000);

    /* A new table from 2027: 2026 services keep the old one, 2027 ones use the new. */
    s_append("fees.tsv", "2027-01-01\tvisit.base\t13000\n2027-01-01\tvisit.plus50\t19500\n"
                         "2027-01-01\tvisit.plus100\t26000\n2027-01-01\tvisit.surcharge\t5000\n"
                         "2027-01-01\tpay.base\t10500\n2027-01-01\tpay.linked\t2000\n"
                         "2027-01-01\tpay.anytime\t20000\n"
                         "2027-01-01\tfacility.weekday_day\t20000\n"
                         "2027-01-01\tfacility.weekday_night\t30000\n"
                         "2027-01-01\tfacility.holiday_day\t30000\n"
                         "2027-01-01\tfacility.holiday_night\t40000\n");
    assert(eo_rules_refresh(rules) == EO_OK);
    assert(s_total(rules, s, e) == 24000);
    assert(s_total(rules, "2027-01-05T10:00", "2027-01-05T12:00") == 26000);
    /* A service on 2026-12-31 crossing into 2027 (신정) uses the table of its start date:
     * 23-24 weekday night 17,440 + 00-01 holiday night 23,260. */
    assert(s_total(rules, "2026-12-31T23:00", "2027-01-01T01:00") == 17440 + 23260);

    /* An incomplete table is refused; the old numbers stay. */
    s_append("fees.tsv", "2028-01-01\tvisit.base\t99999\n");
    assert(eo_rules_refresh(rules) == EO_EINVAL);
    assert(s_total(rules, "2028-03-07T10:00", "2028-03-07T12:00") == 26000);
    s_sed("fees.tsv", "/^2028-01-01/d");
    assert(eo_rules_refresh(rules) == EO_OK);

    /* An ad-hoc 임시공휴일 on Tuesday 2026-11-24: holiday day rate. */
    eo_holiday_t h = {.date = 20261124, .kind = EO_HOLIDAY_TEMPORARY};
    snprintf(h.name, sizeof h.name, "임시공휴일");
    assert(eo_calendar_file_add(hol, &h, err, sizeof err) == EO_OK);
    assert(eo_rules_refresh(rules) == EO_OK);
    assert(s_total(rules, s, e) == 2 * 17440);
    /* And the routing follows: Tuesday 10:00 is now a pool window, not provider hours. */
    eo_route_decision_t d;
    eo_time_t req, start;
    assert(eo_time_parse("2026-11-24T10:00", &req) == 0 &&
           eo_time_parse("2026-11-24T13:00", &start) == 0);
    assert(eo_rules_route_visit(rules, req, start, EO_CHANNEL_PHONE, &d) == 0);
    assert(d.route == EO_ROUTE_POOL);

    /* A rule number: the lead time becomes 3 h. */
    s_sed("rules.cfg", "s/lead_min = 120                  #/lead_min = 180 #/");
    assert(eo_rules_refresh(rules) == EO_OK);
    assert(eo_rules_route_visit(rules, req, start, EO_CHANNEL_PHONE, &d) == 0);
    assert(d.route == EO_ROUTE_POOL);
    assert(eo_rules_route_visit(rules, req, start - 60, EO_CHANNEL_PHONE, &d) == 0);
    assert(d.reason == EO_REASON_LEAD_TIME);
    /* A broken rules.cfg keeps the loaded rules. */
    s_sed("rules.cfg", "s/caps_never_present//; s/visit_week_h = 52/visit_week_h = lots/");
    assert(eo_rules_refresh(rules) == EO_EINVAL);
    assert(eo_rules_cap_week_h(rules, EO_CARER_VISIT) == 52);

    /* Loading errors name the file and the problem. */
    eo_rules_t *bad = eo_rules_load(cfg, fees, cal, err, sizeof err);
    assert(!bad && strstr(err, "rules.cfg") && strstr(err, "caps/visit_week_h"));
    bad = eo_rules_load("/nonexistent.cfg", fees, cal, err, sizeof err);
    assert(!bad && strstr(err, "nonexistent"));
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    printf("rules.reload: ok\n");
    return 0;
}
