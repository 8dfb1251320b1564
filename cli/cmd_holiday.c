/* eonjena holiday: list, add and remove dates of the holiday calendar file. A running
 * server picks the change up at its next eo_calendar_refresh (no restart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eo_calendar.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena holiday list [--year YYYY] [--file F]\n"
            "       eonjena holiday add YYYY-MM-DD NAME [--kind K] [--closed] [--file F]\n"
            "       eonjena holiday remove YYYY-MM-DD [--file F]\n\n"
            "Edit the holiday calendar (default: <data dir>/holidays.tsv). The file is\n"
            "validated, changed with its comments kept, and replaced atomically.\n"
            "  --kind K   holiday (default), substitute, election or temporary\n"
            "  --closed   a 시설형 closed day (never for a substitute day)\n");
}

typedef struct {
    const char *file, *kind, *year;
    bool closed;
    const char *pos[3];
    int n_pos;
} s_args_t;

static int s_parse(int argc, char **argv, s_args_t *a)
{
    for (int i = 1; i < argc; i++) {
        bool has_value = i + 1 < argc;
        if (streq(argv[i], "--file") && has_value)
            a->file = argv[++i];
        else if (streq(argv[i], "--kind") && has_value)
            a->kind = argv[++i];
        else if (streq(argv[i], "--year") && has_value)
            a->year = argv[++i];
        else if (streq(argv[i], "--closed"))
            a->closed = true;
        else if (argv[i][0] == '-' && argv[i][1] == '-') {
            fprintf(stderr, "eonjena holiday: unknown or incomplete option %s\n", argv[i]);
            return -1;
        } else if (a->n_pos < 3)
            a->pos[a->n_pos++] = argv[i];
        else {
            fprintf(stderr, "eonjena holiday: too many arguments\n");
            return -1;
        }
    }
    return 0;
}

static int s_list(const char *path, const char *year)
{
    char err[512];
    int y = 0;
    if (year && (sscanf(year, "%4d", &y) != 1 || y < 1900 || y > 2999)) {
        fprintf(stderr, "eonjena holiday: bad --year %s\n", year);
        return 2;
    }
    eo_calendar_t *cal = eo_calendar_load(path, err, sizeof err);
    if (!cal) {
        fprintf(stderr, "eonjena holiday: %s\n", err);
        return 1;
    }
    int32_t from = y ? y * 10000 + 101 : 0, to = y ? y * 10000 + 1231 : 0;
    size_t n = eo_calendar_list(cal, from, to, NULL, 0);
    eo_holiday_t *days = calloc(n ? n : 1, sizeof *days);
    if (!days) {
        eo_calendar_destroy(&cal);
        return 1;
    }
    eo_calendar_list(cal, from, to, days, n);
    for (size_t i = 0; i < n; i++)
        printf("%04d-%02d-%02d\t%s\t%s\t%s\n", days[i].date / 10000, days[i].date / 100 % 100,
               days[i].date % 100, eo_holiday_kind_name(days[i].kind),
               days[i].facility_closed ? "closed" : "open", days[i].name);
    free(days);
    eo_calendar_destroy(&cal);
    return 0;
}

int eo_cmd_holiday(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    s_args_t a = {0};
    if (s_parse(argc, argv, &a) || a.n_pos < 1) {
        s_usage(stderr);
        return 2;
    }
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s", a.file ? a.file : "");
    if (!a.file)
        snprintf(path, sizeof path, "%s/holidays.tsv", eo_data_dir());
    const char *verb = a.pos[0];
    if (streq(verb, "list") && a.n_pos == 1)
        return s_list(path, a.year);
    int32_t date;
    if ((streq(verb, "add") && a.n_pos == 3) || (streq(verb, "remove") && a.n_pos == 2)) {
        if (eo_date_parse(a.pos[1], &date)) {
            fprintf(stderr, "eonjena holiday: bad date '%s' (want YYYY-MM-DD)\n", a.pos[1]);
            return 2;
        }
    } else {
        s_usage(stderr);
        return 2;
    }
    int rc;
    if (streq(verb, "add")) {
        eo_holiday_t h = {.date = date, .facility_closed = a.closed};
        if (eo_holiday_kind_parse(a.kind ? a.kind : "holiday", &h.kind)) {
            fprintf(stderr, "eonjena holiday: bad --kind '%s'\n", a.kind);
            return 2;
        }
        snprintf(h.name, sizeof h.name, "%s", a.pos[2]);
        if (strlen(a.pos[2]) >= sizeof h.name) {
            fprintf(stderr, "eonjena holiday: name too long\n");
            return 2;
        }
        rc = eo_calendar_file_add(path, &h, err, sizeof err);
    } else
        rc = eo_calendar_file_remove(path, date, err, sizeof err);
    if (rc) {
        fprintf(stderr, "eonjena holiday: %s (%s)\n", err, eo_strerror(rc));
        return 1;
    }
    printf("%s %s: ok\n", verb, a.pos[1]);
    return 0;
}
