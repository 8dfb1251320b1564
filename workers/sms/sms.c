/* sms.c: the sms role's actor (see sms.h; the flows are docs/architecture.md's).
 *
 * One thread, one loop: poll the pipe, the worker socket, the client socket (outbox
 * acknowledgements), the inbound HTTP endpoint and the adapters' descriptors; handle
 * what is ready, writing into ONE LMDB transaction; commit; then do what must only
 * follow a commit: acknowledge works, answer HTTP callbacks, hand messages to adapters,
 * relay outbox rows. A failed commit acknowledges nothing (the senders send again). */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "adapter.h"
#include "book.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_phone.h"
#include "eonjena/eo_reply.h"
#include "eonjena/eo_template.h"
#include "inbound.h"
#include "retention.h"
#include "sms.h"

#define S_BATCH 512      /* works or calls taken per turn */
#define S_UNQUEUE_MS 200 /* how long "accepted by the gateway" may wait for a commit */
#define S_RELAY_RETRY_MS 1000
#define S_RELAY_TIMEOUT_MS 30000
#define S_MAX_POLL 256

typedef struct {
    char slug[EO_SITE_SLUG];
    char name[32];
    eo_sms_adapter_t *adapter;
    bool served;
} s_site_t;

typedef struct {
    uint64_t seq;
    char site[EO_SITE_SLUG];
    zframe_t *body;
    int64_t next_try; /* mono ms: when to send (again) */
    bool inflight;
    bool acked; /* acknowledged: deleted from sms.outbox at the next commit */
} s_relay_t;

typedef struct {
    eo_role_args_t *args;
    zsock_t *pipe;
    eo_worker_t *worker;
    eo_client_t *client;
    eo_sms_inbound_t *inbound;
    eo_templates_t *templates;
    eo_sms_book_t *book;
    eo_sms_retention_t *retention; /* the daily deletion of old texts */
    zhashx_t *adapters;            /* name -> eo_sms_adapter_t */
    s_site_t sites[EO_SITE_MAX + 1];
    size_t nsites;
    s_site_t *fallback; /* for slugs not in the table */
    eo_sms_sink_t sink;
    /* what waits for the commit */
    zlistx_t *acks;       /* eo_work_t* with a reply body in the s_ack_t */
    zlistx_t *calls;      /* s_call_t */
    zlistx_t *sends;      /* Eo__Event* (message) */
    zlistx_t *relays_new; /* s_relay_t */
    zlistx_t *unqueue;    /* message ids accepted by a gateway */
    int64_t unqueue_since;
    int64_t maintained_at;  /* mono ms: the store's housekeeping last ran */
    zhashx_t *relays;       /* "seq" -> s_relay_t */
    zlistx_t *relays_acked; /* s_relay_t of relays, acknowledged, not yet deleted */
    int64_t acked_since;    /* role clock ms: the oldest of them was acknowledged */
    int ack_flush_ms;       /* sms/ack_flush_ms */
    bool terminated;
    struct {
        uint64_t received, duplicates, rejected, sent, failed, mo, dlr, answers, help, relayed,
            relay_acked;
        uint64_t refused_source, refused_key; /* callbacks refused (s_on_call) */
        uint64_t mo_replayed;                 /* an MO id seen before: nothing done */
        uint64_t mo_unknown;                  /* from a number we never wrote to: no reply */
        uint64_t help_limited; /* a help text not sent: one per number per interval */
    } n;
    zhashx_t *helped; /* phone -> int64_t* ms of the last help text (s_help_due) */
    int64_t help_interval_ms;
    zhashx_t *tally;   /* adapter name -> s_tally_t, for GET /metrics (s_on_query) */
    char instance[33]; /* this process's sms role, so that a scrape counts it once */
} s_sms_t;

/* What an adapter's messages came to, since this process started. */
typedef struct {
    uint64_t sent, delivered, failed;
} s_tally_t;

typedef struct {
    eo_work_t *work;
    uint8_t *body;
    size_t size;
} s_ack_t;

typedef struct {
    eo_sms_call_t *call;
    int status;
} s_call_t;

/* --- small helpers ----------------------------------------------------------------- */

static int64_t s_now_ms(s_sms_t *self)
{
    return eo_clock_now_ms(self->args->clock);
}

static s_site_t *s_site(s_sms_t *self, const char *slug)
{
    for (size_t i = 0; slug && i < self->nsites; i++)
        if (streq(self->sites[i].slug, slug)) return &self->sites[i];
    return self->fallback;
}

static Eo__Event s_event(s_sms_t *self, const char *site, char *id, size_t idlen)
{
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = eo_id_new(id, idlen, s_now_ms(self));
    ev.site = (char *)site;
    ev.at_ms = s_now_ms(self);
    return ev;
}

/* Queue an event for (match, site) in the outbox (in the batch). */
static int s_emit(s_sms_t *self, const char *site, Eo__Event *ev)
{
    uint64_t seq;
    int rc = eo_sms_book_outbox_add(self->book, site, ev, &seq);
    if (rc) return rc;
    size_t size;
    uint8_t *body = eo_event_encode(ev, &size);
    assert(body);
    s_relay_t *r = calloc(1, sizeof *r);
    assert(r);
    r->seq = seq;
    snprintf(r->site, sizeof r->site, "%s", site);
    r->body = zframe_new(body, size);
    free(body);
    zlistx_add_end(self->relays_new, r);
    return EO_OK;
}

/* May `to` get a help text now? At most one per number per sms/help_interval_s: a
 * carer who keeps texting something unclear gets the help once, not a paid reply for
 * every text. Remembers the time when it says yes. */
static bool s_help_due(s_sms_t *self, const char *to)
{
    int64_t now = s_now_ms(self);
    int64_t *last = zhashx_lookup(self->helped, to);
    if (last && now - *last < self->help_interval_ms) return false;
    if (!last && zhashx_size(self->helped) >= 100000) { /* bounded: forget old numbers */
        zlistx_t *keys = zhashx_keys(self->helped);
        for (const char *k = zlistx_first(keys); k; k = zlistx_next(keys)) {
            int64_t *t = zhashx_lookup(self->helped, k);
            if (now - *t >= self->help_interval_ms) zhashx_delete(self->helped, k);
        }
        zlistx_destroy(&keys);
    }
    if (!last) {
        last = malloc(sizeof *last);
        assert(last);
        zhashx_insert(self->helped, to, last);
    }
    *last = now;
    return true;
}

