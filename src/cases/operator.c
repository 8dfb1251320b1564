/* operator.c: an operator's actions on a case (issue 19; docs/lifecycle.md "Operators'
 * actions"): book a carer by hand, send the next wave now, move the service time, close
 * with a reason. Each is one OperatorAction input, refused with a coded error before
 * anything is written, else run through the lifecycle table (so the journal names the
 * operator) and recorded in the input log (so a replay decides it again). A repeat of
 * the same event id changes nothing and answers the case's status. */
#include <string.h>

#include "cases_priv.h"
#include "eonjena/eo_codec.h"

#define S_REASON_MAX 200 /* bytes of a closing reason */

/* --- may this carer take the case? ---------------------------------------------------- */

/* Does the carer serve the case's 동: one of their preferred 동, or a neighbour of one
 * (what the candidate query takes, tiers 1 and 2)? */
static bool s_serves_dong(const eo_cases_t *self, const eo_carer_t *carer, uint32_t dong)
{
    const eo_dong_t *d = eo_dongs_find(self->dongs, dong);
    for (int i = 0; d && i < carer->n_dongs; i++) {
        if (carer->dongs[i] == dong) return true;
        for (int j = 0; j < d->n_nb; j++)
            if (d->nb[j] == carer->dongs[i]) return true;
    }
    return false;
}

/* A refusal: its code and why, in Korean and English, naming the carer (the table of
 * docs/api.md). */
typedef struct {
    const char *code, *ko, *en;
} s_misfit_t;

static int s_misfit(const char **code, eo_assign_why_t *why, const s_misfit_t *m,
                    uint32_t carer)
{
    *code = m->code;
    snprintf(why->ko, sizeof why->ko, "돌보미 %u번을 배정할 수 없습니다: %s", carer, m->ko);
    snprintf(why->en, sizeof why->en, "carer %u cannot take this case: %s", carer, m->en);
    return EO_OK;
}

/* The fit of the index: what a settlement's booking re-checks (eo_index_book). */
static int s_index_fit(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                       const char **code, eo_assign_why_t *why)
{
    eo_fit_t fit;
    int rc = eo_index_fit(self->index, txn, carer, c->start, c->end, &fit);
    if (rc) return rc;
    static const s_misfit_t misfit[] = {
        [EO_FIT_INACTIVE] = {"carer_inactive", "활동이 중지된 돌보미입니다",
                             "the carer is deactivated"},
        [EO_FIT_EXPIRED] = {"carer_check_expired",
                            "서비스 날짜에 신원 확인 또는 교육 유효기간이 지났습니다",
                            "their background check or training is not valid on the date"},
        [EO_FIT_UNAVAILABLE] = {"carer_unavailable", "돌보미의 활동 가능 시간 밖입니다",
                                "outside their weekly availability"},
        [EO_FIT_OVERLAP] = {"carer_booked", "같은 시간에 이미 다른 돌봄이 배정되어 있습니다",
                            "they are booked for an overlapping service"},
        [EO_FIT_CAP] = {"carer_over_cap", "주간 또는 월간 활동 한도를 넘습니다",
                        "it would exceed their weekly or monthly cap"},
    };
    if (fit == EO_FIT_OK) return EO_OK;
    return s_misfit(code, why, &misfit[fit], carer);
}

