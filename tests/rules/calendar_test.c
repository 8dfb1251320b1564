/* calendar.*: every date of docs/domain.md is in data/holidays.tsv with the right kind, the
 * 시설형 closed days are exactly those of docs/domain.md, and an edit of a copied file is
 * picked up by eo_calendar_refresh without a restart (a bad edit changes nothing). */
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eonjena/eo_calendar.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"

/* docs/domain.md "Dates we know", expanded (a..b ranges written out). */
static const int32_t s_domain_dates[] = {
    20240101, 20240209, 20240210, 20240211, 20240212, 20240301, 20240410, 20240506, 20240515,
    20240606, 20240815, 20240916, 20240917, 20240918, 20241001, 20241003, 20241009, 20241225,
    20250101, 20250127, 20250128, 20250129, 20250130, 20250301, 20250303, 20250505, 20250506,
    20250603, 20250606, 20250815, 20251003, 20251005, 20251006, 20251007, 20251008, 20251009,
    20251225, 20260101, 20260216, 20260217, 20260218, 20260301, 20260302, 20260501, 20260505,
    20260524, 20260525, 20260603, 20260606, 20260717, 20260815, 20260817, 20260924, 20260925,
    20260926, 20261003, 20261005, 20261009, 20261225, 20270101, 20270206, 20270207, 20270208,
    20270209, 20270301, 20270501, 20270503, 20270505, 20270513, 20270606, 20270717, 20270719,
    20270815, 20270816, 20270914, 20270915, 20270916, 20271003, 20271004, 20271009, 20271011,
    20271225, 20271227,
};

/* 대체공휴일 among them (by the substitute rules of docs/domain.md). */
static const int32_t s_substitutes[] = {
    20240212, 20240506, 20250303, 20250506, 20251008, 20260302, 20260525, 20260817,
    20261005, 20270209, 20270503, 20270719, 20270816, 20271004, 20271011, 20271227,
};

/* 시설형 closed days: 1.1, 설날 and 추석 day itself, 석가탄신일, 성탄절. */
static const int32_t s_closed[] = {
    20240101, 20240210, 20240515, 20240917, 20241225, 20250101, 20250129,
    20250505, 20251006, 20251225, 20260101, 20260217, 20260524, 20260925,
    20261225, 20270101, 20270207, 20270513, 20270915, 20271225,
};

static bool s_member(const int32_t *list, size_t n, int32_t d)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == d) return true;
    return false;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void s_check_domain_dates(eo_calendar_t *cal)
{
    size_t n_dates = N(s_domain_dates);
    assert(n_dates == 83);
    /* Exactly those dates between 2024 and 2027, nothing else. */
    assert(eo_calendar_list(cal, 20240101, 20271231, NULL, 0) == n_dates);
    for (size_t i = 0; i < n_dates; i++) {
        int32_t d = s_domain_dates[i];
        assert(eo_calendar_is_holiday(cal, d));
        assert(eo_calendar_is_day_off(cal, d));
        assert(eo_calendar_is_substitute(cal, d) ==
               s_member(s_substitutes, N(s_substitutes), d));
        assert(eo_calendar_is_facility_closed(cal, d) == s_member(s_closed, N(s_closed), d));
    }
    /* A substitute day is never a closed day. */
    for (size_t i = 0; i < N(s_substitutes); i++)
        assert(!eo_calendar_is_facility_closed(cal, s_substitutes[i]));
    /* Election days are holidays of kind election. */
    eo_holiday_t h;
    assert(eo_calendar_get(cal, 20240410, &h) && h.kind == EO_HOLIDAY_ELECTION);
    assert(eo_calendar_get(cal, 20250603, &h) && h.kind == EO_HOLIDAY_ELECTION);
    assert(eo_calendar_get(cal, 20260603, &h) && h.kind == EO_HOLIDAY_ELECTION);
    assert(eo_calendar_get(cal, 20260925, &h) && streq(h.name, "추석"));
    /* Weekends are days off but not holidays; plain weekdays neither. */
    assert(!eo_calendar_is_holiday(cal, 20261128) && eo_calendar_is_day_off(cal, 20261128));
    assert(!eo_calendar_is_holiday(cal, 20261129) && eo_calendar_is_day_off(cal, 20261129));
    assert(!eo_calendar_is_day_off(cal, 20261127));
    /* 6.6 on a Saturday (2026) and Sunday (2027) gets no substitute; nor does 1.1. */
    assert(!eo_calendar_is_holiday(cal, 20260608) && !eo_calendar_is_holiday(cal, 20270607));
    printf("calendar.dates: %zu dates, %zu substitutes, %zu closed days ok\n", n_dates,
           N(s_substitutes), N(s_closed));
}

static void s_check_business_start(eo_calendar_t *cal)
{
    /* Friday 2026-10-02 20:00 -> Sat, Sun, Mon 10-05 (substitute): Tuesday 09:00. */
    eo_time_t t = eo_time_from_local(2026, 10, 2, 20, 0, 0);
    assert(eo_calendar_next_workday_at(cal, t, 540) ==
           eo_time_from_local(2026, 10, 6, 9, 0, 0));
    /* A working day before 09:00: the same day; at 09:00 exactly: itself. */
    t = eo_time_from_local(2026, 11, 23, 5, 59, 0);
    assert(eo_calendar_next_workday_at(cal, t, 540) ==
           eo_time_from_local(2026, 11, 23, 9, 0, 0));
    t = eo_time_from_local(2026, 11, 23, 9, 0, 0);
    assert(eo_calendar_next_workday_at(cal, t, 540) == t);
    t = eo_time_from_local(2026, 11, 23, 9, 0, 1);
    assert(eo_calendar_next_workday_at(cal, t, 540) ==
           eo_time_from_local(2026, 11, 24, 9, 0, 0));
}