/* A text of our own (help, STOP confirmation, time receipt) as a Message in the batch. */
static int s_say(s_sms_t *self, const char *site, const char *to, const char *reply_id,
                 eo_tpl_kind_t kind)
{
    if (kind == EO_TPL_HELP && !s_help_due(self, to)) {
        self->n.help_limited++;
        return EO_OK;
    }
    s_site_t *s = s_site(self, site);
    eo_tpl_vars_t vars = {.site = s && *s->name ? s->name : ""};
    char text[EO_SMS_TEXT_MAX], id[256];
    if (eo_templates_render(self->templates, s ? s->slug : site, kind, &vars, text,
                            sizeof text)) {
        zsys_error("sms: the %s text of %s does not render", eo_tpl_kind_name(kind), site);
        return EO_OK;
    }
    snprintf(id, sizeof id, "%s:%s", reply_id, eo_tpl_kind_name(kind));
    Eo__Message m = EO__MESSAGE__INIT;
    m.id = id;
    m.site = (char *)(s ? s->slug : site);
    m.to = (char *)to;
    m.text = text;
    m.kind = EO__MESSAGE__KIND__KIND_HELP;
    bool dup;
    int rc = eo_sms_book_put(self->book, &m, s_now_ms(self), &dup);
    if (rc || dup) return rc;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = id;
    ev.site = m.site;
    ev.body_case = EO__EVENT__BODY_MESSAGE;
    ev.message = &m;
    size_t size;
    uint8_t *body = eo_event_encode(&ev, &size);
    char err[64];
    Eo__Event *copy = eo_event_decode(body, size, err, sizeof err);
    free(body);
    assert(copy);
    zlistx_add_end(self->sends, copy);
    if (kind == EO_TPL_HELP) self->n.help++;
    return EO_OK;
}

/* --- messages from the matcher (works) -------------------------------------------- */

static void s_ack(s_sms_t *self, eo_work_t *work, const char *site, const char *msg_id,
                  const char *error)
{
    char id[40];
    int64_t now_ms = s_now_ms(self);
    s_ack_t *a = calloc(1, sizeof *a);
    assert(a);
    a->work = work;
    a->body = eo_event_answer(eo_id_new(id, sizeof id, now_ms), site, now_ms, msg_id,
                              error ? "bad_message" : NULL, "잘못된 메시지", error, &a->size);
    assert(a->body);
    zlistx_add_end(self->acks, a);
}

/* Check a Message; NULL if good, else why not. Normalises the phone in place. */
static const char *s_check_message(s_sms_t *self, Eo__Message *m, char *phone)
{
    if (!m->id || !*m->id || strlen(m->id) > 400) return "message without an id";
    /* carers are Korean mobiles in any form; a notice may go to any E.164 number */
    if (eo_phone_normalise(m->to, phone, EO_PHONE_MAX) != EO_OK) {
        if (m->kind == EO__MESSAGE__KIND__KIND_OFFER || !eo_phone_valid(m->to))
            return "not a Korean mobile number";
        snprintf(phone, EO_PHONE_MAX, "%s", m->to);
    }
    if (m->kind == EO__MESSAGE__KIND__KIND_CLOSE)
        return m->n_close_ids > 0 ? NULL : "a close needs the requests it closes";
    if (!m->text || !*m->text || strlen(m->text) > EO_LMS_MAX_BYTES)
        return "empty or oversize text";
    s_site_t *site = s_site(self, m->site);
    if (!site || !site->served) return "site not served here";
    if (m->kind == EO__MESSAGE__KIND__KIND_OFFER) {
        /* an offer should be one SMS (eo_template checks that at load); a longer one
         * still goes (the carrier splits it or makes it an LMS), with a warning */
        eo_coding_t coding = eo_templates_coding(self->templates, m->site);
        int units = eo_coding_units(m->text, coding);
        if (units < 0 || units > eo_coding_segment(coding))
            zsys_warning("sms: offer %s needs %d units, more than one SMS (%d)", m->id, units,
                         eo_coding_segment(coding));
        if (!m->code || !*m->code || !m->request_id || !*m->request_id)
            return "an offer needs a request and a code";
    }
    return NULL;
}

/* A work that is a message (ev, taken; NULL with err when it could not be decoded). */
static void s_on_message(s_sms_t *self, eo_work_t *work, Eo__Event *ev, const char *err)
{
    const char *site = eo_work_site(work);
    self->n.received++;
    if (!ev || ev->body_case != EO__EVENT__BODY_MESSAGE) {
        zsys_warning("sms: work %s is not a message: %s", eo_work_id(work),
                     ev ? eo_event_kind(ev) : err);
        self->n.rejected++;
        s_ack(self, work, site, "", "not a message");
        eo_event_free(&ev);
        return;
    }
    eo_log_request_set(ev->message->id); /* "<request>:<carer>:<kind>" */
    /* a shallow copy to normalise: the decoded event keeps owning its strings */
    Eo__Message mc = *ev->message, *m = &mc;
    if (!*m->site) /* the route names the site when the message does not */
        m->site = (char *)site;
    char phone[EO_PHONE_MAX];
    const char *why = s_check_message(self, m, phone);
    if (why) {
        char masked[EO_PHONE_MASK_MAX];
        zsys_warning("sms: message %s to %s refused: %s", m->id ? m->id : "",
                     eo_phone_mask(m->to, masked, sizeof masked), why);
        self->n.rejected++;
        s_ack(self, work, site, m->id ? m->id : "", why);
        eo_event_free(&ev);
        return;
    }
    m->to = phone;                       /* normalised: the book keys by E.164 */
    if (ev->trace_id && *ev->trace_id) { /* caused by an HTTP request: say so */
        char masked[EO_PHONE_MASK_MAX];
        zsys_info("sms: %s message %s to %s", ev->trace_id, m->id,
                  eo_phone_mask(phone, masked, sizeof masked));
    }
    if (m->kind == EO__MESSAGE__KIND__KIND_CLOSE) { /* nothing to send; closing is idempotent */
        int rc = EO_OK;
        for (size_t i = 0; rc == EO_OK && i < m->n_close_ids; i++)
            rc = eo_sms_book_request_close(self->book, phone, m->close_ids[i]);
        if (rc)
            eo_worker_release(self->worker, &work); /* not recorded: sent again later */
        else
            s_ack(self, work, site, m->id, NULL);
        eo_event_free(&ev);
        return;
    }
    bool dup = false;
    int rc = eo_sms_book_put(self->book, m, s_now_ms(self), &dup);
    if (rc) {
        eo_worker_release(self->worker, &work); /* not recorded: sent again later */
        eo_event_free(&ev);
        return;
    }
    s_ack(self, work, site, m->id, NULL);
    if (dup) {
        self->n.duplicates++;
        eo_event_free(&ev);
        return;
    }
    /* the event goes to the adapter after the commit: give it the normalised strings
     * (protobuf-c frees them with free(), so they are malloc'ed like its own) */
    if (ev->message->to != (char *)protobuf_c_empty_string) free(ev->message->to);
    ev->message->to = strdup(phone);
    if (ev->message->site != m->site) { /* it was empty: maybe protobuf-c's static "" */
        if (ev->message->site != (char *)protobuf_c_empty_string) free(ev->message->site);
        ev->message->site = strdup(site);
    }
    zlistx_add_end(self->sends, ev);
}

