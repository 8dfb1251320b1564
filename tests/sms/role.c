/* sms.role: the sms actor against a real broker, a real LMDB store and real HTTP
 * callbacks, with a small "match" worker in this thread standing in for the matcher.
 * Offers go out through the simulator (site suwon) and the file adapter (site guri);
 * replies come back from the simulator and as HTTP GETs on the role's endpoint, the way
 * Kannel's get-url and dlr-url call it. Time is a manual clock. */
#include <curl/curl.h>
#include <czmq.h>
#include <ftw.h>
#include <jansson.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "sms/book.h"
#include "sms/sms.h"

/* the inbound_secret of the test's kannel adapters */
#define S_KEY "role-test-inbound-secret"

typedef struct {
    char dir[512];
    eo_store_t *store;
    eo_clock_t *clock;
    eo_dongs_t *dongs;
    zconfig_t *config;
    eo_broker_t *broker;
    eo_role_args_t args;
    zactor_t *sms;
    eo_worker_t *match;  /* the matcher's stand-in */
    eo_client_t *client; /* sends Messages to "sms" */
    zlistx_t *events;    /* Eo__Event* received by match, not yet looked at */
    int port;
} t_fx;

static int s_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void s_event_free(void **item)
{
    eo_event_free((Eo__Event **)item);
}

static json_t *s_stats(t_fx *fx)
{
    zstr_send(fx->sms, "STATS");
    char *text = zstr_recv(fx->sms);
    json_t *j = json_loads(text, 0, NULL);
    zstr_free(&text);
    assert(j);
    return j;
}

static long s_stat(t_fx *fx, const char *key)
{
    json_t *j = s_stats(fx);
    long v = (long)json_integer_value(json_object_get(j, key));
    json_decref(j);
    return v;
}

static void s_start_sms(t_fx *fx)
{
    fx->args = (eo_role_args_t){.broker = eo_broker_endpoint(fx->broker),
                                .sites = "*",
                                .config = fx->config,
                                .store = fx->store,
                                .clock = fx->clock,
                                .dongs = fx->dongs};
    fx->sms = eo_role_start(eo_sms_actor, &fx->args);
    assert(fx->sms);
    fx->port = (int)s_stat(fx, "http_port");
    assert(fx->port > 0);
}

