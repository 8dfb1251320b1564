/* eonjena backup / restore: a consistent copy of a store, taken while it serves, and
 * putting one back (docs/operations.md "Back-up and restore"). */
#include <stdio.h>
#include <sys/time.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_paths.h"

static const char s_backup_about[] =
    "Copy the store DIR into the new folder DEST while it serves: one\n"
    "consistent, compacted snapshot (LMDB's copy of one read transaction),\n"
    "read back in full before it is given its name, so DEST never holds half a\n"
    "backup. Prints one JSON line. Check a backup with `eonjena check --store\n"
    "DEST`; put it back with `eonjena restore`. Exit 0 done, 1 failed, 2 bad\n"
    "usage.";

static const char *s_default_store(char *buf, size_t size)
{
    snprintf(buf, size, "%s/store", eo_paths_state());
    return buf;
}

static int64_t s_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int eo_cmd_backup(int argc, char **argv)
{
    char deflt[4096];
    const char *store = s_default_store(deflt, sizeof deflt), *to = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store to copy (var/store)"),
        EO_OPT_VALUE("to", "DEST", &to, "the new folder of the backup (required)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena backup", .about = s_backup_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!to) return eo_opts_fail(&o, "--to DEST is required");
    char why[1024];
    size_t bytes = 0;
    int64_t t0 = s_now_ms();
    if ((rc = eo_store_backup(store, to, &bytes, why, sizeof why))) {
        fprintf(stderr, "eonjena backup: %s\n", why);
        return rc == EO_EEXIST || rc == EO_ENOTFOUND ? 2 : 1;
    }
    printf("{\"backup\":\"%s\",\"store\":\"%s\",\"bytes\":%zu,\"ms\":%lld}\n", to, store, bytes,
           (long long)(s_now_ms() - t0));
    return 0;
}

static const char s_restore_about[] =
    "Put the backup BACKUP back as the store DIR. The backup is read back in\n"
    "full first. Refused while a process has DIR open (stop the server), and\n"
    "if DIR holds a store unless --replace: the old store is then renamed\n"
    "DIR.before-restore-<time>, never deleted. Exit 0 done, 1 refused or\n"
    "failed, 2 bad usage.";

int eo_cmd_restore(int argc, char **argv)
{
    char deflt[4096];
    const char *store = s_default_store(deflt, sizeof deflt), *from = NULL;
    bool replace = false;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("from", "BACKUP", &from, "the backup folder (required)"),
        EO_OPT_VALUE("store", "DIR", &store, "the store to restore (var/store)"),
        EO_OPT_FLAG("replace", &replace, "put an existing store aside and restore over it"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena restore", .about = s_restore_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!from) return eo_opts_fail(&o, "--from BACKUP is required");
    char why[1024], kept[4200];
    if (eo_store_restore(from, store, replace, kept, sizeof kept, why, sizeof why)) {
        fprintf(stderr, "eonjena restore: %s\n", why);
        return 1;
    }
    printf("restored %s into %s%s%s\n", from, store, *kept ? "; the old store is " : "", kept);
    return 0;
}
