/* cases_priv.h: what the files of the matcher's case store share (not public). */
#ifndef EO_CASES_PRIV_H
#define EO_CASES_PRIV_H

#include <czmq.h>

#include "core.pb-c.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_log.h"
#include "eonjena/eo_rules.h"

#define S_CASE_VERSION 2

/* The case record as stored in m.cases (fixed layout, version byte first; eo_case_t
 * is what the public API shows of it). */
typedef struct {
    uint8_t version;
    uint8_t state;               /* eo_case_state_t */
    uint8_t needed;              /* carers needed: 1 or 2 */
    uint8_t n_winners;
    uint32_t wave;               /* current wave, 1-based; 0 before the first */
    uint32_t winners[EO_CASE_MAX_WINNERS];
    uint32_t dong;
    uint32_t n_offered;          /* offers made over all waves */
    uint32_t log_n;              /* entries in the event log */
    int64_t start, end;          /* service window, seconds */
    int64_t requested_at;        /* seconds, the intake clock */
    int64_t timer_due_ms;        /* the case's live timer, 0 if none */
    uint64_t timer_seq;
    uint64_t log_seq;            /* m.journal key of the last log entry, 0 if none */
    int64_t updated_ms;
    int64_t fee;                 /* cancellation fee, KRW */
    int64_t service_start, service_end; /* carers' 시작 / 종료 texts */
    uint8_t log_hash[32];        /* hash of the last log entry */
    uint8_t purged;              /* personal data removed */
    char site[EO_SITE_SLUG];
    char id[EO_CASE_ID_MAX];
} eo_case_rec_t;

#define S_OFFER_VERSION 1

typedef enum {
    EO_OFFER_OPEN = 1,
    EO_OFFER_WON,        /* accepted and booked */
    EO_OFFER_DECLINED,   /* carer said no, or could not be booked */
    EO_OFFER_FAILED,     /* delivery failed: unreachable */
    EO_OFFER_FILLED,     /* closed: the case settled on someone else */
    EO_OFFER_WITHDRAWN,  /* closed: the carer won an overlapping case, or the case closed */
    EO_OFFER_CANCELLED,  /* the winner cancelled */
} eo_offer_state_t;

typedef struct {
    uint8_t version;
    uint8_t state;        /* eo_offer_state_t */
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
    eo_rules_t *rules;  /* borrowed: routing, pool windows, fees */
    eo_rules_t *own_rules; /* a replay's: made from a recorded snapshot */
    struct eo_templates_t *templates; /* every text sent (tell.c) */
    bool own_templates;
    MDB_dbi cases;    /* id -> eo_case_rec_t, and right after it the case's offers:
                       * id \0 carer(BE32) -> eo_offer_t (eo_offer_is_key) */
    MDB_dbi reqs;     /* id -> packed Request (personal data; purge blanks it) */
    MDB_dbi coffers;  /* carer(BE32) -> start end id (eo_coffer_t), dupsort: a carer's
                       * open offers, and stale entries of closed ones: a close leaves them
                       * (one random page per carer) and the two readers, s_code and the
                       * withdrawal, prune; an open offer without its entry is withdrawn */
    MDB_dbi timers;   /* due_ms(BE64) seq(BE64) -> id */
    MDB_dbi outbox;   /* seq(BE64) -> service[12] site[16] event */
    MDB_dbi inputs;   /* seq(BE64) -> kind, at_ms(BE64), payload */
    MDB_dbi journal;  /* seq(BE64) -> hash-chained entry, appended (journal.c) */
    MDB_dbi seen;     /* input idempotency key -> at_ms(BE64) outcome (the reply rebuilt) */
    MDB_dbi meta;     /* counters */
    int64_t now_ms;   /* the clock of the input being decided */
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
int eo_tell_callcentre(eo_cases_t *self, MDB_txn *txn, const eo_case_rec_t *c, eo_tpl_kind_t tpl,
                       const char *what);

/* Events of the lifecycle table (lifecycle.c). */
typedef enum {
    EV_NONE = 0,
    EV_INTAKE,        /* the request is stored */
    EV_ROUTE_POOL,    /* validated: offer to the pool */
    EV_ROUTE_PROVIDER,/* validated: wait for the provider's business hours */
    EV_WAVE,          /* send the next wave */
    EV_ACCEPT,        /* a carer accepted (settlement decides) */
    EV_FULL,          /* the last needed winner was booked */
    EV_DECLINE,
    EV_UNREACHABLE,   /* an offer's delivery failed */
    EV_WAVE_DONE,     /* every offer of the wave was answered no or failed */
    EV_EXPIRED,       /* the case's timer fired */
    EV_EXHAUSTED,     /* no more candidates, or the start is too close */
    EV_WINNER_CANCEL,
    EV_MEMBER_CANCEL,
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
    uint32_t carer;       /* who, when a carer is involved */
    const char *who;      /* "member", "carer:12", "timer", "matcher" */
    const char *detail;
    int outcome;          /* set by actions (settlement result) */
    eo_case_event_t event;/* the event being handled (set by dispatch) */
    char note[96];        /* what an action adds to the journal line */
    eo_touched_t touched; /* other cases to dispatch afterwards (eo_case_run frees) */
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
/* m.coffers: the carer's entry for offer o of case id (its window rides along). */
typedef struct {
    int64_t start, end;
    char id[EO_CASE_ID_MAX];
} eo_coffer_t;
bool eo_coffer_parse(const MDB_val *v, eo_coffer_t *out);
/* Every entry of the carer (*out malloc'ed, caller frees; NULL when none). */
int eo_coffers_of(eo_cases_t *self, MDB_txn *txn, uint32_t carer, eo_coffer_t **out,
                  size_t *n);
int eo_coffer_add(eo_cases_t *self, MDB_txn *txn, const char *id, const eo_offer_t *o);
/* A carer's m.coffers entry as it stands: *live when it still stands for an open offer
 * (the offer is OPEN and its case offering, or settled and not over: a winner's cancel
 * may reopen it), with the offer and its case in *o and *c. An entry that no longer
 * stands is stale and is deleted here (entries are pruned when read). */
int eo_coffer_check(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e,
                    eo_offer_t *o, eo_case_rec_t *c, bool *live);
int eo_coffer_del(eo_cases_t *self, MDB_txn *txn, uint32_t carer, const eo_coffer_t *e);
int eo_meta_next(eo_cases_t *self, MDB_txn *txn, const char *name, uint64_t *value);
/* m.seen: input idempotency key -> when it was decided and its outcome. */
int eo_seen_get(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t *at_ms, char *outcome,
                size_t size);
int eo_seen_put(eo_cases_t *self, MDB_txn *txn, const char *key, int64_t at_ms,
                const char *outcome);
void eo_be32(uint8_t *p, uint32_t v);
void eo_be64(uint8_t *p, uint64_t v);
uint32_t eo_get_be32(const uint8_t *p);
uint64_t eo_get_be64(const uint8_t *p);

/* journal.c: append (who, what, detail) to the case's hash chain; updates c. */
int eo_journal_append(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, const char *who,
                      const char *what, const char *detail);

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
int eo_settle_accept(eo_cases_t *self, MDB_txn *txn, eo_case_rec_t *c, uint32_t carer, int *outcome,
                     eo_touched_t *touched);
/* "won", "filled", "unbookable", "no_offer", "withdrawn"; "recorded" otherwise. */
const char *eo_settle_outcome_name(int outcome);

/* inputs.c */
int eo_input_record(eo_cases_t *self, MDB_txn *txn, int kind, const void *payload, size_t size);

#endif
