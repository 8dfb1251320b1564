/* fixture.c: see fixture.h. */
#include <string.h>

#include "fixture.h"

fx_t *fx_new(const char *name, bool fast, const eo_cases_config_t *cfg)
{
    fx_t *fx = calloc(1, sizeof *fx);
    assert(fx);
    const char *tmp = getenv("EO_TEST_TMP");
    snprintf(fx->dir, sizeof fx->dir, "%s/%s", tmp ? tmp : "/tmp/eo_matcher_test", name);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    assert(system(cmd) == 0);
    char err[256];
    fx->dongs = eo_dongs_load_default(err, sizeof err);
    assert(fx->dongs);
    fx->store = eo_store_new(fx->dir, 256, fast ? EO_STORE_NOSYNC : 0);
    assert(fx->store);
    fx->rules = eo_rules_new(NULL, err, sizeof err);
    assert(fx->rules);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    fx->index = eo_index_new(fx->store, fx->dongs, &caps);
    assert(fx->index);
    fx->cases = eo_cases_new(fx->store, fx->index, fx->dongs, fx->rules, cfg);
    assert(fx->cases);
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_record_config(fx->cases, txn) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    fx->now_ms = eo_time_from_local(2026, 11, 27, 18, 0, 0) * 1000LL;
    size_t n;
    const eo_dong_t *const *suwon =
        eo_dongs_of_site(fx->dongs, eo_dongs_site_find(fx->dongs, "suwon"), &n);
    fx->dong = suwon[0]->code;
    return fx;
}

void fx_destroy(fx_t **self_p)
{
    fx_t *fx = *self_p;
    if (!fx) return;
    eo_cases_destroy(&fx->cases);
    eo_index_destroy(&fx->index);
    eo_store_destroy(&fx->store);
    eo_rules_destroy(&fx->rules);
    eo_dongs_destroy(&fx->dongs);
    free(fx);
    *self_p = NULL;
}

void fx_carer(fx_t *fx, uint32_t id)
{
    fx_carer_in(fx, id, &fx->dong, 1);
}

void fx_carers(fx_t *fx, uint32_t n)
{
    for (uint32_t id = 1; id <= n; id++)
        fx_carer(fx, id);
}

void fx_reopen(fx_t *fx, eo_dongs_t *dongs, const eo_cases_config_t *cfg)
{
    char err[256];
    eo_cases_destroy(&fx->cases);
    eo_index_destroy(&fx->index);
    eo_dongs_destroy(&fx->dongs);
    fx->dongs = dongs ? dongs : eo_dongs_load_default(err, sizeof err);
    assert(fx->dongs);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    fx->index = eo_index_new(fx->store, fx->dongs, &caps);
    fx->cases = eo_cases_new(fx->store, fx->index, fx->dongs, fx->rules, cfg);
    assert(fx->index && fx->cases);
}

void fx_resize(fx_t *fx, size_t map_mb, size_t max_mb, const eo_cases_config_t *cfg)
{
    eo_cases_destroy(&fx->cases);
    eo_index_destroy(&fx->index);
    eo_store_destroy(&fx->store);
    assert(eo_store_remove(fx->dir) == 0);
    fx->store = eo_store_new(fx->dir, map_mb, EO_STORE_NOSYNC);
    assert(fx->store);
    eo_store_set_max(fx->store, max_mb);
    fx_reopen(fx, NULL, cfg);
}

void fx_carer_in(fx_t *fx, uint32_t id, const uint32_t *dongs, int n)
{
    eo_carer_t c;
    memset(&c, 0, sizeof c);
    c.id = id;
    strcpy(c.site, "suwon");
    c.kind = EO_CARER_VISIT;
    c.pool = c.active = c.night_ok = true;
    c.home_dong = dongs[0];
    for (int i = 0; i < n && i < EO_CARER_MAX_DONGS; i++)
        c.dongs[c.n_dongs++] = dongs[i];
    snprintf(c.phone, sizeof c.phone, "+8210%08u", id);
    snprintf(c.name, sizeof c.name, "돌보미%u", id);
    memset(c.avail, 0xff, sizeof c.avail);
    c.check_until = c.training_until = 20991231;
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_load_carer(fx->cases, txn, &c, fx->now_ms / 1000, 0, 0) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
}

