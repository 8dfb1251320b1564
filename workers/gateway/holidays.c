/* holidays.c: the holiday calendar over the API, the same file `eonjena holiday` edits.
 *   GET    /v1/holidays[?from=YYYY-MM-DD&to=YYYY-MM-DD]
 *   POST   /v1/holidays   {"date":"2026-11-24","name":"임시공휴일","kind":"temporary",
 *                          "facility_closed":false}          (admin)
 *   DELETE /v1/holidays/YYYY-MM-DD                           (admin)
 * Changes apply at once: the file is rewritten atomically and every reader refreshes. */
#include <string.h>

#include "eonjena/eo_rules.h"
#include "routes.h"

static int32_t s_date_arg(const eo_http_request_t *req, const char *name, eo_problems_t *p)
{
    const char *text = eo_gateway_query_arg(req, name);
    int32_t key = 0;
    if (text && eo_date_parse(text, &key) != EO_OK)
        eo_problems_add(p, "bad_date", name, "날짜 형식이 잘못되었습니다 (YYYY-MM-DD)",
                        "must be a date YYYY-MM-DD", text);
    return key;
}

void eo_api_holidays_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_problems_t p = {0};
    int32_t from = s_date_arg(req, "from", &p), to = s_date_arg(req, "to", &p);
    if (p.n) {
        eo_http_problems(reply, 400, &p);
        return;
    }
    char *text = eo_calendar_list_json(eo_gateway_calendar(req->gateway), from, to);
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!list) {
        eo_http_error(reply, 500, "internal", "달력을 읽을 수 없습니다",
                      "the calendar could not be listed");
        return;
    }
    reply->status = 200;
    reply->json = json_pack("{s:o}", "holidays", list);
}

/* Answer an edit: refresh so the change is in force, or map the error. */
static void s_edit_done(eo_http_request_t *req, eo_http_reply_t *reply, int rc, const char *err,
                        int ok_status)
{
    if (rc == EO_OK) {
        eo_calendar_refresh(eo_gateway_calendar(req->gateway));
        reply->status = ok_status;
        reply->json = json_pack("{s:s}", "status", "ok");
    } else if (rc == EO_EEXIST)
        eo_http_error_field(reply, 409, "holiday_exists", "이미 등록된 공휴일입니다", err,
                            "date");
    else if (rc == EO_ENOTFOUND)
        eo_http_error(reply, 404, "not_found", "등록되지 않은 날짜입니다", err);
    else if (rc == EO_EINVAL)
        eo_http_error(reply, 400, "bad_field", "공휴일 정보가 잘못되었습니다", err);
    else
        eo_http_error(reply, 500, "io_error", "달력 파일을 쓸 수 없습니다", err);
}

static const eo_field_t s_holiday[] = {{"date", EO_JSON_STRING, true},
                                       {"name", EO_JSON_STRING, true},
                                       {"kind", EO_JSON_STRING},
                                       {"facility_closed", EO_JSON_BOOL},
                                       {NULL}};

void eo_api_holidays_add(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_holiday);
    if (!body) return;
    eo_holiday_t h = {0};
    const char *date = eo_body_str(body, "date"), *name = eo_body_str(body, "name");
    const char *kind = eo_body_str(body, "kind");
    eo_problems_t p = {0};
    if (eo_date_parse(date, &h.date) != EO_OK)
        eo_problems_add(&p, "bad_field", "date", "날짜 형식이 잘못되었습니다 (YYYY-MM-DD)",
                        "date must be YYYY-MM-DD", date);
    if (!*name || strlen(name) >= sizeof h.name)
        eo_problems_add(&p, "bad_field", "name", "공휴일 이름이 비었거나 너무 깁니다",
                        "name must be 1-63 bytes", name);
    if (eo_holiday_kind_parse(kind ? kind : "temporary", &h.kind) != EO_OK)
        eo_problems_add(&p, "bad_field", "kind",
                        "종류는 holiday, substitute, election, temporary 중 하나입니다",
                        "kind must be holiday, substitute, election or temporary", kind);
    char err[200] = "";
    int rc = EO_EINVAL;
    if (p.n == 0) {
        snprintf(h.name, sizeof h.name, "%s", name);
        h.facility_closed = json_is_true(json_object_get(body, "facility_closed"));
        rc = eo_calendar_file_add(eo_calendar_path(eo_gateway_calendar(req->gateway)), &h, err,
                                  sizeof err);
    }
    json_decref(body);
    if (p.n)
        eo_http_problems(reply, 400, &p);
    else
        s_edit_done(req, reply, rc, err, 201);
}

void eo_api_holidays_remove(eo_http_request_t *req, eo_http_reply_t *reply)
{
    int32_t key;
    char err[200] = "the path must end in a date YYYY-MM-DD";
    int rc = EO_EINVAL;
    if (eo_date_parse(req->path + strlen("/v1/holidays/"), &key) == EO_OK)
        rc = eo_calendar_file_remove(eo_calendar_path(eo_gateway_calendar(req->gateway)), key,
                                     err, sizeof err);
    s_edit_done(req, reply, rc, err, 200);
}