int eo_assign_check(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                    const char **code, eo_assign_why_t *why)
{
    *code = NULL;
    for (int i = 0; i < c->n_winners; i++)
        if (c->winners[i] == carer)
            return s_misfit(code, why,
                            &(s_misfit_t){"already_winner",
                                          "이미 이 요청에 배정된 돌보미입니다",
                                          "they are its winner"},
                            carer);
    if (c->n_winners >= c->needed)
        return s_misfit(code, why,
                        &(s_misfit_t){"case_full", "필요한 돌보미가 모두 배정되었습니다",
                                      "every seat is filled"},
                        carer);
    if (c->type == EO_SERVICE_FACILITY)
        return s_misfit(code, why,
                        &(s_misfit_t){"unsupported_facility",
                                      "시설형은 서비스제공기관을 통해서만 연결합니다",
                                      "a 시설형 stay is matched through its providers"},
                        carer);
    eo_carer_t rec;
    int rc = eo_index_get(self->index, txn, carer, &rec);
    if (rc == EO_ENOTFOUND)
        return s_misfit(
            code, why,
            &(s_misfit_t){"unknown_carer", "그런 번호의 돌보미가 없습니다", "no such carer"},
            carer);
    if (rc) return rc;
    if (!streq(rec.site, c->site))
        return s_misfit(code, why,
                        &(s_misfit_t){"carer_other_site", "다른 지역 소속 돌보미입니다",
                                      "they belong to another site"},
                        carer);
    if (!rec.pool)
        return s_misfit(code, why,
                        &(s_misfit_t){"carer_no_consent",
                                      "콜센터 풀 참여에 동의하지 않은 돌보미입니다",
                                      "they have not consented to call-centre work"},
                        carer);
    if (!s_serves_dong(self, &rec, c->dong))
        return s_misfit(code, why,
                        &(s_misfit_t){"carer_dong_not_served",
                                      "이 동(과 이웃 동)을 맡지 않는 돌보미입니다",
                                      "they do not serve the case's dong or a neighbour of it"},
                        carer);
    if ((rc = s_index_fit(self, txn, c, carer, code, why)) || *code) return rc;
    /* a member restricted since the request was made is not served (이용제한) */
    Eo__Request *req = NULL;
    if ((rc = eo_cases_request(self, txn, c->id, &req))) return rc;
    eo_restriction_t r;
    rc = req->member_id && *req->member_id
             ? eo_restrict_check_txn(self->restricts, txn, req->member_id, self->now_ms / 1000,
                                     &r)
             : EO_ENOTFOUND;
    eo__request__free_unpacked(req, NULL);
    if (rc == EO_OK)
        return s_misfit(code, why,
                        &(s_misfit_t){"restricted", "이용이 제한된 회원입니다 (이용제한)",
                                      "the member is restricted (이용제한)"},
                        carer);
    return rc == EO_ENOTFOUND ? EO_OK : rc;
}

/* --- the lifecycle's actions ---------------------------------------------------------- */

int eo_act_assign(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                  eo_case_event_t *next)
{
    int rc = eo_settle_assign(self, txn, c, ctx->carer, &ctx->outcome, &ctx->touched);
    if (rc) return rc;
    if (ctx->outcome != EO_SETTLE_WON) return EO_EREFUSED; /* nothing was written */
    snprintf(ctx->note, sizeof ctx->note, "assigned=%u", ctx->carer);
    if (c->n_winners >= c->needed) *next = EV_FULL;
    return EO_OK;
}

/* The next wave now; an escalated or queued case searches afresh (its timer at the start,
 * or its provider's wait, is over: the provider is told the case is offered again). */
int eo_act_reoffer(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                   eo_case_event_t *next)
{
    int rc = EO_OK;
    if (c->state != EO_CASE_OFFERING && (rc = eo_timer_clear(self, txn, c)) == EO_OK &&
        c->state == EO_CASE_QUEUED)
        rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_REOPENED);
    const char *why = NULL;
    if (rc == EO_OK) rc = eo_case_wave(self, txn, c, next, &why);
    if (why) snprintf(ctx->note, sizeof ctx->note, "why=%s", why);
    return rc;
}

/* c moved: as it stood before, to tell a released winner what they lose. */
static eo_case_rec_t s_before(const eo_case_rec_t *c, const eo_case_ctx_t *ctx)
{
    eo_case_rec_t was = *c;
    was.start = ctx->was_start;
    was.end = ctx->was_end;
    return was;
}

/* Each winner of a moved case: booked again for the new time if they fit it (the
 * checks of eo_index_book), else released, told, and no longer a winner. */