static uint8_t *s_encode(Eo__Event *ev, const char *id, size_t *size)
{
    ev->id = (char *)id;
    ev->site = "suwon";
    uint8_t *buf = eo_event_encode(ev, size);
    assert(buf);
    return buf;
}

uint8_t *fx_request(fx_t *fx, const char *id, int64_t start, int hours, int needed,
                    size_t *size)
{
    return fx_request_in(fx, id, fx->dong, start, hours, needed, size);
}

static uint8_t *s_request(const char *id, const char *site, uint32_t dong, int64_t start,
                          int64_t end, int needed, const char *phone, const char *child,
                          const char *address, size_t *size)
{
    Eo__Request r = EO__REQUEST__INIT;
    r.id = (char *)id;
    r.site = (char *)site;
    r.dong = dong;
    r.start = start;
    r.end = end;
    r.carers_needed = needed;
    r.channel = EO__CHANNEL__CHANNEL_CALL_CENTRE;
    r.type = EO__SERVICE_TYPE__SERVICE_VISIT;
    r.member_id = "m1";
    r.member_phone = (char *)phone;
    r.child_first_name = (char *)child;
    r.address = (char *)address;
    r.member_verified = true;
    r.child_age_months = 60; /* a child of 5: every rule lets the request through */
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = (char *)site;
    ev.body_case = EO__EVENT__BODY_REQUEST;
    ev.request = &r;
    uint8_t *buf = eo_event_encode(&ev, size);
    assert(buf);
    return buf;
}

uint8_t *fx_request_in(fx_t *fx, const char *id, uint32_t dong, int64_t start, int hours,
                       int needed, size_t *size)
{
    (void)fx;
    return s_request(id, "suwon", dong, start, start + hours * 3600, needed, "+821099990000",
                     "서연", "수원시 장안구 비밀로 12", size);
}

uint8_t *fx_request_as(const char *id, const char *site, uint32_t dong, int64_t start,
                       int64_t end, const char *phone, const char *child, const char *address,
                       size_t *size)
{
    return s_request(id, site, dong, start, end, 1, phone, child, address, size);
}

uint8_t *fx_payment(const char *request, int64_t amount, const char *event_id, size_t *size)
{
    Eo__Payment p = EO__PAYMENT__INIT;
    p.request_id = (char *)request;
    p.amount = amount;
    p.reference = "receipt-1";
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_PAYMENT;
    ev.payment = &p;
    return s_encode(&ev, event_id, size);
}

uint8_t *fx_answer(const char *request, uint32_t carer, bool accept, const char *reply_id,
                   size_t *size)
{
    Eo__Answer a = EO__ANSWER__INIT;
    a.request_id = (char *)request;
    a.carer_id = carer;
    a.accept = accept;
    a.reply_id = (char *)reply_id;
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_ANSWER;
    ev.answer = &a;
    return s_encode(&ev, reply_id, size);
}

uint8_t *fx_delivery(const char *message_id, bool ok, size_t *size)
{
    Eo__Delivery d = EO__DELIVERY__INIT;
    d.message_id = (char *)message_id;
    d.status =
        ok ? EO__DELIVERY__STATUS__STATUS_DELIVERED : EO__DELIVERY__STATUS__STATUS_FAILED;
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_DELIVERY;
    ev.delivery = &d;
    char id[128];
    snprintf(id, sizeof id, "dlr:%s:%d", message_id, ok);
    return s_encode(&ev, id, size);
}

uint8_t *fx_cancel(const char *request, uint32_t carer, size_t *size)
{
    return fx_cancel_as(request, carer, request, size);
}

