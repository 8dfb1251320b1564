/* problems.c: every fault of a request, answered at once (see problems.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "problems.h"

/* Copy at most max bytes of a UTF-8 text without cutting a character in two. */
static void s_cut(const char *text, size_t max, char *out)
{
    size_t n = strlen(text);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, text, n);
    out[n] = 0;
}

static void s_text(char *out, const char *message, const char *value)
{
    char v[64];
    if (!value) {
        snprintf(out, EO_PROBLEM_TEXT, "%s", message);
        return;
    }
    s_cut(value, 60, v);
    snprintf(out, EO_PROBLEM_TEXT, "%s: %s", message, v);
}

int eo_problems_add(eo_problems_t *p, const char *code, const char *field, const char *ko,
                    const char *en, const char *value)
{
    if (p->n >= EO_PROBLEMS_MAX) return -1;
    eo_problem_t *it = &p->items[p->n++];
    it->code = code;
    snprintf(it->field, sizeof it->field, "%s", field ? field : "");
    s_text(it->ko, ko, value);
    s_text(it->en, en, value);
    return -1;
}

bool eo_problems_has(const eo_problems_t *p, const char *field)
{
    size_t n = strlen(field);
    for (size_t i = 0; i < p->n; i++) {
        const char *f = p->items[i].field;
        if (strncmp(f, field, n) == 0 && (f[n] == 0 || f[n] == '.' || f[n] == '[')) return true;
    }
    return false;
}

static json_t *s_one(const eo_problem_t *it)
{
    return json_pack("{s:s,s:s,s:s,s:o}", "code", it->code, "message_ko", it->ko, "message_en",
                     it->en, "field", *it->field ? json_string(it->field) : json_null());
}

json_t *eo_problems_json(const eo_problems_t *p)
{
    if (p->n == 0) return NULL;
    json_t *error = s_one(&p->items[0]), *details = json_array();
    for (size_t i = 0; i < p->n; i++)
        json_array_append_new(details, s_one(&p->items[i]));
    json_object_set_new(error, "details", details);
    return json_pack("{s:o}", "error", error);
}

void eo_problems_test(bool verbose)
{
    if (verbose) printf(" * eo_problems: ");
    eo_problems_t p = {0};
    assert(eo_problems_json(&p) == NULL);
    assert(eo_problems_add(&p, "unknown_dong", "dong", "알 수 없는 행정동입니다",
                           "unknown dong", "4111199999") == -1);
    eo_problems_add(&p, "bad_phone", "member.phone", "전화번호 형식이 잘못되었습니다",
                    "not a phone number", NULL);
    assert(eo_problems_has(&p, "member") && eo_problems_has(&p, "member.phone"));
    assert(!eo_problems_has(&p, "mem") && !eo_problems_has(&p, "child"));
    json_t *j = eo_problems_json(&p);
    json_t *e = json_object_get(j, "error");
    assert(strcmp(json_string_value(json_object_get(e, "code")), "unknown_dong") == 0);
    assert(strstr(json_string_value(json_object_get(e, "message_ko")), "4111199999"));
    assert(strstr(json_string_value(json_object_get(e, "message_en")), "4111199999"));
    assert(json_array_size(json_object_get(e, "details")) == 2);
    json_decref(j);
    /* a long value is cut on a character boundary */
    eo_problems_t q = {0};
    eo_problems_add(&q, "x", "f", "가", "a",
                    "가나다라마바사아자차카타파하가나다라마바사아자차카타파하");
    assert(strlen(q.items[0].ko) <= strlen("가: ") + 60);
    for (int i = 0; i < EO_PROBLEMS_MAX + 3; i++)
        eo_problems_add(&q, "x", "f", "k", "e", NULL);
    assert(q.n == EO_PROBLEMS_MAX);
    if (verbose) printf("OK\n");
}
