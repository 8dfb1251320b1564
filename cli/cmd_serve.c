/* cmd_serve.c: `eonjena serve`, the embedded default: every role as an actor in ONE
 * process (broker, matcher, sms with the simulated gateway, handoff, HTTP gateway) over
 * inproc endpoints, one LMDB store (var/store), demo carers when the store is empty. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "commands.h"
#include "common/config.h"
#include "common/opts.h"
#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_paths.h"
#include "demo.h"
#include "shards.h"
#include "gateway/gateway.h"
#include "handoff/actor.h"
#include "matcher/matcher.h"
#include "sms/sms.h"

typedef struct {
    const char *config_path, *store, *listen, *clock, *carers, *broker_bind, *matchers;
    bool init;
    bool insecure_demo;
} s_options_t;

/* Command-line values win over the file and the environment; checked like them. */
static int s_override(zconfig_t *config, const s_options_t *o)
{
    const struct {
        const char *value, *key, *option;
    } set[] = {
        {o->store, "server/store", "--store"},
        {o->listen, "gateway/listen", "--listen"},
        {o->clock, "server/clock", "--clock"},
        {o->carers, "demo/carers", "--carers"},
        {o->broker_bind, "server/broker_bind", "--broker-bind"},
        {o->matchers, "server/matchers", "--matchers"},
        {o->insecure_demo ? "1" : NULL, "gateway/insecure_demo", "--insecure-demo"},
    };
    char why[512];
    for (size_t i = 0; i < sizeof set / sizeof *set; i++)
        if (set[i].value &&
            eo_config_set(config, set[i].key, set[i].value, set[i].option, why, sizeof why)) {
            zsys_error("serve: %s", why);
            return -1;
        }
    return 0;
}

/* The roles after the matchers, in start order; stopped in reverse. */
typedef struct {
    const char *name;
    zactor_fn *actor;
} s_role_t;

static const s_role_t s_roles[] = {
    {"sms", eo_sms_actor},
    {"handoff", eo_handoff_actor},
    {"gateway", eo_gateway_actor},
};
#define S_ROLES (sizeof s_roles / sizeof *s_roles)
#define S_ACTORS (EO_SITE_MAX + S_ROLES)

static eo_broker_t *s_broker_start(zconfig_t *config, const char *inproc)
{
    eo_broker_config_t bcfg;
    eo_broker_config_defaults(&bcfg);
    bcfg.heartbeat_ms = atoi(zconfig_get(config, "broker/heartbeat_ms", "1000"));
    bcfg.liveness = atoi(zconfig_get(config, "broker/liveness", "3"));
    bcfg.max_queue = (size_t)atol(zconfig_get(config, "broker/max_queue", "10000"));
    bcfg.unrouted_timeout_ms = atoi(zconfig_get(config, "broker/unrouted_timeout_ms", "5000"));
    /* an external bind (server/broker_bind) is held to the broker's rules: CURVE beyond
     * loopback unless broker/allow_plain_tcp */
    const char *secret = zconfig_get(config, "broker/curve_secret", "");
    bcfg.curve_secret = *secret ? secret : NULL;
    const char *clients = zconfig_get(config, "broker/curve_clients", "");
    bcfg.curve_clients = *clients ? clients : NULL;
    bcfg.allow_plain_tcp = atoi(zconfig_get(config, "broker/allow_plain_tcp", "0")) != 0;
    const char *bind = zconfig_get(config, "server/broker_bind", "");
    char *endpoints = *bind ? zsys_sprintf("%s,%s", inproc, bind) : strdup(inproc);
    eo_broker_t *broker = eo_broker_new(endpoints, &bcfg);
    if (broker && *bind) zsys_info("serve: broker also on %s for external workers", bind);
    free(endpoints);
    return broker;
}

/* Every matcher's store (the first is the node's own) with its demo carers. */
static int s_matcher_stores(zconfig_t *config, const eo_shards_t *shards, eo_store_t *store,
                            bool init, const eo_dongs_t *dongs, eo_clock_t *clock,
                            eo_store_t **stores)
{
    for (int i = 0; i < shards->n; i++) {
        stores[i] =
            i ? eo_role_store_open(config, shards->stores[i], init || shards->fresh) : store;
        if (!stores[i] || eo_demo_seed(stores[i], dongs, clock, config, shards->sites[i]))
            return EO_ESTORE;
    }
    return EO_OK;
}

/* Start the matchers, then the other roles; *started counts what runs. */
static int s_start(zconfig_t *config, const char *inproc, const eo_shards_t *shards,
                   eo_store_t **stores, eo_store_t *store, eo_clock_t *clock,
                   const eo_dongs_t *dongs, zactor_t **actors, eo_role_args_t *args,
                   size_t *started)
{
    size_t n = (size_t)shards->n + S_ROLES;
    for (*started = 0; *started < n; (*started)++) {
        size_t i = *started, m = (size_t)shards->n;
        args[i] = (eo_role_args_t){.broker = inproc,
                                   .sites = i < m ? shards->sites[i]
                                                  : zconfig_get(config, "server/sites", "*"),
                                   .config = config,
                                   .store = i < m ? stores[i] : store,
                                   .clock = clock,
                                   .dongs = dongs};
        actors[i] = eo_role_start(i < m ? eo_matcher_actor : s_roles[i - m].actor, &args[i]);
        if (!actors[i]) {
            zsys_error("serve: the %s role could not start",
                       i < m ? "matcher" : s_roles[i - m].name);
            return EO_EINVAL;
        }
    }
    return EO_OK;
}

