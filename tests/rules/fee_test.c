/* fee.*: the 방문형 fee table of docs/domain.md piece by piece (weekday, Saturday, Sunday,
 * holidays, substitute and Saturday holidays, across midnight), durations, the surcharge
 * and its boundaries, the carer's pay and allowances, and cancellation fees. Each case
 * lists the lines it expects as "rule:minutes:won" so every number is checked. */
#include <czmq.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_time.h"

typedef struct {
    const char *what;
    const char *start, *end, *requested; /* requested NULL: not given */
    bool not_linked;
    eo_reason_t reason;
    const char *member; /* "rule:minutes:won ..." in order */
    const char *carer;
    int64_t member_total, carer_total;
} s_case_t;

#define OK EO_REASON_OK

/* 2026-11-23 Monday, 11-28 Saturday, 11-29 Sunday; 10-05 Monday substitute holiday;
 * 10-09 Friday 한글날; 08-15 Saturday 광복절. Rates 11,630 / 17,440 / 23,260. */
static const s_case_t s_cases[] = {
    {"weekday day 2 h", "2026-11-23 10:00", "2026-11-23 12:00", NULL, false, OK,
     "visit.base:120:23260", "pay.base:120:20220 pay.linked:120:4000", 23260, 24220},
    {"weekday 1 h short service: surcharge", "2026-11-23 10:00", "2026-11-23 11:00", NULL,
     false, OK, "visit.base:60:11630 visit.surcharge:0:4500",
     "pay.base:60:10110 visit.surcharge:0:4500", 16130, 14610},
    {"weekday 05:00-07:00 crosses 06:00", "2026-11-23 05:00", "2026-11-23 07:00", NULL, false,
     OK, "visit.plus50:60:17440 visit.base:60:11630", "pay.base:120:20220 pay.linked:120:4000",
     29070, 24220},
    {"weekday 06:00-08:00 all day rate", "2026-11-23 06:00", "2026-11-23 08:00", NULL, false,
     OK, "visit.base:120:23260", "pay.base:120:20220 pay.linked:120:4000", 23260, 24220},
    {"weekday 21:00-23:30 crosses 22:00, half hour", "2026-11-23 21:00", "2026-11-23 23:30",
     NULL, false, OK, "visit.base:60:11630 visit.plus50:90:26160",
     "pay.base:150:25275 pay.linked:150:5000", 37790, 30275},
    {"weekday 22:00-24:00 night", "2026-11-23 22:00", "2026-11-24 00:00", NULL, false, OK,
     "visit.plus50:120:34880", "pay.base:120:20220 pay.linked:120:4000", 34880, 24220},
    {"Saturday day and night", "2026-11-28 21:00", "2026-11-28 23:00", NULL, false, OK,
     "visit.base:60:11630 visit.plus50:60:17440", "pay.base:120:20220 pay.linked:120:4000",
     29070, 24220},
    {"Saturday 20:00 - Sunday 02:00", "2026-11-28 20:00", "2026-11-29 02:00", NULL, false, OK,
     "visit.base:120:23260 visit.plus50:120:34880 visit.plus100:120:46520",
     "pay.base:360:60660 pay.linked:360:12000", 104660, 72660},
    {"Sunday 21:00 - Monday 01:00 (DOMAIN example)", "2026-11-29 21:00", "2026-11-30 01:00",
     NULL, false, OK, "visit.plus50:60:17440 visit.plus100:120:46520 visit.plus50:60:17440",
     "pay.base:240:40440 pay.linked:240:8000", 81400, 48440},
    {"Sunday day 2.5 h", "2026-11-29 10:00", "2026-11-29 12:30", NULL, false, OK,
     "visit.plus50:150:43600", "pay.base:150:25275 pay.linked:150:5000", 43600, 30275},
    {"holiday 05:00-08:00", "2026-10-09 05:00", "2026-10-09 08:00", NULL, false, OK,
     "visit.plus100:60:23260 visit.plus50:120:34880", "pay.base:180:30330 pay.linked:180:6000",
     58140, 36330},
    {"substitute holiday night into a weekday", "2026-10-05 22:00", "2026-10-06 00:30", NULL,
     false, OK, "visit.plus100:120:46520 visit.plus50:30:8720",
     "pay.base:150:25275 pay.linked:150:5000", 55240, 30275},
    {"Saturday holiday day", "2026-08-15 12:00", "2026-08-15 14:00", NULL, false, OK,
     "visit.plus50:120:34880", "pay.base:120:20220 pay.linked:120:4000", 34880, 24220},
    {"eve of a holiday into it", "2026-10-08 23:00", "2026-10-09 01:00", NULL, false, OK,
     "visit.plus50:60:17440 visit.plus100:60:23260", "pay.base:120:20220 pay.linked:120:4000",
     40700, 24220},
    {"not 일시연계: no +2,000", "2026-11-23 10:00", "2026-11-23 12:00", NULL, true, OK,
     "visit.base:120:23260", "pay.base:120:20220", 23260, 20220},
    /* durations and the grid */
    {"1.5 h refused", "2026-11-23 10:00", "2026-11-23 11:30", NULL, false, EO_REASON_DURATION},
    {"30 min refused", "2026-11-23 10:00", "2026-11-23 10:30", NULL, false, EO_REASON_DURATION},
    {"end before start", "2026-11-23 10:00", "2026-11-23 09:00", NULL, false,
     EO_REASON_BAD_TIMES},
    {"empty", "2026-11-23 10:00", "2026-11-23 10:00", NULL, false, EO_REASON_BAD_TIMES},
    {"05:59 start off the grid", "2026-11-23 05:59", "2026-11-23 07:59", NULL, false,
     EO_REASON_TIME_GRID},
    {"21:59 start off the grid", "2026-11-23 21:59", "2026-11-23 23:59", NULL, false,
     EO_REASON_TIME_GRID},
    /* the surcharge: requested 4 h .. 2 h before start, both included; once per case */
    {"requested exactly 4 h before", "2026-11-23 14:00", "2026-11-23 16:00", "2026-11-23 10:00",
     false, OK, "visit.base:120:23260 visit.surcharge:0:4500",
     "pay.base:120:20220 visit.surcharge:0:4500", 27760, 24720},
    {"requested 4 h 1 min before", "2026-11-23 14:00", "2026-11-23 16:00", "2026-11-23 09:59",
     false, OK, "visit.base:120:23260", "pay.base:120:20220 pay.linked:120:4000", 23260, 24220},
    {"requested exactly 2 h before", "2026-11-23 14:00", "2026-11-23 16:00", "2026-11-23 12:00",
     false, OK, "visit.base:120:23260 visit.surcharge:0:4500",
     "pay.base:120:20220 visit.surcharge:0:4500", 27760, 24720},
    {"requested 1 h 59 before: refused", "2026-11-23 14:00", "2026-11-23 16:00",
     "2026-11-23 12:01", false, EO_REASON_LEAD_TIME},
    {"1 h service requested 3 h before: one surcharge", "2026-11-23 14:00", "2026-11-23 15:00",
     "2026-11-23 11:00", false, OK, "visit.base:60:11630 visit.surcharge:0:4500",
     "pay.base:60:10110 visit.surcharge:0:4500", 16130, 14610},
    /* the 언제나 allowance: pool route only */
    {"pool case, 4 h lead: surcharge and allowance", "2026-11-28 14:00", "2026-11-28 16:00",
     "2026-11-28 10:00", false, OK, "visit.base:120:23260 visit.surcharge:0:4500",
     "pay.base:120:20220 visit.surcharge:0:4500 pay.anytime:0:20000", 27760, 44720},
    {"pool case, evening for next morning", "2026-11-23 07:00", "2026-11-23 09:00",
     "2026-11-22 19:00", false, OK, "visit.base:120:23260",
     "pay.base:120:20220 pay.linked:120:4000 pay.anytime:0:20000", 23260, 44220},
    {"queued late start: no allowance", "2026-11-28 12:00", "2026-11-28 14:00",
     "2026-11-27 19:00", false, OK, "visit.base:120:23260",
     "pay.base:120:20220 pay.linked:120:4000", 23260, 24220},
    {"provider route: no allowance", "2026-11-24 10:00", "2026-11-24 12:00", "2026-11-23 10:00",
     false, OK, "visit.base:120:23260", "pay.base:120:20220 pay.linked:120:4000", 23260, 24220},
    {"off hours, start before business: refused", "2026-11-24 08:00", "2026-11-24 10:00",
     "2026-11-23 23:00", false, EO_REASON_BEFORE_BUSINESS},
};

