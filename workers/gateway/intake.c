/* intake.c: JSON request bodies -> Request events (see intake.h). */
#include <ctype.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_phone.h"
#include <openssl/rand.h>

#include "intake.h"
#include "eonjena/eo_sha256.h"

static const eo_field_t s_member[] = {{"id", EO_JSON_STRING, true},
                                      {"phone", EO_JSON_STRING, true},
                                      {"verified", EO_JSON_BOOL},
                                      {NULL}};
static const eo_field_t s_child[] = {{"id", EO_JSON_STRING},
                                     {"first_name", EO_JSON_STRING, true},
                                     {"age_months", EO_JSON_INTEGER},
                                     {"birth", EO_JSON_STRING},
                                     {"residence", EO_JSON_STRING},
                                     {"sick", EO_JSON_BOOL},
                                     {"severe_disability", EO_JSON_BOOL},
                                     {"preregistered", EO_JSON_BOOL},
                                     {"in_school", EO_JSON_BOOL},
                                     {"sibling_registered", EO_JSON_BOOL},
                                     {NULL}};
static const eo_field_t s_request[] = {{"id", EO_JSON_STRING},
                                       {"site", EO_JSON_STRING, true},
                                       {"dong", EO_JSON_CODE, true},
                                       {"start", EO_JSON_STRING, true},
                                       {"end", EO_JSON_STRING, true},
                                       {"carers_needed", EO_JSON_INTEGER},
                                       {"channel", EO_JSON_STRING},
                                       {"type", EO_JSON_STRING},
                                       {"member", EO_JSON_OBJECT, true, s_member},
                                       {"child", EO_JSON_OBJECT, true, s_child},
                                       {"address", EO_JSON_STRING, true},
                                       {"handover", EO_JSON_STRING},
                                       {"pickup", EO_JSON_STRING},
                                       {NULL}};

const eo_field_t *eo_intake_fields(void)
{
    return s_request;
}

bool eo_intake_key_ok(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > EO_INTAKE_KEY_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)key[i]) && key[i] != '_' && key[i] != '-') return false;
    return true;
}

static const char *s_str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A time field: parsed, on the half hour; problems name it. */
static void s_time(json_t *root, const char *name, int64_t *out, eo_problems_t *p)
{
    const char *text = s_str(root, name);
    if (!text || eo_problems_has(p, name)) return;
    /* only the form here: what the times may be (order, grid, durations, horizon) is the
     * rules', checked by the matcher as the quote checks it, with the same reason */
    if (eo_time_parse(text, out))
        eo_problems_add(p, "bad_time", name, "시각 형식이 잘못되었습니다 (2026-11-27T21:00)",
                        "want a time like 2026-11-27T21:00[+09:00]", text);
}

static void s_parse_times(json_t *root, Eo__Request *out, eo_problems_t *p)
{
    s_time(root, "start", &out->start, p);
    s_time(root, "end", &out->end, p);
}

static void s_parse_place(json_t *root, const eo_dongs_t *dongs, Eo__Request *out,
                          eo_problems_t *p)
{
    const char *site = s_str(root, "site");
    int s = site ? eo_dongs_site_find(dongs, site) : -1;
    if (site && s < 0)
        eo_problems_add(p, "unknown_site", "site", "서비스 지역이 아닙니다", "unknown site",
                        site);
    json_t *d = json_object_get(root, "dong");
    char code_text[24] = "";
    if (json_is_string(d))
        snprintf(code_text, sizeof code_text, "%.20s", json_string_value(d));
    else if (json_is_integer(d))
        snprintf(code_text, sizeof code_text, "%lld", (long long)json_integer_value(d));
    if (!d || eo_problems_has(p, "dong")) return;
    const eo_dong_t *dong = eo_dongs_find(dongs, eo_dong_code_parse(code_text));
    if (!dong)
        eo_problems_add(p, "unknown_dong", "dong",
                        "알 수 없는 행정동입니다 (10자리 행정동 코드)",
                        "unknown dong (want a 10-digit adm_cd)", code_text);
    else if (s >= 0 && dong->site != s)
        eo_problems_add(p, "dong_not_in_site", "dong", "해당 지역의 행정동이 아닙니다",
                        "the dong does not belong to the site", code_text);
    if (s >= 0 && dong && dong->site == s) {
        out->site = strdup(site);
        out->dong = dong->code;
    }
}

