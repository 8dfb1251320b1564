/* cases_priv.h: what the files of the matcher's case store share (not public). */
#ifndef EO_CASES_PRIV_H
#define EO_CASES_PRIV_H

#include <czmq.h>
#include <jansson.h>

#include "core.pb-c.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_log.h"
#include "eonjena/eo_provider.h"
#include "eonjena/eo_restrict.h"
#include "eonjena/eo_rules.h"

#define S_CASE_VERSION 3
#define S_CASE_V2_SIZE 216 /* a version 2 record: the fields up to id, padded */

/* A pool case's payment (docs/lifecycle.md). */
enum { EO_PAY_NONE = 0, EO_PAY_DUE = 1, EO_PAY_PAID = 2 };

/* The case record as stored in m.cases (fixed layout, version byte first; eo_case_t
 * is what the public API shows of it). Version 3 appended the fields after id; a
 * version 2 record reads as one with them zero (a 방문형 case, nothing due). */
typedef struct {
    uint8_t version;
    uint8_t state;  /* eo_case_state_t */
    uint8_t needed; /* carers needed: 1 or 2 */
    uint8_t n_winners;
    uint32_t wave; /* current wave, 1-based; 0 before the first */
    uint32_t winners[EO_CASE_MAX_WINNERS];
    uint32_t dong;
    uint32_t n_offered;   /* offers made over all waves */
    uint32_t log_n;       /* entries in the event log */
    int64_t start, end;   /* service window, seconds */
    int64_t requested_at; /* seconds, the intake clock */
    int64_t timer_due_ms; /* the case's live timer, 0 if none */
    uint64_t timer_seq;
    uint64_t log_seq; /* m.journal key of the last log entry, 0 if none */
    int64_t updated_ms;
    int64_t fee;                        /* cancellation fee, KRW */
    int64_t service_start, service_end; /* carers' 시작 / 종료 texts */
    uint8_t log_hash[32];               /* hash of the last log entry */
    uint8_t purged;                     /* personal data removed */
    char site[EO_SITE_SLUG];
    char id[EO_CASE_ID_MAX];
    /* version 3 (issue 17) */
    uint8_t type;       /* EO_SERVICE_VISIT (0 reads as it) or _FACILITY */
    uint8_t reason;     /* eo_reason_t: why a refused case was refused */
    uint8_t pay;        /* EO_PAY_*: the member's payment of a pool case */
    uint8_t tier;       /* 시설형: eo_match_tier_t of the current wave */
    uint16_t provider;  /* 시설형: provider number of the current wave */
    uint8_t pair;       /* 시설형: pairs recommended (2인 1조, 권고) */
    uint8_t flags;      /* EO_CASE_F_*: what the service's end recorded */
    int64_t member_fee; /* the fee the member pays (the quote, at settlement) */
    int64_t carer_pay;  /* the pay an offer shows: the quote's carer total */
    int64_t paid_at;
} eo_case_rec_t;

enum {
    EO_CASE_F_NOSHOW = 1,      /* the carer reported a no-show */
    EO_CASE_F_OVERRUN = 2,     /* 시설형: collected 5 minutes or more after the end */
    EO_CASE_F_SHORTENED = 4,   /* 시설형: collected before the end */
    EO_CASE_F_PICKUP_LATE = 8, /* 시설형: nobody collected within the grace */
};

_Static_assert(offsetof(eo_case_rec_t, id) + EO_CASE_ID_MAX <= S_CASE_V2_SIZE &&
                   offsetof(eo_case_rec_t, type) >=
                       offsetof(eo_case_rec_t, id) + EO_CASE_ID_MAX,
               "version 3 keeps the version 2 fields where they were");

#define S_OFFER_VERSION 1

typedef enum {
    EO_OFFER_OPEN = 1,
    EO_OFFER_WON,       /* accepted and booked */
    EO_OFFER_DECLINED,  /* carer said no, or could not be booked */
    EO_OFFER_FAILED,    /* delivery failed: unreachable */
    EO_OFFER_FILLED,    /* closed: the case settled on someone else */
    EO_OFFER_WITHDRAWN, /* closed: the carer won an overlapping case, or the case closed */
    EO_OFFER_CANCELLED, /* the winner cancelled */
} eo_offer_state_t;

