/* rules.c: loading the rules and routing 방문형 requests by time (see eo_rules.h).
 *
 * The loaded numbers (eo_rconf_t) are immutable; a refresh loads new ones aside and
 * swaps them in under the write lock, so a decision never mixes two versions. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "eonjena/eo_dong.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

static void s_stamp(const char *path, eo_file_stamp_t *out)
{
    struct stat st;
    memset(out, 0, sizeof *out);
    if (stat(path, &st) == 0)
        *out = (eo_file_stamp_t){st.st_dev, st.st_ino, st.st_size, st.st_mtim};
}

static bool s_stamp_eq(const eo_file_stamp_t *a, const eo_file_stamp_t *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

eo_rules_t *eo_rules_load(const char *cfg_path, const char *fees_path, eo_calendar_t *cal,
                          char *err, size_t errlen)
{
    if (!cfg_path || !fees_path || !cal) {
        snprintf(err, errlen, "rules: a path or the calendar is missing");
        return NULL;
    }
    eo_rules_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    self->cal = cal;
    self->cfg_path = strdup(cfg_path);
    self->fees_path = strdup(fees_path);
    if (!self->cfg_path || !self->fees_path || pthread_rwlock_init(&self->lock, NULL)) {
        snprintf(err, errlen, "out of memory");
        free(self->cfg_path);
        free(self->fees_path);
        free(self);
        return NULL;
    }
    s_stamp(cfg_path, &self->cfg_stamp);
    s_stamp(fees_path, &self->fees_stamp);
    if (eo_rconf_load(&self->conf, cfg_path, fees_path, err, errlen)) {
        eo_rules_destroy(&self);
        return NULL;
    }
    return self;
}

eo_rules_t *eo_rules_load_default(eo_calendar_t *cal, char *err, size_t errlen)
{
    char cfg[1024], fees[1024];
    snprintf(cfg, sizeof cfg, "%s/rules.cfg", eo_data_dir());
    snprintf(fees, sizeof fees, "%s/fees.tsv", eo_data_dir());
    return eo_rules_load(cfg, fees, cal, err, errlen);
}

/* A path from the configuration, or the data dir's file when empty. */
static void s_config_path(zconfig_t *root, const char *key, const char *file, char *buf,
                          size_t size)
{
    const char *v = root ? zconfig_get(root, key, "") : "";
    if (*v)
        snprintf(buf, size, "%s", v);
    else
        snprintf(buf, size, "%s/%s", eo_data_dir(), file);
}

eo_rules_t *eo_rules_load_config(zconfig_t *root, eo_calendar_t *cal, char *err, size_t errlen)
{
    char cfg[1024], fees[1024];
    s_config_path(root, "rules/cfg", "rules.cfg", cfg, sizeof cfg);
    s_config_path(root, "rules/fees", "fees.tsv", fees, sizeof fees);
    return eo_rules_load(cfg, fees, cal, err, errlen);
}

eo_calendar_t *eo_calendar_load_config(zconfig_t *root, char *err, size_t errlen)
{
    char path[1024];
    s_config_path(root, "rules/holidays", "holidays.tsv", path, sizeof path);
    return eo_calendar_load(path, err, errlen);
}

int eo_calendar_warn_days(zconfig_t *root)
{
    return atoi(root ? zconfig_get(root, "rules/calendar_warn_days", "90") : "90");
}

eo_rules_t *eo_rules_new(zconfig_t *root, char *err, size_t errlen)
{
    eo_calendar_t *cal = eo_calendar_load_config(root, err, errlen);
    eo_rules_t *self = cal ? eo_rules_load_config(root, cal, err, errlen) : NULL;
    if (!self) {
        eo_calendar_destroy(&cal);
        return NULL;
    }
    self->own_cal = true;
    return self;
}

void eo_rules_destroy(eo_rules_t **self_p)
{
    if (!self_p || !*self_p) return;
    eo_rules_t *self = *self_p;
    if (self->own_cal) eo_calendar_destroy(&self->cal);
    eo_rconf_free(&self->conf);
    pthread_rwlock_destroy(&self->lock);
    free(self->cfg_path);
    free(self->fees_path);
    free(self);
    *self_p = NULL;
}

eo_calendar_t *eo_rules_calendar(eo_rules_t *self)
{
    return self->cal;
}

/* --- snapshots: "<name>\n<length>\n<bytes>" for each file, in this order ------------- */

static const char *s_snapshot_names[3] = {"rules.cfg", "fees.tsv", "holidays.tsv"};

