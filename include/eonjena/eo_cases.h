/* eo_cases: the matcher's durable case store (issue 5; lifecycle in docs/lifecycle.md).
 *
 * A case is one request and everything decided about it: its state, waves of offers,
 * winners, timers, the outgoing messages (the outbox) and a hash-chained event log.
 * Everything lives in the node's LMDB store, in databases named "m.*".
 *
 * CONTRACT: every function that changes state takes the caller's WRITE transaction and
 * never commits or aborts it, so one commit makes a whole decision durable (state,
 * booking, offers, outbox rows, timer, log). Inputs are Events (proto/core.proto);
 * eo_cases_apply decides and returns the encoded reply, which the caller may send only
 * after its commit. Every accepted input is recorded in an input log so that
 * eo_cases_replay rebuilds the same decisions in a fresh store. */
#ifndef EO_CASES_H
#define EO_CASES_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "eo_dong.h"
#include "eo_index.h"
#include "eo_store.h"
#include "eo_time.h"

#define EO_CASE_ID_MAX 48 /* request id bytes, with the NUL */
#define EO_CASE_MAX_WINNERS 2

typedef enum {
    EO_CASE_RECEIVED = 0,
    EO_CASE_VALIDATED,
    EO_CASE_OFFERING,
    EO_CASE_SETTLED,
    EO_CASE_ESCALATED,
    EO_CASE_EXPIRED,
    EO_CASE_CANCELLED,
    EO_CASE_QUEUED,  /* queued for the provider's business hours */
    EO_CASE_REFUSED, /* refused at once but recorded: the provider calls back */
    EO_CASE_CLOSED,  /* closed by an operator, with a reason (no cancellation fee) */
    EO_CASE__STATES
} eo_case_state_t;

/* A case as the store describes it (a copy: the record on disk has its own, versioned
 * layout, private to the case store). */
typedef struct {
    uint8_t state;  /* eo_case_state_t */
    uint8_t needed; /* carers needed: 1 or 2 */
    uint8_t n_winners;
    uint8_t purged; /* personal data removed */
    uint32_t wave;  /* current wave, 1-based; 0 before the first */
    uint32_t winners[EO_CASE_MAX_WINNERS];
    uint32_t dong;
    uint32_t n_offered;   /* offers made over all waves */
    uint32_t log_n;       /* entries in the event log */
    int64_t start, end;   /* service window, seconds */
    int64_t requested_at; /* seconds, the intake clock */
    int64_t timer_due_ms; /* the case's live timer, 0 if none */
    uint64_t timer_seq;
    int64_t updated_ms;
    int64_t fee;                        /* cancellation fee, KRW */
    int64_t service_start, service_end; /* carers' 시작 / 종료 texts */
    uint8_t log_hash[32];               /* hash of the last event log entry */
    char site[EO_SITE_SLUG];
    char id[EO_CASE_ID_MAX];
    uint8_t type;       /* EO_SERVICE_VISIT or EO_SERVICE_FACILITY */
    uint8_t reason;     /* eo_reason_t of a refused case */
    uint8_t pay;        /* 0 nothing due, 1 the member's fee is due, 2 paid */
    int64_t member_fee; /* won: what the member pays (a settled pool case) */
    int64_t carer_pay;  /* won: the pay an offer shows (the quote's carer total) */
} eo_case_t;

typedef struct {
    uint32_t wave_k;                 /* offers per wave (10) */
    int wave_timeout_s[EO_SITE_MAX]; /* per site index (300) */
    int escalate_lead_s;             /* escalate when the start is this close (3600) */
    bool always_pool;                /* skip routing: offer every request (W1, demos) */
    char callcentre_phone[20];       /* NOTICEs to the call centre */
} eo_cases_config_t;

typedef struct eo_cases_t eo_cases_t;
typedef struct eo_rules_t eo_rules_t;

/* Defaults above. */
void eo_cases_config_defaults(eo_cases_config_t *cfg);
/* Open the m.* databases. index, dongs and rules are borrowed and outlive self: the
 * rules route intake, say when pool offers may go out and price cancellations (the same
 * rules the quote uses). cfg NULL: defaults. NULL on failure (logged). */
