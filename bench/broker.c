/* bench/broker.c: eonjena-bench broker, round trips through the eonjena broker against a
 * plain ROUTER-ROUTER proxy with the same message sizes and socket types, measured in
 * the same run (issue 4). Every client thread is synchronous: send, wait for the reply.
 *
 *   eonjena-bench broker [--clients 16] [--workers 4] [--messages 200000] [--size 100]
 *                        [--window N (default: the worker's)] [--endpoint tcp|ipc|inproc]
 * prints {"bench":"broker","clients":C,"workers":W,"rt_per_s":..,"p50_us":..,
 *         "p99_us":..,"raw_rt_per_s":..,...} */
#include <czmq.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_error.h"

typedef struct {
    int clients, workers, messages, size, window;
    const char *transport;
    char front[128], back[128]; /* endpoints */
    bool raw;
} opts_t;

typedef struct {
    opts_t *o;
    int count;       /* round trips this client does */
    int64_t *lat_us; /* one per round trip (eonjena broker only) */
} client_arg_t;

/* --- the raw proxy: ROUTER front for clients, ROUTER back for workers --------------- */

static void s_raw_proxy(zsock_t *pipe, void *arg)
{
    opts_t *o = arg;
    zsock_t *front = zsock_new(ZMQ_ROUTER), *back = zsock_new(ZMQ_ROUTER);
    zsock_set_sndhwm(front, 100000);
    zsock_set_rcvhwm(front, 100000);
    zsock_set_sndhwm(back, 100000);
    zsock_set_rcvhwm(back, 100000);
    zsock_bind(front, "%s", o->front);
    zsock_bind(back, "%s", o->back);
    zframe_t *workers[256];
    int nworkers = 0, next = 0;
    zsock_signal(pipe, 0);
    zmq_pollitem_t items[] = {{zsock_resolve(pipe), 0, ZMQ_POLLIN, 0},
                              {zsock_resolve(front), 0, ZMQ_POLLIN, 0},
                              {zsock_resolve(back), 0, ZMQ_POLLIN, 0}};
    while (zmq_poll(items, 3, -1) >= 0) {
        if (items[0].revents & ZMQ_POLLIN) break;
        /* same draining as the broker: many messages per poll */
        for (int i = 0; i < 512 && nworkers > 0 && (items[1].revents & ZMQ_POLLIN); i++) {
            zmsg_t *msg = zmsg_recv_nowait(front); /* [client][body] */
            if (!msg) break;
            zmsg_pushmem(msg, zframe_data(workers[next]), zframe_size(workers[next]));
            next = (next + 1) % nworkers;
            zmsg_send(&msg, back);
        }
        for (int i = 0; i < 512 && (items[2].revents & ZMQ_POLLIN); i++) {
            zmsg_t *msg = zmsg_recv_nowait(back); /* [worker][client][body] or READY */
            if (!msg) break;
            zframe_t *worker = zmsg_pop(msg);
            if (zmsg_size(msg) == 1) {
                if (nworkers < 256)
                    workers[nworkers++] = worker;
                else
                    zframe_destroy(&worker);
                zmsg_destroy(&msg);
                continue;
            }
            zframe_destroy(&worker);
            zmsg_send(&msg, front);
        }
    }
    for (int i = 0; i < nworkers; i++)
        zframe_destroy(&workers[i]);
    zsock_destroy(&front);
    zsock_destroy(&back);
}

static void s_raw_worker(zsock_t *pipe, void *arg)
{
    opts_t *o = arg;
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    zsock_connect(sock, "%s", o->back);
    zstr_send(sock, "READY");
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, sock, NULL);
    while (true) {
        void *which = zpoller_wait(poller, -1);
        if (which != sock) break;
        zmsg_t *msg = zmsg_recv(sock); /* [client][body]: echo it */
        zmsg_send(&msg, sock);
    }
    zpoller_destroy(&poller);
    zsock_destroy(&sock);
}

/* --- clients ------------------------------------------------------------------------- */