static void s_copy(const char *from, const char *to)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert(system(cmd) == 0);
}

static void s_check_refresh(const char *tmp, const char *src)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/holidays.tsv", tmp);
    s_copy(src, path);
    eo_calendar_t *cal = eo_calendar_load(path, err, sizeof err);
    assert(cal);
    assert(!eo_calendar_is_holiday(cal, 20261124));
    assert(eo_calendar_refresh(cal) == EO_OK); /* unchanged: a no-op */

    eo_holiday_t h = {.date = 20261124, .kind = EO_HOLIDAY_TEMPORARY};
    snprintf(h.name, sizeof h.name, "임시공휴일");
    assert(eo_calendar_file_add(path, &h, err, sizeof err) == EO_OK);
    assert(eo_calendar_file_add(path, &h, err, sizeof err) == EO_EEXIST);
    eo_holiday_t nl = {.date = 20261126, .kind = EO_HOLIDAY_TEMPORARY};
    snprintf(nl.name, sizeof nl.name, "two\nlines");
    assert(eo_calendar_file_add(path, &nl, err, sizeof err) == EO_EINVAL);
    nl.kind = EO_HOLIDAY_SUBSTITUTE;
    nl.facility_closed = true;
    snprintf(nl.name, sizeof nl.name, "closed substitute");
    assert(eo_calendar_file_add(path, &nl, err, sizeof err) == EO_EINVAL);
    assert(eo_calendar_file_add("/nonexistent/h.tsv", &h, err, sizeof err) == EO_EIO);
    /* Not yet seen: the table changes only at refresh. */
    assert(!eo_calendar_is_holiday(cal, 20261124));
    assert(eo_calendar_refresh(cal) == EO_OK);
    assert(eo_calendar_is_holiday(cal, 20261124) && eo_calendar_is_day_off(cal, 20261124));
    /* Comments survive an edit. */
    FILE *f = fopen(path, "r");
    char line[512];
    int comments = 0;
    while (fgets(line, sizeof line, f))
        comments += line[0] == '#';
    fclose(f);
    assert(comments >= 8);

    /* A broken file: refresh fails and the old table stays in force. */
    f = fopen(path, "a");
    fprintf(f, "2026-13-01\tholiday\topen\tbroken\n");
    fclose(f);
    assert(eo_calendar_refresh(cal) != EO_OK);
    assert(eo_calendar_is_holiday(cal, 20261124) && eo_calendar_is_holiday(cal, 20260101));
    /* And an edit of a broken file is refused without touching it. */
    struct stat before, after;
    stat(path, &before);
    assert(eo_calendar_file_remove(path, 20261124, err, sizeof err) == EO_EINVAL);
    assert(strstr(err, "bad date"));
    stat(path, &after);
    assert(before.st_ino == after.st_ino && before.st_size == after.st_size);

    /* Repaired and the date removed: gone after refresh. */
    s_copy(src, path);
    assert(eo_calendar_refresh(cal) == EO_OK);
    assert(!eo_calendar_is_holiday(cal, 20261124));
    assert(eo_calendar_file_remove(path, 20261124, err, sizeof err) == EO_ENOTFOUND);
    assert(eo_calendar_file_remove(path, 20261225, err, sizeof err) == EO_OK);
    assert(eo_calendar_refresh(cal) == EO_OK && !eo_calendar_is_holiday(cal, 20261225));
    eo_calendar_destroy(&cal);
    assert(!cal);
    printf("calendar.refresh: ok\n");
}

static void s_check_bad_files(const char *tmp)
{
    static const char *bad[] = {
        "2026-01-01\tholiday\tclosed\n",                                /* 3 fields */
        "2026-01-01\tfeast\topen\tx\n",                                 /* kind */
        "2026-01-01\tholiday\tshut\tx\n",                               /* facility */
        "2026-01-01\tsubstitute\tclosed\tx\n",                          /* closed substitute */
        "2026-01-01\tholiday\topen\tx\n2026-01-01\tholiday\topen\ty\n", /* twice */
        "26-01-01\tholiday\topen\tx\n",                                 /* date */
    };
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/bad.tsv", tmp);
    for (size_t i = 0; i < N(bad); i++) {
        FILE *f = fopen(path, "w");
        fprintf(f, "# header\n%s", bad[i]);
        fclose(f);
        eo_calendar_t *cal = eo_calendar_load(path, err, sizeof err);
        assert(cal == NULL);
        assert(strstr(err, "bad.tsv"));
    }
    printf("calendar.bad_files: %zu rejected with a message\n", N(bad));
    /* A file with no day in it (a new year not filled in yet) is a calendar without
     * holidays, not an error (nor an empty sort, which UBSan would stop on). */
    FILE *f = fopen(path, "w");
    fprintf(f, "# header\n");
    fclose(f);
    eo_calendar_t *cal = eo_calendar_load(path, err, sizeof err);
    assert(cal);
    assert(!eo_calendar_is_holiday(cal, 20260101));
    eo_calendar_destroy(&cal);
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    const char *srcdir = getenv("EO_SOURCE_DIR");
    assert(tmp && srcdir);
    char cmd[1200], src[1024], err[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    assert(system(cmd) == 0);
    snprintf(src, sizeof src, "%s/data/holidays.tsv", srcdir);
    eo_calendar_t *cal = eo_calendar_load(src, err, sizeof err);
    if (!cal) fprintf(stderr, "%s\n", err);
    assert(cal);
    s_check_domain_dates(cal);
    s_check_business_start(cal);
    eo_calendar_destroy(&cal);
    s_check_refresh(tmp, src);
    s_check_bad_files(tmp);
    return 0;
}