static int s_rebook(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const eo_case_ctx_t *ctx,
                    int *released)
{
    *released = 0;
    eo_case_rec_t was = s_before(c, ctx);
    for (int i = 0; i < c->n_winners;) {
        uint32_t w = c->winners[i];
        eo_offer_t o;
        eo_fit_t fit;
        int rc = eo_case_unbook(self, txn, c, w);
        if ((rc && rc != EO_ENOTFOUND) ||
            (rc = eo_index_fit(self->index, txn, w, c->start, c->end, &fit)) ||
            (rc = eo_offer_get(self, txn, c->id, w, &o)))
            return rc;
        o.start = c->start, o.end = c->end;
        if (fit == EO_FIT_OK) {
            if ((rc = eo_case_book(self, txn, c, w)) ||
                (rc = eo_offer_put(self, txn, c->id, &o)))
                return rc;
            i++;
            continue;
        }
        char what[32];
        snprintf(what, sizeof what, "moved:%u", c->log_n);
        o.state = EO_OFFER_CANCELLED; /* won, then released: no longer a winner */
        if ((rc = eo_offer_put(self, txn, c->id, &o)) ||
            (rc = eo_tell_carer(self, txn, &was, w, EO_TPL_WITHDRAWN,
                                EO__MESSAGE__KIND__KIND_WITHDRAWN, what, NULL)))
            return rc;
        c->winners[i] = c->winners[--c->n_winners];
        c->winners[c->n_winners] = 0;
        (*released)++;
    }
    return EO_OK;
}

/* The winners kept are sent the winner text again, with the new time. */
static int s_tell_kept(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const Eo__Request *req)
{
    char what[32];
    snprintf(what, sizeof what, "moved:%u", c->log_n);
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.address = req->address ? req->address : "";
    vars.child = req->child_first_name ? req->child_first_name : "";
    int rc = EO_OK;
    for (int i = 0; rc == EO_OK && i < c->n_winners; i++) {
        eo_offer_t o;
        if ((rc = eo_offer_get(self, txn, c->id, c->winners[i], &o)) == EO_OK) {
            vars.code = o.code;
            rc = eo_tell_carer(self, txn, c, c->winners[i], EO_TPL_WINNER,
                               EO__MESSAGE__KIND__KIND_WINNER, what, &vars);
        }
    }
    return rc;
}

/* Every winner kept: the member gets the notice again; a fee not yet paid is the new
 * time's, due by the new start at the latest; a case handed to its provider is handed
 * again (a newer generation). */
static int s_moved_settled(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c,
                           const Eo__Request *req)
{
    char names[160], phones[64];
    int rc = EO_OK;
    if (c->pay == EO_PAY_DUE) {
        rc = eo_case_pay(self, c, req, NULL, &c->member_fee);
        rc = rc == EO_EINVAL ? EO_OK : rc;
        if (rc == EO_OK && c->timer_due_ms > c->start * 1000)
            rc = eo_timer_set(self, txn, c, c->start * 1000);
    }
    if (rc) return rc;
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    eo_case_winner_names(self, txn, c, names, sizeof names, phones, sizeof phones);
    vars.carer = names;
    vars.phone = phones;
    vars.fee = c->member_fee > EO_FEE_MAX ? EO_FEE_MAX : c->member_fee;
    if ((rc = eo_tell_member(self, txn, c, EO_TPL_NOTICE, "moved", &vars))) return rc;
    return c->pay == EO_PAY_PAID
               ? eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_SETTLED)
               : EO_OK;
}

/* A settled case lost a winner to the new time: it reopens as a winner's withdrawal
 * does (member and call centre told, the provider if it was handed the case, an unpaid
 * fee asked again of the next settlement); the caller offers the next wave. */
static int s_moved_reopen(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c)
{
    bool handed = c->pay == EO_PAY_PAID;
    if (c->pay == EO_PAY_DUE) c->pay = EO_PAY_NONE;
    int rc = eo_timer_clear(self, txn, c);
    if (rc || (rc = eo_tell_member(self, txn, c, EO_TPL_REOPENED, "reopened", NULL)) ||
        (rc = eo_tell_callcentre(self, txn, c, EO_TPL_REOPENED, "reopened")) ||
        (handed &&
         (rc = eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_REOPENED))))
        return rc;
    c->state = EO_CASE_OFFERING; /* the journal line says settled->offering */
    return EO_OK;
}

