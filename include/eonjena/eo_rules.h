/* eo_rules: the service rules of docs/domain.md in one place, data-driven (issue 7).
 *
 * Numbers live in data/rules.cfg (zconfig: windows, lead times, ages, caps, restriction
 * causes) and data/fees.tsv (won amounts, tables with an effective date); holidays in
 * the calendar (eo_calendar.h). eo_rules_refresh() re-reads changed files, so an operator
 * changes a number without a rebuild or restart. Every function takes "now" (the request
 * time) as an argument and never reads a clock. All decisions are thread-safe.
 *
 * Times are eo_time_t instants; every rule is evaluated in Asia/Seoul civil time.
 * Windows are half-open [from, to). */
#ifndef EO_RULES_H
#define EO_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <czmq.h>

#include "eo_calendar.h"
#include "eo_dong.h"
#include "eo_reason.h"
#include "eo_time.h"

typedef struct eo_rules_t eo_rules_t;

/* Load rules.cfg and fees.tsv; the calendar is borrowed (the caller keeps it alive and
 * destroys it after the rules). NULL with "file:line: why" in err. */
eo_rules_t *eo_rules_load(const char *cfg_path, const char *fees_path, eo_calendar_t *cal,
                          char *err, size_t errlen);
/* data/rules.cfg and data/fees.tsv of eo_data_dir(). */
eo_rules_t *eo_rules_load_default(eo_calendar_t *cal, char *err, size_t errlen);
/* From the rules section of etc/eonjena.cfg (rules/cfg, rules/fees; "" or missing =
 * the data dir's file); root may be NULL. */
eo_rules_t *eo_rules_load_config(zconfig_t *root, eo_calendar_t *cal, char *err, size_t errlen);
/* The calendar named by rules/holidays of etc/eonjena.cfg ("" = data/holidays.tsv). */
eo_calendar_t *eo_calendar_load_config(zconfig_t *root, char *err, size_t errlen);
/* rules/calendar_warn_days (root may be NULL: the default, 90): how many days before the
 * calendar's end it is warned of (eo_calendar_ends_soon). */
int eo_calendar_warn_days(zconfig_t *root);
/* Both from the configuration (root may be NULL: the data dir's files): the calendar
 * of eo_calendar_load_config, owned by the rules (eo_rules_calendar lends it). This is
 * how every role and command gets the one set of rules. NULL with err set. */
eo_rules_t *eo_rules_new(zconfig_t *root, char *err, size_t errlen);
void eo_rules_destroy(eo_rules_t **self_p);
/* Re-read rules.cfg, fees.tsv and the calendar if any changed. 0, or an error (logged;
 * the old values stay in force). */
int eo_rules_refresh(eo_rules_t *self);
/* A number that changes whenever the rules or their calendar were reloaded. */
uint64_t eo_rules_version(eo_rules_t *self);
eo_calendar_t *eo_rules_calendar(eo_rules_t *self);
/* The texts of the files in force (rules.cfg, fees.tsv, the holiday calendar) as one
 * malloc'ed blob (*size bytes, caller frees): what a replay needs to decide with the
 * same rules later (eo_rules_from_snapshot). NULL if a file cannot be read. */
char *eo_rules_snapshot(eo_rules_t *self, size_t *size);
/* Rules (owning their calendar) from a snapshot: the texts are written to a folder
 * made under dir and loaded from there. NULL with err set. */
eo_rules_t *eo_rules_from_snapshot(const char *blob, size_t size, const char *dir, char *err,
                                   size_t errlen);

/* --- 방문형 routing ------------------------------------------------------------------ */
typedef enum { EO_CHANNEL_PHONE = 0, EO_CHANNEL_APP = 1 } eo_channel_t;

typedef enum {
    EO_ROUTE_REFUSED = 0,
    EO_ROUTE_PROVIDER, /* weekday office hours: the site's provider links a carer */
    EO_ROUTE_POOL,     /* call centre: offer to the site's pool now */
    EO_ROUTE_QUEUED,   /* recorded; handed to the provider at business_at */
} eo_route_t;