static void s_setup(t_fx *fx)
{
    memset(fx, 0, sizeof *fx);
    const char *tmp = getenv("EO_TEST_TMP") ? getenv("EO_TEST_TMP") : "/tmp/eo-sms-role";
    snprintf(fx->dir, sizeof fx->dir, "%s/role", tmp);
    nftw(fx->dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    zsys_dir_create("%s", fx->dir);
    char store[600];
    snprintf(store, sizeof store, "%s/store", fx->dir);
    fx->store = eo_store_new(store, 64, 0);
    eo_time_t t0;
    assert(eo_time_parse("2026-11-24T19:00", &t0) == EO_OK);
    fx->clock = eo_clock_new_manual(t0 * 1000);
    char err[256];
    fx->dongs = eo_dongs_load_default(err, sizeof err);
    assert(fx->store && fx->clock && fx->dongs);
    char *cfg = zsys_sprintf(
        "sms\n    listen = \"127.0.0.1:0\"\n    help_interval_s = 60\n    ack_flush_ms = "
        "60000\n"
        "    sites\n        "
        "default\n            adapter = sim\n"
        "        guri\n            adapter = tofile\n    adapters\n        sim\n            "
        "type = sim\n"
        "            inbound_secret = \"sim-role-test-secret\"\n"
        "            delay_ms = 1000\n            jitter_ms = 0\n            accept = 1\n"
        "            decline = 0\n            dlr_ms = 10\n        tofile\n            type = "
        "file\n"
        "            path = \"%s/guri.log\"\n        gw\n            type = kannel\n"
        "            sendsms = \"http://127.0.0.1:9/cgi-bin/sendsms\"\n            username = "
        "x\n"
        "            from = \"0311234567\"\n            dlr_mask = 0\n"
        "            inbound_secret = \"" S_KEY "\"\n        gw2\n            type = kannel\n"
        "            sendsms = \"http://127.0.0.1:9/cgi-bin/sendsms\"\n            username = "
        "x\n"
        "            from = \"0311234567\"\n            dlr_mask = 0\n"
        "            inbound_secret = \"" S_KEY
        "\"\n            allow_from = \"10.9.9.9, 192.168.0.0/16\"\n",
        fx->dir);
    fx->config = zconfig_str_load(cfg);
    zstr_free(&cfg);
    assert(fx->config);
    fx->broker = eo_broker_new("inproc://sms-role-test", NULL);
    assert(fx->broker);
    fx->match = eo_worker_new(eo_broker_endpoint(fx->broker), "match", "*", NULL, NULL);
    fx->client = eo_client_new(eo_broker_endpoint(fx->broker), NULL, NULL);
    fx->events = zlistx_new();
    zlistx_set_destructor(fx->events, s_event_free);
    s_start_sms(fx);
}

static void s_teardown(t_fx *fx)
{
    zactor_destroy(&fx->sms);
    eo_worker_destroy(&fx->match);
    eo_client_destroy(&fx->client);
    eo_broker_destroy(&fx->broker);
    zlistx_destroy(&fx->events);
    zconfig_destroy(&fx->config);
    eo_store_destroy(&fx->store);
    eo_dongs_destroy(&fx->dongs);
    eo_clock_destroy(&fx->clock);
    nftw(fx->dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
}

/* Send one Message to (sms, site); returns the reply Event (caller frees). */
static Eo__Event *s_send_m(t_fx *fx, Eo__Message *m);

static Eo__Event *s_send(t_fx *fx, const char *id, const char *site, const char *to,
                         const char *text, Eo__Message__Kind kind, const char *request,
                         uint32_t carer, const char *code)
{
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = (char *)id;
    m.site = (char *)site;
    m.to = (char *)to;
    m.text = (char *)text;
    m.kind = kind;
    m.request_id = (char *)request;
    m.carer_id = carer;
    m.code = (char *)code;
    return s_send_m(fx, &m);
}

/* A CLOSE from the matcher: carer won `won`, the offers of `closes` are over. */
static void s_send_close(t_fx *fx, const char *id, const char *site, const char *to,
                         const char *won, uint32_t carer, char **closes, size_t n)
{
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = (char *)id;
    m.site = (char *)site;
    m.to = (char *)to;
    m.kind = EO__MESSAGE__KIND__KIND_CLOSE;
    m.request_id = (char *)won;
    m.carer_id = carer;
    m.n_close_ids = n;
    m.close_ids = closes;
    Eo__Event *back = s_send_m(fx, &m);
    assert(back->body_case == EO__EVENT__BODY_ACK && streq(back->ack->ids[0], id));
    eo_event_free(&back);
}

static Eo__Event *s_send_m(t_fx *fx, Eo__Message *m)
{
    const char *site = m->site;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = m->id;
    ev.site = m->site;
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = m;
    size_t size;
    uint8_t *body = eo_event_encode(&ev, &size);
    zframe_t *reply = NULL;
    int rc = eo_client_request(fx->client, "sms", site, body, size, 5000, &reply);
    free(body);
    assert(rc == EO_OK && reply);
    char err[128];
    Eo__Event *back = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    zframe_destroy(&reply);
    assert(back);
    return back;
}

static void s_send_ok(t_fx *fx, const char *id, const char *site, const char *to,
                      const char *text, Eo__Message__Kind kind, const char *request,
                      uint32_t carer, const char *code)
{
    Eo__Event *back = s_send(fx, id, site, to, text, kind, request, carer, code);
    assert(back->body_case == EO__EVENT__BODY_ACK && back->ack->n_ids == 1);
    assert(streq(back->ack->ids[0], id));
    eo_event_free(&back);
}

/* Take what "match" was sent (acknowledging each) until one of `kind` is there, for at
 * most 5 s; NULL if none came. */
static Eo__Event *s_expect(t_fx *fx, Eo__Event__BodyCase kind)
{
    int64_t until = zclock_mono() + 5000;
    while (true) {
        for (Eo__Event *ev = zlistx_first(fx->events); ev; ev = zlistx_next(fx->events))
            if (ev->body_case == kind) return zlistx_detach_cur(fx->events);
        if (zclock_mono() > until) return NULL;
        eo_work_t *work = eo_worker_recv(fx->match, 100);
        if (!work) continue;
        char err[128];
        zframe_t *f = eo_work_body(work);
        Eo__Event *ev = eo_event_decode(zframe_data(f), zframe_size(f), err, sizeof err);
        assert(ev);
        assert(streq(eo_work_site(work), ev->site));
        zlistx_add_end(fx->events, ev);
        eo_worker_reply(fx->match, &work, "", 0);
    }
}

/* Nothing more of `kind` arrives within `ms`. */
static void s_expect_none(t_fx *fx, Eo__Event__BodyCase kind, int ms)
{
    int64_t until = zclock_mono() + ms;
    while (zclock_mono() < until) {
        eo_work_t *work = eo_worker_recv(fx->match, 50);
        if (work) {
            char err[128];
            zframe_t *f = eo_work_body(work);
            zlistx_add_end(fx->events,
                           eo_event_decode(zframe_data(f), zframe_size(f), err, sizeof err));
            eo_worker_reply(fx->match, &work, "", 0);
        }
    }
    for (Eo__Event *ev = zlistx_first(fx->events); ev; ev = zlistx_next(fx->events))
        assert(ev->body_case != kind);
}

/* A GET on the role's endpoint presenting `key` (NULL: none) in the URL, as Kannel's
 * get-url does, or in the X-Eonjena-Key header; returns the HTTP status. */
static long s_get_as(t_fx *fx, const char *path_and_query, const char *key, bool header)
{
    CURL *c = curl_easy_init();
    char url[1024], line[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s%s%s", fx->port, path_and_query,
             key && !header ? (strchr(path_and_query, '?') ? "&key=" : "?key=") : "",
             key && !header ? key : "");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    struct curl_slist *headers = NULL;
    if (key && header) {
        snprintf(line, sizeof line, "X-Eonjena-Key: %s", key);
        headers = curl_slist_append(headers, line);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    }
    long code = 0;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    return code;
}

/* A GET as the gateway makes it: with the adapter's secret. */
static long s_get(t_fx *fx, const char *path_and_query)
{
    return s_get_as(fx, path_and_query, S_KEY, false);
}

/* An MO through the endpoint: text is URL-encoded here. */
static long s_mo(t_fx *fx, const char *id, const char *from, const char *text)
{
    CURL *c = curl_easy_init();
    char *e = curl_easy_escape(c, text, 0), *f = curl_easy_escape(c, from, 0);
    char path[512];
    snprintf(path, sizeof path, "/kannel/gw/mo?id=%s&from=%s&text=%s", id, f, e);
    curl_free(e);
    curl_free(f);
    curl_easy_cleanup(c);
    return s_get(fx, path);
}

/* Lines of the guri file adapter's log containing `needle`. */
static int s_file_count(t_fx *fx, const char *needle)
{
    char path[600], line[2048];
    snprintf(path, sizeof path, "%s/guri.log", fx->dir);
    FILE *f = fopen(path, "r");
    int n = 0;
    while (f && fgets(line, sizeof line, f))
        n += strstr(line, needle) != NULL;
    if (f) fclose(f);
    return n;
}

static void s_test_sim_offer(t_fx *fx)
{
    /* an offer to a suwon carer: acknowledged, sent by the simulator */
    s_send_ok(fx, "r1:7:offer", "suwon", "010-1111-0007",
              "[언제나돌봄] 제안 수락 4821 / 거절 2", EO__MESSAGE__KIND__KIND_OFFER, "r1", 7,
              "4821");
    /* the same Message again: acknowledged, not sent twice */
    s_send_ok(fx, "r1:7:offer", "suwon", "010-1111-0007",
              "[언제나돌봄] 제안 수락 4821 / 거절 2", EO__MESSAGE__KIND__KIND_OFFER, "r1", 7,
              "4821");
    /* delivered after 10 ms of the clock */
    eo_clock_advance_ms(fx->clock, 20);
    Eo__Event *ev = s_expect(fx, EO__EVENT__BODY_DELIVERY);
    assert(ev && streq(ev->delivery->message_id, "r1:7:offer"));
    assert(ev->delivery->status == EO__DELIVERY__STATUS__STATUS_DELIVERED);
    assert(streq(ev->site, "suwon"));
    eo_event_free(&ev);
    /* the simulated carer accepts after a second, with the code */
    eo_clock_advance_ms(fx->clock, 1000);
    ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && ev->answer->accept && streq(ev->answer->request_id, "r1"));
    assert(ev->answer->carer_id == 7 && streq(ev->answer->code, "4821"));
    assert(strncmp(ev->answer->reply_id, "sim:", 4) == 0);
    eo_event_free(&ev);
    /* sent once; the repeat (and any re-dispatch by the broker) only acknowledged */
    assert(s_stat(fx, "sent") == 1 && s_stat(fx, "duplicates") >= 1);
}

static void s_test_refused(t_fx *fx)
{
    /* malformed messages are answered with an error, never sent */
    Eo__Event *back = s_send(fx, "r2:8:offer", "suwon", "02-123-4567", "x",
                             EO__MESSAGE__KIND__KIND_OFFER, "r2", 8, "1234");
    assert(back->body_case == EO__EVENT__BODY_ERROR && streq(back->error->code, "bad_message"));
    eo_event_free(&back);
    back = s_send(fx, "r2:9:offer", "suwon", "010-1111-0009", "", EO__MESSAGE__KIND__KIND_OFFER,
                  "r2", 9, "1234");
    assert(back->body_case == EO__EVENT__BODY_ERROR);
    eo_event_free(&back);
    /* a notice may go to a call centre's landline */
    s_send_ok(fx, "r1:notice", "suwon", "+82215771234", "[언제나돌봄] r1 배정",
              EO__MESSAGE__KIND__KIND_NOTICE, "r1", 0, "");
    assert(s_stat(fx, "rejected") == 2);
}

static void s_test_replies(t_fx *fx)
{
    const char *b = "+821022220005";
    /* two open offers to one guri carer: written to the file adapter's log */
    s_send_ok(fx, "r3:5:offer", "guri", b, "[언제나돌봄] 인창동 제안 수락 2222",
              EO__MESSAGE__KIND__KIND_OFFER, "r3", 5, "2222");
    s_send_ok(fx, "r4:5:offer", "guri", b, "[언제나돌봄] 교문동 제안 수락 3333",
              EO__MESSAGE__KIND__KIND_OFFER, "r4", 5, "3333");
    assert(s_file_count(fx, "인창동 제안") == 1 && s_file_count(fx, "+82 10-****-0005") == 2);
    /* "수락" without a code while two offers are open: a help text, no answer */
    assert(s_mo(fx, "mo-1", "010-2222-0005", "수락") == 200);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 300);
    assert(s_file_count(fx, "kannel-mo-1:help") == 0); /* ids are adapter-scoped */
    assert(s_file_count(fx, "gw:mo-1:help") == 1);
    /* garbage at once: no second help text within help_interval_s (no paid reply for
     * every text); after it, help again */
    assert(s_mo(fx, "mo-2a", "01022220005", "몇 시예요?") == 200);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 100);
    assert(s_file_count(fx, "gw:mo-2a:help") == 0 && s_stat(fx, "help_limited") == 1);
    eo_clock_advance_ms(fx->clock, 60000);
    assert(s_mo(fx, "mo-2", "01022220005", "몇 시예요?") == 200);
    assert(s_file_count(fx, "gw:mo-2:help") == 1);
    /* "거절 3333" names the offer of r4 */
    assert(s_mo(fx, "mo-3", "010 2222 0005", "거절 3333") == 200);
    Eo__Event *ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && !ev->answer->accept && streq(ev->answer->request_id, "r4"));
    assert(ev->answer->carer_id == 5 && streq(ev->answer->reply_id, "gw:mo-3"));
    assert(streq(ev->site, "guri"));
    eo_event_free(&ev);
    /* the same MO again (Kannel retried): nothing new */
    assert(s_mo(fx, "mo-3", "010 2222 0005", "거절 3333") == 200);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 300);
    /* now one offer is open: a bare "1" is enough */
    assert(s_mo(fx, "mo-4", "+82 10-2222-0005", "1") == 200);
    ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && ev->answer->accept && streq(ev->answer->request_id, "r3"));
    assert(streq(ev->answer->code, "2222"));
    eo_event_free(&ev);
    /* no open offer left: "1" again gets help */
    eo_clock_advance_ms(fx->clock, 60000);
    assert(s_mo(fx, "mo-5", b, "1") == 200);
    assert(s_file_count(fx, "gw:mo-5:help") == 1);
    /* two offers again; the carer wins something overlapping r6, so r6 is closed without
     * a text (one KIND_CLOSE for r7, the request they won), twice (a relay resend): a
     * bare "1" is then about r5 */
    s_send_ok(fx, "r5:5:offer", "guri", b, "[언제나돌봄] 인창동 제안 수락 4444",
              EO__MESSAGE__KIND__KIND_OFFER, "r5", 5, "4444");
    s_send_ok(fx, "r6:5:offer", "guri", b, "[언제나돌봄] 교문동 제안 수락 5555",
              EO__MESSAGE__KIND__KIND_OFFER, "r6", 5, "5555");
    char *closes[] = {"r6", "r9"}; /* r9: never offered to this carer, nothing to close */
    for (int i = 0; i < 2; i++)
        s_send_close(fx, "r7:5:close", "guri", b, "r7", 5, closes, 2);
    assert(s_file_count(fx, "r7:5:close") == 0);
    /* a close that names nothing is refused */
    Eo__Event *refused =
        s_send(fx, "r8:5:close", "guri", b, "", EO__MESSAGE__KIND__KIND_CLOSE, "r8", 5, "");
    assert(refused->body_case == EO__EVENT__BODY_ERROR);
    eo_event_free(&refused);
    assert(s_mo(fx, "mo-5b", b, "1") == 200);
    ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && ev->answer->accept && streq(ev->answer->request_id, "r5"));
    eo_event_free(&ev);
    /* a delivery report through the dlr path: failure */
    assert(s_get(fx, "/kannel/gw/dlr?id=r3%3A5%3Aoffer&status=16") == 200);
    ev = s_expect(fx, EO__EVENT__BODY_DELIVERY);
    while (ev && streq(ev->delivery->message_id, "r1:notice")) { /* delivered as time went on */
        eo_event_free(&ev);
        ev = s_expect(fx, EO__EVENT__BODY_DELIVERY);
    }
    assert(ev && streq(ev->delivery->message_id, "r3:5:offer"));
    assert(ev->delivery->status == EO__DELIVERY__STATUS__STATUS_FAILED);
    eo_event_free(&ev);
    /* the winner's text, then the carer's 시작 */
    s_send_ok(fx, "r3:5:winner", "guri", b, "[언제나돌봄] 배정 확정 인창동 1-2 서연",
              EO__MESSAGE__KIND__KIND_WINNER, "r3", 5, "2222");
    assert(s_mo(fx, "mo-6", b, "시작") == 200);
    ev = s_expect(fx, EO__EVENT__BODY_SERVICE_TIME);
    assert(ev && streq(ev->service_time->request_id, "r3") && ev->service_time->carer_id == 5);
    assert(ev->service_time->kind == EO__SERVICE_TIME__KIND__KIND_START);
    eo_event_free(&ev);
    assert(s_file_count(fx, "gw:mo-6:time") == 1);
    /* STOP: the consent change and a confirmation */
    assert(s_mo(fx, "mo-7", b, "수신거부") == 200);
    ev = s_expect(fx, EO__EVENT__BODY_CARER_CONSENT);
    assert(ev && streq(ev->carer_consent->phone, b) && ev->carer_consent->carer_id == 5);
    assert(!ev->carer_consent->pool && streq(ev->site, "guri"));
    eo_event_free(&ev);
    assert(s_file_count(fx, "gw:mo-7:stop") == 1);
    /* bad callbacks change nothing */
    assert(s_get(fx, "/kannel/gw/mo?id=&from=x&text=1") == 400);
    assert(s_get(fx, "/kannel/nope/mo?id=1&from=01022220005&text=1") == 404);
    assert(s_get(fx, "/../../etc/passwd") == 400);
    assert(s_get(fx, "/kannel/gw/dlr?id=unknown&status=1") == 200);
    assert(s_mo(fx, "mo-8", "hello", "1") == 200);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 200);
    /* a number we never wrote to gets no reply at all (no SMS pumping) */
    eo_clock_advance_ms(fx->clock, 60000);
    assert(s_mo(fx, "mo-9", "010-9999-0001", "도와주세요") == 200);
    assert(s_mo(fx, "mo-10", "010-9999-0001", "수신거부") == 200);
    s_expect_none(fx, EO__EVENT__BODY_CARER_CONSENT, 200);
    assert(s_file_count(fx, "gw:mo-9") == 0 && s_file_count(fx, "gw:mo-10") == 0);
    assert(s_stat(fx, "mo_unknown") == 2);
}