eo_cases_t *eo_cases_new(eo_store_t *store, eo_index_t *index, const eo_dongs_t *dongs,
                         eo_rules_t *rules, const eo_cases_config_t *cfg);
void eo_cases_destroy(eo_cases_t **self_p);
/* Render every text with these templates (borrowed; outlives self) instead of the
 * built-in ones: the matcher passes the configured sms templates. */
typedef struct eo_templates_t eo_templates_t;
void eo_cases_set_templates(eo_cases_t *self, eo_templates_t *templates);
/* Log one line for each input that carries a trace (Event.trace_id: the X-Request-Id
 * of the HTTP request behind it), so an operator follows a request through the roles'
 * logs. Off by default (a replay decides silently); the matcher turns it on. */
void eo_cases_set_log(eo_cases_t *self, bool log_traces);
/* The provider agencies (borrowed; outlive self): which run a 시설형 facility, where,
 * and the site's 아동돌봄센터 (the matching order of docs/domain.md). Without them a
 * 시설형 request finds no facility and the member is offered 방문형. */
struct eo_providers_t;
void eo_cases_set_providers(eo_cases_t *self, const struct eo_providers_t *providers);
eo_store_t *eo_cases_store(eo_cases_t *self);
eo_index_t *eo_cases_index(eo_cases_t *self);

/* Decide on one input Event at now_ms in txn. On EO_OK *reply (malloc'ed, caller
 * frees) is the encoded reply Event: a Status for request / status_query / cancel, an
 * Ack otherwise. EO_EREFUSED: the input was refused, nothing changed, and *reply carries
 * a Status whose error says why. Any other error: the decision may be half written and
 * the caller must abort txn. A repeated input (same request id, reply id or event id)
 * changes nothing and gets the same answer. */
int eo_cases_apply(eo_cases_t *self, MDB_txn *txn, const void *event, size_t size,
                   int64_t now_ms, uint8_t **reply, size_t *reply_size);
/* Group commit: decide n inputs in txn. replies[i] are malloc'ed (caller frees) and may
 * be sent only after txn commits (a refused input has its reply too). Returns EO_OK, or
 * the error of an input that failed hard: then txn must be aborted and no input
 * answered; no reply is left allocated. */
typedef struct {
    const void *body;
    size_t size;
} eo_cases_input_t;
int eo_cases_apply_batch(eo_cases_t *self, MDB_txn *txn, const eo_cases_input_t *inputs,
                         size_t n, int64_t now_ms, uint8_t **replies, size_t *sizes);
/* Decide n inputs and commit: first all in ONE transaction (group commit); if that
 * fails (an input failed hard, or the commit), each input again in a transaction of
 * its own, so one poison input cannot take its neighbours down. rcs[i] is EO_OK when
 * input i is decided and durable (replies[i] may then be sent; caller frees), or the
 * error that kept it from being decided (replies[i] NULL: give it back to be tried
 * later). extra (may be NULL) writes more into each transaction (the matcher deletes
 * acknowledged outbox rows with it); *extra_done says whether the batch transaction
 * carrying it committed. Returns EO_OK if the first, whole-batch commit succeeded. */
int eo_cases_decide(eo_cases_t *self, const eo_cases_input_t *inputs, size_t n, int64_t now_ms,
                    uint8_t **replies, size_t *sizes, int *rcs,
                    int (*extra)(void *arg, MDB_txn *txn), void *arg, bool *extra_done);
/* Fire every timer due at now_ms (in due order, equal due times in creation order), at
 * most max; *fired gets the count. */
int eo_cases_tick(eo_cases_t *self, MDB_txn *txn, int64_t now_ms, size_t max, size_t *fired);
/* Fire the due timers (at most max) and commit, in transactions of its own: all at once;
 * if that fails, one at a time, and a timer that fails alone is dead-lettered (taken
 * out, recorded as an input so a replay does the same, its case escalated when it can
 * be read), so one bad timer never holds back the ones after it. *fired and *dead get
 * the counts. EO_OK, or the error of a store that cannot even take a timer out (the
 * caller backs off). */