typedef struct {
    uint8_t version;
    uint8_t state; /* eo_offer_state_t */
    uint8_t delivered;
    uint8_t replied;
    uint32_t wave;
    uint32_t carer;
    char code[8];
    int64_t start, end;
} eo_offer_t;

/* Input log record kinds (store layout 3: no payload is a C struct). */
enum {
    S_INPUT_EVENT = 'E',      /* an encoded Event */
    S_INPUT_TIMER = 'T',      /* the key of the timer fired */
    S_INPUT_TIMER_DEAD = 'D', /* a timer that failed alone, taken out (eo_cases_fire) */
    S_INPUT_CARER = 'C',      /* one carer: a CarerLoad of one (proto/inputs.proto) */
    S_INPUT_CARERS = 'B',     /* a bulk load into an empty index: a CarerLoad */
    S_INPUT_CONFIG = 'G',     /* the matcher's configuration: a CasesConfig */
    S_INPUT_RULES = 'R',      /* the texts of the rules in force (eo_rules_snapshot) */
    S_INPUT_PROVIDERS = 'P',  /* the providers' facilities (zconfig text, eo_facility_record) */
    S_INPUT_RETENTION = 'X',  /* a batch of the retention (retention.c) */
};

/* records.c: the payloads of 'C', 'B' and 'G' (proto/inputs.proto). encode: malloc'ed
 * bytes (NULL out of memory). decode: EO_EINVAL for bytes that are no such record; the
 * carers' arrays are malloc'ed (caller frees). */
uint8_t *eo_carer_load_encode(const eo_carer_t *carers, const uint32_t *week_min,
                              const uint32_t *month_min, size_t n, eo_time_t at, size_t *size);
int eo_carer_load_decode(const uint8_t *data, size_t size, eo_carer_t **carers,
                         uint32_t **week_min, uint32_t **month_min, size_t *n, eo_time_t *at);
uint8_t *eo_cases_config_encode(const eo_cases_config_t *cfg, size_t *size);
int eo_cases_config_decode(const uint8_t *data, size_t size, eo_cases_config_t *cfg);

struct eo_cases_t {
    eo_store_t *store;
    eo_index_t *index;
    const eo_dongs_t *dongs;
    eo_cases_config_t cfg;
    eo_rules_t *rules;                /* borrowed: routing, pool windows, fees */
    eo_rules_t *own_rules;            /* a replay's: made from a recorded snapshot */
    struct eo_templates_t *templates; /* every text sent (tell.c) */
    bool own_templates;
    MDB_dbi cases;    /* id -> eo_case_rec_t, and right after it the case's offers:
                       * id \0 carer(BE32) -> eo_offer_t (eo_offer_is_key) */
    MDB_dbi reqs;     /* id -> packed Request (personal data; purge blanks it) */
    MDB_dbi coffers;  /* carer(BE32) -> start end code id (eo_coffer_t), dupsort: a carer's
                       * open offers, and stale entries of closed ones: a close leaves them
                       * (one random page per carer) and the two readers, s_code and the
                       * withdrawal, prune; an open offer without its entry is withdrawn */
    MDB_dbi timers;   /* due_ms(BE64) seq(BE64) -> id */
    MDB_dbi outbox;   /* seq(BE64) -> service[12] site[16] event */
    MDB_dbi inputs;   /* seq(BE64) -> kind, at_ms(BE64), payload */
    MDB_dbi journal;  /* seq(BE64) -> hash-chained entry, appended (journal.c) */
    MDB_dbi seen;     /* input idempotency key -> at_ms(BE64) outcome (the reply rebuilt) */
    MDB_dbi meta;     /* counters */
    MDB_dbi fgroups;  /* 시설형: a carer's group of children (facility.c) */
    MDB_dbi childday; /* 시설형: a child's minutes on a day (facility.c) */
    MDB_dbi members;  /* member id -> packed Member (members.c) */
    MDB_dbi feed;     /* journal seq(BE64) -> the change feed's row (feed.c) */
    struct eo_restrict_t *restricts; /* 이용제한, in the same store (its own databases) */
    bool has_members; /* false only for a read-only store written before members were */
    bool has_feed;    /* the same for the change feed */
    const struct eo_providers_t *providers; /* borrowed: 시설형 providers, the centre */
    struct eo_providers_t *own_providers;   /* a replay's: made from a recorded input */
    int64_t now_ms;                         /* the clock of the input being decided */
    const char *trace; /* the input's Event.trace_id (an HTTP request's X-Request-Id) or
                        * NULL: the outbox rows it causes carry it on */
    bool log_traces;   /* log a line for each input carrying a trace (eo_cases_set_log) */
};

