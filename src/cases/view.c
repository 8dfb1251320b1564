/* view.c: a case as JSON, for the HTTP API (docs/api.md): where and when, its route and
 * why, every wave with who was offered and what they answered, the winners, the fee and
 * the cancellation; its journal; and the one-line summary of a list. What a member's
 * app is shown is less than what an operator sees: no carer's phone or name beyond the
 * winners' names, nobody's phone but their own. */
#include <string.h>

#include <jansson.h>

#include "cases_priv.h"
#include "eonjena/eo_phone.h"
#include "view_priv.h"

json_t *eo_view_time(int64_t t)
{
    char buf[32];
    return t ? json_string(eo_time_format(t, buf, sizeof buf)) : json_null();
}

json_t *eo_view_dong(const eo_dongs_t *dongs, uint32_t code)
{
    char text[16];
    snprintf(text, sizeof text, "%u", code);
    const eo_dong_t *d = eo_dongs_find(dongs, code);
    return json_pack("{s:s,s:s}", "code", text, "name", d ? d->name : "");
}

const char *eo_view_offer_state(const eo_case_rec_t *c, const eo_offer_t *o)
{
    switch (o->state) {
    case EO_OFFER_OPEN:
        /* still waiting only in the current wave of a case on offer */
        if (c->state != EO_CASE_OFFERING || o->wave != c->wave) return "expired";
        return o->delivered ? "delivered" : "sent";
    case EO_OFFER_WON:
        return "accepted";
    case EO_OFFER_DECLINED:
        return "declined";
    case EO_OFFER_FAILED:
        return "unreachable";
    case EO_OFFER_FILLED:
        return "filled";
    case EO_OFFER_WITHDRAWN:
        return "withdrawn";
    case EO_OFFER_CANCELLED:
        return "cancelled";
    default:
        return "unknown";
    }
}

static const char *s_channel(int channel)
{
    return channel == EO__CHANNEL__CHANNEL_CALL_CENTRE ? "call_centre"
           : channel == EO__CHANNEL__CHANNEL_OPERATOR  ? "operator"
                                                       : "app";
}

/* --- the route and why, from the journal ------------------------------------------- */

typedef struct {
    char route[24], why[40]; /* "pool", "route_pool" */
    char escalated_why[40];  /* why the last wave found nobody */
    int64_t cancelled_ms;    /* when the member's cancellation was decided */
    char closed_by[80], closed_reason[120];
} s_story_t;

/* The value of "key=" in a journal detail ("wave=1 ... why=route_pool"). */
static void s_detail_value(const char *detail, const char *key, char *out, size_t size)
{
    size_t n = strlen(key);
    for (const char *p = detail; (p = strstr(p, key)); p += n)
        if ((p == detail || p[-1] == ' ') && p[n] == '=') {
            p += n + 1;
            size_t len = strcspn(p, " ");
            snprintf(out, size, "%.*s", (int)(len < size ? len : size - 1), p);
            return;
        }
}

static int s_story_entry(void *arg, const eo_journal_entry_t *e)
{
    s_story_t *s = arg;
    /* "route_pool validated->offering", detail "... reason=route_pool" */
    if (strncmp(e->what, "route_", 6) == 0) {
        snprintf(s->route, sizeof s->route, "%s",
                 strncmp(e->what, "route_pool ", 11) == 0 ? "pool" : "provider");
        s_detail_value(e->detail, "reason", s->why, sizeof s->why);
    }
    /* a wave that found nobody says why (lifecycle.c): the last one is the escalation's */
    s_detail_value(e->detail, "why", s->escalated_why, sizeof s->escalated_why);
    if (strncmp(e->what, "member_cancel ", 14) == 0) s->cancelled_ms = e->at_ms;
    if (strncmp(e->what, "close ", 6) == 0) {
        snprintf(s->closed_by, sizeof s->closed_by, "%s", e->who);
        snprintf(s->closed_reason, sizeof s->closed_reason, "%s", e->detail);
    }
    return 0;
}

/* --- waves and winners -------------------------------------------------------------- */

typedef struct {
    eo_cases_t *self;
    MDB_txn *txn;
    const eo_case_rec_t *c;
    bool operator_view;
    json_t *waves; /* array of {"wave", "offers"} in wave order */
    int rc;
} s_waves_t;

static json_t *s_wave(json_t *waves, uint32_t wave)
{
    for (size_t i = json_array_size(waves); i-- > 0;) {
        json_t *w = json_array_get(waves, i);
        if ((uint32_t)json_integer_value(json_object_get(w, "wave")) == wave)
            return json_object_get(w, "offers");
    }
    /* waves come in carer order: keep the array sorted by wave */
    size_t at = 0;
    while (at < json_array_size(waves) && (uint32_t)json_integer_value(json_object_get(
                                              json_array_get(waves, at), "wave")) < wave)
        at++;
    json_t *offers = json_array();
    json_array_insert_new(waves, at,
                          json_pack("{s:i,s:o}", "wave", (int)wave, "offers", offers));
    return offers;
}