/* Query "metrics" (GET /metrics): each adapter's tally, answered at once (it reads
 * nothing from the store). The answer names this process: the gateway asks every site,
 * and counts a process that serves several once. */
static void s_on_query(s_sms_t *self, eo_work_t *work, const Eo__Event *ev)
{
    size_t size;
    if (!streq(ev->query->what, "metrics")) { /* the one query there is */
        uint8_t *no = eo_event_answer(ev->id, ev->site, s_now_ms(self), "", "bad_query",
                                      "알 수 없는 조회입니다", "unknown query", &size);
        eo_worker_reply(self->worker, &work, no, no ? size : 0);
        free(no);
        return;
    }
    json_t *adapters = json_object();
    const s_tally_t *t;
    for (t = zhashx_first(self->tally); t; t = zhashx_next(self->tally))
        json_object_set_new(adapters, zhashx_cursor(self->tally),
                            json_pack("{s:I,s:I,s:I}", "sent", (json_int_t)t->sent, "delivered",
                                      (json_int_t)t->delivered, "failed",
                                      (json_int_t)t->failed));
    json_t *out = json_pack("{s:s,s:o}", "instance", self->instance, "adapters", adapters);
    char *text = json_dumps(out, JSON_COMPACT);
    json_decref(out);
    Eo__QueryResult r = EO__QUERY_RESULT__INIT;
    r.json = text;
    Eo__Event back = EO__EVENT__INIT;
    back.id = ev->id;
    back.site = ev->site;
    back.at_ms = s_now_ms(self);
    back.body_case = EO__EVENT__BODY_QUERY_RESULT;
    back.query_result = &r;
    uint8_t *body = eo_event_encode(&back, &size);
    free(text);
    eo_worker_reply(self->worker, &work, body, body ? size : 0);
    free(body);
}

/* A message to send (the lines logged meanwhile name its request: s_on_message sets it),
 * or a query. */
static void s_on_work(s_sms_t *self, eo_work_t *work)
{
    zframe_t *frame = eo_work_body(work);
    char err[128];
    Eo__Event *ev = eo_event_decode(zframe_data(frame), zframe_size(frame), err, sizeof err);
    if (ev && ev->body_case == EO__EVENT__BODY_QUERY) {
        s_on_query(self, work, ev);
        eo_event_free(&ev);
        return;
    }
    s_on_message(self, work, ev, err);
    eo_log_request_set(NULL);
}

/* --- what adapters report ----------------------------------------------------------- */

/* A report on one of our messages: its new state (EO_SMS_*), or 0 when it changed
 * nothing (not ours, or a repeated report). */
static int s_delivery(s_sms_t *self, const char *msg_id, Eo__Delivery__Status status)
{
    int state = 0;
    Eo__Event *msg = eo_sms_book_get(self->book, msg_id, &state);
    if (!msg) return 0; /* not ours (or long forgotten): nothing to update */
    int newstate = status == EO__DELIVERY__STATUS__STATUS_DELIVERED ? EO_SMS_DELIVERED
                   : status == EO__DELIVERY__STATUS__STATUS_FAILED  ? EO_SMS_FAILED
                                                                    : EO_SMS_SENT;
    if (state != newstate && state != EO_SMS_DELIVERED)
        eo_sms_book_set_state(self->book, msg_id, newstate);
    /* the matcher cares about its own messages (offers above all), not our help texts */
    if (*msg->message->request_id && state != newstate && newstate != EO_SMS_SENT) {
        char id[40];
        Eo__Event ev = s_event(self, msg->message->site, id, sizeof id);
        Eo__Delivery d = EO__DELIVERY__INIT;
        d.message_id = (char *)msg_id;
        d.status = status;
        d.at = s_now_ms(self) / 1000;
        ev.body_case = EO__EVENT__BODY_DELIVERY;
        ev.delivery = &d;
        s_emit(self, msg->message->site, &ev);
    }
    eo_event_free(&msg);
    return state != newstate && state != EO_SMS_DELIVERED ? newstate : 0;
}

/* The adapter's tally, made at its first report. */
static s_tally_t *s_tally(s_sms_t *self, const char *adapter)
{
    s_tally_t *t = zhashx_lookup(self->tally, adapter);
    if (!t) {
        t = calloc(1, sizeof *t);
        assert(t);
        zhashx_insert(self->tally, adapter, t);
    }
    return t;
}

static void s_on_sent(void *owner, const char *adapter, const char *id, int rc)
{
    s_sms_t *self = owner;
    s_tally_t *t = s_tally(self, adapter);
    if (rc == EO_OK) {
        t->sent++;
        self->n.sent++;
        if (zlistx_size(self->unqueue) == 0) self->unqueue_since = zclock_mono();
        zlistx_add_end(self->unqueue, strdup(id));
        return;
    }
    self->n.failed++;
    zsys_warning("sms: %s could not be sent (%s)", id, eo_strerror(rc));
    eo_sms_book_unqueue(self->book, id);
    t->failed += s_delivery(self, id, EO__DELIVERY__STATUS__STATUS_FAILED) == EO_SMS_FAILED;
}

static void s_on_dlr(void *owner, const char *adapter, const char *id, eo_dlr_t status)
{
    s_sms_t *self = owner;
    self->n.dlr++;
    int now = s_delivery(self, id,
                         status == EO_DLR_DELIVERED ? EO__DELIVERY__STATUS__STATUS_DELIVERED
                         : status == EO_DLR_FAILED  ? EO__DELIVERY__STATUS__STATUS_FAILED
                                                    : EO__DELIVERY__STATUS__STATUS_QUEUED);
    /* counted once per message, however often the gateway repeats its report */
    s_tally_t *t = s_tally(self, adapter);
    t->delivered += now == EO_SMS_DELIVERED;
    t->failed += now == EO_SMS_FAILED;
}