static eo_time_t s_t(const char *text)
{
    eo_time_t t;
    int rc = eo_time_parse(text, &t);
    assert(rc == 0);
    return t;
}

static void s_lines(const eo_quote_t *q, eo_payer_t payer, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < q->n_lines; i++) {
        const eo_fee_line_t *l = &q->lines[i];
        if (l->payer != payer) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s:%d:%lld", len ? " " : "", l->rule, l->minutes,
                 (long long)l->won);
    }
}

static int s_run_cases(eo_rules_t *rules)
{
    int failed = 0;
    size_t n = sizeof s_cases / sizeof s_cases[0];
    for (size_t i = 0; i < n; i++) {
        const s_case_t *c = &s_cases[i];
        eo_quote_params_t p = {.type = EO_SERVICE_VISIT,
                               .start = s_t(c->start),
                               .end = s_t(c->end),
                               .not_linked = c->not_linked};
        if (c->requested) p.requested = s_t(c->requested);
        eo_quote_t q;
        int rc = eo_rules_quote(rules, &p, &q);
        char member[512], carer[512];
        s_lines(&q, EO_PAYER_MEMBER, member, sizeof member);
        s_lines(&q, EO_PAYER_CARER, carer, sizeof carer);
        bool ok = q.reason == c->reason && (rc == 0) == (c->reason == OK);
        if (ok && c->reason == OK)
            ok = streq(member, c->member) && streq(carer, c->carer) &&
                 q.member_total == c->member_total && q.carer_total == c->carer_total &&
                 q.fee_table == 20240101;
        if (!ok) {
            fprintf(stderr, "FAIL %s: %s\n  member %s = %lld\n  carer %s = %lld\n", c->what,
                    eo_reason_code(q.reason), member, (long long)q.member_total, carer,
                    (long long)q.carer_total);
            failed++;
        }
    }
    printf("fee.visit: %zu cases, %d failed\n", n, failed);
    return failed;
}

