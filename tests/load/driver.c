/* load.driver: eonjena-load's sender sleeps between requests instead of spinning.
 *
 * The driver is pointed at a socket that accepts connections and never answers. Case 1:
 * one connection, so after the first request every connection is busy; the driver must
 * wait for an answer (at most timeout_ms) rather than poll without a pause. Case 2: many
 * connections and a request due every 2 ms; the driver must sleep until the next one is
 * due, not poll in a loop for the last sub-millisecond. Both count the driver's steps
 * over a fixed stretch of the clock: a driver that sleeps takes a few per request sent,
 * one that spins takes thousands. Case 3: nothing listens at the port; every request
 * sent must come back as a transport error (curl's failed connect reaches the driver
 * through the sockets it watches) and, once told to stop, the driver must finish. Case 4,
 * direct mode (--broker): an in-process broker and a matcher that answers in turn a
 * Status with the request's id, a refusal and bytes that are no Event; a second site has
 * no matcher. Every request must be sent as the gateway's intake reads its body, and each
 * answer read as the API would give it: 201 and the id, the refusal's code and status,
 * 502 bad_reply, 503 no_worker. Case 5, --timeout: a request unanswered that long is a
 * transport error coded client_timeout, through HTTP (the server that never answers) and
 * straight into a broker whose matcher takes the work and never answers; the driver
 * then finishes by itself. */
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <czmq.h>
#include <curl/curl.h>

#include "../../tools/load/load.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"

#define S_CHECK(cond, ...)                                                                     \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "load.driver: " __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                                             \
            exit(1);                                                                           \
        }                                                                                      \
    } while (0)

/* A listening socket on loopback that never accepts: connections queue in its backlog,
 * requests are sent into the kernel's buffers and no answer ever comes. */
static int s_mute_server(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    S_CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 512) == 0 &&
                getsockname(fd, (struct sockaddr *)&a, &len) == 0,
            "cannot listen on loopback");
    *port = ntohs(a.sin_port);
    return fd;
}

/* Run the driver for ms of the clock; the steps it took and the requests it sent. */
static void s_drive(eo_load_driver_config_t *cfg, int ms, long *steps, size_t *sent)
{
    cfg->stop_us = zclock_time() * 1000 + (int64_t)ms * 1000;
    eo_load_driver_t *driver = eo_load_driver_new(cfg);
    S_CHECK(driver, "no driver");
    int64_t until = zclock_mono() + ms;
    *steps = 0;
    while (zclock_mono() < until) {
        eo_load_driver_step(driver, 20);
        (*steps)++;
    }
    eo_load_driver_requests(driver, sent);
    eo_load_driver_destroy(&driver);
}

/* The fake matcher's answer to its k-th request: the id, a refusal, or bytes no Event. */
static void s_answer(eo_worker_t *worker, eo_work_t **work, int k)
{
    zframe_t *body = eo_work_body(*work);
    char err[128];
    Eo__Event *in = eo_event_decode(zframe_data(body), zframe_size(body), err, sizeof err);
    S_CHECK(in && in->body_case == EO__EVENT__BODY_REQUEST && in->request->id &&
                !strncmp(in->request->owner, "load-driver", 11) &&
                !strcmp(in->site, eo_work_site(*work)),
            "the matcher got no Request as the gateway sends it (%s)", in ? "" : err);
    if (k % 3 == 2) {
        eo_event_free(&in);
        S_CHECK(eo_worker_reply(worker, work, "no event", 8) == EO_OK, "reply");
        return;
    }
    Eo__Error e = EO__ERROR__INIT;
    e.code = "too_late";
    Eo__Status st = EO__STATUS__INIT;
    st.request_id = in->request->id;
    if (k % 3 == 1) st.error = &e;
    Eo__Event out = EO__EVENT__INIT;
    out.id = in->id;
    out.site = in->site;
    out.body_case = EO__EVENT__BODY_STATUS;
    out.status = &st;
    size_t size;
    uint8_t *bytes = eo_event_encode(&out, &size);
    S_CHECK(bytes && eo_worker_reply(worker, work, bytes, size) == EO_OK, "reply");
    free(bytes);
    eo_event_free(&in);
}