/* The offer a reply is about: the one with its code, or the only open one. */
static Eo__Event *s_pick(zlistx_t *list, const char *code)
{
    if (*code) {
        for (Eo__Event *ev = zlistx_first(list); ev; ev = zlistx_next(list))
            if (streq(ev->message->code, code)) return zlistx_detach_cur(list);
        return NULL;
    }
    if (zlistx_size(list) != 1) return NULL;
    zlistx_first(list);
    return zlistx_detach_cur(list);
}

static void s_mo_answer(s_sms_t *self, const char *phone, const eo_reply_t *r,
                        const char *reply_id, const char *site_hint)
{
    zlistx_t *open = eo_sms_book_offers(self->book, phone);
    Eo__Event *offer = open ? s_pick(open, r->code) : NULL;
    zlistx_destroy(&open);
    if (!offer) { /* no open offer, several without a code, or a wrong code */
        s_say(self, site_hint, phone, reply_id, EO_TPL_HELP);
        return;
    }
    Eo__Message *m = offer->message;
    char id[40];
    Eo__Event ev = s_event(self, m->site, id, sizeof id);
    Eo__Answer a = EO__ANSWER__INIT;
    a.request_id = m->request_id;
    a.carer_id = m->carer_id;
    a.accept = r->kind == EO_REPLY_ACCEPT;
    a.code = m->code;
    a.reply_id = (char *)reply_id;
    a.at = s_now_ms(self) / 1000;
    ev.body_case = EO__EVENT__BODY_ANSWER;
    ev.answer = &a;
    if (s_emit(self, m->site, &ev) == EO_OK) eo_sms_book_offer_close(self->book, phone, m->id);
    self->n.answers++;
    eo_event_free(&offer);
}

/* The WINNER message a 시작/종료/취소 text is about: the one with its code, else the
 * latest. NULL (and the help text sent) when the phone won nothing. *wins is the list
 * it lives in (the caller destroys it). */
static Eo__Event *s_won(s_sms_t *self, const char *phone, const eo_reply_t *r,
                        const char *reply_id, const char *site_hint, zlistx_t **wins)
{
    *wins = eo_sms_book_wins(self->book, phone);
    Eo__Event *won = NULL;
    for (Eo__Event *ev = *wins ? zlistx_first(*wins) : NULL; ev; ev = zlistx_next(*wins))
        if ((!*r->code || streq(ev->message->code, r->code)) &&
            (!won || ev->at_ms >= won->at_ms))
            won = ev; /* the latest win (request ids are random: key order is not time) */
    if (!won) s_say(self, site_hint, phone, reply_id, EO_TPL_HELP);
    return won;
}

/* 취소 from a winner: they cannot come. The matcher withdraws them and offers the case
 * again (the same Cancel as POST /v1/bookings/{id}/withdraw), and tells them so. */
static void s_mo_cancel(s_sms_t *self, const char *phone, const eo_reply_t *r,
                        const char *reply_id, const char *site_hint)
{
    zlistx_t *wins;
    Eo__Event *won = s_won(self, phone, r, reply_id, site_hint, &wins);
    if (won) {
        Eo__Message *m = won->message;
        char id[40], by[32];
        Eo__Event ev = s_event(self, m->site, id, sizeof id);
        Eo__Cancel x = EO__CANCEL__INIT;
        snprintf(by, sizeof by, "carer:%u", m->carer_id);
        x.request_id = m->request_id;
        x.carer_id = m->carer_id;
        x.reason = "sms";
        x.by = by;
        x.at = s_now_ms(self) / 1000;
        ev.body_case = EO__EVENT__BODY_CANCEL;
        ev.cancel = &x;
        s_emit(self, m->site, &ev);
        self->n.answers++;
    }
    zlistx_destroy(&wins);
}

static void s_mo_time(s_sms_t *self, const char *phone, const eo_reply_t *r,
                      const char *reply_id, const char *site_hint)
{
    zlistx_t *wins;
    Eo__Event *won = s_won(self, phone, r, reply_id, site_hint, &wins);
    if (!won) {
        zlistx_destroy(&wins);
        return;
    }
    Eo__Message *m = won->message;
    char id[40];
    Eo__Event ev = s_event(self, m->site, id, sizeof id);
    Eo__ServiceTime t = EO__SERVICE_TIME__INIT;
    t.request_id = m->request_id;
    t.carer_id = m->carer_id;
    t.kind = r->kind == EO_REPLY_START ? EO__SERVICE_TIME__KIND__KIND_START
                                       : EO__SERVICE_TIME__KIND__KIND_END;
    t.at = s_now_ms(self) / 1000;
    t.reply_id = (char *)reply_id;
    ev.body_case = EO__EVENT__BODY_SERVICE_TIME;
    ev.service_time = &t;
    if (s_emit(self, m->site, &ev) == EO_OK) s_say(self, m->site, phone, reply_id, EO_TPL_TIME);
    zlistx_destroy(&wins);
}

static void s_mo_stop(s_sms_t *self, const char *phone, const char *reply_id, const char *site,
                      uint32_t carer_id, bool known)
{
    if (known) {
        char id[40];
        Eo__Event ev = s_event(self, site, id, sizeof id);
        Eo__CarerConsent c = EO__CARER_CONSENT__INIT;
        c.phone = (char *)phone;
        c.carer_id = carer_id;
        c.pool = false;
        c.at = s_now_ms(self) / 1000;
        c.reply_id = (char *)reply_id;
        ev.body_case = EO__EVENT__BODY_CARER_CONSENT;
        ev.carer_consent = &c;
        s_emit(self, site, &ev);
    } else
        zsys_info("sms: STOP from a number we never wrote to; confirmed only");
    s_say(self, site, phone, reply_id, EO_TPL_STOP);
}