/* The record already holds the new time (operator.c's input wrote it); ctx the old. */
int eo_act_reschedule(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                      eo_case_event_t *next)
{
    int released = 0;
    Eo__Request *req = NULL;
    int rc = s_rebook(self, txn, c, ctx, &released);
    if (rc == EO_OK && c->n_winners && (rc = eo_cases_request(self, txn, c->id, &req)) == EO_OK)
        rc = s_tell_kept(self, txn, c, req);
    if (rc == EO_OK && c->state == EO_CASE_SETTLED)
        rc = released ? s_moved_reopen(self, txn, c) : s_moved_settled(self, txn, c, req);
    if (req) eo__request__free_unpacked(req, NULL);
    if (rc) return rc;
    snprintf(ctx->note, sizeof ctx->note, "released=%d", released);
    switch (c->state) { /* a settled case that lost a winner is offering now */
    case EO_CASE_OFFERING: {
        /* the offers out were for the old time: withdrawn (told), and a wave for the new
         * one goes at once (to carers not offered before) */
        const char *why = NULL;
        if ((rc = eo_case_close_offers(self, txn, c, EO_OFFER_WITHDRAWN,
                                       EO__MESSAGE__KIND__KIND_WITHDRAWN, false)) ||
            (rc = eo_case_wave(self, txn, c, next, &why)))
            return rc;
        if (why) snprintf(ctx->note, sizeof ctx->note, "released=%d why=%s", released, why);
        return EO_OK;
    }
    case EO_CASE_SETTLED: /* done above */
        return EO_OK;
    case EO_CASE_ESCALATED: /* it stays with the call centre until the new start */
        return eo_timer_set(self, txn, c, c->start * 1000);
    default: /* queued: the provider gets the request with its new time */
        return eo_outbox_handoff(self, txn, c, EO__HANDOFF_ITEM__KIND__KIND_WAITING);
    }
}

/* Closed by an operator: like a member's cancellation (offers withdrawn, winners
 * released and told, the member told), but no fee is charged and nothing is counted
 * towards the member's restrictions. */
int eo_act_close(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_ctx_t *ctx,
                 eo_case_event_t *next)
{
    (void)next;
    c->fee = 0;
    if (c->pay == EO_PAY_DUE) c->pay = EO_PAY_NONE; /* nothing is asked of the member */
    int rc = eo_timer_clear(self, txn, c);
    if (rc ||
        (rc = eo_case_close_offers(self, txn, c, EO_OFFER_WITHDRAWN,
                                   EO__MESSAGE__KIND__KIND_WITHDRAWN, false)) ||
        (rc = eo_facility_release_day(self, txn, c)) ||
        (rc = eo_case_release_winners(self, txn, c, EO_TPL_WITHDRAWN, "closed")))
        return rc;
    snprintf(ctx->note, sizeof ctx->note, "released=%u fee=0", c->n_winners);
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.fee = 0;
    return eo_tell_member(self, txn, c, EO_TPL_CANCELLED, "closed", &vars);
}

/* --- the input ---------------------------------------------------------------------- */

