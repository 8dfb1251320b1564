/* query.c: the HTTP API's reads of the case store (Query events; docs/api.md). A query
 * reads in the matcher's transaction and writes nothing, so it is not an input: the
 * input log and replay never see it. Lists are cursor-paged and bounded: one page looks
 * at most S_SCAN_MAX records, so a query never holds the matcher for long. */
#include <string.h>

#include "eonjena/eo_codec.h"
#include "view_priv.h"

#define S_LIMIT_DEFAULT 50
#define S_LIMIT_MAX 100
#define S_SCAN_MAX 20000

static const char *s_str(json_t *args, const char *key)
{
    json_t *v = json_object_get(args, key);
    return json_is_string(v) && *json_string_value(v) ? json_string_value(v) : NULL;
}

/* --- one case, its journal ------------------------------------------------------------ */

static int s_case(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out, const char **why)
{
    const char *id = s_str(args, "id");
    if (!id || strlen(id) >= EO_CASE_ID_MAX) return *why = "id", EO_EINVAL;
    return eo_view_case(self, txn, id, json_is_true(json_object_get(args, "operator")), out);
}

static int s_journal(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out,
                     const char **why)
{
    const char *id = s_str(args, "id");
    if (!id || strlen(id) >= EO_CASE_ID_MAX) return *why = "id", EO_EINVAL;
    return eo_view_journal(self, txn, id, out);
}

/* --- a page of cases --------------------------------------------------------------------- */

typedef struct {
    const char *site, *member, *owner;
    unsigned states;    /* bits of eo_case_state_t; 0: any */
    eo_time_t from, to; /* on the start; 0: open */
    size_t limit;
} s_filter_t;

static int s_filter(json_t *args, s_filter_t *f, const char **why)
{
    memset(f, 0, sizeof *f);
    f->site = s_str(args, "site");
    f->member = s_str(args, "member");
    f->owner = s_str(args, "owner");
    const char *states = s_str(args, "state"), *from = s_str(args, "from"),
               *to = s_str(args, "to");
    for (const char *p = states; p && *p;) {
        size_t n = strcspn(p, ",");
        int s = 0;
        while (s < EO_CASE__STATES && !(strlen(eo_case_state_name(s)) == n &&
                                        strncmp(p, eo_case_state_name(s), n) == 0))
            s++;
        if (s == EO_CASE__STATES) return *why = "state", EO_EINVAL;
        f->states |= 1u << s;
        p += n + (p[n] == ',');
    }
    if ((from && eo_time_parse(from, &f->from)) || (to && eo_time_parse(to, &f->to)))
        return *why = from && eo_time_parse(from, &f->from) ? "from" : "to", EO_EINVAL;
    json_int_t limit = json_integer_value(json_object_get(args, "limit"));
    f->limit =
        limit > 0 ? (size_t)(limit < S_LIMIT_MAX ? limit : S_LIMIT_MAX) : S_LIMIT_DEFAULT;
    return EO_OK;
}

/* Does the case pass the filter? *req is read when the filter needs it (caller frees). */
static int s_keep(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, const s_filter_t *f,
                  Eo__Request **req, bool *keep)
{
    *keep = (!f->states || (f->states & (1u << c->state))) &&
            (!f->from || c->start >= f->from) && (!f->to || c->start < f->to) &&
            (!f->site || streq(c->site, f->site));
    if (!*keep) return EO_OK;
    int rc = eo_cases_request(self, txn, c->id, req);
    if (rc == EO_ENOTFOUND) return *keep = !f->member && !f->owner, EO_OK;
    if (rc) return rc;
    *keep = (!f->member || streq((*req)->member_id, f->member)) &&
            (!f->owner || streq((*req)->owner, f->owner));
    return EO_OK;
}

