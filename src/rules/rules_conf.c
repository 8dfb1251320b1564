/* rules_conf.c: read rules.cfg (zconfig) and fees.tsv into an eo_rconf_t.
 *
 * Every number is required: a missing or out-of-range key stops the load with a message
 * naming it, so the numbers live in the data files and nowhere in code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"
#include "rules_conf_priv.h"

const char *eo_fee_key_names[EO_FEE_COUNT] = {
    "visit.base",
    "visit.plus50",
    "visit.plus100",
    "visit.surcharge",
    "pay.base",
    "pay.linked",
    "pay.anytime",
    "facility.weekday_day",
    "facility.weekday_night",
    "facility.holiday_day",
    "facility.holiday_night",
};

typedef enum { S_INT, S_HHMM } s_kind_t;

typedef struct {
    const char *path; /* under rules/ */
    s_kind_t kind;
    size_t offset;
    int min, max;
    const char *since; /* NULL: required; else the value of a key added later, for rules
                        * texts recorded before it (an older store's replay) */
} s_key_t;

#define K(p, kind, field, lo, hi)                                                              \
    {                                                                                          \
        p, kind, offsetof(eo_rconf_t, field), lo, hi, NULL                                     \
    }
/* A key added after stores were first written: missing, it has the value it had then. */
#define K_ADDED(p, kind, field, lo, hi, value)                                                 \
    {                                                                                          \
        p, kind, offsetof(eo_rconf_t, field), lo, hi, value                                    \
    }
static const s_key_t s_keys[] = {
    K("visit/lead_min", S_INT, visit_lead, 0, 1440),
    K("visit/provider_from", S_HHMM, provider_from, 0, 1440),
    K("visit/provider_to", S_HHMM, provider_to, 0, 1440),
    K("visit/pool_weekday_from", S_HHMM, pool_weekday_from, 0, 1440),
    K("visit/pool_weekday_to", S_HHMM, pool_weekday_to, 0, 1440),
    K("visit/pool_dayoff_from", S_HHMM, pool_dayoff_from, 0, 1440),
    K("visit/pool_dayoff_to", S_HHMM, pool_dayoff_to, 0, 1440),
    K("visit/pool_latest_start", S_HHMM, pool_latest_start, 0, 1440),
    K("visit/app_from", S_HHMM, app_from, 0, 1440),
    K("visit/app_to", S_HHMM, app_to, 0, 1440),
    K("visit/min_age_months", S_INT, visit_min_age_months, 0, 240),
    K("visit/max_age_years", S_INT, visit_max_age_years, 0, 20),
    K("visit/short_min", S_INT, short_min, 1, 1440),
    K("visit/min_min", S_INT, min_min, 1, 1440),
    K("visit/step_min", S_INT, step_min, 1, 1440),
    K("visit/surcharge_lead_from_min", S_INT, surcharge_lead_from, 0, 10080),
    K("visit/surcharge_lead_to_min", S_INT, surcharge_lead_to, 0, 10080),
    K("visit/day_from", S_HHMM, day_from, 0, 1440),
    K("visit/day_to", S_HHMM, day_to, 0, 1440),
    K_ADDED("visit/max_min", S_INT, visit_max_min, 60, 10080, "1440"),
    K_ADDED("intake/horizon_days", S_INT, horizon_days, 1, 3650, "30"),
    K_ADDED("intake/address_max_bytes", S_INT, address_max, 16, 1000, "300"),
    K_ADDED("intake/name_max_bytes", S_INT, name_max, 8, 63, "60"),
    K_ADDED("payment/deadline_min", S_INT, pay_deadline, 1, 10080, "60"),
    K("cancel/free_before_min", S_INT, cancel_free_before, 0, 100000),
    K("cancel/hour_fee_before_min", S_INT, cancel_hour_before, 0, 100000),
    K("cancel/late_percent", S_INT, cancel_late_percent, 0, 100),
    K("facility/open_from", S_HHMM, fac_open_from, 0, 1440),
    K("facility/open_to", S_HHMM, fac_open_to, 0, 1440),
    K("facility/same_day_cutoff", S_HHMM, fac_cutoff, 0, 1440),
    K("facility/lead_min", S_INT, fac_lead, 0, 1440),
    K("facility/dayoff_max_min", S_INT, fac_dayoff_max, 0, 1440),
    K("facility/pair_from", S_HHMM, fac_pair_from, 0, 1440),
    K("facility/pair_to", S_HHMM, fac_pair_to, 0, 1440),
    K("facility/pair_default", S_INT, fac_pair_default, 0, 1),
    K("facility/max_children", S_INT, fac_max_children, 1, 1000),
    K("facility/min_age_years", S_INT, fac_min_age, 0, 20),
    K("facility/max_age_years", S_INT, fac_max_age, 0, 20),
    K("facility/sibling_min_age_years", S_INT, fac_sibling_min_age, 0, 20),
    K("facility/sibling_max_age_years", S_INT, fac_sibling_max_age, 0, 20),
    K("facility/allowance_day_from", S_HHMM, fac_allow_day_from, 0, 1440),
    K("facility/allowance_day_to", S_HHMM, fac_allow_day_to, 0, 1440),
    K("facility/shortened_percent", S_INT, fac_shortened_pct, 0, 100),
    K("facility/overrun_grace_min", S_INT, fac_overrun_grace, 0, 1440),
    K("facility/overrun_percent", S_INT, fac_overrun_pct, 0, 1000),
    K("facility/noshow_percent", S_INT, fac_noshow_pct, 0, 1000),
    K("facility/pickup_grace_min", S_INT, fac_pickup_grace, 0, 1440),
    K("caps/visit_week_h", S_INT, cap_visit_week, 1, 168),
    K("caps/facility_week_h", S_INT, cap_facility_week, 1, 168),
    K("caps/invited_week_h", S_INT, cap_invited_week, 1, 168),
    K("caps/invited_month_h", S_INT, cap_invited_month, 1, 744),
    K("restrictions/escalate_count", S_INT, escalate_count, 1, 100),
    K("restrictions/escalate_months", S_INT, escalate_months, 1, 120),
    K("restrictions/max_months", S_INT, max_months, 1, 120),
};
#undef K