typedef struct {
    eo_route_t route;
    eo_reason_t reason;          /* why (a rejection code when REFUSED) */
    eo_time_t business_at;       /* QUEUED and BEFORE_BUSINESS: when business hours begin */
    bool anytime_allowance;      /* POOL: the carer earns the 언제나 case allowance */
    bool starts_before_business; /* QUEUED_LATE_START whose service starts before
                                  * business_at (e.g. Friday 19:00 for Saturday 14:00):
                                  * docs/domain.md queues it; the caller should warn the member
                                  */
} eo_route_decision_t;

/* Route a 방문형 request made at `requested` for a service starting at `start`.
 * Always fills *out; returns 0 (a refusal is a decision, not an error) or EO_EINVAL
 * for a NULL argument. */
int eo_rules_route_visit(eo_rules_t *self, eo_time_t requested, eo_time_t start,
                         eo_channel_t channel, eo_route_decision_t *out);
/* When the provider's business hours next begin at or after t (09:00 of a working day). */
eo_time_t eo_rules_business_start(eo_rules_t *self, eo_time_t t);
/* Whether t falls in the pool's consent window (weekdays 18-22, days off 08-20): offers
 * go out only then. */
bool eo_rules_in_pool_window(eo_rules_t *self, eo_time_t t);

const char *eo_route_name(eo_route_t route);

/* --- fees and pay (fee.c) ----------------------------------------------------------- */
#define EO_FEE_LINES_MAX 48

typedef enum { EO_PAYER_MEMBER = 0, EO_PAYER_CARER = 1 } eo_payer_t;

/* One line of a breakdown: who pays or earns it, the rule (a fees.tsv key or a rules.cfg
 * rule name) that produced it, and for per-hour lines the period it covers. */
typedef struct {
    eo_payer_t payer;   /* MEMBER: the member pays; CARER: the carer earns */
    char rule[40];      /* "visit.plus50", "pay.base", "cancel.hour", ... */
    char what[160];     /* a short English label: "Sunday/holiday night 22-06" */
    eo_time_t from, to; /* the period (per-hour lines); 0 for per-case lines */
    int minutes;        /* 0 for per-case lines */
    int64_t rate;       /* won per hour, or per case */
    int64_t won;        /* whole won */
} eo_fee_line_t;

typedef struct {
    eo_reason_t reason; /* EO_REASON_OK, or why the quote was refused */
    char arg[96];       /* the %s of the refusal's message (eo_verdict_t) */
    int32_t fee_table;  /* effective date (yyyymmdd) of the table used */
    int minutes;
    bool surcharge;  /* the 4,500 per-case surcharge applies */
    bool have_route; /* requested was given: route is the 방문형 decision */
    eo_route_decision_t route;
    bool pair_recommended; /* 시설형: invited carers in pairs 20-24 (2인 1조, 권고) */
    eo_fee_line_t lines[EO_FEE_LINES_MAX];
    size_t n_lines;
    int64_t member_total; /* the linked fee */
    int64_t carer_total;
    bool cancelled; /* cancelled_at was given: cancel_fee is what the member owes */
    eo_fee_line_t cancel_line;
    int64_t cancel_fee;
} eo_quote_t;

/* Something a request says, or leaves unsaid (a quote need not say who asks). */
typedef enum { EO_UNSAID = 0, EO_YES = 1, EO_NO = 2 } eo_said_t;

/* The texts of a request, bounded by rules.cfg intake/address_max_bytes (the address)
 * and intake/name_max_bytes (the rest): valid UTF-8 without control characters. */
typedef enum {
    EO_TEXT_ADDRESS = 0,
    EO_TEXT_CHILD_NAME,
    EO_TEXT_MEMBER_ID,
    EO_TEXT_HANDOVER, /* 시설형: who hands the child over */
    EO_TEXT_PICKUP,   /* 시설형: who collects the child */
    EO_TEXT_COUNT
} eo_text_field_t;

