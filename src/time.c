/* time.c: Seoul civil time (UTC+9, no DST) and the injectable clock.
 *
 * Dates are converted with Howard Hinnant's days-from-civil arithmetic, so nothing here
 * depends on the process's TZ or locale. */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = s_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = s_floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

void eo_time_local(eo_time_t t, eo_local_t *out)
{
    int64_t local = t + EO_SEOUL_OFFSET;
    int64_t days = s_floor_div(local, EO_DAY);
    int64_t secs = local - days * EO_DAY;
    s_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    out->wday = (int)((days % 7 + 7 + 3) % 7);
}

eo_time_t eo_time_from_local(int year, int month, int day, int hour, int minute, int second)
{
    /* Normalise the month first so days_from_civil sees 1..12; days may overflow. */
    int64_t m0 = (int64_t)month - 1;
    int64_t y = year + s_floor_div(m0, 12);
    int m = (int)(m0 - s_floor_div(m0, 12) * 12) + 1;
    int64_t days = s_days_from_civil(y, m, 1) + day - 1;
    return days * EO_DAY + (int64_t)hour * 3600 + (int64_t)minute * 60 + second -
           EO_SEOUL_OFFSET;
}

static int s_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

static int s_days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

static int s_parse_date(const char **p, int *y, int *mo, int *d)
{
    if (s_digits(p, 4, y) || **p != '-') return -1;
    (*p)++;
    if (s_digits(p, 2, mo) || **p != '-') return -1;
    (*p)++;
    if (s_digits(p, 2, d)) return -1;
    if (*y < 1900 || *y > 2999 || *mo < 1 || *mo > 12 || *d < 1 ||
        *d > s_days_in_month(*y, *mo))
        return -1;
    return 0;
}

int eo_date_parse(const char *text, int32_t *out)
{
    if (!text) return EO_EINVAL;
    const char *p = text;
    int y, mo, d;
    if (s_parse_date(&p, &y, &mo, &d) || *p) return EO_EINVAL;
    *out = y * 10000 + mo * 100 + d;
    return EO_OK;
}

/* The body of eo_time_parse and eo_time_parse_ms; ms NULL: no fraction allowed. */
static int s_time_parse(const char *text, eo_time_t *out, int *ms)
{
    if (!text) return EO_EINVAL;
    const char *p = text;
    int y, mo, d, h, mi, s = 0, frac = 0;
    if (s_parse_date(&p, &y, &mo, &d)) return EO_EINVAL;
    if (*p != 'T' && *p != ' ') return EO_EINVAL;
    p++;
    if (s_digits(&p, 2, &h) || *p != ':') return EO_EINVAL;
    p++;
    if (s_digits(&p, 2, &mi)) return EO_EINVAL;
    if (*p == ':') {
        p++;
        if (s_digits(&p, 2, &s)) return EO_EINVAL;
        if (ms && *p == '.') {
            /* milliseconds: one to three digits, as written ("0.5" is 500 ms) */
            p++;
            int digits = 0;
            for (; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
                frac = frac * 10 + (*p - '0');
            if (digits == 0) return EO_EINVAL;
            for (; digits < 3; digits++)
                frac *= 10;
        }
    }
    if (h > 23 || mi > 59 || s > 59) return EO_EINVAL;
    int offset = EO_SEOUL_OFFSET;
    if (*p == 'Z') {
        offset = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om;
        p++;
        if (s_digits(&p, 2, &oh) || *p != ':') return EO_EINVAL;
        p++;
        if (s_digits(&p, 2, &om) || oh > 14 || om > 59) return EO_EINVAL;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*p) return EO_EINVAL;
    *out = eo_time_from_local(y, mo, d, h, mi, s) + EO_SEOUL_OFFSET - offset;
    if (ms) *ms = frac;
    return EO_OK;
}

int eo_time_parse(const char *text, eo_time_t *out)
{
    return s_time_parse(text, out, NULL);
}

int eo_time_parse_ms(const char *text, int64_t *out_ms)
{
    eo_time_t t;
    int ms = 0;
    int rc = s_time_parse(text, &t, &ms);
    if (rc == EO_OK) *out_ms = t * 1000 + ms;
    return rc;
}

char *eo_time_format(eo_time_t t, char *buf, size_t size)
{
    eo_local_t l;
    eo_time_local(t, &l);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d+09:00", l.year, l.month, l.day, l.hour,
             l.minute, l.second);
    return buf;
}