typedef struct {
    const char *what, *cancelled;
    const char *rule;
    int64_t won;
} s_cancel_t;

/* Service Monday 2026-11-23 14:00-17:00 (3 h weekday day: 34,890). */
static const s_cancel_t s_cancels[] = {
    {"25 h before", "2026-11-22 13:00", "cancel.free", 0},
    {"exactly 24 h before", "2026-11-22 14:00", "cancel.free", 0},
    {"23 h 59 before", "2026-11-22 14:01", "cancel.hour", 11630},
    {"exactly 1 h before", "2026-11-23 13:00", "cancel.hour", 11630},
    {"59 min before", "2026-11-23 13:01", "cancel.late", 17445},
    {"after the start", "2026-11-23 15:00", "cancel.late", 17445},
};

static int s_run_cancels(eo_rules_t *rules)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof s_cancels / sizeof s_cancels[0]; i++) {
        const s_cancel_t *c = &s_cancels[i];
        eo_quote_params_t p = {.start = s_t("2026-11-23 14:00"),
                               .end = s_t("2026-11-23 17:00"),
                               .cancelled_at = s_t(c->cancelled)};
        eo_quote_t q;
        assert(eo_rules_quote(rules, &p, &q) == 0 && q.member_total == 34890 && q.cancelled);
        if (!streq(q.cancel_line.rule, c->rule) || q.cancel_fee != c->won) {
            fprintf(stderr, "FAIL cancel %s: %s %lld\n", c->what, q.cancel_line.rule,
                    (long long)q.cancel_fee);
            failed++;
        }
    }
    /* 50 % of an odd fee rounds down to the whole won: 2.5 h weekday = 29,075. */
    eo_fee_line_t line;
    assert(eo_rules_cancel_fee(rules, s_t("2026-11-23 14:00"), s_t("2026-11-23 13:30"), 29075,
                               &line) == 0);
    assert(streq(line.rule, "cancel.late") && line.won == 14537);
    assert(eo_rules_cancel_fee(rules, s_t("2026-11-23 14:00"), s_t("2026-11-23 13:30"), -1,
                               &line) != 0);
    printf("fee.cancel: %zu cases, %d failed\n", sizeof s_cancels / sizeof s_cancels[0],
           failed);
    return failed;
}