/* "HH:MM" with 24:00 allowed; -1 if malformed. */
static int s_parse_hhmm(const char *text)
{
    int h, m;
    char tail;
    if (sscanf(text, "%2d:%2d%c", &h, &m, &tail) != 2 || strlen(text) != 5) return -1;
    if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m)) return -1;
    return h * 60 + m;
}

static int s_parse_int(const char *text, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < -1000000 || v > 1000000) return -1;
    *out = (int)v;
    return 0;
}

static int s_load_causes(eo_rconf_t *conf, zconfig_t *root, const char *path, char *err,
                         size_t errlen)
{
    zconfig_t *r = zconfig_locate(root, "rules/restrictions");
    for (zconfig_t *c = r ? zconfig_child(r) : NULL; c; c = zconfig_next(c)) {
        if (!zconfig_child(c)) continue; /* a number of restrictions/, not a cause */
        if (conf->n_causes == EO_CAUSES_MAX || strlen(zconfig_name(c)) >= 32) {
            snprintf(err, errlen, "%s: too many causes or name too long", path);
            return EO_EINVAL;
        }
        eo_cause_t *cause = &conf->causes[conf->n_causes];
        snprintf(cause->name, sizeof cause->name, "%s", zconfig_name(c));
        const char *window = zconfig_get(c, "window", "");
        if (s_parse_int(zconfig_get(c, "months", ""), &cause->months) || cause->months < -1 ||
            s_parse_int(zconfig_get(c, "count", ""), &cause->count) || cause->count < 1 ||
            (!streq(window, "month") && !streq(window, "ever"))) {
            snprintf(err, errlen,
                     "%s: restriction cause %s needs months (>= -1), count (>= 1) and window "
                     "(month or ever)",
                     path, cause->name);
            return EO_EINVAL;
        }
        cause->per_month = streq(window, "month");
        /* optional: the operator may impose it only after `after_count` restrictions
         * of cause `after` (3+ conflicts allow up to a year) */
        const char *after = zconfig_get(c, "after", "");
        if (*after && (strlen(after) >= sizeof cause->after ||
                       s_parse_int(zconfig_get(c, "after_count", ""), &cause->after_count) ||
                       cause->after_count < 1)) {
            snprintf(err, errlen,
                     "%s: restriction cause %s: after needs a cause name and "
                     "after_count (>= 1)",
                     path, cause->name);
            return EO_EINVAL;
        }
        snprintf(cause->after, sizeof cause->after, "%s", after);
        conf->n_causes++;
    }
    return EO_OK;
}

