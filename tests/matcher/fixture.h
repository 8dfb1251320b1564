/* fixture.h: a matcher case store on a real LMDB file, real carers in the real index,
 * and helpers that build and apply real Events, for the matcher's tests. */
#ifndef EO_TEST_MATCHER_FIXTURE_H
#define EO_TEST_MATCHER_FIXTURE_H

#include <czmq.h>

#include "core.pb-c.h"
#include "eonjena/eo_broker.h"
#include "eonjena/eo_cases.h"
#include "eonjena/eo_codec.h"
#include "eonjena/eo_error.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "common/role.h"

typedef struct {
    char dir[256];
    eo_dongs_t *dongs;
    eo_store_t *store;
    eo_index_t *index;
    eo_cases_t *cases;
    eo_rules_t *rules;
    int64_t now_ms; /* the injected clock */
    uint32_t dong;  /* a dong of suwon */
} fx_t;

/* A fresh store under $EO_TEST_TMP/<name> (NOSYNC when fast). Clock: W1's Friday 18:00. */
fx_t *fx_new(const char *name, bool fast, const eo_cases_config_t *cfg);
void fx_destroy(fx_t **self_p);
/* A pool carer of suwon preferring fx->dong, free all week. */
void fx_carer(fx_t *fx, uint32_t id);
/* Carers 1..n, each as fx_carer. */
void fx_carers(fx_t *fx, uint32_t n);
/* The same, preferring dongs[0..n) (home dongs[0]). */
void fx_carer_in(fx_t *fx, uint32_t id, const uint32_t *dongs, int n);
/* Close the case store and index and open them again on the same store, with this dong
 * table (fx takes it; NULL: the default one again) and configuration. */
void fx_reopen(fx_t *fx, eo_dongs_t *dongs, const eo_cases_config_t *cfg);
/* Start again on an empty store of map_mb that may grow to max_mb (NOSYNC). */
void fx_resize(fx_t *fx, size_t map_mb, size_t max_mb, const eo_cases_config_t *cfg);
/* Encode helpers (caller frees). */
uint8_t *fx_request(fx_t *fx, const char *id, int64_t start, int hours, int needed,
                    size_t *size);
uint8_t *fx_request_in(fx_t *fx, const char *id, uint32_t dong, int64_t start, int hours,
                       int needed, size_t *size);
/* A request with everything given: personal data (phone, child, address) and the
 * site of the dong. */
uint8_t *fx_request_as(const char *id, const char *site, uint32_t dong, int64_t start,
                       int64_t end, const char *phone, const char *child, const char *address,
                       size_t *size);
uint8_t *fx_answer(const char *request, uint32_t carer, bool accept, const char *reply_id,
                   size_t *size);
uint8_t *fx_delivery(const char *message_id, bool ok, size_t *size);
/* payment_confirmed of a request (amount 0: not said), with event id event_id. */
uint8_t *fx_payment(const char *request, int64_t amount, const char *event_id, size_t *size);
/* A cancellation with the request's id as its event id (fx_cancel_as: another one). */
uint8_t *fx_cancel(const char *request, uint32_t carer, size_t *size);
uint8_t *fx_cancel_as(const char *request, uint32_t carer, const char *event_id, size_t *size);
/* Apply one event in its own committed transaction; returns the decoded reply. */
Eo__Event *fx_apply(fx_t *fx, const uint8_t *body, size_t size, int *rc);
/* A request of `hours` from start, one carer, sent to a running matcher (service match,
 * suwon) through client: the status it answers (caller frees with eo_event_free). */
Eo__Event *fx_submit(fx_t *fx, eo_client_t *client, const char *id, int64_t start, int hours);
/* Fire due timers at fx->now_ms. */
size_t fx_tick(fx_t *fx);
eo_case_t fx_case(fx_t *fx, const char *id);
/* Whether the case is in the store. */
bool fx_exists(fx_t *fx, const char *id);
/* fx_apply of a body the caller no longer needs (freed), which must be decided. */
void fx_apply_ok(fx_t *fx, uint8_t *body, size_t size);
/* Count outbox messages of a kind for a request (kind 0: any), and to a carer (0: any). */
int fx_outbox_count(fx_t *fx, const char *request, int kind, uint32_t carer);
/* Overwrite a case's record with one no reader can take (the wrong size for its
 * version): a damaged store, for failure tests. */
void fx_damage_case(fx_t *fx, const char *id);
/* Run eonjena check's verification; asserts it passes. */
void fx_check_ok(fx_t *fx);

/* The sms stand-in: take what comes to sms for up to wait_ms, answering every work item;
 * true as soon as an offer came (for request, or any when NULL). */
bool fx_sms_offer(eo_worker_t *sms, const char *request, int wait_ms);

/* A request to (service, suwon) through client that the stand-in w answers: once it is
 * back, w is registered with the broker (rows relayed to service reach it). */
void fx_probe(eo_client_t *client, eo_worker_t *w, const char *service);

/* Monday 10:00 after fx's Friday 18:00 (seconds): a request then waits for the provider. */
int64_t fx_monday(fx_t *fx);
/* n requests <prefix>0.. of two hours from fx_monday, sent to a running matcher through
 * client: each is handed to the provider (a hand-off row in the outbox). */
void fx_submit_waiting(fx_t *fx, eo_client_t *client, const char *prefix, int n);
/* The item id of a hand-off row relayed to a hand-off stand-in (caller frees). */
char *fx_handoff_id(eo_work_t *work);

/* A broker at endpoint and the role arguments of a matcher for suwon on fx's store, with
 * the configuration cfg_text and a manual clock at fx->now_ms; start it with
 * eo_role_start(eo_matcher_actor, &run->args). */
typedef struct {
    eo_broker_t *broker;
    eo_clock_t *clock;
    zconfig_t *config;
    eo_role_args_t args;
} fx_run_t;
fx_run_t *fx_run_new(fx_t *fx, const char *endpoint, const char *cfg_text);
void fx_run_destroy(fx_run_t **self_p);

#endif
