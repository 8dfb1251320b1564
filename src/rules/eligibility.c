/* eligibility.c: who may use which service (see eo_rules.h): the site's coverage,
 * verified membership, the child's registration and age, sickness and disability, and
 * use restrictions (the end date comes from eo_restrict). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_rules.h"
#include "rules_conf_priv.h"
#include "rules_priv.h"

int eo_age_months(int32_t birth, int32_t on)
{
    int by = birth / 10000, bm = birth / 100 % 100, bd = birth % 100;
    int y = on / 10000, m = on / 100 % 100, d = on % 100;
    int months = (y - by) * 12 + (m - bm) - (d < bd ? 1 : 0);
    return months < 0 || on < birth ? -1 : months;
}

static bool s_site_runs(const eo_eligibility_t *in)
{
    if (!in->dongs) return true; /* the caller checked the site */
    int site = in->site ? eo_dongs_site_find(in->dongs, in->site) : -1;
    return site >= 0 && (eo_dongs_site(in->dongs, site)->services & (unsigned)in->type);
}

static eo_reason_t s_age(const eo_rconf_t *c, const eo_eligibility_t *in, char *arg,
                         size_t arglen)
{
    if (!in->child_birth && in->child_age_months < 0)
        return EO_REASON_OK; /* the age is not said (a quote): nothing to check */
    int months = in->child_birth ? eo_age_months(in->child_birth, in->service_date)
                                 : in->child_age_months;
    int years = months < 0 ? -1 : months / 12;
    if (in->type == EO_SERVICE_VISIT) {
        if (months >= c->visit_min_age_months && years <= c->visit_max_age_years)
            return EO_REASON_OK;
        snprintf(arg, arglen, "%d months - %d years", c->visit_min_age_months,
                 c->visit_max_age_years);
        return EO_REASON_CHILD_AGE;
    }
    bool school = in->child_in_school && years >= c->fac_min_age && years <= c->fac_max_age;
    bool sibling = !in->child_in_school && in->sibling_registered &&
                   years >= c->fac_sibling_min_age && years <= c->fac_sibling_max_age;
    if (school || sibling) return EO_REASON_OK;
    snprintf(arg, arglen, "%d-%d years, preschool siblings %d-%d", c->fac_min_age,
             c->fac_max_age, c->fac_sibling_min_age, c->fac_sibling_max_age);
    return EO_REASON_CHILD_AGE;
}

static eo_reason_t s_check(const eo_rconf_t *c, const eo_eligibility_t *in, char *arg,
                           size_t arglen)
{
    bool visit = in->type == EO_SERVICE_VISIT;
    if (!s_site_runs(in)) return EO_REASON_SITE_NOT_SERVED;
    if (visit && !in->verified_member) return EO_REASON_NOT_MEMBER;
    if (visit && !in->child_registered_in_site) return EO_REASON_NOT_REGISTERED;
    if (in->restricted_until) {
        if (in->restricted_until == INT64_MAX)
            snprintf(arg, arglen, "never (permanent) / 영구");
        else {
            int32_t end = eo_date_key(in->restricted_until);
            snprintf(arg, arglen, "%04d-%02d-%02d", end / 10000, end / 100 % 100, end % 100);
        }
        return EO_REASON_RESTRICTED;
    }
    eo_reason_t r = s_age(c, in, arg, arglen);
    if (r) return r;
    if (in->severe_disability) return EO_REASON_SEVERE_DISABILITY;
    if (!visit && in->sick) return EO_REASON_SICK_CHILD;
    if (!visit && !in->child_preregistered) return EO_REASON_FACILITY_NOT_PREREG;
    return EO_REASON_OK;
}

eo_reason_t eo_rules_eligibility_locked(eo_rules_t *self, const eo_rconf_t *c,
                                        const eo_eligibility_t *in, char *arg, size_t arglen)
{
    (void)self;
    return s_check(c, in, arg, arglen);
}

eo_reason_t eo_rules_check_eligibility(eo_rules_t *self, const eo_eligibility_t *in, char *arg,
                                       size_t arglen)
{
    if (arg && arglen) *arg = '\0';
    char scratch[96];
    if (!arg || !arglen) {
        arg = scratch;
        arglen = sizeof scratch;
    }
    if (!self || !in || (in->type != EO_SERVICE_VISIT && in->type != EO_SERVICE_FACILITY))
        return EO_REASON_BAD_REQUEST;
    const eo_rconf_t *c = eo_rules_rdlock(self);
    eo_reason_t r = s_check(c, in, arg, arglen);
    eo_rules_unlock(self);
    return r;
}