/* What the rules need to know of the child, and for 시설형 who hands over and collects
 * (the types are checked by the body's spec). Sizes and characters are the matcher's to
 * check (bad_text, the rules' limits). */
static void s_parse_child(json_t *root, json_t *child, Eo__Request *out)
{
    json_t *in_school = json_object_get(child, "in_school");
    out->child_sick = json_is_true(json_object_get(child, "sick"));
    out->child_severe_disability = json_is_true(json_object_get(child, "severe_disability"));
    out->child_preregistered = json_is_true(json_object_get(child, "preregistered"));
    out->child_in_school = in_school ? json_is_true(in_school) : true;
    out->child_sibling_registered = json_is_true(json_object_get(child, "sibling_registered"));
    const char *residence = s_str(child, "residence"), *handover = s_str(root, "handover"),
               *pickup = s_str(root, "pickup");
    out->child_residence = strdup(residence ? residence : "");
    out->handover = strdup(handover ? handover : "");
    out->pickup = strdup(pickup ? pickup : "");
}

static void s_parse_people(json_t *root, Eo__Request *out, eo_problems_t *p)
{
    json_t *member = json_object_get(root, "member"), *child = json_object_get(root, "child");
    const char *phone_text = s_str(member, "phone"), *member_id = s_str(member, "id");
    char phone[EO_PHONE_MAX] = "";
    if (member_id && (!*member_id || strlen(member_id) >= 64))
        eo_problems_add(p, "bad_field", "member.id", "회원 ID는 1-63바이트입니다",
                        "member.id must be 1-63 bytes", member_id);
    if (phone_text && eo_phone_normalise(phone_text, phone, sizeof phone) != EO_OK)
        eo_problems_add(p, "bad_phone", "member.phone", "전화번호 형식이 잘못되었습니다",
                        "member.phone is not a Korean phone number", phone_text);
    json_t *age = json_object_get(child, "age_months");
    if (json_is_integer(age) &&
        (json_integer_value(age) < 0 || json_integer_value(age) > 20 * 12)) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)json_integer_value(age));
        eo_problems_add(p, "bad_field", "child.age_months", "아동 나이(개월)가 잘못되었습니다",
                        "child.age_months must be 0-240", v);
    }
    const char *birth = s_str(child, "birth");
    if (birth && eo_date_parse(birth, &out->child_birth))
        eo_problems_add(p, "bad_field", "child.birth", "아동 생년월일이 잘못되었습니다",
                        "child.birth must look like 2020-05-01", birth);
    /* a registered child (child.id) has its age in the member's record */
    if (json_is_object(child) && !age && !json_object_get(child, "birth") &&
        !s_str(child, "id"))
        eo_problems_add(p, "missing_field", "child.birth",
                        "아동의 나이나 생년월일이 필요합니다",
                        "child.birth (YYYY-MM-DD) or child.age_months is required", NULL);
    const char *first = s_str(child, "first_name"), *address = s_str(root, "address");
    if (first && !*first)
        eo_problems_add(p, "bad_field", "child.first_name", "아동 이름이 비어 있습니다",
                        "child.first_name is empty", NULL);
    if (address && !*address)
        eo_problems_add(p, "bad_field", "address", "주소가 비어 있습니다", "address is empty",
                        NULL);
    if (p->n) return;
    out->member_id = strdup(member_id);
    out->member_phone = strdup(phone); /* E.164: the sms side keys by it */
    out->member_verified = json_is_true(json_object_get(member, "verified"));
    out->child_first_name = strdup(first);
    /* a registered child: the member's record gives the age (the matcher looks it up) */
    out->child_id = strdup(s_str(child, "id") ? s_str(child, "id") : "");
    out->child_age_months = age ? (uint32_t)json_integer_value(age) : 0;
    out->address = strdup(address);
    s_parse_child(root, child, out);
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

