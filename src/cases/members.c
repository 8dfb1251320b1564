/* members.c: registered members and their children (m.members: id -> packed Member), and
 * their use restrictions (이용제한, eo_restrict in the same store). A registered member's
 * stored data is what intake trusts: verified (정회원, set only by an operator), the
 * phone, a registered child's age; a request of an unregistered member is taken on its
 * own flags as before (docs/api.md). Every change is an input: registering, verifying
 * and restricting are recorded in the input log with the decision, so a replay makes the
 * same members and the same intake decisions. */
#include <string.h>

#include "eonjena/eo_codec.h"
#include "eonjena/eo_reason.h"
#include "eonjena/eo_restrict.h"
#include "view_priv.h"

#define S_RESTRICTIONS_MAX 64

static bool s_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= EO_MEMBER_ID_MAX) return false;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

int eo_member_get(eo_cases_t *self, MDB_txn *txn, const char *id, Eo__Member **out)
{
    *out = NULL;
    if (!s_id_ok(id) || !self->has_members) return EO_ENOTFOUND;
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(txn, self->members, &k, &v);
    if (rc == MDB_NOTFOUND) return EO_ENOTFOUND;
    if (rc) return eo_store_fail("get member", rc);
    *out = eo__member__unpack(NULL, v.mv_size, v.mv_data);
    return *out ? EO_OK : EO_ESTORE;
}

static int s_put(eo_cases_t *self, MDB_txn *txn, const Eo__Member *m)
{
    size_t n = eo__member__get_packed_size(m);
    MDB_val k = {strlen(m->id), m->id}, v = {n, NULL};
    int rc = mdb_put(txn, self->members, &k, &v, MDB_RESERVE);
    if (rc) return eo_store_fail("put member", rc);
    eo__member__pack(m, v.mv_data);
    return EO_OK;
}

/* --- the member as JSON ------------------------------------------------------------------ */

static json_t *s_date(int32_t key)
{
    if (key <= 0) return json_null();
    char buf[16];
    snprintf(buf, sizeof buf, "%04d-%02d-%02d", key / 10000, key / 100 % 100, key % 100);
    return json_string(buf);
}

/* Whole months from a birth date to the date of t. */
static int s_age_months(int32_t birth, eo_time_t t)
{
    int32_t d = eo_date_key(t);
    int months = (d / 10000 - birth / 10000) * 12 + (d / 100 % 100 - birth / 100 % 100);
    return months - (d % 100 < birth % 100);
}

static json_t *s_restriction(const eo_restriction_t *r)
{
    return json_pack("{s:s,s:o,s:o,s:i,s:b,s:s}", "cause", r->cause, "start",
                     eo_view_time(r->start), "end",
                     r->end == EO_RESTRICT_PERMANENT ? json_null() : eo_view_time(r->end),
                     "months", r->months, "by_operator", r->by_operator, "note", r->note);
}

/* The member's restrictions and the one in force now. */
static int s_restrictions(eo_cases_t *self, MDB_txn *txn, const char *id, json_t **list,
                          json_t **until)
{
    eo_restriction_t *rs = calloc(S_RESTRICTIONS_MAX, sizeof *rs), now_r;
    size_t n = 0;
    eo_restrict_set_rules(self->restricts, self->rules);
    int rc = rs ? eo_restrict_list_txn(self->restricts, txn, id, rs, S_RESTRICTIONS_MAX, &n)
                : EO_ENOMEM;
    *list = json_array();
    for (size_t i = 0; rc == EO_OK && i < n && i < S_RESTRICTIONS_MAX; i++)
        json_array_append_new(*list, s_restriction(&rs[i]));
    free(rs);
    *until = json_null();
    int c = rc ? rc
               : eo_restrict_check_txn(self->restricts, txn, id,
                                       (eo_time_t)(self->now_ms / 1000), &now_r);
    if (c == EO_OK)
        *until = now_r.end == EO_RESTRICT_PERMANENT ? json_string("permanent")
                                                    : eo_view_time(now_r.end);
    return rc ? rc : c == EO_ENOTFOUND ? EO_OK : c;
}

