/* inputs.c: every `match` body of docs/architecture.md becomes a lifecycle event here. Accepted
 * inputs are appended to the input log (m.inputs: seq -> kind, at_ms, payload) in the
 * same transaction as their effects, which is what eo_cases_replay feeds back. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_sha256.h"

int eo_input_record(eo_cases_t *self, MDB_txn *txn, int kind, const void *payload, size_t size)
{
    uint64_t seq;
    int rc = eo_meta_next(self, txn, "input_seq", &seq);
    if (rc) return rc;
    uint8_t key[8];
    eo_be64(key, seq);
    MDB_val k = {8, key}, v = {9 + size, NULL};
    /* APPEND: keys only grow, so full pages stay full (a plain put splits them in half)
     * and a key that does not grow fails instead of overwriting */
    if ((rc = mdb_put(txn, self->inputs, &k, &v, MDB_RESERVE | MDB_APPEND)))
        return eo_store_fail("put input", rc);
    uint8_t *p = v.mv_data;
    p[0] = (uint8_t)kind;
    eo_be64(p + 1, (uint64_t)self->now_ms);
    memcpy(p + 9, payload, size);
    return EO_OK;
}

/* m.seen keys: a kind letter, ':' and an event or reply id (ids are checked to be
 * shorter than S_EVENT_ID_MAX right after decoding: an LMDB key holds 511 bytes). */
#define S_EVENT_ID_MAX 200
#define S_SEEN_KEY_MAX (S_EVENT_ID_MAX + 4)

/* --- replies ------------------------------------------------------------------------ */

/* The one place a refusal is made: a Status carrying the error, and EO_EREFUSED, which
 * means "refused, nothing written". Call it only before anything was written. */
static int s_error(eo_cases_t *self, const char *id, const char *code, const char *ko,
                   const char *en, uint8_t **reply, size_t *size)
{
    Eo__Error err = EO__ERROR__INIT;
    err.code = (char *)code;
    err.message_ko = (char *)ko;
    err.message_en = (char *)en;
    Eo__Status st = EO__STATUS__INIT;
    st.request_id = (char *)(id ? id : "");
    st.state = "refused";
    st.error = &err;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)(id ? id : "");
    ev.at_ms = self->now_ms;
    ev.body_case = EO__EVENT__BODY_STATUS;
    ev.status = &st;
    *reply = eo_event_encode(&ev, size);
    return *reply ? EO_EREFUSED : EO_ENOMEM;
}

int eo_cases_refuse(eo_cases_t *self, const char *id, const char *code, const char *ko,
                    const char *en, uint8_t **reply, size_t *size)
{
    return s_error(self, id, code, ko, en, reply, size);
}

static int s_ack_at(int64_t at_ms, const char *key, const char *outcome, uint8_t **reply,
                    size_t *size)
{
    char *ids[2] = {(char *)key, (char *)outcome};
    Eo__Ack ack = EO__ACK__INIT;
    ack.n_ids = outcome ? 2 : 1;
    ack.ids = ids;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)key;
    ev.at_ms = at_ms;
    ev.body_case = EO__EVENT__BODY_ACK;
    ev.ack = &ack;
    *reply = eo_event_encode(&ev, size);
    return *reply ? EO_OK : EO_ENOMEM;
}

static int s_ack(eo_cases_t *self, const char *key, const char *outcome, uint8_t **reply,
                 size_t *size)
{
    return s_ack_at(self->now_ms, key, outcome, reply, size);
}

/* --- intake ------------------------------------------------------------------------- */

/* A refusal that names what to change, in both languages (no raw %s). */
static int s_refuse(eo_cases_t *self, const char *id, const eo_verdict_t *v, uint8_t **reply,
                    size_t *size)
{
    char ko[512], en[512];
    eo_verdict_message(v, "ko", ko, sizeof ko);
    eo_verdict_message(v, "en", en, sizeof en);
    return s_error(self, id, eo_reason_code(v->reason), ko, en, reply, size);
}

/* What identifies the request and where it is: checked before the rules are asked. */
static int s_validate(eo_cases_t *self, const Eo__Request *r, const char **code,
                      const char **en)
{
    size_t n = r->id ? strlen(r->id) : 0;
    *code = NULL;
    if (n == 0 || n >= EO_CASE_ID_MAX || strchr(r->id, ':'))
        *code = "bad_id", *en = "request id missing, too long or with ':'";
    else if (eo_dongs_site_find(self->dongs, r->site) < 0)
        *code = "unknown_site", *en = "unknown site";
    else {
        const eo_dong_t *d = eo_dongs_find(self->dongs, r->dong);
        if (!d || d->site != eo_dongs_site_find(self->dongs, r->site))
            *code = "unknown_dong", *en = "the dong is not served by this site";
        else if (r->carers_needed > EO_CASE_MAX_WINNERS)
            *code = "too_many_carers", *en = "at most 2 carers per request";
    }
    return *code ? EO_EREFUSED : EO_OK;
}

/* An intake whose id is known: a retry gets the case's status (replayed); the same key
 * with other contents (another digest) is refused, whatever the case's state. */
static int s_resend(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, uint8_t **reply,
                    size_t *size)
{
    Eo__Request *stored = NULL;
    int rc = r->digest.len ? eo_cases_request(self, txn, r->id, &stored) : EO_ENOTFOUND;
    bool conflict = rc == EO_OK && stored->digest.len &&
                    (stored->digest.len != r->digest.len ||
                     memcmp(stored->digest.data, r->digest.data, r->digest.len) != 0);
    if (stored) eo__request__free_unpacked(stored, NULL);
    if (rc != EO_OK && rc != EO_ENOTFOUND) return rc;
    if (conflict)
        return s_error(self, r->id, "idempotency_conflict",
                       "같은 요청 ID(Idempotency-Key)로 다른 내용의 요청이 이미 접수되었습니다",
                       "this key was used for a request with other contents", reply, size);
    return eo_case_status(self, txn, r->id, true, reply, size);
}

/* always_pool (W1 runs, demos) offers every request the rules let through, whatever
 * the hour: the app hours and the route do not hold it back; the lead and everything
 * else still do. */
static bool s_routing_only(const eo_cases_t *self, const eo_verdict_t *v)
{
    return self->cfg.always_pool &&
           (v->reason == EO_REASON_APP_HOURS || v->reason == EO_REASON_BEFORE_BUSINESS);
}

