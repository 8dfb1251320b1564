/* eonjena purge: personal-data retention (docs/domain.md "Personal data": applicants' data is
 * kept 3 years after the service ends, then deleted). Removes names, phones and
 * addresses from delivered hand-off items whose service ended before the cut-off and
 * keeps the rest as anonymised records for statistics.
 *
 * Both stores of personal data are purged with the same cut-off: the matcher's closed
 * cases (eo_cases_purge) and the hand-off items already delivered to providers. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eonjena.h"
#include "handoff/handoff.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena purge [--before DATE] [--db DIR] [--config FILE] [--clock SPEC]\n\n"
            "Remove names, phones and addresses from closed cases and delivered hand-off\n"
            "items whose service ended before DATE (YYYY-MM-DD, Seoul), keeping anonymised records. DATE defaults\n"
            "to today minus handoff/retention_years (3) and may not be later than that.\n\n"
            "  --before DATE   cut-off date\n"
            "  --db DIR        the LMDB store (var/store)\n"
            "  --config FILE   configuration (etc/eonjena.cfg)\n"
            "  --clock SPEC    what 'today' is: system, manual:<time> (tests)\n");
}

/* Midnight (Seoul) of the day `years` before now. */
static eo_time_t s_retention_cut(eo_time_t now, int years)
{
    eo_local_t l;
    eo_time_local(now, &l);
    return eo_time_from_local(l.year - years, l.month, l.day, 0, 0, 0);
}

static int s_purge(const char *db, eo_time_t before, size_t *cases, size_t *items)
{
    eo_store_t *store = eo_store_new(db, 0, 0);
    if (!store)
        return EO_ESTORE;
    int rc = eo_cases_purge(store, before, cases);
    eo_handoff_queue_t *queue = rc ? NULL : eo_handoff_queue_new(store);
    if (!rc)
        rc = queue ? eo_handoff_queue_purge(queue, before, items) : EO_ESTORE;
    eo_handoff_queue_destroy(&queue);
    eo_store_destroy(&store);
    return rc;
}

int eo_cmd_purge(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    const char *before_text = NULL, *db = "var/store",
               *config_path = EO_SOURCE_DIR "/etc/eonjena.cfg", *clock_spec = "system";
    for (int i = 1; i < argc; i++) {
        const char **slot = streq(argv[i], "--before")   ? &before_text
                            : streq(argv[i], "--db")     ? &db
                            : streq(argv[i], "--config") ? &config_path
                            : streq(argv[i], "--clock")  ? &clock_spec
                                                         : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "eonjena purge: %s '%s'\n", slot ? "missing value for" : "unknown option",
                    argv[i]);
            s_usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    int status = 2;
    zconfig_t *config = zconfig_load(config_path);
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    char err[256];
    if (!config)
        fprintf(stderr, "eonjena purge: cannot read configuration %s\n", config_path);
    else if (!clock)
        fprintf(stderr, "eonjena purge: bad --clock '%s'\n", clock_spec);
    else if (eo_handoff_config_load(&cfg, config, err, sizeof err))
        fprintf(stderr, "eonjena purge: %s\n", err);
    else {
        eo_time_t cut = s_retention_cut(eo_clock_now(clock), cfg.retention_years), before = cut;
        int32_t key = 0;
        struct stat st;
        char buf[32];
        if (before_text && eo_date_parse(before_text, &key))
            fprintf(stderr, "eonjena purge: --before '%s' is not a date (YYYY-MM-DD)\n",
                    before_text);
        else if (key && (before = eo_time_from_local(key / 10000, key / 100 % 100, key % 100, 0,
                                                     0, 0)) > cut)
            fprintf(stderr,
                    "eonjena purge: %s is inside the retention period of %d years (latest "
                    "allowed %.10s): nothing changed\n",
                    before_text, cfg.retention_years, eo_time_format(cut, buf, sizeof buf));
        else if (stat(db, &st) || !S_ISDIR(st.st_mode))
            fprintf(stderr, "eonjena purge: no store at %s\n", db);
        else {
            size_t cases = 0, items = 0;
            if (s_purge(db, before, &cases, &items) == EO_OK) {
                printf("purged %zu cases and %zu hand-off items whose service ended before "
                       "%.10s\n",
                       cases, items, eo_time_format(before, buf, sizeof buf));
                status = 0;
            } else {
                fprintf(stderr, "eonjena purge: the store at %s failed (see log)\n", db);
                status = 1;
            }
        }
    }
    eo_clock_destroy(&clock);
    zconfig_destroy(&config);
    return status;
}
