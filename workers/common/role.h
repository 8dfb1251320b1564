/* role: what every worker executable shares: its command-line options and the signal
 * handling that makes SIGTERM / Ctrl-C a clean stop.
 *
 *   eonjena-<role> [--broker ENDPOINT] [--config FILE] [--sites a,b|*] [--store DIR]
 *                  [--clock SPEC] [--broker-cert FILE --cert FILE]
 *
 * A broker beyond loopback is reached only with CURVE (--broker-cert, or
 * server/broker_cert and server/cert in the configuration), unless the configuration
 * says server/allow_plain_tcp = 1 (a trusted network only).
 * Defaults: broker tcp://127.0.0.1:5555, config etc/eonjena.cfg of the checkout (an
 * installed executable: /etc/eonjena/eonjena.cfg, eo_paths.h), sites "*", store
 * var/store (installed: /var/lib/eonjena/store), clock system. The configuration is
 * checked (config.h): a wrong key or value refuses to start. */
#ifndef EO_ROLE_H
#define EO_ROLE_H

#include <stdbool.h>

typedef struct {
    const char *broker;
    const char *config;
    const char *sites;
    const char *store;       /* NULL: the state folder's store */
    const char *clock;       /* clock spec (eo_time.h); default "system" */
    bool init;               /* create the store if there is none (else a missing or empty
                              * store refuses to start: a mistyped path must not quietly
                              * start an empty one) */
    bool insecure_demo;      /* EO_ROLE_HTTP only: every route open (gateway/insecure_demo) */
    const char *broker_cert; /* the broker's public cert: CURVE to a tcp broker */
    const char *cert;        /* this role's secret cert (default: an ephemeral key) */
} eo_role_options_t;

/* What a role's executable needs (eo_role_main's flags). */
#define EO_ROLE_STORE 1u /* the node's store */
#define EO_ROLE_HTTP 2u  /* serves HTTP: takes --insecure-demo */

/* What every role's actor gets (zactor_new(eo_<role>_actor, &args)). Everything is
 * borrowed and outlives the actor. In `eonjena serve` all roles share one store, one
 * dong table and one clock (LMDB allows one environment per process); a worker
 * executable makes its own. The actor signals 0 on its pipe when it is ready and stops
 * on "$TERM". If it cannot start it logs why, sets args->failed = true, signals -1 and
 * returns: zactor_new() ignores the signal's value, so `failed` is how the starter
 * knows (eo_role_start does the check). */
#include <czmq.h>

#include "eonjena/eonjena.h"

typedef struct {
    const char *broker; /* endpoint of the broker */
    const char *sites;  /* "*" or a comma-separated list of slugs */
    zconfig_t *config;  /* the whole configuration (etc/eonjena.cfg) */
    eo_store_t *store;  /* the node's LMDB store */
    eo_clock_t *clock;
    const eo_dongs_t *dongs;
    const char *curve_server_public; /* NULL: plain */
    const char *curve_secret;
    bool failed; /* set by the actor when it could not start */
} eo_role_args_t;

/* Open a role's store as the configuration says (store/map_mb: the first map, default
 * 4096; store/map_max_mb: what it may grow to): refused when missing or empty unless
 * init. NULL on failure (logged). */
eo_store_t *eo_role_store_open(zconfig_t *config, const char *dir, bool init);

/* Start a role's actor; NULL (and the actor gone) if it could not start. */
zactor_t *eo_role_start(zactor_fn *actor, eo_role_args_t *args);

/* Parse argv (argv[0] is the program) with eo_opts (opts.h): --help prints `about` (what
 * the role does) with the options. Returns EO_OPTS_RUN; or the exit status: 0 after
 * --help, 2 after printing what is wrong on stderr. Strings point into argv. */
int eo_role_options_parse(eo_role_options_t *opts, int argc, char **argv, const char *about,
                          unsigned flags);

/* The whole main() of a worker executable: parse the common options (printing `about`
 * and them for --help), load the configuration, dong table, clock and (with
 * EO_ROLE_STORE) the store, start the actor, wait for SIGINT/SIGTERM, stop it. Returns
 * the exit status: 0 after a clean stop or --help, 1 if it could not start, 2 on bad
 * options. */
int eo_role_main(int argc, char **argv, const char *about, zactor_fn *actor, unsigned flags);

/* Tell systemd (Type=notify units, packaging/systemd) the service is ready, with a
 * status line; and that it is stopping. Nothing when not run by systemd. */
void eo_role_notify_ready(const char *status);
void eo_role_notify_stopping(void);

/* Block SIGINT and SIGTERM in this thread and every thread it starts afterwards; call
 * first thing in main, before any actor or zmq context exists. */
void eo_role_block_signals(void);
/* Wait until SIGINT or SIGTERM arrives (after eo_role_block_signals); returns it.
 * Meanwhile, every trim_ms (> 0), give the heap's free memory back to the kernel
 * (eo_heap.h: the resident set then follows what is in use, not the last peak). */
int eo_role_wait_signal(int trim_ms);
/* server/heap_trim_ms of a configuration (EO_HEAP_TRIM_MS when absent; 0: never). */
int eo_role_trim_ms(zconfig_t *config);

#endif
