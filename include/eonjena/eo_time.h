/* eo_time: instants, Asia/Seoul civil time, and the injectable clock.
 *
 * An instant is eo_time_t, seconds since the Unix epoch (UTC). Korea has no DST, so
 * local time is always UTC+9; every rule works on eo_local_t broken out from that.
 * Servers never call time(): they ask an eo_clock_t, which tests set by hand. */
#ifndef EO_TIME_H
#define EO_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t eo_time_t;

#define EO_SEOUL_OFFSET (9 * 3600)
#define EO_MINUTE 60
#define EO_HOUR 3600
#define EO_DAY 86400
#define EO_WEEK_SLOTS 336 /* 7 x 48 half-hour slots, Monday 00:00 first */

typedef struct {
    int year, month, day;     /* calendar date in Seoul */
    int hour, minute, second; /* wall clock in Seoul */
    int wday;                 /* 0 = Monday ... 6 = Sunday */
} eo_local_t;

/* Break an instant out into Seoul civil time. */
void eo_time_local(eo_time_t t, eo_local_t *out);
/* The instant of a Seoul wall-clock time; fields may be out of range (hour 24, day 0)
 * and are normalised. */
eo_time_t eo_time_from_local(int year, int month, int day, int hour, int minute, int second);
/* Parse "YYYY-MM-DDTHH:MM[:SS]" with an optional "Z" or "+HH:MM"/"-HH:MM" offset; no
 * offset means Seoul time. A space may replace the T. Returns 0 or EO_EINVAL. */
int eo_time_parse(const char *text, eo_time_t *out);
/* The same, with an optional fraction of the second (".437") kept: milliseconds since
 * the epoch. Clocks are specified this way; requests are whole seconds. */
int eo_time_parse_ms(const char *text, int64_t *out_ms);
/* Parse a date "YYYY-MM-DD" into yyyymmdd (a date key). Returns 0 or EO_EINVAL. */
int eo_date_parse(const char *text, int32_t *out);
/* Format as "YYYY-MM-DDTHH:MM:SS+09:00"; buf needs 26 bytes. Returns buf. */
char *eo_time_format(eo_time_t t, char *buf, size_t size);
/* yyyymmdd of the Seoul date of t. */
int32_t eo_date_key(eo_time_t t);
/* Day of week of a date key, 0 = Monday. -1 if the key is not a valid date. */
int eo_date_wday(int32_t date_key);
/* The date key n days after a date key (n may be negative). */
int32_t eo_date_add(int32_t date_key, int days);
/* Half-hour slot of the week that contains t (0..335, Monday 00:00-00:30 is 0). */
int eo_week_slot(eo_time_t t);
/* Monday 00:00 Seoul of the week that contains t. */
eo_time_t eo_week_start(eo_time_t t);
/* ISO week of t in Seoul as year * 100 + week (e.g. 202648). */
int32_t eo_iso_week(eo_time_t t);
/* Calendar month of t in Seoul as year * 100 + month (e.g. 202611). */
int32_t eo_month_key(eo_time_t t);

/* --- the clock -------------------------------------------------------------------- */
typedef struct eo_clock_t eo_clock_t;

/* The system clock. */
eo_clock_t *eo_clock_new_system(void);
/* A clock that stands still at `start_ms` until set or advanced (tests). */
eo_clock_t *eo_clock_new_manual(int64_t start_ms);
/* A clock that runs at real speed but started at `start_ms` (demos, replays). */
eo_clock_t *eo_clock_new_offset(int64_t start_ms);
/* From configuration text: "system", "manual:<ISO time>" or "offset:<ISO time>"; the
 * time may carry milliseconds ("offset:2026-11-27T19:00:00.437").
 * Returns NULL and logs on a bad spec. */
eo_clock_t *eo_clock_new_from_spec(const char *spec);
void eo_clock_destroy(eo_clock_t **self_p);
/* Milliseconds since the epoch. Thread-safe. */
int64_t eo_clock_now_ms(eo_clock_t *self);
/* Seconds since the epoch. Thread-safe. */
eo_time_t eo_clock_now(eo_clock_t *self);
/* Manual clocks only: set or move the time. Thread-safe. */
void eo_clock_set_ms(eo_clock_t *self, int64_t now_ms);
void eo_clock_advance_ms(eo_clock_t *self, int64_t delta_ms);
bool eo_clock_is_manual(eo_clock_t *self);

void eo_time_test(bool verbose);

#endif
