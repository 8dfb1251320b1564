/* cmd_serve.c: `eonjena serve`, the embedded default: every role as an actor in ONE
 * process (broker, matcher, sms with the simulated gateway, handoff, HTTP gateway) over
 * inproc endpoints, one LMDB store under var/, demo carers when the store is empty. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <czmq.h>

#include "commands.h"
#include "common/role.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eonjena.h"
#include "demo.h"
#include "gateway/gateway.h"
#include "handoff/actor.h"
#include "matcher/matcher.h"
#include "sms/sms.h"

static void s_usage(FILE *out)
{
    fprintf(out,
            "usage: eonjena serve [options]\n"
            "Start every role in one process: broker, matcher, sms (simulated gateway by\n"
            "default), handoff and the HTTP gateway. Ctrl-C or SIGTERM stops it cleanly.\n\n"
            "options:\n"
            "  --config FILE      configuration (etc/eonjena.cfg of the source tree)\n"
            "  --var DIR          state folder (server/var: var); the store is DIR/store\n"
            "  --listen HOST:PORT HTTP address (gateway/listen: 127.0.0.1:8080)\n"
            "  --clock SPEC       system, manual:<time> or offset:<time> (server/clock)\n"
            "  --carers N         demo carers generated into an empty store (demo/carers)\n"
            "  --broker-bind EP   also bind the broker here (e.g. tcp://127.0.0.1:5555)\n");
}

typedef struct {
    const char *config_path, *var, *listen, *clock, *carers, *broker_bind;
} s_options_t;

static int s_parse(s_options_t *o, int argc, char **argv)
{
    *o = (s_options_t){.config_path = EO_SOURCE_DIR "/etc/eonjena.cfg"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = streq(a, "--config")        ? &o->config_path
                            : streq(a, "--var")         ? &o->var
                            : streq(a, "--listen")      ? &o->listen
                            : streq(a, "--clock")       ? &o->clock
                            : streq(a, "--carers")      ? &o->carers
                            : streq(a, "--broker-bind") ? &o->broker_bind
                                                        : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "eonjena serve: %s '%s'\n", slot ? "missing value for" : "unknown option", a);
            return -1;
        }
        *slot = argv[++i];
    }
    return 0;
}

/* Command-line values win over the file. */
static void s_override(zconfig_t *config, const s_options_t *o)
{
    if (o->var)
        zconfig_put(config, "server/var", o->var);
    if (o->listen)
        zconfig_put(config, "gateway/listen", o->listen);
    if (o->clock)
        zconfig_put(config, "server/clock", o->clock);
    if (o->carers)
        zconfig_put(config, "demo/carers", o->carers);
    if (o->broker_bind)
        zconfig_put(config, "server/broker_bind", o->broker_bind);
}

/* The roles, in start order; stopped in reverse. */
typedef struct {
    const char *name;
    zactor_fn *actor;
} s_role_t;

static const s_role_t s_roles[] = {
    {"matcher", eo_matcher_actor},
    {"sms", eo_sms_actor},
    {"handoff", eo_handoff_actor},
    {"gateway", eo_gateway_actor},
};
#define S_ROLES (sizeof s_roles / sizeof *s_roles)

static eo_broker_t *s_broker_start(zconfig_t *config, const char *inproc)
{
    eo_broker_config_t bcfg;
    eo_broker_config_defaults(&bcfg);
    bcfg.heartbeat_ms = atoi(zconfig_get(config, "broker/heartbeat_ms", "1000"));
    bcfg.liveness = atoi(zconfig_get(config, "broker/liveness", "3"));
    bcfg.max_queue = (size_t)atol(zconfig_get(config, "broker/max_queue", "10000"));
    bcfg.unrouted_timeout_ms = atoi(zconfig_get(config, "broker/unrouted_timeout_ms", "5000"));
    const char *bind = zconfig_get(config, "server/broker_bind", "");
    char *endpoints = *bind ? zsys_sprintf("%s,%s", inproc, bind) : strdup(inproc);
    eo_broker_t *broker = eo_broker_new(endpoints, &bcfg);
    if (broker && *bind)
        zsys_info("serve: broker also on %s for external workers", bind);
    free(endpoints);
    return broker;
}

static int s_serve(zconfig_t *config)
{
    char err[256], store_dir[1024];
    const char *var = zconfig_get(config, "server/var", "var");
    snprintf(store_dir, sizeof store_dir, "%s/store", var);
    const char *inproc = zconfig_get(config, "server/broker", "inproc://eonjena-broker");
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_clock_t *clock = eo_clock_new_from_spec(zconfig_get(config, "server/clock", "system"));
    eo_store_t *store = dongs && clock ? eo_store_new(store_dir, 0, 0) : NULL;
    eo_broker_t *broker = NULL;
    zactor_t *actors[S_ROLES] = {NULL};
    eo_role_args_t args[S_ROLES];
    int status = 1;
    if (!dongs)
        zsys_error("serve: %s", err);
    if (!store || eo_demo_seed(store, dongs, clock, config) != 0)
        goto done;
    if (!(broker = s_broker_start(config, inproc)))
        goto done;
    size_t started = 0;
    for (; started < S_ROLES; started++) {
        args[started] = (eo_role_args_t){.broker = inproc,
                                         .sites = zconfig_get(config, "server/sites", "*"),
                                         .config = config,
                                         .store = store,
                                         .clock = clock,
                                         .dongs = dongs};
        actors[started] = eo_role_start(s_roles[started].actor, &args[started]);
        if (!actors[started]) {
            zsys_error("serve: the %s role could not start", s_roles[started].name);
            break;
        }
    }
    if (started == S_ROLES) {
        zsys_info("serve: ready on http://%s (Ctrl-C stops)",
                  zconfig_get(config, "gateway/listen", "127.0.0.1:8080"));
        int sig = eo_role_wait_signal();
        zsys_info("serve: stopping on signal %d", sig);
        status = 0;
    }
    while (started-- > 0)
        zactor_destroy(&actors[started]);
done:
    eo_broker_destroy(&broker);
    eo_store_destroy(&store);
    eo_clock_destroy(&clock);
    eo_dongs_destroy(&dongs);
    return status;
}

int eo_cmd_serve(int argc, char **argv)
{
    if (eo_cli_wants_help(argc, argv)) {
        s_usage(stdout);
        return 0;
    }
    s_options_t opts;
    if (s_parse(&opts, argc, argv)) {
        s_usage(stderr);
        return 2;
    }
    eo_role_block_signals();
    zsys_init();
    zconfig_t *config = zconfig_load(opts.config_path);
    if (!config) {
        zsys_error("serve: cannot read configuration %s", opts.config_path);
        return 1;
    }
    s_override(config, &opts);
    int status = s_serve(config);
    zconfig_destroy(&config);
    return status;
}