/* Store the request and its case (state received) and log it. */
static int s_store(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, eo_case_rec_t *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->id, sizeof c->id, "%s", r->id);
    snprintf(c->site, sizeof c->site, "%s", r->site);
    c->state = EO_CASE_RECEIVED;
    c->needed = r->carers_needed ? (uint8_t)r->carers_needed : 1;
    c->dong = r->dong;
    c->start = r->start;
    c->end = r->end;
    c->requested_at = self->now_ms / 1000;
    c->type =
        r->type == EO__SERVICE_TYPE__SERVICE_FACILITY ? EO_SERVICE_FACILITY : EO_SERVICE_VISIT;
    size_t n = eo__request__get_packed_size(r);
    MDB_val k = {strlen(c->id), c->id}, v = {n, NULL};
    int rc = mdb_put(txn, self->reqs, &k, &v, MDB_RESERVE);
    if (rc) return eo_store_fail("put request", rc);
    eo__request__pack(r, v.mv_data);
    /* the journal names who made the request: the credential or operator that called
     * the gateway (Request.owner), or the member when it came another way */
    char who[80];
    if (r->owner && *r->owner)
        snprintf(who, sizeof who, "caller:%.64s", r->owner);
    else
        snprintf(who, sizeof who, "member:%.64s", r->member_id ? r->member_id : "");
    eo_case_ctx_t ctx = {.who = who};
    if ((rc = eo_journal_append(self, txn, c, who, "received", ""))) return rc;
    return eo_case_dispatch(self, txn, c, EV_INTAKE, &ctx);
}

/* Refused at once, and still recorded: a request made off hours for a service that
 * starts before the provider opens is handed to the provider for a call back. */
static int s_refused(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r,
                     const eo_verdict_t *v, const void *raw, size_t rawsize, uint8_t **reply,
                     size_t *size)
{
    eo_case_rec_t c;
    int rc = s_store(self, txn, r, &c);
    if (rc) return rc;
    c.reason = (uint8_t)v->reason;
    eo_case_ctx_t ctx = {.who = "matcher", .detail = eo_reason_code(v->reason)};
    if ((rc = eo_case_dispatch(self, txn, &c, EV_REFUSE, &ctx)) ||
        (rc = eo_cases_put(self, txn, &c)) ||
        (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)))
        return rc;
    return eo_cases_status(self, txn, c.id, reply, size);
}

static int s_request(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size)
{
    if (!r)
        return s_error(self, NULL, "malformed", "요청 형식 오류", "no request", reply, size);
    /* a known id is a resend: it gets the case's status, whatever the clock says now
     * (a resend near the 2 h lead must not be refused as too soon); only new requests
     * are validated */
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, r->id, &c);
    if (rc == EO_OK) return s_resend(self, txn, r, reply, size);
    if (rc != EO_ENOTFOUND) return rc;
    const char *code = NULL, *en = NULL;
    if (s_validate(self, r, &code, &en))
        return s_error(self, r->id, code, "요청을 받을 수 없습니다", en, reply, size);
    /* a registered member's stored data wins over the request's flags (members.c) */
    char mko[256], men[256];
    if ((rc = eo_member_intake(self, txn, (Eo__Request *)r, &code, mko, men, sizeof mko)))
        return rc;
    if (code) return s_error(self, r->id, code, mko, men, reply, size);
    /* the one check of a request: the same the quote makes (eo_rules_check) */
    eo_verdict_t v;
    if ((rc = eo_case_check(self, txn, r, self->now_ms / 1000, &v))) return rc;
    if (v.reason == EO_REASON_BEFORE_BUSINESS && !s_routing_only(self, &v))
        return s_refused(self, txn, r, &v, raw, rawsize, reply, size);
    if (v.reason && !s_routing_only(self, &v)) return s_refuse(self, r->id, &v, reply, size);
    if ((rc = s_store(self, txn, r, &c))) return rc;
    c.pair = v.pair_recommended;
    /* the pay an offer shows is the quote's carer pay for this case */
    if ((rc = eo_case_pay(self, &c, r, &c.carer_pay, NULL)) && rc != EO_EINVAL) return rc;
    bool facility = c.type == EO_SERVICE_FACILITY;
    if (facility && (rc = eo_childday_add(self, txn, r, (int)((c.end - c.start) / EO_MINUTE))))
        return rc;
    bool pool = facility || self->cfg.always_pool || v.route.route == EO_ROUTE_POOL;
    /* why it goes where it goes: the journal says it */
    char why[48];
    snprintf(why, sizeof why, "reason=%s",
             self->cfg.always_pool ? "always_pool" : eo_reason_code(v.route.reason));
    eo_case_ctx_t ctx = {.who = "matcher", .detail = why};
    rc = eo_case_dispatch(self, txn, &c, pool ? EV_ROUTE_POOL : EV_ROUTE_PROVIDER, &ctx);
    if (rc || (rc = eo_cases_put(self, txn, &c)) ||
        (rc = eo_member_touch(self, txn, r->member_id, c.end)) ||
        (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)))
        return rc;
    return eo_cases_status(self, txn, c.id, reply, size);
}

/* --- answers, deliveries, cancellations ------------------------------------------------
 */

static int s_answer(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                    size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__Answer *a = in->answer;
    char key[S_SEEN_KEY_MAX];
    snprintf(key, sizeof key, "a:%s", a && a->reply_id && *a->reply_id ? a->reply_id : in->id);
    if (!a || !a->request_id || !a->carer_id)
        return s_error(self, in->id, "malformed", "형식 오류",
                       "answer without request or carer", reply, size);
    /* a repeat gets the answer it got the first time, rebuilt from what m.seen keeps
     * (when and the outcome: a few bytes, not the encoded reply) */
    int64_t at_ms;
    char seen[32];
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc != EO_ENOTFOUND) return rc ? rc : s_ack_at(at_ms, key, seen, reply, size);
    char who[32];
    snprintf(who, sizeof who, "carer:%u", a->carer_id);
    eo_case_ctx_t ctx = {.carer = a->carer_id, .who = who};
    rc = eo_case_run(self, txn, a->request_id, a->accept ? EV_ACCEPT : EV_DECLINE, &ctx);
    const char *outcome = a->accept ? eo_settle_outcome_name(ctx.outcome) : "declined";
    if (rc == EO_ENOTFOUND)
        outcome = "unknown_request";
    else if (rc == EO_ECLOSED)
        outcome = "closed";
    else if (rc)
        return rc;
    if (rc == EO_OK && (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)))
        return rc;
    if ((rc = s_ack(self, key, outcome, reply, size))) return rc;
    return eo_seen_put(self, txn, key, self->now_ms, outcome);
}

