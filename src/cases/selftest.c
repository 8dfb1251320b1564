/* selftest.c: eo_cases_test, the case store's self-test, which also shows how the class
 * is used: a store, the index and the rules under it, one carer, a request that is
 * offered at once, an acceptance that settles it, a repeat that changes nothing, and the
 * invariants checked. */
#include <string.h>
#include <unistd.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"

/* Decide one encoded Event in its own committed transaction; the reply decoded. */
static Eo__Event *s_apply(eo_cases_t *cases, Eo__Event *ev, int64_t now_ms)
{
    size_t size;
    uint8_t *body = eo_event_encode(ev, &size), *reply = NULL;
    size_t rsize = 0;
    MDB_txn *txn = NULL;
    assert(body && eo_store_begin(cases->store, true, &txn) == EO_OK);
    int rc = eo_cases_apply(cases, txn, body, size, now_ms, &reply, &rsize);
    assert(rc == EO_OK);
    assert(eo_store_commit(cases->store, &txn) == EO_OK);
    char err[64];
    Eo__Event *back = eo_event_decode(reply, rsize, err, sizeof err);
    assert(back);
    free(body);
    free(reply);
    return back;
}

void eo_cases_test(bool verbose)
{
    if (verbose) printf(" * eo_cases: ");
    char dir[] = "/tmp/eo_cases_XXXXXX", err[256];
    assert(mkdtemp(dir));
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    eo_rules_t *rules = eo_rules_new(NULL, err, sizeof err);
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    assert(dongs && rules && store);
    eo_caps_t caps;
    eo_rules_caps(rules, &caps);
    eo_index_t *index = eo_index_new(store, dongs, &caps);
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = 3;
    eo_cases_t *cases = eo_cases_new(store, index, dongs, rules, &cfg);
    assert(index && cases);

    /* Friday 19:00 in Seoul: the pool's hours; a carer of 수원 free all week */
    int64_t now_ms = eo_time_from_local(2026, 11, 27, 19, 0, 0) * 1000LL;
    size_t n;
    const eo_dong_t *const *suwon =
        eo_dongs_of_site(dongs, eo_dongs_site_find(dongs, "suwon"), &n);
    eo_carer_t carer = {.id = 7,
                        .site = "suwon",
                        .kind = EO_CARER_VISIT,
                        .pool = true,
                        .active = true,
                        .night_ok = true,
                        .home_dong = suwon[0]->code,
                        .n_dongs = 1,
                        .dongs = {suwon[0]->code},
                        .phone = "+821055550007",
                        .name = "돌보미",
                        .check_until = 20991231,
                        .training_until = 20991231};
    memset(carer.avail, 0xff, sizeof carer.avail);
    MDB_txn *txn = NULL;
    assert(eo_store_begin(store, true, &txn) == EO_OK);
    assert(eo_cases_record_config(cases, txn) == EO_OK);
    assert(eo_cases_load_carer(cases, txn, &carer, now_ms / 1000, 0, 0) == EO_OK);
    assert(eo_store_commit(store, &txn) == EO_OK);

    Eo__Request r = EO__REQUEST__INIT;
    r.id = "self-1";
    r.site = "suwon";
    r.dong = suwon[0]->code;
    r.start = now_ms / 1000 + 3 * 3600;
    r.end = r.start + 2 * 3600;
    r.channel = EO__CHANNEL__CHANNEL_CALL_CENTRE;
    r.member_id = "m-1";
    r.member_verified = true;
    r.child_age_months = 60;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "self-1";
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_REQUEST;
    ev.request = &r;
    Eo__Event *back = s_apply(cases, &ev, now_ms);
    assert(back->body_case == EO__EVENT__BODY_STATUS && streq(back->status->state, "offering"));
    eo_event_free(&back);

    Eo__Answer a = EO__ANSWER__INIT;
    a.request_id = "self-1";
    a.carer_id = 7;
    a.accept = true;
    a.reply_id = "mo-1";
    ev = (Eo__Event)EO__EVENT__INIT;
    ev.id = "mo-1";
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_ANSWER;
    ev.answer = &a;
    for (int i = 0; i < 2; i++) { /* the second is a repeat: the same answer */
        back = s_apply(cases, &ev, now_ms + 1000);
        assert(back->body_case == EO__EVENT__BODY_ACK && streq(back->ack->ids[1], "won"));
        eo_event_free(&back);
    }
    eo_case_rec_t c;
    char why[256];
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_case_get(cases, txn, "self-1", &c) == EO_OK);
    assert(c.state == EO_CASE_SETTLED && c.n_winners == 1 && c.winners[0] == 7);
    assert(eo_cases_check(cases, txn, why, sizeof why) == EO_OK);
    eo_store_abort(&txn);

    eo_cases_destroy(&cases);
    assert(cases == NULL);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    eo_rules_destroy(&rules);
    eo_dongs_destroy(&dongs);
    assert(eo_store_remove(dir) == 0);
    if (verbose) printf("OK\n");
}
