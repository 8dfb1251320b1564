/* broker_proc: the broker tests that need real processes (`eonjena broker` and
 * broker_peer workers), one scenario per ctest entry: broker_proc <scenario>. Waits are
 * bounded waits on pipes and sockets, never sleeps. */
#include <czmq.h>
#include <signal.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_error.h"
#include "proc.h"

#define HB 100 /* heartbeat of every party in these tests (ms) */

static char s_endpoint[512];

/* Start `eonjena broker` on bind (a tcp "*" port is resolved into s_endpoint). */
static void s_start_broker(proc_t *p, const char *bind, const char *extra[])
{
    char bin[1024], hb[16];
    snprintf(hb, sizeof hb, "%d", HB);
    char *argv[32] = {(char *)proc_bin(bin, sizeof bin, "eonjena"),
                      "broker",
                      "--bind",
                      (char *)bind,
                      "--heartbeat",
                      hb};
    int n = 6;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    assert(proc_start(p, argv));
    char line[512];
    assert(proc_expect(p, "ready ", line, sizeof line, 10000));
    snprintf(s_endpoint, sizeof s_endpoint, "%s", line + 6);
}

/* Start a broker_peer worker (tests/broker/peer.c) serving service for sites; waits for it to
 * be created. */
static void s_start_worker(proc_t *p, const char *service, const char *sites,
                           const char *extra[])
{
    char bin[1024], hb[16];
    snprintf(hb, sizeof hb, "%d", HB);
    char *argv[32] = {(char *)proc_bin(bin, sizeof bin, "tests/broker/broker_peer"),
                      s_endpoint,
                      (char *)service,
                      (char *)sites,
                      "--hb",
                      hb};
    int n = 6;
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    assert(proc_start(p, argv));
    char line[64];
    assert(proc_expect(p, "ready", line, sizeof line, 10000));
}

static eo_client_t *s_client(const char *server_cert, const char *cert)
{
    eo_client_t *client = eo_client_new(s_endpoint, server_cert, cert);
    assert(client);
    eo_client_set_heartbeat(client, HB, 3);
    return client;
}

/* Answers received while waiting for another id: id -> "status body". */
static zhashx_t *s_answers;

static int s_take(const char *id, char *text, size_t cap)
{
    char *answer = zhashx_lookup(s_answers, id);
    if (!answer) return 1;
    int status = atoi(answer);
    if (text) snprintf(text, cap, "%s", strchr(answer, ' ') + 1);
    zhashx_delete(s_answers, id);
    return status;
}

/* Wait for the answer to one id; returns its status, copies the body text. */
static int s_answer(eo_client_t *client, const char *id, char *text, size_t cap, int timeout_ms)
{
    if (!s_answers) {
        s_answers = zhashx_new();
        zhashx_set_destructor(s_answers, (zhashx_destructor_fn *)zstr_free);
    }
    int64_t deadline = zclock_mono() + timeout_ms;
    int taken = s_take(id, text, cap);
    if (taken != 1) return taken;
    while (zclock_mono() < deadline) {
        char *corr = NULL;
        int status = 0;
        zframe_t *body = NULL;
        int left = (int)(deadline - zclock_mono());
        if (eo_client_recv(client, left > 0 ? left : 0, &corr, &status, &body) != EO_OK) break;
        zhashx_update(s_answers, corr,
                      zsys_sprintf("%d %.*s", status, body ? (int)zframe_size(body) : 0,
                                   body ? (char *)zframe_data(body) : ""));
        free(corr);
        zframe_destroy(&body);
        if ((taken = s_take(id, text, cap)) != 1) return taken;
    }
    return EO_ETIMEOUT;
}

