/* intake: a request's JSON body -> the Request event, validated.
 *
 * {"site":"suwon","dong":"4111156000","start":"2026-11-27T21:00","end":"2026-11-28T01:00",
 *  "carers_needed":1,"channel":"app|call_centre|operator","type":"visit|facility",
 *  "id":"optional client key, makes retries idempotent",
 *  "member":{"id":"m-1","phone":"010-1234-5678","verified":true},
 *  "child":{"first_name":"서연","birth":"2022-05-01" or "age_months":48,
 *           "residence":"suwon","sick":false,"severe_disability":false,
 *           "preregistered":false,"in_school":true,"sibling_registered":false},
 *  "address":"...","handover":"엄마","pickup":"할머니"}
 * Times without an offset are Seoul time. Only the form is checked here (fields present,
 * of the right JSON type, times parse, the site and 동 exist): every rule (durations,
 * eligibility, sizes, timing) is the matcher's, the same check GET /v1/quote makes, so
 * both answer the same input with the same coded reason. */
#ifndef EO_INTAKE_H
#define EO_INTAKE_H

#include <jansson.h>

#include "eonjena/eonjena.h"
#include "request.pb-c.h"

typedef struct {
    const char *code; /* machine code */
    const char *ko;
    char en[160];
} eo_intake_error_t;

/* Parse and validate; on success fills *out (strings owned, free with eo_intake_clear)
 * with id "<site>-<24 hex>" (a hash of owner and the client's id when one is given, so
 * retries are idempotent per caller; else random) and owner (the caller's credential
 * id). Returns 0, or -1 with *err filled and nothing allocated. */
int eo_intake_parse(const char *body, const eo_dongs_t *dongs, int64_t now_ms,
                    const char *owner, Eo__Request *out, eo_intake_error_t *err);
void eo_intake_clear(Eo__Request *req);

/* The request channel by its one name: "app", "call_centre" or "operator", as the intake's
 * JSON, GET /v1/quote?channel= and `eonjena quote --channel` spell it. 0, or -1 for any
 * other name (*out unchanged). */
int eo_intake_channel(const char *name, Eo__Channel *out);

/* The site of a request id ("suwon-..." -> "suwon"); 0, or -1 if the id is malformed. */
int eo_intake_site_of(const char *request_id, char *site, size_t size);

void eo_intake_test(bool verbose);

#endif
