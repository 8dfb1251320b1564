/* rules.restrict: every use restriction of docs/domain.md on a real LMDB store: the causes the
 * server sees (no-show 3+, unpaid, 2+ cancellations without notice a month, 3+ overruns a
 * month), the operator's (up to 1 year, permanent), the 6-month escalation, the refusal
 * naming the end date, and persistence across a reopen. */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_restrict.h"
#include "eonjena/eo_rules.h"

static eo_time_t s_t(const char *text)
{
    eo_time_t t;
    int rc = eo_time_parse(text, &t);
    assert(rc == 0);
    return t;
}

/* Record n occurrences of cause at the given times; returns whether the last applied. */
static bool s_record(eo_restrict_t *rs, const char *member, const char *cause,
                     const char *const *times, size_t n, eo_restriction_t *r)
{
    bool applied = false;
    for (size_t i = 0; i < n; i++) {
        int rc = eo_restrict_record(rs, member, cause, s_t(times[i]), r, &applied);
        assert(rc == EO_OK);
        if (i + 1 < n) assert(!applied); /* only the last occurrence reaches the count */
    }
    return applied;
}

typedef struct {
    const char *what, *member, *cause;
    const char *times[4];
    size_t n;
    bool applies;
    const char *end; /* "YYYY-MM-DD" 00:00 Seoul, or NULL */
} s_case_t;

static const s_case_t s_cases[] = {
    {"unpaid: 1 month at once",
     "m-unpaid",
     "unpaid",
     {"2026-11-23 15:00"},
     1,
     true,
     "2026-12-23"},
    {"no-show x2: nothing yet",
     "m-ns2",
     "noshow",
     {"2026-10-01 10:00", "2026-11-23 10:00"},
     2,
     false,
     NULL},
    {"no-show x3: 1 month",
     "m-ns3",
     "noshow",
     {"2026-09-01 10:00", "2026-10-01 10:00", "2026-11-23 10:00"},
     3,
     true,
     "2026-12-23"},
    {"cancellations in two months: nothing",
     "m-c1",
     "cancel_no_notice",
     {"2026-10-31 10:00", "2026-11-01 10:00"},
     2,
     false,
     NULL},
    {"2 cancellations in a month: 1 month",
     "m-c2",
     "cancel_no_notice",
     {"2026-11-01 10:00", "2026-11-30 23:00"},
     2,
     true,
     "2026-12-30"},
    {"3 overruns in a month: 3 months",
     "m-o3",
     "overrun",
     {"2026-11-02 10:00", "2026-11-10 10:00", "2026-11-20 10:00"},
     3,
     true,
     "2027-02-20"},
    {"2 overruns: nothing",
     "m-o2",
     "overrun",
     {"2026-11-02 10:00", "2026-11-10 10:00"},
     2,
     false,
     NULL},
    {"3 unreasonable demands a month",
     "m-ud",
     "unreasonable_demand",
     {"2026-11-02 10:00", "2026-11-03 10:00", "2026-11-04 10:00"},
     3,
     true,
     "2026-12-04"},
    {"hidden disease", "m-hd", "hidden_disease", {"2026-11-02 10:00"}, 1, true, "2026-12-02"},
    {"abusive words", "m-aw", "abusive_words", {"2026-11-02 10:00"}, 1, true, "2026-12-02"},
    {"3 unreachable pickups a month",
     "m-up",
     "unreachable_pickup",
     {"2026-11-02 19:00", "2026-11-09 19:00", "2026-11-16 19:00"},
     3,
     true,
     "2026-12-16"},
    {"conflict: 3 months", "m-cf", "conflict", {"2026-11-02 10:00"}, 1, true, "2027-02-02"},
    {"31 January + 1 month clamps to February",
     "m-jan",
     "unpaid",
     {"2027-01-31 12:00"},
     1,
     true,
     "2027-02-28"},
    {"violence is counted, the operator sets the length",
     "m-v",
     "violence",
     {"2026-11-02 10:00"},
     1,
     false,
     NULL},
};

