/* eonjena purge: the retention run (docs/retention.md) on a store, now: the same code a
 * matcher runs on its daily schedule (eo_retention_run), then the hand-off items
 * delivered to providers, with the same privacy cut-off. --compact then rewrites the
 * data file without its free pages, so deleted bytes are gone from the disk too (the
 * store must not be open by a role). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_retention.h"
#include "eonjena/eonjena.h"
#include "handoff/handoff.h"

static int s_purge(const char *dir, const eo_retention_config_t *cfg, int64_t now_ms,
                   const eo_retention_cuts_t *cuts, eo_retention_counts_t *counts,
                   size_t *items)
{
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, dir, EO_STORE_EXISTING)) return EO_ESTORE;
    eo_retention_t *run = eo_retention_new(cc.cases, cfg);
    int rc = run ? eo_retention_run(run, now_ms, cuts, counts) : EO_ENOMEM;
    eo_retention_destroy(&run);
    eo_handoff_queue_t *queue = rc ? NULL : eo_handoff_queue_new(cc.store);
    if (rc == EO_OK)
        rc = queue ? eo_handoff_queue_purge(queue, cuts->privacy_before, items) : EO_ESTORE;
    eo_handoff_queue_destroy(&queue);
    eo_cli_cases_close(&cc);
    return rc;
}

static int s_compact(const char *dir)
{
    size_t before = 0, after = 0;
    char why[512] = "";
    int rc = eo_store_compact(dir, &before, &after, why, sizeof why);
    if (rc == EO_OK)
        printf("compacted %s: %zu KiB -> %zu KiB\n", dir, before >> 10, after >> 10);
    else
        fprintf(stderr, "eonjena purge: %s\n", why);
    return rc;
}

static const char s_about[] =
    "The retention run, now: remove names, phones and addresses from closed\n"
    "cases and delivered hand-off items whose service ended before DATE\n"
    "(default: today minus handoff/retention_years, 3; never later), delete\n"
    "closed cases older than store/retire_days whole, and keep a checkpoint\n"
    "so `eonjena log` and `eonjena replay` verify what remains. --compact\n"
    "then rewrites the data file without free pages (stop the roles first).";

/* The cut-offs: the configuration's at now, the privacy one moved back to --before. */
static int s_cuts(const eo_retention_config_t *cfg, eo_time_t now, const char *before_text,
                  eo_retention_cuts_t *cuts)
{
    eo_retention_cuts(cfg, now, cuts);
    int32_t key = 0;
    char buf[32];
    if (!before_text) return 0;
    if (eo_date_parse(before_text, &key)) {
        fprintf(stderr, "eonjena purge: --before '%s' is not a date (YYYY-MM-DD)\n",
                before_text);
        return -1;
    }
    eo_time_t before = eo_time_from_local(key / 10000, key / 100 % 100, key % 100, 0, 0, 0);
    if (before > cuts->privacy_before) {
        fprintf(stderr,
                "eonjena purge: %s is inside the retention period of %d years (latest "
                "allowed %.10s): nothing changed\n",
                before_text, cfg->retention_years,
                eo_time_format(cuts->privacy_before, buf, sizeof buf));
        return -1;
    }
    cuts->privacy_before = before;
    return 0;
}

int eo_cmd_purge(int argc, char **argv)
{
    char state_store[4096];
    snprintf(state_store, sizeof state_store, "%s/store", eo_paths_state());
    const char *before_text = NULL, *store = state_store, *config_path = eo_paths_config(),
               *clock_spec = "system";
    bool compact = false;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("before", "DATE", &before_text,
                     "privacy cut-off date (YYYY-MM-DD, Seoul)"),
        EO_OPT_VALUE("store", "DIR", &store, "the LMDB store (var/store)"),
        EO_OPT_VALUE("config", "FILE", &config_path, "configuration (etc/eonjena.cfg)"),
        EO_OPT_VALUE("clock", "SPEC", &clock_spec,
                     "what 'today' is: system, manual:<time> (tests)"),
        EO_OPT_FLAG("compact", &compact, "rewrite the data file without free pages"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena purge", .about = s_about, .opts = opts};
    int status = eo_opts_parse(&o, argc, argv);
    if (status != EO_OPTS_RUN) return status;
    status = 2;
    char err[8192];
    zconfig_t *config = eo_config_load(config_path, err, sizeof err);
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    eo_retention_config_t cfg;
    eo_retention_config_defaults(&cfg);
    eo_retention_cuts_t cuts;
    struct stat st;
    char buf[32];
    if (!config)
        fprintf(stderr, "eonjena purge: configuration refused:\n%s\n", err);
    else if (!clock)
        fprintf(stderr, "eonjena purge: bad --clock '%s'\n", clock_spec);
    else if (eo_retention_config_load(&cfg, config, err, sizeof err))
        fprintf(stderr, "eonjena purge: %s\n", err);
    else if (s_cuts(&cfg, eo_clock_now(clock), before_text, &cuts))
        ;
    else if (stat(store, &st) || !S_ISDIR(st.st_mode))
        fprintf(stderr, "eonjena purge: no store at %s\n", store);
    else {
        eo_retention_counts_t n = {0};
        size_t items = 0;
        status = 1;
        if (s_purge(store, &cfg, eo_clock_now_ms(clock), &cuts, &n, &items) != EO_OK)
            fprintf(stderr, "eonjena purge: the store at %s failed (see log)\n", store);
        else {
            printf("purged %zu cases and %zu hand-off items whose service ended before %.10s\n",
                   n.anonymised, items, eo_time_format(cuts.privacy_before, buf, sizeof buf));
            printf("deleted %zu closed cases, %zu members, %zu seen entries, %zu minutes rows "
                   "and %zu inputs; checkpoint-%llu\n",
                   n.retired, n.members, n.seen, n.minutes, n.inputs,
                   (unsigned long long)n.checkpoint);
            status = compact && s_compact(store) != EO_OK ? 1 : 0;
        }
    }
    eo_clock_destroy(&clock);
    zconfig_destroy(&config);
    return status;
}