/* A request as the rules see it: what a quote is asked and what an intake carries. The
 * quote (eo_rules_quote, GET /v1/quote) and the matcher's intake check both go through
 * eo_rules_check, so the same input gets the same coded answer on both paths. Who asks
 * (membership, the child) is checked only where it is said: an intake always says it,
 * a quote may leave it out. */
typedef struct {
    int type;         /* EO_SERVICE_VISIT (default when 0) or EO_SERVICE_FACILITY */
    const char *site; /* slug; checked against dongs when both are given */
    const eo_dongs_t *dongs;
    eo_time_t start, end;
    eo_time_t requested; /* 0: not given (no route, no lead surcharge, no allowance,
                          * no horizon) */
    eo_channel_t channel;
    bool not_linked;        /* 방문형: not a 일시연계 case (no +2,000/h) */
    eo_time_t cancelled_at; /* 0: not cancelled */
    /* 시설형 */
    int regular_from, regular_to; /* the facility's regular hours (minutes of the day;
                                   * equal = none): no allowance inside them */
    bool regular_on_days_off;     /* the regular hours also apply on weekends/holidays */
    int child_minutes_that_day;   /* the child's other facility minutes that day */
    /* who asks */
    eo_said_t verified;    /* a verified member (정회원) */
    bool child_given;      /* the child's age is said (birth or months) */
    int32_t child_birth;   /* yyyymmdd; 0: use child_age_months */
    int child_age_months;  /* whole months on the service date */
    const char *residence; /* site of the child's 주민등록; NULL: the request's site */
    bool sick, severe_disability;
    bool preregistered;               /* 시설형: a pre-registered child */
    bool in_school;                   /* 시설형: a school child (else a preschool sibling) */
    bool sibling_registered;          /* 시설형: a registered school child's sibling */
    eo_time_t restricted_until;       /* an 이용제한 in force until then (0: none) */
    const char *texts[EO_TEXT_COUNT]; /* NULL: not given */
} eo_quote_params_t;

/* What the rules say of a request: OK (with the route), or the first refusal and the
 * value that fills its message's %s (the earliest start, the age range, the field). */
typedef struct {
    eo_reason_t reason;
    char arg[96];
    bool have_route; /* 방문형 with requested given */
    eo_route_decision_t route;
    bool pair_recommended; /* 시설형: invited carers in pairs 20-24 */
} eo_verdict_t;

/* Every rule a request must pass, in the order a member would fix them: the texts,
 * the site runs the service, the times (grid, durations, 시설형 days and hours), the
 * horizon, who asks (membership, residence, restriction, age, disability, sickness,
 * 시설형 registration), then the timing (app hours, the 2 h lead, routing; 시설형
 * cutoff, lead and 6 h a day off). Fills *out; 0, or EO_EINVAL for NULL arguments.
 * A 방문형 request made off hours that starts before business hours is refused
 * (before_business_hours) with out->route saying when they begin. */
int eo_rules_check(eo_rules_t *self, const eo_quote_params_t *params, eo_verdict_t *out);
/* The verdict's message in "ko" or "en", its %s filled. Returns buf. */
char *eo_verdict_message(const eo_verdict_t *v, const char *lang, char *buf, size_t size);
/* The latest start a request made at `requested` may ask for (intake/horizon_days). */
eo_time_t eo_rules_horizon(eo_rules_t *self, eo_time_t requested);
/* The member's payment of a pool case is due this many minutes after settling. */
int eo_rules_payment_deadline_min(eo_rules_t *self);

/* Quote a service: checks the request (eo_rules_check), splits the member's fee across the
 * calendar days and periods the service spans, adds surcharges, the carer's pay and allowances,
 * and the cancellation fee if cancelled_at is given. Returns 0 with out->reason OK, EO_EINVAL
 * with out->reason the rejection (the quote is refused; no lines), or EO_EINVAL with reason OK
 * for NULL arguments. */
int eo_rules_quote(eo_rules_t *self, const eo_quote_params_t *params, eo_quote_t *out);

/* The cancellation fee for a service starting at `start` with linked fee `linked_fee`,
 * cancelled at `cancelled_at`: free until 24 h before (inclusive), one hour of the base
 * day rate until 1 h before (inclusive), then 50 % of the linked fee (rounded down). */
