/* eonjena-bench handoff: the hand-off worker's two costs on this machine.
 *   put:     durable intake (one LMDB write transaction with fsync per item, as the
 *            worker does before each acknowledgement)
 *   deliver: signed webhook POSTs, one at a time in order, to a receiver on loopback
 *            that verifies every signature (libmicrohttpd in this process)
 * Prints one JSON line. Options: --items N (2000), --store DIR (a temp folder). */
#include <ftw.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eo_hmac.h"
#include "handoff/handoff.h"

#define S_SECRET "bench-secret"

typedef struct {
    eo_clock_t *clock;
    atomic_size_t ok, bad;
} s_sink_t;

typedef struct {
    char *data;
    size_t size;
} s_body_t;

static enum MHD_Result s_handler(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *data,
                                 size_t *size, void **con_cls)
{
    s_sink_t *sink = cls;
    (void)url, (void)method, (void)version;
    s_body_t *body = *con_cls;
    if (!body) return (*con_cls = calloc(1, sizeof *body)) ? MHD_YES : MHD_NO;
    if (*size) {
        char *grown = realloc(body->data, body->size + *size);
        if (!grown) return MHD_NO;
        memcpy(grown + body->size, data, *size);
        body->data = grown;
        body->size += *size;
        *size = 0;
        return MHD_YES;
    }
    const char *sig = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, EO_HMAC_HEADER);
    bool ok = eo_hmac_verify(S_SECRET, sig, body->data, body->size, eo_clock_now(sink->clock),
                             EO_HMAC_TOLERANCE) == EO_HMAC_VALID;
    atomic_fetch_add(ok ? &sink->ok : &sink->bad, 1);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, ok ? 200 : 401, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void s_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                   enum MHD_RequestTerminationCode code)
{
    (void)cls, (void)conn, (void)code;
    s_body_t *body = *con_cls;
    if (body) {
        free(body->data);
        free(body);
    }
    *con_cls = NULL;
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void s_item(Eo__Event *ev, Eo__HandoffItem *item, Eo__Request *req, char *id)
{
    *req = (Eo__Request)EO__REQUEST__INIT;
    req->site = "guri";
    req->address = "구리시 인창동 1-2";
    req->member_phone = "+821012345678";
    *item = (Eo__HandoffItem)EO__HANDOFF_ITEM__INIT;
    item->id = id;
    item->site = "guri";
    item->kind = EO__HANDOFF_ITEM__KIND__KIND_SETTLED;
    item->request = req;
    *ev = (Eo__Event)EO__EVENT__INIT;
    ev->id = id;
    ev->site = "guri";
    ev->body_case = EO__EVENT__BODY_HANDOFF;
    ev->handoff = item;
}

static const char s_about[] =
    "Times durable hand-off intake (one fsync'd transaction per item)\n"
    "and signed webhook deliveries to a receiver on loopback; prints\n"
    "one JSON line.";

int eo_bench_handoff(int argc, char **argv)
{
    const char *items_text = "2000", *store_dir = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("items", "N", &items_text, "hand-off items to put and deliver (2000)"),
        EO_OPT_VALUE("store", "DIR", &store_dir,
                     "the store (a temporary folder, removed after)"),
        EO_OPT_END,
    };
    eo_opts_t o = {.prog = "eonjena-bench handoff", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    int items = atoi(items_text);
    if (items < 1) return eo_opts_fail(&o, "--items must be 1 or more");
    char dir[256] = "";
    snprintf(dir, sizeof dir, "%s", store_dir ? store_dir : "");
    if (!*dir) {
        snprintf(dir, sizeof dir, "/tmp/eo_bench_handoff_XXXXXX");
        if (!mkdtemp(dir)) return 1;
    }
    zsys_init();
    zsys_set_logstream(NULL);
    s_sink_t sink = {.clock = eo_clock_new_manual(1795395600000LL)}; /* Mon 2026-11-23 10:00 */
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct MHD_Daemon *daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0, NULL, NULL, s_handler, &sink,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_NOTIFY_COMPLETED, s_done, NULL, MHD_OPTION_END);
    eo_store_t *store = eo_store_new(dir, 0, 0);
    if (!daemon || !store || !sink.clock) return 1;
    unsigned port = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
    char *text = zsys_sprintf("providers\n    p1\n        site = guri\n        mode = webhook\n"
                              "        url = \"http://127.0.0.1:%u/h\"\n        secret = %s\n"
                              "handoff\n    batch = 100000\n",
                              port, S_SECRET);
    zconfig_t *config = zconfig_str_load(text);
    char err[256];
    eo_providers_t *providers = eo_providers_load(config, err, sizeof err);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    eo_handoff_config_load(&cfg, config, err, sizeof err);
    eo_handoff_t *core = eo_handoff_new(store, sink.clock, providers, "*", &cfg);
    if (!core) return 1;

    int64_t t0 = zclock_usecs();
    for (int i = 0; i < items; i++) {
        char id[32];
        snprintf(id, sizeof id, "bench-%06d", i);
        Eo__Event ev;
        Eo__HandoffItem item;
        Eo__Request req;
        s_item(&ev, &item, &req, id);
        if (eo_handoff_accept(core, &ev)) return 1;
    }
    int64_t t1 = zclock_usecs();
    size_t delivered = 0;
    if (eo_handoff_run(core, &delivered)) return 1;
    int64_t t2 = zclock_usecs();

    double put_s = (double)(t1 - t0) / 1e6, deliver_s = (double)(t2 - t1) / 1e6;
    printf("{\"bench\":\"handoff\",\"items\":%d,\"put_per_s\":%.0f,\"put_us\":%.0f,"
           "\"delivered\":%zu,\"verified\":%zu,\"rejected\":%zu,\"deliver_per_s\":%.0f,"
           "\"deliver_us\":%.0f}\n",
           items, items / put_s, put_s * 1e6 / items, delivered, atomic_load(&sink.ok),
           atomic_load(&sink.bad), (double)delivered / deliver_s,
           delivered ? deliver_s * 1e6 / (double)delivered : 0.0);
    eo_handoff_destroy(&core);
    eo_providers_destroy(&providers);
    zconfig_destroy(&config);
    zstr_free(&text);
    eo_store_destroy(&store);
    MHD_stop_daemon(daemon);
    eo_clock_destroy(&sink.clock);
    nftw(dir, s_rm, 8, FTW_DEPTH | FTW_PHYS);
    return delivered == (size_t)items ? 0 : 1;
}
