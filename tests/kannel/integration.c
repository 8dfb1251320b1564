/* kannel.integration: the sms role against a real Kannel (bearerbox, smsbox, fakesmsc
 * started by run.sh from stack.sh), a real broker and a small matcher-side peer in this
 * thread (a worker for "match" that acknowledges what it gets and, on the first accept,
 * sends FILLED to the other carers and WINNER to the winner through "sms").
 *
 * Asserts what really comes out of Kannel's fake SMSC: the offers in Hangul, intact;
 * delivery reports through dlr-url; the carer's reply (typed into fakesmsc) forwarded
 * as an answer; the filled text at the losers; help and STOP confirmations. */
#include <curl/curl.h>
#include <czmq.h>
#include <ftw.h>
#include <iconv.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_template.h"
#include "sms/sms.h"
#include "smsc.h"

#define N_CARERS 3

static const char *s_phones[N_CARERS] = {"+821011110001", "+821011110002", "+821011110003"};
static const char *s_national[N_CARERS] = {"01011110001", "01011110002", "01011110003"};
static const char *s_codes[N_CARERS] = {"1001", "2002", "3003"};

typedef struct {
    eo_worker_t *match;
    eo_client_t *client;
    zlistx_t *events;
    const char *out; /* fakesmsc's output */
    const char *fifo;
} t_peer;

static void s_event_free(void **item)
{
    eo_event_free((Eo__Event **)item);
}

/* Wait (5 s at most) until fakesmsc received a text for `to` containing `needle`. */
static bool s_wait_text(t_peer *p, const char *to, const char *needle)
{
    int64_t until = zclock_mono() + 5000;
    while (zclock_mono() < until) {
        char *all = smsc_received(p->out, to);
        bool found = strstr(all, needle) != NULL;
        if (!found && zclock_mono() + 100 >= until)
            fprintf(stderr, "kannel.integration: %s got:\n%s(want '%s')\n", to, all, needle);
        free(all);
        if (found) return true;
        /* serve "match" meanwhile: the role relays into it */
        eo_work_t *work = eo_worker_recv(p->match, 50);
        if (work) {
            char err[128];
            zframe_t *f = eo_work_body(work);
            zlistx_add_end(p->events,
                           eo_event_decode(zframe_data(f), zframe_size(f), err, sizeof err));
            eo_worker_reply(p->match, &work, "", 0);
        }
    }
    return false;
}

static Eo__Event *s_expect(t_peer *p, Eo__Event__BodyCase kind)
{
    int64_t until = zclock_mono() + 8000;
    while (zclock_mono() < until) {
        for (Eo__Event *ev = zlistx_first(p->events); ev; ev = zlistx_next(p->events))
            if (ev && ev->body_case == kind) return zlistx_detach_cur(p->events);
        eo_work_t *work = eo_worker_recv(p->match, 100);
        if (!work) continue;
        char err[128];
        zframe_t *f = eo_work_body(work);
        Eo__Event *ev = eo_event_decode(zframe_data(f), zframe_size(f), err, sizeof err);
        assert(ev && streq(eo_work_site(work), "suwon"));
        zlistx_add_end(p->events, ev);
        eo_worker_reply(p->match, &work, "", 0);
    }
    return NULL;
}

static void s_message(t_peer *p, const char *id, const char *to, const char *text,
                      Eo__Message__Kind kind, const char *request, uint32_t carer,
                      const char *code)
{
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = (char *)id;
    m.site = "suwon";
    m.to = (char *)to;
    m.text = (char *)text;
    m.kind = kind;
    m.request_id = (char *)request;
    m.carer_id = carer;
    m.code = (char *)code;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = &m;
    size_t size;
    uint8_t *body = eo_event_encode(&ev, &size);
    zframe_t *reply = NULL;
    int rc = eo_client_request(p->client, "sms", "suwon", body, size, 5000, &reply);
    free(body);
    assert(rc == EO_OK && reply);
    char err[128];
    Eo__Event *back = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    assert(back && back->body_case == EO__EVENT__BODY_ACK);
    eo_event_free(&back);
    zframe_destroy(&reply);
}