/* Forged callbacks: without the adapter's secret, with a wrong one, or from an address
 * the adapter does not allow, an MO or a delivery report is refused (403), counted, and
 * changes nothing; a replayed MO changes nothing either. */
static void s_test_forged(t_fx *fx)
{
    const char *b = "+821022220005";
    s_send_ok(fx, "r10:5:offer", "guri", b, "[언제나돌봄] 인창동 제안 수락 6666",
              EO__MESSAGE__KIND__KIND_OFFER, "r10", 5, "6666");
    long mo = s_stat(fx, "mo"), dlr = s_stat(fx, "dlr");
    assert(s_get_as(fx, "/kannel/gw/mo?id=f1&from=01022220005&text=1", NULL, false) == 403);
    assert(s_get_as(fx, "/kannel/gw/mo?id=f2&from=01022220005&text=1",
                    "role-test-inbound-secreT", false) == 403);
    assert(s_get_as(fx, "/kannel/gw/mo?id=f3&from=01022220005&text=1", "x", true) == 403);
    assert(s_get_as(fx, "/kannel/gw/dlr?id=r10%3A5%3Aoffer&status=2", NULL, false) == 403);
    assert(s_stat(fx, "refused_key") == 4);
    /* the right secret from an address gw2 does not allow */
    assert(s_get_as(fx, "/kannel/gw2/mo?id=f4&from=01022220005&text=1", S_KEY, false) == 403);
    assert(s_stat(fx, "refused_source") == 1);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 300);
    s_expect_none(fx, EO__EVENT__BODY_DELIVERY, 1);
    for (Eo__Event *ev = zlistx_first(fx->events); ev; ev = zlistx_next(fx->events))
        assert(ev->body_case != EO__EVENT__BODY_ANSWER &&
               ev->body_case != EO__EVENT__BODY_DELIVERY);
    assert(s_stat(fx, "mo") == mo && s_stat(fx, "dlr") == dlr);
    /* the gateway's own callback, the secret in the header this time: taken */
    assert(s_get_as(fx, "/kannel/gw/mo?id=g1&from=01022220005&text=6666", S_KEY, true) == 200);
    Eo__Event *ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && ev->answer->accept && streq(ev->answer->request_id, "r10"));
    eo_event_free(&ev);
    /* replayed: nothing */
    assert(s_get(fx, "/kannel/gw/mo?id=g1&from=01022220005&text=6666") == 200);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 300);
    assert(s_stat(fx, "mo_replayed") >= 1);
}

