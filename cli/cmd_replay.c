/* eonjena replay: rebuild a fresh store (--into) from a store's input log (--store) and
 * compare the decisions. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>
#include <sys/stat.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_retention.h"

static int s_digest(eo_cli_cases_t *cc, char *hex)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(cc->store, false, &txn);
    if (rc == EO_OK) rc = eo_cases_digest(cc->cases, txn, hex);
    eo_store_abort(&txn);
    return rc;
}

static const char s_about[] =
    "Feed every input recorded in the store DIR (requests, answers, delivery\n"
    "reports, carer loads, timer firings, each with its clock) into a fresh\n"
    "store NEWDIR, then compare the decisions (waves, offers, winners, the\n"
    "journals' hashes) of both. A store whose older inputs the retention\n"
    "deleted starts NEWDIR from its checkpoint, whose digest is checked\n"
    "first. DIR is only read. Prints one JSON line;\n"
    "exit 0 if the decisions are the same, 1 if they differ, 2 on bad usage.";

int eo_cmd_replay(int argc, char **argv)
{
    const char *from = "var/store", *into = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &from,
                     "the store whose input log is replayed (var/store)"),
        EO_OPT_VALUE("into", "NEWDIR", &into,
                     "the new store to rebuild (required; no store yet)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena replay", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!into) return eo_opts_fail(&o, "--into NEWDIR is required");
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", into);
    if (stat(path, &st) == 0) {
        fprintf(stderr, "eonjena replay: %s already holds a store; give a new folder\n", into);
        return 2;
    }
    eo_cli_cases_t src, dst;
    if (eo_cli_cases_open(&src, from, EO_STORE_READONLY)) return 2;
    /* inputs the retention deleted are stood for by the checkpoint: start from a copy */
    uint64_t first = 0;
    char why[512] = "";
    if (eo_checkpoint_restore(src.store, into, &first, why, sizeof why)) {
        fprintf(stderr, "eonjena replay: %s\n", why);
        eo_cli_cases_close(&src);
        return 1;
    }
    /* a rebuild: no fsync per input, one sync at the end */
    if (eo_cli_cases_open(&dst, into, EO_STORE_NOSYNC)) {
        eo_cli_cases_close(&src);
        return 2;
    }
    size_t inputs = 0;
    char a[65] = "", b[65] = "";
    rc = eo_cases_replay_from(dst.cases, src.store, first, &inputs);
    if (rc == EO_OK) rc = eo_store_sync(dst.store);
    if (rc == EO_OK && (rc = s_digest(&src, a)) == EO_OK) rc = s_digest(&dst, b);
    eo_cli_cases_close(&src);
    eo_cli_cases_close(&dst);
    if (rc) {
        fprintf(stderr, "eonjena replay: failed after %zu inputs: %s\n", inputs,
                eo_strerror(rc));
        return 2;
    }
    bool same = streq(a, b);
    printf("{\"replay\":\"%s\",\"inputs\":%zu,\"from_input\":%llu,\"digest_log\":\"%s\","
           "\"digest_replay\":\"%s\"}\n",
           same ? "same" : "different", inputs, (unsigned long long)first, a, b);
    return same ? 0 : 1;
}