/* Delivery reports name a Message id: offers are "<request>:<carer>:offer". */
static int s_delivery(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                      size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__Delivery *d = in->delivery;
    char id[EO_CASE_ID_MAX];
    unsigned carer = 0;
    int rc = EO_OK;
    const char *mid = d && d->message_id ? d->message_id : "";
    const char *colon = strchr(mid, ':');
    if (colon && (size_t)(colon - mid) < sizeof id && strstr(colon, ":offer") &&
        sscanf(colon, ":%u:offer", &carer) == 1) {
        memcpy(id, mid, colon - mid);
        id[colon - mid] = 0;
        eo_offer_t o;
        if (eo_offer_get(self, txn, id, carer, &o) == EO_OK) {
            if (d->status == EO__DELIVERY__STATUS__STATUS_DELIVERED && !o.delivered) {
                o.delivered = 1;
                rc = eo_offer_put(self, txn, id, &o);
            } else if (d->status == EO__DELIVERY__STATUS__STATUS_FAILED) {
                char who[32];
                snprintf(who, sizeof who, "carer:%u", carer);
                eo_case_ctx_t ctx = {.carer = carer, .who = who, .detail = "delivery failed"};
                rc = eo_case_run(self, txn, id, EV_UNREACHABLE, &ctx);
                if (rc == EO_ECLOSED) rc = EO_OK;
            }
            if (rc == EO_OK) rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize);
        }
    }
    return rc ? rc : s_ack(self, mid, "recorded", reply, size);
}

static int s_cancel(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                    size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__Cancel *x = in->cancel;
    if (!x || !x->request_id)
        return s_error(self, in->id, "malformed", "형식 오류", "cancel without request", reply,
                       size);
    /* idempotent by event id: a repeat changes nothing and gets the case's status */
    char key[S_SEEN_KEY_MAX], seen[32];
    int64_t at_ms;
    snprintf(key, sizeof key, "x:%s", in->id);
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc == EO_OK) return eo_cases_status(self, txn, x->request_id, reply, size);
    if (rc != EO_ENOTFOUND) return rc;
    char who[96];
    snprintf(who, sizeof who, x->carer_id ? "carer:%u" : "member", x->carer_id);
    if (x->by && *x->by) /* who asked: an operator, a member's app, a carer's app */
        snprintf(who, sizeof who, "%.90s", x->by);
    eo_case_ctx_t ctx = {.carer = x->carer_id, .who = who, .detail = x->reason};
    rc = eo_case_run(self, txn, x->request_id,
                     x->carer_id ? EV_WINNER_CANCEL : EV_MEMBER_CANCEL, &ctx);
    if (rc == EO_ENOTFOUND)
        return s_error(self, x->request_id, "unknown_request", "없는 요청", "no such request",
                       reply, size);
    if (rc == EO_ECLOSED || rc == EO_EREFUSED)
        return s_error(self, x->request_id, "not_cancellable", "취소할 수 없습니다",
                       "the request cannot be cancelled in its state", reply, size);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "cancelled")))
        return rc;
    return eo_cases_status(self, txn, x->request_id, reply, size);
}

/* --- carers --------------------------------------------------------------------------- */

static int s_carer(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                   size_t rawsize, uint8_t **reply, size_t *size)
{
    eo_carer_t c;
    int rc = EO_EINVAL;
    switch (in->body_case) {
    case EO__EVENT__BODY_CARER_UPSERT:
        /* POST /v1/carers makes a new carer: an id that is taken is refused */
        if (in->carer_upsert->create &&
            eo_index_get(self->index, txn, in->carer_upsert->id, &c) == EO_OK)
            return s_error(self, in->id, "carer_exists", "이미 등록된 돌보미 ID입니다",
                           "a carer with this id exists", reply, size);
        rc = eo_index_apply(self->index, txn, in);
        break;
    case EO__EVENT__BODY_CARER_DEACTIVATE:
    case EO__EVENT__BODY_CARER_AVAILABILITY:
        rc = eo_index_apply(self->index, txn, in);
        break;
    case EO__EVENT__BODY_CARER_CONSENT: {
        const Eo__CarerConsent *x = in->carer_consent;
        uint32_t id = x->carer_id;
        rc = id ? EO_OK : eo_index_by_phone(self->index, txn, x->phone, &id);
        if (rc == EO_OK && (rc = eo_index_get(self->index, txn, id, &c)) == EO_OK) {
            c.pool = x->pool;
            rc = eo_index_put(self->index, txn, &c);
        }
        break;
    }
    default:
        break;
    }
    /* the index refuses before it writes: a bad record, an unknown carer, a phone that
     * is another carer's (replies are routed by phone) */
    if (rc == EO_EINVAL || rc == EO_ENOTFOUND)
        return s_error(self, in->id, rc == EO_EINVAL ? "bad_carer" : "unknown_carer",
                       "돌보미 정보 오류", "bad or unknown carer", reply, size);
    if (rc == EO_EEXIST)
        return s_error(self, in->id, "phone_taken", "다른 돌보미의 전화번호입니다",
                       "the phone number belongs to another carer", reply, size);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize))) return rc;
    return s_ack(self, in->id, "recorded", reply, size);
}

static bool s_is_winner(const eo_case_rec_t *c, uint32_t carer)
{
    for (int i = 0; i < c->n_winners; i++)
        if (c->winners[i] == carer) return true;
    return false;
}

/* A winner reports that nobody was there: the member is charged and it is recorded. */
static int s_noshow(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const eo_case_rec_t *c,
                    const char *who, const char *key, const void *raw, size_t rawsize,
                    uint8_t **reply, size_t *size)
{
    uint32_t carer = in->service_time->carer_id;
    if (!s_is_winner(c, carer))
        return s_error(self, in->id, "not_winner", "배정된 돌보미가 아닙니다",
                       "only a carer linked to the case can report a no-show", reply, size);
    eo_case_ctx_t ctx = {.carer = carer, .who = who, .detail = "noshow"};
    int rc = eo_case_run(self, txn, c->id, EV_NOSHOW, &ctx);
    if (rc == EO_ECLOSED)
        return s_error(self, in->id, "not_settled", "진행 중인 돌봄이 아닙니다",
                       "a no-show is reported for a settled case", reply, size);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "noshow")))
        return rc;
    return s_ack(self, in->id, "noshow", reply, size);
}

/* 시설형: the child was collected at c->service_end. Collected 5 minutes or more after
 * the end is an overrun (charged, and counted for the restrictions), before the end the
 * stay was shortened (charged): facility/overrun_grace_min, _percent, shortened_percent. */
