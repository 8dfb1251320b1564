/* What the hand-off tests share: a fresh store in $EO_TEST_TMP, a manual clock, a real
 * receiver on loopback and a core delivering to it as provider "p1" of site "guri". */
#ifndef TEST_HANDOFF_FIXTURE_H
#define TEST_HANDOFF_FIXTURE_H

#include <czmq.h>

#include "handoff/handoff.h"
#include "receiver.h"

#define FX_SECRET "test-secret-7f3a"

typedef struct {
    char dir[512];
    eo_store_t *store;
    eo_clock_t *clock;
    receiver_t *receiver;
    zconfig_t *config;
    eo_providers_t *providers;
    eo_handoff_t *core;
} fixture_t;

/* Start everything at Seoul wall time `start` ("2026-11-20T21:00"); the provider signs
 * with sender_secret (FX_SECRET unless a test wants a wrong one). */
void fx_start(fixture_t *fx, const char *name, const char *start, const char *sender_secret);
void fx_stop(fixture_t *fx);
/* Make a settled-case item for site guri, of its own request "r-<item_id>", and hand it
 * to the core (asserts EO_OK). */
void fx_accept(fixture_t *fx, const char *item_id);
/* Depth of p1's queue. */
size_t fx_depth(fixture_t *fx);
/* Set the manual clock to a Seoul wall time. */
void fx_set(fixture_t *fx, const char *when);
eo_time_t fx_time(const char *when);
/* Write the configuration text for provider p1 (webhook to url, signed with secret). */
char *fx_config_text(const char *url, const char *secret);
/* The wire bytes of hand-off item `id` of guri as the matcher's relay sends it (an Event
 * whose id is the item's), of `kind`, made at `created`; *size set, caller frees. */
uint8_t *fx_item_event(const char *id, Eo__HandoffItem__Kind kind, eo_time_t created,
                       size_t *size);
/* rm -rf of a test folder we made. */
void fx_remove_tree(const char *dir);

#endif