/* tell.c: every text the case store sends, rendered from the sms templates
 * (eo_template.h), the same ones the sms side checks at start-up, and queued in the
 * outbox. */
#include "eonjena/eo_template.h"
/* The case's site, dong, window, pay, fee and id; the caller adds code, child, ... */
void eo_case_vars(eo_cases_t *self, const eo_case_rec_t *c, eo_tpl_vars_t *vars);
/* The carer's phone (and name, if name is not NULL); EO_ENOTFOUND for an unknown carer. */
int eo_carer_phone(eo_cases_t *self, MDB_txn *txn, uint32_t carer, char *phone, size_t size,
                   char *name, size_t namesize);
/* Text template tpl to a carer as a Message of `kind` with id "<case>:<carer>:<what>";
 * vars NULL: the case's own (eo_case_vars). A carer gone from the index gets nothing. */
int eo_tell_carer(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                  eo_tpl_kind_t tpl, int kind, const char *what, const eo_tpl_vars_t *vars);
/* Text template tpl to the member who made the request (if they gave a phone). */
int eo_tell_member(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, eo_tpl_kind_t tpl,
                   const char *what, const eo_tpl_vars_t *vars);
/* Text template tpl to the call centre. */
int eo_tell_callcentre(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c,
                       eo_tpl_kind_t tpl, const char *what);

/* Events of the lifecycle table (lifecycle.c). */
typedef enum {
    EV_NONE = 0,
    EV_INTAKE,         /* the request is stored */
    EV_ROUTE_POOL,     /* validated: offer to the pool */
    EV_ROUTE_PROVIDER, /* validated: wait for the provider's business hours */
    EV_WAVE,           /* send the next wave */
    EV_ACCEPT,         /* a carer accepted (settlement decides) */
    EV_FULL,           /* the last needed winner was booked */
    EV_DECLINE,
    EV_UNREACHABLE, /* an offer's delivery failed */
    EV_WAVE_DONE,   /* every offer of the wave was answered no or failed */
    EV_EXPIRED,     /* the case's timer fired */
    EV_EXHAUSTED,   /* no more candidates, or the start is too close */
    EV_WINNER_CANCEL,
    EV_MEMBER_CANCEL,
    EV_REFUSE,      /* refused at once, recorded for the provider's call back */
    EV_PAID,        /* the member's payment was confirmed: the case is linked */
    EV_UNPAID,      /* the payment deadline passed */
    EV_PICKUP_LATE, /* 시설형: nobody collected the child within the grace */
    EV_NOSHOW,      /* the carer reported that nobody was there */
    EV_ASSIGN,      /* an operator books a carer by hand (operator.c) */
    EV_REOFFER,     /* an operator sends the next wave now */
    EV_RESCHEDULE,  /* an operator moved the service time (the record has the new one) */
    EV_CLOSE,       /* an operator closes the case with a reason */
    EV__COUNT
} eo_case_event_t;

/* Other cases a decision touched: a settlement withdraws the winner's overlapping
 * offers, and a case whose current wave thereby has nobody left must move on. The
 * settlement only lists them; the caller dispatches them once the deciding case is
 * saved (eo_case_run), so settle.c never calls back into the lifecycle. */
typedef struct {
    char (*ids)[EO_CASE_ID_MAX];
    size_t n, cap;
} eo_touched_t;

/* Context of one lifecycle event. */
typedef struct {
    uint32_t carer;  /* who, when a carer is involved */
    const char *who; /* "member", "carer:12", "timer", "matcher" */
    const char *detail;
    int outcome;                /* set by actions (settlement result) */
    eo_case_event_t event;      /* the event being handled (set by dispatch) */
    char note[96];              /* what an action adds to the journal line */
    int64_t was_start, was_end; /* EV_RESCHEDULE: the service time before the change */
    eo_touched_t touched;       /* other cases to dispatch afterwards (eo_case_run frees) */
} eo_case_ctx_t;

/* Settlement outcomes (eo_settle_accept). */
enum {
    EO_SETTLE_WON = 1,
    EO_SETTLE_FILLED,
    EO_SETTLE_UNBOOKABLE,
    EO_SETTLE_NO_OFFER,
    EO_SETTLE_WITHDRAWN, /* the carer won an overlapping case first */
};

