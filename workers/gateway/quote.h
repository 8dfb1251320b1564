/* quote: the quote parameters as the public spells them, for GET /v1/quote?key=value and
 * `eonjena quote --key value` alike (one spelling for both). */
#ifndef EO_GATEWAY_QUOTE_H
#define EO_GATEWAY_QUOTE_H

#include "eonjena/eo_rules.h"

/* eo_quote_params_set, except that channel takes the intake's names (app, call_centre,
 * operator: see eo_intake_channel), so that a client quotes a request with the same
 * words it files it with. The rules route by app vs a person on the phone: call_centre
 * and operator quote alike. "phone", the name the quote took before, is still taken as
 * call_centre (scripts and API clients that use it keep working). 0, or EO_EINVAL with a
 * message in err (params unchanged). */
int eo_quote_param(eo_quote_params_t *params, const char *key, const char *value, char *err,
                   size_t errlen);

#endif