static int s_load_pair_sites(eo_rconf_t *conf, zconfig_t *root, const char *path, char *err,
                             size_t errlen)
{
    zconfig_t *r = zconfig_locate(root, "rules/facility/pair_sites");
    for (zconfig_t *c = r ? zconfig_child(r) : NULL; c; c = zconfig_next(c)) {
        int on;
        if (conf->n_pair_sites == EO_PAIR_SITES_MAX || strlen(zconfig_name(c)) >= 16 ||
            s_parse_int(zconfig_value(c) ? zconfig_value(c) : "", &on) || on < 0 || on > 1) {
            snprintf(err, errlen, "%s: facility/pair_sites/%s: want 0 or 1", path,
                     zconfig_name(c));
            return EO_EINVAL;
        }
        snprintf(conf->pair_sites[conf->n_pair_sites].slug, 16, "%s", zconfig_name(c));
        conf->pair_sites[conf->n_pair_sites++].on = on;
    }
    return EO_OK;
}

static int s_load_cfg(eo_rconf_t *conf, const char *path, char *err, size_t errlen)
{
    if (!zsys_file_exists(path)) {
        snprintf(err, errlen, "%s: no such file", path);
        return EO_EIO;
    }
    zconfig_t *root = zconfig_load(path);
    if (!root) {
        snprintf(err, errlen, "%s: not a valid zconfig file", path);
        return EO_EINVAL;
    }
    int rc = EO_OK;
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0] && rc == EO_OK; i++) {
        const s_key_t *k = &s_keys[i];
        char full[96];
        snprintf(full, sizeof full, "rules/%s", k->path);
        const char *text = zconfig_get(root, full, k->since);
        int v = -1;
        bool ok = text && (k->kind == S_HHMM ? (v = s_parse_hhmm(text)) >= 0
                                             : s_parse_int(text, &v) == 0);
        if (!ok || v < k->min || v > k->max) {
            snprintf(err, errlen, "%s: %s %s (want %s in %d..%d)", path, full,
                     text ? "is out of range or malformed" : "is missing",
                     k->kind == S_HHMM ? "HH:MM" : "an integer", k->min, k->max);
            rc = EO_EINVAL;
        } else
            *(int *)((char *)conf + k->offset) = v;
    }
    if (rc == EO_OK) rc = s_load_causes(conf, root, path, err, errlen);
    if (rc == EO_OK) rc = s_load_pair_sites(conf, root, path, err, errlen);
    zconfig_destroy(&root);
    return rc;
}

static int s_fee_key(const char *name)
{
    for (int i = 0; i < EO_FEE_COUNT; i++)
        if (streq(name, eo_fee_key_names[i])) return i;
    return -1;
}

/* Find or append the table of an effective date (tables arrive in any order). */
static eo_fee_table_t *s_fee_table(eo_rconf_t *conf, int32_t effective)
{
    for (size_t i = 0; i < conf->n_fees; i++)
        if (conf->fees[i].effective == effective) return &conf->fees[i];
    eo_fee_table_t *grown = realloc(conf->fees, (conf->n_fees + 1) * sizeof *grown);
    if (!grown) return NULL;
    conf->fees = grown;
    eo_fee_table_t *t = &conf->fees[conf->n_fees++];
    t->effective = effective;
    for (int i = 0; i < EO_FEE_COUNT; i++)
        t->won[i] = -1;
    return t;
}