static int s_run_cases(eo_restrict_t *rs)
{
    int failed = 0;
    size_t n = sizeof s_cases / sizeof s_cases[0];
    for (size_t i = 0; i < n; i++) {
        const s_case_t *c = &s_cases[i];
        eo_restriction_t r;
        bool applied = s_record(rs, c->member, c->cause, c->times, c->n, &r);
        bool ok = applied == c->applies;
        eo_time_t last = s_t(c->times[c->n - 1]);
        eo_restriction_t now;
        int rc = eo_restrict_check(rs, c->member, last, &now);
        if (c->applies) {
            int32_t want;
            assert(eo_date_parse(c->end, &want) == 0);
            eo_time_t end =
                eo_time_from_local(want / 10000, want / 100 % 100, want % 100, 0, 0, 0);
            ok = ok && r.end == end && rc == EO_OK && now.end == end && !r.by_operator &&
                 streq(r.cause, c->cause);
            /* In force until the end instant, not at it. */
            ok = ok && eo_restrict_check(rs, c->member, end - 1, NULL) == EO_OK &&
                 eo_restrict_check(rs, c->member, end, NULL) == EO_ENOTFOUND;
        } else
            ok = ok && rc == EO_ENOTFOUND;
        if (!ok) {
            fprintf(stderr, "FAIL %s: applied=%d rc=%d\n", c->what, applied, rc);
            failed++;
        }
    }
    printf("rules.restrict: %zu cases, %d failed\n", n, failed);
    return failed;
}

/* Three 1-month restrictions accumulated: the third brings 6 months. */
static void s_check_escalation(eo_restrict_t *rs)
{
    eo_restriction_t r;
    bool applied;
    assert(eo_restrict_record(rs, "m-esc", "unpaid", s_t("2026-01-10 10:00"), &r, &applied) ==
               0 &&
           applied && r.months == 1);
    assert(eo_restrict_record(rs, "m-esc", "abusive_words", s_t("2026-03-10 10:00"), &r,
                              &applied) == 0 &&
           applied && r.months == 1);
    assert(eo_restrict_record(rs, "m-esc", "unpaid", s_t("2026-06-10 10:00"), &r, &applied) ==
               0 &&
           applied);
    assert(r.months == 6 && streq(r.cause, "escalation"));
    assert(r.end == eo_time_from_local(2026, 12, 10, 0, 0, 0));
    eo_restriction_t now;
    assert(eo_restrict_check(rs, "m-esc", s_t("2026-11-01 10:00"), &now) == EO_OK);
    assert(now.months == 6);
    eo_restriction_t all[8];
    size_t n;
    assert(eo_restrict_list(rs, "m-esc", all, 8, &n) == 0 && n == 4);
    assert(all[0].start < all[1].start); /* oldest first */
    printf("rules.restrict_escalation: ok\n");
}