static int s_view(eo_cases_t *self, MDB_txn *txn, const Eo__Member *m, json_t **out)
{
    json_t *children = json_array(), *list, *until;
    eo_time_t now = (eo_time_t)(self->now_ms / 1000);
    for (size_t i = 0; i < m->n_children; i++) {
        const Eo__Child *c = m->children[i];
        json_array_append_new(
            children,
            json_pack("{s:s,s:s,s:o,s:o,s:b}", "id", c->id, "first_name", c->first_name,
                      "birth_date", s_date(c->birth_date), "age_months",
                      c->birth_date > 0 ? json_integer(s_age_months(c->birth_date, now))
                                        : json_null(),
                      "registered", c->registered));
    }
    int rc = s_restrictions(self, txn, m->id, &list, &until);
    if (rc) {
        json_decref(children);
        json_decref(list);
        json_decref(until);
        return rc;
    }
    *out =
        json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "id", m->id, "site",
                  m->site, "phone", m->phone, "name", m->name, "verified", m->verified,
                  "verified_at", eo_view_time(m->verified_at), "verified_by",
                  m->verified_by && *m->verified_by ? json_string(m->verified_by) : json_null(),
                  "registered_at", eo_view_time(m->registered_at), "children", children,
                  "restrictions", list, "restricted_until", until, "owner", m->owner);
    return EO_OK;
}

/* The reply to a member input: the member as it stands, as a QueryResult. */
static int s_reply(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const char *id,
                   uint8_t **reply, size_t *size)
{
    Eo__Member *m = NULL;
    json_t *view = NULL;
    int rc = eo_member_get(self, txn, id, &m);
    if (rc == EO_OK) rc = s_view(self, txn, m, &view);
    if (m) eo__member__free_unpacked(m, NULL);
    if (rc) {
        json_decref(view);
        return rc;
    }
    rc = eo_query_result(self, in, view, reply, size);
    return rc == EO_EINVAL ? EO_ENOMEM : rc;
}

/* --- inputs ---------------------------------------------------------------------------------
 */

static const char *s_bad_upsert(const eo_cases_t *self, const Eo__MemberUpsert *u)
{
    if (!s_id_ok(u->id) || strchr(u->id, ':')) return "id";
    if (eo_dongs_site_find(self->dongs, u->site) < 0) return "site";
    if (!u->phone || !*u->phone) return "phone";
    for (size_t i = 0; i < u->n_children; i++)
        if (!s_id_ok(u->children[i]->id) || !*u->children[i]->first_name) return "children";
    return NULL;
}

int eo_member_upsert(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__MemberUpsert *u = in->member_upsert;
    const char *bad = s_bad_upsert(self, u);
    if (bad)
        return eo_cases_refuse(self, in->id, "bad_member", "회원 정보가 잘못되었습니다", bad,
                               reply, size);
    Eo__Member *old = NULL;
    int rc = eo_member_get(self, txn, u->id, &old);
    if (rc && rc != EO_ENOTFOUND) return rc;
    if (old && !streq(old->site, u->site)) {
        eo__member__free_unpacked(old, NULL);
        return eo_cases_refuse(
            self, in->id, "member_exists", "다른 지역에 등록된 회원 ID입니다",
            "a member with this id is registered in another site", reply, size);
    }
    /* what an operator checked stays: registering again changes the details only */
    Eo__Member m = EO__MEMBER__INIT;
    m.id = u->id;
    m.site = u->site;
    m.phone = u->phone;
    m.name = u->name;
    m.n_children = u->n_children;
    m.children = u->children;
    m.owner = old ? old->owner : u->owner;
    m.verified = old && old->verified;
    m.registered_at = old ? old->registered_at : self->now_ms / 1000;
    m.verified_at = old ? old->verified_at : 0;
    m.verified_by = old ? old->verified_by : "";
    /* registering again is activity too: retention counts from the latest */
    int64_t now = self->now_ms / 1000;
    m.last_active_at = old && old->last_active_at > now ? old->last_active_at : now;
    rc = s_put(self, txn, &m);
    if (old) eo__member__free_unpacked(old, NULL);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize))) return rc;
    return s_reply(self, txn, in, u->id, reply, size);
}

