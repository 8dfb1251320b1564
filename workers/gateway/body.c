/* body.c: checking a JSON body against its table of fields (see body.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "body.h"

static const char *s_type_name(eo_jtype_t t)
{
    static const char *names[] = {
        "any",           "a string",  "a whole number", "a number",
        "true or false", "an object", "an array",       "a string or a whole number"};
    return t <= EO_JSON_CODE ? names[t] : "?";
}

static bool s_type_ok(json_t *v, eo_jtype_t t)
{
    switch (t) {
    case EO_JSON_ANY:
        return true;
    case EO_JSON_STRING:
        return json_is_string(v);
    case EO_JSON_INTEGER:
        return json_is_integer(v);
    case EO_JSON_NUMBER:
        return json_is_number(v);
    case EO_JSON_BOOL:
        return json_is_boolean(v);
    case EO_JSON_OBJECT:
        return json_is_object(v);
    case EO_JSON_ARRAY:
        return json_is_array(v);
    case EO_JSON_CODE:
        return json_is_string(v) || json_is_integer(v);
    }
    return false;
}

static const eo_field_t *s_find(const eo_field_t *spec, const char *name)
{
    for (; spec->name; spec++)
        if (strcmp(spec->name, name) == 0) return spec;
    return NULL;
}

static void s_path(char *out, size_t size, const char *prefix, const char *name)
{
    snprintf(out, size, "%s%s%s", prefix, *prefix ? "." : "", name);
}

static size_t s_check_value(json_t *v, const eo_field_t *f, const char *path, eo_problems_t *p)
{
    if (!s_type_ok(v, f->type)) {
        char en[96];
        snprintf(en, sizeof en, "must be %s", s_type_name(f->type));
        eo_problems_add(p, "bad_type", path, "값의 형식이 잘못되었습니다", en, path);
        return 1;
    }
    if (!f->fields) return 0;
    if (f->type == EO_JSON_OBJECT) return eo_body_check(v, f->fields, path, p);
    size_t n = 0, i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char at[160];
        snprintf(at, sizeof at, "%s[%zu]", path, i);
        if (!json_is_object(item)) {
            n++;
            eo_problems_add(p, "bad_type", at, "값의 형식이 잘못되었습니다",
                            "must be an object", at);
        } else
            n += eo_body_check(item, f->fields, at, p);
    }
    return n;
}

size_t eo_body_check(json_t *obj, const eo_field_t *spec, const char *prefix, eo_problems_t *p)
{
    size_t n = 0;
    const char *key;
    json_t *v;
    char path[128];
    json_object_foreach(obj, key, v)
    {
        s_path(path, sizeof path, prefix, key);
        const eo_field_t *f = s_find(spec, key);
        if (!f) {
            n++;
            eo_problems_add(p, "unknown_field", path, "알 수 없는 항목입니다", "unknown field",
                            path);
        } else
            n += s_check_value(v, f, path, p);
    }
    for (const eo_field_t *f = spec; f->name; f++) {
        if (!f->required || json_object_get(obj, f->name)) continue;
        s_path(path, sizeof path, prefix, f->name);
        n++;
        eo_problems_add(p, "missing_field", path, "필수 항목이 없습니다",
                        "a required field is missing", path);
    }
    return n;
}

json_t *eo_body_parse(const char *text, const eo_field_t *spec, eo_problems_t *p)
{
    json_error_t jerr;
    json_t *root = json_loads(text ? text : "", JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        eo_problems_add(p, "bad_json", NULL, "JSON 형식이 잘못되었습니다",
                        "the body is not a JSON object", root ? NULL : jerr.text);
        json_decref(root);
        return NULL;
    }
    eo_body_check(root, spec, "", p);
    return root;
}

const char *eo_body_str(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

void eo_body_test(bool verbose)
{
    if (verbose) printf(" * eo_body: ");
    static const eo_field_t child[] = {
        {"first_name", EO_JSON_STRING, true}, {"age_months", EO_JSON_INTEGER}, {NULL}};
    static const eo_field_t spec[] = {{"site", EO_JSON_STRING, true},
                                      {"dong", EO_JSON_CODE, true},
                                      {"child", EO_JSON_OBJECT, true, child},
                                      {"kids", EO_JSON_ARRAY, false, child},
                                      {NULL}};
    eo_problems_t p = {0};
    json_t *j = eo_body_parse("{\"site\":\"suwon\",\"dong\":4111156000,"
                              "\"child\":{\"first_name\":\"서연\"}}",
                              spec, &p);
    assert(j && p.n == 0);
    json_decref(j);
    /* every fault at once: an unknown field at the top and inside, a wrong type, a
     * missing field, an array item that is not an object */
    j = eo_body_parse("{\"site\":1,\"sitee\":\"x\",\"child\":{\"age_months\":\"3\",\"nick\":1},"
                      "\"kids\":[{\"first_name\":\"a\"},2]}",
                      spec, &p);
    assert(j);
    json_decref(j);
    assert(eo_problems_has(&p, "site") && eo_problems_has(&p, "sitee"));
    assert(eo_problems_has(&p, "child.age_months") && eo_problems_has(&p, "child.nick"));
    assert(eo_problems_has(&p, "child.first_name") && eo_problems_has(&p, "dong"));
    assert(eo_problems_has(&p, "kids[1]") && !eo_problems_has(&p, "kids[0]"));
    assert(p.n == 7);
    eo_problems_t q = {0};
    assert(!eo_body_parse("[1]", spec, &q) && q.n == 1 &&
           strcmp(q.items[0].code, "bad_json") == 0);
    if (verbose) printf("OK\n");
}
