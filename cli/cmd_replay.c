/* eonjena replay: rebuild a fresh store from another store's input log and compare
 * the decisions. */
#include <stdio.h>
#include <string.h>

#include <czmq.h>
#include <sys/stat.h>

#include "cli_cases.h"
#include "commands.h"
#include "eonjena/eo_error.h"

static int s_digest(eo_cli_cases_t *cc, char *hex)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(cc->store, false, &txn);
    if (rc == EO_OK)
        rc = eo_cases_digest(cc->cases, txn, hex);
    eo_store_abort(&txn);
    return rc;
}

int eo_cmd_replay(int argc, char **argv)
{
    const char *from = NULL, *db = NULL;
    if (eo_cli_wants_help(argc, argv)) {
        printf("usage: eonjena replay --log-from DIR --db NEWDIR\n\n"
               "Feed every input recorded in the store DIR (requests, answers, delivery\n"
               "reports, carer loads, timer firings, each with its clock) into a fresh\n"
               "store NEWDIR, then compare the decisions (waves, offers, winners, the\n"
               "journals' hashes) of both. Prints one JSON line; exit 0 if the\n"
               "decisions are the same, 1 if they differ, 2 on bad usage.\n");
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (streq(argv[i], "--log-from") && i + 1 < argc)
            from = argv[++i];
        else if (streq(argv[i], "--db") && i + 1 < argc)
            db = argv[++i];
        else {
            fprintf(stderr, "eonjena replay: unexpected '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!from || !db) {
        fprintf(stderr, "usage: eonjena replay --log-from DIR --db NEWDIR\n");
        return 2;
    }
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/data.mdb", db);
    if (stat(path, &st) == 0) {
        fprintf(stderr, "eonjena replay: %s already holds a store; give a new folder\n", db);
        return 2;
    }
    eo_cli_cases_t src, dst;
    if (eo_cli_cases_open(&src, from, EO_STORE_READONLY))
        return 2;
    /* a rebuild: no fsync per input, one sync at the end */
    if (eo_cli_cases_open(&dst, db, EO_STORE_NOSYNC)) {
        eo_cli_cases_close(&src);
        return 2;
    }
    size_t inputs = 0;
    char a[65] = "", b[65] = "";
    int rc = eo_cases_replay(dst.cases, src.store, &inputs);
    if (rc == EO_OK)
        rc = eo_store_sync(dst.store);
    if (rc == EO_OK && (rc = s_digest(&src, a)) == EO_OK)
        rc = s_digest(&dst, b);
    eo_cli_cases_close(&src);
    eo_cli_cases_close(&dst);
    if (rc) {
        fprintf(stderr, "eonjena replay: failed after %zu inputs: %s\n", inputs, eo_strerror(rc));
        return 2;
    }
    bool same = streq(a, b);
    printf("{\"replay\":\"%s\",\"inputs\":%zu,\"digest_log\":\"%s\",\"digest_replay\":\"%s\"}\n",
           same ? "same" : "different", inputs, a, b);
    return same ? 0 : 1;
}
