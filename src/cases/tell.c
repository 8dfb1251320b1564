/* tell.c: who is told what about a case. Every text the case store sends is rendered
 * here from the sms templates (eo_template.h), the same ones the sms role checks at
 * start-up, so one configuration holds every wording and every text is checked at load
 * (offers carry no child name and no address). Each message is queued in the outbox in
 * the caller's transaction, under an id that names the case, the addressee and why, so
 * a resend is recognised by the receiver. */
#include <czmq.h>

#include "cases_priv.h"

/* The pay an offer shows is the quote's carer pay for the case (fees.tsv: base pay,
 * allowances, surcharge), worked out at intake (asked.c) and kept with the case. */
void eo_case_vars(eo_cases_t *self, const eo_case_rec_t *c, eo_tpl_vars_t *vars)
{
    int site = eo_dongs_site_find(self->dongs, c->site);
    const eo_dong_t *dong = eo_dongs_find(self->dongs, c->dong);
    int64_t pay = c->carer_pay;
    *vars = (eo_tpl_vars_t){
        .site = site >= 0 ? eo_dongs_site(self->dongs, site)->name : c->site,
        .dong = dong ? dong->name : "",
        .start = c->start,
        .end = c->end,
        .pay = pay > EO_PAY_MAX ? EO_PAY_MAX
               : pay < 0        ? 0
                                : (int)pay,
        .fee = c->fee > EO_FEE_MAX ? EO_FEE_MAX : c->fee,
        .request = c->id,
    };
}

/* Render; a template that cannot render (a value wider than the load-time check
 * allowed) gets a plain text and a log line, so a decision is never lost over a text. */
static void s_render(eo_cases_t *self, const eo_case_rec_t *c, eo_tpl_kind_t kind,
                     const eo_tpl_vars_t *vars, char *out, size_t size)
{
    if (eo_templates_render(self->templates, c->site, kind, vars, out, size) == EO_OK) return;
    zsys_error("cases: the %s text of %s does not render; sending a plain one",
               eo_tpl_kind_name(kind), c->site);
    snprintf(out, size, "[언제나돌봄] %s %s", eo_tpl_kind_name(kind),
             vars->code ? vars->code : "");
}

int eo_carer_phone(eo_cases_t *self, MDB_txn *txn, uint32_t carer, char *phone, size_t size,
                   char *name, size_t namesize)
{
    eo_carer_t cr;
    int rc = eo_index_get(self->index, txn, carer, &cr);
    if (rc) return rc;
    snprintf(phone, size, "%s", cr.phone);
    if (name) snprintf(name, namesize, "%s", cr.name);
    return EO_OK;
}

int eo_tell_carer(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                  eo_tpl_kind_t tpl, int kind, const char *what, const eo_tpl_vars_t *vars)
{
    char phone[20], id[EO_CASE_ID_MAX + 32], text[EO_SMS_TEXT_MAX];
    int rc = eo_carer_phone(self, txn, carer, phone, sizeof phone, NULL, 0);
    if (rc == EO_ENOTFOUND) return EO_OK; /* a carer removed from the index gets nothing */
    if (rc) return rc;
    eo_tpl_vars_t mine;
    if (!vars) {
        eo_case_vars(self, c, &mine);
        vars = &mine;
    }
    s_render(self, c, tpl, vars, text, sizeof text);
    snprintf(id, sizeof id, "%s:%u:%s", c->id, carer, what);
    return eo_outbox_message(self, txn, c->site, id, kind, phone, text, c->id, carer,
                             vars->code);
}

int eo_tell_member(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, eo_tpl_kind_t tpl,
                   const char *what, const eo_tpl_vars_t *vars)
{
    Eo__Request *req = NULL;
    int rc = eo_cases_request(self, txn, c->id, &req);
    if (rc) return rc;
    if (req->member_phone && *req->member_phone) {
        eo_tpl_vars_t mine;
        if (!vars) {
            eo_case_vars(self, c, &mine);
            vars = &mine;
        }
        char id[EO_CASE_ID_MAX + 32], text[EO_SMS_TEXT_MAX];
        s_render(self, c, tpl, vars, text, sizeof text);
        /* the journal's length tells two notices of one kind apart (a case may reopen) */
        snprintf(id, sizeof id, "%s:member:%s:%u", c->id, what, c->log_n);
        rc = eo_outbox_message(self, txn, c->site, id, EO__MESSAGE__KIND__KIND_NOTICE,
                               req->member_phone, text, c->id, 0, NULL);
    }
    eo__request__free_unpacked(req, NULL);
    return rc;
}

int eo_tell_callcentre(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c,
                       eo_tpl_kind_t tpl, const char *what)
{
    eo_tpl_vars_t vars;
    eo_case_vars(self, c, &vars);
    char id[EO_CASE_ID_MAX + 32], text[EO_SMS_TEXT_MAX];
    s_render(self, c, tpl, &vars, text, sizeof text);
    snprintf(id, sizeof id, "%s:callcentre:%s:%u", c->id, what, c->log_n);
    return eo_outbox_message(self, txn, c->site, id, EO__MESSAGE__KIND__KIND_NOTICE,
                             self->cfg.callcentre_phone, text, c->id, 0, NULL);
}
