/* eonjena check: verify the invariants of docs/architecture.md over a store. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_error.h"

static const char s_about[] =
    "Verify the store: every entry of every tree readable and in order (a\n"
    "damaged store is reported, never a crash), then the invariants: at\n"
    "most the needed winners per\n"
    "request, no carer booked into two overlapping services, no carer\n"
    "over a weekly or monthly cap, no offer carrying a child's name or\n"
    "an address, every live request with its timer.\n"
    "Exit 0 when all hold, 1 naming the first violation, 2 on bad usage\n"
    "or no store.";

int eo_cmd_check(int argc, char **argv)
{
    const char *store = "var/store";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store to check (var/store)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena check",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN)
        return rc;
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
    if (eo_cli_cases_open(&cc, store, EO_STORE_READONLY))
        return 2;
    MDB_txn *txn = NULL;
    rc = eo_store_begin(cc.store, false, &txn);
    if (rc == EO_OK)
        rc = eo_cases_check(cc.cases, txn, why, sizeof why);
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
    return 0;
}
