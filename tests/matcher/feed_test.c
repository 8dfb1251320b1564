/* matcher.feed: the change feed of a case store (src/cases/feed.c) through the query
 * "feed" the gateway asks: each lifecycle step is a row, in decision order, of its own
 * site only; a read without a position gives the newest; limit pages; carers keeps the
 * steps that name a carer, owner the requests of one caller; malformed arguments are
 * refused, and nothing personal is in a row. */
#include <jansson.h>
#include <string.h>

#include "fixture.h"

/* The query's answer, or NULL with the refusal's code in code. */
static json_t *s_feed(fx_t *fx, const char *args, char *code, size_t size)
{
    Eo__Query q = EO__QUERY__INIT;
    q.what = "feed";
    q.args = (char *)args;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "q-feed";
    ev.site = "suwon";
    ev.at_ms = fx->now_ms;
    ev.body_case = EO__EVENT__BODY_QUERY;
    ev.query = &q;
    size_t n;
    uint8_t *b = eo_event_encode(&ev, &n);
    int rc;
    Eo__Event *back = fx_apply(fx, b, n, &rc);
    free(b);
    assert((rc == EO_OK || rc == EO_EREFUSED) && back);
    json_t *out = NULL;
    code[0] = 0;
    if (back->body_case == EO__EVENT__BODY_QUERY_RESULT)
        out = json_loads(back->query_result->json, 0, NULL);
    else if (back->body_case == EO__EVENT__BODY_STATUS && back->status->error)
        snprintf(code, size, "%s", back->status->error->code);
    eo_event_free(&back);
    return out;
}

/* "type:request" of each item, space-separated. */
static void s_types(json_t *answer, char *out, size_t size)
{
    size_t i, at = 0;
    json_t *e;
    out[0] = 0;
    json_array_foreach(json_object_get(answer, "items"), i, e) at +=
        (size_t)snprintf(out + at, size - at, "%s%s:%s", i ? " " : "",
                         json_string_value(json_object_get(e, "type")),
                         json_string_value(json_object_get(e, "request_id")));
}

static json_int_t s_next(json_t *answer)
{
    return json_integer_value(json_object_get(answer, "next"));
}

int main(void)
{
    fx_t *fx = fx_new("feed", true, NULL);
    fx_carers(fx, 3);
    char code[64], types[1024];
    json_t *head = s_feed(fx, "{\"site\":\"suwon\"}", code, sizeof code);
    assert(head && json_array_size(json_object_get(head, "items")) == 0);
    json_int_t start = s_next(head);
    json_decref(head);

    /* a suwon case offered and settled; a guri case in the same store */
    int64_t t0 = fx->now_ms / 1000;
    size_t n;
    uint8_t *b = fx_request(fx, "a", t0 + 4 * 3600, 2, 1, &n);
    fx_apply_ok(fx, b, n);
    b = fx_answer("a", 2, true, "mo-a", &n);
    fx_apply_ok(fx, b, n);
    assert(fx_case(fx, "a").state == EO_CASE_SETTLED);
    size_t ng;
    const eo_dong_t *const *guri =
        eo_dongs_of_site(fx->dongs, eo_dongs_site_find(fx->dongs, "guri"), &ng);
    b = fx_request_as("g", "guri", guri[0]->code, t0 + 4 * 3600, t0 + 6 * 3600, "+821077778888",
                      "하린", "구리시 비밀로 3", &n);
    fx_apply_ok(fx, b, n);

    char args[256];
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld}", (long long)start);
    json_t *all = s_feed(fx, args, code, sizeof code);
    s_types(all, types, sizeof types);
    assert(streq(types, "created:a offered:a accept:a settled:a"));
    json_t *settled = json_array_get(json_object_get(all, "items"), 3);
    assert(streq(json_string_value(json_object_get(settled, "state")), "settled"));
    assert(json_integer_value(json_object_get(settled, "wave")) == 1);
    assert(json_integer_value(json_array_get(json_object_get(settled, "winners"), 0)) == 2);
    char id[64];
    snprintf(id, sizeof id, "suwon-%lld",
             (long long)json_integer_value(json_object_get(settled, "seq")));
    assert(streq(json_string_value(json_object_get(settled, "id")), id));
    char *text = json_dumps(all, 0);
    assert(!strstr(text, "+8210") && !strstr(text, "하린") && !strstr(text, "비밀로"));
    free(text);
    /* next passed over guri's rows: asking again from it finds nothing new */
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld}", (long long)s_next(all));
    json_t *none = s_feed(fx, args, code, sizeof code);
    assert(json_array_size(json_object_get(none, "items")) == 0 && s_next(none) == s_next(all));
    json_decref(none);

    /* guri's own rows, and none of suwon's */
    snprintf(args, sizeof args, "{\"site\":\"guri\",\"since\":%lld}", (long long)start);
    json_t *g = s_feed(fx, args, code, sizeof code);
    s_types(g, types, sizeof types);
    assert(strncmp(types, "created:g", 9) == 0 && !strstr(types, ":a"));
    json_decref(g);

    /* pages: two, then from the second's seq the rest */
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld,\"limit\":2}",
             (long long)start);
    json_t *page = s_feed(fx, args, code, sizeof code);
    s_types(page, types, sizeof types);
    assert(streq(types, "created:a offered:a"));
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld}", (long long)s_next(page));
    json_t *rest = s_feed(fx, args, code, sizeof code);
    s_types(rest, types, sizeof types);
    assert(streq(types, "accept:a settled:a"));
    json_decref(page);
    json_decref(rest);

    /* a carers' app: the steps that name a carer; another caller's requests: none */
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld,\"carers\":true}",
             (long long)start);
    json_t *carers = s_feed(fx, args, code, sizeof code);
    s_types(carers, types, sizeof types);
    assert(streq(types, "offered:a accept:a settled:a"));
    json_decref(carers);
    snprintf(args, sizeof args, "{\"site\":\"suwon\",\"since\":%lld,\"owner\":\"k-other\"}",
             (long long)start);
    json_t *other = s_feed(fx, args, code, sizeof code);
    assert(json_array_size(json_object_get(other, "items")) == 0);
    json_decref(other);

    /* malformed arguments are refused */
    const char *bad[] = {"{}",
                         "{\"site\":\"suwon\",\"since\":-1}",
                         "{\"site\":\"suwon\",\"limit\":0}",
                         "{\"site\":\"suwon\",\"limit\":501}",
                         "{\"site\":1}",
                         "{\"site\":\"suwon\",\"owner\":3}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert(s_feed(fx, bad[i], code, sizeof code) == NULL);
        assert(streq(code, "bad_query"));
    }
    json_decref(all);
    fx_check_ok(fx);
    fx_destroy(&fx);
    printf("matcher.feed: OK\n");
    return 0;
}
