/* bench/sms.c: eonjena-bench sms, messages per second through the sms role into a real
 * Kannel, against posting the same sendsms requests to smsbox directly with the same
 * number of keep-alive connections, measured in the same run (issue 6).
 *
 *   eonjena-bench sms [--adapter kannel] [--messages 5000] [--connections 8] [--dlr]
 * prints {"bench":"sms","adapter":"kannel","messages":M,"connections":C,"dlr":false,
 *         "sent_per_s":..,"kannel_direct_per_s":..,"ratio":..}
 *
 * "Ours" is the whole path: a client sends M offer Messages through the broker to the
 * sms role, which records each durably (LMDB, fsync, group commit), acknowledges it and
 * hands it to the kannel adapter; the clock stops when smsbox has accepted all M.
 * "Direct" is M sendsms GETs with the same query (Hangul, coding=2, charset=UTF-8, and
 * dlr-url with --dlr) on C keep-alive connections. Kannel is started from
 * tests/kannel/stack.sh in a temporary folder and stopped afterwards. */
#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>

#include "bench.h"
#include "common/opts.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "sms/sms.h"

#define S_TEXT "[언제나돌봄] 수원시 파장동 11/24(화) 19:00-22:30 45,000원. 수락 4821 / 거절 2"

typedef struct {
    int messages, connections;
    bool dlr;
    char dir[256];
    char sendsms[256], user[64], password[64], mo_key[64];
    int port; /* our HTTP endpoint */
} s_opts_t;

static int s_stack(s_opts_t *o, const char *what)
{
    char cmd[1024];
    if (streq(what, "start"))
        snprintf(cmd, sizeof cmd,
                 "'%s/tests/kannel/stack.sh' start '%s' 'http://127.0.0.1:%d/kannel/kannel/mo'",
                 EO_SOURCE_DIR, o->dir, o->port);
    else if (streq(what, "port"))
        snprintf(cmd, sizeof cmd, "'%s/tests/kannel/stack.sh' port '%s'", EO_SOURCE_DIR,
                 o->dir);
    else
        snprintf(cmd, sizeof cmd, "'%s/tests/kannel/stack.sh' stop '%s'", EO_SOURCE_DIR,
                 o->dir);
    if (streq(what, "port")) {
        FILE *p = popen(cmd, "r");
        if (!p || fscanf(p, "%d", &o->port) != 1) o->port = 0;
        return p && pclose(p) == 0 && o->port > 0 ? 0 : -1;
    }
    return system(cmd) == 0 ? 0 : -1;
}

static int s_read_env(s_opts_t *o)
{
    char path[300], line[512];
    snprintf(path, sizeof path, "%s/env", o->dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        if (!strncmp(line, "KANNEL_SENDSMS_URL=", 19))
            snprintf(o->sendsms, sizeof o->sendsms, "%.255s", line + 19);
        else if (!strncmp(line, "KANNEL_USER=", 12))
            snprintf(o->user, sizeof o->user, "%.63s", line + 12);
        else if (!strncmp(line, "KANNEL_PASSWORD=", 16))
            snprintf(o->password, sizeof o->password, "%.63s", line + 16);
        else if (!strncmp(line, "KANNEL_MO_KEY=", 14))
            snprintf(o->mo_key, sizeof o->mo_key, "%.63s", line + 14);
    }
    fclose(f);
    return *o->sendsms ? 0 : -1;
}

static size_t s_discard(char *p, size_t s, size_t n, void *a)
{
    (void)p, (void)a;
    return s * n;
}

