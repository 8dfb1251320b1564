/* intake.c: JSON request bodies -> Request events (see intake.h). */
#include <ctype.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eo_phone.h"
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "intake.h"

static int s_fail(eo_intake_error_t *err, const char *code, const char *ko, const char *en,
                  const char *detail)
{
    err->code = code;
    err->ko = ko;
    int n = snprintf(err->en, sizeof err->en, "%s", en);
    if (detail && n > 0 && (size_t)n < sizeof err->en)
        snprintf(err->en + n, sizeof err->en - (size_t)n, ": %.60s", detail);
    return -1;
}

/* A client key: 1-40 of [A-Za-z0-9_]. */
static bool s_key_ok(const char *key)
{
    size_t n = strlen(key);
    if (n == 0 || n > 40) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)key[i]) && key[i] != '_') return false;
    return true;
}

static const char *s_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int s_parse_times(json_t *root, Eo__Request *out, eo_intake_error_t *err)
{
    const char *start = s_str(root, "start"), *end = s_str(root, "end");
    if (!start || !end)
        return s_fail(err, "missing_field", "시작/종료 시각이 필요합니다",
                      "start and end are required (ISO 8601)", NULL);
    /* only the form here: what the times may be (order, grid, durations, horizon) is the
     * rules', checked by the matcher as the quote checks it, with the same reason */
    if (eo_time_parse(start, &out->start) || eo_time_parse(end, &out->end))
        return s_fail(err, "bad_time", "시각 형식이 잘못되었습니다",
                      "start and end must look like 2026-11-27T21:00[+09:00]", NULL);
    return 0;
}

static int s_parse_place(json_t *root, const eo_dongs_t *dongs, Eo__Request *out,
                         eo_intake_error_t *err)
{
    const char *site = s_str(root, "site");
    int s = site ? eo_dongs_site_find(dongs, site) : -1;
    if (s < 0)
        return s_fail(err, "unknown_site", "서비스 지역이 아닙니다", "unknown site", site);
    json_t *d = json_object_get(root, "dong");
    char code_text[16] = "";
    if (json_is_string(d))
        snprintf(code_text, sizeof code_text, "%s", json_string_value(d));
    else if (json_is_integer(d))
        snprintf(code_text, sizeof code_text, "%lld", (long long)json_integer_value(d));
    const eo_dong_t *dong = eo_dongs_find(dongs, eo_dong_code_parse(code_text));
    if (!dong)
        return s_fail(err, "unknown_dong", "알 수 없는 행정동입니다",
                      "unknown dong (want a 10-digit adm_cd)", code_text[0] ? code_text : NULL);
    if (dong->site != s)
        return s_fail(err, "dong_not_in_site", "해당 지역의 행정동이 아닙니다",
                      "the dong does not belong to the site", code_text);
    out->site = strdup(site);
    out->dong = dong->code;
    return 0;
}

/* A boolean field of obj: absent gives the default; anything but true/false is refused. */
static int s_flag(json_t *obj, const char *key, bool fallback, protobuf_c_boolean *out,
                  eo_intake_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_boolean(v))
        return s_fail(err, "bad_field", "참/거짓 값이어야 합니다", "want true or false", key);
    *out = v ? json_is_true(v) : fallback;
    return 0;
}

/* An optional string field: absent is "", anything but a string is refused. */
static int s_text(json_t *obj, const char *key, char **out, eo_intake_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (v && !json_is_string(v))
        return s_fail(err, "bad_field", "문자열이어야 합니다", "want a string", key);
    *out = strdup(v ? json_string_value(v) : "");
    return 0;
}

/* What the rules need to know of the child, and for 시설형 who hands over and collects.
 * Sizes and characters are the matcher's to check (bad_text, the rules' limits). */