static void s_parse_kind(json_t *root, Eo__Request *out, eo_problems_t *p)
{
    const char *channel = s_str(root, "channel"), *type = s_str(root, "type");
    out->channel = EO__CHANNEL__CHANNEL_APP;
    if (channel && eo_intake_channel(channel, &out->channel))
        eo_problems_add(p, "bad_field", "channel",
                        "접수 경로는 app, call_centre, operator 중 하나입니다",
                        "channel must be app, call_centre or operator", channel);
    out->type = EO__SERVICE_TYPE__SERVICE_VISIT;
    if (type && streq(type, "facility"))
        out->type = EO__SERVICE_TYPE__SERVICE_FACILITY;
    else if (type && !streq(type, "visit"))
        eo_problems_add(p, "bad_field", "type", "서비스 유형은 visit 또는 facility입니다",
                        "type must be visit or facility", type);
    json_t *n = json_object_get(root, "carers_needed");
    out->carers_needed = json_is_integer(n) ? (uint32_t)json_integer_value(n) : 1;
    if (json_is_integer(n) && json_integer_value(n) != 1 && json_integer_value(n) != 2) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)json_integer_value(n));
        eo_problems_add(p, "bad_field", "carers_needed", "돌보미 수는 1 또는 2입니다",
                        "carers_needed must be 1 or 2", v);
    }
}

/* The request id: "<site>-" and 24 hex digits, of a hash of the caller and the client's
 * key when one is given (a retry finds its case; another caller's same key makes another
 * case), else random: never a time and a counter that could be guessed. */
static void s_request_id(const char *site, const char *owner, const char *key, char *out,
                         size_t size)
{
    uint8_t h[EO_SHA256_LEN];
    if (key) {
        char buf[300];
        snprintf(buf, sizeof buf, "%s\n%.64s", owner ? owner : "", key);
        eo_sha256(buf, strlen(buf), h);
    } else if (RAND_bytes(h, 12) != 1)
        abort(); /* no randomness: ids could be guessed */
    static const char hex[] = "0123456789abcdef";
    char digits[25];
    for (int i = 0; i < 12; i++)
        digits[2 * i] = hex[h[i] >> 4], digits[2 * i + 1] = hex[h[i] & 15];
    digits[24] = 0;
    snprintf(out, size, "%s-%s", site, digits);
}

/* The request's digest: SHA-256 of what was asked (the Request without its id, owner,
 * arrival time and digest), so that a key sent again with another body is told apart
 * from a retry (409 idempotency_conflict) whatever the JSON's spelling. */
static void s_digest(Eo__Request *r)
{
    Eo__Request copy = *r;
    copy.id = copy.owner = (char *)protobuf_c_empty_string;
    copy.requested_at = 0;
    copy.digest = (ProtobufCBinaryData){0, NULL};
    size_t n = eo__request__get_packed_size(&copy);
    uint8_t *buf = malloc(n ? n : 1), *d = malloc(EO_SHA256_LEN);
    if (!buf || !d) abort(); /* a few hundred bytes */
    eo__request__pack(&copy, buf);
    eo_sha256(buf, n, d);
    free(buf);
    r->digest = (ProtobufCBinaryData){EO_SHA256_LEN, d};
}

/* The client's key: the Idempotency-Key header or the body's "id"; both must agree. */
static const char *s_key(json_t *root, const char *header, eo_problems_t *p)
{
    const char *body = s_str(root, "id");
    if (header && !eo_intake_key_ok(header))
        eo_problems_add(p, "bad_field", "Idempotency-Key",
                        "Idempotency-Key는 영문, 숫자, _, - 로 된 1-64자입니다 (UUID 가능)",
                        "Idempotency-Key must be 1-64 of letters, digits, _ and - (a UUID)",
                        header);
    if (body && !eo_intake_key_ok(body))
        eo_problems_add(p, "bad_field", "id", "요청 ID는 영문, 숫자, _, - 로 된 1-64자입니다",
                        "id must be 1-64 of letters, digits, _ and - (a UUID)", body);
    if (header && body && !streq(header, body))
        eo_problems_add(p, "bad_field", "id", "요청 ID가 Idempotency-Key와 다릅니다",
                        "id differs from the Idempotency-Key header", body);
    return header ? header : body;
}

