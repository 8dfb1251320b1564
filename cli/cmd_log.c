/* eonjena log: print a request's event log and verify its hash chain. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_retention.h"

static const char s_about[] =
    "Print every transition of a request (who, what, when) from its\n"
    "append-only log and verify the SHA-256 hash chain. Exit 0 if the\n"
    "chain verifies, 1 if it is broken, 2 on bad usage, no store or an\n"
    "unknown request. When the retention deleted older inputs, the\n"
    "checkpoint that stands for them is verified too (1 if it does not).";

int eo_cmd_log(int argc, char **argv)
{
    const char *store = "var/store";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store that holds the request (var/store)"),
        EO_OPT_END,
    };
    eo_opts_t o = {
        .prog = "eonjena log", .forms = "REQUEST_ID", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    const char *id = o.args[0];
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, store, EO_STORE_READONLY)) return 2;
    MDB_txn *txn = NULL;
    rc = eo_store_begin(cc.store, false, &txn);
    if (rc == EO_OK) rc = eo_cases_log_print(cc.cases, txn, id, stdout);
    eo_store_abort(&txn);
    /* the chain above starts with the case; the store's earlier history is stood for by
     * the checkpoint, whose digest must still match */
    eo_checkpoint_t ck;
    char why[512] = "";
    int crc = rc == EO_OK ? eo_checkpoint_verify(cc.store, &ck, why, sizeof why) : EO_ENOTFOUND;
    if (crc == EO_OK)
        printf("%s\n", why);
    else if (crc != EO_ENOTFOUND) {
        fprintf(stderr, "eonjena log: %s\n", why[0] ? why : "the checkpoint cannot be read");
        rc = EO_EINVAL;
    }
    eo_cli_cases_close(&cc);
    if (rc == EO_ENOTFOUND) fprintf(stderr, "eonjena log: no request '%s'\n", id);
    return rc == EO_OK ? 0 : rc == EO_EINVAL ? 1 : 2;
}
