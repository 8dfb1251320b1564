/* rules_conf_priv.h: the numbers of the rules as loaded from rules.cfg and fees.tsv (private
 * to rules.c, fee.c, restrict.c and rules_conf.c). A conf is immutable once loaded. */
#ifndef EO_RULES_CONF_PRIV_H
#define EO_RULES_CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eonjena/eo_time.h"

/* The won amounts of one fee table (fees.tsv keys in this order). */
typedef enum {
    EO_FEE_VISIT_BASE,      /* weekday and Saturday 06-22 */
    EO_FEE_VISIT_PLUS50,    /* weekday and Saturday 22-06, Sunday/holiday 06-22 */
    EO_FEE_VISIT_PLUS100,   /* Sunday/holiday 22-06 */
    EO_FEE_VISIT_SURCHARGE, /* per case: requested 4..2 h before, or a 1-hour service */
    EO_FEE_PAY_BASE,        /* carer, per hour */
    EO_FEE_PAY_LINKED,      /* carer, per hour, 일시연계 */
    EO_FEE_PAY_ANYTIME,     /* carer, per case, 언제나아이돌봄 수당 */
    EO_FEE_FAC_WEEKDAY_DAY, /* 시설형 carer allowance per hour */
    EO_FEE_FAC_WEEKDAY_NIGHT,
    EO_FEE_FAC_HOLIDAY_DAY,
    EO_FEE_FAC_HOLIDAY_NIGHT,
    EO_FEE_COUNT
} eo_fee_key_t;

extern const char *eo_fee_key_names[EO_FEE_COUNT];

typedef struct {
    int32_t effective; /* yyyymmdd */
    int64_t won[EO_FEE_COUNT];
} eo_fee_table_t;

#define EO_CAUSES_MAX 24
#define EO_PAIR_SITES_MAX 32

typedef struct {
    char name[32];
    int months;      /* 0: the operator sets it; -1: permanent */
    int count;       /* occurrences that trigger it */
    bool per_month;  /* count within a calendar month (else since the last trigger) */
    char after[32];  /* "": always; else imposed only after after_count restrictions */
    int after_count; /*     of this cause (repeated_conflict after 3 conflicts) */
} eo_cause_t;

typedef struct {
    /* 방문형, minutes (of the day, or of lead) */
    int visit_lead, provider_from, provider_to, pool_weekday_from, pool_weekday_to;
    int pool_dayoff_from, pool_dayoff_to, pool_latest_start, app_from, app_to;
    int visit_min_age_months, visit_max_age_years;
    int short_min, min_min, step_min, surcharge_lead_from, surcharge_lead_to;
    int day_from, day_to;
    int visit_max_min; /* the longest service */
    /* intake: how far ahead, how long the texts of a request may be */
    int horizon_days, address_max, name_max;
    /* the member's payment of a pool case: due within this many minutes of settling */
    int pay_deadline;
    /* cancellation */
    int cancel_free_before, cancel_hour_before, cancel_late_percent;
    /* 시설형 */
    int fac_open_from, fac_open_to, fac_cutoff, fac_lead, fac_dayoff_max;
    int fac_pair_from, fac_pair_to, fac_pair_default, fac_max_children;
    int fac_min_age, fac_max_age, fac_sibling_min_age, fac_sibling_max_age;
    int fac_allow_day_from, fac_allow_day_to;
    int fac_shortened_pct, fac_overrun_grace, fac_overrun_pct, fac_noshow_pct;
    int fac_pickup_grace;
    struct {
        char slug[16];
        bool on;
    } pair_sites[EO_PAIR_SITES_MAX];
    size_t n_pair_sites;
    /* caps, hours */
    int cap_visit_week, cap_facility_week, cap_invited_week, cap_invited_month;
    /* restrictions */
    int escalate_count, escalate_months, max_months;
    eo_cause_t causes[EO_CAUSES_MAX];
    size_t n_causes;
    /* fee tables, by effective date ascending */
    eo_fee_table_t *fees;
    size_t n_fees;
} eo_rconf_t;

/* Load both files into *conf (zeroed first); "file:line: why" in err on failure. */
int eo_rconf_load(eo_rconf_t *conf, const char *cfg_path, const char *fees_path, char *err,
                  size_t errlen);
void eo_rconf_free(eo_rconf_t *conf);
/* The fee table in force on a date (latest effective <= date), NULL if none. */
const eo_fee_table_t *eo_rconf_fees(const eo_rconf_t *conf, int32_t date);
const eo_cause_t *eo_rconf_cause(const eo_rconf_t *conf, const char *name);

/* Minute of the Seoul day of t (0..1439). */
int eo_minute_of_day(eo_time_t t);
/* The instant of minute m (may be 1440) of the Seoul date `date`. */
eo_time_t eo_at_minute(int32_t date, int m);

#endif