/* cases.c: records */
int eo_case_get(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_rec_t *out);
int eo_cases_put(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c);
/* *n: offers of c's current wave still waiting (at most max; 0: all). */
int eo_case_waiting(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t max,
                    uint32_t *n);
/* *over: nobody of c's current wave is waiting any more. */
int eo_case_wave_over(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, bool *over);
int eo_cases_request(eo_cases_t *self, MDB_txn *txn, const char *id, Eo__Request **out);
/* A Status event for a case (eo_cases_status); replayed: the answer to a resent intake. */
int eo_case_status(eo_cases_t *self, MDB_txn *txn, const char *id, bool replayed, uint8_t **out,
                   size_t *size);
int eo_offer_key(const char *id, uint32_t carer, uint8_t *key, size_t size);
/* Offers live in m.cases after their case: is this key an offer's (id \0 carer)? A
 * case id never holds a 0 byte. */
bool eo_offer_is_key(const MDB_val *k);
/* The offer as it stands. The one place that knows what an offer's state is beside its
 * record: an OPEN record whose carer's m.coffers entry is gone reads EO_OFFER_WITHDRAWN
 * (a withdrawal deletes only the entry, so it never writes the other case's page). */
int eo_offer_get(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t carer, eo_offer_t *o);
int eo_offer_put(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_offer_t *o);
/* Visit the offers of a case in carer order. fn may not write offers of the case. */
int eo_offer_each(eo_cases_t *self, MDB_txn *txn, const char *id,
                  int (*fn)(void *arg, const eo_offer_t *o), void *arg);
/* m.coffers: the carer's entry for offer o of case id (its window and code ride along). */
typedef struct {
    int64_t start, end;
    char code[8];
    char id[EO_CASE_ID_MAX];
} eo_coffer_t;
bool eo_coffer_parse(const MDB_val *v, eo_coffer_t *out);
/* An m.coffers entry (layout 4): carer(BE32) -> start(BE64) end(BE64) code(4 digits) id,
 * so a carer's entries sort by start, the withdrawal finds the overlapping ones and the
 * code picker the codes in use without reading offers. key: 4 bytes, val: EO_COFFER_HEAD
 * + EO_CASE_ID_MAX. */
#define EO_COFFER_HEAD 20
void eo_coffer_encode(uint32_t carer, int64_t start, int64_t end, const char *code,
                      const char *id, uint8_t *key, uint8_t *val, MDB_val *k, MDB_val *v);
/* Every entry of the carer (*out malloc'ed, caller frees; NULL when none). */
int eo_coffers_of(eo_cases_t *self, MDB_txn *txn, uint32_t carer, eo_coffer_t **out, size_t *n);
int eo_coffer_add(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_offer_t *o);
/* A carer's m.coffers entry as it stands: *live when it still stands for an open offer
 * (the offer is OPEN and its case offering, or settled and not over: a winner's cancel
 * may reopen it), with the offer and its case in *o and *c. An entry that no longer
 * stands is stale and is deleted here (entries are pruned when read). */
int eo_coffer_check(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e,
                    eo_offer_t *o, eo_case_rec_t *c, bool *live);
int eo_coffer_del(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e);
/* m.meta counters: the next value of a sequence; a counter moved by delta (*value, if
 * not NULL, gets the new value); a counter's value (0 when it was never moved). */
int eo_meta_next(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t *value);
int eo_meta_add(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t delta,
                uint64_t *value);
int eo_meta_get(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t *value);
/* metrics.c: the settlement latency histogram of GET /metrics, kept in m.meta in the
 * settling transaction (so it counts exactly the settlements that were committed, and a
 * replay rebuilds it): c settles now (self->now_ms, the input's clock). */
int eo_metrics_settled(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c);
/* m.seen: input idempotency key -> when it was decided and its outcome. */
int eo_seen_get(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t *at_ms, char *outcome,
                size_t size);
int eo_seen_put(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t at_ms,
                const char *outcome);
void eo_be32(uint8_t *p, uint32_t v);
void eo_be64(uint8_t *p, uint64_t v);
uint32_t eo_get_be32(const uint8_t *p);
uint64_t eo_get_be64(const uint8_t *p);