/* 4: straight into a broker: each answer read as the API would give it. */
static void s_direct(eo_load_driver_config_t cfg, const eo_dongs_t *dongs)
{
    eo_broker_config_t bc;
    eo_broker_config_defaults(&bc);
    bc.unrouted_timeout_ms = 200; /* a site nobody serves is told so soon */
    const char *ep = "inproc://load-driver-direct";
    eo_broker_t *broker = eo_broker_new(ep, &bc);
    eo_worker_t *worker = eo_worker_new(ep, "match", "suwon", NULL, NULL);
    S_CHECK(broker && worker, "no broker or worker");
    eo_load_broker_config_t direct = {.endpoint = ep, .dongs = dongs, .run = "driver"};
    cfg.broker = &direct;
    cfg.sites = 1ULL << eo_dongs_site_find(dongs, "suwon") |
                1ULL << eo_dongs_site_find(dongs, "hwaseong");
    cfg.connections = 16;
    cfg.rate = 400;
    cfg.max = 60;
    cfg.stop_us = zclock_time() * 1000 + 10 * 1000000LL;
    eo_load_driver_t *driver = eo_load_driver_new(&cfg);
    S_CHECK(driver, "no direct driver");
    int served = 0;
    int64_t until = zclock_mono() + 10000;
    while (eo_load_driver_step(driver, 10) && zclock_mono() < until) {
        eo_work_t *work;
        while ((work = eo_worker_recv(worker, 0)))
            s_answer(worker, &work, served++);
    }
    size_t sent;
    eo_load_req_t *reqs = eo_load_driver_requests(driver, &sent);
    S_CHECK(sent == 60, "direct: %zu of 60 sent", sent);
    int n[4] = {0}, k = 0;
    for (size_t i = 0; i < sent; i++) {
        eo_w1_request_t r;
        eo_w1_request(cfg.w1, reqs[i].w1, &r);
        if (streq(r.site, "hwaseong")) {
            S_CHECK(reqs[i].status == 503 && streq(reqs[i].code, "no_worker"),
                    "hwaseong request %zu: %d '%s', not 503 no_worker", i, reqs[i].status,
                    reqs[i].code);
            n[3]++;
            continue;
        }
        int kind = reqs[i].status == 201 ? 0 : reqs[i].status == 422 ? 1 : 2;
        n[kind]++;
        k++;
        if (kind == 0)
            S_CHECK(!strncmp(reqs[i].id, "suwon-", 6) && !reqs[i].code[0],
                    "201 without the request's id: '%s' '%s'", reqs[i].id, reqs[i].code);
        else if (kind == 1)
            S_CHECK(streq(reqs[i].code, "too_late"), "refusal read as '%s'", reqs[i].code);
        else
            S_CHECK(reqs[i].status == 502 && streq(reqs[i].code, "bad_reply"),
                    "request %zu: %d '%s'", i, reqs[i].status, reqs[i].code);
    }
    printf("load.direct: %d served: %d 201, %d refused, %d bad replies; %d no_worker\n", k,
           n[0], n[1], n[2], n[3]);
    S_CHECK(k == served && n[0] == (served + 2) / 3 && n[1] == (served + 1) / 3 &&
                n[2] == served / 3 && n[3] > 0,
            "answers do not add up");
    eo_load_driver_destroy(&driver);
    eo_worker_destroy(&worker);
    eo_broker_destroy(&broker);
}

/* Drive until every request sent is answered (or 10 s): each must be client_timeout. */
static void s_expect_timeouts(eo_load_driver_config_t *cfg, eo_worker_t *worker,
                              const char *what)
{
    cfg->stop_us = zclock_time() * 1000 + 10 * 1000000LL;
    eo_load_driver_t *driver = eo_load_driver_new(cfg);
    S_CHECK(driver, "no driver");
    int64_t until = zclock_mono() + 10000;
    zlistx_t *held = zlistx_new(); /* the matcher's work, never answered */
    eo_work_t *work;
    while (eo_load_driver_step(driver, 20) && zclock_mono() < until)
        while (worker && (work = eo_worker_recv(worker, 0)))
            zlistx_add_end(held, work);
    S_CHECK(zclock_mono() < until, "%s: the driver did not finish", what);
    size_t sent;
    eo_load_req_t *reqs = eo_load_driver_requests(driver, &sent);
    S_CHECK(sent == cfg->max, "%s: %zu of %u sent", what, sent, cfg->max);
    for (size_t i = 0; i < sent; i++) {
        double waited = (double)(reqs[i].answered_us - reqs[i].sent_us) / 1000.0;
        S_CHECK(reqs[i].status == 0 && streq(reqs[i].code, "client_timeout") &&
                    waited >= cfg->timeout_ms - 1,
                "%s: request %zu: %d '%s' after %.0f ms", what, i, reqs[i].status, reqs[i].code,
                waited);
    }
    printf("load.driver: %s: %zu requests, each client_timeout after %d ms\n", what, sent,
           cfg->timeout_ms);
    if (worker)
        S_CHECK(zlistx_size(held) == cfg->max, "%s: the matcher got %zu", what,
                zlistx_size(held));
    for (work = zlistx_first(held); work; work = zlistx_next(held))
        eo_work_destroy(&work);
    zlistx_destroy(&held);
    eo_load_driver_destroy(&driver);
}