static void s_on_mo(void *owner, const char *adapter, const eo_sms_mo_t *mo)
{
    s_sms_t *self = owner;
    self->n.mo++;
    char phone[EO_PHONE_MAX], masked[EO_PHONE_MASK_MAX], reply_id[300];
    if (eo_phone_normalise(mo->from, phone, sizeof phone) != EO_OK) {
        zsys_warning("sms: a text from %s ignored (not a mobile number)",
                     eo_phone_mask(mo->from, masked, sizeof masked));
        return;
    }
    /* gateway ids are unique per gateway, not across adapters */
    snprintf(reply_id, sizeof reply_id, "%s:%.250s", adapter, mo->id);
    bool seen = false;
    if (eo_sms_book_reply_seen(self->book, reply_id, &seen) || seen) {
        self->n.mo_replayed += seen;
        return;
    }
    char site[EO_SITE_SLUG] = "";
    uint32_t carer_id = 0;
    bool known = eo_sms_book_phone(self->book, phone, site, &carer_id) == EO_OK;
    if (!known) {
        /* a number we never wrote to: no paid reply, whatever it says (a reply would let
         * anyone make us text any number: SMS pumping). It holds no offer either. */
        self->n.mo_unknown++;
        zsys_info("sms: a text from %s, a number we never wrote to: no reply",
                  eo_phone_mask(phone, masked, sizeof masked));
        return;
    }
    eo_reply_t r;
    eo_reply_parse(mo->text, strlen(mo->text), &r);
    zsys_debug("sms: %s from %s", eo_reply_kind_name(r.kind),
               eo_phone_mask(phone, masked, sizeof masked));
    switch (r.kind) {
    case EO_REPLY_STOP:
        s_mo_stop(self, phone, reply_id, site, carer_id, known);
        break;
    case EO_REPLY_ACCEPT:
    case EO_REPLY_DECLINE:
        s_mo_answer(self, phone, &r, reply_id, site);
        break;
    case EO_REPLY_START:
    case EO_REPLY_END:
        s_mo_time(self, phone, &r, reply_id, site);
        break;
    case EO_REPLY_CANCEL:
        s_mo_cancel(self, phone, &r, reply_id, site);
        break;
    default:
        s_say(self, site, phone, reply_id, EO_TPL_HELP);
        break;
    }
}

/* --- inbound HTTP --------------------------------------------------------------------- */

/* A callback is taken only from the adapter's gateway: its address in allow_from and its
 * secret presented (eo_sms_adapter_admit); anything else is 403, counted and logged,
 * and changes nothing. */
static void s_on_call(s_sms_t *self, eo_sms_call_t *call)
{
    eo_sms_adapter_t *a = zhashx_lookup(self->adapters, eo_sms_call_adapter(call));
    int status = 404;
    const char *refused = NULL;
    if (a && streq(eo_sms_adapter_type(a), eo_sms_call_type(call)))
        refused = eo_sms_adapter_admit(a, eo_sms_call_peer(call), eo_sms_call_key(call));
    if (refused) {
        status = streq(refused, "no_inbound") ? 404 : 403;
        if (streq(refused, "source"))
            self->n.refused_source++;
        else if (streq(refused, "key"))
            self->n.refused_key++;
        zsys_warning("sms: a %s callback for adapter %s from %s refused (%s)",
                     eo_sms_call_what(call), eo_sms_call_adapter(call), eo_sms_call_peer(call),
                     streq(refused, "source") ? "address not in allow_from"
                                              : "missing or wrong key");
    } else if (a && streq(eo_sms_adapter_type(a), eo_sms_call_type(call))) {
        size_t size;
        const char *body = eo_sms_call_body(call, &size);
        status = eo_sms_adapter_inbound(a, eo_sms_call_what(call), eo_sms_call_args(call), body,
                                        size);
    }
    s_call_t *c = calloc(1, sizeof *c);
    assert(c);
    *c = (s_call_t){call, status};
    zlistx_add_end(self->calls, c);
}

/* --- the outbox relay ----------------------------------------------------------------- */

static void s_relay_send(s_sms_t *self, s_relay_t *r)
{
    char corr[32];
    snprintf(corr, sizeof corr, "%" PRIu64, r->seq);
    int rc = eo_client_send(self->client, "match", r->site, corr, zframe_data(r->body),
                            zframe_size(r->body));
    r->inflight = rc == EO_OK;
    r->next_try = zclock_mono() + (rc == EO_OK ? S_RELAY_TIMEOUT_MS : S_RELAY_RETRY_MS);
    if (rc == EO_OK) self->n.relayed++;
}

static void s_relay_free(void **item_p)
{
    s_relay_t *r = *item_p;
    if (r) {
        zframe_destroy(&r->body);
        free(r);
        *item_p = NULL;
    }
}

static void s_relay_add(s_sms_t *self, s_relay_t *r)
{
    char key[32];
    snprintf(key, sizeof key, "%" PRIu64, r->seq);
    zhashx_update(self->relays, key, r);
    s_relay_send(self, r);
}

static void s_relay_loaded(void *arg, uint64_t seq, const char *site, const void *body,
                           size_t size)
{
    s_sms_t *self = arg;
    s_relay_t *r = calloc(1, sizeof *r);
    assert(r);
    r->seq = seq;
    snprintf(r->site, sizeof r->site, "%s", site);
    r->body = zframe_new(body, size);
    s_relay_add(self, r);
}

static void s_on_client(s_sms_t *self)
{
    char *corr = NULL;
    int status;
    zframe_t *body = NULL;
    while (eo_client_recv(self->client, 0, &corr, &status, &body) == 0) {
        s_relay_t *r = corr ? zhashx_lookup(self->relays, corr) : NULL;
        if (r && r->acked)
            ; /* a second answer to a row already acknowledged */
        else if (r && status == EO_OK) {
            /* deleted with the next commit (see s_end_turn), not in one of its own */
            r->acked = true;
            r->inflight = false;
            self->n.relay_acked++;
            if (zlistx_size(self->relays_acked) == 0) self->acked_since = s_now_ms(self);
            zlistx_add_end(self->relays_acked, r);
        } else if (r) { /* nobody serving, overloaded, timed out: again a little later */
            r->inflight = false;
            r->next_try = zclock_mono() + S_RELAY_RETRY_MS;
        }
        zstr_free(&corr);
        zframe_destroy(&body);
    }
}

static void s_relay_due(s_sms_t *self, int64_t now)
{
    for (s_relay_t *r = zhashx_first(self->relays); r; r = zhashx_next(self->relays))
        if (!r->acked && r->next_try <= now) s_relay_send(self, r);
}

/* --- the batch: commit, then act ----------------------------------------------------- */

static void s_flush_unqueue(s_sms_t *self)
{
    /* the state stays QUEUED until a delivery report: "accepted by the gateway" only
     * matters for the resend after a restart, which sms.queue decides */
    for (char *id = zlistx_first(self->unqueue); id; id = zlistx_next(self->unqueue))
        eo_sms_book_unqueue(self->book, id);
    zlistx_purge(self->unqueue);
}

/* The acknowledged relay rows into the batch (deleted from sms.outbox); true if any. */
static bool s_delete_acked(s_sms_t *self)
{
    bool any = false;
    for (s_relay_t *r = zlistx_first(self->relays_acked); r;
         r = zlistx_next(self->relays_acked))
        any = eo_sms_book_outbox_del(self->book, r->seq) == EO_OK || any;
    return any;
}