static size_t s_txnid(t_fx *fx)
{
    MDB_envinfo info;
    assert(mdb_env_info(eo_store_env(fx->store), &info) == 0);
    return info.me_last_txnid;
}

/* Wait (5 s at most) until the matcher stand-in's acknowledgements reached n. */
static void s_await_relay_acked(t_fx *fx, long n)
{
    int64_t until = zclock_mono() + 5000;
    while (s_stat(fx, "relay_acked") < n && zclock_mono() < until)
        zclock_sleep(5); /* polling a counter under a deadline */
    assert(s_stat(fx, "relay_acked") == n);
}

/* The carer's accepting reply mo_id (text) to the offer of request; its Answer is relayed
 * and acknowledged. */
static void s_accepted(t_fx *fx, const char *mo_id, const char *text, const char *request)
{
    long acked = s_stat(fx, "relay_acked");
    assert(s_mo(fx, mo_id, "010-2222-0008", text) == 200);
    Eo__Event *ev = s_expect(fx, EO__EVENT__BODY_ANSWER);
    assert(ev && streq(ev->answer->request_id, request));
    eo_event_free(&ev);
    s_await_relay_acked(fx, acked + 1);
}

/* A relay row the matcher acknowledged is deleted with the next commit, not in one of
 * its own, and is not sent again meanwhile; with no commit to ride on, in one of its own
 * once sms/ack_flush_ms (60 s here) has passed by the role's clock; and at a clean stop
 * (s_test_restart, next). (Before: each acknowledgement made a commit, two fdatasyncs.) */
