/* eo_calendar: the holiday calendar (공휴일), a data file (data/holidays.tsv) that
 * operators change without a rebuild (issue 7).
 *
 * CONTRACT used by rules, matcher and hand-off: a calendar answers "is this Seoul date
 * a holiday" and "is it a substitute holiday"; eo_calendar_refresh() picks up changes
 * to the file (an operator's `eonjena holiday add`) without a restart. Lookups are
 * thread-safe; refresh swaps the table atomically. */
#ifndef EO_CALENDAR_H
#define EO_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct eo_calendar_t eo_calendar_t;

/* Load a calendar file. NULL on failure with a message naming file and line in err. */
eo_calendar_t *eo_calendar_load(const char *path, char *err, size_t errlen);
/* data/holidays.tsv of the data dir (eo_data_dir()). */
eo_calendar_t *eo_calendar_load_default(char *err, size_t errlen);
void eo_calendar_destroy(eo_calendar_t **self_p);

/* date_key is yyyymmdd (Seoul). */
bool eo_calendar_is_holiday(eo_calendar_t *self, int32_t date_key);
/* A substitute holiday (대체공휴일): a holiday, but not a 시설형 closed day. */
bool eo_calendar_is_substitute(eo_calendar_t *self, int32_t date_key);
/* Weekends and holidays: the days the "weekend and holiday" windows apply. */
bool eo_calendar_is_day_off(eo_calendar_t *self, int32_t date_key);
/* Re-read the file if it changed since the last load. 0, or an error (the old table
 * stays in force and the error is logged). */
int eo_calendar_refresh(eo_calendar_t *self);

void eo_calendar_test(bool verbose);

#endif