/* feed.c: the change feed. open: m.feed (a read-only store may have none). append: the
 * row of a lifecycle step of c (event ev from state from; wave0: c's wave before it;
 * carer: the carer who answered, or 0), right after its journal entry. trim: delete up
 * to max rows decided before before_ms (the oldest first), counted in *deleted. */
int eo_feed_open(eo_cases_t *self);
int eo_feed_append(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, int ev, int from,
                   uint32_t wave0, uint32_t carer);
int eo_feed_trim(eo_cases_t *self, MDB_txn *txn, int64_t before_ms, uint32_t max,
                 size_t *deleted);

/* journal.c: append (who, what, detail) to the case's hash chain; updates c. */
int eo_journal_append(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const char *who,
                      const char *what, const char *detail);
/* One entry of a case's journal as read back (strings valid until txn ends). */
typedef struct {
    uint32_t n;   /* its number in the case, from 0 */
    uint64_t seq; /* its key in m.journal (the one sequence of every case) */
    int64_t at_ms;
    const char *who, *what, *detail; /* "" when the entry is missing or malformed */
    uint8_t hash[32];
    bool ok; /* it links to the previous entry and matches its hash */
} eo_journal_entry_t;
typedef int(eo_journal_fn)(void *arg, const eo_journal_entry_t *entry);
/* Walk a case's journal oldest first, verifying the chain: fn sees every entry, broken
 * ones with ok false (a nonzero return stops the walk). EO_OK when the whole chain
 * verifies; EO_EINVAL when it is broken (*broken says how); EO_ENOTFOUND for an unknown
 * case. The one reader of the journal: `eonjena log` and the API's journal use it. */
int eo_journal_each(eo_cases_t *self, MDB_txn *txn, const char *id, eo_journal_fn *fn,
                    void *arg, const char **broken);
/* 64 hex digits of a hash (out needs 65 bytes). */
void eo_journal_hex(const uint8_t *hash, char *out);

/* timers.c: storage only (firing a timer is an input: inputs.c) */
int eo_timer_set(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int64_t due_ms);
int eo_timer_clear(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c);
/* The earliest timer: its 16-byte key and its case id. EO_ENOTFOUND when none. */
int eo_timer_first(eo_cases_t *self, MDB_txn *txn, uint8_t *key, char *id);
/* Take the timer with this key out: its case id in id (EO_CASE_ID_MAX bytes), or
 * EO_ENOTFOUND. */
int eo_timer_take(eo_cases_t *self, MDB_txn *txn, const uint8_t *key, char *id);

/* outbox.c: queue one Message to (sms, site), or a HandoffItem to (handoff, site). */
int eo_outbox_message(eo_cases_t *self, MDB_txn *txn, const char *site, const char *id,
                      int kind, const char *to, const char *text, const char *request_id,
                      uint32_t carer, const char *code);
int eo_outbox_handoff(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, int kind);
/* One KIND_CLOSE to the carer who won `won`: the offers of ids[0..n) are over. */
int eo_outbox_close(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *won, const char *to,
                    uint32_t carer, char **ids, size_t n);

/* lifecycle.c: run an event through the state table; c is saved by the caller, who
 * then dispatches ctx->touched (eo_case_run does both). */
int eo_case_dispatch(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_event_t ev,
                     eo_case_ctx_t *ctx);
/* Run an event on a stored case, save it, then move on every other case the decision
 * touched whose current wave has nobody left waiting. EO_ENOTFOUND for an unknown case,
 * EO_ECLOSED when the case's state takes no such event. */
int eo_case_run(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_event_t ev,
                eo_case_ctx_t *ctx);
/* Add id to the touched list (once). */
int eo_touched_add(eo_touched_t *t, const char *id);
const char *eo_case_event_name(int ev);
/* Send the next wave, or report EV_EXHAUSTED in *next with *why: start_too_close,
 * outside_pool_hours, dong_not_served (the table changed under the case), no_candidates. */
int eo_case_wave(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_case_event_t *next,
                 const char **why);
/* Close every open offer of a case with state `to` and message kind (0: no message). */
int eo_case_close_offers(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int to, int kind,
                         bool delivered_only);

/* settle.c: the one settlement function. Cases whose current wave lost an offer to
 * the winner's withdrawal are added to *touched (the caller dispatches them). */
int eo_settle_accept(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer,
                     int *outcome, eo_touched_t *touched);