/* A worker process killed with SIGKILL mid-request: the request completes on another. */
static void s_kill_worker(void)
{
    proc_t broker, a, b;
    s_start_broker(&broker, "tcp://127.0.0.1:*", NULL);
    const char *hang[] = {"--hang", NULL};
    s_start_worker(&a, "echo", "*", hang);
    eo_client_t *client = s_client(NULL, NULL);
    assert(eo_client_send(client, "echo", "suwon", "k1", "hello", 5) == EO_OK);
    char line[256];
    assert(proc_expect(&a, "got k1", line, sizeof line, 5000));
    s_start_worker(&b, "echo", "*", NULL);
    proc_stop(&a, SIGKILL);
    char text[256];
    assert(s_answer(client, "k1", text, sizeof text, 5000) == EO_OK);
    assert(atoi(text) == b.pid); /* answered by the survivor */
    assert(strstr(text, "hello"));
    assert(proc_expect(&b, "got k1", line, sizeof line, 1000));
    eo_client_destroy(&client);
    assert(proc_stop(&b, SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);
}

/* The broker killed and restarted: workers serve again within 3 heartbeats and every
 * request the client had sent is answered. */
static void s_restart(void)
{
    proc_t broker, w[3], late;
    const char *unrouted[] = {"--unrouted-timeout", "30000", NULL};
    /* ipc in our own folder: a tcp port given up by the killed broker could be taken by
     * another test's broker before ours is back (zmq reconnects ipc as it does tcp) */
    char bind[600];
    snprintf(bind, sizeof bind, "ipc://%.500s/broker.ipc", proc_tmp());
    s_start_broker(&broker, bind, unrouted);
    char endpoint[512];
    snprintf(endpoint, sizeof endpoint, "%s", s_endpoint);
    const char *sites[] = {"suwon", "guri", "hanam"};
    for (int i = 0; i < 3; i++)
        s_start_worker(&w[i], "match", sites[i], NULL);
    eo_client_t *client = s_client(NULL, NULL);
    char id[32], text[256];
    for (int i = 0; i < 3; i++) { /* all registered and serving */
        snprintf(id, sizeof id, "warm-%d", i);
        assert(eo_client_send(client, "match", sites[i], id, "w", 1) == EO_OK);
        assert(s_answer(client, id, text, sizeof text, 5000) == EO_OK);
    }
    /* requests sent and not answered when the broker dies: nobody serves yongin yet */
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "y%d", i);
        assert(eo_client_send(client, "match", "yongin", id, "y", 1) == EO_OK);
    }
    assert(s_answer(client, "none", NULL, 0, 2 * HB) == EO_ETIMEOUT); /* they sit queued */
    proc_stop(&broker, SIGKILL);
    s_start_broker(&broker, endpoint, unrouted);
    int64_t ready = zclock_mono();
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "after-%d", i);
        assert(eo_client_send(client, "match", sites[i], id, "a", 1) == EO_OK);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "after-%d", i);
        assert(s_answer(client, id, text, sizeof text, 5000) == EO_OK);
        assert(atoi(text) == w[i].pid);
    }
    int64_t serving = zclock_mono() - ready;
    printf("workers serving again %" PRId64 " ms after the restart (heartbeat %d ms)\n",
           serving, HB);
    assert(serving <= 3 * HB);
    s_start_worker(&late, "match", "yongin", NULL);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "y%d", i);
        assert(s_answer(client, id, text, sizeof text, 5000) == EO_OK);
        assert(atoi(text) == late.pid);
    }
    assert(eo_client_pending(client) == 0);
    eo_client_destroy(&client);
    assert(proc_stop(&late, SIGTERM) == 0);
    for (int i = 0; i < 3; i++)
        assert(proc_stop(&w[i], SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);
}

