/* sms.running: the sms role on a RUNNING clock that does not sit on a whole second (an
 * offset clock started at Tuesday 19:00:00.437), as deployments run it. The simulated
 * carer answers an offer 300 ms later on that clock; nobody serves "match" yet, so the
 * relay of the answer fails (the broker gives up on unserved work after 100 ms here) and
 * is retried by the role's own timer; once a matcher stand-in appears the answer (and
 * the delivery report) reach it and leave the role's outbox. */
#include <czmq.h>
#include <ftw.h>
#include <jansson.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "sms/sms.h"

static int s_unlink(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static long s_stat(zactor_t *sms, const char *key)
{
    zstr_send(sms, "STATS");
    char *text = zstr_recv(sms);
    json_t *j = json_loads(text, 0, NULL);
    zstr_free(&text);
    assert(j);
    long v = (long)json_integer_value(json_object_get(j, key));
    json_decref(j);
    return v;
}

/* Wait (bounded) until the role's counter reaches want. */
static bool s_wait_stat(zactor_t *sms, const char *key, long want, int wait_ms)
{
    int64_t until = zclock_mono() + wait_ms;
    while (s_stat(sms, key) < want)
        if (zclock_mono() > until)
            return false;
        else
            zclock_sleep(20); /* polling a bounded condition, not synchronising on time */
    return true;
}

int main(void)
{
    zsys_init();
    char dir[512];
    snprintf(dir, sizeof dir, "%s/running", getenv("EO_TEST_TMP"));
    nftw(dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    zsys_dir_create("%s", dir);
    eo_store_t *store = eo_store_new(dir, 64, 0);
    eo_clock_t *clock = eo_clock_new_from_spec("offset:2026-11-24T19:00:00.437");
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    zconfig_t *config = zconfig_str_load(
        "sms\n    sites\n        default\n            adapter = sim\n    adapters\n"
        "        sim\n            type = sim\n            delay_ms = 300\n"
        "            jitter_ms = 0\n            accept = 1\n            decline = 0\n"
        "            dlr_ms = 10\n");
    eo_broker_config_t bcfg;
    eo_broker_config_defaults(&bcfg);
    bcfg.unrouted_timeout_ms = 100;
    eo_broker_t *broker = eo_broker_new("inproc://sms-running-test", &bcfg);
    assert(store && clock && dongs && config && broker);
    eo_role_args_t args = {.broker = eo_broker_endpoint(broker),
                           .sites = "*",
                           .config = config,
                           .store = store,
                           .clock = clock,
                           .dongs = dongs};
    zactor_t *sms = eo_role_start(eo_sms_actor, &args);
    eo_client_t *client = eo_client_new(eo_broker_endpoint(broker), NULL, NULL);
    assert(sms && client);

    Eo__Message m = EO__MESSAGE__INIT;
    m.id = "run-1:7:offer";
    m.site = "suwon";
    m.to = "+821055550007";
    m.text = "[언제나돌봄] 수원 11/24 22:00-24:00 제안. 수락 1, 거절 2";
    m.kind = EO__MESSAGE__KIND__KIND_OFFER;
    m.request_id = "run-1";
    m.carer_id = 7;
    m.code = "1234";
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = m.id;
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = &m;
    size_t size;
    uint8_t *body = eo_event_encode(&ev, &size);
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "sms", "suwon", body, size, 5000, &reply) == EO_OK);
    zframe_destroy(&reply);
    free(body);

    /* the delivery report and the answer are relayed, refused for want of a matcher,
     * and relayed again: a third relay is a retry */
    bool retried = s_wait_stat(sms, "relayed", 3, 10000);
    printf("sms running: relayed %ld time(s), acknowledged %ld\n", s_stat(sms, "relayed"),
           s_stat(sms, "relay_acked"));
    assert(retried && s_stat(sms, "relay_acked") == 0);

    eo_worker_t *match = eo_worker_new(eo_broker_endpoint(broker), "match", "*", NULL, NULL);
    assert(match);
    Eo__Event *got = NULL;
    int64_t until = zclock_mono() + 10000;
    while (!got && zclock_mono() < until) {
        eo_work_t *work = eo_worker_recv(match, 100);
        if (!work) continue;
        zframe_t *f = eo_work_body(work);
        got = eo_event_decode(zframe_data(f), zframe_size(f), err, sizeof err);
        eo_worker_reply(match, &work, "", 0);
        if (got && got->body_case == EO__EVENT__BODY_DELIVERY)
            eo_event_free(&got); /* the delivery report: not what we wait for */
    }
    assert(got && got->body_case == EO__EVENT__BODY_ANSWER && got->answer->accept &&
           streq(got->answer->request_id, "run-1") && got->answer->carer_id == 7);
    eo_event_free(&got);
    assert(s_wait_stat(sms, "relay_acked", 2, 10000));

    eo_worker_destroy(&match);
    eo_client_destroy(&client);
    zactor_destroy(&sms);
    eo_broker_destroy(&broker);
    zconfig_destroy(&config);
    eo_dongs_destroy(&dongs);
    eo_clock_destroy(&clock);
    eo_store_destroy(&store);
    nftw(dir, s_unlink, 16, FTW_DEPTH | FTW_PHYS);
    printf("sms.running: OK\n");
    return 0;
}