/* "won", "filled", "unbookable", "no_offer", "withdrawn"; "recorded" otherwise. */
const char *eo_settle_outcome_name(int outcome);

/* settle.c: an operator's assignment: carer wins c as an acceptance of an open offer
 * would (booked, WINNER text, overlapping offers withdrawn), with or without an offer
 * of the case (one is made, with a reply code, when there is none). The caller checked
 * that the carer may take it (eo_assign_check); *outcome as eo_settle_accept's. */
int eo_settle_assign(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer,
                     int *outcome, eo_touched_t *touched);

/* lifecycle.c: a 4-digit reply code for an offer of c to carer, unique among the carer's
 * open offers (derived from the request id, so a replay picks the same one). */
int eo_case_offer_code(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                       char *code);
/* Could a wave go out now, and to somebody? NULL when it could, else why not:
 * start_too_close, outside_pool_hours, dong_not_served, no_candidates. Writes nothing. */
int eo_case_can_offer(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, const char **why);
/* The winners' names and phones, ", "-separated, for the member's notice. */
void eo_case_winner_names(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, char *names,
                          size_t nsize, char *phones, size_t psize);
/* Release the winners of a case and tell each with template tpl (message `what`). */
int eo_case_release_winners(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, eo_tpl_kind_t tpl,
                            const char *what);

/* operator.c: an operator's actions (OperatorAction): the input, and the lifecycle's
 * actions for EV_ASSIGN, EV_REOFFER, EV_RESCHEDULE and EV_CLOSE. */
int eo_operator_input(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                      size_t rawsize, uint8_t **reply, size_t *size);
/* Why a carer may not be assigned, in both languages, naming the carer. */
typedef struct {
    char ko[256], en[192];
} eo_assign_why_t;
/* May carer take case c (a 방문형 case) now? NULL when yes, else the refusal's code
 * (carer_inactive, carer_other_site, ...) with its messages in why. */
int eo_assign_check(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer,
                    const char **code, eo_assign_why_t *why);
int eo_act_assign(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);
int eo_act_reoffer(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                   eo_case_event_t *);
int eo_act_reschedule(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *,
                      eo_case_event_t *);
int eo_act_close(eo_cases_t *, MDB_txn *, eo_case_rec_t *, eo_case_ctx_t *, eo_case_event_t *);

/* facility.c: the providers' facilities as the input log records them (what the 시설형
 * dispatch reads, never a webhook's url or secret), recorded when they change; and a
 * replay's, from such a record. */
int eo_facility_record(eo_cases_t *self, MDB_txn *txn);
int eo_facility_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *text, size_t size);

/* inputs.c */
int eo_input_record(eo_cases_t *self, MDB_txn *txn, int kind, const void *payload, size_t size);
/* The one place a refusal is made: a Status carrying the error in *reply, and
 * EO_EREFUSED ("refused, nothing written"); EO_ENOMEM if it cannot be encoded. */
int eo_cases_refuse(eo_cases_t *self, const char *id, const char *code, const char *ko,
                    const char *en, uint8_t **reply, size_t *size);

/* members.c: registered members. The inputs MemberUpsert, MemberVerify, MemberRestrict
 * (each replies with the member as a QueryResult), and what intake takes from a
 * registered member: r's verified flag, phone and the child's age are overwritten by the
 * stored ones; *code is set (and ko, en: the messages) when the member may not use the
 * service (restricted, not_member, child_not_registered). An unregistered member's
 * request is left as it is. */
int eo_member_upsert(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size);
int eo_member_verify(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                     size_t rawsize, uint8_t **reply, size_t *size);
int eo_member_restrict(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, const void *raw,
                       size_t rawsize, uint8_t **reply, size_t *size);
int eo_member_intake(eo_cases_t *self, MDB_txn *txn, Eo__Request *r, const char **code,
                     char *ko, char *en, size_t size);
/* A registered member's case was taken, its service ending at until: its last activity
 * (Member.last_active_at) moves to until (or now, if later), which retention counts from.
 * An unregistered id: nothing. */
int eo_member_touch(eo_cases_t *self, MDB_txn *txn, const char *id, eo_time_t until);

/* query.c: the reply to a Query event (a QueryResult, or a refusal). Writes nothing. */
int eo_query_reply(eo_cases_t *self, MDB_txn *txn, const Eo__Event *in, uint8_t **reply,
                   size_t *size);
