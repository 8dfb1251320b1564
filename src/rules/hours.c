/* hours.c: providers' business hours (see eo_hours.h). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_hours.h"

#define S_LOOKAHEAD_DAYS 400

static const char *s_day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

void eo_hours_default(eo_hours_t *hours)
{
    *hours = (eo_hours_t){
        .days = 0x1f, .open_min = 9 * 60, .close_min = 18 * 60, .holidays_closed = true};
}

static int s_day(const char *p)
{
    for (int i = 0; i < 7; i++)
        if (strncmp(p, s_day_names[i], 3) == 0) return i;
    return -1;
}

/* "mon-fri", "mon,wed,fri", "sat", "daily" into a day mask; 0 if malformed. */
static uint8_t s_parse_days(const char *text, size_t len)
{
    if (len == 5 && strncmp(text, "daily", 5) == 0) return 0x7f;
    uint8_t mask = 0;
    size_t i = 0;
    while (i < len) {
        int a = i + 3 <= len ? s_day(text + i) : -1;
        if (a < 0) return 0;
        i += 3;
        int b = a;
        if (i < len && text[i] == '-') {
            b = i + 4 <= len ? s_day(text + i + 1) : -1;
            if (b < a) return 0;
            i += 4;
        }
        for (int d = a; d <= b; d++)
            mask |= (uint8_t)(1 << d);
        if (i < len && text[i++] != ',') return 0;
    }
    return mask;
}

int eo_hours_parse(const char *text, eo_hours_t *hours)
{
    if (!text) return EO_EINVAL;
    const char *space = strchr(text, ' ');
    if (!space) return EO_EINVAL;
    uint8_t days = s_parse_days(text, (size_t)(space - text));
    int h1, m1, h2, m2, used = 0;
    if (!days || sscanf(space + 1, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 ||
        space[1 + used] != '\0')
        return EO_EINVAL;
    int open = h1 * 60 + m1, close = h2 * 60 + m2;
    if (h1 < 0 || m1 < 0 || m1 > 59 || m2 < 0 || m2 > 59 || open >= close || close > 24 * 60)
        return EO_EINVAL;
    hours->days = days;
    hours->open_min = open;
    hours->close_min = close;
    return EO_OK;
}

char *eo_hours_format(const eo_hours_t *hours, char *buf, size_t size)
{
    char days[32] = "";
    for (int d = 0; d < 7; d++) {
        if (!(hours->days & (1 << d))) continue;
        int e = d;
        while (e + 1 < 7 && (hours->days & (1 << (e + 1))))
            e++;
        size_t n = strlen(days);
        snprintf(days + n, sizeof days - n, "%s%s%s%s", n ? "," : "", s_day_names[d],
                 e > d ? "-" : "", e > d ? s_day_names[e] : "");
        d = e;
    }
    snprintf(buf, size, "%s %02d:%02d-%02d:%02d", days, hours->open_min / 60,
             hours->open_min % 60, hours->close_min / 60, hours->close_min % 60);
    return buf;
}

/* Does the date open at all (weekday in the set and not a closed holiday)? */
static bool s_day_open(const eo_hours_t *hours, int32_t key, eo_holiday_fn *holiday, void *ctx)
{
    int wday = eo_date_wday(key);
    if (wday < 0 || !(hours->days & (1 << wday))) return false;
    return !(hours->holidays_closed && holiday && holiday(ctx, key));
}

static eo_time_t s_at(int32_t key, int minute)
{
    return eo_time_from_local(key / 10000, key / 100 % 100, key % 100, minute / 60, minute % 60,
                              0);
}

bool eo_hours_is_open(const eo_hours_t *hours, eo_time_t t, eo_holiday_fn *holiday, void *ctx)
{
    int32_t key = eo_date_key(t);
    return s_day_open(hours, key, holiday, ctx) && t >= s_at(key, hours->open_min) &&
           t < s_at(key, hours->close_min);
}

eo_time_t eo_hours_next_open(const eo_hours_t *hours, eo_time_t t, eo_holiday_fn *holiday,
                             void *ctx)
{
    int32_t key = eo_date_key(t);
    for (int i = 0; i < S_LOOKAHEAD_DAYS; i++, key = eo_date_add(key, 1)) {
        if (!s_day_open(hours, key, holiday, ctx)) continue;
        eo_time_t open = s_at(key, hours->open_min);
        if (t < open) return open;
        if (t < s_at(key, hours->close_min)) return t;
    }
    return 0;
}

static bool s_test_holiday(void *ctx, int32_t key)
{
    return key == *(int32_t *)ctx;
}

void eo_hours_test(bool verbose)
{
    if (verbose) printf(" * eo_hours: ");
    eo_hours_t h;
    eo_hours_default(&h);
    char buf[48];
    assert(streq(eo_hours_format(&h, buf, sizeof buf), "mon-fri 09:00-18:00"));
    /* Friday 2026-11-20 21:00 -> Monday 2026-11-23 09:00. */
    eo_time_t fri = eo_time_from_local(2026, 11, 20, 21, 0, 0);
    eo_time_t mon = eo_time_from_local(2026, 11, 23, 9, 0, 0);
    assert(!eo_hours_is_open(&h, fri, NULL, NULL));
    assert(eo_hours_next_open(&h, fri, NULL, NULL) == mon);
    assert(!eo_hours_is_open(&h, mon - 1, NULL, NULL) && eo_hours_is_open(&h, mon, NULL, NULL));
    assert(eo_hours_next_open(&h, mon + 60, NULL, NULL) == mon + 60);
    /* 18:00 is closed (half-open window). */
    assert(!eo_hours_is_open(&h, mon + 9 * EO_HOUR, NULL, NULL));
    assert(eo_hours_next_open(&h, mon + 9 * EO_HOUR, NULL, NULL) == mon + EO_DAY);
    /* Monday a holiday: Tuesday 09:00; unless the provider opens on holidays. */
    int32_t monday = 20261123;
    assert(eo_hours_next_open(&h, fri, s_test_holiday, &monday) == mon + EO_DAY);
    h.holidays_closed = false;
    assert(eo_hours_next_open(&h, fri, s_test_holiday, &monday) == mon);
    /* Parsing. */
    assert(eo_hours_parse("mon,wed,sat 08:30-12:00", &h) == 0);
    assert(h.days == 0x25 && h.open_min == 510 && h.close_min == 720);
    assert(streq(eo_hours_format(&h, buf, sizeof buf), "mon,wed,sat 08:30-12:00"));
    assert(eo_hours_parse("daily 00:00-24:00", &h) == 0 && h.days == 0x7f);
    const char *bad[] = {"",
                         "mon-fri",
                         "fri-mon 09:00-18:00",
                         "mon-fri 18:00-09:00",
                         "xyz 09:00-18:00",
                         "mon-fri 09:00-18:00x",
                         "mon-fri 09:60-18:00",
                         NULL};
    for (int i = 0; bad[i]; i++)
        assert(eo_hours_parse(bad[i], &h) == EO_EINVAL);
    assert(h.days == 0x7f); /* unchanged by bad input */
    h.days = 0;
    assert(eo_hours_next_open(&h, fri, NULL, NULL) == 0);
    if (verbose) printf("OK\n");
}