static void s_test_ack_flush(t_fx *fx)
{
    int64_t until = zclock_mono() + 3000; /* what earlier tests relayed, acknowledged */
    while (s_stat(fx, "outbox") > 0 && zclock_mono() < until)
        s_expect_none(fx, EO__EVENT__BODY_ANSWER, 50);
    assert(s_stat(fx, "outbox") == 0);
    s_send_ok(fx, "r30:8:offer", "guri", "+821022220008", "[언제나돌봄] 인창동 제안 수락 7777",
              EO__MESSAGE__KIND__KIND_OFFER, "r30", 8, "7777");
    long acked = s_stat(fx, "relay_acked");
    assert(s_mo(fx, "mo-30", "010-2222-0008", "1") == 200);
    Eo__Event *ev = s_expect(fx, EO__EVENT__BODY_ANSWER); /* taken and acknowledged */
    assert(ev && streq(ev->answer->request_id, "r30"));
    eo_event_free(&ev);
    size_t t0 = s_txnid(fx); /* the answer was relayed after its commit */
    s_await_relay_acked(fx, acked + 1);
    size_t t1 = s_txnid(fx);
    printf("sms.role: acknowledged relay row: %zu commits, %ld waiting for one\n", t1 - t0,
           s_stat(fx, "outbox_acked"));
    assert(t1 == t0 && s_stat(fx, "outbox_acked") >= 1 && s_stat(fx, "outbox") == 0);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 300); /* not relayed again */
    /* the next commit takes it along */
    s_send_ok(fx, "r31:8:offer", "guri", "+821022220008", "[언제나돌봄] 교문동 제안 수락 8888",
              EO__MESSAGE__KIND__KIND_OFFER, "r31", 8, "8888");
    assert(s_txnid(fx) > t1 && s_stat(fx, "outbox_acked") == 0);

    /* nothing to ride on: a commit of their own once ack_flush_ms has passed */
    s_accepted(fx, "mo-31", "수락 8888", "r31");
    size_t t2 = s_txnid(fx);
    assert(s_stat(fx, "outbox_acked") == 1);
    eo_clock_advance_ms(fx->clock, 60000);
    until = zclock_mono() + 5000;
    while (s_stat(fx, "outbox_acked") > 0 && zclock_mono() < until)
        zclock_sleep(5); /* polling a counter under a deadline */
    printf("sms.role: after ack_flush_ms: %zu commit, %ld waiting\n", s_txnid(fx) - t2,
           s_stat(fx, "outbox_acked"));
    assert(s_stat(fx, "outbox_acked") == 0 && s_txnid(fx) == t2 + 1);
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 100);

    /* one left waiting: the stop deletes it (s_test_restart: nothing relayed again) */
    s_send_ok(fx, "r32:8:offer", "guri", "+821022220008", "[언제나돌봄] 교문동 제안 수락 9999",
              EO__MESSAGE__KIND__KIND_OFFER, "r32", 8, "9999");
    s_accepted(fx, "mo-32", "수락 9999", "r32");
    assert(s_stat(fx, "outbox_acked") == 1);
}