uint8_t *fx_cancel_as(const char *request, uint32_t carer, const char *event_id, size_t *size)
{
    Eo__Cancel x = EO__CANCEL__INIT;
    x.request_id = (char *)request;
    x.carer_id = carer;
    x.reason = "test";
    Eo__Event ev = EO__EVENT__INIT;
    ev.body_case = EO__EVENT__BODY_CANCEL;
    ev.cancel = &x;
    return s_encode(&ev, event_id, size);
}

Eo__Event *fx_apply(fx_t *fx, const uint8_t *body, size_t size, int *rc_out)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    uint8_t *reply = NULL;
    size_t rsize = 0;
    int rc = eo_cases_apply(fx->cases, txn, body, size, fx->now_ms, &reply, &rsize);
    assert(rc == EO_OK || rc == EO_EREFUSED);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    if (rc_out) *rc_out = rc;
    char err[64];
    Eo__Event *ev = eo_event_decode(reply, rsize, err, sizeof err);
    assert(ev);
    free(reply);
    return ev;
}

Eo__Event *fx_submit(fx_t *fx, eo_client_t *client, const char *id, int64_t start, int hours)
{
    size_t n;
    uint8_t *b = fx_request(fx, id, start, hours, 1, &n);
    zframe_t *reply = NULL;
    assert(eo_client_request(client, "match", "suwon", b, n, 5000, &reply) == EO_OK);
    free(b);
    char err[64];
    Eo__Event *ev = eo_event_decode(zframe_data(reply), zframe_size(reply), err, sizeof err);
    zframe_destroy(&reply);
    assert(ev && ev->body_case == EO__EVENT__BODY_STATUS);
    return ev;
}

size_t fx_tick(fx_t *fx)
{
    MDB_txn *txn;
    size_t fired;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_tick(fx->cases, txn, fx->now_ms, 1000, &fired) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    return fired;
}

bool fx_exists(fx_t *fx, const char *id)
{
    MDB_txn *txn;
    eo_case_t c;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    int rc = eo_cases_get(fx->cases, txn, id, &c);
    eo_store_abort(&txn);
    assert(rc == EO_OK || rc == EO_ENOTFOUND);
    return rc == EO_OK;
}

void fx_apply_ok(fx_t *fx, uint8_t *body, size_t size)
{
    int rc;
    Eo__Event *ev = fx_apply(fx, body, size, &rc);
    assert(rc == EO_OK);
    eo_event_free(&ev);
    free(body);
}

eo_case_t fx_case(fx_t *fx, const char *id)
{
    MDB_txn *txn;
    eo_case_t c;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_get(fx->cases, txn, id, &c) == EO_OK);
    eo_store_abort(&txn);
    return c;
}

typedef struct {
    const char *request;
    int kind;
    uint32_t carer;
    int n;
} s_count_t;

static int s_count(void *arg, const eo_outbox_row_t *row)
{
    s_count_t *s = arg;
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    assert(ev);
    /* a CLOSE is about each request it closes */
    bool about = ev->body_case == EO__EVENT__BODY_MESSAGE;
    if (about && ev->message->kind == EO__MESSAGE__KIND__KIND_CLOSE) {
        about = false;
        for (size_t i = 0; i < ev->message->n_close_ids; i++)
            about = about || streq(ev->message->close_ids[i], s->request);
    } else if (about)
        about = streq(ev->message->request_id, s->request);
    if (about && (!s->kind || (int)ev->message->kind == s->kind) &&
        (!s->carer || ev->message->carer_id == s->carer))
        s->n++;
    eo_event_free(&ev);
    return 0;
}

int fx_outbox_count(fx_t *fx, const char *request, int kind, uint32_t carer)
{
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    s_count_t s = {request, kind, carer, 0};
    assert(eo_cases_outbox_each(fx->cases, txn, 0, s_count, &s) == EO_OK);
    eo_store_abort(&txn);
    return s.n;
}

