/* retention.members: registered members' personal data (m.members: phone, name,
 * children) expires with the privacy period (docs/retention.md "Members"). A member
 * whose last activity (registered, verified, its latest case's service end) is before
 * the cut-off is deleted by the retention run; one with an open case, or registered
 * within the period, stays. The run is an input: a replay from its checkpoint reaches
 * the same store. The clock is the fixture's (injected). */
#include <string.h>

#include "eonjena/eo_retention.h"
#include "matcher/fixture.h"

static uint8_t *s_event(Eo__Event *ev, const char *id, size_t *size)
{
    ev->id = (char *)id;
    ev->site = "suwon";
    uint8_t *b = eo_event_encode(ev, size);
    assert(b);
    return b;
}

/* Register (and verify: only a 정회원 may request 방문형) member id with child 서준. */
static void s_member(fx_t *fx, const char *id, const char *phone)
{
    Eo__Child c = EO__CHILD__INIT;
    c.id = "c1";
    c.first_name = "서준";
    c.birth_date = 20210301;
    Eo__Child *kids[] = {&c};
    Eo__MemberUpsert u = EO__MEMBER_UPSERT__INIT;
    u.id = (char *)id;
    u.site = "suwon";
    u.phone = (char *)phone;
    u.name = "김보호";
    u.n_children = 1;
    u.children = kids;
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_MEMBER_UPSERT;
    ev.member_upsert = &u;
    char eid[64];
    snprintf(eid, sizeof eid, "up-%s-%lld", id, (long long)fx->now_ms);
    size_t n;
    uint8_t *b = s_event(&ev, eid, &n);
    fx_apply_ok(fx, b, n);
    Eo__MemberVerify v = EO__MEMBER_VERIFY__INIT;
    v.id = (char *)id;
    v.verified = true;
    v.by = "operator:test";
    ev = (Eo__Event)EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_MEMBER_VERIFY;
    ev.member_verify = &v;
    snprintf(eid, sizeof eid, "ver-%s-%lld", id, (long long)fx->now_ms);
    b = s_event(&ev, eid, &n);
    fx_apply_ok(fx, b, n);
}

/* A request of member `member` for start..start+2h (for a child it did not register, whom
 * no operator has to check). */
static void s_request(fx_t *fx, const char *id, const char *member, int64_t start)
{
    size_t n;
    uint8_t *b = fx_request_as(id, "suwon", fx->dong, start, start + 2 * 3600, "+821077770000",
                               "하은", "수원시 장안구 1", &n);
    char err[128];
    Eo__Event *ev = eo_event_decode(b, n, err, sizeof err);
    free(b);
    assert(ev);
    free(ev->request->member_id);
    ev->request->member_id = strdup(member);
    b = eo_event_encode(ev, &n);
    eo_event_free(&ev);
    int rc;
    Eo__Event *back = fx_apply(fx, b, n, &rc);
    free(b);
    if (rc && back->body_case == EO__EVENT__BODY_STATUS && back->status->error)
        fprintf(stderr, "refused: %s\n", back->status->error->message_en);
    assert(rc == EO_OK);
    eo_event_free(&back);
}

static bool s_has(eo_store_t *store, const char *id)
{
    MDB_dbi dbi;
    MDB_txn *txn;
    assert(eo_store_dbi(store, "m.members", 0, &dbi) == EO_OK);
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(txn, dbi, &k, &v);
    eo_store_abort(&txn);
    assert(rc == 0 || rc == MDB_NOTFOUND);
    return rc == 0;
}

static void s_digest(eo_store_t *store, eo_cases_t *cases, char *hex)
{
    MDB_txn *txn;
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_cases_digest(cases, txn, hex) == EO_OK);
    eo_store_abort(&txn);
}

int main(void)
{
    zsys_init();
    char *rm = zsys_sprintf("rm -rf '%s'", getenv("EO_TEST_TMP"));
    assert(system(rm) == 0);
    zstr_free(&rm);
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.always_pool = true;
    fx_t *fx = fx_new("store", false, &cfg);
    fx_carers(fx, 4);
    int64_t t0 = fx->now_ms / 1000; /* Friday 18:00 */
    /* Friday: four members register; two are served that night */
    s_member(fx, "idle", "+821011110001");   /* registers, never asks */
    s_member(fx, "served", "+821011110002"); /* one case, then nothing */
    s_member(fx, "again", "+821011110003");  /* one case, and a new one later */
    s_request(fx, "r-served", "served", t0 + 3 * 3600);
    s_request(fx, "r-again", "again", t0 + 4 * 3600);
    /* Sunday: "again" asks once more (its case still open), "fresh" registers */
    fx->now_ms += 2 * EO_DAY * 1000LL;
    fx_tick(fx);
    s_member(fx, "fresh", "+821011110004");
    s_request(fx, "r-open", "again", t0 + 2 * EO_DAY + 5 * 3600);
    assert(fx_case(fx, "r-open").state == EO_CASE_OFFERING);
    assert(s_has(fx->store, "idle") && s_has(fx->store, "served"));

    /* the privacy period ends between Friday night and Sunday (the cut-off given, as
     * `eonjena purge --before` does; the configured one counts years) */
    eo_retention_config_t rcfg;
    eo_retention_config_defaults(&rcfg);
    rcfg.batch = 1; /* a batch per member: the walk resumes across transactions */
    eo_retention_cuts_t cuts;
    eo_retention_cuts(&rcfg, fx->now_ms / 1000, &cuts);
    cuts.privacy_before = t0 + EO_DAY;
    eo_retention_t *run = eo_retention_new(fx->cases, &rcfg);
    eo_retention_counts_t counts;
    assert(eo_retention_run(run, fx->now_ms, &cuts, &counts) == EO_OK);
    fprintf(stderr, "retention: %zu members deleted, %zu cases anonymised\n", counts.members,
            counts.anonymised);
    assert(counts.members == 2);
    assert(!s_has(fx->store, "idle") && !s_has(fx->store, "served"));
    assert(s_has(fx->store, "again") && s_has(fx->store, "fresh"));
    assert(counts.anonymised >= 2); /* r-served, r-again: their cases ended before */
    fx_check_ok(fx);
    /* again at once: nothing more */
    assert(eo_retention_run(run, fx->now_ms, &cuts, &counts) == EO_OK);
    assert(counts.members == 0 && s_has(fx->store, "again"));

    /* a replay from the checkpoint deletes the same members */
    char dir[512], why[512];
    snprintf(dir, sizeof dir, "%s/replayed", getenv("EO_TEST_TMP"));
    uint64_t first = 0;
    assert(eo_checkpoint_restore(fx->store, dir, &first, why, sizeof why) == EO_OK);
    eo_store_t *rs = eo_store_new(dir, 256, EO_STORE_NOSYNC | EO_STORE_EXISTING);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    eo_index_t *ri = eo_index_new(rs, fx->dongs, &caps);
    eo_cases_t *rc = eo_cases_new(rs, ri, fx->dongs, fx->rules, &cfg);
    assert(rc);
    size_t inputs = 0;
    assert(eo_cases_replay_from(rc, fx->store, first, &inputs) == EO_OK);
    char a[65], r[65];
    s_digest(fx->store, fx->cases, a);
    s_digest(rs, rc, r);
    assert(streq(a, r));
    assert(!s_has(rs, "idle") && s_has(rs, "again"));
    eo_cases_destroy(&rc);
    eo_index_destroy(&ri);
    eo_store_destroy(&rs);
    eo_retention_destroy(&run);
    fx_destroy(&fx);
    printf("retention.members: OK\n");
    return 0;
}