static int s_facility_end(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx)
{
    int minutes = (int)((c->service_end - c->end) / EO_MINUTE);
    char rule[40] = "";
    int rc = EO_OK;
    if (minutes > 0)
        rc = eo_case_charge(self, txn, c, EO_FACILITY_OVERRUN, minutes, rule, sizeof rule);
    else if (c->service_end < c->end && c->service_start)
        rc = eo_case_charge(self, txn, c, EO_FACILITY_SHORTENED, 0, rule, sizeof rule);
    if (rc) return rc;
    if (streq(rule, "facility.overrun"))
        c->flags |= EO_CASE_F_OVERRUN;
    else if (streq(rule, "facility.shortened"))
        c->flags |= EO_CASE_F_SHORTENED;
    if (*rule && !streq(rule, "facility.none"))
        snprintf(ctx->note, sizeof ctx->note, "%s fee=%lld", rule, (long long)c->fee);
    return c->flags & EO_CASE_F_OVERRUN ? eo_case_restrict(self, txn, c, "overrun", ctx)
                                        : EO_OK;
}

static int s_service_time(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                          size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__ServiceTime *t = in->service_time;
    /* idempotent by event id: a repeat is acknowledged and changes nothing */
    char key[S_SEEN_KEY_MAX], seen[32];
    int64_t at_ms;
    snprintf(key, sizeof key, "t:%s", in->id);
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc != EO_ENOTFOUND) return rc ? rc : s_ack_at(at_ms, in->id, seen, reply, size);
    eo_case_rec_t c;
    rc = t && t->request_id ? eo_case_get(self, txn, t->request_id, &c) : EO_EINVAL;
    if (rc == EO_EINVAL || rc == EO_ENOTFOUND)
        return s_error(self, in->id, "unknown_request", "없는 요청", "no such request", reply,
                       size);
    if (rc) return rc;
    char who[32];
    snprintf(who, sizeof who, "carer:%u", t->carer_id);
    if (t->kind == EO__SERVICE_TIME__KIND__KIND_NOSHOW)
        return s_noshow(self, txn, in, &c, who, key, raw, rawsize, reply, size);
    bool start = t->kind == EO__SERVICE_TIME__KIND__KIND_START;
    eo_case_ctx_t ctx = {.who = who};
    if (start)
        c.service_start = t->at;
    else {
        c.service_end = t->at;
        if (c.type == EO_SERVICE_FACILITY && (rc = s_facility_end(self, txn, &c, &ctx)))
            return rc;
    }
    if ((rc = eo_journal_append(self, txn, &c, who, start ? "service_start" : "service_end",
                                ctx.note)) ||
        (rc = eo_cases_put(self, txn, &c)) ||
        (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "recorded")))
        return rc;
    return s_ack(self, in->id, "recorded", reply, size);
}

/* --- the member's payment, an operator's restriction ------------------------------------
 */

/* payment_confirmed: a settled pool case whose fee is due is linked. The amount, when
 * given, must be the fee; a member's app confirms only the requests it made. */
static int s_payment(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__Payment *p = in->payment;
    char key[S_SEEN_KEY_MAX], seen[32];
    int64_t at_ms;
    snprintf(key, sizeof key, "p:%s", in->id);
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc == EO_OK) return eo_cases_status(self, txn, p->request_id, reply, size);
    if (rc != EO_ENOTFOUND) return rc;
    eo_case_rec_t c;
    Eo__Request *req = NULL;
    if ((rc = eo_case_get(self, txn, p->request_id, &c)) == EO_OK)
        rc = eo_cases_request(self, txn, c.id, &req);
    bool mine =
        rc == EO_OK && (!p->owner || !*p->owner || (req->owner && streq(req->owner, p->owner)));
    if (req) eo__request__free_unpacked(req, NULL);
    if (rc == EO_ENOTFOUND || (rc == EO_OK && !mine))
        return s_error(self, p->request_id, "unknown_request", "없는 요청입니다",
                       "no such request", reply, size);
    if (rc) return rc;
    if (c.pay == EO_PAY_PAID)
        return eo_cases_status(self, txn, c.id, reply, size); /* paid before: the same answer */
    if (c.pay != EO_PAY_DUE)
        return s_error(self, c.id, "no_payment_due", "결제할 이용료가 없습니다",
                       "nothing is due on this request (only a settled pool case asks for "
                       "its fee)",
                       reply, size);
    if (p->amount && p->amount != c.member_fee) {
        char en[160];
        snprintf(en, sizeof en, "the amount is not the fee of the case: %lld won is due",
                 (long long)c.member_fee);
        return s_error(self, c.id, "amount_mismatch", "결제 금액이 이용료와 다릅니다", en,
                       reply, size);
    }
    eo_case_ctx_t ctx = {.who = p->owner && *p->owner ? "member" : "operator",
                         .detail = p->reference && *p->reference ? "reference given" : NULL};
    if ((rc = eo_case_run(self, txn, c.id, EV_PAID, &ctx)) ||
        (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "paid")))
        return rc == EO_ECLOSED
                   ? s_error(self, c.id, "no_payment_due", "결제할 이용료가 없습니다",
                             "the case takes no payment in its state", reply, size)
                   : rc;
    return eo_cases_status(self, txn, c.id, reply, size);
}

/* An operator restricts a member (up to restrictions/max_months, or permanently); the
 * member is told the term and the day it ends. */
static int s_restriction(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                         size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__Restriction *x = in->restriction;
    char key[S_SEEN_KEY_MAX], seen[32];
    int64_t at_ms;
    snprintf(key, sizeof key, "r:%s", in->id);
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc != EO_ENOTFOUND) return rc ? rc : s_ack_at(at_ms, in->id, seen, reply, size);
    if (eo_dongs_site_find(self->dongs, in->site) < 0)
        return s_error(self, in->id, "unknown_site", "알 수 없는 지역",
                       "the event names no site", reply, size);
    eo_restriction_t r;
    rc = eo_restrict_impose_txn(self->restricts, txn, x->member_id, x->cause,
                                self->now_ms / 1000, x->months, x->note, &r);
    if (rc == EO_EINVAL)
        return s_error(self, in->id, "bad_restriction", "이용제한 조건이 잘못되었습니다",
                       "unknown member or cause, a length over restrictions/max_months, or a "
                       "cause that needs earlier restrictions first",
                       reply, size);
    if (rc) return rc;
    if (x->member_phone && *x->member_phone) {
        eo_tpl_vars_t vars = {.months = r.months,
                              .until = r.end == EO_RESTRICT_PERMANENT ? 0 : r.end};
        char id[S_SEEN_KEY_MAX + 16], text[EO_SMS_TEXT_MAX];
        if (eo_templates_render(self->templates, in->site, EO_TPL_RESTRICTED, &vars, text,
                                sizeof text))
            snprintf(text, sizeof text, "[언제나돌봄] 이용제한");
        snprintf(id, sizeof id, "%s:restricted", in->id);
        if ((rc = eo_outbox_message(self, txn, in->site, id, EO__MESSAGE__KIND__KIND_NOTICE,
                                    x->member_phone, text, "", 0, NULL)))
            return rc;
    }
    if ((rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "restricted")))
        return rc;
    return s_ack(self, in->id, "restricted", reply, size);
}

