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
/* How many times the table was reloaded: a change shows as a new number. */
uint64_t eo_calendar_version(eo_calendar_t *self);

/* --- added by issue 7 ------------------------------------------------------------- */
#include "eo_time.h"

typedef enum {
    EO_HOLIDAY_REGULAR = 0,    /* "holiday": a statutory 공휴일 */
    EO_HOLIDAY_SUBSTITUTE = 1, /* "substitute": 대체공휴일 (never a 시설형 closed day) */
    EO_HOLIDAY_ELECTION = 2,   /* "election": 선거일 */
    EO_HOLIDAY_TEMPORARY = 3,  /* "temporary": 임시공휴일 */
} eo_holiday_kind_t;

#define EO_HOLIDAY_NAME 96 /* bytes, with the NUL */

typedef struct {
    int32_t date; /* yyyymmdd */
    eo_holiday_kind_t kind;
    bool facility_closed; /* a 시설형 closed day (1.1, 설날/추석 day, 석가탄신일, 성탄절) */
    char name[EO_HOLIDAY_NAME];
} eo_holiday_t;

/* A 시설형 closed day (the facility does not open at all). */
bool eo_calendar_is_facility_closed(eo_calendar_t *self, int32_t date_key);
/* Copy the entry of a date into *out; false if the date is not a holiday. */
bool eo_calendar_get(eo_calendar_t *self, int32_t date_key, eo_holiday_t *out);
/* Copy the holidays from..to (inclusive, date keys; 0 = unbounded) in date order into
 * out (at most max); returns how many there are in the range (may exceed max). */
size_t eo_calendar_list(eo_calendar_t *self, int32_t from, int32_t to, eo_holiday_t *out,
                        size_t max);
/* The first instant >= t that is `minute_of_day` (e.g. 540 = 09:00) on a working day
 * (Monday-Friday, not a holiday), Seoul time: when a provider's business hours begin. */
eo_time_t eo_calendar_next_workday_at(eo_calendar_t *self, eo_time_t t, int minute_of_day);
/* The holidays from..to (date keys, 0 = unbounded) as a JSON array (compact, UTF-8) of
 * {"date","kind","facility_closed","name"}; the caller frees it; NULL if out of memory.
 * For GET /v1/holidays; POST/DELETE use eo_calendar_file_add/remove on
 * eo_calendar_path() and then eo_calendar_refresh(). */
char *eo_calendar_list_json(eo_calendar_t *self, int32_t from, int32_t to);
/* The file the calendar was loaded from. */
const char *eo_calendar_path(eo_calendar_t *self);

/* The last day the calendar covers (yyyymmdd): 31 December of the year of its last
 * holiday, as a year's holidays are published together; 0 if it lists none. */
int32_t eo_calendar_end(eo_calendar_t *self);
/* Whether the calendar ends within warn_days of now's Seoul date (or has ended, or is
 * empty): then true, with what to do in msg. *days_left gets the days from now's date to
 * the end (negative once past). Said in the log by the matcher, in GET /v1/ready and by
 * `eonjena check` (docs/operations.md "Data that expires"). */
bool eo_calendar_ends_soon(eo_calendar_t *self, eo_time_t now, int warn_days, int *days_left,
                           char *msg, size_t size);

/* Kind names as in the file ("holiday", "substitute", "election", "temporary"). */
const char *eo_holiday_kind_name(eo_holiday_kind_t kind);
int eo_holiday_kind_parse(const char *text, eo_holiday_kind_t *out);

/* Edit a calendar file in place, safely: the whole file is validated, the change made
 * with comments and order kept, written to a temporary file in the same folder, synced
 * and renamed over the original (readers see the old or the new file, never half).
 * add fails with EO_EEXIST if the date is already there, remove with EO_ENOTFOUND if it
 * is not; a bad file or argument gives EO_EINVAL with a message in err; I/O EO_EIO. */
int eo_calendar_file_add(const char *path, const eo_holiday_t *entry, char *err, size_t errlen);
int eo_calendar_file_remove(const char *path, int32_t date_key, char *err, size_t errlen);

void eo_calendar_test(bool verbose);

#endif
