/* sms.http: the generic JSON webhook adapter against a real HTTP server in this test
 * (libmicrohttpd) playing the provider: field mapping, the auth header, retry after a
 * 503, a 400 refused for good, and inbound MO/DLR webhooks (JSON and form arguments). */
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>

#include "sms/adapter.h"

typedef struct {
    pthread_mutex_t lock;
    zhash_t *attempts; /* ref -> count (as a string) */
    char last_body[2048];
    char last_auth[128];
} t_provider;

typedef struct {
    char body[4096];
    size_t size;
} t_req;

static enum MHD_Result s_provider(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    (void)url, (void)version;
    t_provider *p = cls;
    t_req *r = *con_cls;
    if (!r) {
        *con_cls = calloc(1, sizeof(t_req));
        return MHD_YES;
    }
    if (*size) {
        if (r->size + *size < sizeof r->body) {
            memcpy(r->body + r->size, data, *size);
            r->size += *size;
        }
        *size = 0;
        return MHD_YES;
    }
    json_t *j = json_loadb(r->body, r->size, 0, NULL);
    const char *ref = json_string_value(json_object_get(j, "msg_ref"));
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Api-Key");
    unsigned status = 500;
    pthread_mutex_lock(&p->lock);
    snprintf(p->last_body, sizeof p->last_body, "%.*s", (int)r->size, r->body);
    snprintf(p->last_auth, sizeof p->last_auth, "%s", auth ? auth : "");
    if (ref && streq(method, "POST")) {
        char *count = zhash_lookup(p->attempts, ref);
        int n = count ? atoi(count) + 1 : 1;
        char text[16];
        snprintf(text, sizeof text, "%d", n);
        zhash_update(p->attempts, ref, text);
        /* "flaky": busy the first time; "bad": refused; anything else taken */
        status = strstr(ref, "flaky") && n == 1 ? 503 : strstr(ref, "bad") ? 400 : 200;
    }
    pthread_mutex_unlock(&p->lock);
    json_decref(j);
    free(r);
    *con_cls = NULL;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(2, "{}", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

typedef struct {
    int ok, failed, mo, dlr_ok, dlr_failed, dlr_queued;
    char mo_from[32], mo_text[64], mo_id[32];
} t_tally;

static void s_sent(void *owner, const char *a, const char *id, int rc)
{
    (void)a, (void)id;
    t_tally *t = owner;
    if (rc == 0)
        t->ok++;
    else
        t->failed++;
}

static void s_mo(void *owner, const char *a, const eo_sms_mo_t *mo)
{
    (void)a;
    t_tally *t = owner;
    t->mo++;
    snprintf(t->mo_from, sizeof t->mo_from, "%s", mo->from);
    snprintf(t->mo_text, sizeof t->mo_text, "%s", mo->text);
    snprintf(t->mo_id, sizeof t->mo_id, "%s", mo->id);
}

static void s_dlr(void *owner, const char *a, const char *id, eo_dlr_t st)
{
    (void)a, (void)id;
    t_tally *t = owner;
    if (st == EO_DLR_DELIVERED)
        t->dlr_ok++;
    else if (st == EO_DLR_FAILED)
        t->dlr_failed++;
    else
        t->dlr_queued++;
}

int main(void)
{
    zsys_init();
    t_provider p = {.attempts = zhash_new()};
    pthread_mutex_init(&p.lock, NULL);
    zhash_autofree(p.attempts);
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL,
                                            s_provider, &p, MHD_OPTION_END);
    assert(d);
    int port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    char *cfg = zsys_sprintf(
        "x\n    t\n        type = http\n        url = \"http://127.0.0.1:%d/send\"\n"
        "        auth_header = \"X-Api-Key: k-123\"\n        from = \"0311234567\"\n"
        "        field_id = msg_ref\n        field_to = dest\n        backoff_ms = 20\n"
        "        retries = 3\n        mo_from = sender\n        mo_text = body\n"
        "        mo_id = uid\n        dlr_id = msg_ref\n        dlr_status = result\n"
        "        delivered = \"DELIVERED,OK\"\n        failed = \"FAIL,EXPIRED\"\n"
        "        inbound_secret = \"http-test-inbound-secret\"\n"
        "        allow_from = \"10.0.0.0/8\"\n",
        port);
    zconfig_t *root = zconfig_str_load(cfg);
    zstr_free(&cfg);
    t_tally t = {0};
    eo_sms_sink_t sink = {&t, s_sent, s_mo, s_dlr};
    eo_sms_adapter_env_t env = {"t", zconfig_locate(root, "x/t"), "http://127.0.0.1:1", NULL,
                                &sink};
    char err[256];
    eo_sms_adapter_t *a = eo_sms_adapter_new(&env, err, sizeof err);
    assert(a);
    /* who may call back: its address in allow_from and the secret */
    assert(eo_sms_adapter_admit(a, "10.1.2.3", "http-test-inbound-secret") == NULL);
    assert(streq(eo_sms_adapter_admit(a, "10.1.2.3", "http-test-inbound-secreT"), "key"));
    assert(streq(eo_sms_adapter_admit(a, "10.1.2.3", ""), "key"));
    assert(streq(eo_sms_adapter_admit(a, "127.0.0.1", "http-test-inbound-secret"), "source"));
    eo_sms_mt_t mt = {"m-ok", "+821012345678", "[언제나돌봄] 수락 4821", false, true, "4821"};
    assert(eo_sms_adapter_send(a, &mt) == 0);
    mt.id = "m-flaky";
    assert(eo_sms_adapter_send(a, &mt) == 0);
    mt.id = "m-bad";
    assert(eo_sms_adapter_send(a, &mt) == 0);
    /* drive the adapter's cycle as the role does, 5 s at most */
    int64_t until = zclock_mono() + 5000;
    while (t.ok + t.failed < 3 && zclock_mono() < until) {
        zmq_pollitem_t items[8];
        size_t n = eo_sms_adapter_pollfds(a, items, 8);
        int64_t due = eo_sms_adapter_due(a);
        zmq_poll(items, (int)n, due < 0 || due > 50 ? 50 : (long)due);
        eo_sms_adapter_ready(a, items, n);
        eo_sms_adapter_tick(a);
    }
    assert(t.ok == 2 && t.failed == 1); /* flaky went through on its second try */
    assert(streq(zhash_lookup(p.attempts, "m-flaky"), "2"));
    assert(streq(zhash_lookup(p.attempts, "m-bad"), "1")); /* a 400 is not retried */
    json_t *body = json_loads(p.last_body, 0, NULL);
    assert(body && streq(json_string_value(json_object_get(body, "dest")), "01012345678"));
    assert(streq(json_string_value(json_object_get(body, "text")), "[언제나돌봄] 수락 4821"));
    assert(streq(json_string_value(json_object_get(body, "from")), "0311234567"));
    json_decref(body);
    assert(streq(p.last_auth, "k-123"));

    /* inbound webhooks, JSON */
    zhash_t *args = zhash_new();
    const char *mo = "{\"uid\": 77, \"sender\": \"010-2222-0005\", \"body\": \"수락 2222\"}";
    assert(eo_sms_adapter_inbound(a, "mo", args, mo, strlen(mo)) == 200);
    assert(t.mo == 1 && streq(t.mo_id, "77") && streq(t.mo_text, "수락 2222"));
    assert(streq(t.mo_from, "010-2222-0005"));
    const char *dlr = "{\"msg_ref\": \"m-ok\", \"result\": \"ok\"}";
    assert(eo_sms_adapter_inbound(a, "dlr", args, dlr, strlen(dlr)) == 200 && t.dlr_ok == 1);
    dlr = "{\"msg_ref\": \"m-ok\", \"result\": \"EXPIRED\"}";
    assert(eo_sms_adapter_inbound(a, "dlr", args, dlr, strlen(dlr)) == 200 &&
           t.dlr_failed == 1);
    /* form/query arguments when there is no body */
    zhash_insert(args, "msg_ref", "m-flaky");
    zhash_insert(args, "result", "ACCEPTED");
    assert(eo_sms_adapter_inbound(a, "dlr", args, "", 0) == 200 && t.dlr_queued == 1);
    /* bad input changes nothing */
    assert(eo_sms_adapter_inbound(a, "mo", args, "[1,2]", 5) == 400);
    assert(eo_sms_adapter_inbound(a, "mo", args, "{not json", 9) == 400);
    assert(eo_sms_adapter_inbound(a, "mo", args, "{}", 2) == 400);
    assert(eo_sms_adapter_inbound(a, "what", args, "{}", 2) == 404);
    assert(t.mo == 1 && t.dlr_ok == 1);
    zhash_destroy(&args);
    eo_sms_adapter_destroy(&a);
    zconfig_destroy(&root);

    /* misconfigurations */
    static const char *bad[] = {
        "x\n    t\n        type = http\n",
        "x\n    t\n        type = http\n        url = \"http://h/\"\n        auth_header = "
        "nocolon\n",
        "x\n    t\n        type = http\n        url = \"http://h/\"\n        connections = 0\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        root = zconfig_str_load(bad[i]);
        env.section = zconfig_locate(root, "x/t");
        assert(eo_sms_adapter_new(&env, err, sizeof err) == NULL &&
               strstr(err, "sms/adapters/t"));
        zconfig_destroy(&root);
    }
    MHD_stop_daemon(d);
    zhash_destroy(&p.attempts);
    printf("sms.http: OK\n");
    return 0;
}
