/* kannel.settle: a request settles through a real Kannel. The real matcher and the sms
 * role (kannel adapter) run behind a real broker; bearerbox, smsbox and fakesmsc are
 * started by run.sh. Three pool carers get the offer in Hangul at the fake SMSC, one
 * accepts by typing its code into fakesmsc, the request settles (the matcher's status
 * says so), the winner gets the address and the losers get the "filled" text.
 *
 * kannel.forged (argument "forged"): before that acceptance, callbacks that are not
 * Kannel's (no secret, a wrong one, the right one from an address not allowed, a reply
 * from a number that was not offered, a forged delivery report, a replayed MO) change
 * nothing: the case is still open, `eonjena check` passes and the case's journal holds
 * only the real answers. */
#include <curl/curl.h>
#include <czmq.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "matcher/matcher.h"
#include "sms/sms.h"
#include "smsc.h"

#define N 3
static const char *s_phones[N] = {"+821033330001", "+821033330002", "+821033330003"};
static const char *s_national[N] = {"01033330001", "01033330002", "01033330003"};
#define DONG 4111156000u /* 수원시 장안구 파장동 */

static void s_carers(eo_store_t *store, const eo_dongs_t *dongs)
{
    eo_caps_t caps;
    char err[256];
    assert(eo_rules_caps_config(NULL, &caps, err, sizeof err) == EO_OK);
    eo_index_t *index = eo_index_new(store, dongs, &caps);
    MDB_txn *txn;
    assert(index && eo_store_begin(store, true, &txn) == EO_OK);
    for (int i = 0; i < N; i++) {
        eo_carer_t c = {.id = (uint32_t)i + 1,
                        .kind = EO_CARER_VISIT,
                        .pool = true,
                        .active = true,
                        .night_ok = true,
                        .home_dong = DONG,
                        .n_dongs = 1,
                        .dongs = {DONG},
                        .check_until = 20271231,
                        .training_until = 20271231};
        snprintf(c.site, sizeof c.site, "suwon");
        snprintf(c.phone, sizeof c.phone, "%s", s_phones[i]);
        snprintf(c.name, sizeof c.name, "돌보미%d", i + 1);
        memset(c.avail, 0xff, sizeof c.avail);
        assert(eo_index_put(index, txn, &c) == EO_OK);
    }
    assert(eo_store_commit(store, &txn) == EO_OK);
    eo_index_destroy(&index);
}

/* Ask the matcher (match, suwon) and return the decoded reply. */
static Eo__Event *s_ask(eo_client_t *client, Eo__Event *ev)
{
    size_t size;
    uint8_t *body = eo_event_encode(ev, &size);
    zframe_t *reply = NULL;
    int rc = eo_client_request(client, "match", "suwon", body, size, 10000, &reply);
    free(body);
    assert(rc == EO_OK && reply);
    char err[128];
    Eo__Event *back = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    zframe_destroy(&reply);
    assert(back && back->body_case == EO__EVENT__BODY_STATUS);
    return back;
}

/* Wait (10 s at most) for a text to `to` containing needle; returns all it received. */
static char *s_wait_text(const char *out, const char *to, const char *needle)
{
    int64_t until = zclock_mono() + 10000;
    while (true) {
        char *all = smsc_received(out, to);
        if (strstr(all, needle)) return all;
        if (zclock_mono() > until) {
            fprintf(stderr, "kannel.settle: %s got:\n%s(want '%s')\n", to, all, needle);
            assert(false);
        }
        free(all);
        zclock_sleep(50); /* polling fakesmsc's log file: it has no other signal */
    }
}

/* A callback to the sms role's endpoint as anyone could make it: from `iface` (a
 * loopback address), with `key` (NULL: none). Returns the HTTP status. */
static long s_callback(const char *path, const char *key, const char *iface)
{
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%s%s%s%s", smsc_env("EO_SMS_PORT"), path,
             key ? "&key=" : "", key ? key : "");
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_INTERFACE, iface);
    long code = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

