/* eonjena holiday: list, add and remove dates of the holiday calendar file. A running
 * server picks the change up at its next eo_calendar_refresh (no restart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_calendar.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_time.h"

typedef struct {
    const char *file, *kind, *year;
    bool closed;
    const char *verb, *date; /* the positional arguments: list | add DATE NAME | remove DATE */
    eo_holiday_t day;        /* add / remove: the date (and for add kind, name, closed) */
} s_args_t;

static const char s_about[] =
    "Edit the holiday calendar. The file is validated, changed with its\n"
    "comments kept, and replaced atomically.";

/* The command line into *a, the verb and its arguments checked; EO_OPTS_RUN, or the exit
 * status. */
static int s_parse(int argc, char **argv, s_args_t *a)
{
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("file", "F", &a->file, "the calendar (<data dir>/holidays.tsv)"),
        EO_OPT_VALUE("year", "YYYY", &a->year, "list: only this year"),
        EO_OPT_VALUE("kind", "K", &a->kind,
                     "add: holiday (default), substitute, election or temporary"),
        EO_OPT_FLAG("closed", &a->closed,
                    "add: a 시설형 closed day (never for a substitute day)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena holiday",
                   .forms = "list\n"
                            "add YYYY-MM-DD NAME\n"
                            "remove YYYY-MM-DD",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    const char *verb = a->verb = o.args[0], *name = o.args[2];
    a->date = o.args[1];
    int n = o.n_args;
    if (!(streq(verb, "list") && n == 1) && !(streq(verb, "add") && n == 3) &&
        !(streq(verb, "remove") && n == 2))
        return eo_opts_fail(&o, "want list, add DATE NAME or remove DATE");
    int y = 0;
    if (a->year && (sscanf(a->year, "%4d", &y) != 1 || y < 1900 || y > 2999))
        return eo_opts_fail(&o, "bad --year '%s'", a->year);
    if (a->date && eo_date_parse(a->date, &a->day.date))
        return eo_opts_fail(&o, "bad date '%s' (want YYYY-MM-DD)", a->date);
    if (!name) /* list, remove */
        return EO_OPTS_RUN;
    a->day.facility_closed = a->closed;
    if (eo_holiday_kind_parse(a->kind ? a->kind : "holiday", &a->day.kind))
        return eo_opts_fail(&o, "bad --kind '%s'", a->kind);
    if (strlen(name) >= sizeof a->day.name) return eo_opts_fail(&o, "name too long");
    snprintf(a->day.name, sizeof a->day.name, "%s", name);
    return EO_OPTS_RUN;
}

static int s_list(const char *path, const char *year)
{
    char err[512];
    int y = 0;
    if (year) sscanf(year, "%4d", &y); /* checked by s_parse */
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
    s_args_t a = {0};
    int rc = s_parse(argc, argv, &a);
    if (rc != EO_OPTS_RUN) return rc;
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s", a.file ? a.file : "");
    if (!a.file) snprintf(path, sizeof path, "%s/holidays.tsv", eo_data_dir());
    const char *verb = a.verb;
    if (streq(verb, "list")) return s_list(path, a.year);
    if (streq(verb, "add"))
        rc = eo_calendar_file_add(path, &a.day, err, sizeof err);
    else
        rc = eo_calendar_file_remove(path, a.day.date, err, sizeof err);
    if (rc) {
        fprintf(stderr, "eonjena holiday: %s (%s)\n", err, eo_strerror(rc));
        return 1;
    }
    printf("%s %s: ok\n", verb, a.date);
    return 0;
}