/* --- ids ------------------------------------------------------------------------------ */

/* A printable id of 1..max-1 bytes (max 0: may be empty). */
static bool s_id_ok(const char *id, size_t max, bool may_be_empty)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0) return may_be_empty;
    if (n >= max) return false;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

/* A request id: printable, shorter than EO_CASE_ID_MAX, without ':' (ids of messages
 * are "<request>:<carer>:<what>"). */
static bool s_request_id_ok(const char *id)
{
    return s_id_ok(id, EO_CASE_ID_MAX, false) && !strchr(id, ':');
}

/* Every id an input carries, checked right after decoding, before anything is looked up
 * or written: proto3 gives "" for a missing id, and an id that cannot be a key must be a
 * refusal, not a store failure in the middle of a decision. NULL if all are fine, else
 * the field that is not. */
static const char *s_bad_id(const Eo__Event *in)
{
    if (!s_id_ok(in->id, S_EVENT_ID_MAX, false)) return "id";
    switch (in->body_case) {
    case EO__EVENT__BODY_REQUEST:
        return s_request_id_ok(in->request->id) ? NULL : "request.id";
    case EO__EVENT__BODY_STATUS_QUERY:
        return s_request_id_ok(in->status_query->request_id) ? NULL : "status_query.request_id";
    case EO__EVENT__BODY_ANSWER:
        return !s_request_id_ok(in->answer->request_id)               ? "answer.request_id"
               : !in->answer->carer_id                                ? "answer.carer_id"
               : !s_id_ok(in->answer->reply_id, S_EVENT_ID_MAX, true) ? "answer.reply_id"
                                                                      : NULL;
    case EO__EVENT__BODY_CANCEL:
        return s_request_id_ok(in->cancel->request_id) ? NULL : "cancel.request_id";
    case EO__EVENT__BODY_SERVICE_TIME:
        return !s_request_id_ok(in->service_time->request_id) ? "service_time.request_id"
               : !in->service_time->carer_id                  ? "service_time.carer_id"
                                                              : NULL;
    case EO__EVENT__BODY_DELIVERY:
        return s_id_ok(in->delivery->message_id, S_EVENT_ID_MAX + EO_CASE_ID_MAX, false)
                   ? NULL
                   : "delivery.message_id";
    case EO__EVENT__BODY_CARER_CONSENT:
        return in->carer_consent->carer_id || s_id_ok(in->carer_consent->phone, 32, false)
                   ? NULL
                   : "carer_consent.phone";
    case EO__EVENT__BODY_CARER_DEACTIVATE:
        return in->carer_deactivate->id ? NULL : "carer_deactivate.id";
    case EO__EVENT__BODY_CARER_AVAILABILITY:
        return in->carer_availability->id ? NULL : "carer_availability.id";
    case EO__EVENT__BODY_CARER_UPSERT:
        return in->carer_upsert->id ? NULL : "carer_upsert.id";
    case EO__EVENT__BODY_PAYMENT:
        return s_request_id_ok(in->payment->request_id) ? NULL : "payment.request_id";
    case EO__EVENT__BODY_RESTRICTION:
        return s_id_ok(in->restriction->member_id, 64, false) ? NULL : "restriction.member_id";
    case EO__EVENT__BODY_OPERATOR_ACTION:
        return s_request_id_ok(in->operator_action->request_id) ? NULL
                                                                : "operator_action.request_id";
    default:
        return NULL;
    }
}

/* The request an input concerns, for the log lines of its decision ("" if none). */
static const char *s_request_of(const Eo__Event *in)
{
    switch (in->body_case) {
    case EO__EVENT__BODY_REQUEST:
        return in->request->id;
    case EO__EVENT__BODY_STATUS_QUERY:
        return in->status_query->request_id;
    case EO__EVENT__BODY_ANSWER:
        return in->answer->request_id;
    case EO__EVENT__BODY_CANCEL:
        return in->cancel->request_id;
    case EO__EVENT__BODY_SERVICE_TIME:
        return in->service_time->request_id;
    case EO__EVENT__BODY_OPERATOR_ACTION:
        return in->operator_action->request_id;
    case EO__EVENT__BODY_DELIVERY:
        return in->delivery->message_id; /* "<request>:<carer>:offer" */
    default:
        return "";
    }
}

static int s_apply(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *event,
                   size_t size, uint8_t **reply, size_t *reply_size);

int eo_cases_apply(eo_cases_t *self, MDB_txn *txn, const void *event, size_t size,
                   int64_t now_ms, uint8_t **reply, size_t *reply_size)
{
    self->now_ms = now_ms;
    *reply = NULL;
    char err[128];
    Eo__Event *in = eo_event_decode(event, size, err, sizeof err);
    if (!in) return s_error(self, NULL, "malformed", "형식 오류", err, reply, reply_size);
    const char *bad = s_bad_id(in);
    if (bad) {
        snprintf(err, sizeof err, "%s is missing, too long or not printable", bad);
        int rc = s_error(self, s_id_ok(in->id, S_EVENT_ID_MAX, false) ? in->id : NULL, "bad_id",
                         "식별자가 잘못되었습니다", err, reply, reply_size);
        eo_event_free(&in);
        return rc;
    }
    eo_log_request_set(s_request_of(in)); /* every line of this decision names it */
    int rc = s_apply(self, txn, in, event, size, reply, reply_size);
    zsys_debug("cases: %s %s: %s", eo_event_kind(in), in->id,
               rc == EO_OK ? "decided" : eo_strerror(rc));
    eo_log_request_set(NULL);
    eo_event_free(&in);
    return rc;
}