int eo_rules_cancel_fee(eo_rules_t *self, eo_time_t start, eo_time_t cancelled_at,
                        int64_t linked_fee, eo_fee_line_t *line);

/* Set one parameter from text, as `eonjena quote --key value` and GET /v1/quote?key=value
 * give it: type (visit|facility), site, start, end, requested, cancelled (times as
 * eo_time_parse takes them), channel (phone|app), linked (yes|no), regular
 * ("HH:MM-HH:MM"), regular_days_off (yes|no), child_minutes (integer); who asks:
 * verified (yes|no), age_months (0..240), birth (YYYY-MM-DD), residence (a site slug),
 * sick, severe_disability, preregistered, in_school, sibling_registered (yes|no).
 * Values are borrowed (site, residence). 0, or EO_EINVAL with a message in err (params
 * unchanged). */
/* Quote parameters as a request says them when it leaves a thing out: a 시설형 child is
 * a school child (in_school), as the intake assumes, so both paths answer alike. */
void eo_quote_params_init(eo_quote_params_t *params, const eo_dongs_t *dongs);
int eo_quote_params_set(eo_quote_params_t *params, const char *key, const char *value,
                        char *err, size_t errlen);

/* The quote as JSON text (jansson, compact, UTF-8): {"ok":true, "type", "site", "start",
 * "end", "minutes", "fee_table", "route"?, "member":{"lines":[...],"total"},
 * "carer":{"lines":[...],"total"}, "cancellation"?} or, when the rules refuse,
 * {"ok":false, "error":{"code","ko","en"}}. Each line is {"rule","what","from","to",
 * "minutes","rate","won"}. The caller frees the text. NULL (message in err) only for
 * bad arguments or out of memory. Same code serves `eonjena quote` and GET /v1/quote. */
char *eo_quote_json(eo_rules_t *self, const eo_quote_params_t *params, char *err,
                    size_t errlen);
/* The same as a jansson object the caller owns (json_decref), for a caller that adds to
 * it before writing it out once: parsing eo_quote_json's text back costs more than the
 * quote. */
struct json_t;
struct json_t *eo_quote_object(eo_rules_t *self, const eo_quote_params_t *params, char *err,
                               size_t errlen);

/* --- 시설형 (facility.c) ------------------------------------------------------------- */
typedef struct {
    eo_time_t requested, start, end;
    const char *site;           /* slug, for the per-site pair setting */
    int child_minutes_that_day; /* other minutes of this child that day */
} eo_facility_request_t;

typedef struct {
    eo_reason_t reason;    /* OK or the rejection */
    bool pair_recommended; /* overlaps 20-24 and the site's setting is on */
} eo_facility_decision_t;

/* Check a 시설형 request: closed days (not substitute days), 07:00-24:00, no crossing
 * midnight, >= 2 h lead, same-day cutoff 20:00, <= 6 h per child per day off. */
int eo_rules_check_facility(eo_rules_t *self, const eo_facility_request_t *req,
                            eo_facility_decision_t *out);
/* Whether the pairs recommendation is on for a site (per-site setting, default on). */
bool eo_rules_facility_pairs(eo_rules_t *self, const char *site);

/* The matching order of docs/domain.md: providers nearest the child's home first; at each,
 * one of its own facility carers, else an invited carer; with none anywhere, the site's
 * 아동돌봄센터, then a proposal to convert to 방문형. */
typedef struct {
    double distance_km;      /* from the child's home */
    int own_carers_free;     /* its own facility carers free for the slot */
    int invited_carers_free; /* invited carers assigned to it and free */
} eo_facility_provider_t;

typedef enum {
    EO_MATCH_OWN_CARER = 1,
    EO_MATCH_INVITED_CARER = 2,
    EO_MATCH_CENTRE = 3,
    EO_MATCH_CONVERT_VISIT = 4,
} eo_match_tier_t;

typedef struct {
    eo_match_tier_t tier;
    int provider; /* index into the providers, -1 for CENTRE / CONVERT */
} eo_facility_match_t;

