/* texts.c: every text the matcher sends, rendered from the sms templates (see
 * cases_priv.h). One source of wording: what `sms` checks at start-up to fit one segment
 * and to carry no child name or address in an offer is exactly what the matcher sends. */
#include <czmq.h>

#include "cases_priv.h"

/* Base pay for the window: docs/domain.md's 10,110 KRW an hour; per-case allowances are
 * settled after the service by the rules. */
#define S_BASE_PAY_PER_HOUR 10110

void eo_case_vars(eo_cases_t *self, const eo_case_t *c, eo_tpl_vars_t *vars)
{
    int site = eo_dongs_site_find(self->dongs, c->site);
    const eo_dong_t *dong = eo_dongs_find(self->dongs, c->dong);
    int64_t pay = (c->end - c->start) * S_BASE_PAY_PER_HOUR / EO_HOUR;
    *vars = (eo_tpl_vars_t){
        .site = site >= 0 ? eo_dongs_site(self->dongs, site)->name : c->site,
        .dong = dong ? dong->name : "",
        .start = c->start,
        .end = c->end,
        .pay = pay > EO_PAY_MAX ? EO_PAY_MAX : (int)pay,
    };
}

void eo_case_render(eo_cases_t *self, const eo_case_t *c, eo_tpl_kind_t kind,
                    const eo_tpl_vars_t *vars, char *out, size_t size)
{
    if (eo_templates_render(self->templates, c->site, kind, vars, out, size) == EO_OK)
        return;
    zsys_error("matcher: the %s text of %s does not render; sending a plain one",
               eo_tpl_kind_name(kind), c->site);
    snprintf(out, size, "[언제나돌봄] %s %s", eo_tpl_kind_name(kind), vars->code ? vars->code : "");
}