/* One decoded input whose ids are fine. */
static int s_apply(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *event,
                   size_t size, uint8_t **reply, size_t *reply_size)
{
    int rc;
    self->trace = in->trace_id && *in->trace_id ? in->trace_id : NULL;
    switch (in->body_case) {
    case EO__EVENT__BODY_REQUEST:
        rc = s_request(self, txn, in->request, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_STATUS_QUERY:
        rc = in->status_query->request_id
                 ? eo_cases_status(self, txn, in->status_query->request_id, reply, reply_size)
                 : EO_ENOTFOUND;
        if (rc == EO_ENOTFOUND)
            rc = s_error(self, in->status_query->request_id, "unknown_request", "없는 요청",
                         "no such request", reply, reply_size);
        break;
    case EO__EVENT__BODY_ANSWER:
        rc = s_answer(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_DELIVERY:
        rc = s_delivery(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_CANCEL:
        rc = s_cancel(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_SERVICE_TIME:
        rc = s_service_time(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_PAYMENT:
        rc = s_payment(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_RESTRICTION:
        rc = s_restriction(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_OPERATOR_ACTION:
        rc = eo_operator_input(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_CARER_UPSERT:
    case EO__EVENT__BODY_CARER_DEACTIVATE:
    case EO__EVENT__BODY_CARER_AVAILABILITY:
    case EO__EVENT__BODY_CARER_CONSENT:
        rc = s_carer(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_QUERY:
        rc = eo_query_reply(self, txn, in, reply, reply_size);
        break;
    case EO__EVENT__BODY_MEMBER_UPSERT:
        rc = eo_member_upsert(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_MEMBER_VERIFY:
        rc = eo_member_verify(self, txn, in, event, size, reply, reply_size);
        break;
    case EO__EVENT__BODY_MEMBER_RESTRICT:
        rc = eo_member_restrict(self, txn, in, event, size, reply, reply_size);
        break;
    default:
        rc = s_error(self, in->id, "unsupported", "지원하지 않는 요청", eo_event_kind(in),
                     reply, reply_size);
    }
    if (self->trace && self->log_traces)
        zsys_info("matcher: %s %s %s: %s", self->trace, eo_event_kind(in), in->site,
                  rc == EO_OK         ? "decided"
                  : rc == EO_EREFUSED ? "refused"
                                      : eo_strerror(rc));
    self->trace = NULL;
    return rc;
}

int eo_cases_apply_batch(eo_cases_t *self, MDB_txn *txn, const eo_cases_input_t *inputs,
                         size_t n, int64_t now_ms, uint8_t **replies, size_t *sizes)
{
    /* All in the one transaction (no nested ones: their commits merge the parent's
     * whole dirty list, which made a batch quadratic). An input that fails hard breaks
     * the batch: the caller aborts it and answers none (eo_cases_decide tries them one
     * by one). A refused input (EO_EREFUSED) wrote nothing; any other error may have
     * written half a decision, so it must abort the transaction. */
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    for (size_t i = 0; i < n; i++) {
        int rc = eo_cases_apply(self, txn, inputs[i].body, inputs[i].size, now_ms, &replies[i],
                                &sizes[i]);
        if (rc != EO_OK && rc != EO_EREFUSED) {
            zsys_warning("cases: an input failed (%s); the batch of %zu is dropped",
                         eo_strerror(rc), n);
            for (size_t j = 0; j <= i; j++) {
                free(replies[j]);
                replies[j] = NULL;
            }
            return rc;
        }
    }
    return EO_OK;
}

/* One transaction: the inputs, the extra writes, the commit. */
static int s_decide_txn(eo_cases_t *self, const eo_cases_input_t *inputs, size_t n,
                        int64_t now_ms, uint8_t **replies, size_t *sizes,
                        int (*extra)(void *arg, MDB_txn *txn), void *arg)
{
    MDB_txn *txn = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc == EO_OK)
        rc = eo_cases_apply_batch(self, txn, inputs, n, now_ms, replies, sizes);
    else
        memset(replies, 0, n * sizeof *replies);
    if (rc == EO_OK && extra) rc = extra(arg, txn);
    if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    for (size_t i = 0; rc != EO_OK && i < n; i++) {
        free(replies[i]);
        replies[i] = NULL;
    }
    return rc;
}

/* A transaction that found the map full: grow it and do it again (a few times). */
static int s_decide_grow(eo_cases_t *self, const eo_cases_input_t *inputs, size_t n,
                         int64_t now_ms, uint8_t **replies, size_t *sizes,
                         int (*extra)(void *arg, MDB_txn *txn), void *arg)
{
    int rc = s_decide_txn(self, inputs, n, now_ms, replies, sizes, extra, arg);
    for (int i = 0; rc == EO_EFULL && i < 4 && eo_store_grow(self->store) == EO_OK; i++)
        rc = s_decide_txn(self, inputs, n, now_ms, replies, sizes, extra, arg);
    return rc;
}

int eo_cases_decide(eo_cases_t *self, const eo_cases_input_t *inputs, size_t n, int64_t now_ms,
                    uint8_t **replies, size_t *sizes, int *rcs,
                    int (*extra)(void *arg, MDB_txn *txn), void *arg, bool *extra_done)
{
    int rc = s_decide_grow(self, inputs, n, now_ms, replies, sizes, extra, arg);
    if (extra_done) *extra_done = rc == EO_OK && extra;
    if (rc != EO_OK && n > 1)
        zsys_warning("cases: a batch of %zu failed (%s): deciding them one by one", n,
                     eo_strerror(rc));
    for (size_t i = 0; i < n; i++)
        rcs[i] = rc == EO_OK || n == 1 ? rc
                                       : s_decide_grow(self, &inputs[i], 1, now_ms, &replies[i],
                                                       &sizes[i], NULL, NULL);
    return rc;
}

/* --- bulk carers and replay ------------------------------------------------------------
 */

/* Record a carer load (one carer, 'C', or a bulk load, 'B'). */
static int s_record_carers(eo_cases_t *self, MDB_txn *txn, int kind, const eo_carer_t *carers,
                           const uint32_t *week_min, const uint32_t *month_min, size_t n,
                           eo_time_t t)
{
    size_t size = 0;
    uint8_t *buf = eo_carer_load_encode(carers, week_min, month_min, n, t, &size);
    if (!buf) return EO_ENOMEM;
    int rc = eo_input_record(self, txn, kind, buf, size);
    free(buf);
    return rc;
}

int eo_cases_load_carer(eo_cases_t *self, MDB_txn *txn, const eo_carer_t *carer, eo_time_t t,
                        uint32_t week_min, uint32_t month_min)
{
    int rc = eo_index_put(self->index, txn, carer);
    if (rc == EO_OK && (week_min || month_min))
        rc = eo_index_set_booked(self->index, txn, carer->id, t, week_min, month_min);
    if (rc) return rc;
    return s_record_carers(self, txn, S_INPUT_CARER, carer, &week_min, &month_min, 1, t);
}

/* The rules in force, recorded when they differ from the last recorded (by hash). */
static int s_record_rules(eo_cases_t *self, MDB_txn *txn)
{
    size_t size = 0;
    char *blob = eo_rules_snapshot(self->rules, &size);
    if (!blob) {
        zsys_error("cases: cannot read the rules files to record them");
        return EO_EIO;
    }
    uint8_t hash[32];
    eo_sha256(blob, size, hash);
    MDB_val k = {10, "rules_hash"}, v;
    int rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == sizeof hash && memcmp(v.mv_data, hash, sizeof hash) == 0)
        rc = EO_OK; /* the same rules: nothing to record */
    else if (rc && rc != MDB_NOTFOUND)
        rc = eo_store_fail("get rules hash", rc);
    else {
        v = (MDB_val){sizeof hash, hash};
        if ((rc = mdb_put(txn, self->meta, &k, &v, 0)))
            rc = eo_store_fail("put rules hash", rc);
        else
            rc = eo_input_record(self, txn, S_INPUT_RULES, blob, size);
    }
    free(blob);
    return rc;
}

/* Replay: decide from here on with the rules of a recorded snapshot. */
static int s_replay_rules(eo_cases_t *self, MDB_txn *txn, const uint8_t *blob, size_t size)
{
    char err[256];
    eo_rules_t *rules = eo_rules_from_snapshot((const char *)blob, size,
                                               eo_store_dir(self->store), err, sizeof err);
    if (!rules) {
        zsys_error("replay: %s", err);
        return EO_ESTORE;
    }
    eo_rules_destroy(&self->own_rules);
    self->own_rules = self->rules = rules;
    eo_restrict_set_rules(self->restricts, rules);
    eo_caps_t caps;
    eo_rules_caps(rules, &caps);
    eo_index_set_caps(self->index, &caps);
    return s_record_rules(self, txn);
}

int eo_cases_load_carers(eo_cases_t *self, MDB_txn *txn, const eo_carer_t *carers,
                         const uint32_t *week_min, const uint32_t *month_min, size_t n,
                         eo_time_t t)
{
    int rc = eo_index_load(self->index, txn, carers, week_min, month_min, n, t);
    if (rc) return rc;
    return s_record_carers(self, txn, S_INPUT_CARERS, carers, week_min, month_min, n, t);
}

/* Replay of a carer load: one carer ('C') or a bulk load ('B'). */
static int s_replay_carers(eo_cases_t *self, MDB_txn *txn, int kind, const uint8_t *p,
                           size_t size)
{
    eo_carer_t *carers;
    uint32_t *week, *month;
    size_t n;
    eo_time_t t;
    int rc = eo_carer_load_decode(p, size, &carers, &week, &month, &n, &t);
    if (rc == EO_EINVAL) return eo_store_fail("replay carers", MDB_CORRUPTED);
    if (rc == EO_OK && kind == S_INPUT_CARERS)
        rc = eo_cases_load_carers(self, txn, carers, week, month, n, t);
    for (size_t i = 0; rc == EO_OK && kind == S_INPUT_CARER && i < n; i++)
        rc = eo_cases_load_carer(self, txn, &carers[i], t, week[i], month[i]);
    free(carers);
    free(week);
    free(month);
    return rc;
}

int eo_cases_record_config(eo_cases_t *self, MDB_txn *txn)
{
    int rc = s_record_rules(self, txn);
    if (rc || (rc = eo_facility_record(self, txn))) return rc;
    size_t size = 0;
    uint8_t *cfg = eo_cases_config_encode(&self->cfg, &size);
    if (!cfg) return EO_ENOMEM;
    MDB_val k = {6, "config"}, v;
    rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == 0 && v.mv_size == size && memcmp(v.mv_data, cfg, size) == 0)
        rc = EO_OK; /* the same configuration as last recorded */
    else if (rc && rc != MDB_NOTFOUND)
        rc = eo_store_fail("get config", rc);
    else if ((rc = mdb_put(txn, self->meta, &k, &(MDB_val){size, cfg}, 0)))
        rc = eo_store_fail("put config", rc);
    else
        rc = eo_input_record(self, txn, S_INPUT_CONFIG, cfg, size);
    free(cfg);
    return rc;
}

/* --- timers ----------------------------------------------------------------------------
 */

/* Fire the timer with this key: its case gets EV_EXPIRED. The input log records the key
 * so a replay fires exactly this timer at exactly this clock. */
static int s_fire(eo_cases_t *self, MDB_txn *txn, const uint8_t *key)
{
    char id[EO_CASE_ID_MAX];
    int rc = eo_timer_take(self, txn, key, id);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_TIMER, key, 16))) return rc;
    eo_case_rec_t c;
    if ((rc = eo_case_get(self, txn, id, &c))) return rc;
    c.timer_due_ms = 0; /* taken above */
    c.timer_seq = 0;
    if ((rc = eo_cases_put(self, txn, &c))) return rc;
    eo_case_ctx_t ctx = {.who = "timer"};
    eo_log_request_set(id);
    rc = eo_case_run(self, txn, id, EV_EXPIRED, &ctx);
    eo_log_request_set(NULL);
    return rc;
}

/* A timer that failed alone: out of the timers, into the input log, and its case told
 * to the call centre if the case can still be read and is offering. */
static int s_timer_dead(eo_cases_t *self, MDB_txn *txn, const uint8_t *key)
{
    char id[EO_CASE_ID_MAX];
    int rc = eo_timer_take(self, txn, key, id);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_TIMER_DEAD, key, 16))) return rc;
    zsys_error("cases: the timer of %s fails every time: taken out (dead-lettered)", id);
    eo_case_rec_t c;
    if (eo_case_get(self, txn, id, &c) != EO_OK)
        return EO_OK; /* a case that cannot be read: the timer is all we can take */
    c.timer_due_ms = 0;
    c.timer_seq = 0;
    if ((rc = eo_journal_append(self, txn, &c, "timer", "timer_failed", "dead-lettered")))
        return rc;
    if (c.state == EO_CASE_OFFERING) {
        eo_case_ctx_t ctx = {.who = "timer", .detail = "timer failed"};
        rc = eo_case_dispatch(self, txn, &c, EV_EXHAUSTED, &ctx);
        free(ctx.touched.ids);
    }
    return rc ? rc : eo_cases_put(self, txn, &c);
}

/* One transaction: up to max due timers fired, committed (the map grown if full). */
static int s_fire_txn(eo_cases_t *self, int64_t now_ms, size_t max, size_t *fired)
{
    int rc = EO_EFULL;
    for (int i = 0; rc == EO_EFULL && i < 5; i++) {
        if (i && eo_store_grow(self->store) != EO_OK) break;
        MDB_txn *txn = NULL;
        *fired = 0;
        rc = eo_store_begin(self->store, true, &txn);
        if (rc == EO_OK) rc = eo_cases_tick(self, txn, now_ms, max, fired);
        if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
        eo_store_abort(&txn);
    }
    return rc;
}

/* One transaction: the first due timer dead-lettered. *found: there was one. */
static int s_dead_txn(eo_cases_t *self, int64_t now_ms, bool *found)
{
    MDB_txn *txn = NULL;
    uint8_t key[16];
    char id[EO_CASE_ID_MAX];
    *found = false;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc == EO_OK && (rc = eo_timer_first(self, txn, key, id)) == EO_OK &&
        (int64_t)eo_get_be64(key) <= now_ms) {
        self->now_ms = now_ms;
        *found = true;
        if ((rc = s_timer_dead(self, txn, key)) == EO_OK)
            rc = eo_store_commit(self->store, &txn);
    }
    eo_store_abort(&txn);
    return rc == EO_ENOTFOUND ? EO_OK : rc;
}