static void s_test_restart(t_fx *fx)
{
    /* everything was relayed and acknowledged (one row waiting to be deleted: the stop
     * deletes it): after a restart nothing is sent again */
    int64_t until = zclock_mono() + 3000;
    while (s_stat(fx, "outbox") > 0 && zclock_mono() < until)
        s_expect_none(fx, EO__EVENT__BODY_ANSWER, 50);
    assert(s_stat(fx, "outbox") == 0 && s_stat(fx, "outbox_acked") == 1);
    zactor_destroy(&fx->sms);
    s_start_sms(fx);
    assert(s_stat(fx, "sent") == 0 && s_stat(fx, "relayed") == 0);
    /* and the Messages it took before are still known */
    s_send_ok(fx, "r1:7:offer", "suwon", "010-1111-0007", "again",
              EO__MESSAGE__KIND__KIND_OFFER, "r1", 7, "4821");
    assert(s_stat(fx, "duplicates") >= 1 && s_stat(fx, "sent") == 0);
}

/* Wait (at most 30 s: a bound for a loaded machine, not a pace) until the running role
 * has finished `runs` retention runs. */
static void s_retention_runs(t_fx *fx, long runs)
{
    int64_t until = zclock_mono() + 30000;
    while (s_stat(fx, "retention_runs") < runs && zclock_mono() < until)
        s_expect_none(fx, EO__EVENT__BODY_ANSWER, 20);
    assert(s_stat(fx, "retention_runs") == runs);
}

