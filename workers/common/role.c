/* role.c: the options every worker executable shares (see role.h). */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <czmq.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_heap.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_paths.h"
#include "opts.h"
#include "role.h"

int eo_role_options_parse(eo_role_options_t *opts, int argc, char **argv, const char *about,
                          unsigned flags)
{
    *opts = (eo_role_options_t){
        .broker = "tcp://127.0.0.1:5555",
        .config = eo_paths_config(),
        .sites = "*",
        .store = NULL, /* the state folder's store (eo_paths_state) */
        .clock = "system",
    };
    const eo_opt_t table[] = {
        EO_OPT_VALUE("broker", "ENDPOINT", &opts->broker,
                     "the broker to connect to (tcp://127.0.0.1:5555)"),
        EO_OPT_VALUE("config", "FILE", &opts->config,
                     "configuration (etc/eonjena.cfg of the checkout, or /etc/eonjena)"),
        EO_OPT_VALUE("sites", "LIST", &opts->sites,
                     "sites served, comma-separated, or * (all)"),
        EO_OPT_VALUE("store", "DIR", &opts->store,
                     "the LMDB store (var/store, installed: /var/lib/eonjena/store)"),
        EO_OPT_VALUE("clock", "SPEC", &opts->clock, "system, manual:<time> or offset:<time>"),
        EO_OPT_FLAG("init", &opts->init,
                    "create the store if there is none (else a missing store refuses)"),
        EO_OPT_VALUE("broker-cert", "FILE", &opts->broker_cert,
                     "the broker's public cert: CURVE (server/broker_cert)"),
        EO_OPT_VALUE("cert", "FILE", &opts->cert,
                     "this role's secret cert, admitted by the broker (server/cert)"),
        EO_OPT_FLAG("insecure-demo", &opts->insecure_demo,
                    "open every route to anyone, as an administrator (a demo, never with "
                    "real data; gateway/insecure_demo)"),
        EO_OPT_END,
    };
    /* only a role that serves HTTP takes --insecure-demo: drop it from the table */
    eo_opt_t used[sizeof table / sizeof *table];
    size_t n = 0;
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if ((flags & EO_ROLE_HTTP) || table[i].set != &opts->insecure_demo)
            used[n++] = table[i];
    /* messages name the executable as it is known, not the path it was started by */
    const char *slash = strrchr(argv[0], '/');
    eo_opts_t o = {.prog = slash ? slash + 1 : argv[0], .about = about, .opts = used};
    return eo_opts_parse(&o, argc, argv);
}

eo_store_t *eo_role_store_open(zconfig_t *config, const char *dir, bool init)
{
    long map = atol(config ? zconfig_get(config, "store/map_mb", "0") : "0");
    long max = atol(config ? zconfig_get(config, "store/map_max_mb", "0") : "0");
    eo_store_t *store =
        eo_store_new(dir, map > 0 ? (size_t)map : 0, init ? 0 : EO_STORE_EXISTING);
    if (store && max > 0) eo_store_set_max(store, (size_t)max);
    return store;
}

void eo_role_notify_ready(const char *status)
{
    /* 0 when not started by systemd (no NOTIFY_SOCKET): nothing to tell */
    int rc = sd_notifyf(0, "READY=1\nSTATUS=%s\nMAINPID=%lu", status, (unsigned long)getpid());
    if (rc < 0) zsys_warning("cannot tell systemd we are ready: %s", strerror(-rc));
}