int eo_intake_parse(const char *body, const eo_dongs_t *dongs, int64_t now_ms,
                    const char *owner, const char *key_header, Eo__Request *out,
                    eo_intake_error_t *err)
{
    eo__request__init(out);
    memset(err, 0, sizeof *err);
    json_t *root = eo_body_parse(body, s_request, err);
    if (!root) return -1;
    const char *key = s_key(root, key_header, err);
    s_parse_place(root, dongs, out, err);
    s_parse_times(root, out, err);
    s_parse_kind(root, out, err);
    s_parse_people(root, out, err);
    if (err->n == 0) {
        char id[80];
        s_request_id(out->site, owner, key, id, sizeof id);
        out->id = strdup(id);
        out->owner = strdup(owner ? owner : "");
        out->requested_at = now_ms / 1000;
        s_digest(out);
    }
    json_decref(root);
    if (err->n) eo_intake_clear(out);
    return err->n ? -1 : 0;
}

void eo_intake_clear(Eo__Request *req)
{
    free(req->digest.data);
    req->digest = (ProtobufCBinaryData){0, NULL};
    char **strings[] = {&req->id,        &req->site,         &req->owner,
                        &req->member_id, &req->member_phone, &req->child_first_name,
                        &req->address,   &req->child_id,     &req->child_residence,
                        &req->handover,  &req->pickup};
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

/* Is there a problem with this code (and this field, when given)? */
static bool s_has(const eo_intake_error_t *err, const char *code, const char *field)
{
    for (size_t i = 0; i < err->n; i++)
        if (streq(err->items[i].code, code) && (!field || streq(err->items[i].field, field)))
            return true;
    return false;
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
    assert(eo_intake_parse(good, dongs, 1000, "k1", NULL, &req, &err) == 0);
    /* the id: the site and a hash of the caller and the client's key (not the key) */
    assert(strncmp(req.id, "suwon-", 6) == 0 && strlen(req.id) == 6 + 24 &&
           streq(req.site, "suwon"));
    char first[64];
    snprintf(first, sizeof first, "%s", req.id);
    uint8_t digest[32];
    assert(req.digest.len == 32);
    memcpy(digest, req.digest.data, 32);
    eo_intake_clear(&req);
    assert(eo_intake_parse(good, dongs, 1000, "k1", NULL, &req, &err) == 0 &&
           streq(req.id, first));
    eo_intake_clear(&req);
    /* the header names the same key: the same request */
    assert(eo_intake_parse(good, dongs, 1000, "k1", "abc_1", &req, &err) == 0 &&
           streq(req.id, first) && memcmp(req.digest.data, digest, 32) == 0);
    eo_intake_clear(&req);
    assert(eo_intake_parse(good, dongs, 5000, "k2", NULL, &req, &err) == 0 &&
           !streq(req.id, first));
    /* another caller, another arrival time: what was asked is the same, so is the digest */
    assert(memcmp(req.digest.data, digest, 32) == 0);
    assert(req.dong == 4111156000u && req.end - req.start == 4 * 3600);
    assert(req.member_verified && req.carers_needed == 1 && req.child_age_months == 48);
    /* the form only: a time off the half hour is the rules' to refuse (time_grid) */
    assert(req.child_in_school && !req.child_sick && streq(req.handover, ""));
    assert(streq(req.member_phone, "+821012345678"));
    assert(req.channel == EO__CHANNEL__CHANNEL_APP &&
           req.type == EO__SERVICE_TYPE__SERVICE_VISIT);
    eo_intake_clear(&req);
    /* a UUID is a key; a key in the header and another in the body are refused */
    const char *uuid = "0b6f3c2e-9d7a-4f5e-8c1b-2a3d4e5f6a7b";
    assert(eo_intake_key_ok(uuid) && !eo_intake_key_ok("a b") && !eo_intake_key_ok(""));
    assert(eo_intake_parse(good, dongs, 1000, "k1", uuid, &req, &err) == -1 &&
           s_has(&err, "bad_field", "id"));
    char site[16];
    assert(eo_intake_site_of("suwon-abc", site, sizeof site) == 0 && streq(site, "suwon"));
    assert(eo_intake_site_of("nodash", site, sizeof site) == -1);
    assert(eo_intake_site_of("-x", site, sizeof site) == -1);

    /* Each bad body gets its own code, naming the field, and nothing is allocated. */
    struct {
        const char *from, *to, *code, *field;
    } bad[] = {
        {"\"site\":\"suwon\"", "\"site\":\"seoul\"", "unknown_site", "site"},
        {"4111156000", "4111199999", "unknown_dong", "dong"},
        {"4111156000", "4159025300", "dong_not_in_site", "dong"},
        {"2026-11-27T21:00", "tomorrow", "bad_time", "start"},
        {"2026-11-28T01:00", "later", "bad_time", "end"},
        {"\"age_months\":48", "\"birth\":\"2020-13-01\"", "bad_field", "child.birth"},
        {"\"age_months\":48", "\"sick\":1", "missing_field", "child.birth"},
        {"\"age_months\":48", "\"age_months\":48,\"sick\":\"yes\"", "bad_type", "child.sick"},
        {"\"verified\":true", "\"verified\":true},\"handover\":{\"x\":1", "bad_type",
         "handover"},
        {"010-1234-5678", "call me", "bad_phone", "member.phone"},
        {"\"age_months\":48", "\"age_months\":-1", "bad_field", "child.age_months"},
        {"\"id\":\"abc_1\"", "\"id\":\"a b\"", "bad_field", "id"},
        {"\"address\"", "\"addr\"", "missing_field", "address"},
        {"\"address\"", "\"addr\"", "unknown_field", "addr"},
        {"\"verified\":true", "\"verified\":\"yes\"", "bad_type", "member.verified"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *text = strdup(good), *at = strstr(text, bad[i].from);
        assert(at);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, bad[i].to,
                 at + strlen(bad[i].from));
        assert(eo_intake_parse(buf, dongs, 1000, "k1", NULL, &req, &err) == -1);
        assert(s_has(&err, bad[i].code, bad[i].field));
        free(text);
    }
    /* every invalid field at once, the offending values named in both languages */
    const char *worse =
        "{\"site\":\"suwon\",\"dong\":\"4111199999\",\"start\":\"tomorrow\","
        "\"end\":\"2026-11-28T01:00\",\"member\":{\"id\":\"m1\",\"phone\":\"call me\"},"
        "\"child\":{\"first_name\":\"서연\",\"age_months\":48},\"address\":\"x\",\"colour\":"
        "\"red\"}";
    assert(eo_intake_parse(worse, dongs, 1000, "k1", NULL, &req, &err) == -1);
    assert(s_has(&err, "unknown_dong", "dong") && s_has(&err, "bad_time", "start") &&
           s_has(&err, "bad_phone", "member.phone") && s_has(&err, "unknown_field", "colour"));
    assert(err.n == 4 && strstr(err.items[0].ko, "colour") &&
           strstr(err.items[0].en, "colour"));
    assert(eo_intake_parse("{not json", dongs, 1000, "k1", NULL, &req, &err) == -1);
    assert(s_has(&err, "bad_json", NULL));
    assert(eo_intake_parse("[1,2]", dongs, 1000, "k1", NULL, &req, &err) == -1);
    assert(eo_intake_parse("", dongs, 1000, "k1", NULL, &req, &err) == -1);
    eo_dongs_destroy(&dongs);
    if (verbose) printf("OK\n");
}