/* Site coverage through the quote, and the JSON of a quote and of a refusal. */
static int s_run_json(eo_rules_t *rules)
{
    char err[512];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    eo_quote_params_t p = {0};
    assert(eo_quote_params_set(&p, "site", "suwon", err, sizeof err) == 0);
    assert(eo_quote_params_set(&p, "start", "2026-11-29T21:00", err, sizeof err) == 0);
    assert(eo_quote_params_set(&p, "end", "2026-11-30T01:00", err, sizeof err) == 0);
    assert(eo_quote_params_set(&p, "requested", "2026-11-29T18:30", err, sizeof err) == 0);
    assert(eo_quote_params_set(&p, "start", "tomorrow", err, sizeof err) == EO_EINVAL);
    assert(strstr(err, "start"));
    assert(eo_quote_params_set(&p, "colour", "red", err, sizeof err) == EO_EINVAL);
    assert(eo_quote_params_set(&p, "regular", "18:00-09:00", err, sizeof err) == EO_EINVAL);
    assert(eo_quote_params_set(&p, "type", "taxi", err, sizeof err) == EO_EINVAL);
    p.dongs = dongs;
    char *json = eo_quote_json(rules, &p, err, sizeof err);
    assert(json);
    assert(strstr(json, "\"ok\":true"));
    assert(strstr(json, "\"total\":85900")); /* 81,400 + 4,500 surcharge */
    assert(strstr(json, "\"route\":\"pool\""));
    assert(strstr(json, "\"rule\":\"visit.plus100\""));
    /* the object is what the text says, key for key (the hand-off item's fee adds to it) */
    json_t *obj = eo_quote_object(rules, &p, err, sizeof err);
    char *again = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    assert(again && streq(again, json));
    free(again);
    json_decref(obj);
    assert(eo_quote_object(NULL, &p, err, sizeof err) == NULL && strstr(err, "missing"));
    free(json);
    /* 시흥 runs no 시설형; 성남 no 방문형. */
    p.site = "seongnam";
    json = eo_quote_json(rules, &p, err, sizeof err);
    assert(json && strstr(json, "\"ok\":false") && strstr(json, "site_not_served"));
    assert(strstr(json, "이 서비스를 운영하지 않습니다"));
    free(json);
    p.site = "suwon";
    p.requested = s_t("2026-11-29 20:00"); /* 1 h before: refused, both languages */
    json = eo_quote_json(rules, &p, err, sizeof err);
    assert(json && strstr(json, "\"code\":\"lead_time\"") && strstr(json, "2시간"));
    free(json);
    eo_quote_params_t empty = {0};
    json = eo_quote_json(rules, &empty, err, sizeof err);
    assert(json && strstr(json, "bad_request"));
    free(json);
    assert(eo_quote_json(NULL, &p, err, sizeof err) == NULL);
    eo_dongs_destroy(&dongs);
    printf("fee.json: ok\n");
    return 0;
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
    int failed = s_run_cases(rules) + s_run_cancels(rules) + s_run_json(rules);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return failed ? 1 : 0;
}