static int s_cmp_fees(const void *a, const void *b)
{
    int32_t x = ((const eo_fee_table_t *)a)->effective;
    int32_t y = ((const eo_fee_table_t *)b)->effective;
    return (x > y) - (x < y);
}

static int s_load_fees(eo_rconf_t *conf, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return EO_EIO;
    }
    char line[512];
    int lineno = 0, rc = EO_OK;
    while (rc == EO_OK && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line || *line == '#') continue;
        char date[16], key[48], won[24], extra;
        int32_t effective;
        int64_t amount;
        char *end;
        int k = -1;
        eo_fee_table_t *t = NULL;
        if (sscanf(line, "%15[^\t]\t%47[^\t]\t%23[^\t]%c", date, key, won, &extra) != 3 ||
            eo_date_parse(date, &effective) || (k = s_fee_key(key)) < 0 ||
            (amount = strtoll(won, &end, 10)) < 0 || *end || end == won || amount > 100000000) {
            snprintf(err, errlen,
                     "%s:%d: want 'YYYY-MM-DD<tab>key<tab>won' with a known key and an amount "
                     "0..100000000",
                     path, lineno);
            rc = EO_EINVAL;
        } else if (!(t = s_fee_table(conf, effective))) {
            snprintf(err, errlen, "out of memory");
            rc = EO_ENOMEM;
        } else if (t->won[k] >= 0) {
            snprintf(err, errlen, "%s:%d: %s set twice for %s", path, lineno, key, date);
            rc = EO_EINVAL;
        } else
            t->won[k] = amount;
    }
    fclose(f);
    for (size_t i = 0; rc == EO_OK && i < conf->n_fees; i++)
        for (int k = 0; k < EO_FEE_COUNT; k++)
            if (conf->fees[i].won[k] < 0) {
                snprintf(err, errlen, "%s: the table of %d lacks %s (each table is complete)",
                         path, conf->fees[i].effective, eo_fee_key_names[k]);
                rc = EO_EINVAL;
                break;
            }
    if (rc == EO_OK && conf->n_fees == 0) {
        snprintf(err, errlen, "%s: no fee table", path);
        rc = EO_EINVAL;
    }
    if (rc == EO_OK) qsort(conf->fees, conf->n_fees, sizeof *conf->fees, s_cmp_fees);
    return rc;
}

int eo_rconf_load(eo_rconf_t *conf, const char *cfg_path, const char *fees_path, char *err,
                  size_t errlen)
{
    memset(conf, 0, sizeof *conf);
    int rc = s_load_cfg(conf, cfg_path, err, errlen);
    if (rc == EO_OK) rc = s_load_fees(conf, fees_path, err, errlen);
    if (rc) eo_rconf_free(conf);
    return rc;
}

void eo_rconf_free(eo_rconf_t *conf)
{
    free(conf->fees);
    conf->fees = NULL;
    conf->n_fees = 0;
}

const eo_fee_table_t *eo_rconf_fees(const eo_rconf_t *conf, int32_t date)
{
    const eo_fee_table_t *found = NULL;
    for (size_t i = 0; i < conf->n_fees; i++)
        if (conf->fees[i].effective <= date) found = &conf->fees[i];
    return found;
}

const eo_cause_t *eo_rconf_cause(const eo_rconf_t *conf, const char *name)
{
    for (size_t i = 0; name && i < conf->n_causes; i++)
        if (streq(conf->causes[i].name, name)) return &conf->causes[i];
    return NULL;
}

int eo_minute_of_day(eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    return l.hour * 60 + l.minute;
}

eo_time_t eo_at_minute(int32_t date, int m)
{
    return eo_time_from_local(date / 10000, date / 100 % 100, date % 100, 0, m, 0);
}