static int s_cases(eo_cases_t *self, MDB_txn *txn, json_t *args, json_t **out, const char **why)
{
    s_filter_t f;
    int rc = s_filter(args, &f, why);
    if (rc) return rc;
    const char *cursor = s_str(args, "cursor");
    char start[EO_CASE_ID_MAX + 2];
    /* ids begin with their site: a site's cases are one range of the tree */
    snprintf(start, sizeof start, "%s", cursor ? cursor : f.site ? f.site : "");
    MDB_cursor *cur;
    if ((rc = mdb_cursor_open(txn, self->cases, &cur)))
        return eo_store_fail("cases cursor", rc);
    MDB_val k = {strlen(start), start}, v;
    json_t *items = json_array();
    char last[EO_CASE_ID_MAX] = "";
    size_t scanned = 0;
    bool more = false;
    int mrc = k.mv_size ? mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)
                        : mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    for (rc = EO_OK; mrc == 0 && rc == EO_OK; mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (eo_offer_is_key(&k) || v.mv_size != sizeof(eo_case_rec_t)) continue;
        eo_case_rec_t c;
        memcpy(&c, v.mv_data, sizeof c);
        if (cursor && streq(c.id, cursor))
            continue; /* the cursor is the last id of the page before */
        if (f.site && strncmp(c.id, f.site, strlen(f.site)) != 0) break;
        if (json_array_size(items) == f.limit || ++scanned > S_SCAN_MAX) {
            more = true; /* a full page, or the scan's budget spent: go on from `last` */
            break;
        }
        snprintf(last, sizeof last, "%s", c.id);
        Eo__Request *req = NULL;
        bool keep;
        if ((rc = s_keep(self, txn, &c, &f, &req, &keep)) == EO_OK && keep)
            json_array_append_new(items, eo_view_summary(self, &c, req));
        if (req) eo__request__free_unpacked(req, NULL);
    }
    mdb_cursor_close(cur);
    if (rc == EO_OK && mrc && mrc != MDB_NOTFOUND) rc = eo_store_fail("cases next", mrc);
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o,s:o}", "items", items, "next",
                     more && *last ? json_string(last) : json_null());
    return EO_OK;
}

/* --- dispatch ------------------------------------------------------------------------- */

typedef int (*s_query_fn)(eo_cases_t *, MDB_txn *, json_t *, json_t **, const char **);

static const struct {
    const char *what;
    s_query_fn fn;
} s_queries[] = {
    {"case", s_case},
    {"cases", s_cases},
    {"journal", s_journal},
    {"carer", eo_query_carer},
    {"carers", eo_query_carers},
    {"carer_offers", eo_query_carer_offers},
    {"member", eo_query_member},
    {"members", eo_query_members},
    {"metrics", eo_query_metrics},
    {"feed", eo_query_feed},
};

int eo_query(eo_cases_t *self, MDB_txn *txn, const char *what, json_t *args, json_t **out,
             const char **why)
{
    *why = NULL;
    *out = NULL;
    for (size_t i = 0; i < sizeof s_queries / sizeof *s_queries; i++)
        if (streq(s_queries[i].what, what)) return s_queries[i].fn(self, txn, args, out, why);
    *why = "what";
    return EO_EINVAL;
}

/* The reply to a Query event: a QueryResult, or a refusal (a Status with an error). */
int eo_query_reply(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, uint8_t **reply,
                   size_t *size)
{
    const Eo__Query *q = in->query;
    json_t *args = q->args && *q->args ? json_loads(q->args, 0, NULL) : json_object();
    json_t *out = NULL;
    const char *why = "args";
    int rc = json_is_object(args)
                 ? eo_query(self, txn, q->what ? q->what : "", args, &out, &why)
                 : EO_EINVAL;
    json_decref(args);
    if (rc == EO_ENOTFOUND || rc == EO_EINVAL) {
        char en[96];
        snprintf(en, sizeof en, rc == EO_ENOTFOUND ? "no such record" : "bad query: %s",
                 why ? why : "");
        return eo_cases_refuse(self, in->id, rc == EO_ENOTFOUND ? "not_found" : "bad_query",
                               rc == EO_ENOTFOUND ? "없는 항목입니다" : "잘못된 조회입니다", en,
                               reply, size);
    }
    if (rc) return rc;
    rc = eo_query_result(self, in, out, reply, size);
    /* an answer too big for one event (a page of a huge list): the client asks for less */
    if (rc == EO_EINVAL)
        return eo_cases_refuse(self, in->id, "bad_query", "결과가 너무 큽니다",
                               "the answer is too large: ask for a smaller page", reply, size);
    return rc;
}

int eo_query_result(eo_cases_t *self, const Eo__Event *in, json_t *out, uint8_t **reply,
                    size_t *size)
{
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    if (!text) return EO_ENOMEM;
    Eo__QueryResult r = EO__QUERY_RESULT__INIT;
    r.json = text;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = in->id;
    ev.site = in->site;
    ev.at_ms = self->now_ms;
    ev.body_case = EO__EVENT__BODY_QUERY_RESULT;
    ev.query_result = &r;
    *reply = eo_event_encode(&ev, size);
    free(text);
    return *reply ? EO_OK : EO_EINVAL; /* too large for one event (or out of memory) */
}