/* Does the file hold these bytes? */
static bool s_file_has(const char *path, const char *needle)
{
    zchunk_t *data = zchunk_slurp(path, 0);
    assert(data);
    bool has = memmem(zchunk_data(data), zchunk_size(data), needle, strlen(needle)) != NULL;
    zchunk_destroy(&data);
    return has;
}

/* sms.retention: the role's daily run (store/purge_hour 4, sms/retention_days 30 by
 * default) deletes the texts, offers and wins booked more than 30 days before it, and
 * keeps the recent ones; after compaction the old WINNER text's address is in no byte of
 * the store's file. */
static void s_test_retention(t_fx *fx)
{
    /* Tuesday 24 November 19:00: an offer, and a WINNER text with the home address */
    s_send_ok(fx, "o1:5:offer", "guri", "010-3333-0005", "[언제나돌봄] 제안 수락 1111",
              EO__MESSAGE__KIND__KIND_OFFER, "o1", 5, "1111");
    s_send_ok(fx, "o2:5:winner", "guri", "010-3333-0005",
              "[언제나돌봄] 확정 구리시 잊혀질로 7 다온", EO__MESSAGE__KIND__KIND_WINNER, "o2",
              5, "");
    /* 20 December 12:00: the run missed on 25 November 04:00 runs now; nothing is old */
    eo_time_t t;
    assert(eo_time_parse("2026-12-20T12:00", &t) == EO_OK);
    eo_clock_advance_ms(fx->clock, t * 1000 - eo_clock_now_ms(fx->clock));
    s_retention_runs(fx, 1);
    assert(s_stat(fx, "forgotten") == 0 && s_stat(fx, "forgotten_entries") == 0);
    s_send_ok(fx, "n1:6:winner", "guri", "010-3333-0006",
              "[언제나돌봄] 확정 구리시 최근로 9 하준", EO__MESSAGE__KIND__KIND_WINNER, "n1", 6,
              "");
    /* (the book keys by E.164: the old offer is open, the old win recorded) */
    eo_sms_book_t *peek = eo_sms_book_new(fx->store);
    zlistx_t *open = eo_sms_book_offers(peek, "+821033330005");
    zlistx_t *won = eo_sms_book_wins(peek, "+821033330005");
    assert(open && zlistx_size(open) == 1 && won && zlistx_size(won) == 1);
    zlistx_destroy(&open);
    zlistx_destroy(&won);
    eo_sms_book_destroy(&peek);
    /* 25 December 03:59: not yet; 04:00: the cut-off is 25 November 04:00 */
    assert(eo_time_parse("2026-12-25T03:59", &t) == EO_OK);
    eo_clock_advance_ms(fx->clock, t * 1000 - eo_clock_now_ms(fx->clock));
    s_expect_none(fx, EO__EVENT__BODY_ANSWER, 600);
    assert(s_stat(fx, "retention_runs") == 1);
    eo_clock_advance_ms(fx->clock, 60 * 1000);
    s_retention_runs(fx, 2);
    assert(s_stat(fx, "forgotten") == 2);         /* o1's offer, o2's WINNER text */
    assert(s_stat(fx, "forgotten_entries") == 2); /* o1's open offer, o2's win */
    zactor_destroy(&fx->sms);

    eo_sms_book_t *book = eo_sms_book_new(fx->store);
    assert(book);
    assert(eo_sms_book_get(book, "o1:5:offer", NULL) == NULL);
    assert(eo_sms_book_get(book, "o2:5:winner", NULL) == NULL);
    Eo__Event *kept = eo_sms_book_get(book, "n1:6:winner", NULL);
    assert(kept && strstr(kept->message->text, "최근로"));
    eo_event_free(&kept);
    zlistx_t *list = eo_sms_book_offers(book, "+821033330005");
    assert(list && zlistx_size(list) == 0);
    zlistx_destroy(&list);
    list = eo_sms_book_wins(book, "+821033330005");
    assert(list && zlistx_size(list) == 0);
    zlistx_destroy(&list);
    list = eo_sms_book_wins(book, "+821033330006");
    assert(list && zlistx_size(list) == 1);
    zlistx_destroy(&list);
    eo_sms_book_destroy(&book);

    /* freed pages still hold deleted bytes until the file is compacted */
    eo_store_destroy(&fx->store);
    char dir[600], file[700], why[256];
    snprintf(dir, sizeof dir, "%s/store", fx->dir);
    snprintf(file, sizeof file, "%s/data.mdb", dir);
    size_t before, after;
    assert(eo_store_compact(dir, &before, &after, why, sizeof why) == EO_OK);
    assert(!s_file_has(file, "잊혀질로") && !s_file_has(file, "다온"));
    assert(s_file_has(file, "최근로")); /* the search finds what is there */
    printf("sms.retention: 2 messages and 2 entries deleted, the recent one kept\n");
}