static int s_parse_child(json_t *root, json_t *child, Eo__Request *out, eo_intake_error_t *err)
{
    if (s_flag(child, "sick", false, &out->child_sick, err) ||
        s_flag(child, "severe_disability", false, &out->child_severe_disability, err) ||
        s_flag(child, "preregistered", false, &out->child_preregistered, err) ||
        s_flag(child, "in_school", true, &out->child_in_school, err) ||
        s_flag(child, "sibling_registered", false, &out->child_sibling_registered, err) ||
        s_text(child, "residence", &out->child_residence, err) ||
        s_text(root, "handover", &out->handover, err) ||
        s_text(root, "pickup", &out->pickup, err))
        return -1;
    return 0;
}

static int s_parse_people(json_t *root, Eo__Request *out, eo_intake_error_t *err)
{
    json_t *member = json_object_get(root, "member"), *child = json_object_get(root, "child");
    if (!json_is_object(member) || !s_str(member, "id") || !s_str(member, "phone"))
        return s_fail(err, "missing_field", "회원 정보가 필요합니다",
                      "member.id and member.phone are required", NULL);
    char phone[EO_PHONE_MAX];
    if (eo_phone_normalise(s_str(member, "phone"), phone, sizeof phone) != EO_OK)
        return s_fail(err, "bad_phone", "전화번호 형식이 잘못되었습니다",
                      "member.phone is not a Korean phone number", NULL);
    if (!json_is_object(child) || !s_str(child, "first_name") || !s_str(root, "address"))
        return s_fail(err, "missing_field", "아동 이름과 주소가 필요합니다",
                      "child.first_name and address are required", NULL);
    json_t *age = json_object_get(child, "age_months");
    if (age && (!json_is_integer(age) || json_integer_value(age) < 0 ||
                json_integer_value(age) > 20 * 12))
        return s_fail(err, "bad_field", "아동 나이가 잘못되었습니다",
                      "child.age_months must be a whole number of months", NULL);
    const char *birth = s_str(child, "birth");
    if ((json_object_get(child, "birth") && !birth) ||
        (birth && eo_date_parse(birth, &out->child_birth)))
        return s_fail(err, "bad_field", "아동 생년월일이 잘못되었습니다",
                      "child.birth must look like 2020-05-01", NULL);
    if (!age && !birth)
        return s_fail(err, "missing_field", "아동의 나이나 생년월일이 필요합니다",
                      "child.birth (YYYY-MM-DD) or child.age_months is required", NULL);
    out->member_id = strdup(s_str(member, "id"));
    out->member_phone = strdup(phone); /* E.164: the sms side keys by it */
    out->member_verified = json_is_true(json_object_get(member, "verified"));
    out->child_first_name = strdup(s_str(child, "first_name"));
    out->child_age_months = age ? (uint32_t)json_integer_value(age) : 0;
    out->address = strdup(s_str(root, "address"));
    return s_parse_child(root, child, out, err);
}

int eo_intake_channel(const char *name, Eo__Channel *out)
{
    if (streq(name, "app"))
        *out = EO__CHANNEL__CHANNEL_APP;
    else if (streq(name, "call_centre"))
        *out = EO__CHANNEL__CHANNEL_CALL_CENTRE;
    else if (streq(name, "operator"))
        *out = EO__CHANNEL__CHANNEL_OPERATOR;
    else
        return -1;
    return 0;
}

static int s_parse_kind(json_t *root, Eo__Request *out, eo_intake_error_t *err)
{
    const char *channel = s_str(root, "channel"), *type = s_str(root, "type");
    if (!channel)
        out->channel = EO__CHANNEL__CHANNEL_APP;
    else if (eo_intake_channel(channel, &out->channel))
        return s_fail(err, "bad_field", "접수 경로가 잘못되었습니다",
                      "channel must be app, call_centre or operator", channel);
    if (!type || streq(type, "visit"))
        out->type = EO__SERVICE_TYPE__SERVICE_VISIT;
    else if (streq(type, "facility"))
        out->type = EO__SERVICE_TYPE__SERVICE_FACILITY;
    else
        return s_fail(err, "bad_field", "서비스 유형이 잘못되었습니다",
                      "type must be visit or facility", type);
    json_t *n = json_object_get(root, "carers_needed");
    if (n && (!json_is_integer(n) || json_integer_value(n) < 1 || json_integer_value(n) > 2))
        return s_fail(err, "bad_field", "돌보미 수가 잘못되었습니다",
                      "carers_needed must be 1 or 2", NULL);
    out->carers_needed = n ? (uint32_t)json_integer_value(n) : 1;
    return 0;
}