int main(void)
{
    zsys_init();
    const char *dir = smsc_env("EO_TEST_TMP");
    zconfig_t *config = smsc_sms_config();
    char err[256], path[600];
    snprintf(path, sizeof path, "%s/store", dir);
    eo_store_t *store = eo_store_new(path, 64, 0);
    eo_clock_t *clock = eo_clock_new_system();
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_templates_t *templates = eo_templates_new(config, dongs, err, sizeof err);
    eo_broker_t *broker = eo_broker_new("inproc://kannel-test", NULL);
    assert(config && store && clock && dongs && templates && broker);
    eo_role_args_t args = {.broker = eo_broker_endpoint(broker),
                           .sites = "suwon",
                           .config = config,
                           .store = store,
                           .clock = clock,
                           .dongs = dongs};
    zactor_t *sms = eo_role_start(eo_sms_actor, &args);
    assert(sms);
    t_peer p = {eo_worker_new(args.broker, "match", "suwon", NULL, NULL),
                eo_client_new(args.broker, NULL, NULL), zlistx_new(), smsc_env("KANNEL_OUT"),
                smsc_env("KANNEL_FIFO")};
    zlistx_set_destructor(p.events, s_event_free);

    /* 1. offers, rendered from the site's template, go out through Kannel in Hangul */
    eo_tpl_vars_t vars = {.site = "수원시",
                          .dong = "파장동",
                          .pay = 45000,
                          .start = eo_clock_now(clock) + 3 * 3600,
                          .end = eo_clock_now(clock) + 6 * 3600};
    char offer[N_CARERS][EO_SMS_TEXT_MAX];
    for (int i = 0; i < N_CARERS; i++) {
        vars.code = s_codes[i];
        assert(eo_templates_render(templates, "suwon", EO_TPL_OFFER, &vars, offer[i],
                                   sizeof offer[i]) == 0);
        char id[64];
        snprintf(id, sizeof id, "rq1:%d:offer", i + 1);
        s_message(&p, id, s_phones[i], offer[i], EO__MESSAGE__KIND__KIND_OFFER, "rq1",
                  (uint32_t)i + 1, s_codes[i]);
    }
    for (int i = 0; i < N_CARERS; i++)
        assert(s_wait_text(&p, s_national[i], offer[i]));
    printf("offer as received by the SMSC: %s\n", offer[0]);
    /* 2. delivery reports come back through dlr-url */
    for (int i = 0; i < N_CARERS; i++) {
        Eo__Event *ev = s_expect(&p, EO__EVENT__BODY_DELIVERY);
        assert(ev && ev->delivery->status == EO__DELIVERY__STATUS__STATUS_DELIVERED);
        assert(strncmp(ev->delivery->message_id, "rq1:", 4) == 0);
        eo_event_free(&ev);
    }
    /* 3. carer 2 accepts by SMS: the answer reaches "match" */
    smsc_mo(p.fifo, s_national[1], "수락 2002");
    Eo__Event *ev = s_expect(&p, EO__EVENT__BODY_ANSWER);
    assert(ev && ev->answer->accept && ev->answer->carer_id == 2 &&
           streq(ev->answer->request_id, "rq1"));
    assert(streq(ev->answer->code, "2002"));
    eo_event_free(&ev);
    /* 4. the matcher's side settles: the winner's details to carer 2, FILLED to the rest */
    char filled[EO_SMS_TEXT_MAX], winner[EO_SMS_TEXT_MAX];
    vars.child = "서연";
    vars.address = "수원시 장안구 파장로 12, 101동 1001호";
    assert(eo_templates_render(templates, "suwon", EO_TPL_FILLED, &vars, filled,
                               sizeof filled) == 0);
    assert(eo_templates_render(templates, "suwon", EO_TPL_WINNER, &vars, winner,
                               sizeof winner) == 0);
    s_message(&p, "rq1:2:winner", s_phones[1], winner, EO__MESSAGE__KIND__KIND_WINNER, "rq1", 2,
              "2002");
    s_message(&p, "rq1:1:filled", s_phones[0], filled, EO__MESSAGE__KIND__KIND_FILLED, "rq1", 1,
              "");
    s_message(&p, "rq1:3:filled", s_phones[2], filled, EO__MESSAGE__KIND__KIND_FILLED, "rq1", 3,
              "");
    assert(s_wait_text(&p, s_national[0], filled));
    assert(s_wait_text(&p, s_national[2], filled));
    assert(s_wait_text(&p, s_national[1], "파장로 12")); /* a long text, concatenated */
    char *got = smsc_received(p.out, s_national[0]);
    assert(!strstr(got, "파장로") && !strstr(got, "서연")); /* a loser never sees them */
    free(got);
    /* 5. a late accept from carer 3 (its offer is closed) gets the help text, no answer */
    smsc_mo(p.fifo, s_national[2], "1");
    assert(s_wait_text(&p, s_national[2], "수락은 1 또는 코드"));
    /* 6. carer 1 says STOP: the consent change and a confirmation */
    smsc_mo(p.fifo, s_national[0], "수신거부");
    ev = s_expect(&p, EO__EVENT__BODY_CARER_CONSENT);
    assert(ev && ev->carer_consent->carer_id == 1 && !ev->carer_consent->pool);
    eo_event_free(&ev);
    assert(s_wait_text(&p, s_national[0], "수신거부 처리"));
    for (ev = zlistx_first(p.events); ev; ev = zlistx_next(p.events))
        assert(ev->body_case != EO__EVENT__BODY_ANSWER); /* only carer 2 answered */

    zstr_send(sms, "STATS");
    char *stats = zstr_recv(sms);
    printf("sms stats: %s\n", stats);
    zstr_free(&stats);
    zactor_destroy(&sms);
    eo_worker_destroy(&p.match);
    eo_client_destroy(&p.client);
    zlistx_destroy(&p.events);
    eo_broker_destroy(&broker);
    eo_templates_destroy(&templates);
    eo_dongs_destroy(&dongs);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    zconfig_destroy(&config);
    printf("kannel.integration: OK\n");
    return 0;
}