static void s_test_misconfigured(void)
{
    static const char *bad[] = {
        "sms\n    adapters\n        k\n            type = kannel\n            sendsms = "
        "\"http://x/\"\n"
        "            username = u\n            from = \"1\"\n",
        "sms\n    sites\n        default\n            adapter = nothere\n    adapters\n        "
        "a\n"
        "            type = sim\n        b\n            type = sim\n",
        "sms\n    sites\n        default\n            offer = \"{child}\"\n",
        "sms\n    listen = \"nowhere\"\n",
        /* an endpoint and a gateway that calls back, but no secret: anyone could */
        "sms\n    listen = \"127.0.0.1:0\"\n    adapters\n        k\n            type = "
        "kannel\n"
        "            sendsms = \"http://x/\"\n            username = u\n            from = "
        "\"1\"\n",
        "sms\n    listen = \"127.0.0.1:0\"\n    adapters\n        k\n            type = "
        "kannel\n"
        "            sendsms = \"http://x/\"\n            username = u\n            from = "
        "\"1\"\n"
        "            inbound_secret = \"0123456789abcdef\"\n            allow_from = "
        "\"gateway\"\n",
    };
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_clock_t *clock = eo_clock_new_manual(0);
    const char *tmp = getenv("EO_TEST_TMP") ? getenv("EO_TEST_TMP") : "/tmp/eo-sms-role";
    char dir[600];
    snprintf(dir, sizeof dir, "%s/bad-store", tmp);
    eo_store_t *store = eo_store_new(dir, 16, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zconfig_t *config = zconfig_str_load(bad[i]);
        assert(config);
        eo_role_args_t args = {.broker = "inproc://nobody",
                               .sites = "*",
                               .config = config,
                               .store = store,
                               .clock = clock,
                               .dongs = dongs};
        zactor_t *a = eo_role_start(eo_sms_actor, &args);
        assert(a == NULL && args.failed);
        zconfig_destroy(&config);
    }
    eo_store_destroy(&store);
    eo_clock_destroy(&clock);
    eo_dongs_destroy(&dongs);
}

int main(int argc, char **argv)
{
    zsys_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    t_fx fx;
    s_setup(&fx);
    if (argc > 1 && streq(argv[1], "retention")) {
        s_test_retention(&fx);
        s_teardown(&fx);
        curl_global_cleanup();
        return 0;
    }
    s_test_sim_offer(&fx);
    s_test_refused(&fx);
    s_test_replies(&fx);
    s_test_forged(&fx);
    s_test_ack_flush(&fx);
    s_test_restart(&fx);
    s_teardown(&fx);
    s_test_misconfigured();
    curl_global_cleanup();
    printf("sms.role: OK\n");
    return 0;
}