int32_t eo_date_key(eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    return l.year * 10000 + l.month * 100 + l.day;
}

static eo_time_t s_date_noon(int32_t key)
{
    return eo_time_from_local(key / 10000, key / 100 % 100, key % 100, 12, 0, 0);
}

int eo_date_wday(int32_t key)
{
    int y = key / 10000, m = key / 100 % 100, d = key % 100;
    if (m < 1 || m > 12 || d < 1 || d > s_days_in_month(y, m)) return -1;
    eo_local_t l;
    eo_time_local(s_date_noon(key), &l);
    return l.wday;
}

int32_t eo_date_add(int32_t key, int days)
{
    return eo_date_key(s_date_noon(key) + (eo_time_t)days * EO_DAY);
}

int eo_week_slot(eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    return l.wday * 48 + l.hour * 2 + l.minute / 30;
}

eo_time_t eo_week_start(eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    return eo_time_from_local(l.year, l.month, l.day - l.wday, 0, 0, 0);
}

int32_t eo_iso_week(eo_time_t t)
{
    /* The ISO year is the year of the Thursday of t's week. */
    eo_time_t thursday = eo_week_start(t) + 3 * EO_DAY;
    eo_local_t th;
    eo_time_local(thursday, &th);
    eo_time_t jan1 = eo_time_from_local(th.year, 1, 1, 0, 0, 0);
    int week = (int)((thursday - jan1) / EO_DAY) / 7 + 1;
    return th.year * 100 + week;
}

int32_t eo_month_key(eo_time_t t)
{
    eo_local_t l;
    eo_time_local(t, &l);
    return l.year * 100 + l.month;
}

/* --- the clock ---------------------------------------------------------------------- */
typedef enum { S_SYSTEM, S_MANUAL, S_OFFSET } s_mode_t;

struct eo_clock_t {
    s_mode_t mode;
    _Atomic int64_t manual_ms; /* S_MANUAL: the time; S_OFFSET: start minus real start */
};

static int64_t s_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static eo_clock_t *s_clock_new(s_mode_t mode, int64_t ms)
{
    eo_clock_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->mode = mode;
    atomic_store(&self->manual_ms, ms);
    return self;
}

eo_clock_t *eo_clock_new_system(void)
{
    return s_clock_new(S_SYSTEM, 0);
}

eo_clock_t *eo_clock_new_manual(int64_t start_ms)
{
    return s_clock_new(S_MANUAL, start_ms);
}

eo_clock_t *eo_clock_new_offset(int64_t start_ms)
{
    return s_clock_new(S_OFFSET, start_ms - s_real_ms());
}

eo_clock_t *eo_clock_new_from_spec(const char *spec)
{
    if (!spec || !*spec || streq(spec, "system")) return eo_clock_new_system();
    int64_t ms;
    if (strncmp(spec, "manual:", 7) == 0 && eo_time_parse_ms(spec + 7, &ms) == EO_OK)
        return eo_clock_new_manual(ms);
    if (strncmp(spec, "offset:", 7) == 0 && eo_time_parse_ms(spec + 7, &ms) == EO_OK)
        return eo_clock_new_offset(ms);
    zsys_error("clock: bad spec '%s' (want system, manual:<time> or offset:<time>)", spec);
    return NULL;
}

