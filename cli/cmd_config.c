/* eonjena config check: load a configuration as every program does (the file, then the
 * EONJENA_* variables, then the defaults), say what is wrong with it, or print it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_paths.h"

static const char s_about[] =
    "check: read FILE (the checkout's etc/eonjena.cfg, or /etc/eonjena/eonjena.cfg\n"
    "  when installed) and the EONJENA_* variables exactly as serve and every role\n"
    "  do. If anything is wrong, print each problem as FILE:LINE: KEY: problem\n"
    "  (or VARIABLE (KEY): problem) on stderr and exit 1. Else print the effective\n"
    "  configuration on stdout, every key with its value and where it came from (the\n"
    "  file's line, a variable, or the default), passwords and secrets masked, and\n"
    "  exit 0. The variable of a key is EONJENA_ and its path in capitals, '/' and\n"
    "  '-' written '_': gateway/listen is EONJENA_GATEWAY_LISTEN. A pull provider\n"
    "  without secret or secret_file is a problem too, unless gateway/insecure_demo\n"
    "  = 1 (then a warning on stderr): serve would refuse it without --insecure-demo.";

int eo_cmd_config(int argc, char **argv)
{
    const char *path = eo_paths_config();
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("config", "FILE", &path, "the configuration to check"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena config", .forms = "check", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    if (!streq(o.args[0], "check"))
        return eo_opts_fail(&o, "the verb is check, not '%s'", o.args[0]);
    char why[16384];
    zconfig_t *config = eo_config_load(path, why, sizeof why);
    if (!config) {
        fprintf(stderr, "%s\n", why);
        return 1;
    }
    /* what only the whole configuration shows: refused at start, or a demo's warning */
    if (eo_config_pull_problems(config, why, sizeof why)) {
        bool demo = atoi(zconfig_get(config, "gateway/insecure_demo", "0")) != 0;
        for (char *save = NULL, *line = strtok_r(why, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "%s%s\n",
                    demo ? "warning: allowed only as an insecure demo "
                           "(gateway/insecure_demo = 1): "
                         : "",
                    line);
        if (!demo) {
            zconfig_destroy(&config);
            return 1;
        }
    }
    printf("# %s: ok; the effective configuration:\n", path);
    eo_config_print(config, stdout);
    /* where this executable finds what the configuration leaves to it */
    printf("# %s executable; data files in %s\n",
           eo_paths_installed() ? "an installed" : "the checkout's", eo_data_dir());
    zconfig_destroy(&config);
    return 0;
}
