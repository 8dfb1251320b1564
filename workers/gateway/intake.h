/* intake: a request's JSON body -> the Request event, validated.
 *
 * {"site":"suwon","dong":"4111156000","start":"2026-11-27T21:00","end":"2026-11-28T01:00",
 *  "carers_needed":1,"channel":"app|call_centre|operator","type":"visit|facility",
 *  "id":"optional client key (or the Idempotency-Key header): retries are idempotent",
 *  "member":{"id":"m-1","phone":"010-1234-5678","verified":true},
 *  "child":{"id":"optional: the child as registered","first_name":"서연",
 *           "birth":"2022-05-01" or "age_months":48,
 *           "residence":"suwon","sick":false,"severe_disability":false,
 *           "preregistered":false,"in_school":true,"sibling_registered":false},
 *  "address":"...","handover":"엄마","pickup":"할머니"}
 * Times without an offset are Seoul time. Only the form is checked here (fields present,
 * of the right JSON type, times parse, the site and 동 exist), every problem named with
 * its field: every rule (durations, eligibility, sizes, timing) is the matcher's, the
 * same check GET /v1/quote makes, so both answer the same input with the same coded
 * reason. */
#ifndef EO_INTAKE_H
#define EO_INTAKE_H

#include <jansson.h>

#include "body.h"
#include "eonjena/eonjena.h"
#include "problems.h"
#include "request.pb-c.h"

/* Every fault of a body, each naming its field (problems.h). */
typedef eo_problems_t eo_intake_error_t;

#define EO_INTAKE_KEY_MAX 64 /* a client key: 1-64 of [A-Za-z0-9_-], a UUID fits */

/* Parse and validate; on success fills *out (strings owned, free with eo_intake_clear)
 * with id "<site>-<24 hex>" (a hash of owner and the client's key when one is given, so
 * retries are idempotent per caller; else random), owner (the caller's credential id)
 * and digest (SHA-256 of what was asked, so a key sent again with another body is told
 * apart from a retry). The key is the Idempotency-Key header (key_header, may be NULL)
 * or the body's "id"; when both are given they must agree. Returns 0, or -1 with every
 * fault in *err (unknown fields included) and nothing allocated. */
int eo_intake_parse(const char *body, const eo_dongs_t *dongs, int64_t now_ms,
                    const char *owner, const char *key_header, Eo__Request *out,
                    eo_intake_error_t *err);
/* The body's fields (body.h), for documentation and tests. */
const eo_field_t *eo_intake_fields(void);
/* Is this a client key the intake takes? */
bool eo_intake_key_ok(const char *key);
void eo_intake_clear(Eo__Request *req);

/* The request channel by its one name: "app", "call_centre" or "operator", as the intake's
 * JSON, GET /v1/quote?channel= and `eonjena quote --channel` spell it. 0, or -1 for any
 * other name (*out unchanged). */
int eo_intake_channel(const char *name, Eo__Channel *out);

/* The site of a request id ("suwon-..." -> "suwon"); 0, or -1 if the id is malformed. */
int eo_intake_site_of(const char *request_id, char *site, size_t size);

void eo_intake_test(bool verbose);

#endif