static Eo__Event *s_status(eo_client_t *client, const char *event_id)
{
    Eo__StatusQuery q = EO__STATUS_QUERY__INIT;
    q.request_id = "suwon-kannel1";
    Eo__Event qev = EO__EVENT__INIT;
    qev.id = (char *)event_id;
    qev.site = "suwon";
    qev.body_case = EO__EVENT__BODY_STATUS_QUERY;
    qev.status_query = &q;
    return s_ask(client, &qev);
}

/* The forgeries, while the offers are open; carer 1 really declines (an MO with the
 * secret), and that MO is then replayed as an acceptance. */
static void s_forge(eo_client_t *client, const char *code1, const char *code2)
{
    const char *key = smsc_env("KANNEL_MO_KEY");
    char path[256];
    snprintf(path, sizeof path,
             "/kannel/kannel/mo?id=f1&from=%s&text=%%EC%%88%%98%%EB%%9D%%BD+%s", s_national[1],
             code2);                                    /* "수락 <code>" */
    assert(s_callback(path, NULL, "127.0.0.1") == 403); /* no secret */
    assert(s_callback(path, "not-the-secret", "127.0.0.1") == 403);
    assert(s_callback(path, key, "127.0.0.2") == 403); /* not an allowed address */
    assert(s_callback("/kannel/kannel/dlr?id=suwon-kannel1%3A2%3Aoffer&status=2", NULL,
                      "127.0.0.1") == 403);
    /* the secret, but a number that holds no offer: taken, and nothing comes of it */
    snprintf(path, sizeof path, "/kannel/kannel/mo?id=f2&from=01077770000&text=%s", code2);
    assert(s_callback(path, key, "127.0.0.1") == 200);
    /* carer 1 declines; the same MO replayed as an acceptance is ignored */
    snprintf(path, sizeof path, "/kannel/kannel/mo?id=real-1&from=%s&text=2", s_national[0]);
    assert(s_callback(path, key, "127.0.0.1") == 200);
    snprintf(path, sizeof path, "/kannel/kannel/mo?id=real-1&from=%s&text=%s", s_national[0],
             code1);
    assert(s_callback(path, key, "127.0.0.1") == 200);
    Eo__Event *st = s_status(client, "e-forged");
    printf("after the forgeries: %s, %zu winners\n", st->status->state, st->status->n_winners);
    assert(st->status->n_winners == 0 && !streq(st->status->state, "settled"));
    eo_event_free(&st);
}

/* After the run: `eonjena check` passes on the store, and the case's journal holds the
 * real answers only: carer 1's decline, carer 2's acceptance, nothing from 01077770000
 * and no second answer of carer 1. */
static void s_check_journal(const char *store)
{
    char cmd[1200], line[1024];
    snprintf(cmd, sizeof cmd, "'%s/eonjena' check --store '%s'", smsc_env("EO_BINARY_DIR"),
             store);
    assert(system(cmd) == 0);
    fflush(stdout);
    snprintf(cmd, sizeof cmd, "'%s/eonjena' log suwon-kannel1 --store '%s'",
             smsc_env("EO_BINARY_DIR"), store);
    FILE *p = popen(cmd, "r");
    assert(p);
    int answers = 0, accepts = 0;
    while (fgets(line, sizeof line, p)) {
        fputs(line, stdout);
        bool accept = strstr(line, " accept ") != NULL;
        if (accept || strstr(line, " decline ")) {
            answers++;
            accepts += accept && strstr(line, "carer:2 ") != NULL;
        }
        assert(!strstr(line, "7777"));
    }
    assert(pclose(p) == 0);
    printf("journal: %d answers, %d acceptance by carer 2\n", answers, accepts);
    fflush(stdout);
    assert(answers == 2 && accepts == 1);
}

/* The code of an offer text (the digits after "수락 "). */
static void s_code(const char *offer, char *code, size_t size)
{
    const char *at = strstr(offer, "수락 ");
    assert(at);
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%%%zu[0-9]", size - 1);
    *code = '\0';
    sscanf(at + strlen("수락 "), fmt, code);
    assert(strlen(code) >= 4);
}

