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
#include "common/config.h"
#include "common/opts.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eonjena.h"
#include "handoff/handoff.h"

/* Midnight (Seoul) of the day `years` before now. */
static eo_time_t s_retention_cut(eo_time_t now, int years)
{
    eo_local_t l;
    eo_time_local(now, &l);
    return eo_time_from_local(l.year - years, l.month, l.day, 0, 0, 0);
}

static int s_purge(const char *dir, eo_time_t before, size_t *cases, size_t *items)
{
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_EXISTING);
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

static const char s_about[] =
    "Remove names, phones and addresses from closed cases and delivered\n"
    "hand-off items whose service ended before DATE, keeping anonymised\n"
    "records. DATE defaults to today minus handoff/retention_years (3)\n"
    "and may not be later than that.";

int eo_cmd_purge(int argc, char **argv)
{
    char state_store[4096];
    snprintf(state_store, sizeof state_store, "%s/store", eo_paths_state());
    const char *before_text = NULL, *store = state_store, *config_path = eo_paths_config(),
               *clock_spec = "system";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("before", "DATE", &before_text, "cut-off date (YYYY-MM-DD, Seoul)"),
        EO_OPT_VALUE("store", "DIR", &store, "the LMDB store (var/store)"),
        EO_OPT_VALUE("config", "FILE", &config_path, "configuration (etc/eonjena.cfg)"),
        EO_OPT_VALUE("clock", "SPEC", &clock_spec,
                     "what 'today' is: system, manual:<time> (tests)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena purge",
                   .about = s_about,
                   .opts = opts};
    int status = eo_opts_parse(&o, argc, argv);
    if (status != EO_OPTS_RUN)
        return status;
    status = 2;
    char err[8192];
    zconfig_t *config = eo_config_load(config_path, err, sizeof err);
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    if (!config)
        fprintf(stderr, "eonjena purge: configuration refused:\n%s\n", err);
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
        else if (stat(store, &st) || !S_ISDIR(st.st_mode))
            fprintf(stderr, "eonjena purge: no store at %s\n", store);
        else {
            size_t cases = 0, items = 0;
            if (s_purge(store, before, &cases, &items) == EO_OK) {
                printf("purged %zu cases and %zu hand-off items whose service ended before "
                       "%.10s\n",
                       cases, items, eo_time_format(before, buf, sizeof buf));
                status = 0;
            } else {
                fprintf(stderr, "eonjena purge: the store at %s failed (see log)\n", store);
                status = 1;
            }
        }
    }
    eo_clock_destroy(&clock);
    zconfig_destroy(&config);
    return status;
}