char *eo_rules_snapshot(eo_rules_t *self, size_t *size)
{
    const char *paths[3] = {self->cfg_path, self->fees_path, eo_calendar_path(self->cal)};
    char *blob = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&blob, &len);
    if (!out) return NULL;
    bool ok = true;
    for (int i = 0; i < 3 && ok; i++) {
        FILE *f = fopen(paths[i], "r");
        char *text = NULL;
        size_t n = 0;
        ok = f && getdelim(&text, &n, '\0', f) >= 0;
        if (ok) {
            size_t tlen = strlen(text);
            fprintf(out, "%s\n%zu\n", s_snapshot_names[i], tlen);
            ok = fwrite(text, 1, tlen, out) == tlen;
        }
        free(text);
        if (f) fclose(f);
    }
    if (fclose(out) || !ok) {
        free(blob);
        return NULL;
    }
    *size = len;
    return blob;
}

eo_rules_t *eo_rules_from_snapshot(const char *blob, size_t size, const char *dir, char *err,
                                   size_t errlen)
{
    char folder[1024], paths[3][1100];
    snprintf(folder, sizeof folder, "%s/rules.XXXXXX", dir);
    if (!mkdtemp(folder)) {
        snprintf(err, errlen, "rules snapshot: cannot make a folder in %s: %s", dir,
                 strerror(errno));
        return NULL;
    }
    const char *p = blob, *end = blob + size;
    for (int i = 0; i < 3; i++) {
        char name[32];
        size_t len = 0;
        int used = 0;
        if (sscanf(p, "%31[^\n]\n%zu\n%n", name, &len, &used) != 2 || used <= 0 ||
            !streq(name, s_snapshot_names[i]) || (size_t)(end - p - used) < len) {
            snprintf(err, errlen, "rules snapshot: damaged at %s", s_snapshot_names[i]);
            return NULL;
        }
        p += used;
        snprintf(paths[i], sizeof paths[i], "%s/%s", folder, name);
        FILE *f = fopen(paths[i], "w");
        bool ok = f && fwrite(p, 1, len, f) == len;
        if (f && fclose(f)) ok = false;
        if (!ok) {
            snprintf(err, errlen, "rules snapshot: cannot write %s", paths[i]);
            return NULL;
        }
        p += len;
    }
    eo_calendar_t *cal = eo_calendar_load(paths[2], err, errlen);
    eo_rules_t *self = cal ? eo_rules_load(paths[0], paths[1], cal, err, errlen) : NULL;
    if (!self) {
        eo_calendar_destroy(&cal);
        return NULL;
    }
    self->own_cal = true;
    return self;
}

int eo_rules_refresh(eo_rules_t *self)
{
    int rc = eo_calendar_refresh(self->cal);
    eo_file_stamp_t cfg, fees;
    s_stamp(self->cfg_path, &cfg);
    s_stamp(self->fees_path, &fees);
    pthread_rwlock_rdlock(&self->lock);
    bool same = s_stamp_eq(&cfg, &self->cfg_stamp) && s_stamp_eq(&fees, &self->fees_stamp);
    pthread_rwlock_unlock(&self->lock);
    if (same) return rc;
    eo_rconf_t fresh;
    char err[512];
    int lrc = eo_rconf_load(&fresh, self->cfg_path, self->fees_path, err, sizeof err);
    if (lrc) {
        zsys_error("rules: %s (keeping the loaded rules)", err);
        return lrc;
    }
    pthread_rwlock_wrlock(&self->lock);
    eo_rconf_t old = self->conf;
    self->conf = fresh;
    self->cfg_stamp = cfg;
    self->fees_stamp = fees;
    pthread_rwlock_unlock(&self->lock);
    eo_rconf_free(&old);
    self->version++;
    zsys_info("rules: reloaded %s and %s", self->cfg_path, self->fees_path);
    return rc;
}

uint64_t eo_rules_version(eo_rules_t *self)
{
    return self->version + eo_calendar_version(self->cal);
}

const eo_rconf_t *eo_rules_rdlock(eo_rules_t *self)
{
    pthread_rwlock_rdlock(&self->lock);
    return &self->conf;
}

void eo_rules_unlock(eo_rules_t *self)
{
    pthread_rwlock_unlock(&self->lock);
}

/* --- 방문형 routing ----------------------------------------------------------------- */

const char *eo_route_name(eo_route_t route)
{
    switch (route) {
    case EO_ROUTE_PROVIDER:
        return "provider";
    case EO_ROUTE_POOL:
        return "pool";
    case EO_ROUTE_QUEUED:
        return "queued";
    default:
        return "refused";
    }
}

static bool s_in(int minute, int from, int to)
{
    return minute >= from && minute < to;
}

static eo_time_t s_business_start(eo_rules_t *self, const eo_rconf_t *c, eo_time_t t)
{
    return eo_calendar_next_workday_at(self->cal, t, c->provider_from);
}

eo_time_t eo_rules_business_start(eo_rules_t *self, eo_time_t t)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_time_t at = s_business_start(self, c, t);
    eo_rules_unlock(self);
    return at;
}

static bool s_pool_window(eo_rules_t *self, const eo_rconf_t *c, eo_time_t t)
{
    int32_t day = eo_date_key(t);
    int m = eo_minute_of_day(t);
    if (eo_calendar_is_day_off(self->cal, day))
        return s_in(m, c->pool_dayoff_from, c->pool_dayoff_to);
    return s_in(m, c->pool_weekday_from, c->pool_weekday_to);
}