int main(int argc, char **argv)
{
    bool forged = argc > 1 && streq(argv[1], "forged");
    zsys_init();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    zconfig_t *config = smsc_sms_config();
    char err[256], path[600];
    snprintf(path, sizeof path, "%s/store", smsc_env("EO_TEST_TMP"));
    eo_store_t *store = eo_store_new(path, 64, 0);
    /* Friday 19:00 in Seoul, running: the pool's consent window. */
    eo_clock_t *clock = eo_clock_new_from_spec("offset:2026-11-27T19:00:00+09:00");
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_broker_t *broker = eo_broker_new("inproc://kannel-settle", NULL);
    assert(config && store && clock && dongs && broker);
    s_carers(store, dongs);
    eo_role_args_t margs = {.broker = eo_broker_endpoint(broker),
                            .sites = "suwon",
                            .config = config,
                            .store = store,
                            .clock = clock,
                            .dongs = dongs};
    eo_role_args_t sargs = margs;
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &margs);
    zactor_t *sms = eo_role_start(eo_sms_actor, &sargs);
    eo_client_t *client = eo_client_new(margs.broker, NULL, NULL);
    assert(matcher && sms && client);

    /* The request, tonight 22:00-24:00. */
    Eo__Request req = EO__REQUEST__INIT;
    req.id = "suwon-kannel1";
    req.site = "suwon";
    req.dong = DONG;
    eo_time_parse("2026-11-27T22:00", &req.start);
    eo_time_parse("2026-11-28T00:00", &req.end);
    req.carers_needed = 1;
    req.channel = EO__CHANNEL__CHANNEL_CALL_CENTRE;
    req.type = EO__SERVICE_TYPE__SERVICE_VISIT;
    req.requested_at = eo_clock_now(clock);
    req.member_id = "m-1";
    req.member_phone = "+821099990000";
    req.member_verified = true;
    req.child_age_months = 60;
    req.child_first_name = "서연";
    req.address = "수원시 장안구 파장로 1";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "e-kannel1";
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_REQUEST;
    ev.request = &req;
    Eo__Event *st = s_ask(client, &ev);
    assert(!st->status->error || !*st->status->error->code);
    printf("intake: %s\n", st->status->state);
    eo_event_free(&st);

    /* Every carer gets the offer in Hangul, with no child name and no address. */
    const char *out = smsc_env("KANNEL_OUT"), *fifo = smsc_env("KANNEL_FIFO");
    char *offers[N];
    for (int i = 0; i < N; i++) {
        offers[i] = s_wait_text(out, s_national[i], "파장동");
        assert(!strstr(offers[i], "서연") && !strstr(offers[i], "파장로"));
    }
    printf("offer at the SMSC: %s", offers[1]);
    /* Carer 2 accepts with its offer's code (the digits after "수락 "). */
    char code[8], code1[8];
    s_code(offers[1], code, sizeof code);
    s_code(offers[0], code1, sizeof code1);
    if (forged) s_forge(client, code1, code);
    char text[32];
    snprintf(text, sizeof text, "수락 %s", code);
    smsc_mo(fifo, s_national[1], text);

    /* The winner gets the address; the others get "filled". */
    char *won = s_wait_text(out, s_national[1], "파장로 1");
    /* (carer 1 declined in the forged run: no "filled" text for a carer who said no) */
    char *lost1 = forged ? smsc_received(out, s_national[0])
                         : s_wait_text(out, s_national[0], "다른 분이 맡았습니다");
    char *lost3 = s_wait_text(out, s_national[2], "다른 분이 맡았습니다");
    assert(!strstr(lost1, "파장로") && !strstr(lost3, "서연"));

    /* The matcher says settled, carer 2. */
    st = s_status(client, "e-kannel2");
    printf("status: %s, winner %u\n", st->status->state,
           st->status->n_winners ? st->status->winners[0] : 0);
    assert(streq(st->status->state, "settled"));
    assert(st->status->n_winners == 1 && st->status->winners[0] == 2);
    eo_event_free(&st);

    for (int i = 0; i < N; i++)
        free(offers[i]);
    free(won), free(lost1), free(lost3);
    eo_client_destroy(&client);
    zactor_destroy(&sms);
    zactor_destroy(&matcher);
    eo_broker_destroy(&broker);
    eo_dongs_destroy(&dongs);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    zconfig_destroy(&config);
    curl_global_cleanup();
    if (forged) s_check_journal(path);
    printf("kannel.%s: OK\n", forged ? "forged" : "settle");
    return 0;
}