/* Direct: M GETs on C keep-alive connections with one curl multi handle. */
static double s_direct(s_opts_t *o)
{
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)o->connections);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)o->connections);
    CURL **easy = calloc((size_t)o->connections, sizeof *easy);
    char *text = curl_easy_escape(NULL, S_TEXT, 0);
    int next = 0, done = 0, failed = 0, busy = 0;
    int64_t t0 = zclock_usecs();
    while (done < o->messages) {
        for (int i = 0; i < o->connections && next < o->messages; i++) {
            if (busy & (1 << i)) continue;
            if (!easy[i]) {
                easy[i] = curl_easy_init();
                curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, s_discard);
                curl_easy_setopt(easy[i], CURLOPT_TCP_NODELAY, 1L);
                curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (char *)(intptr_t)i);
            }
            char url[2048];
            char to[16];
            snprintf(to, sizeof to, "0102%07d", next);
            if (o->dlr) {
                char dlr[256], *edlr;
                snprintf(dlr, sizeof dlr,
                         "http://127.0.0.1:%d/kannel/kannel/dlr?id=direct-%d&status=%%d",
                         o->port, next);
                edlr = curl_easy_escape(NULL, dlr, 0);
                snprintf(url, sizeof url,
                         "%s?username=%s&password=%s&from=0311234567&coding=2&charset=UTF-8"
                         "&to=%s&text=%s&dlr-mask=3&dlr-url=%s",
                         o->sendsms, o->user, o->password, to, text, edlr);
                curl_free(edlr);
            } else
                snprintf(url, sizeof url,
                         "%s?username=%s&password=%s&from=0311234567&coding=2&charset=UTF-8"
                         "&to=%s&text=%s",
                         o->sendsms, o->user, o->password, to, text);
            curl_easy_setopt(easy[i], CURLOPT_URL, url);
            curl_multi_add_handle(multi, easy[i]);
            busy |= 1 << i;
            next++;
        }
        int running;
        curl_multi_perform(multi, &running);
        curl_multi_poll(multi, NULL, 0, 100, NULL);
        curl_multi_perform(multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            long code = 0;
            char *priv;
            curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
            failed += m->data.result != CURLE_OK || code != 202;
            curl_multi_remove_handle(multi, m->easy_handle);
            busy &= ~(1 << (int)(intptr_t)priv);
            done++;
        }
    }
    double secs = (double)(zclock_usecs() - t0) / 1e6;
    for (int i = 0; i < o->connections; i++)
        if (easy[i]) curl_easy_cleanup(easy[i]);
    free(easy);
    curl_free(text);
    curl_multi_cleanup(multi);
    if (failed) fprintf(stderr, "bench sms: %d direct sends failed\n", failed);
    return failed ? 0 : o->messages / secs;
}

static long s_stat(zactor_t *sms, const char *key)
{
    zstr_send(sms, "STATS");
    char *text = zstr_recv(sms);
    json_t *j = json_loads(text, 0, NULL);
    long v = j ? (long)json_integer_value(json_object_get(j, key)) : -1;
    json_decref(j);
    zstr_free(&text);
    return v;
}

/* Ours: client -> broker -> sms role (durable, acknowledged) -> kannel adapter. */
static double s_ours(s_opts_t *o)
{
    char *cfg = zsys_sprintf(
        "sms\n    listen = \"127.0.0.1:%d\"\n    window = 256\n    sites\n        default\n"
        "            adapter = kannel\n    adapters\n        kannel\n            type = "
        "kannel\n"
        "            sendsms = \"%s\"\n            username = \"%s\"\n            password = "
        "\"%s\"\n"
        "            from = \"0311234567\"\n            connections = %d\n            dlr_mask "
        "= %d\n"
        "            inbound_secret = \"%s\"\n",
        o->port, o->sendsms, o->user, o->password, o->connections, o->dlr ? 3 : 0, o->mo_key);
    zconfig_t *config = zconfig_str_load(cfg);
    zstr_free(&cfg);
    char err[256], path[300];
    snprintf(path, sizeof path, "%s/store", o->dir);
    eo_store_t *store = eo_store_new(path, 1024, getenv("BENCH_NOSYNC") ? EO_STORE_NOSYNC : 0);
    eo_clock_t *clock = eo_clock_new_system();
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_broker_t *broker = eo_broker_new("inproc://bench-sms", NULL);
    if (!config || !store || !dongs || !broker) {
        fprintf(stderr, "bench sms: setup failed\n");
        return 0;
    }
    eo_role_args_t args = {.broker = eo_broker_endpoint(broker),
                           .sites = "*",
                           .config = config,
                           .store = store,
                           .clock = clock,
                           .dongs = dongs};
    zactor_t *sms = eo_role_start(eo_sms_actor, &args);
    eo_client_t *client = eo_client_new(args.broker, NULL, NULL);
    double rate = 0;
    if (!sms || !client) goto done;
    int sent = 0, acked = 0, window = 1024;
    int64_t t0 = zclock_usecs();
    while (acked < o->messages) {
        while (sent < o->messages && sent - acked < window) {
            char id[48], to[16], code[8];
            snprintf(id, sizeof id, "bench:%d:offer", sent);
            snprintf(to, sizeof to, "0103%07d", sent);
            snprintf(code, sizeof code, "%04d", 1000 + sent % 9000);
            Eo__Message m = EO__MESSAGE__INIT;
            m.id = id, m.site = "suwon", m.to = to, m.text = S_TEXT, m.code = code;
            m.kind = EO__MESSAGE__KIND__KIND_OFFER, m.request_id = "bench",
            m.carer_id = (uint32_t)sent + 1;
            Eo__Event ev = EO__EVENT__INIT;
            ev.id = id, ev.site = "suwon", ev.body_case = EO__EVENT__BODY_MESSAGE,
            ev.message = &m;
            size_t size;
            uint8_t *body = eo_event_encode(&ev, &size);
            eo_client_send(client, "sms", "suwon", id, body, size);
            free(body);
            sent++;
        }
        char *corr = NULL;
        int status;
        zframe_t *reply = NULL;
        if (eo_client_recv(client, 1000, &corr, &status, &reply) == 0) {
            acked += status == EO_OK;
            if (status != EO_OK)
                fprintf(stderr, "bench sms: %s: %s\n", corr, eo_strerror(status));
        }
        zstr_free(&corr);
        zframe_destroy(&reply);
    }
    fprintf(stderr, "bench sms: all acknowledged after %.3f s\n",
            (double)(zclock_usecs() - t0) / 1e6);
    /* then until smsbox has taken every one */
    int64_t until = zclock_mono() + 60000;
    while (s_stat(sms, "sent") < o->messages && zclock_mono() < until)
        zclock_sleep(10); /* a benchmark's polling interval, not synchronisation in a test */
    long got = s_stat(sms, "sent");
    double secs = (double)(zclock_usecs() - t0) / 1e6;
    if (got == o->messages)
        rate = o->messages / secs;
    else
        fprintf(stderr, "bench sms: only %ld of %d sent\n", got, o->messages);
done:
    eo_client_destroy(&client);
    zactor_destroy(&sms);
    eo_broker_destroy(&broker);
    eo_dongs_destroy(&dongs);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    zconfig_destroy(&config);
    return rate;
}