static void s_client(zsock_t *pipe, void *arg)
{
    client_arg_t *a = arg;
    opts_t *o = a->o;
    char *body = calloc(1, (size_t)o->size);
    memset(body, 'x', (size_t)o->size);
    zsock_t *raw = NULL;
    eo_client_t *client = NULL;
    if (o->raw) {
        raw = zsock_new(ZMQ_DEALER);
        zsock_connect(raw, "%s", o->front);
    } else
        client = eo_client_new(o->front, NULL, NULL);
    zsock_signal(pipe, 0);
    char *go = zstr_recv(pipe); /* start together */
    free(go);
    for (int i = 0; i < a->count; i++) {
        int64_t t0 = zclock_usecs();
        if (raw) {
            zmq_send(zsock_resolve(raw), body, (size_t)o->size, 0);
            zframe_t *reply = zframe_recv(raw);
            zframe_destroy(&reply);
        } else {
            zframe_t *reply = NULL;
            int rc = eo_client_request(client, "bench", "suwon", body, (size_t)o->size, 10000,
                                       &reply);
            assert(rc == EO_OK);
            zframe_destroy(&reply);
        }
        if (a->lat_us) a->lat_us[i] = zclock_usecs() - t0;
    }
    zsock_signal(pipe, 0);
    free(zstr_recv(pipe)); /* $TERM */
    zsock_destroy(&raw);
    eo_client_destroy(&client);
    free(body);
}

static void s_worker(zsock_t *pipe, void *arg)
{
    opts_t *o = arg;
    eo_worker_t *worker = eo_worker_new(o->back, "bench", "*", NULL, NULL);
    assert(worker);
    if (o->window > 0) /* else the worker's default */
        eo_worker_set_window(worker, o->window);
    zsock_signal(pipe, 0);
    zpoller_t *poller = zpoller_new(pipe, NULL);
    while (!zpoller_wait(poller, 0) && !zpoller_terminated(poller)) {
        eo_work_t *work = eo_worker_recv(worker, 50);
        if (work) {
            zframe_t *body = eo_work_body(work);
            eo_worker_reply(worker, &work, zframe_data(body), zframe_size(body));
        }
    }
    zpoller_destroy(&poller);
    eo_worker_destroy(&worker);
}

/* Runs the clients against whatever is listening; returns round trips per second. */
static double s_run_clients(opts_t *o, int64_t *lat_us)
{
    zactor_t **actors = calloc((size_t)o->clients, sizeof(zactor_t *));
    client_arg_t *args = calloc((size_t)o->clients, sizeof(client_arg_t));
    int per = o->messages / o->clients, done = 0;
    for (int i = 0; i < o->clients; i++) {
        args[i] = (client_arg_t){o, per, lat_us ? lat_us + (size_t)i * per : NULL};
        actors[i] = zactor_new(s_client, &args[i]);
    }
    int64_t t0 = zclock_usecs();
    for (int i = 0; i < o->clients; i++)
        zstr_send(actors[i], "GO");
    for (int i = 0; i < o->clients; i++, done += per)
        zsock_wait(actors[i]);
    double secs = (double)(zclock_usecs() - t0) / 1e6;
    for (int i = 0; i < o->clients; i++)
        zactor_destroy(&actors[i]);
    free(actors);
    free(args);
    return done / secs;
}

static void s_endpoints(opts_t *o, const char *tag)
{
    int pid = getpid();
    if (streq(o->transport, "inproc")) {
        snprintf(o->front, sizeof o->front, "inproc://bench-%s-front", tag);
        snprintf(o->back, sizeof o->back, "inproc://bench-%s-back", tag);
    } else if (streq(o->transport, "ipc")) {
        snprintf(o->front, sizeof o->front, "ipc:///tmp/eo-bench-%d-%s-front", pid, tag);
        snprintf(o->back, sizeof o->back, "ipc:///tmp/eo-bench-%d-%s-back", pid, tag);
    } else {
        int port = 20000 + (pid * 7 + (tag[0] == 'r' ? 0 : 2)) % 30000;
        snprintf(o->front, sizeof o->front, "tcp://127.0.0.1:%d", port);
        snprintf(o->back, sizeof o->back, "tcp://127.0.0.1:%d", port + 1);
    }
}