static void s_check_operator(eo_restrict_t *rs, eo_rules_t *rules)
{
    eo_restriction_t r;
    eo_time_t at = s_t("2026-11-23 15:00");
    /* Up to 1 year, the operator sets the length. */
    assert(eo_restrict_impose(rs, "m-op", "violence", at, 12, "폭언·폭행", &r) == EO_OK);
    assert(r.by_operator && r.end == eo_time_from_local(2027, 11, 23, 0, 0, 0));
    assert(eo_restrict_impose(rs, "m-op2", "violence", at, 13, NULL, &r) == EO_EINVAL);
    assert(eo_restrict_impose(rs, "m-op2", "violence", at, 0, NULL, &r) == EO_EINVAL);
    assert(eo_restrict_impose(rs, "m-op2", "fraud", at, -2, NULL, &r) == EO_EINVAL);
    assert(eo_restrict_impose(rs, "m-op2", "nonsense", at, 1, NULL, &r) == EO_EINVAL);
    assert(eo_restrict_check(rs, "m-op2", at, NULL) == EO_ENOTFOUND); /* nothing written */
    /* 3+ conflicts allow up to a year: not before the third conflict restriction */
    for (int i = 0; i < 3; i++) {
        assert(eo_restrict_impose(rs, "m-op3", "repeated_conflict", at, 9, NULL, &r) ==
               EO_EINVAL);
        bool applied = false;
        assert(eo_restrict_record(rs, "m-op3", "conflict", at + i, &r, &applied) == EO_OK &&
               applied && r.months == 3);
    }
    assert(eo_restrict_impose(rs, "m-op3", "repeated_conflict", at, 9, NULL, &r) == EO_OK);
    assert(r.months == 9 && r.end == eo_time_from_local(2027, 8, 23, 0, 0, 0));
    assert(eo_restrict_impose(rs, "m-op3", "repeated_conflict", at, 13, NULL, &r) == EO_EINVAL);
    assert(eo_restrict_impose(rs, "m-op4", "conflict", at, 0, NULL, &r) == EO_OK &&
           r.months == 3);
    /* A confirmed crime: permanent, by the operator or recorded. */
    assert(eo_restrict_impose(rs, "m-crime", "crime", at, -1, NULL, &r) == EO_OK);
    assert(r.end == EO_RESTRICT_PERMANENT);
    bool applied;
    assert(eo_restrict_record(rs, "m-crime2", "crime", at, &r, &applied) == EO_OK && applied);
    assert(r.end == EO_RESTRICT_PERMANENT);
    assert(eo_restrict_check(rs, "m-crime2", s_t("2099-01-01 00:00"), &r) == EO_OK);
    /* Bad member ids change nothing. */
    assert(eo_restrict_record(rs, "", "unpaid", at, &r, &applied) == EO_EINVAL);
    char long_id[100];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert(eo_restrict_impose(rs, long_id, "unpaid", at, 1, NULL, &r) == EO_EINVAL);

    /* The refusal names the end date, in Korean and English. */
    assert(eo_restrict_check(rs, "m-op", at + EO_DAY, &r) == EO_OK);
    eo_eligibility_t in = {.type = EO_SERVICE_FACILITY,
                           .child_preregistered = true,
                           .child_in_school = true,
                           .child_birth = 20180101,
                           .service_date = 20261124,
                           .restricted_until = r.end};
    char arg[64], msg[512];
    assert(eo_rules_check_eligibility(rules, &in, arg, sizeof arg) == EO_REASON_RESTRICTED);
    assert(streq(arg, "2027-11-23"));
    eo_reason_format(EO_REASON_RESTRICTED, "ko", arg, msg, sizeof msg);
    assert(strstr(msg, "2027-11-23부터 다시 이용할 수 있습니다"));
    eo_reason_format(EO_REASON_RESTRICTED, "en", arg, msg, sizeof msg);
    assert(strstr(msg, "again from 2027-11-23"));
    printf("rules.restrict_operator: ok\n");
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp);
    char cmd[1200], dir[1100], err[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    assert(system(cmd) == 0);
    snprintf(dir, sizeof dir, "%s/store", tmp);
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    eo_rules_t *rules = cal ? eo_rules_load_default(cal, err, sizeof err) : NULL;
    eo_store_t *store = eo_store_new(dir, 64, 0);
    assert(rules && store);
    eo_restrict_t *rs = eo_restrict_new(store, rules);
    assert(rs);
    int failed = s_run_cases(rs);
    s_check_escalation(rs);
    s_check_operator(rs, rules);
    eo_restrict_destroy(&rs);
    eo_store_destroy(&store);

    /* Durable: a reopened store still refuses the member. */
    store = eo_store_new(dir, 64, 0);
    rs = eo_restrict_new(store, rules);
    assert(rs && eo_restrict_check(rs, "m-unpaid", s_t("2026-12-01 10:00"), NULL) == EO_OK);
    assert(eo_restrict_check(rs, "m-crime", s_t("2030-01-01 10:00"), NULL) == EO_OK);
    eo_restrict_destroy(&rs);
    eo_store_destroy(&store);
    eo_rules_destroy(&rules);
    eo_calendar_destroy(&cal);
    return failed ? 1 : 0;
}