void eo_clock_destroy(eo_clock_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

int64_t eo_clock_now_ms(eo_clock_t *self)
{
    switch (self->mode) {
    case S_MANUAL:
        return atomic_load(&self->manual_ms);
    case S_OFFSET:
        return s_real_ms() + atomic_load(&self->manual_ms);
    default:
        return s_real_ms();
    }
}

eo_time_t eo_clock_now(eo_clock_t *self)
{
    return s_floor_div(eo_clock_now_ms(self), 1000);
}

void eo_clock_set_ms(eo_clock_t *self, int64_t now_ms)
{
    if (self->mode == S_MANUAL) atomic_store(&self->manual_ms, now_ms);
}

void eo_clock_advance_ms(eo_clock_t *self, int64_t delta_ms)
{
    if (self->mode == S_MANUAL) atomic_fetch_add(&self->manual_ms, delta_ms);
}

bool eo_clock_is_manual(eo_clock_t *self)
{
    return self->mode == S_MANUAL;
}

void eo_time_test(bool verbose)
{
    if (verbose) printf(" * eo_time: ");
    eo_time_t t;
    assert(eo_time_parse("2026-11-27T18:00", &t) == EO_OK);
    assert(t == 1795770000); /* 2026-11-27T09:00:00Z */
    eo_local_t l;
    eo_time_local(t, &l);
    assert(l.year == 2026 && l.month == 11 && l.day == 27 && l.hour == 18 && l.wday == 4);
    assert(eo_week_slot(t) == 228); /* W1's generation clock: Friday 18:00 */
    eo_time_t z;
    assert(eo_time_parse("2026-11-27T09:00:00Z", &z) == EO_OK && z == t);
    assert(eo_time_parse("2026-11-27 18:00:00+09:00", &z) == EO_OK && z == t);
    assert(eo_time_parse("2026-02-30T10:00", &z) == EO_EINVAL);
    assert(eo_time_parse("2026-11-27T24:00", &z) == EO_EINVAL);
    assert(eo_time_parse("garbage", &z) == EO_EINVAL);
    assert(eo_time_parse("", &z) == EO_EINVAL);
    char buf[32];
    assert(streq(eo_time_format(t, buf, sizeof buf), "2026-11-27T18:00:00+09:00"));
    assert(eo_date_key(t) == 20261127);
    assert(eo_date_wday(20261123) == 0 && eo_date_wday(20261129) == 6);
    assert(eo_date_wday(20261131) == -1);
    assert(eo_date_add(20261231, 1) == 20270101 && eo_date_add(20240301, -1) == 20240229);
    /* Sunday 23:59 is the last slot; Monday 00:00 of the next week is slot 0. */
    eo_time_t sun = eo_time_from_local(2026, 11, 29, 23, 59, 0);
    assert(eo_week_slot(sun) == 335 && eo_week_slot(sun + 60) == 0);
    assert(eo_week_start(sun) == eo_time_from_local(2026, 11, 23, 0, 0, 0));
    /* UTC midnight is 09:00 in Seoul: the Seoul date, not the UTC one, decides. */
    eo_time_t mon_early = eo_time_from_local(2026, 11, 30, 0, 30, 0);
    assert(eo_week_slot(mon_early) == 1 && eo_iso_week(mon_early) == 202649);
    assert(eo_iso_week(eo_time_from_local(2027, 1, 1, 12, 0, 0)) == 202653);
    assert(eo_iso_week(eo_time_from_local(2026, 1, 1, 12, 0, 0)) == 202601);
    assert(eo_month_key(t) == 202611);
    assert(eo_time_from_local(2026, 11, 27, 24, 0, 0) ==
           eo_time_from_local(2026, 11, 28, 0, 0, 0));
    assert(eo_time_from_local(2026, 13, 1, 0, 0, 0) == eo_time_from_local(2027, 1, 1, 0, 0, 0));

    eo_clock_t *clock = eo_clock_new_manual(t * 1000);
    assert(eo_clock_is_manual(clock) && eo_clock_now(clock) == t);
    eo_clock_advance_ms(clock, 90 * 60 * 1000);
    assert(eo_clock_now(clock) == t + 5400);
    eo_clock_destroy(&clock);
    assert(clock == NULL);
    clock = eo_clock_new_from_spec("offset:2026-11-27T18:00");
    assert(clock && eo_clock_now(clock) >= t && eo_clock_now(clock) < t + 60);
    eo_clock_destroy(&clock);
    assert(eo_clock_new_from_spec("sometimes") == NULL);
    /* a clock may start between seconds (tests of time-driven loops use this) */
    int64_t ms;
    assert(eo_time_parse_ms("2026-11-27T18:00:00.437", &ms) == EO_OK && ms == t * 1000 + 437);
    assert(eo_time_parse_ms("2026-11-27T18:00:00.5Z", &ms) == EO_OK &&
           ms == (t + EO_SEOUL_OFFSET) * 1000 + 500);
    assert(eo_time_parse_ms("2026-11-27T18:00:00.", &ms) == EO_EINVAL);
    assert(eo_time_parse("2026-11-27T18:00:00.437", &z) == EO_EINVAL);
    clock = eo_clock_new_from_spec("manual:2026-11-27T18:00:00.250");
    assert(clock && eo_clock_now_ms(clock) == t * 1000 + 250);
    eo_clock_destroy(&clock);
    if (verbose) printf("OK\n");
}
