/* role.c: the options every worker executable shares (see role.h). */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "role.h"

int eo_role_options_parse(eo_role_options_t *opts, int argc, char **argv)
{
    *opts = (eo_role_options_t){
        .broker = "tcp://127.0.0.1:5555",
        .config = EO_SOURCE_DIR "/etc/eonjena.cfg",
        .sites = "*",
        .store = "var/store",
        .clock = "system",
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = streq(a, "--broker")   ? &opts->broker
                            : streq(a, "--config") ? &opts->config
                            : streq(a, "--sites")  ? &opts->sites
                            : streq(a, "--store")  ? &opts->store
                            : streq(a, "--clock")  ? &opts->clock
                                                   : NULL;
        if (streq(a, "-h") || streq(a, "--help")) {
            opts->help = true;
            continue;
        }
        if (!slot) {
            fprintf(stderr, "%s: unknown option '%s'\n", argv[0], a);
            return -1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], a);
            return -1;
        }
        *slot = argv[++i];
    }
    return 0;
}

void eo_role_options_usage(FILE *out)
{
    fprintf(out, "  --broker ENDPOINT  the broker to connect to (tcp://127.0.0.1:5555)\n"
                 "  --config FILE      configuration (etc/eonjena.cfg)\n"
                 "  --sites LIST       sites served, comma-separated, or * (all)\n"
                 "  --store DIR        the LMDB store (var/store)\n"
                 "  --clock SPEC       system, manual:<time> or offset:<time>\n"
                 "  -h, --help         this text\n");
}

static sigset_t s_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

void eo_role_block_signals(void)
{
    /* czmq's own handler would only set a flag; we wait for the signal instead. */
    zsys_handler_set(NULL);
    sigset_t set = s_stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int eo_role_wait_signal(void)
{
    sigset_t set = s_stop_signals();
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    return sig;
}
