/* session.c: operators log in to the console.
 *   POST   /v1/session {"id":"kim","password":"..."} -> 200 {"id","role","sites"} and
 *          the cookie eo_session (HttpOnly, SameSite=Strict)
 *   DELETE /v1/session                              -> 200, the session ends */
#include <string.h>

#include "auth.h"
#include "routes.h"

static const eo_field_t s_login[] = {
    {"id", EO_JSON_STRING, true}, {"password", EO_JSON_STRING, true}, {NULL}};

void eo_api_session_login(eo_http_request_t *req, eo_http_reply_t *reply)
{
    json_t *body = eo_http_body(req, reply, s_login);
    if (!body) return;
    const char *id = json_string_value(json_object_get(body, "id"));
    const char *password = json_string_value(json_object_get(body, "password"));
    eo_identity_t who;
    char token[80], cookie[200];
    int rc = id && password ? eo_auth_login(eo_gateway_auth(req->gateway), id, password, &who,
                                            token, sizeof token)
                            : EO_ENOTFOUND;
    json_decref(body);
    if (rc) {
        eo_http_error(reply, 401, "bad_login", "아이디 또는 비밀번호가 틀렸습니다",
                      "wrong id or password");
        return;
    }
    snprintf(cookie, sizeof cookie, "eo_session=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
             eo_gateway_secure_cookies(req->gateway) ? "; Secure" : "");
    eo_http_header(reply, "Set-Cookie", cookie);
    reply->status = 200;
    reply->json = json_pack("{s:s,s:s,s:s}", "id", who.id, "role", eo_role_name(who.role),
                            "sites", who.sites);
}

void eo_api_session_logout(eo_http_request_t *req, eo_http_reply_t *reply)
{
    eo_auth_logout(eo_gateway_auth(req->gateway), eo_gateway_header(req, "Cookie"));
    eo_http_header(reply, "Set-Cookie",
                   "eo_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    reply->status = 200;
    reply->json = json_pack("{s:s}", "status", "ok");
}