/* The request id: "<site>-" and 24 hex digits, of a hash of the caller and the client's
 * key when one is given (a retry finds its case; another caller's same key makes another
 * case), else random: never a time and a counter that could be guessed. */
static void s_request_id(const char *site, const char *owner, const char *key, char *out,
                         size_t size)
{
    uint8_t h[SHA256_DIGEST_LENGTH];
    if (key) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s\n%s", owner ? owner : "", key);
        SHA256((const uint8_t *)buf, strlen(buf), h);
    } else if (RAND_bytes(h, 12) != 1)
        abort(); /* no randomness: ids could be guessed */
    static const char hex[] = "0123456789abcdef";
    char digits[25];
    for (int i = 0; i < 12; i++)
        digits[2 * i] = hex[h[i] >> 4], digits[2 * i + 1] = hex[h[i] & 15];
    digits[24] = 0;
    snprintf(out, size, "%s-%s", site, digits);
}

int eo_intake_parse(const char *body, const eo_dongs_t *dongs, int64_t now_ms,
                    const char *owner, Eo__Request *out, eo_intake_error_t *err)
{
    eo__request__init(out);
    json_error_t jerr;
    json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        return s_fail(err, "bad_json", "JSON 형식이 잘못되었습니다",
                      "the body is not a JSON object", root ? NULL : jerr.text);
    }
    const char *key = s_str(root, "id");
    int rc = 0;
    if (json_object_get(root, "id") && (!key || !s_key_ok(key)))
        rc = s_fail(err, "bad_field", "요청 ID가 잘못되었습니다",
                    "id must be 1-40 letters, digits or _", NULL);
    if (rc == 0) rc = s_parse_place(root, dongs, out, err);
    if (rc == 0) rc = s_parse_times(root, out, err);
    if (rc == 0) rc = s_parse_kind(root, out, err);
    if (rc == 0) rc = s_parse_people(root, out, err);
    if (rc == 0) {
        char id[80];
        s_request_id(out->site, owner, key, id, sizeof id);
        out->id = strdup(id);
        out->owner = strdup(owner ? owner : "");
        out->requested_at = now_ms / 1000;
    }
    json_decref(root);
    if (rc) eo_intake_clear(out);
    return rc;
}

void eo_intake_clear(Eo__Request *req)
{
    char **strings[] = {&req->id,           &req->site,
                        &req->owner,        &req->member_id,
                        &req->member_phone, &req->child_first_name,
                        &req->address,      &req->child_residence,
                        &req->handover,     &req->pickup};
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        if (*strings[i] != protobuf_c_empty_string) free(*strings[i]);
        *strings[i] = (char *)protobuf_c_empty_string;
    }
}

int eo_intake_site_of(const char *request_id, char *site, size_t size)
{
    const char *dash = strchr(request_id, '-');
    if (!dash || dash == request_id || (size_t)(dash - request_id) >= size || !dash[1])
        return -1;
    memcpy(site, request_id, (size_t)(dash - request_id));
    site[dash - request_id] = '\0';
    return 0;
}

