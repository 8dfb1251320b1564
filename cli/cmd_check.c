/* eonjena check: verify the invariants of docs/architecture.md over a store. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "eonjena/eo_error.h"

int eo_cmd_check(int argc, char **argv)
{
    const char *db = "var/store";
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (eo_cli_wants_help(argc, argv)) {
            printf("usage: eonjena check [--db DIR]\n\n"
                   "Verify the invariants over a store (default var/store): at most the\n"
                   "needed winners per request, no carer booked into two overlapping\n"
                   "services, no carer over a weekly or monthly cap, no offer carrying a\n"
                   "child's name or an address, every live request with its timer.\n"
                   "Exit 0 when all hold, 1 naming the first violation, 2 on bad usage.\n");
            return 0;
        } else {
            fprintf(stderr, "eonjena check: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, db, EO_STORE_READONLY))
        return 2;
    MDB_txn *txn = NULL;
    char why[512];
    int rc = eo_store_begin(cc.store, false, &txn);
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
