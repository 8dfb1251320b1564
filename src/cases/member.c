/* member.c: what the pipeline charges a member and records about them (docs/domain.md,
 * 이용제한): the fee of a cancellation, a no-show, a 시설형 stay shortened or overrun, and
 * the restriction causes the matcher sees itself (no-shows, late cancellations,
 * overruns, nobody at pickup). A restriction that applies is told to the member: its
 * term and the day it ends. */
#include <string.h>

#include "cases_priv.h"

int eo_case_charge(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int kind, int minutes,
                   char *rule, size_t rulelen)
{
    if (rule && rulelen) *rule = 0;
    c->fee = 0;
    bool facility = c->type == EO_SERVICE_FACILITY;
    /* a 방문형 fee is owed once a carer was linked; 시설형 has no cancellation fee */
    if ((facility && kind == EO_CHARGE_CANCEL) ||
        (!facility && c->state != EO_CASE_SETTLED && kind == EO_CHARGE_CANCEL))
        return EO_OK;
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    eo_quote_t *q = calloc(1, sizeof *q);
    rc = q ? eo_case_quote(self, c, req, q) : EO_ENOMEM;
    eo__request__free_unpacked(req, NULL);
    if (rc == EO_OK && !facility) {
        /* a no-show is charged as a cancellation at the time it is reported */
        eo_fee_line_t line;
        rc = eo_rules_cancel_fee(self->rules, c->start, self->now_ms / 1000, q->member_total,
                                 &line);
        if (rc == EO_OK) {
            c->fee = line.won;
            if (rule) snprintf(rule, rulelen, "%s", line.rule);
        }
    } else if (rc == EO_OK)
        c->fee = eo_rules_facility_charge(self->rules, (eo_facility_charge_t)kind,
                                          q->member_total, minutes, rule, rulelen);
    if (rc && rc != EO_ENOMEM) {
        zsys_error("cases: the rules cannot price the charge of %s", c->id);
        rc = EO_OK; /* the case goes on; the charge is left to the provider */
    }
    free(q);
    return rc;
}

int eo_case_restrict(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const char *cause,
                     eo_case_ctx_t *ctx)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    eo_restriction_t r;
    bool applied = false;
    if (req->member_id && *req->member_id)
        rc = eo_restrict_record_txn(self->restricts, txn, req->member_id, cause,
                                    self->now_ms / 1000, &r, &applied);
    eo__request__free_unpacked(req, NULL);
    if (rc == EO_EINVAL)
        rc = EO_OK; /* a member id the restrictions cannot key: nothing to count */
    size_t len = strlen(ctx->note);
    snprintf(ctx->note + len, sizeof ctx->note - len, "%s%s%s", len ? " " : "",
             applied ? "restricted=" : "recorded=", applied ? r.cause : cause);
    if (rc || !applied) return rc;
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    vars.months = r.months;
    vars.until = r.end == EO_RESTRICT_PERMANENT ? 0 : r.end;
    return eo_tell_member(self, txn, c, EO_TPL_RESTRICTED, "restricted", &vars);
}
