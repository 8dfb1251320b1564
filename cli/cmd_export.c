/* eonjena export: carers of a store as a carer TSV file (the import format). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "commands.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena export carers --store DIR [--at TIME] [--out FILE]\n\n"
            "Write every carer of the store as a carer TSV file (the format `eonjena import\n"
            "carers` reads, docs/index.md), to stdout or FILE (created 0600: it holds phone\n"
            "numbers). week_min / month_min are the minutes booked in the week / month that\n"
            "contains --at (default: now).\n"
            "Exit status: 0 written, 1 failed, 2 bad usage.\n");
}

int eo_cmd_export(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    const char *what = NULL, *dir = NULL, *at_text = NULL, *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && streq(argv[i], "--store"))
            dir = argv[++i];
        else if (v && streq(argv[i], "--at"))
            at_text = argv[++i];
        else if (v && streq(argv[i], "--out"))
            path = argv[++i];
        else if (!what && argv[i][0] != '-')
            what = argv[i];
        else {
            s_usage(stderr);
            return 2;
        }
    }
    eo_time_t at = 0;
    if (!what || !streq(what, "carers") || !dir || (at_text && eo_time_parse(at_text, &at))) {
        s_usage(stderr);
        return 2;
    }
    if (!at_text) {
        eo_clock_t *clock = eo_clock_new_system();
        at = eo_clock_now(clock);
        eo_clock_destroy(&clock);
    }
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    if (!dongs) {
        fprintf(stderr, "eonjena export: %s\n", err);
        return 1;
    }
    eo_caps_t caps;
    if (eo_rules_caps_config(NULL, &caps, err, sizeof err)) {
        fprintf(stderr, "eonjena export: %s\n", err);
        eo_dongs_destroy(&dongs);
        return 1;
    }
    FILE *out = stdout;
    if (path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!out) {
            fprintf(stderr, "eonjena export: %s: %s\n", path, strerror(errno));
            if (fd >= 0)
                close(fd);
            eo_dongs_destroy(&dongs);
            return 1;
        }
    }
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_READONLY);
    eo_index_t *index = store ? eo_index_new(store, dongs, &caps) : NULL;
    size_t rows = 0;
    int rc = index ? eo_carer_export(store, index, out, at, &rows) : EO_ESTORE;
    if (out != stdout && fclose(out) && rc == EO_OK)
        rc = EO_EIO;
    if (rc == EO_OK)
        fprintf(stderr, "exported %zu carers\n", rows);
    else
        fprintf(stderr, "eonjena export: failed (%s)\n", eo_strerror(rc));
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_dongs_destroy(&dongs);
    return rc == EO_OK ? 0 : 1;
}
