/* asked.c: a request as the rules see it. The intake check, the pay an offer shows, the
 * fee a member pays, the breakdown a provider is handed and `eonjena check` all ask the
 * rules through the same quote parameters (eo_quote_params_t), made here from the
 * stored Request, so they can never disagree with GET /v1/quote for the same input. */
#include <string.h>

#include <jansson.h>

#include "cases_priv.h"
#include "eonjena/eo_restrict.h"

static const char *s_text(const char *t)
{
    return t && *t ? t : NULL;
}

void eo_case_params(eo_cases_t *self, const Eo__Request *r, eo_time_t requested,
                    eo_quote_params_t *p)
{
    memset(p, 0, sizeof *p);
    p->type =
        r->type == EO__SERVICE_TYPE__SERVICE_FACILITY ? EO_SERVICE_FACILITY : EO_SERVICE_VISIT;
    p->site = r->site;
    p->dongs = self->dongs;
    p->start = r->start;
    p->end = r->end;
    p->requested = requested;
    p->channel = r->channel == EO__CHANNEL__CHANNEL_APP ? EO_CHANNEL_APP : EO_CHANNEL_PHONE;
    /* an intake always says who asks: what it leaves out counts as not so */
    p->verified = r->member_verified ? EO_YES : EO_NO;
    p->child_given = true;
    p->child_birth = r->child_birth;
    p->child_age_months = (int)r->child_age_months;
    p->residence = s_text(r->child_residence);
    p->sick = r->child_sick;
    p->severe_disability = r->child_severe_disability;
    p->preregistered = r->child_preregistered;
    p->in_school = r->child_in_school;
    p->sibling_registered = r->child_sibling_registered;
    p->texts[EO_TEXT_ADDRESS] = s_text(r->address);
    p->texts[EO_TEXT_CHILD_NAME] = s_text(r->child_first_name);
    p->texts[EO_TEXT_MEMBER_ID] = s_text(r->member_id);
    p->texts[EO_TEXT_HANDOVER] = s_text(r->handover);
    p->texts[EO_TEXT_PICKUP] = s_text(r->pickup);
}

/* The restriction in force for the member at `at` (0: none). */
static int s_restricted_until(eo_cases_t *self, MDB_txn *txn, const char *member, eo_time_t at,
                              eo_time_t *until)
{
    *until = 0;
    if (!member || !*member || strlen(member) >= EO_MEMBER_ID_MAX)
        return EO_OK; /* no member to look up: the texts check names a bad id */
    eo_restriction_t r;
    int rc = eo_restrict_check_txn(self->restricts, txn, member, at, &r);
    if (rc == EO_OK) *until = r.end;
    return rc == EO_ENOTFOUND ? EO_OK : rc;
}

int eo_case_check(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, eo_time_t now,
                  eo_verdict_t *v)
{
    eo_quote_params_t p;
    eo_case_params(self, r, now, &p);
    int rc = s_restricted_until(self, txn, r->member_id, now, &p.restricted_until);
    if (rc == EO_OK && p.type == EO_SERVICE_FACILITY)
        rc = eo_childday_get(self, txn, r, &p.child_minutes_that_day);
    if (rc) return rc;
    eo_rules_check(self->rules, &p, v);
    return EO_OK;
}

int eo_case_recheck(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, eo_verdict_t *v)
{
    Eo__Request *r = NULL;
    int rc = eo_cases_request(self, txn, c->id, &r);
    if (rc) return rc;
    eo_quote_params_t p;
    eo_case_params(self, r, 0, &p); /* requested not given: no lead, route nor horizon */
    rc = s_restricted_until(self, txn, r->member_id, c->requested_at, &p.restricted_until);
    if (rc == EO_OK) eo_rules_check(self->rules, &p, v);
    eo__request__free_unpacked(r, NULL);
    return rc;
}

int eo_case_quote(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r, eo_quote_t *q)
{
    eo_quote_params_t p;
    eo_case_params(self, r, c->requested_at, &p);
    /* the case was checked at intake: price it as it was asked, whoever asks now */
    p.texts[EO_TEXT_ADDRESS] = p.texts[EO_TEXT_CHILD_NAME] = NULL;
    p.verified = EO_UNSAID;
    p.child_given = false;
    eo_facility_regular(self, c, &p);
    return eo_rules_quote(self->rules, &p, q);
}

int eo_case_pay(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r, int64_t *pay,
                int64_t *fee)
{
    eo_quote_t *q = calloc(1, sizeof *q);
    if (!q) return EO_ENOMEM;
    int rc = eo_case_quote(self, c, r, q);
    if (rc == EO_OK) {
        if (pay) *pay = q->carer_total;
        if (fee) *fee = q->member_total;
    } else
        zsys_warning("cases: the rules do not price %s (%s)", c->id, eo_reason_code(q->reason));
    free(q);
    return rc == EO_OK ? EO_OK : EO_EINVAL;
}

/* The breakdown a provider is handed: the quote of the case (member and carer lines),
 * what the member owes and whether it was paid. Malloc'ed JSON text, or NULL. */
char *eo_case_fee_json(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r)
{
    eo_quote_params_t p;
    eo_case_params(self, r, c->requested_at, &p);
    p.texts[EO_TEXT_ADDRESS] = p.texts[EO_TEXT_CHILD_NAME] = NULL;
    p.verified = EO_UNSAID;
    p.child_given = false;
    eo_facility_regular(self, c, &p);
    char err[128];
    json_t *root = eo_quote_object(self->rules, &p, err, sizeof err);
    if (!root) return NULL;
    static const char *pay_names[] = {"none", "due", "paid"};
    json_object_set_new(root, "payment",
                        json_pack("{s:s, s:I, s:I}", "state", pay_names[c->pay % 3],
                                  "member_fee", (json_int_t)c->member_fee, "paid_at",
                                  (json_int_t)c->paid_at));
    if (c->fee) json_object_set_new(root, "charge", json_integer(c->fee));
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}