/* A full (service, site) queue answers "overloaded" at once. */
static void s_overload(void)
{
    proc_t broker, worker;
    const char *extra[] = {"--max-queue", "3", NULL};
    s_start_broker(&broker, "tcp://127.0.0.1:*", extra);
    const char *hang[] = {"--hang", NULL};
    s_start_worker(&worker, "sms", "suwon", hang);
    eo_client_t *client = s_client(NULL, NULL);
    char line[256], id[16];
    assert(eo_client_send(client, "sms", "suwon", "o1", "x", 1) == EO_OK);
    assert(proc_expect(&worker, "got o1", line, sizeof line, 5000));
    for (int i = 2; i <= 5; i++) {
        snprintf(id, sizeof id, "o%d", i);
        assert(eo_client_send(client, "sms", "suwon", id, "x", 1) == EO_OK);
    }
    int64_t start = zclock_mono();
    assert(s_answer(client, "o5", NULL, 0, 5000) == EO_EOVERLOAD);
    printf("overloaded after %" PRId64 " ms\n", zclock_mono() - start);
    /* the three queued ones are still waiting, not refused */
    assert(s_answer(client, "o2", NULL, 0, 3 * HB) == EO_ETIMEOUT);
    assert(eo_client_pending(client) == 4);
    eo_client_destroy(&client);
    assert(proc_stop(&worker, SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);
}

/* A service, or a site, nobody serves: a clear error after the bounded wait. */
static void s_unserved(void)
{
    proc_t broker, worker;
    const char *extra[] = {"--unrouted-timeout", "300", NULL};
    s_start_broker(&broker, "tcp://127.0.0.1:*", extra);
    s_start_worker(&worker, "sms", "suwon", NULL);
    eo_client_t *client = s_client(NULL, NULL);
    int64_t start = zclock_mono();
    assert(eo_client_send(client, "ghost", "suwon", "g1", "x", 1) == EO_OK);
    assert(eo_client_send(client, "sms", "guri", "g2", "x", 1) == EO_OK);
    assert(s_answer(client, "g1", NULL, 0, 5000) == EO_ENOTFOUND);
    assert(zclock_mono() - start >= 300);
    assert(s_answer(client, "g2", NULL, 0, 5000) == EO_ENOTFOUND);
    char text[256];
    zframe_t *reply = NULL; /* the served site still works */
    assert(eo_client_request(client, "sms", "suwon", "ok", 2, 5000, &reply) == EO_OK);
    snprintf(text, sizeof text, "%.*s", (int)zframe_size(reply), (char *)zframe_data(reply));
    assert(atoi(text) == worker.pid);
    zframe_destroy(&reply);
    eo_client_destroy(&client);
    assert(proc_stop(&worker, SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);
}

/* A worker for suwon never gets guri work; one serving "guri,hanam" gets both. */
static void s_sites(void)
{
    proc_t broker, suwon, guri;
    s_start_broker(&broker, "tcp://127.0.0.1:*", NULL);
    const char *window[] = {"--window", "4", NULL};
    s_start_worker(&suwon, "match", "suwon", window);
    s_start_worker(&guri, "match", "guri,hanam", window);
    eo_client_t *client = s_client(NULL, NULL);
    const char *sites[] = {"suwon", "guri", "hanam"};
    char id[16], text[256];
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "s%d", i);
        assert(eo_client_send(client, "match", sites[i % 3], id, sites[i % 3],
                              strlen(sites[i % 3])) == EO_OK);
    }
    for (int i = 0; i < 30; i++) {
        snprintf(id, sizeof id, "s%d", i);
        assert(s_answer(client, id, text, sizeof text, 5000) == EO_OK);
        assert(atoi(text) == (i % 3 == 0 ? suwon.pid : guri.pid));
    }
    eo_client_destroy(&client);
    assert(proc_stop(&suwon, SIGTERM) == 0);
    assert(proc_stop(&guri, SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);
}

static void s_save_cert(zcert_t *cert, const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert(zcert_save(cert, path) == 0);
}

/* CURVE on tcp: the right keys work; a client key the broker does not know, or no
 * CURVE at all, is refused (nothing reaches a worker). */
static void s_curve(void)
{
    const char *tmp = proc_tmp();
    char clients[512], keys[512];
    snprintf(clients, sizeof clients, "%.400s/clients", tmp);
    snprintf(keys, sizeof keys, "%.400s/keys", tmp);
    assert(zsys_dir_create(clients) == 0 && zsys_dir_create(keys) == 0);
    zcert_t *client_cert = zcert_new(), *worker_cert = zcert_new(), *intruder = zcert_new();
    /* the broker's pair comes from `eonjena keygen`, as an operator would make it */
    char bin[1024];
    proc_t keygen;
    char *kargv[] = {
        (char *)proc_bin(bin, sizeof bin, "eonjena"), "keygen", "broker", "--dir", keys, NULL};
    assert(proc_start(&keygen, kargv));
    assert(proc_stop(&keygen, 0) == 0); /* signal 0: just wait for it */
    assert(proc_start(&keygen, kargv));
    assert(proc_stop(&keygen, 0) == 1); /* never overwrites a key */
    s_save_cert(client_cert, keys, "client");
    s_save_cert(worker_cert, keys, "worker");
    s_save_cert(intruder, keys, "intruder");
    char path[1024];
    snprintf(path, sizeof path, "%s/client", clients);
    assert(zcert_save_public(client_cert, path) == 0);
    snprintf(path, sizeof path, "%s/worker", clients);
    assert(zcert_save_public(worker_cert, path) == 0);
    char server_pub[1024], client_sec[1024], worker_sec[1024], intruder_sec[1024];
    snprintf(server_pub, sizeof server_pub, "%s/broker", keys);
    snprintf(client_sec, sizeof client_sec, "%s/client_secret", keys);
    snprintf(worker_sec, sizeof worker_sec, "%s/worker_secret", keys);
    snprintf(intruder_sec, sizeof intruder_sec, "%s/intruder_secret", keys);
    char broker_sec[1024];
    snprintf(broker_sec, sizeof broker_sec, "%s/broker_secret", keys);

    proc_t broker, worker;
    const char *extra[] = {"--curve-secret", broker_sec, "--curve-clients", clients, NULL};
    s_start_broker(&broker, "tcp://127.0.0.1:*", extra);
    const char *wextra[] = {"--server-cert", server_pub, "--cert", worker_sec, NULL};
    s_start_worker(&worker, "echo", "*", wextra);

    eo_client_t *good = s_client(server_pub, client_sec);
    zframe_t *reply = NULL;
    assert(eo_client_request(good, "echo", "suwon", "hi", 2, 5000, &reply) == EO_OK);
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)zframe_size(reply), (char *)zframe_data(reply));
    assert(atoi(text) == worker.pid);
    zframe_destroy(&reply);

    eo_client_t *bad = s_client(server_pub, intruder_sec);
    assert(eo_client_request(bad, "echo", "suwon", "evil", 4, 1000, &reply) == EO_ETIMEOUT);
    eo_client_t *plain = s_client(NULL, NULL);
    assert(eo_client_request(plain, "echo", "suwon", "evil", 4, 1000, &reply) == EO_ETIMEOUT);
    assert(eo_client_new(s_endpoint, "/no/such/cert", NULL) == NULL);
    /* the worker saw only the good request */
    assert(eo_client_request(good, "echo", "suwon", "again", 5, 5000, &reply) == EO_OK);
    zframe_destroy(&reply);
    char line[256];
    int got = 0;
    while (proc_line(&worker, line, sizeof line, 0))
        got += strncmp(line, "got ", 4) == 0;
    assert(got == 2);

    eo_client_destroy(&good);
    eo_client_destroy(&bad);
    eo_client_destroy(&plain);
    assert(proc_stop(&worker, SIGTERM) == 0);
    assert(proc_stop(&broker, SIGTERM) == 0);

    /* an empty clients folder admits nobody, not everybody */
    char empty[512];
    snprintf(empty, sizeof empty, "%.400s/no-clients", tmp);
    assert(zsys_dir_create(empty) == 0);
    const char *eextra[] = {"--curve-secret", broker_sec, "--curve-clients", empty, NULL};
    s_start_broker(&broker, "tcp://127.0.0.1:*", eextra);
    good = s_client(server_pub, client_sec);
    assert(eo_client_request(good, "echo", "suwon", "hi", 2, 1000, &reply) == EO_ETIMEOUT);
    eo_client_destroy(&good);
    assert(proc_stop(&broker, SIGTERM) == 0);
    /* a secret without a clients folder does not start (no silent "any key") */
    char *nargv[] = {(char *)proc_bin(bin, sizeof bin, "eonjena"),
                     "broker",
                     "--bind",
                     "tcp://127.0.0.1:*",
                     "--curve-secret",
                     broker_sec,
                     NULL};
    assert(proc_start(&broker, nargv));
    assert(proc_stop(&broker, 0) == 1);
    zcert_destroy(&client_cert);
    zcert_destroy(&worker_cert);
    zcert_destroy(&intruder);
}