static int s_offer_json(void *arg, const eo_offer_t *stored)
{
    s_waves_t *w = arg;
    eo_offer_t o = *stored;
    if (o.state == EO_OFFER_OPEN &&
        (w->rc = eo_offer_get(w->self, w->txn, w->c->id, o.carer, &o)))
        return 1;
    json_t *j = json_pack("{s:I,s:s,s:b,s:b}", "carer_id", (json_int_t)o.carer, "state",
                          eo_view_offer_state(w->c, &o), "delivered", o.delivered != 0,
                          "replied", o.replied != 0);
    if (w->operator_view) {
        char phone[20] = "", name[64] = "", masked[EO_PHONE_MASK_MAX];
        if (eo_carer_phone(w->self, w->txn, o.carer, phone, sizeof phone, name, sizeof name) ==
            EO_OK) {
            json_object_set_new(j, "name", json_string(name));
            json_object_set_new(j, "phone",
                                json_string(eo_phone_mask(phone, masked, sizeof masked)));
        }
        json_object_set_new(j, "code", json_string(o.code));
    }
    json_array_append_new(s_wave(w->waves, o.wave), j);
    return 0;
}

static json_t *s_winners(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c,
                         bool operator_view)
{
    json_t *list = json_array();
    for (int i = 0; i < c->n_winners; i++) {
        char phone[20] = "", name[64] = "";
        eo_carer_phone(self, txn, c->winners[i], phone, sizeof phone, name, sizeof name);
        json_t *w = json_pack("{s:I,s:s}", "carer_id", (json_int_t)c->winners[i], "name",
                              c->purged ? "" : name);
        if (operator_view) /* the operator calls the winner: the whole number */
            json_object_set_new(w, "phone", json_string(phone));
        json_array_append_new(list, w);
    }
    return list;
}

/* --- the fee -------------------------------------------------------------------------- */

static json_t *s_fee(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *req,
                     const s_story_t *story)
{
    eo_quote_params_t p = {.type = req && req->type == EO__SERVICE_TYPE__SERVICE_FACILITY
                                       ? EO_SERVICE_FACILITY
                                       : EO_SERVICE_VISIT,
                           .site = c->site,
                           .dongs = self->dongs,
                           .start = c->start,
                           .end = c->end,
                           .requested = c->requested_at};
    eo_quote_t *q = calloc(1, sizeof *q);
    json_t *fee = json_object();
    /* priced as the case store prices it (asked.c), the request's child and kind included */
    if (q &&
        (req ? eo_case_quote(self, c, req, q) : eo_rules_quote(self->rules, &p, q)) == EO_OK)
        json_object_set_new(fee, "member_total", json_integer(q->member_total));
    else
        json_object_set_new(fee, "member_total", json_null());
    json_t *cancel = json_null();
    if (c->state == EO_CASE_CANCELLED) {
        eo_fee_line_t line = {0};
        int64_t at = story->cancelled_ms / 1000;
        if (q && at &&
            eo_rules_cancel_fee(self->rules, c->start, at, q->member_total, &line) == EO_OK &&
            c->fee)
            cancel = json_pack("{s:I,s:s,s:s,s:o}", "won", (json_int_t)c->fee, "rule",
                               line.rule, "what", line.what, "at", eo_view_time(at));
        else
            cancel = json_pack("{s:I,s:s,s:s,s:o}", "won", (json_int_t)c->fee, "rule",
                               "cancel.free", "what", "nothing is owed: no carer was linked",
                               "at", eo_view_time(at));
    }
    json_object_set_new(fee, "cancellation", cancel);
    free(q);
    return fee;
}

/* --- the case ------------------------------------------------------------------------- */

/* The member's phone is for operators (they call back); the app knows its own number. */
static json_t *s_people(const eo_case_rec_t *c, const Eo__Request *req, bool operator_view)
{
    if (!req) return json_null();
    json_t *people =
        json_pack("{s:{s:s,s:b},s:{s:s,s:i},s:s}", "member", "id", req->member_id, "verified",
                  req->member_verified != 0, "child", "first_name",
                  c->purged ? "" : req->child_first_name, "age_months",
                  (int)req->child_age_months, "address", c->purged ? "" : req->address);
    if (people && operator_view)
        json_object_set_new(json_object_get(people, "member"), "phone",
                            json_string(c->purged ? "" : req->member_phone));
    return people;
}

