/* problems: what is wrong with a request, every fault at once. A handler collects each
 * bad field (its JSON path, a machine code and the message in Korean and English, with
 * the offending value named in both) and answers them together, so a client fixes its
 * body in one round trip instead of one field per try. The answer has the one error
 * shape of the API, the first problem at the top and all of them under "details":
 *   {"error":{"code","message_ko","message_en","field",
 *             "details":[{"code","message_ko","message_en","field"}, ...]}}
 * No allocation: a problems value lives on the stack. */
#ifndef EO_GATEWAY_PROBLEMS_H
#define EO_GATEWAY_PROBLEMS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define EO_PROBLEMS_MAX 16
#define EO_PROBLEM_TEXT 240

typedef struct {
    const char *code; /* machine code: "unknown_dong", "unknown_field", ... (static) */
    char field[64];   /* JSON path ("member.phone"), "" for the whole body */
    char ko[EO_PROBLEM_TEXT];
    char en[EO_PROBLEM_TEXT];
} eo_problem_t;

typedef struct {
    size_t n; /* problems kept (at most EO_PROBLEMS_MAX; more are dropped) */
    eo_problem_t items[EO_PROBLEMS_MAX];
} eo_problems_t;

/* Add a problem. value (may be NULL) is named after both messages ("...: 4111199999"),
 * cut to 60 bytes at a character boundary. Returns -1 (so a parser can `return
 * eo_problems_add(...)`). */
int eo_problems_add(eo_problems_t *p, const char *code, const char *field, const char *ko,
                    const char *en, const char *value);
/* Has a problem been recorded for this field (or a field under it, "member" covers
 * "member.phone")? Lets a later check skip a field already reported. */
bool eo_problems_has(const eo_problems_t *p, const char *field);
/* The error object of the API's one shape (see above); NULL when there is no problem. */
json_t *eo_problems_json(const eo_problems_t *p);

void eo_problems_test(bool verbose);

#endif