static double s_raw(opts_t *o)
{
    o->raw = true;
    s_endpoints(o, "raw");
    zactor_t *proxy = zactor_new(s_raw_proxy, o);
    zactor_t **workers = calloc((size_t)o->workers, sizeof(zactor_t *));
    for (int i = 0; i < o->workers; i++)
        workers[i] = zactor_new(s_raw_worker, o);
    zclock_sleep(200); /* benchmark set-up only: let the READYs reach the proxy */
    double rate = s_run_clients(o, NULL);
    for (int i = 0; i < o->workers; i++)
        zactor_destroy(&workers[i]);
    free(workers);
    zactor_destroy(&proxy);
    return rate;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double s_broker(opts_t *o, int64_t *lat_us)
{
    o->raw = false;
    s_endpoints(o, "eo");
    snprintf(o->back, sizeof o->back, "%s", o->front); /* one socket for both sides */
    eo_broker_t *broker = eo_broker_new(o->front, NULL);
    if (!broker) return -1;
    zactor_t **workers = calloc((size_t)o->workers, sizeof(zactor_t *));
    for (int i = 0; i < o->workers; i++)
        workers[i] = zactor_new(s_worker, o);
    zclock_sleep(200); /* benchmark set-up only: let the READYs reach the broker */
    double rate = s_run_clients(o, lat_us);
    for (int i = 0; i < o->workers; i++)
        zactor_destroy(&workers[i]);
    free(workers);
    eo_broker_destroy(&broker);
    return rate;
}

static const char s_about[] =
    "Synchronous round trips through the eonjena broker and through a\n"
    "plain ROUTER-ROUTER proxy in the same run; prints one JSON line.";

/* The command line into *o; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, opts_t *o)
{
    const char *clients = "16", *workers = "4", *messages = "200000", *size = "100",
               *window = "0";
    o->transport = "tcp";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("clients", "C", &clients, "concurrent clients, 1..1024 (16)"),
        EO_OPT_VALUE("workers", "W", &workers, "workers, 1..256 (4)"),
        EO_OPT_VALUE("messages", "M", &messages, "round trips in all, at least C (200000)"),
        EO_OPT_VALUE("size", "BYTES", &size, "the body of each (100)"),
        EO_OPT_VALUE("window", "N", &window, "worker credit window (0: the default)"),
        EO_OPT_VALUE("endpoint", "tcp|ipc|inproc", &o->transport, "the transport (tcp)"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench broker", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o->clients = atoi(clients);
    o->workers = atoi(workers);
    o->messages = atoi(messages);
    o->size = atoi(size);
    o->window = atoi(window);
    if (o->clients < 1 || o->clients > 1024 || o->workers < 1 || o->workers > 256 ||
        o->messages < o->clients || o->size < 0 || o->window < 0)
        return eo_opts_fail(&p, "a number out of range");
    if (!streq(o->transport, "tcp") && !streq(o->transport, "ipc") &&
        !streq(o->transport, "inproc"))
        return eo_opts_fail(&p, "bad --endpoint '%s'", o->transport);
    return EO_OPTS_RUN;
}

int eo_bench_broker(int argc, char **argv)
{
    opts_t o = {0};
    int rc = s_parse(argc, argv, &o);
    if (rc != EO_OPTS_RUN) return rc;
    zsys_init();
    zsys_set_logstream(NULL);
    int per = o.messages / o.clients;
    size_t n = (size_t)per * o.clients;
    int64_t *lat = calloc(n, sizeof *lat);
    double raw = s_raw(&o);
    double rate = s_broker(&o, lat);
    if (rate < 0) {
        fprintf(stderr, "eonjena-bench broker: cannot start the broker\n");
        free(lat);
        return 1;
    }
    qsort(lat, n, sizeof *lat, s_cmp);
    printf("{\"bench\":\"broker\",\"clients\":%d,\"workers\":%d,\"rt_per_s\":%.0f,"
           "\"p50_us\":%lld,\"p99_us\":%lld,\"raw_rt_per_s\":%.0f,\"ratio\":%.2f,"
           "\"messages\":%zu,\"size\":%d,\"window\":%d,\"endpoint\":\"%s\"}\n",
           o.clients, o.workers, rate, (long long)lat[n / 2], (long long)lat[n * 99 / 100], raw,
           rate / raw, n, o.size, o.window ? o.window : EO_WORKER_WINDOW, o.transport);
    free(lat);
    return 0;
}
