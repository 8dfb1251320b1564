/* eonjena log: print a request's event log and verify its hash chain. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "eonjena/eo_error.h"

int eo_cmd_log(int argc, char **argv)
{
    const char *db = "var/store", *id = NULL;
    if (eo_cli_wants_help(argc, argv)) {
        printf("usage: eonjena log REQUEST_ID [--db DIR]\n\n"
               "Print every transition of a request (who, what, when) from its\n"
               "append-only log and verify the SHA-256 hash chain. Exit 0 if the chain\n"
               "verifies, 1 if it is broken, 2 on bad usage or an unknown request.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else {
            fprintf(stderr, "eonjena log: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!id) {
        fprintf(stderr, "usage: eonjena log REQUEST_ID [--db DIR]\n");
        return 2;
    }
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, db, EO_STORE_READONLY))
        return 2;
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(cc.store, false, &txn);
    if (rc == EO_OK)
        rc = eo_cases_log_print(cc.cases, txn, id, stdout);
    eo_store_abort(&txn);
    eo_cli_cases_close(&cc);
    if (rc == EO_ENOTFOUND)
        fprintf(stderr, "eonjena log: no request '%s'\n", id);
    return rc == EO_OK ? 0 : rc == EO_EINVAL ? 1 : 2;
}
