/* eonjena broker: run a standalone broker until SIGTERM or SIGINT (exit 0). */
#include <czmq.h>
#include <getopt.h>
#include <signal.h>
#include <sys/stat.h>

#include "commands.h"
#include "eonjena/eo_broker.h"

static volatile sig_atomic_t s_stop = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena broker [--bind ENDPOINTS] [--config FILE]\n"
            "                      [--curve-secret CERT --curve-clients DIR]\n"
            "                      [--heartbeat MS] [--liveness N] [--max-queue N]\n"
            "                      [--unrouted-timeout MS] [--metrics-file FILE]\n"
            "Runs the broker until SIGTERM or SIGINT. ENDPOINTS is a comma-separated list\n"
            "(tcp://, ipc://, inproc://; default tcp://127.0.0.1:5555). With --curve-secret\n"
            "(a cert written by `eonjena keygen`), tcp endpoints use CURVE and accept only\n"
            "the public certs in --curve-clients (any client if not given). The config file\n"
            "is zconfig text with a `broker` section holding the same names (bind,\n"
            "heartbeat_ms, liveness, max_queue, unrouted_timeout_ms, curve_secret,\n"
            "curve_clients); options override it. Prints `ready <endpoint>` once bound.\n"
            "--metrics-file rewrites FILE with the metrics JSON every heartbeat.\n");
}

/* Read the config file's broker section into cfg and *bind (strings owned by root). */
static int s_load_config(const char *path, zconfig_t **root, eo_broker_config_t *cfg,
                         const char **bind)
{
    *root = zconfig_load(path);
    if (!*root) {
        fprintf(stderr, "eonjena broker: cannot read the config file '%s'\n", path);
        return -1;
    }
    zconfig_t *b = zconfig_locate(*root, "broker");
    if (!b)
        return 0;
    const char *v;
    if ((v = zconfig_get(b, "bind", NULL)))
        *bind = v;
    if ((v = zconfig_get(b, "heartbeat_ms", NULL)))
        cfg->heartbeat_ms = atoi(v);
    if ((v = zconfig_get(b, "liveness", NULL)))
        cfg->liveness = atoi(v);
    if ((v = zconfig_get(b, "max_queue", NULL)))
        cfg->max_queue = (size_t)atol(v);
    if ((v = zconfig_get(b, "unrouted_timeout_ms", NULL)))
        cfg->unrouted_timeout_ms = atoi(v);
    if ((v = zconfig_get(b, "curve_secret", NULL)) && *v)
        cfg->curve_secret = v;
    if ((v = zconfig_get(b, "curve_clients", NULL)) && *v)
        cfg->curve_clients = v;
    return 0;
}

static void s_write_metrics(eo_broker_t *broker, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    char *text = eo_broker_metrics(broker);
    mode_t old = umask(077); /* files 0600, as everything eonjena writes */
    FILE *f = fopen(tmp, "w");
    umask(old);
    if (f) {
        fprintf(f, "%s\n", text);
        fclose(f);
        rename(tmp, path); /* readers never see half a file */
    }
    free(text);
}

int eo_cmd_broker(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    const char *bind = "tcp://127.0.0.1:5555", *config = NULL, *metrics = NULL;
    static const struct option longs[] = {
        {"bind", 1, 0, 'b'},      {"config", 1, 0, 'c'},       {"curve-secret", 1, 0, 's'},
        {"curve-clients", 1, 0, 'k'}, {"heartbeat", 1, 0, 'H'}, {"liveness", 1, 0, 'l'},
        {"max-queue", 1, 0, 'q'}, {"unrouted-timeout", 1, 0, 'u'},
        {"metrics-file", 1, 0, 'm'}, {0, 0, 0, 0}};
    /* the config file first, so that options override it */
    for (int i = 1; i + 1 < argc; i++)
        if (streq(argv[i], "--config"))
            config = argv[i + 1];
    zconfig_t *root = NULL;
    if (config && s_load_config(config, &root, &cfg, &bind) != 0)
        return 2;
    int c, rc = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'b': bind = optarg; break;
        case 'c': break;
        case 's': cfg.curve_secret = optarg; break;
        case 'k': cfg.curve_clients = optarg; break;
        case 'H': cfg.heartbeat_ms = atoi(optarg); break;
        case 'l': cfg.liveness = atoi(optarg); break;
        case 'q': cfg.max_queue = (size_t)atol(optarg); break;
        case 'u': cfg.unrouted_timeout_ms = atoi(optarg); break;
        case 'm': metrics = optarg; break;
        default: rc = 2;
        }
    }
    if (rc != 0 || optind < argc) {
        s_usage(stderr);
        zconfig_destroy(&root);
        return 2;
    }
    if (cfg.curve_clients && !zsys_file_exists(cfg.curve_clients)) {
        fprintf(stderr, "eonjena broker: no such folder '%s'\n", cfg.curve_clients);
        zconfig_destroy(&root);
        return 2;
    }
    zsys_init();
    zsys_set_logstream(stderr); /* stdout carries only the "ready" line */
    /* our own handler: a stop request must end the loop below, whatever czmq set up */
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    eo_broker_t *broker = eo_broker_new(bind, &cfg);
    if (!broker) {
        fprintf(stderr, "eonjena broker: cannot start on '%s' (see the log above)\n", bind);
        zconfig_destroy(&root);
        return 1;
    }
    printf("ready %s\n", eo_broker_endpoint(broker));
    fflush(stdout);
    while (!s_stop) { /* the broker runs in its actor; this thread only waits */
        if (metrics)
            s_write_metrics(broker, metrics);
        zclock_sleep(cfg.heartbeat_ms < 200 ? cfg.heartbeat_ms : 200);
    }
    if (metrics)
        s_write_metrics(broker, metrics);
    eo_broker_destroy(&broker);
    zconfig_destroy(&root);
    return 0;
}