int eo_cases_fire(eo_cases_t *self, int64_t now_ms, size_t max, size_t *fired, size_t *dead)
{
    *fired = *dead = 0;
    if (s_fire_txn(self, now_ms, max, fired) == EO_OK) return EO_OK;
    *fired = 0;
    while (*fired + *dead < max) {
        size_t one = 0;
        int rc = s_fire_txn(self, now_ms, 1, &one);
        if (rc == EO_OK && one == 0) break;
        if (rc == EO_OK) {
            (*fired)++;
            continue;
        }
        bool found;
        if ((rc = s_dead_txn(self, now_ms, &found))) return rc;
        if (!found) break;
        (*dead)++;
    }
    return EO_OK;
}

int eo_cases_tick(eo_cases_t *self, MDB_txn *txn, int64_t now_ms, size_t max, size_t *fired)
{
    self->now_ms = now_ms;
    *fired = 0;
    uint8_t key[16];
    char id[EO_CASE_ID_MAX];
    while (*fired < max) {
        int rc = eo_timer_first(self, txn, key, id);
        if (rc == EO_ENOTFOUND || (rc == EO_OK && (int64_t)eo_get_be64(key) > now_ms))
            return EO_OK;
        if (rc || (rc = s_fire(self, txn, key))) return rc;
        (*fired)++;
    }
    return EO_OK;
}

