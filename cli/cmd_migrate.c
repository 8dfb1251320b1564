/* eonjena migrate: upgrade a store of an older layout to the one this build reads, in
 * place or into a new folder (docs/operations.md "Upgrades"; the layouts are listed in
 * eo_layout.h). */
#include <stdio.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eo_layout.h"
#include "eonjena/eo_paths.h"
#include "eonjena/eonjena.h"

static const char s_about[] =
    "Upgrade the store DIR to the layout this build reads. In place: one write\n"
    "transaction, so the store is either all upgraded or untouched; refused\n"
    "while a process has it open (stop the server first). With --to DEST the\n"
    "store is first copied into the new folder DEST (as `eonjena backup` does,\n"
    "so it may keep serving meanwhile) and only the copy is upgraded: DIR stays\n"
    "as it was. A store of the current layout is left as is. Prints one JSON\n"
    "line. Exit 0 done, 1 refused or failed, 2 bad usage.";

/* Upgrade the store in dir in place. */
static int s_migrate(const char *dir)
{
    if (eo_store_in_use(dir)) {
        fprintf(stderr, "eonjena migrate: %s is open in another process: stop it first\n", dir);
        return 1;
    }
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_EXISTING | EO_STORE_ANY_LAYOUT);
    if (!store) {
        fprintf(stderr, "eonjena migrate: cannot open %s (see the log)\n", dir);
        return 1;
    }
    uint32_t from = 0;
    size_t changed = 0;
    char why[512] = "";
    int rc = eo_layout_migrate(store, &from, &changed, why, sizeof why);
    eo_store_destroy(&store);
    if (rc) {
        fprintf(stderr, "eonjena migrate: %s: %s; the store is unchanged\n", dir,
                *why ? why : eo_strerror(rc));
        return 1;
    }
    printf("{\"store\":\"%s\",\"from\":%u,\"to\":%d,\"records\":%zu}\n", dir, from, EO_LAYOUT,
           changed);
    return 0;
}

int eo_cmd_migrate(int argc, char **argv)
{
    char deflt[4096];
    snprintf(deflt, sizeof deflt, "%s/store", eo_paths_state());
    const char *store = deflt, *to = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &store, "the store to upgrade (var/store)"),
        EO_OPT_VALUE("to", "DEST", &to, "upgrade a copy in the new folder DEST instead"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena migrate", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!to) return s_migrate(store);
    char why[1024];
    size_t bytes = 0;
    if ((rc = eo_store_backup(store, to, &bytes, why, sizeof why))) {
        fprintf(stderr, "eonjena migrate: %s\n", why);
        return rc == EO_EEXIST || rc == EO_ENOTFOUND ? 2 : 1;
    }
    return s_migrate(to);
}