int eo_cases_fire(eo_cases_t *self, int64_t now_ms, size_t max, size_t *fired, size_t *dead);
/* The earliest timer's due time, or EO_ENOTFOUND when none is set. */
int eo_cases_next_due(eo_cases_t *self, MDB_txn *txn, int64_t *due_ms);
/* A bulk carer load that replay must see (W1): puts the carer and its booked minutes
 * in the index and records both in the input log. */
int eo_cases_load_carer(eo_cases_t *self, MDB_txn *txn, const eo_carer_t *carer, eo_time_t t,
                        uint32_t week_min, uint32_t month_min);

/* A bulk load of carers into an empty index (eo_index_load: carers in id order, with
 * their minutes in the week and month of t; month_min may be NULL), recorded in the
 * input log as one input so a replay loads the same. eonjena demo and serve's demo
 * carers use it. */
int eo_cases_load_carers(eo_cases_t *self, MDB_txn *txn, const eo_carer_t *carers,
                         const uint32_t *week_min, const uint32_t *month_min, size_t n,
                         eo_time_t t);

/* Record the configuration and the rules in force (their files' texts) in the input
 * log where they differ from the last recorded, so a replay decides with the same wave
 * size, timeouts, leads, fees, caps and holidays. A matcher calls it at start and
 * whenever the rules were reloaded. */
int eo_cases_record_config(eo_cases_t *self, MDB_txn *txn);

int eo_cases_get(eo_cases_t *self, MDB_txn *txn, const char *id, eo_case_t *out);
const char *eo_case_state_name(int state);
/* A Status event for the case (encoded, caller frees). */
int eo_cases_status(eo_cases_t *self, MDB_txn *txn, const char *id, uint8_t **out,
                    size_t *size);
/* *n: offers of the case's current wave still waiting for an answer (open, delivered or
 * not, not withdrawn). */
int eo_cases_waiting(eo_cases_t *self, MDB_txn *txn, const char *id, uint32_t *n);

/* --- the outbox ------------------------------------------------------------------- */
typedef struct {
    uint64_t seq;
    char service[12]; /* "sms" or "handoff" */
    char site[EO_SITE_SLUG];
    const void *body; /* the encoded Event; valid until txn ends */
    size_t size;
} eo_outbox_row_t;

/* Visit outbox rows in order from seq `from`; stop when fn returns != 0. */
int eo_cases_outbox_each(eo_cases_t *self, MDB_txn *txn, uint64_t from,
                         int (*fn)(void *arg, const eo_outbox_row_t *row), void *arg);
/* Delete an acknowledged row; EO_ENOTFOUND if it is gone already. */
int eo_cases_outbox_delete(eo_cases_t *self, MDB_txn *txn, uint64_t seq);

/* --- audit, replay, check, purge -------------------------------------------------- */
/* Print a case's event log and verify its hash chain; EO_EINVAL if the chain is broken
 * (the entry is named on out), EO_ENOTFOUND for an unknown case. */
int eo_cases_log_print(eo_cases_t *self, MDB_txn *txn, const char *id, FILE *out);
/* Feed every input recorded in `from` into `self` in order, with the recorded clock,
 * committing every 1,000 inputs (one writer: the decisions are those of one input at a
 * time). *inputs gets the count. */
int eo_cases_replay(eo_cases_t *self, eo_store_t *from, size_t *inputs);
/* The same from input `first` on: self's store is a copy of a checkpoint that holds
 * every input before first (eo_retention.h); the rules and configuration in force
 * there, which the checkpoint keeps as its only inputs, are taken first. */
int eo_cases_replay_from(eo_cases_t *self, eo_store_t *from, uint64_t first, size_t *inputs);
/* SHA-256 over every case's id, state, wave, winners and last log hash, and every
 * offer: equal digests mean equal decisions. hex needs 65 bytes. */
int eo_cases_digest(eo_cases_t *self, MDB_txn *txn, char *hex);
/* Verify the invariants of docs/architecture.md; EO_EINVAL with the first violation named
 * in `why`. */
int eo_cases_check(eo_cases_t *self, MDB_txn *txn, char *why, size_t whylen);

void eo_cases_test(bool verbose);

#endif
