/* eonjena broker: run a standalone broker until SIGTERM or SIGINT (exit 0). */
#include <czmq.h>
#include <signal.h>
#include <sys/stat.h>

#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_heap.h"

static volatile sig_atomic_t s_stop = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

/* The command line, as given (NULL: not given). */
typedef struct {
    const char *bind, *config, *curve_secret, *curve_clients, *heartbeat, *liveness, *max_queue,
        *unrouted_timeout, *metrics;
    bool allow_plain_tcp;
} s_args_t;

static const char s_about[] =
    "Runs the broker until SIGTERM or SIGINT. ENDPOINTS is a comma-separated list\n"
    "(tcp://, ipc://, inproc://; default tcp://127.0.0.1:5555). With --curve-secret\n"
    "(a cert written by `eonjena keygen`), tcp endpoints use CURVE and accept only\n"
    "the public certs in --curve-clients (required with a secret; an empty folder\n"
    "admits nobody, \"*\" any key). Plain tcp on an address other than loopback is\n"
    "refused unless --allow-plain-tcp. The config file is zconfig text with a\n"
    "`broker` section holding the same names (bind, heartbeat_ms, liveness,\n"
    "max_queue, unrouted_timeout_ms, curve_secret, curve_clients, allow_plain_tcp);\n"
    "options override it. Prints `ready <endpoint>` once bound.";

/* The command line into *a; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, s_args_t *a)
{
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("bind", "ENDPOINTS", &a->bind, "where to listen (tcp://127.0.0.1:5555)"),
        EO_OPT_VALUE("config", "FILE", &a->config, "read its `broker` section first"),
        EO_OPT_VALUE("curve-secret", "CERT", &a->curve_secret, "secret cert: tcp uses CURVE"),
        EO_OPT_VALUE("curve-clients", "DIR", &a->curve_clients,
                     "public certs of the admitted clients, or * for any key"),
        EO_OPT_FLAG("allow-plain-tcp", &a->allow_plain_tcp,
                    "bind plain tcp beyond loopback (a trusted network only)"),
        EO_OPT_VALUE("heartbeat", "MS", &a->heartbeat, "heartbeat interval (1000)"),
        EO_OPT_VALUE("liveness", "N", &a->liveness,
                     "missed heartbeats before a worker is dead (3)"),
        EO_OPT_VALUE("max-queue", "N", &a->max_queue,
                     "queued per (service, site) at most (10000)"),
        EO_OPT_VALUE("unrouted-timeout", "MS", &a->unrouted_timeout,
                     "answer ENOTFOUND for a service nobody serves after MS (5000)"),
        EO_OPT_VALUE("metrics-file", "FILE", &a->metrics,
                     "rewrite FILE with the metrics JSON every heartbeat"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena broker", .about = s_about, .opts = opts};
    return eo_opts_parse(&o, argc, argv);
}

/* Read the config file's broker section into cfg and *bind (strings owned by root). */
static int s_load_config(const char *path, zconfig_t **root, eo_broker_config_t *cfg,
                         const char **bind)
{
    char why[8192];
    *root = eo_config_load(path, why, sizeof why);
    if (!*root) {
        fprintf(stderr, "eonjena broker: configuration refused:\n%s\n", why);
        return -1;
    }
    zconfig_t *b = zconfig_locate(*root, "broker");
    if (!b) return 0;
    const char *v;
    if ((v = zconfig_get(b, "bind", NULL))) *bind = v;
    if ((v = zconfig_get(b, "heartbeat_ms", NULL))) cfg->heartbeat_ms = atoi(v);
    if ((v = zconfig_get(b, "liveness", NULL))) cfg->liveness = atoi(v);
    if ((v = zconfig_get(b, "max_queue", NULL))) cfg->max_queue = (size_t)atol(v);
    if ((v = zconfig_get(b, "unrouted_timeout_ms", NULL))) cfg->unrouted_timeout_ms = atoi(v);
    if ((v = zconfig_get(b, "curve_secret", NULL)) && *v) cfg->curve_secret = v;
    if ((v = zconfig_get(b, "curve_clients", NULL)) && *v) cfg->curve_clients = v;
    if ((v = zconfig_get(b, "allow_plain_tcp", NULL))) cfg->allow_plain_tcp = atoi(v) != 0;
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

/* Options override the config file. */
static void s_override(const s_args_t *a, eo_broker_config_t *cfg, const char **bind)
{
    if (a->bind) *bind = a->bind;
    if (a->curve_secret) cfg->curve_secret = a->curve_secret;
    if (a->curve_clients) cfg->curve_clients = a->curve_clients;
    if (a->allow_plain_tcp) cfg->allow_plain_tcp = true;
    if (a->heartbeat) cfg->heartbeat_ms = atoi(a->heartbeat);
    if (a->liveness) cfg->liveness = atoi(a->liveness);
    if (a->max_queue) cfg->max_queue = (size_t)atol(a->max_queue);
    if (a->unrouted_timeout) cfg->unrouted_timeout_ms = atoi(a->unrouted_timeout);
}

int eo_cmd_broker(int argc, char **argv)
{
    s_args_t a = {0};
    int rc = s_parse(argc, argv, &a);
    if (rc != EO_OPTS_RUN) return rc;
    eo_broker_config_t cfg;
    eo_broker_config_defaults(&cfg);
    const char *bind = "tcp://127.0.0.1:5555", *metrics = a.metrics;
    zconfig_t *root = NULL;
    if (a.config && s_load_config(a.config, &root, &cfg, &bind) != 0) return 2;
    s_override(&a, &cfg, &bind);
    if (cfg.curve_clients && !streq(cfg.curve_clients, "*") &&
        !zsys_file_exists(cfg.curve_clients)) {
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
    eo_role_notify_ready("routing");
    int trim_ms = eo_role_trim_ms(root); /* server/heap_trim_ms (eo_heap.h) */
    int64_t trimmed = 0;
    while (!s_stop) { /* the broker runs in its actor; this thread only waits */
        if (metrics) s_write_metrics(broker, metrics);
        eo_heap_trim_due(&trimmed, zclock_mono(), trim_ms);
        zclock_sleep(cfg.heartbeat_ms < 200 ? cfg.heartbeat_ms : 200);
    }
    eo_role_notify_stopping();
    if (metrics) s_write_metrics(broker, metrics);
    eo_broker_destroy(&broker);
    zconfig_destroy(&root);
    return 0;
}