static const char s_about[] =
    "Messages/s through the sms role into a real Kannel (started from\n"
    "tests/kannel/stack.sh) vs posting to smsbox's sendsms directly.";

int eo_bench_sms(int argc, char **argv)
{
    s_opts_t o = {0};
    const char *adapter = "kannel", *messages = "5000", *connections = "8";
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("adapter", "kannel", &adapter, "the adapter measured (only kannel)"),
        EO_OPT_VALUE("messages", "M", &messages, "messages sent, 1 or more (5000)"),
        EO_OPT_VALUE("connections", "C", &connections, "HTTP connections to smsbox, 1..30 (8)"),
        EO_OPT_FLAG("dlr", &o.dlr, "ask for delivery reports"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench sms", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o.messages = atoi(messages);
    o.connections = atoi(connections);
    if (!streq(adapter, "kannel") || o.messages < 1 || o.connections < 1 || o.connections > 30)
        return eo_opts_fail(&p, "--adapter kannel, --messages >= 1, --connections 1..30");
    zsys_init();
    zsys_set_logstream(stderr);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    snprintf(o.dir, sizeof o.dir, "/tmp/eonjena-bench-sms-%d", getpid());
    zsys_dir_create("%s", o.dir);
    rc = 1;
    if (s_stack(&o, "port") || s_stack(&o, "start") || s_read_env(&o)) {
        fprintf(stderr, "eonjena-bench sms: cannot start Kannel (see %s)\n", o.dir);
        goto out;
    }
    /* direct before and after ours, averaged: the machine's load drifts during a run */
    double before = s_direct(&o);
    double ours = s_ours(&o);
    double after = s_direct(&o);
    double direct = before > 0 && after > 0 ? (before + after) / 2 : 0;
    fprintf(stderr, "bench sms: direct %.0f then %.0f, ours %.0f messages/s\n", before, after,
            ours);
    if (direct > 0 && ours > 0) {
        printf("{\"bench\":\"sms\",\"adapter\":\"kannel\",\"messages\":%d,\"connections\":%d,"
               "\"dlr\":%s,\"sent_per_s\":%.0f,\"kannel_direct_per_s\":%.0f,\"ratio\":%.2f}\n",
               o.messages, o.connections, o.dlr ? "true" : "false", ours, direct,
               ours / direct);
        rc = 0;
    }
out:
    s_stack(&o, "stop");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", o.dir);
    if (rc == 0 && system(cmd) != 0) fprintf(stderr, "bench sms: could not remove %s\n", o.dir);
    curl_global_cleanup();
    return rc;
}