bool eo_rules_in_pool_window(eo_rules_t *self, eo_time_t t)
{
    const eo_rconf_t *c = eo_rules_rdlock(self);
    bool in = s_pool_window(self, c, t);
    eo_rules_unlock(self);
    return in;
}

void eo_rules_route_locked(eo_rules_t *self, const eo_rconf_t *c, eo_time_t requested,
                           eo_time_t start, eo_channel_t channel, eo_route_decision_t *out)
{
    memset(out, 0, sizeof *out);
    out->route = EO_ROUTE_REFUSED;
    int32_t day = eo_date_key(requested);
    int m = eo_minute_of_day(requested);
    if (channel == EO_CHANNEL_APP && !s_in(m, c->app_from, c->app_to)) {
        out->reason = EO_REASON_APP_HOURS;
        return;
    }
    /* The national rule comes first, whatever the route; exactly 2 h is accepted. */
    if (start - requested < (eo_time_t)c->visit_lead * EO_MINUTE) {
        out->reason = EO_REASON_LEAD_TIME;
        return;
    }
    bool day_off = eo_calendar_is_day_off(self->cal, day);
    if (!day_off && s_in(m, c->provider_from, c->provider_to)) {
        out->route = EO_ROUTE_PROVIDER;
        out->reason = EO_REASON_PROVIDER_HOURS;
        return;
    }
    out->business_at = s_business_start(self, c, requested);
    if (s_pool_window(self, c, requested)) {
        /* The start decides: up to and including 11:00 of the day after the request. */
        eo_time_t latest = eo_at_minute(eo_date_add(day, 1), c->pool_latest_start);
        if (start <= latest) {
            out->route = EO_ROUTE_POOL;
            out->reason = EO_REASON_POOL_WINDOW;
            out->anytime_allowance = true;
            out->business_at = 0;
        } else {
            out->route = EO_ROUTE_QUEUED;
            out->reason = EO_REASON_QUEUED_LATE_START;
            out->starts_before_business = start < out->business_at;
        }
        return;
    }
    if (start < out->business_at) {
        out->reason = EO_REASON_BEFORE_BUSINESS;
        return;
    }
    out->route = EO_ROUTE_QUEUED;
    out->reason = EO_REASON_QUEUED_OFF_HOURS;
}

int eo_rules_route_visit(eo_rules_t *self, eo_time_t requested, eo_time_t start,
                         eo_channel_t channel, eo_route_decision_t *out)
{
    if (!self || !out) return EO_EINVAL;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_rules_route_locked(self, c, requested, start, channel, out);
    eo_rules_unlock(self);
    return EO_OK;
}

/* --- self-test -------------------------------------------------------------------- */
void eo_rules_test(bool verbose)
{
    if (verbose) printf(" * eo_rules: ");
    char err[512];
    eo_calendar_t *cal = eo_calendar_load_default(err, sizeof err);
    assert(cal);
    eo_rules_t *rules = eo_rules_load_default(cal, err, sizeof err);
    if (!rules) fprintf(stderr, "%s\n", err);
    assert(rules);
    /* Friday 2026-11-27 19:00: the pool window; Saturday 10:00 start goes to the pool. */
    eo_route_decision_t d;
    eo_time_t req = eo_time_from_local(2026, 11, 27, 19, 0, 0);
    assert(eo_rules_route_visit(rules, req, req + 15 * EO_HOUR, EO_CHANNEL_PHONE, &d) == 0);
    assert(d.route == EO_ROUTE_POOL && d.anytime_allowance);
    /* Monday 10:00: the provider. */
    req = eo_time_from_local(2026, 11, 30, 10, 0, 0);
    eo_rules_route_visit(rules, req, req + 3 * EO_HOUR, EO_CHANNEL_PHONE, &d);
    assert(d.route == EO_ROUTE_PROVIDER);
    eo_rules_destroy(&rules);
    assert(rules == NULL);
    eo_rules_destroy(&rules);
    /* From etc/eonjena.cfg: empty paths mean the data dir's files. */
    zconfig_t *root = zconfig_str_load("rules\n    cfg = \"\"\n    fees = \"\"\n");
    assert(root);
    rules = eo_rules_load_config(root, cal, err, sizeof err);
    assert(rules && eo_rules_cap_week_h(rules, EO_CARER_VISIT) == 52);
    eo_rules_destroy(&rules);
    zconfig_destroy(&root);
    eo_calendar_t *cal2 = eo_calendar_load_config(NULL, err, sizeof err);
    assert(cal2 && eo_calendar_is_holiday(cal2, 20260101));
    eo_calendar_destroy(&cal2);
    eo_calendar_destroy(&cal);
    if (verbose) printf("OK\n");
}
