/* eonjena check: verify the invariants of docs/architecture.md over a store. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "eonjena/eo_calendar.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_error.h"

static const char s_about[] =
    "Verify the store: every entry of every tree readable and in order (a\n"
    "damaged store is reported, never a crash), then the invariants: at\n"
    "most the needed winners per\n"
    "request, no carer booked into two overlapping services, no carer\n"
    "over a weekly or monthly cap, no offer carrying a child's name or\n"
    "an address, every live request with its timer.\n"
    "Exit 0 when all hold, 1 naming the first violation, 2 on bad usage\n"
    "or no store. Then data that runs out is shown, without changing the\n"
    "exit status: a line \"warning: ...\" when the holiday calendar of the\n"
    "configuration ends within rules/calendar_warn_days of --clock.";

/* Warnings of the configuration's data that runs out (the holiday calendar); they never
 * change the store's verdict (a configuration that cannot be read is said on stderr). */
static int s_warnings(const char *config_path, const char *clock_spec)
{
    zconfig_t *config = eo_config_open("check", config_path);
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    char err[512], msg[1200];
    eo_calendar_t *cal = config ? eo_calendar_load_config(config, err, sizeof err) : NULL;
    if (config && !cal) fprintf(stderr, "eonjena check: %s\n", err);
    int left, warn = eo_calendar_warn_days(config);
    if (cal && clock &&
        eo_calendar_ends_soon(cal, eo_clock_now(clock), warn, &left, msg, sizeof msg))
        printf("warning: %s (%s)\n", msg, eo_calendar_path(cal));
    eo_calendar_destroy(&cal);
    eo_clock_destroy(&clock);
    zconfig_destroy(&config);
    return 0;
}

int eo_cmd_check(int argc, char **argv)
{
    const char *store = "var/store", *config = eo_paths_config(), *clock = "system";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store to check (var/store)"),
        EO_OPT_VALUE("config", "FILE", &config, "the configuration (for the calendar)"),
        EO_OPT_VALUE("clock", "SPEC", &clock, "now, for data that runs out (system)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena check", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    /* every page of every tree first: a damaged store is a finding, not a crash */
    char why[512];
    rc = eo_store_verify(store, why, sizeof why);
    if (rc == EO_ENOTFOUND) {
        fprintf(stderr, "eonjena check: %s\n", why);
        return 2;
    }
    if (rc) {
        printf("damaged: %s\n", why);
        return 1;
    }
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, store, EO_STORE_READONLY)) return 2;
    MDB_txn *txn = NULL;
    rc = eo_store_begin(cc.store, false, &txn);
    if (rc == EO_OK) rc = eo_cases_check(cc.cases, txn, why, sizeof why);
    eo_store_abort(&txn);
    eo_cli_cases_close(&cc);
    if (rc == EO_EINVAL) {
        printf("violation: %s\n", why);
        return 1;
    }
    if (rc) {
        fprintf(stderr, "eonjena check: %s\n", eo_strerror(rc));
        return 2;
    }
    printf("ok: every invariant holds\n");
    return s_warnings(config, clock);
}
