/* failure.rules: the rules change under a running matcher. The matcher loaded the rules
 * and holidays once, so a holiday added over the API changed the gateway's quote but not
 * the matcher's routing until a restart. Now the matcher looks at the files before each
 * decision, routes by the new calendar, and records the change as an input: a replay of
 * its input log decides the same, with no access to the files. Wednesday 10:00 is the
 * provider's office hours (a request waits for it: queued); made a holiday, 10:00 is the
 * pool's hours (the request is offered at once). */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "eonjena/eo_calendar.h"
#include "matcher/fixture.h"
#include "matcher/matcher.h"

static char *s_copy(const char *dir, const char *name)
{
    char *to = zsys_sprintf("%s/%s", dir, name);
    char *cmd = zsys_sprintf("cp '%s/%s' '%s'", eo_data_dir(), name, to);
    assert(system(cmd) == 0);
    zstr_free(&cmd);
    return to;
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("rules", false, NULL);
    fx_carers(fx, 3);
    char *dir = zsys_sprintf("%s-files", fx->dir);
    zsys_dir_create("%s", dir);
    char *cfg = s_copy(dir, "rules.cfg"), *fees = s_copy(dir, "fees.tsv"),
         *holidays = s_copy(dir, "holidays.tsv");
    char *text =
        zsys_sprintf("rules\n    cfg = \"%s\"\n    fees = \"%s\"\n    holidays = \"%s\"\n", cfg,
                     fees, holidays);
    zconfig_t *config = zconfig_str_load(text);
    zstr_free(&text);
    eo_broker_t *broker = eo_broker_new("inproc://rules-broker", NULL);
    int64_t wednesday = eo_time_from_local(2026, 12, 9, 10, 0, 0) * 1000LL;
    eo_clock_t *clock = eo_clock_new_manual(wednesday);
    assert(config && broker && clock);
    fx->now_ms = wednesday;
    eo_role_args_t args = {.broker = "inproc://rules-broker",
                           .sites = "suwon",
                           .config = config,
                           .store = fx->store,
                           .clock = clock,
                           .dongs = fx->dongs};
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &args);
    eo_client_t *client = eo_client_new("inproc://rules-broker", NULL, NULL);
    eo_worker_t *sinks[2] = {
        eo_worker_new("inproc://rules-broker", "sms", "suwon", NULL, NULL),
        eo_worker_new("inproc://rules-broker", "handoff", "suwon", NULL, NULL)};
    assert(matcher && client && sinks[0] && sinks[1]);

    int64_t start = wednesday / 1000 + 5 * 3600;
    Eo__Event *ev = fx_submit(fx, client, "before", start, 2);
    assert(streq(ev->status->state, "queued"));
    eo_event_free(&ev);

    /* an operator makes that Wednesday a holiday (as POST /v1/holidays does) */
    eo_holiday_t h = {.date = 20261209, .kind = EO_HOLIDAY_TEMPORARY};
    snprintf(h.name, sizeof h.name, "임시공휴일");
    char err[256];
    assert(eo_calendar_file_add(holidays, &h, err, sizeof err) == EO_OK);
    /* the next request is routed by the new calendar (bounded: a few tries) */
    bool offered = false;
    int64_t until = zclock_mono() + 10000;
    for (int i = 0; !offered && zclock_mono() < until; i++) {
        char id[32];
        snprintf(id, sizeof id, "after-%d", i);
        ev = fx_submit(fx, client, id, start, 2);
        offered = streq(ev->status->state, "offering");
        eo_event_free(&ev);
        for (int k = 0; k < 2; k++) { /* acknowledge what the matcher relays */
            eo_work_t *w;
            while ((w = eo_worker_recv(sinks[k], 0)))
                eo_worker_reply(sinks[k], &w, "", 0);
        }
        if (!offered)
            zclock_sleep(100); /* polling a bounded condition, not synchronising on time */
    }
    assert(offered);
    zactor_destroy(&matcher);

    /* a replay of the input log, with the rules files gone, decides the same */
    char *cmd = zsys_sprintf("rm -rf '%s'", dir);
    assert(system(cmd) == 0);
    zstr_free(&cmd);
    char from[600];
    snprintf(from, sizeof from, "%s", fx->dir);
    eo_store_t *store = eo_store_new(from, 0, EO_STORE_READONLY);
    fx_t *fresh = fx_new("rules-replay", true, NULL);
    size_t inputs;
    assert(eo_cases_replay(fresh->cases, store, &inputs) == EO_OK);
    char a[65], b[65];
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_digest(fx->cases, txn, a) == EO_OK);
    eo_store_abort(&txn);
    assert(eo_store_begin(fresh->store, false, &txn) == EO_OK);
    assert(eo_cases_digest(fresh->cases, txn, b) == EO_OK);
    eo_store_abort(&txn);
    printf("failure.rules: %zu inputs replayed; digests %.12s %.12s\n", inputs, a, b);
    assert(streq(a, b));
    eo_case_t c;
    assert(eo_store_begin(fresh->store, false, &txn) == EO_OK);
    assert(eo_cases_get(fresh->cases, txn, "before", &c) == EO_OK && c.state == EO_CASE_QUEUED);
    eo_store_abort(&txn);
    eo_store_destroy(&store);

    fx_destroy(&fresh);
    for (int k = 0; k < 2; k++)
        eo_worker_destroy(&sinks[k]);
    eo_client_destroy(&client);
    eo_broker_destroy(&broker);
    eo_clock_destroy(&clock);
    zconfig_destroy(&config);
    zstr_free(&cfg);
    zstr_free(&fees);
    zstr_free(&holidays);
    zstr_free(&dir);
    fx_destroy(&fx);
    printf("failure.rules: ok\n");
    return 0;
}