int eo_member_verify(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__MemberVerify *x = in->member_verify;
    Eo__Member *m = NULL;
    int rc = eo_member_get(self, txn, x->id, &m);
    if (rc == EO_ENOTFOUND)
        return eo_cases_refuse(self, in->id, "unknown_member", "등록되지 않은 회원입니다",
                               "no such member", reply, size);
    if (rc) return rc;
    m->verified = x->verified;
    m->verified_at = self->now_ms / 1000;
    char *by = m->verified_by;
    m->verified_by = x->by; /* borrowed for the pack */
    rc = s_put(self, txn, m);
    m->verified_by = by;
    eo__member__free_unpacked(m, NULL);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize))) return rc;
    return s_reply(self, txn, in, x->id, reply, size);
}

int eo_member_restrict(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                       size_t rawsize, uint8_t **reply, size_t *size)
{
    const Eo__MemberRestrict *x = in->member_restrict;
    Eo__Member *m = NULL;
    int rc = eo_member_get(self, txn, x->member_id, &m);
    if (m) eo__member__free_unpacked(m, NULL);
    if (rc == EO_ENOTFOUND)
        return eo_cases_refuse(self, in->id, "unknown_member", "등록되지 않은 회원입니다",
                               "no such member", reply, size);
    if (rc) return rc;
    char note[96];
    snprintf(note, sizeof note, "%.40s%s%.50s", x->by, *x->note ? ": " : "", x->note);
    eo_restrict_set_rules(self->restricts, self->rules);
    rc = eo_restrict_impose_txn(self->restricts, txn, x->member_id, x->cause,
                                (eo_time_t)(self->now_ms / 1000), x->months, note, NULL);
    if (rc == EO_EINVAL) /* checked before anything was written */
        return eo_cases_refuse(self, in->id, "bad_field",
                               "제한 사유 또는 기간이 잘못되었습니다 (rules.cfg restrictions)",
                               "unknown cause, or months outside what the cause allows", reply,
                               size);
    if (rc || (rc = eo_input_record(self, txn, S_INPUT_EVENT, raw, rawsize))) return rc;
    return s_reply(self, txn, in, x->member_id, reply, size);
}

/* --- queries --------------------------------------------------------------------------------
 */

int eo_query_member(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                    const char **why)
{
    const char *id = json_string_value(json_object_get(args, "id"));
    if (!s_id_ok(id)) return *why = "id", EO_EINVAL;
    Eo__Member *m = NULL;
    int rc = eo_member_get(self, txn, id, &m);
    if (rc == EO_OK) rc = s_view(self, txn, m, out);
    if (m) eo__member__free_unpacked(m, NULL);
    return rc;
}

/* The members of a site with this phone (a call-centre operator looks a caller up). */
int eo_query_members(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                     const char **why)
{
    const char *site = json_string_value(json_object_get(args, "site"));
    const char *phone = json_string_value(json_object_get(args, "phone"));
    if (!site || eo_dongs_site_find(self->dongs, site) < 0) return *why = "site", EO_EINVAL;
    if (!self->has_members) return *out = json_pack("{s:[]}", "items"), EO_OK;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, self->members, &cur);
    if (rc) return eo_store_fail("members cursor", rc);
    json_t *items = json_array();
    MDB_val k, v;
    int mrc;
    for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); mrc == 0 && rc == EO_OK;
         mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Eo__Member *m = eo__member__unpack(NULL, v.mv_size, v.mv_data);
        if (!m) {
            rc = EO_ESTORE;
            break;
        }
        json_t *view = NULL;
        if (streq(m->site, site) && (!phone || streq(m->phone, phone)) &&
            json_array_size(items) < 50 && (rc = s_view(self, txn, m, &view)) == EO_OK)
            json_array_append_new(items, view);
        eo__member__free_unpacked(m, NULL);
    }
    mdb_cursor_close(cur);
    if (rc == EO_OK && mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("members next", mrc);
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o}", "items", items);
    return EO_OK;
}

