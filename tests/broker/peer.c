/* broker_peer: a worker process for the broker tests (real processes to kill).
 *   broker_peer ENDPOINT SERVICE SITES [--hb MS] [--window N] [--hang]
 *               [--server-cert FILE --cert FILE]
 * Prints "got <id>" for each work item; answers "<pid> <sites> <body>" unless --hang
 * (then it keeps heartbeating and never answers). Ends on SIGTERM. */
#include <czmq.h>
#include <signal.h>

#include "eonjena/eo_broker.h"

static volatile sig_atomic_t s_stop = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: broker_peer ENDPOINT SERVICE SITES [options]\n");
        return 2;
    }
    int hb = 1000, window = 1;
    bool hang = false;
    const char *server_cert = NULL, *cert = NULL;
    for (int i = 4; i < argc; i++) {
        if (streq(argv[i], "--hb") && i + 1 < argc)
            hb = atoi(argv[++i]);
        else if (streq(argv[i], "--window") && i + 1 < argc)
            window = atoi(argv[++i]);
        else if (streq(argv[i], "--hang"))
            hang = true;
        else if (streq(argv[i], "--server-cert") && i + 1 < argc)
            server_cert = argv[++i];
        else if (streq(argv[i], "--cert") && i + 1 < argc)
            cert = argv[++i];
    }
    zsys_init();
    zsys_set_logstream(stderr); /* stdout is read by the test */
    struct sigaction sa = {.sa_handler = s_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    eo_worker_t *worker = eo_worker_new(argv[1], argv[2], argv[3], server_cert, cert);
    if (!worker) return 1;
    eo_worker_set_heartbeat(worker, hb, 3);
    eo_worker_set_window(worker, window);
    printf("ready\n");
    fflush(stdout);
    while (!s_stop) {
        eo_work_t *work = eo_worker_recv(worker, 50);
        if (!work) continue;
        printf("got %s\n", eo_work_id(work));
        fflush(stdout);
        if (hang) {
            eo_work_destroy(&work); /* the broker still counts it in flight */
            continue;
        }
        char reply[512];
        zframe_t *body = eo_work_body(work);
        int n = snprintf(reply, sizeof reply, "%d %s %.*s", (int)getpid(), argv[3],
                         (int)zframe_size(body), (char *)zframe_data(body));
        eo_worker_reply(worker, &work, reply, (size_t)n);
    }
    eo_worker_destroy(&worker);
    return 0;
}