static int s_serve(zconfig_t *config, bool init)
{
    char err[256], data[4200];
    const char *store_dir = zconfig_get(config, "server/store", "var/store");
    const char *inproc = zconfig_get(config, "server/broker", "inproc://eonjena-broker");
    snprintf(data, sizeof data, "%s/data.mdb", store_dir);
    bool existed = access(data, F_OK) == 0;
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    const char *clock_spec = zconfig_get(config, "server/clock", "system");
    eo_clock_t *clock = eo_clock_new_from_spec(clock_spec);
    if (clock && !streq(clock_spec, "system")) {
        /* say it: every decision (windows, fees, lead times) follows this clock */
        char now[40];
        zsys_warning("serve: the clock is '%s': it reads %s, not the real time", clock_spec,
                     eo_time_format(eo_clock_now(clock), now, sizeof now));
    }
    eo_store_t *store = dongs && clock ? eo_role_store_open(config, store_dir, init) : NULL;
    eo_store_t *stores[EO_SITE_MAX] = {NULL};
    eo_shards_t *shards = calloc(1, sizeof *shards);
    eo_broker_t *broker = NULL;
    zactor_t *actors[S_ACTORS] = {NULL};
    eo_role_args_t args[S_ACTORS];
    size_t started = 0;
    int status = 1;
    if (!dongs) zsys_error("serve: %s", err);
    if (!store || !shards || eo_shards_serve(config, dongs, store_dir, existed, shards) ||
        s_matcher_stores(config, shards, store, init, dongs, clock, stores))
        goto done;
    if (!(broker = s_broker_start(config, inproc))) goto done;
    if (s_start(config, inproc, shards, stores, store, clock, dongs, actors, args, &started) ==
        EO_OK) {
        zsys_info("serve: ready on http://%s with %d matcher(s) (Ctrl-C stops)",
                  zconfig_get(config, "gateway/listen", "127.0.0.1:8080"), shards->n);
        eo_role_notify_ready("serving");
        int sig = eo_role_wait_signal(eo_role_trim_ms(config));
        zsys_info("serve: stopping on signal %d", sig);
        eo_role_notify_stopping();
        status = 0;
    }
    while (started-- > 0)
        zactor_destroy(&actors[started]);
done:
    eo_broker_destroy(&broker);
    for (int i = 1; i < EO_SITE_MAX; i++)
        eo_store_destroy(&stores[i]);
    free(shards);
    eo_store_destroy(&store);
    eo_clock_destroy(&clock);
    eo_dongs_destroy(&dongs);
    return status;
}

static const char s_about[] =
    "Start every role in one process: broker, matchers, sms (simulated\n"
    "gateway by default), handoff and the HTTP gateway. The sites are dealt\n"
    "over server/matchers matchers (one per core by default; `eonjena\n"
    "shards`), each with its own store: the first the store itself, the\n"
    "others <store>/shard-2, ... Ctrl-C or SIGTERM stops it cleanly. Each\n"
    "option overrides the configuration value named in its line.";

int eo_cmd_serve(int argc, char **argv)
{
    s_options_t v = {.config_path = eo_paths_config()};
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("config", "FILE", &v.config_path,
                     "configuration (etc/eonjena.cfg of the checkout, or /etc/eonjena)"),
        EO_OPT_VALUE("store", "DIR", &v.store, "the LMDB store (server/store: var/store)"),
        EO_OPT_VALUE("listen", "HOST:PORT", &v.listen,
                     "HTTP address (gateway/listen: 127.0.0.1:8080)"),
        EO_OPT_VALUE("clock", "SPEC", &v.clock,
                     "system, manual:<time> or offset:<time> (server/clock)"),
        EO_OPT_VALUE("carers", "N", &v.carers,
                     "demo carers generated into an empty store (demo/carers)"),
        EO_OPT_VALUE("matchers", "N", &v.matchers,
                     "matchers, each with its sites and store (server/matchers: one per core)"),
        EO_OPT_VALUE("broker-bind", "EP", &v.broker_bind,
                     "also bind the broker here (e.g. tcp://127.0.0.1:5555)"),
        EO_OPT_FLAG("init", &v.init,
                    "create the store if there is none (else a missing store refuses)"),
        EO_OPT_FLAG("insecure-demo", &v.insecure_demo,
                    "open every HTTP route to anyone, as an administrator: a demo, never "
                    "with real data (gateway/insecure_demo)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena serve", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    eo_role_block_signals();
    zsys_init();
    zconfig_t *config = eo_config_open("serve", v.config_path);
    /* after the command line: --insecure-demo lets unsigned pull providers start */
    if (!config || s_override(config, &v) || eo_config_pull_check(config, "serve")) {
        zconfig_destroy(&config);
        return 1;
    }
    int status = s_serve(config, v.init);
    zconfig_destroy(&config);
    return status;
}
