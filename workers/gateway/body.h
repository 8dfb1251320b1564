/* body: the shape of a JSON request body, checked against a table of its fields, so
 * that every route refuses unknown fields (a typo is an error, never silently ignored),
 * missing required ones and wrong types, and names each of them (problems.h).
 *
 *   static const eo_field_t s_child[] = {{"first_name", EO_JSON_STRING, true},
 *                                        {"age_months", EO_JSON_INTEGER}, {NULL}};
 *   static const eo_field_t s_body[] = {{"site", EO_JSON_STRING, true},
 *                                       {"child", EO_JSON_OBJECT, true, s_child}, {NULL}};
 *   eo_problems_t p = {0};
 *   json_t *root = eo_body_parse(text, s_body, &p);   // NULL only if not an object
 *
 * An ARRAY field with `fields` holds objects of those fields. */
#ifndef EO_GATEWAY_BODY_H
#define EO_GATEWAY_BODY_H

#include <jansson.h>

#include "problems.h"

typedef enum {
    EO_JSON_ANY = 0,
    EO_JSON_STRING,
    EO_JSON_INTEGER,
    EO_JSON_NUMBER,
    EO_JSON_BOOL,
    EO_JSON_OBJECT,
    EO_JSON_ARRAY,
    EO_JSON_CODE, /* a string or a whole number: codes like a dong's adm_cd */
} eo_jtype_t;

typedef struct eo_field_t {
    const char *name; /* NULL ends a table */
    eo_jtype_t type;
    bool required;
    const struct eo_field_t *fields; /* OBJECT: its fields; ARRAY: its items' (objects) */
} eo_field_t;

/* Check obj against spec; prefix is obj's path ("" at the top). Returns the number of
 * problems added to p: unknown_field, missing_field and bad_type, each naming its path. */
size_t eo_body_check(json_t *obj, const eo_field_t *spec, const char *prefix, eo_problems_t *p);
/* Parse text as a JSON object and check it against spec (problems go to p). NULL, with
 * a bad_json problem, when the text is not a JSON object; otherwise the object (caller
 * json_decref's), whatever problems it has. */
json_t *eo_body_parse(const char *text, const eo_field_t *spec, eo_problems_t *p);

/* A string field of obj, or NULL. */
const char *eo_body_str(json_t *obj, const char *name);

void eo_body_test(bool verbose);

#endif