/* Committed: the relay forgets the rows it deleted. */
static void s_acked_gone(s_sms_t *self)
{
    char key[32];
    for (s_relay_t *r = zlistx_first(self->relays_acked); r;
         r = zlistx_next(self->relays_acked)) {
        snprintf(key, sizeof key, "%" PRIu64, r->seq);
        zhashx_delete(self->relays, key); /* frees r */
    }
    zlistx_purge(self->relays_acked);
}

static void s_hand_over(s_sms_t *self, Eo__Event *ev)
{
    Eo__Message *m = ev->message;
    s_site_t *site = s_site(self, m->site);
    if (!site || !site->adapter) {
        zsys_error("sms: no adapter for site %s; %s not sent", m->site, m->id);
        return;
    }
    eo_sms_mt_t mt = {m->id,
                      m->to,
                      m->text,
                      eo_templates_coding(self->templates, m->site) == EO_CODING_EUCKR,
                      m->kind == EO__MESSAGE__KIND__KIND_OFFER,
                      m->code};
    eo_sms_adapter_send(site->adapter, &mt);
}

static void s_end_turn(s_sms_t *self)
{
    bool commit = eo_sms_book_dirty(self->book);
    if (zlistx_size(self->unqueue) &&
        (commit || zclock_mono() - self->unqueue_since >= S_UNQUEUE_MS || self->terminated))
        s_flush_unqueue(self), commit = true;
    /* acknowledged relay rows ride on a commit that happens anyway, or get one of their
     * own after ack_flush_ms by the role's clock, looked at every turn (250 ms at most),
     * and when stopping: one commit (two fdatasyncs) per
     * acknowledgement was most of this role's commits at a few answers a second, and a
     * row still there after a crash is only sent again (the matcher drops it by id) */
    bool deleting = zlistx_size(self->relays_acked) &&
                    (commit || s_now_ms(self) - self->acked_since >= self->ack_flush_ms ||
                     self->terminated);
    if (deleting) commit = s_delete_acked(self) || commit;
    if (!commit && !zlistx_size(self->acks) && !zlistx_size(self->calls) &&
        !zlistx_size(self->sends))
        return;
    bool ok = !commit || eo_sms_book_commit(self->book) == EO_OK;
    if (!ok) /* a full map grows for the next turn; a full disk reopens at the next one */
        eo_store_grow_if_full(self->args->store);
    if (deleting && ok) s_acked_gone(self); /* else they stay acknowledged, for the next */
    /* sends first: a synchronous adapter (file) has written before the ack is seen */
    for (Eo__Event *ev = zlistx_first(self->sends); ev; ev = zlistx_next(self->sends))
        if (ok) s_hand_over(self, ev);
    zlistx_purge(self->sends);
    for (s_ack_t *a = zlistx_first(self->acks); a; a = zlistx_next(self->acks)) {
        if (ok)
            eo_worker_reply(self->worker, &a->work, a->body, a->size);
        else /* not durable: not acknowledged, given back to be sent again later */
            eo_worker_release(self->worker, &a->work);
        free(a->body);
        free(a);
    }
    zlistx_purge(self->acks);
    for (s_call_t *c = zlistx_first(self->calls); c; c = zlistx_next(self->calls)) {
        eo_sms_inbound_answer(self->inbound, &c->call, ok ? c->status : 503);
        free(c);
    }
    zlistx_purge(self->calls);
    for (s_relay_t *r = zlistx_first(self->relays_new); r; r = zlistx_next(self->relays_new)) {
        if (ok)
            s_relay_add(self, r);
        else {
            void *item = r;
            s_relay_free(&item);
        }
    }
    zlistx_purge(self->relays_new);
}

/* --- configuration ------------------------------------------------------------------- */