/* A closing reason: 1-200 bytes, no control characters. */
static bool s_reason_ok(const char *reason)
{
    size_t n = reason ? strlen(reason) : 0;
    if (n == 0 || n > S_REASON_MAX) return false;
    for (const unsigned char *p = (const unsigned char *)reason; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

/* Store the request with its new time (its id, digest and everything else kept). */
static int s_request_put(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r)
{
    size_t n = eo__request__get_packed_size(r);
    MDB_val k = {strlen(r->id), r->id}, v = {n, NULL};
    int rc = mdb_put(txn, self->reqs, &k, &v, MDB_RESERVE);
    if (rc) return eo_store_fail("put request", rc);
    eo__request__pack(r, v.mv_data);
    return EO_OK;
}

/* The new time, checked as intake checks a request made now by an operator (lead,
 * durations, hours, the child's age on the day, ...); on success the case and its
 * request hold it, the pay an offer shows is recomputed and ctx keeps the old time. */
static int s_move(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const Eo__OperatorAction *x,
                  eo_case_ctx_t *ctx, uint8_t **reply, size_t *size)
{
    if (c->type == EO_SERVICE_FACILITY)
        return eo_cases_refuse(
            self, c->id, "unsupported_facility", "시설형 돌봄은 시간을 바꿀 수 없습니다",
            "a 시설형 stay cannot be moved: close it and make a new request", reply, size);
    if (c->state != EO_CASE_OFFERING && c->state != EO_CASE_SETTLED &&
        c->state != EO_CASE_ESCALATED && c->state != EO_CASE_QUEUED)
        return eo_cases_refuse(self, c->id, "not_reschedulable",
                               "시간을 바꿀 수 없는 요청입니다", "the case is closed", reply,
                               size);
    if (x->start == c->start && x->end == c->end)
        return eo_cases_refuse(self, c->id, "same_time", "이미 그 시간입니다",
                               "the case already has this time", reply, size);
    Eo__Request *r = NULL;
    int rc = eo_cases_request(self, txn, c->id, &r);
    if (rc) return rc;
    Eo__Channel channel = r->channel;
    r->start = x->start;
    r->end = x->end;
    r->channel = EO__CHANNEL__CHANNEL_OPERATOR; /* an operator asks it now */
    eo_verdict_t v;
    if ((rc = eo_case_check(self, txn, r, self->now_ms / 1000, &v)) == EO_OK && v.reason) {
        char ko[512], en[512];
        eo_verdict_message(&v, "ko", ko, sizeof ko);
        eo_verdict_message(&v, "en", en, sizeof en);
        rc = eo_cases_refuse(self, c->id, eo_reason_code(v.reason), ko, en, reply, size);
    }
    r->channel = channel;
    if (rc == EO_OK) {
        ctx->was_start = c->start, ctx->was_end = c->end;
        c->start = x->start, c->end = x->end;
        rc = eo_case_pay(self, c, r, &c->carer_pay, NULL);
        rc = rc == EO_EINVAL ? EO_OK : rc; /* logged: offers show the pay they had */
    }
    if (rc == EO_OK && (rc = s_request_put(self, txn, r)) == EO_OK)
        rc = eo_cases_put(self, txn, c);
    eo__request__free_unpacked(r, NULL);
    return rc;
}

/* Why no wave can go out now (eo_case_can_offer's codes), in Korean. */
static const char *s_no_wave_ko(const char *why)
{
    if (streq(why, "start_too_close")) return "시작 시각이 너무 가깝습니다";
    if (streq(why, "outside_pool_hours")) return "지금은 돌보미 풀 운영 시간이 아닙니다";
    if (streq(why, "dong_not_served")) return "이 동을 맡는 돌보미가 없습니다";
    if (streq(why, "no_candidates")) return "제안할 수 있는 돌보미가 남아 있지 않습니다";
    return why;
}

/* What an action checks before anything is written: EO_EREFUSED with the reply made. */
static int s_precheck(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c,
                      const Eo__OperatorAction *x, eo_case_ctx_t *ctx, uint8_t **reply,
                      size_t *size)
{
    const char *code = NULL, *why = NULL;
    eo_assign_why_t misfit;
    int rc = EO_OK;
    switch (x->kind) {
    case EO__OPERATOR_ACTION__KIND__KIND_ASSIGN:
        if ((rc = eo_assign_check(self, txn, c, x->carer_id, &code, &misfit)) || !code)
            return rc;
        return eo_cases_refuse(self, c->id, code, misfit.ko, misfit.en, reply, size);
    case EO__OPERATOR_ACTION__KIND__KIND_REOFFER:
        if (c->state != EO_CASE_OFFERING && c->state != EO_CASE_ESCALATED &&
            c->state != EO_CASE_QUEUED)
            return eo_cases_refuse(
                self, c->id, "not_reofferable", "다시 제안할 수 없는 요청입니다",
                "only an offering, escalated or queued case is offered again", reply, size);
        if (c->n_winners >= c->needed)
            return eo_cases_refuse(self, c->id, "case_full", "배정이 끝난 요청입니다",
                                   "every seat of the case is filled", reply, size);
        if ((rc = eo_case_can_offer(self, txn, c, &why)) || !why) return rc;
        snprintf(misfit.ko, sizeof misfit.ko, "지금 제안할 수 없습니다: %s", s_no_wave_ko(why));
        snprintf(misfit.en, sizeof misfit.en, "no wave can go out now: %s", why);
        return eo_cases_refuse(self, c->id, why, misfit.ko, misfit.en, reply, size);
    case EO__OPERATOR_ACTION__KIND__KIND_RESCHEDULE:
        return s_move(self, txn, c, x, ctx, reply, size);
    case EO__OPERATOR_ACTION__KIND__KIND_CLOSE:
        if (s_reason_ok(x->reason)) return EO_OK;
        return eo_cases_refuse(self, c->id, "bad_reason", "종료 사유가 필요합니다",
                               "a reason is required: 1-200 bytes, no control characters",
                               reply, size);
    default:
        return eo_cases_refuse(self, c->id, "malformed", "형식 오류", "unknown action", reply,
                               size);
    }
}

static const eo_case_event_t s_events[] = {
    [EO__OPERATOR_ACTION__KIND__KIND_ASSIGN] = EV_ASSIGN,
    [EO__OPERATOR_ACTION__KIND__KIND_REOFFER] = EV_REOFFER,
    [EO__OPERATOR_ACTION__KIND__KIND_RESCHEDULE] = EV_RESCHEDULE,
    [EO__OPERATOR_ACTION__KIND__KIND_CLOSE] = EV_CLOSE,
};

int eo_operator_input(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                      size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__OperatorAction *x = in->operator_action;
    /* idempotent by event id: a repeat changes nothing and gets the case's status */
    char key[256], seen[32];
    int64_t at_ms;
    snprintf(key, sizeof key, "o:%s", in->id);
    int rc = eo_seen_get(self, txn, key, &at_ms, seen, sizeof seen);
    if (rc == EO_OK) return eo_cases_status(self, txn, x->request_id, reply, size);
    if (rc != EO_ENOTFOUND) return rc;
    eo_case_rec_t c;
    if ((rc = eo_case_get(self, txn, x->request_id, &c)) == EO_ENOTFOUND)
        return eo_cases_refuse(self, x->request_id, "unknown_request", "없는 요청",
                               "no such request", reply, size);
    char who[96], detail[S_REASON_MAX + 16] = "";
    snprintf(who, sizeof who, "%.90s", x->by && *x->by ? x->by : "operator");
    eo_case_ctx_t ctx = {.carer = x->carer_id, .who = who, .detail = detail};
    if (rc || (rc = s_precheck(self, txn, &c, x, &ctx, reply, size))) return rc;
    if (x->kind == EO__OPERATOR_ACTION__KIND__KIND_CLOSE)
        snprintf(detail, sizeof detail, "reason=%s", x->reason);
    else if (x->kind == EO__OPERATOR_ACTION__KIND__KIND_RESCHEDULE) {
        char was[32];
        snprintf(detail, sizeof detail, "from=%s min=%lld",
                 eo_time_format(ctx.was_start, was, sizeof was),
                 (long long)(ctx.was_end - ctx.was_start) / 60);
    }
    ctx.detail = *detail ? detail : NULL;
    rc = eo_case_run(self, txn, c.id, s_events[x->kind], &ctx);
    /* a state the action does not apply to is refused; the reschedule checked it first,
     * before it wrote the new time */
    if (rc == EO_ECLOSED || rc == EO_EREFUSED) {
        char en[96];
        snprintf(en, sizeof en, "the case is %s: this action does not apply",
                 eo_case_state_name(c.state));
        return eo_cases_refuse(self, c.id, "not_open", "처리할 수 없는 상태의 요청입니다", en,
                               reply, size);
    }
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize)) ||
        (rc = eo_seen_put(self, txn, key, self->now_ms, "done")))
        return rc;
    return eo_cases_status(self, txn, c.id, reply, size);
}