int eo_view_case(eo_cases_t *self, MDB_txn *txn, const char *id, bool operator_view,
                 json_t **out)
{
    eo_case_rec_t c;
    int rc = eo_case_get(self, txn, id, &c);
    if (rc) return rc;
    Eo__Request *req = NULL;
    if ((rc = eo_cases_request(self, txn, id, &req)) && rc != EO_ENOTFOUND) return rc;
    s_story_t story = {0};
    const char *broken = NULL;
    rc = eo_journal_each(self, txn, id, s_story_entry, &story, &broken);
    bool verified = rc == EO_OK;
    s_waves_t w = {self, txn, &c, operator_view, json_array(), EO_OK};
    int site = eo_dongs_site_find(self->dongs, c.site);
    json_t *j = json_pack(
        "{s:s,s:s,s:s,s:o,s:s,s:s,s:i,s:o,s:o,s:o,s:s,s:i,s:i,s:o,s:o,s:o,s:b,s:o}", "id", c.id,
        "site", c.site, "site_name", site >= 0 ? eo_dongs_site(self->dongs, site)->name : "",
        "dong", eo_view_dong(self->dongs, c.dong), "type",
        req && req->type == EO__SERVICE_TYPE__SERVICE_FACILITY ? "facility" : "visit",
        "channel", s_channel(req ? req->channel : 0), "carers_needed", (int)c.needed, "start",
        eo_view_time(c.start), "end", eo_view_time(c.end), "requested_at",
        eo_view_time(c.requested_at), "state", eo_case_state_name(c.state), "wave", (int)c.wave,
        "offered", (int)c.n_offered, "route",
        story.route[0] ? json_pack("{s:s,s:s}", "decision", story.route, "why", story.why)
                       : json_null(),
        "winners", s_winners(self, txn, &c, operator_view), "updated_at",
        eo_view_time(c.updated_ms / 1000), "journal_verified", verified, "service",
        json_pack("{s:o,s:o}", "start", eo_view_time(c.service_start), "end",
                  eo_view_time(c.service_end)));
    if (c.state == EO_CASE_ESCALATED || c.state == EO_CASE_EXPIRED)
        json_object_set_new(j, "escalated_why", json_string(story.escalated_why));
    if (story.closed_by[0])
        json_object_set_new(
            j, "closed",
            json_pack("{s:s,s:s}", "by", story.closed_by, "detail", story.closed_reason));
    json_object_set_new(j, "fee", s_fee(self, &c, req, &story));
    /* a settled pool case asks for the member's fee, as its status does (POST answers) */
    if (c.pay != EO_PAY_NONE) {
        json_object_set_new(j, "payment", json_string(c.pay == EO_PAY_PAID ? "paid" : "due"));
        json_object_set_new(j, "member_fee", json_integer(c.member_fee));
        if (c.pay == EO_PAY_DUE)
            json_object_set_new(j, "payment_due", eo_view_time(c.timer_due_ms / 1000));
    }
    json_object_set_new(j, "owner", json_string(req ? req->owner : ""));
    json_t *people = s_people(&c, req, operator_view);
    json_object_update(j, people);
    json_decref(people);
    rc = eo_offer_each(self, txn, c.id, s_offer_json, &w);
    json_object_set_new(j, "waves", w.waves);
    if (req) eo__request__free_unpacked(req, NULL);
    if (rc || w.rc) {
        json_decref(j);
        return w.rc ? w.rc : rc;
    }
    *out = j;
    return EO_OK;
}

json_t *eo_view_summary(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *req)
{
    json_t *winners = json_array();
    for (int i = 0; i < c->n_winners; i++)
        json_array_append_new(winners, json_integer(c->winners[i]));
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:s,s:i,s:o,s:s,s:s,s:o}", "id", c->id, "site",
                     c->site, "dong", eo_view_dong(self->dongs, c->dong), "start",
                     eo_view_time(c->start), "end", eo_view_time(c->end), "state",
                     eo_case_state_name(c->state), "wave", (int)c->wave, "winners", winners,
                     "member_id", req ? req->member_id : "", "owner", req ? req->owner : "",
                     "updated_at", eo_view_time(c->updated_ms / 1000));
}

/* --- the journal ---------------------------------------------------------------------- */

static int s_entry_json(void *arg, const eo_journal_entry_t *e)
{
    char hex[65];
    eo_journal_hex(e->hash, hex);
    json_array_append_new(
        arg, json_pack("{s:i,s:I,s:o,s:s,s:s,s:s,s:s,s:b}", "n", (int)e->n, "seq",
                       (json_int_t)e->seq, "at", eo_view_time(e->at_ms / 1000), "who", e->who,
                       "what", e->what, "detail", e->detail, "hash", hex, "ok", e->ok));
    return 0;
}

int eo_view_journal(eo_cases_t *self, MDB_txn *txn, const char *id, json_t **out)
{
    json_t *entries = json_array();
    const char *broken = NULL;
    int rc = eo_journal_each(self, txn, id, s_entry_json, entries, &broken);
    if (rc != EO_OK && rc != EO_EINVAL) {
        json_decref(entries);
        return rc;
    }
    *out = json_pack("{s:s,s:b,s:o,s:o}", "id", id, "verified", rc == EO_OK, "broken",
                     broken ? json_string(broken) : json_null(), "entries", entries);
    return EO_OK;
}