/* 5: --timeout, through HTTP (url: a server that never answers) and into a broker */
static void s_timeouts(eo_load_driver_config_t cfg, const eo_dongs_t *dongs)
{
    cfg.connections = 4;
    cfg.rate = 1000;
    cfg.max = 4;
    cfg.timeout_ms = 300;
    s_expect_timeouts(&cfg, NULL, "http");

    const char *ep = "inproc://load-driver-timeout";
    eo_broker_t *broker = eo_broker_new(ep, NULL);
    eo_worker_t *worker = eo_worker_new(ep, "match", "suwon", NULL, NULL);
    S_CHECK(broker && worker, "no broker or worker");
    eo_load_broker_config_t direct = {.endpoint = ep, .dongs = dongs, .run = "driver"};
    cfg.url = NULL;
    cfg.broker = &direct;
    cfg.sites = 1ULL << eo_dongs_site_find(dongs, "suwon");
    s_expect_timeouts(&cfg, worker, "direct");
    eo_worker_destroy(&worker);
    eo_broker_destroy(&broker);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    S_CHECK(dongs, "dong table: %s", err);
    eo_w1_t *w1 = eo_w1_new(dongs, 1, 0);
    int port;
    int fd = s_mute_server(&port);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    uint64_t all = 0;
    for (size_t s = 0; s < eo_dongs_site_count(dongs); s++)
        if (eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT) all |= 1ULL << s;
    eo_load_driver_config_t cfg = {
        .url = url, .dongs = dongs, .w1 = w1, .sites = all, .run = "driver", .max = 100000};

    /* 1: the only connection is busy for good: a step waits up to 20 ms for an answer */
    cfg.connections = 1;
    cfg.rate = 1000;
    long steps;
    size_t sent;
    s_drive(&cfg, 300, &steps, &sent);
    printf("load.driver: one busy connection: %zu sent, %ld steps in 300 ms\n", sent, steps);
    S_CHECK(sent == 1, "sent %zu requests on one connection that never answered", sent);
    S_CHECK(steps <= 60, "%ld steps in 300 ms with every connection busy: it spins", steps);

    /* 2: a request every 2 ms, connections to spare: a step sleeps until one is due */
    cfg.connections = 256;
    cfg.rate = 500;
    s_drive(&cfg, 300, &steps, &sent);
    printf("load.driver: 500/s: %zu sent, %ld steps in 300 ms\n", sent, steps);
    S_CHECK(sent >= 50 && sent <= 256, "sent %zu requests in 300 ms at 500/s", sent);
    S_CHECK(steps <= 4 * (long)sent + 60, "%ld steps for %zu requests: it spins", steps, sent);

    s_timeouts(cfg, dongs);
    close(fd);

    /* 3: the port is closed now: connects are refused, each request ends as a transport
     * error, and a stopped driver finishes once none is in flight */
    cfg.connections = 4;
    cfg.rate = 200;
    cfg.stop_us = zclock_time() * 1000 + 200 * 1000;
    eo_load_driver_t *driver = eo_load_driver_new(&cfg);
    S_CHECK(driver, "no driver");
    int64_t until = zclock_mono() + 200;
    while (zclock_mono() < until)
        eo_load_driver_step(driver, 20);
    eo_load_driver_stop(driver);
    long more = 0;
    while (eo_load_driver_step(driver, 20) && more < 500)
        more++;
    S_CHECK(more < 500, "a stopped driver with refused connections did not finish");
    eo_load_req_t *reqs = eo_load_driver_requests(driver, &sent);
    printf("load.driver: refused: %zu sent, all answered after %ld more steps\n", sent, more);
    S_CHECK(sent >= 10, "only %zu requests sent in 200 ms at 200/s", sent);
    for (size_t i = 0; i < sent; i++)
        S_CHECK(reqs[i].status == 0 && !strcmp(reqs[i].code, "transport") &&
                    reqs[i].answered_us,
                "request %zu: status %d, code '%s'", i, reqs[i].status, reqs[i].code);
    eo_load_driver_destroy(&driver);
    cfg.url = NULL;
    s_direct(cfg, dongs);
    eo_w1_destroy(&w1);
    eo_dongs_destroy(&dongs);
    curl_global_cleanup();
    return 0;
}