/* Plain tcp beyond loopback: the broker does not bind it and a role does not connect to
 * it, unless told (a trusted network); loopback stays plain. */
static void s_plain(void)
{
    char bin[1024];
    proc_t p;
    char *bargv[] = {(char *)proc_bin(bin, sizeof bin, "eonjena"), "broker", "--bind",
                     "tcp://0.0.0.0:*", NULL};
    assert(proc_start(&p, bargv));
    assert(proc_stop(&p, 0) == 1);
    const char *allow[] = {"--allow-plain-tcp", NULL};
    s_start_broker(&p, "tcp://0.0.0.0:*", allow);
    assert(proc_stop(&p, SIGTERM) == 0);
    s_start_broker(&p, "tcp://127.0.0.1:*", NULL);
    assert(proc_stop(&p, SIGTERM) == 0);
    /* a role to a broker on another host (TEST-NET-1), plain: refused at start */
    char store[512], rbin[1024];
    snprintf(store, sizeof store, "%.400s/store", proc_tmp());
    char *rargv[] = {(char *)proc_bin(rbin, sizeof rbin, "eonjena-matcher"),
                     "--broker",
                     "tcp://192.0.2.1:5555",
                     "--store",
                     store,
                     "--init",
                     NULL};
    assert(proc_start(&p, rargv));
    char line[512];
    bool said = false;
    while (!said && proc_line(&p, line, sizeof line, 10000))
        said = strstr(line, "refusing a plain link to tcp://192.0.2.1:5555") != NULL;
    assert(said);
    assert(proc_stop(&p, 0) == 1);
}

int main(int argc, char **argv)
{
    zsys_init();
    signal(SIGPIPE, SIG_IGN);
    const char *what = argc > 1 ? argv[1] : "";
    if (streq(what, "kill-worker"))
        s_kill_worker();
    else if (streq(what, "restart"))
        s_restart();
    else if (streq(what, "overload"))
        s_overload();
    else if (streq(what, "unserved"))
        s_unserved();
    else if (streq(what, "sites"))
        s_sites();
    else if (streq(what, "curve"))
        s_curve();
    else if (streq(what, "plain"))
        s_plain();
    else {
        fprintf(stderr, "broker_proc: unknown scenario '%s'\n", what);
        return 2;
    }
    zhashx_destroy(&s_answers);
    printf("%s: ok\n", what);
    return 0;
}