/* The answer to the event in: a QueryResult carrying out as compact JSON (out is
 * taken). EO_OK, EO_ENOMEM, or EO_EINVAL when the answer is too large for one event. */
int eo_query_result(eo_cases_t *self, const Eo__Event *in, json_t *out, uint8_t **reply,
                    size_t *size);
/* Decide one recorded input again (kind, at_ms, payload as m.inputs holds it). */
int eo_input_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *p, size_t n);

/* retention.c */
/* A case whose state takes no more offers (settled, expired, cancelled, escalated,
 * queued, refused, closed): what the retention may anonymise or delete once its service
 * is over. */
bool eo_case_closed(int state);
/* Replay a recorded retention batch (payload of an S_INPUT_RETENTION input). */
int eo_retention_replay(eo_cases_t *self, MDB_txn *txn, const uint8_t *p, size_t size);
/* Blank the member's phone, the child's name and the address of the stored request
 * under key (nothing when there is none). */
int eo_request_anonymise(MDB_txn *txn, MDB_dbi reqs, MDB_val *key);

/* asked.c: a request as the rules see it (eo_quote_params_t), the one way the case store
 * asks them: the intake check, the pay an offer shows, the member's fee, the breakdown. */
void eo_case_params(eo_cases_t *self, const Eo__Request *r, eo_time_t requested,
                    eo_quote_params_t *p);
/* The intake check of a new request at now: eo_rules_check with the member's
 * restriction in force and the child's other 시설형 minutes that day. */
int eo_case_check(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, eo_time_t now,
                  eo_verdict_t *v);
/* What the rules say now of a stored case's request, the timing left out (`eonjena
 * check`): its texts, durations, 시설형 days and hours, who asked (eligibility) and the
 * restriction in force for the member when it was made. */
int eo_case_recheck(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, eo_verdict_t *v);
/* The quote of a stored case, as it was asked. */
int eo_case_quote(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r,
                  eo_quote_t *q);
/* Its carer pay (what an offer shows) and member fee; EO_EINVAL if the rules refuse it. */
int eo_case_pay(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r, int64_t *pay,
                int64_t *fee);
/* The fee breakdown a provider is handed (JSON text, malloc'ed; NULL on failure). */
char *eo_case_fee_json(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r);

/* facility.c: 시설형 as its own service. */
struct eo_provider_t;
const eo_provider_t *eo_facility_provider(eo_cases_t *self, const char *site, uint16_t number);
void eo_facility_regular(eo_cases_t *self, const eo_case_rec_t *c, eo_quote_params_t *p);
/* The id of the site's 아동돌봄센터 provider, "" if none is configured. */
const char *eo_facility_centre_id(eo_cases_t *self, const char *site);
int eo_childday_get(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, int *minutes);
int eo_childday_add(eo_cases_t *self, MDB_txn *txn, const Eo__Request *r, int delta);
/* A 시설형 case that will not take place gives its minutes of the day back. */
int eo_facility_release_day(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c);
/* Up to k carers for the next wave of a 시설형 case in the matching order (sets c->tier,
 * c->provider and, for invited pairs, c->needed); *n 0 when no provider has one. */
int eo_facility_candidates(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const uint32_t *ex,
                           uint32_t n_ex, uint32_t *out, uint32_t k, uint32_t *n);
/* The provider, who hands over and who collects, for a 시설형 text. */
void eo_facility_vars(eo_cases_t *self, const eo_case_rec_t *c, const Eo__Request *r,
                      eo_tpl_vars_t *vars);
/* Book / release a winner: the index for 방문형, the carer's group for 시설형. */
int eo_case_book(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer);
int eo_case_unbook(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, uint32_t carer);
/* member.c: charges and restrictions of the member of a case. kind: EO_CHARGE_CANCEL
 * or an eo_facility_charge_t (a no-show of a 방문형 case is charged as a cancellation
 * now); sets c->fee and the rule that priced it. */
enum { EO_CHARGE_CANCEL = 0 };
int eo_case_charge(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, int kind, int minutes,
                   char *rule, size_t rulelen);
/* Count an occurrence of cause for the case's member; a restriction that applies is told
 * to the member (its term and end). The journal line of ctx says what happened. */
int eo_case_restrict(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const char *cause,
                     eo_case_ctx_t *ctx);
/* Decode a stored case record (either version). */
int eo_case_decode(const MDB_val *v, eo_case_rec_t *out);

#endif