static bool s_served(const char *sites, const char *slug)
{
    if (streq(sites, "*")) return true;
    size_t n = strlen(slug);
    for (const char *p = sites; (p = strstr(p, slug)); p += n)
        if ((p == sites || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return true;
    return false;
}

/* Step 1: our HTTP endpoint for replies and delivery reports (sms/listen), and the URL
 * gateways call it back on (*public_url, "" without an endpoint). */
static int s_configure_inbound(s_sms_t *self, zconfig_t *sms, char *public_url, size_t size,
                               char *err, size_t errlen)
{
    const char *listen = sms ? zconfig_get(sms, "listen", "") : "";
    public_url[0] = 0;
    if (!*listen) return EO_OK;
    int backlog = atoi(zconfig_get(sms, "backlog", "4096"));
    self->inbound = eo_sms_inbound_new(listen, backlog, err, errlen);
    if (!self->inbound) return EO_EIO;
    const char *pub = zconfig_get(sms, "public_url", "");
    char host[64] = "127.0.0.1";
    sscanf(listen, "%63[^:]", host);
    if (*pub)
        snprintf(public_url, size, "%s", pub);
    else
        snprintf(public_url, size, "http://%s:%d", host, eo_sms_inbound_port(self->inbound));
    return EO_OK;
}

/* Step 2: every section of sms/adapters; with none at all, simulated carers. */
static int s_configure_adapters(s_sms_t *self, zconfig_t *sms, const char *public_url,
                                char *err, size_t errlen)
{
    zconfig_t *list = sms ? zconfig_locate(sms, "adapters") : NULL;
    zconfig_t *builtin = NULL;
    if (!list || !zconfig_child(list)) {
        builtin = zconfig_str_load("adapters\n    sim\n        type = sim\n");
        list = zconfig_locate(builtin, "adapters");
    }
    int rc = EO_OK;
    for (zconfig_t *s = zconfig_child(list); s && rc == EO_OK; s = zconfig_next(s)) {
        const char *type = zconfig_get(s, "type", "");
        if ((streq(type, "kannel") || streq(type, "http")) && !self->inbound) {
            snprintf(err, errlen,
                     "sms/adapters/%s: a %s adapter needs sms/listen (our HTTP "
                     "endpoint for replies and delivery reports)",
                     zconfig_name(s), type);
            rc = EO_EINVAL;
            break;
        }
        eo_sms_adapter_env_t env = {zconfig_name(s), s, public_url, self->args->clock,
                                    &self->sink};
        eo_sms_adapter_t *a = eo_sms_adapter_new(&env, err, errlen);
        if (a)
            zhashx_update(self->adapters, zconfig_name(s), a);
        else
            rc = EO_EINVAL;
    }
    zconfig_destroy(&builtin);
    return rc;
}

/* Step 3: the table's sites, each with its adapter; "default" for the rest. */
static int s_configure_sites(s_sms_t *self, zconfig_t *sms, char *err, size_t errlen)
{
    const char *deflt = sms ? zconfig_get(sms, "sites/default/adapter", NULL) : NULL;
    if (!deflt && zhashx_size(self->adapters) == 1) { /* one adapter serves everyone */
        zhashx_first(self->adapters);
        deflt = zhashx_cursor(self->adapters);
    }
    if (!deflt) deflt = "";
    const eo_dongs_t *dongs = self->args->dongs;
    size_t count = dongs ? eo_dongs_site_count(dongs) : 0;
    for (size_t i = 0; i <= count && i <= EO_SITE_MAX; i++) {
        s_site_t *site = &self->sites[self->nsites++];
        const char *slug = i < count ? eo_dongs_site(dongs, (int)i)->slug : "default";
        snprintf(site->slug, sizeof site->slug, "%s", slug);
        snprintf(site->name, sizeof site->name, "%s",
                 i < count ? eo_dongs_site(dongs, (int)i)->name : "");
        site->served = i == count || s_served(self->args->sites, slug);
        char path[64];
        snprintf(path, sizeof path, "sites/%s/adapter", slug);
        const char *name = sms ? zconfig_get(sms, path, deflt) : deflt;
        site->adapter = zhashx_lookup(self->adapters, name);
        if (!site->adapter && site->served) {
            snprintf(err, errlen,
                     "sms/sites/%s/adapter: no adapter named '%s' under sms/adapters", slug,
                     name);
            return EO_EINVAL;
        }
    }
    self->fallback = &self->sites[self->nsites - 1];
    return EO_OK;
}

/* The texts, the endpoint, the adapters and the sites, from the configuration. */
static int s_configure(s_sms_t *self, char *err, size_t errlen)
{
    zconfig_t *config = self->args->config;
    zconfig_t *sms = config ? zconfig_locate(config, "sms") : NULL;
    self->templates = eo_templates_new(config, self->args->dongs, err, errlen);
    if (!self->templates) return EO_EINVAL;
    char public_url[128];
    int rc = s_configure_inbound(self, sms, public_url, sizeof public_url, err, errlen);
    if (rc == EO_OK) rc = s_configure_adapters(self, sms, public_url, err, errlen);
    if (rc == EO_OK) rc = s_configure_sites(self, sms, err, errlen);
    return rc;
}

/* --- the actor ------------------------------------------------------------------------- */

static void s_adapter_free(void **item_p)
{
    eo_sms_adapter_destroy((eo_sms_adapter_t **)item_p);
}

static void s_destroy(s_sms_t **self_p)
{
    s_sms_t *self = *self_p;
    if (!self) return;
    if (self->book) s_end_turn(self); /* what is pending is committed and answered */
    eo_sms_inbound_destroy(&self->inbound);
    eo_sms_retention_destroy(&self->retention);
    zhashx_destroy(&self->adapters);
    eo_templates_destroy(&self->templates);
    eo_sms_book_destroy(&self->book);
    eo_worker_destroy(&self->worker);
    eo_client_destroy(&self->client);
    zlistx_destroy(&self->acks);
    zlistx_destroy(&self->calls);
    zlistx_destroy(&self->sends);
    zlistx_destroy(&self->relays_new);
    zlistx_destroy(&self->unqueue);
    zlistx_destroy(&self->relays_acked); /* before relays, which owns its items */
    zhashx_destroy(&self->relays);
    zhashx_destroy(&self->helped);
    zhashx_destroy(&self->tally);
    free(self);
    *self_p = NULL;
}

static void s_event_free(void **item)
{
    eo_event_free((Eo__Event **)item);
}

static s_sms_t *s_new(zsock_t *pipe, eo_role_args_t *args)
{
    s_sms_t *self = calloc(1, sizeof *self);
    assert(self);
    self->args = args;
    self->pipe = pipe;
    self->sink = (eo_sms_sink_t){self, s_on_sent, s_on_mo, s_on_dlr};
    self->adapters = zhashx_new();
    zhashx_set_destructor(self->adapters, s_adapter_free);
    self->acks = zlistx_new();
    self->calls = zlistx_new();
    self->sends = zlistx_new();
    zlistx_set_destructor(self->sends, s_event_free);
    self->relays_new = zlistx_new();
    self->unqueue = zlistx_new();
    zlistx_set_destructor(self->unqueue, (zlistx_destructor_fn *)zstr_free);
    self->relays = zhashx_new();
    self->relays_acked = zlistx_new();
    zhashx_set_destructor(self->relays, s_relay_free);
    self->helped = zhashx_new();
    zhashx_set_destructor(self->helped, (zhashx_destructor_fn *)zstr_free);
    self->tally = zhashx_new();
    zhashx_set_destructor(self->tally, (zhashx_destructor_fn *)zstr_free);
    zuuid_t *uuid = zuuid_new();
    snprintf(self->instance, sizeof self->instance, "%s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    long help_s =
        atol(args->config ? zconfig_get(args->config, "sms/help_interval_s", "600") : "600");
    self->help_interval_ms = (help_s >= 0 ? help_s : 600) * 1000;
    char err[512] = "";
    if (!args->store) {
        zsys_error("sms: needs the store");
        goto fail;
    }
    if (s_configure(self, err, sizeof err)) {
        zsys_error("sms: %s", err);
        goto fail;
    }
    if (!(self->retention =
              eo_sms_retention_new(args->config, s_now_ms(self), err, sizeof err))) {
        zsys_error("sms: %s", err);
        goto fail;
    }
    self->book = eo_sms_book_new(args->store);
    self->client = eo_client_new(args->broker, args->curve_server_public, args->curve_secret);
    self->worker = eo_worker_new(args->broker, "sms", args->sites, args->curve_server_public,
                                 args->curve_secret);
    if (!self->book || !self->client || !self->worker) {
        zsys_error("sms: cannot open the store or reach the broker at %s", args->broker);
        goto fail;
    }
    /* a window of works lets one commit cover many messages */
    zconfig_t *sms = args->config ? zconfig_locate(args->config, "sms") : NULL;
    eo_worker_set_window(self->worker, atoi(sms ? zconfig_get(sms, "window", "512") : "512"));
    self->ack_flush_ms = atoi(sms ? zconfig_get(sms, "ack_flush_ms", "1000") : "1000");
    /* after a restart: what was taken but not sent goes out, the outbox is relayed */
    zlistx_t *queued = eo_sms_book_queued(self->book);
    for (char *id = queued ? zlistx_first(queued) : NULL; id; id = zlistx_next(queued)) {
        Eo__Event *ev = eo_sms_book_get(self->book, id, NULL);
        if (ev) zlistx_add_end(self->sends, ev);
    }
    if (queued && zlistx_size(queued))
        zsys_info("sms: %zu messages taken before a restart are sent now", zlistx_size(queued));
    zlistx_destroy(&queued);
    for (Eo__Event *ev = zlistx_first(self->sends); ev; ev = zlistx_next(self->sends))
        s_hand_over(self, ev);
    zlistx_purge(self->sends);
    eo_sms_book_outbox_each(self->book, s_relay_loaded, self);
    return self;
fail:
    s_destroy(&self);
    return NULL;
}

static char *s_stats(s_sms_t *self)
{
    size_t pending = 0;
    uint64_t runs, forgotten, entries;
    eo_sms_retention_counts(self->retention, &runs, &forgotten, &entries);
    for (eo_sms_adapter_t *a = zhashx_first(self->adapters); a; a = zhashx_next(self->adapters))
        pending += eo_sms_adapter_pending(a);
    return zsys_sprintf(
        "{\"received\":%" PRIu64 ",\"duplicates\":%" PRIu64 ",\"rejected\":%" PRIu64
        ",\"sent\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"pending\":%zu,\"mo\":%" PRIu64
        ",\"dlr\":%" PRIu64 ",\"answers\":%" PRIu64 ",\"help\":%" PRIu64 ",\"relayed\":%" PRIu64
        ",\"relay_acked\":%" PRIu64 ",\"outbox\":%zu,\"outbox_acked\":%zu,"
        "\"refused_source\":%" PRIu64 ",\"refused_key\":%" PRIu64 ",\"mo_replayed\":%" PRIu64
        ",\"mo_unknown\":%" PRIu64 ",\"help_limited\":%" PRIu64 ",\"http_port\":%d,"
        "\"retention_runs\":%" PRIu64 ",\"forgotten\":%" PRIu64
        ",\"forgotten_entries\":%" PRIu64 "}",
        self->n.received, self->n.duplicates, self->n.rejected, self->n.sent, self->n.failed,
        pending, self->n.mo, self->n.dlr, self->n.answers, self->n.help, self->n.relayed,
        self->n.relay_acked, zhashx_size(self->relays) - zlistx_size(self->relays_acked),
        zlistx_size(self->relays_acked), self->n.refused_source, self->n.refused_key,
        self->n.mo_replayed, self->n.mo_unknown, self->n.help_limited,
        self->inbound ? eo_sms_inbound_port(self->inbound) : 0, runs, forgotten, entries);
}

static void s_on_pipe(s_sms_t *self)
{
    char *cmd = zstr_recv(self->pipe);
    if (!cmd || streq(cmd, "$TERM"))
        self->terminated = true;
    else if (streq(cmd, "STATS")) {
        char *json = s_stats(self);
        zstr_send(self->pipe, json);
        zstr_free(&json);
    } else
        zsys_warning("sms: unknown command %s", cmd);
    zstr_free(&cmd);
}

/* One turn: wait for anything, handle it all, end the turn. */
static void s_turn(s_sms_t *self)
{
    zmq_pollitem_t items[S_MAX_POLL];
    size_t n = 0;
    items[n++] = (zmq_pollitem_t){zsock_resolve(self->pipe), 0, ZMQ_POLLIN, 0};
    items[n++] =
        (zmq_pollitem_t){zsock_resolve(eo_worker_sock(self->worker)), 0, ZMQ_POLLIN, 0};
    items[n++] =
        (zmq_pollitem_t){zsock_resolve(eo_client_sock(self->client)), 0, ZMQ_POLLIN, 0};
    if (self->inbound)
        items[n++] = (zmq_pollitem_t){zsock_resolve(eo_sms_inbound_sock(self->inbound)), 0,
                                      ZMQ_POLLIN, 0};
    size_t fixed = n;
    size_t count[64] = {0};
    eo_sms_adapter_t *list[64];
    size_t na = 0;
    /* at most 250 ms: the worker and client heartbeat inside their recv calls */
    int64_t timeout = 250, now = zclock_mono();
    for (eo_sms_adapter_t *a = zhashx_first(self->adapters); a && na < 64;
         a = zhashx_next(self->adapters)) {
        list[na] = a;
        count[na] = eo_sms_adapter_pollfds(a, items + n, S_MAX_POLL - n);
        n += count[na++];
        int64_t due = eo_sms_adapter_due(a);
        if (due >= 0 && due < timeout) timeout = due;
    }
    if (zlistx_size(self->unqueue)) {
        int64_t due = self->unqueue_since + S_UNQUEUE_MS - now;
        timeout = due < timeout ? (due < 0 ? 0 : due) : timeout;
    }
    for (s_relay_t *r = zhashx_first(self->relays); r; r = zhashx_next(self->relays)) {
        int64_t due = r->acked ? timeout : r->next_try - now;
        timeout = due < timeout ? (due < 0 ? 0 : due) : timeout;
    }
    if (zmq_poll(items, (int)n, (long)timeout) < 0) {
        self->terminated = true; /* interrupted: the context is going away */
        return;
    }
    if (items[0].revents & ZMQ_POLLIN) s_on_pipe(self);
    eo_work_t *work;
    for (int i = 0; i < S_BATCH && (work = eo_worker_recv(self->worker, 0)); i++)
        s_on_work(self, work);
    eo_sms_call_t *call;
    for (int i = 0; self->inbound && i < S_BATCH && (call = eo_sms_inbound_recv(self->inbound));
         i++)
        s_on_call(self, call);
    size_t at = fixed;
    for (size_t i = 0; i < na; i++) {
        eo_sms_adapter_ready(list[i], items + at, count[i]);
        at += count[i];
        eo_sms_adapter_tick(list[i]);
    }
    s_on_client(self);
    s_relay_due(self, zclock_mono());
    if (eo_sms_retention_step(self->retention, self->book, s_now_ms(self)))
        zsys_error("sms: retention: a batch failed (the next run finds what it left)");
    s_end_turn(self);
    if (zclock_mono() - self->maintained_at >= EO_STORE_MAINTAIN_MS) {
        self->maintained_at = zclock_mono();
        eo_store_maintain(self->args->store);
    }
}

void eo_sms_actor(zsock_t *pipe, void *arg)
{
    eo_role_args_t *args = arg;
    s_sms_t *self = s_new(pipe, args);
    if (!self) {
        args->failed = true;
        zsock_signal(pipe, (byte)-1);
        return;
    }
    zsys_info("sms: serving sites %s with %zu adapter(s)%s", args->sites,
              zhashx_size(self->adapters), self->inbound ? "" : ", no HTTP endpoint");
    zsock_signal(pipe, 0);
    while (!self->terminated)
        s_turn(self);
    s_destroy(&self);
}