/* centre_available: the site's 아동돌봄센터 can take the child. */
void eo_rules_facility_order(const eo_facility_provider_t *providers, size_t n,
                             bool centre_available, eo_facility_match_t *out);

/* Member charges of docs/domain.md on a 시설형 fee: shortened during the service 50 %,
 * an overrun of 5 minutes or more 100 % (shorter: nothing), no-show or unreachable
 * 100 %; rounded down to the won. The rule name goes into rule (40 bytes). */
typedef enum {
    EO_FACILITY_SHORTENED = 1,
    EO_FACILITY_OVERRUN = 2,
    EO_FACILITY_NOSHOW = 3,
} eo_facility_charge_t;

int64_t eo_rules_facility_charge(eo_rules_t *self, eo_facility_charge_t kind, int64_t fee,
                                 int overrun_minutes, char *rule, size_t rulelen);
/* How many children one carer may look after at once (20). */
int eo_rules_facility_max_children(eo_rules_t *self);
/* Minutes of calls when nobody collects a child before the police are involved (60). */
int eo_rules_facility_pickup_grace_min(eo_rules_t *self);

/* --- eligibility (eligibility.c) -------------------------------------------------- */
typedef struct {
    int type; /* EO_SERVICE_VISIT or EO_SERVICE_FACILITY */
    const eo_dongs_t *dongs;
    const char *site;              /* the site of the child's home */
    bool verified_member;          /* 정회원 */
    bool child_registered_in_site; /* 주민등록 in the served site on the service date */
    bool child_preregistered;      /* 시설형: pre-registered child */
    int32_t child_birth;           /* yyyymmdd */
    int32_t service_date;          /* yyyymmdd */
    bool child_in_school;          /* 시설형: a school child (else preschool) */
    bool sibling_registered;       /* 시설형: a sibling is a registered school child */
    bool sick;                     /* sick children: 방문형 only */
    bool severe_disability;        /* referred elsewhere */
    eo_time_t restricted_until;    /* 0: not restricted; INT64_MAX: permanent */
    int child_age_months;          /* used when child_birth is 0; -1: unknown, not checked */
} eo_eligibility_t;

/* EO_REASON_OK or the first rejection; arg (for the message's %s: an end date, an age
 * range) is written into arg. */
eo_reason_t eo_rules_check_eligibility(eo_rules_t *self, const eo_eligibility_t *in, char *arg,
                                       size_t arglen);
/* Whole months of age on a date (-1 if born after it). */
int eo_age_months(int32_t birth, int32_t on);

/* --- caps ------------------------------------------------------------------------- */
#include "eo_carer_kind.h"

/* The configured caps in hours (month: 0 if the kind has none). */
int eo_rules_cap_week_h(eo_rules_t *self, eo_carer_kind_t kind);
/* Every kind's caps in minutes, for the index (eo_index_new, eo_index_set_caps). */
void eo_rules_caps(eo_rules_t *self, eo_caps_t *out);
/* The same from the configuration's rules (root NULL: data/rules.cfg), for a tool that
 * opens an index without keeping the rules. 0, or an error with err set. */
int eo_rules_caps_config(zconfig_t *root, eo_caps_t *out, char *err, size_t errlen);
int eo_rules_cap_month_h(eo_rules_t *self, eo_carer_kind_t kind);
/* Whether `add` more minutes fit, given the minutes already worked in the same ISO week
 * and calendar month (Asia/Seoul); the cap itself is allowed. OK, CAP_WEEK or CAP_MONTH. */
eo_reason_t eo_rules_cap_check(eo_rules_t *self, eo_carer_kind_t kind, int week_minutes,
                               int month_minutes, int add_minutes);
/* Minutes of [start, end) that fall in the ISO week (or calendar month) containing t:
 * a service across Sunday midnight counts in two weeks. */
int eo_minutes_in_week(eo_time_t start, eo_time_t end, eo_time_t t);
int eo_minutes_in_month(eo_time_t start, eo_time_t end, eo_time_t t);

void eo_rules_test(bool verbose);

#endif