/* --- replay ---------------------------------------------------------------------------- */

int eo_input_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *p, size_t n)
{
    int64_t at = (int64_t)eo_get_be64(p + 1);
    self->now_ms = at;
    const uint8_t *body = p + 9;
    size_t size = n - 9;
    if (p[0] == S_INPUT_TIMER_DEAD && size == 16) return s_timer_dead(self, txn, body);
    if (p[0] == S_INPUT_TIMER && size == 16) {
        int rc = s_fire(self, txn, body);
        if (rc == EO_ENOTFOUND)
            zsys_warning("replay: timer not found: decisions differ from the log");
        return rc;
    }
    if (p[0] == S_INPUT_CARER || p[0] == S_INPUT_CARERS)
        return s_replay_carers(self, txn, p[0], body, size);
    if (p[0] == S_INPUT_CONFIG) {
        if (eo_cases_config_decode(body, size, &self->cfg))
            return eo_store_fail("replay config", MDB_CORRUPTED);
        return eo_cases_record_config(self, txn);
    }
    if (p[0] == S_INPUT_RULES) return s_replay_rules(self, txn, body, size);
    if (p[0] == S_INPUT_PROVIDERS) return eo_facility_replay(self, txn, body, size);
    if (p[0] == S_INPUT_RETENTION) return eo_retention_replay(self, txn, body, size);
    if (p[0] == S_INPUT_EVENT) {
        uint8_t *reply = NULL;
        size_t rsize;
        int rc = eo_cases_apply(self, txn, body, size, at, &reply, &rsize);
        free(reply);
        return rc == EO_EREFUSED ? EO_OK : rc;
    }
    return EO_ESTORE;
}

/* A store made from a checkpoint keeps, as its only inputs, the rules and the
 * configuration in force when it was made: take them again (nothing is recorded anew:
 * they are the ones its m.meta names), the rules first (taking the configuration
 * records the rules in force if they differ). Copied out first: replaying writes
 * m.inputs. */
static int s_replay_own(eo_cases_t *self)
{
    MDB_txn *txn = NULL;
    MDB_cursor *cur = NULL;
    int rc = eo_store_begin(self->store, true, &txn);
    if (rc) return rc;
    zlistx_t *own = zlistx_new();
    zlistx_set_destructor(own, (zlistx_destructor_fn *)zchunk_destroy);
    MDB_val k, v;
    int mrc = mdb_cursor_open(txn, self->inputs, &cur);
    for (mrc = mrc ? mrc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        bool rules = v.mv_size && *(const uint8_t *)v.mv_data == S_INPUT_RULES;
        zchunk_t *c = zchunk_new(v.mv_data, v.mv_size);
        if (rules)
            zlistx_add_start(own, c);
        else
            zlistx_add_end(own, c);
    }
    if (cur) mdb_cursor_close(cur);
    if (mrc != MDB_NOTFOUND) rc = eo_store_fail("own inputs", mrc);
    for (zchunk_t *c = zlistx_first(own); rc == EO_OK && c; c = zlistx_next(own))
        rc = zchunk_size(c) < 9 ? EO_ESTORE
                                : eo_input_replay(self, txn, zchunk_data(c), zchunk_size(c));
    zlistx_destroy(&own);
    if (rc == EO_OK) rc = eo_store_commit(self->store, &txn);
    eo_store_abort(&txn);
    return rc;
}

int eo_cases_replay(eo_cases_t *self, eo_store_t *from, size_t *inputs)
{
    return eo_cases_replay_from(self, from, 0, inputs);
}

int eo_cases_replay_from(eo_cases_t *self, eo_store_t *from, uint64_t first, size_t *inputs)
{
    MDB_dbi dbi;
    *inputs = 0;
    int rc = eo_store_dbi(from, "m.inputs", 0, &dbi);
    if (rc || (first && (rc = s_replay_own(self)))) return rc;
    MDB_txn *rtxn = NULL, *wtxn = NULL;
    MDB_cursor *cur = NULL;
    if ((rc = eo_store_begin(from, false, &rtxn))) return rc;
    if ((rc = mdb_cursor_open(rtxn, dbi, &cur))) {
        eo_store_abort(&rtxn);
        return eo_store_fail("input cursor", rc);
    }
    /* in order, with the recorded clocks; many inputs per transaction (one writer, so
     * the decisions are the same as one by one) */
    uint8_t key[8];
    eo_be64(key, first);
    MDB_val k = {8, key}, v;
    int result = EO_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); result == EO_OK && rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (!wtxn && (result = eo_store_begin(self->store, true, &wtxn))) break;
        if (v.mv_size < 9) {
            result = EO_ESTORE;
            break;
        }
        if ((result = eo_input_replay(self, wtxn, v.mv_data, v.mv_size))) break;
        if (++*inputs % 1000 == 0) result = eo_store_commit(self->store, &wtxn);
    }
    if (rc && rc != MDB_NOTFOUND && result == EO_OK) result = eo_store_fail("input next", rc);
    mdb_cursor_close(cur);
    eo_store_abort(&rtxn);
    if (result == EO_OK && wtxn) result = eo_store_commit(self->store, &wtxn);
    eo_store_abort(&wtxn);
    return result;
}
