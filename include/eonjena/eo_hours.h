/* eo_hours: business hours of a provider agency ("mon-fri 09:00-18:00", closed on
 * holidays), and when they next begin.
 *
 * Hours are a value (no allocation): a set of weekdays and one daily window
 * [open, close) in Seoul time, which must not cross midnight. Holidays come from a
 * predicate, so the computation does not depend on how the calendar is loaded
 * (eo_calendar_is_holiday fits through eo_hours_calendar_fn). */
#ifndef EO_HOURS_H
#define EO_HOURS_H

#include <stdbool.h>
#include <stdint.h>

#include "eo_time.h"

/* True if the Seoul date `date_key` (yyyymmdd) is a holiday. */
typedef bool(eo_holiday_fn)(void *ctx, int32_t date_key);

typedef struct {
    uint8_t days;         /* bit 0 Monday ... bit 6 Sunday */
    int open_min;         /* minutes after midnight, inclusive */
    int close_min;        /* minutes after midnight, exclusive; > open_min */
    bool holidays_closed; /* closed on holidays even on an open weekday */
} eo_hours_t;

/* Weekdays 09:00-18:00, closed on holidays. */
void eo_hours_default(eo_hours_t *hours);
/* Parse "mon-fri 09:00-18:00" (days: a range or a comma list of mon..sun, or "daily").
 * holidays_closed is left as it was. Returns 0 or EO_EINVAL (hours unchanged). */
int eo_hours_parse(const char *text, eo_hours_t *hours);
/* Write the "mon-fri 09:00-18:00" form; buf needs 48 bytes. Returns buf. */
char *eo_hours_format(const eo_hours_t *hours, char *buf, size_t size);

/* Open at instant t? holiday may be NULL (no holidays). */
bool eo_hours_is_open(const eo_hours_t *hours, eo_time_t t, eo_holiday_fn *holiday, void *ctx);
/* The first instant >= t at which the hours are open (t itself when open). 0 if they
 * never open within the next 400 days (no days set, or every day a holiday). */
eo_time_t eo_hours_next_open(const eo_hours_t *hours, eo_time_t t, eo_holiday_fn *holiday,
                             void *ctx);

void eo_hours_test(bool verbose);

#endif
