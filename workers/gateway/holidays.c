/* holidays.c: the holiday calendar over the API, the same file `eonjena holiday` edits.
 *   GET    /v1/holidays[?from=YYYY-MM-DD&to=YYYY-MM-DD]
 *   POST   /v1/holidays   {"date":"2026-11-24","name":"임시공휴일","kind":"temporary",
 *                          "facility_closed":false}          (admin)
 *   DELETE /v1/holidays/YYYY-MM-DD                           (admin)
 * Changes apply at once: the file is rewritten atomically and every reader refreshes. */
#include <string.h>

#include "eonjena/eo_rules.h"
#include "routes.h"

static int32_t s_date_arg(const eo_http_request_t *req, const char *name, bool *bad)
{
    const char *text = eo_gateway_query_arg(req, name);
    int32_t key = 0;
    if (text && eo_date_parse(text, &key) != EO_OK) *bad = true;
    return key;
}

void eo_api_holidays_list(eo_http_request_t *req, eo_http_reply_t *reply)
{
    bool bad = false;
    int32_t from = s_date_arg(req, "from", &bad), to = s_date_arg(req, "to", &bad);
    if (bad) {
        eo_http_error(reply, 400, "bad_date", "날짜 형식이 잘못되었습니다",
                      "from and to must be YYYY-MM-DD");
        return;
    }
    char *text = eo_calendar_list_json(eo_gateway_calendar(req->gateway), from, to);
    json_t *list = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    reply->status = list ? 200 : 500;
    reply->json = list ? json_pack("{s:o}", "holidays", list)
                       : json_pack("{s:{s:s}}", "error", "code", "internal");
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
        eo_http_error(reply, 409, "holiday_exists", "이미 등록된 공휴일입니다", err);
    else if (rc == EO_ENOTFOUND)
        eo_http_error(reply, 404, "not_found", "등록되지 않은 날짜입니다", err);
    else if (rc == EO_EINVAL)
        eo_http_error(reply, 400, "bad_field", "공휴일 정보가 잘못되었습니다", err);
    else
        eo_http_error(reply, 500, "io_error", "달력 파일을 쓸 수 없습니다", err);
}

void eo_api_holidays_add(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_json_body(req, reply);
    if (!body) return;
    eo_holiday_t h = {0};
    const char *date = json_string_value(json_object_get(body, "date"));
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *kind = json_string_value(json_object_get(body, "kind"));
    char err[200] = "want date (YYYY-MM-DD), name and kind (holiday, substitute, election, "
                    "temporary)";
    int rc = EO_EINVAL;
    if (date && name && *name && strlen(name) < sizeof h.name &&
        eo_date_parse(date, &h.date) == EO_OK &&
        eo_holiday_kind_parse(kind ? kind : "temporary", &h.kind) == EO_OK) {
        snprintf(h.name, sizeof h.name, "%s", name);
        h.facility_closed = json_is_true(json_object_get(body, "facility_closed"));
        rc = eo_calendar_file_add(eo_calendar_path(eo_gateway_calendar(req->gateway)), &h, err,
                                  sizeof err);
    }
    json_decref(body);
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
