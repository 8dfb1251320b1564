/* carer.c: a carer record's rules: caps per kind, validation, phone numbers
 * (see eo_index.h). */
#include <stdio.h>
#include <string.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_phone.h"

/* eo_phone_valid and eo_phone_mask live in phone.c (eo_phone.h). */

/* A date key is 0 (none) or a real yyyymmdd date. */
static bool s_date_ok(int32_t key)
{
    return key == 0 || (key >= 19000101 && key <= 99991231 && eo_date_wday(key) >= 0);
}

/* Names go to TSV exports and logs: no control characters, NUL-terminated. */
static bool s_name_ok(const char *name, size_t cap)
{
    size_t n = strnlen(name, cap);
    if (n == cap) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) return false;
    return true;
}

static int s_fail(char *why, size_t whylen, const char *text)
{
    if (why && whylen) snprintf(why, whylen, "%s", text);
    return EO_EINVAL;
}

int eo_carer_validate(const eo_carer_t *c, const eo_dongs_t *dongs, char *why, size_t whylen)
{
    if (c->id == 0) return s_fail(why, whylen, "id must be > 0");
    if (strnlen(c->site, EO_SITE_SLUG) == EO_SITE_SLUG)
        return s_fail(why, whylen, "site too long");
    int site = eo_dongs_site_find(dongs, c->site);
    if (site < 0) return s_fail(why, whylen, "unknown site");
    if (c->kind < EO_CARER_VISIT || c->kind > EO_CARER_INVITED)
        return s_fail(why, whylen, "kind must be 1, 2 or 3");
    const eo_dong_t *home = eo_dongs_find(dongs, c->home_dong);
    if (!home || home->site != site)
        return s_fail(why, whylen, "home dong unknown or not in the site");
    if (c->n_dongs > EO_CARER_MAX_DONGS)
        return s_fail(why, whylen, "more than 8 preferred dongs");
    for (int i = 0; i < c->n_dongs; i++) {
        const eo_dong_t *d = eo_dongs_find(dongs, c->dongs[i]);
        if (!d || d->site != site)
            return s_fail(why, whylen, "preferred dong unknown or not in the site");
        for (int j = 0; j < i; j++)
            if (c->dongs[j] == c->dongs[i])
                return s_fail(why, whylen, "preferred dong repeated");
    }
    if (strnlen(c->phone, sizeof c->phone) == sizeof c->phone || !eo_phone_valid(c->phone))
        return s_fail(why, whylen, "phone is not E.164 (+821012345678)");
    if (!s_name_ok(c->name, sizeof c->name))
        return s_fail(why, whylen, "name too long or has control characters");
    if (!s_date_ok(c->check_until) || !s_date_ok(c->training_until))
        return s_fail(why, whylen, "check/training date is not a date");
    if (c->n_providers > EO_CARER_MAX_PROVIDERS)
        return s_fail(why, whylen, "more than 4 providers");
    return EO_OK;
}