/* --- intake ----------------------------------------------------------------------------------
 */

int eo_member_touch(eo_cases_t *self, MDB_txn *txn, const char *id, eo_time_t until)
{
    Eo__Member *m = NULL;
    int rc = id && *id ? eo_member_get(self, txn, id, &m) : EO_ENOTFOUND;
    if (rc == EO_ENOTFOUND) return EO_OK; /* not registered: nothing kept to expire */
    if (rc) return rc;
    int64_t now = self->now_ms / 1000, at = until > now ? until : now;
    if (at > m->last_active_at) {
        m->last_active_at = at;
        rc = s_put(self, txn, m);
    }
    eo__member__free_unpacked(m, NULL);
    return rc;
}

/* Replace a string field of a decoded message (protobuf-c frees them with free()). */
static void s_set(char **field, const char *value)
{
    if (*field != protobuf_c_empty_string) free(*field);
    *field = strdup(value);
}

int eo_member_intake(eo_cases_t *self, MDB_txn *txn, Eo__Request *r, const char **code,
                     char *ko, char *en, size_t size)
{
    Eo__Member *m = NULL;
    *code = NULL;
    int rc = r->member_id ? eo_member_get(self, txn, r->member_id, &m) : EO_ENOTFOUND;
    if (rc == EO_ENOTFOUND)
        return EO_OK; /* not registered: the request's own flags, as before */
    if (rc) return rc;
    /* the stored data wins over what each request says */
    r->member_verified = m->verified;
    if (m->phone && *m->phone) s_set(&r->member_phone, m->phone);
    const Eo__Child *child = NULL;
    for (size_t i = 0; i < m->n_children && !child; i++)
        if ((r->child_id && *r->child_id && streq(m->children[i]->id, r->child_id)) ||
            ((!r->child_id || !*r->child_id) &&
             streq(m->children[i]->first_name, r->child_first_name)))
            child = m->children[i];
    if (child && child->birth_date > 0)
        r->child_age_months = (uint32_t)s_age_months(child->birth_date, r->start);
    eo_restriction_t until;
    eo_restrict_set_rules(self->restricts, self->rules);
    int restricted = eo_restrict_check_txn(self->restricts, txn, m->id,
                                           (eo_time_t)(self->now_ms / 1000), &until);
    bool visit = r->type != EO__SERVICE_TYPE__SERVICE_FACILITY;
    eo_reason_t why = EO_REASON_OK;
    char when[32] = "";
    if (restricted == EO_OK) {
        why = EO_REASON_RESTRICTED;
        if (until.end == EO_RESTRICT_PERMANENT)
            snprintf(when, sizeof when, "permanent");
        else
            eo_time_format(until.end, when, sizeof when);
    } else if (visit && !m->verified)
        why = EO_REASON_NOT_MEMBER;
    else if (child && !child->registered)
        why = EO_REASON_NOT_REGISTERED;
    eo__member__free_unpacked(m, NULL);
    if (restricted != EO_OK && restricted != EO_ENOTFOUND) return restricted;
    if (why != EO_REASON_OK) {
        *code = eo_reason_code(why);
        eo_reason_format(why, "ko", when, ko, size);
        eo_reason_format(why, "en", when, en, size);
    }
    return EO_OK;
}