void fx_damage_case(fx_t *fx, const char *id)
{
    MDB_dbi dbi;
    MDB_txn *txn;
    assert(eo_store_dbi(fx->store, "m.cases", 0, &dbi) == EO_OK);
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    MDB_val k = {strlen(id), (void *)id}, v = {5, "\x02xxxx"};
    assert(mdb_put(txn, dbi, &k, &v, 0) == 0);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
}

void fx_check_ok(fx_t *fx)
{
    MDB_txn *txn;
    char why[256];
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    int rc = eo_cases_check(fx->cases, txn, why, sizeof why);
    if (rc) fprintf(stderr, "check: %s\n", why);
    assert(rc == EO_OK);
    eo_store_abort(&txn);
}

fx_run_t *fx_run_new(fx_t *fx, const char *endpoint, const char *cfg_text)
{
    fx_run_t *self = calloc(1, sizeof *self);
    assert(self);
    self->broker = eo_broker_new(endpoint, NULL);
    self->clock = eo_clock_new_from_spec("manual:2026-11-27T18:00:00+09:00");
    self->config = zconfig_str_load(cfg_text);
    assert(self->broker && self->clock && self->config);
    eo_clock_set_ms(self->clock, fx->now_ms);
    self->args = (eo_role_args_t){.broker = endpoint,
                                  .sites = "suwon",
                                  .config = self->config,
                                  .store = fx->store,
                                  .clock = self->clock,
                                  .dongs = fx->dongs};
    return self;
}

void fx_run_destroy(fx_run_t **self_p)
{
    fx_run_t *self = *self_p;
    if (!self) return;
    eo_broker_destroy(&self->broker);
    zconfig_destroy(&self->config);
    eo_clock_destroy(&self->clock);
    free(self);
    *self_p = NULL;
}

bool fx_sms_offer(eo_worker_t *sms, const char *request, int wait_ms)
{
    int64_t until = zclock_mono() + wait_ms;
    bool seen = false;
    while (!seen && zclock_mono() < until) {
        eo_work_t *work = eo_worker_recv(sms, 20);
        if (!work) continue;
        char err[64];
        zframe_t *b = eo_work_body(work);
        Eo__Event *ev = eo_event_decode(zframe_data(b), zframe_size(b), err, sizeof err);
        assert(ev);
        seen = ev->body_case == EO__EVENT__BODY_MESSAGE &&
               ev->message->kind == EO__MESSAGE__KIND__KIND_OFFER &&
               (!request || streq(ev->message->request_id, request));
        eo_event_free(&ev);
        eo_worker_reply(sms, &work, "", 0);
    }
    return seen;
}

void fx_probe(eo_client_t *client, eo_worker_t *w, const char *service)
{
    assert(eo_client_send(client, service, "suwon", "probe", "", 0) == EO_OK);
    eo_work_t *work = NULL;
    int64_t until = zclock_mono() + 10000;
    while (!work && zclock_mono() < until)
        work = eo_worker_recv(w, 20);
    assert(work);
    eo_worker_reply(w, &work, "", 0);
    char *corr = NULL;
    int status;
    zframe_t *reply = NULL;
    assert(eo_client_recv(client, 10000, &corr, &status, &reply) == EO_OK);
    assert(streq(corr, "probe") && status == EO_OK);
    free(corr);
    zframe_destroy(&reply);
}

int64_t fx_monday(fx_t *fx)
{
    return fx->now_ms / 1000 + 3 * 86400 - 8 * 3600;
}

void fx_submit_waiting(fx_t *fx, eo_client_t *client, const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof id, "%s%d", prefix, i);
        Eo__Event *st = fx_submit(fx, client, id, fx_monday(fx), 2);
        eo_event_free(&st);
    }
}

char *fx_handoff_id(eo_work_t *work)
{
    char err[64];
    zframe_t *b = eo_work_body(work);
    Eo__Event *ev = eo_event_decode(zframe_data(b), zframe_size(b), err, sizeof err);
    assert(ev && ev->body_case == EO__EVENT__BODY_HANDOFF);
    char *id = strdup(ev->handoff->id);
    eo_event_free(&ev);
    return id;
}
