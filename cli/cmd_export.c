/* eonjena export: carers of a store as a carer TSV file (the import format). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>

#include "commands.h"
#include "common/opts.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"

static const char s_about[] =
    "Write every carer of the store as a carer TSV file (the format\n"
    "`eonjena import carers` reads, docs/index.md), to stdout or FILE\n"
    "(created 0600: it holds phone numbers). week_min / month_min are\n"
    "the minutes booked in the week / month that contains --at\n"
    "(default: now).\n"
    "Exit status: 0 written, 1 failed, 2 bad usage.";

int eo_cmd_export(int argc, char **argv)
{
    const char *dir = NULL, *at_text = NULL, *path = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &dir, "the store (required)"),
        EO_OPT_VALUE("at", "TIME", &at_text, "booked minutes are of the week/month of TIME"),
        EO_OPT_VALUE("out", "FILE", &path, "write here (created 0600), not to stdout"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena export", .forms = "carers", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    eo_time_t at = 0;
    if (!streq(o.args[0], "carers"))
        return eo_opts_fail(&o, "export carers, not '%s'", o.args[0]);
    if (!dir) return eo_opts_fail(&o, "--store DIR is required");
    if (at_text && eo_time_parse(at_text, &at))
        return eo_opts_fail(&o, "bad --at '%s'", at_text);
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
            if (fd >= 0) close(fd);
            eo_dongs_destroy(&dongs);
            return 1;
        }
    }
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_READONLY);
    eo_index_t *index = store ? eo_index_new(store, dongs, &caps) : NULL;
    size_t rows = 0;
    rc = index ? eo_carer_export(store, index, out, at, &rows) : EO_ESTORE;
    if (out != stdout && fclose(out) && rc == EO_OK) rc = EO_EIO;
    if (rc == EO_OK)
        fprintf(stderr, "exported %zu carers\n", rows);
    else
        fprintf(stderr, "eonjena export: failed (%s)\n", eo_strerror(rc));
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_dongs_destroy(&dongs);
    return rc == EO_OK ? 0 : 1;
}