void eo_intake_test(bool verbose)
{
    if (verbose) printf(" * eo_intake: ");
    char errtext[128];
    eo_dongs_t *dongs = eo_dongs_load_default(errtext, sizeof errtext);
    assert(dongs);
    const char *good =
        "{\"site\":\"suwon\",\"dong\":\"4111156000\",\"start\":\"2026-11-27T21:00\","
        "\"end\":\"2026-11-28T01:00\",\"member\":{\"id\":\"m1\",\"phone\":"
        "\"010-1234-5678\",\"verified\":true},\"child\":{\"first_name\":\"서연\","
        "\"age_months\":48},\"address\":\"수원시 장안구 1\",\"id\":\"abc_1\"}";
    Eo__Request req;
    eo_intake_error_t err;
    assert(eo_intake_parse(good, dongs, 1000, "k1", &req, &err) == 0);
    /* the id: the site and a hash of the caller and the client's key (not the key) */
    assert(strncmp(req.id, "suwon-", 6) == 0 && strlen(req.id) == 6 + 24 &&
           streq(req.site, "suwon"));
    char first[64];
    snprintf(first, sizeof first, "%s", req.id);
    eo_intake_clear(&req);
    assert(eo_intake_parse(good, dongs, 1000, "k1", &req, &err) == 0 && streq(req.id, first));
    eo_intake_clear(&req);
    assert(eo_intake_parse(good, dongs, 1000, "k2", &req, &err) == 0 && !streq(req.id, first));
    assert(req.dong == 4111156000u && req.end - req.start == 4 * 3600);
    assert(req.member_verified && req.carers_needed == 1 && req.child_age_months == 48);
    /* the form only: a time off the half hour is the rules' to refuse (time_grid) */
    assert(req.child_in_school && !req.child_sick && streq(req.handover, ""));
    assert(streq(req.member_phone, "+821012345678"));
    assert(req.channel == EO__CHANNEL__CHANNEL_APP &&
           req.type == EO__SERVICE_TYPE__SERVICE_VISIT);
    eo_intake_clear(&req);
    char site[16];
    assert(eo_intake_site_of("suwon-abc", site, sizeof site) == 0 && streq(site, "suwon"));
    assert(eo_intake_site_of("nodash", site, sizeof site) == -1);
    assert(eo_intake_site_of("-x", site, sizeof site) == -1);

    /* Each bad body gets its own code and nothing is allocated. */
    struct {
        const char *from, *to, *code;
    } bad[] = {
        {"\"site\":\"suwon\"", "\"site\":\"seoul\"", "unknown_site"},
        {"4111156000", "4111199999", "unknown_dong"},
        {"4111156000", "4159025300", "dong_not_in_site"},
        {"2026-11-27T21:00", "tomorrow", "bad_time"},
        {"\"age_months\":48", "\"birth\":\"2020-13-01\"", "bad_field"},
        {"\"age_months\":48", "\"sick\":1", "missing_field"},
        {"\"age_months\":48", "\"age_months\":48,\"sick\":\"yes\"", "bad_field"},
        {"\"verified\":true", "\"verified\":true},\"handover\":{\"x\":1", "bad_field"},
        {"010-1234-5678", "call me", "bad_phone"},
        {"\"age_months\":48", "\"age_months\":-1", "bad_field"},
        {"\"id\":\"abc_1\"", "\"id\":\"a b\"", "bad_field"},
        {"\"address\"", "\"addr\"", "missing_field"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *text = strdup(good), *at = strstr(text, bad[i].from);
        assert(at);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, bad[i].to,
                 at + strlen(bad[i].from));
        assert(eo_intake_parse(buf, dongs, 1000, "k1", &req, &err) == -1);
        assert(streq(err.code, bad[i].code));
        free(text);
    }
    assert(eo_intake_parse("{not json", dongs, 1000, "k1", &req, &err) == -1);
    assert(streq(err.code, "bad_json"));
    assert(eo_intake_parse("[1,2]", dongs, 1000, "k1", &req, &err) == -1);
    assert(eo_intake_parse("", dongs, 1000, "k1", &req, &err) == -1);
    eo_dongs_destroy(&dongs);
    if (verbose) printf("OK\n");
}