void eo_role_notify_stopping(void)
{
    sd_notify(0, "STOPPING=1");
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

int eo_role_wait_signal(int trim_ms)
{
    sigset_t set = s_stop_signals();
    int64_t last = 0;
    eo_heap_trim_due(&last, zclock_mono(), trim_ms); /* starts the count */
    while (true) {
        if (trim_ms <= 0) {
            int sig = 0;
            if (sigwait(&set, &sig) == 0) return sig;
            continue;
        }
        struct timespec wait = {trim_ms / 1000, (long)(trim_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&set, NULL, &wait);
        if (sig > 0) return sig;
        /* this thread is idle: the trim costs the actors nothing but the arena locks */
        eo_heap_trim_due(&last, zclock_mono(), trim_ms);
    }
}

int eo_role_trim_ms(zconfig_t *config)
{
    const char *v = config ? zconfig_get(config, "server/heap_trim_ms", NULL) : NULL;
    return v ? atoi(v) : EO_HEAP_TRIM_MS;
}

/* The link to the broker: CURVE from the options or the configuration; plain tcp only
 * on this host unless server/allow_plain_tcp (anyone on the network could read the
 * requests, and a broker there could be anyone's). */
static bool s_link_ok(zconfig_t *config, eo_role_options_t *opts, const char *prog)
{
    if (!opts->broker_cert) {
        const char *v = zconfig_get(config, "server/broker_cert", "");
        opts->broker_cert = *v ? v : NULL;
    }
    if (!opts->cert) {
        const char *v = zconfig_get(config, "server/cert", "");
        opts->cert = *v ? v : NULL;
    }
    if (opts->cert && !opts->broker_cert) {
        zsys_error("%s: --cert without --broker-cert: CURVE needs the broker's public cert",
                   prog);
        return false;
    }
    if (!opts->broker_cert && !eo_endpoint_is_local(opts->broker) &&
        atoi(zconfig_get(config, "server/allow_plain_tcp", "0")) == 0) {
        zsys_error(
            "%s: refusing a plain link to %s, which is not on this host: give "
            "--broker-cert and --cert (CURVE, `eonjena keygen`), or on a trusted network "
            "only server/allow_plain_tcp = 1",
            prog, opts->broker);
        return false;
    }
    return true;
}

int eo_role_main(int argc, char **argv, const char *about, zactor_fn *actor, unsigned flags)
{
    bool needs_store = flags & EO_ROLE_STORE;
    eo_role_options_t opts;
    int rc = eo_role_options_parse(&opts, argc, argv, about, flags);
    if (rc != EO_OPTS_RUN) return rc;
    eo_role_block_signals();
    zsys_init();
    int status = 1;
    char err[256];
    const char *slash = strrchr(argv[0], '/');
    const char *prog = slash ? slash + 1 : argv[0];
    zconfig_t *config = eo_config_open(prog, opts.config);
    eo_dongs_t *dongs = config ? eo_dongs_load_default(err, sizeof err) : NULL;
    eo_clock_t *clock = eo_clock_new_from_spec(opts.clock);
    if (config && opts.insecure_demo) zconfig_put(config, "gateway/insecure_demo", "1");
    /* a role that serves HTTP serves the pull providers' lists: signed, or a demo */
    bool pulls_ok =
        !config || !(flags & EO_ROLE_HTTP) || eo_config_pull_check(config, prog) == 0;
    char store_dir[4096];
    snprintf(store_dir, sizeof store_dir, "%s", opts.store ? opts.store : "");
    if (!opts.store) snprintf(store_dir, sizeof store_dir, "%s/store", eo_paths_state());
    eo_store_t *store = needs_store && config && pulls_ok
                            ? eo_role_store_open(config, store_dir, opts.init)
                            : NULL;
    if (!config || !pulls_ok)
        ; /* said why */
    else if (!dongs)
        zsys_error("%s: %s", argv[0], err);
    else if (clock && (store || !needs_store) && s_link_ok(config, &opts, argv[0])) {
        eo_role_args_t args = {.broker = opts.broker,
                               .sites = opts.sites,
                               .config = config,
                               .store = store,
                               .clock = clock,
                               .dongs = dongs,
                               .curve_server_public = opts.broker_cert,
                               .curve_secret = opts.cert};
        zactor_t *role = eo_role_start(actor, &args);
        if (role) {
            zsys_info("%s: running (broker %s, sites %s)", argv[0], opts.broker, opts.sites);
            eo_role_notify_ready("running");
            int sig = eo_role_wait_signal(eo_role_trim_ms(config));
            zsys_info("%s: stopping on signal %d", argv[0], sig);
            eo_role_notify_stopping();
            zactor_destroy(&role);
            status = 0;
        }
    }
    eo_store_destroy(&store);
    eo_clock_destroy(&clock);
    eo_dongs_destroy(&dongs);
    zconfig_destroy(&config);
    return status;
}

zactor_t *eo_role_start(zactor_fn *actor, eo_role_args_t *args)
{
    args->failed = false;
    zactor_t *role = zactor_new(actor, args);
    if (role && args->failed) zactor_destroy(&role);
    return role;
}
