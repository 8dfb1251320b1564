/* matcher.ack_flush: acknowledged outbox rows are deleted with the next batch's commit,
 * not in a commit of their own for each acknowledgement (two fdatasyncs each, which at a
 * few requests a second made half a matcher's commits). Without work to ride on they get
 * one commit once matcher/ack_flush_ms has passed by the role's clock, and a clean stop
 * deletes what is left; a row acknowledged and not yet deleted is never sent again.
 *
 * Determinism: with matcher/relay_window = 1 the hand-off lane sends row k+1 only after
 * the matcher took the acknowledgement of row k, so receiving a row is proof that the
 * previous acknowledgement was processed; the clock is manual. Commits are counted by
 * the store's last transaction id (LMDB moves it on every write commit, and only then).
 * (Before: each of the first four acknowledgements made a commit of its own.) */
#include <string.h>

#include "eonjena/eo_broker.h"
#include "fixture.h"
#include "matcher/matcher.h"

#define S_ROWS 6
#define S_FLUSH_MS 60000

static size_t s_txnid(fx_t *fx)
{
    MDB_envinfo info;
    assert(mdb_env_info(eo_store_env(fx->store), &info) == 0);
    return info.me_last_txnid;
}

static int s_count_handoff(void *arg, const eo_outbox_row_t *row)
{
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    assert(ev);
    *(int *)arg += ev->body_case == EO__EVENT__BODY_HANDOFF;
    eo_event_free(&ev);
    return 0;
}

/* Hand-off rows in the matcher's outbox. */
static int s_handoff_rows(fx_t *fx)
{
    MDB_txn *txn;
    int n = 0;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_outbox_each(fx->cases, txn, 0, s_count_handoff, &n) == EO_OK);
    eo_store_abort(&txn);
    return n;
}

/* The next row relayed to the hand-off stand-in (within 10 s); its item id in id. */
static eo_work_t *s_next_row(eo_worker_t *handoff, char *id, size_t size)
{
    eo_work_t *work = NULL;
    int64_t until = zclock_mono() + 10000;
    while (!work && zclock_mono() < until)
        work = eo_worker_recv(handoff, 20);
    assert(work);
    char *item = fx_handoff_id(work);
    snprintf(id, size, "%s", item);
    free(item);
    return work;
}

/* Wait (10 s at most) until the outbox holds n hand-off rows. */
static bool s_await_rows(fx_t *fx, int n)
{
    int64_t until = zclock_mono() + 10000;
    while (s_handoff_rows(fx) != n && zclock_mono() < until)
        zclock_sleep(10); /* polling a condition under a deadline */
    return s_handoff_rows(fx) == n;
}

int main(void)
{
    zsys_init();
    fx_t *fx = fx_new("ack_flush", true, NULL);
    fx_carers(fx, 3);
    const char *endpoint = "inproc://acks-broker";
    char text[160];
    snprintf(text, sizeof text, "matcher\n    relay_window = 1\n    ack_flush_ms = %d\n",
             S_FLUSH_MS);
    fx_run_t *run = fx_run_new(fx, endpoint, text);
    eo_worker_t *handoff = eo_worker_new(endpoint, "handoff", "suwon", NULL, NULL);
    eo_client_t *client = eo_client_new(endpoint, NULL, NULL);
    assert(handoff && client);
    fx_probe(client, handoff, "handoff");
    zactor_t *matcher = eo_role_start(eo_matcher_actor, &run->args);
    assert(matcher);

    fx_submit_waiting(fx, client, "wait", S_ROWS);
    size_t t0 = s_txnid(fx); /* every request decided and committed */
    char ids[S_ROWS + 1][64];
    eo_work_t *row = s_next_row(handoff, ids[0], sizeof ids[0]);
    for (int k = 1; k <= 4; k++) {
        eo_worker_reply(handoff, &row, "", 0);
        row = s_next_row(handoff, ids[k], sizeof ids[k]); /* ack k-1 was processed */
    }
    size_t t1 = s_txnid(fx);
    printf("matcher.ack_flush: 4 rows acknowledged, %zu commits, %d hand-off rows kept\n",
           t1 - t0, s_handoff_rows(fx));
    assert(t1 == t0);
    assert(s_handoff_rows(fx) == S_ROWS);

    /* no work to ride on: one commit deletes all four once ack_flush_ms has passed */
    eo_clock_set_ms(run->clock, fx->now_ms + S_FLUSH_MS + 1);
    assert(s_await_rows(fx, S_ROWS - 4));
    size_t t2 = s_txnid(fx);
    printf("matcher.ack_flush: after %d ms, %zu commit deleted them\n", S_FLUSH_MS, t2 - t1);
    assert(t2 == t1 + 1);

    /* a batch's commit takes the next acknowledgement along */
    eo_worker_reply(handoff, &row, "", 0);
    row = s_next_row(handoff, ids[5], sizeof ids[5]); /* ack of row 4 processed */
    Eo__Event *st = fx_submit(fx, client, "ride", fx_monday(fx), 2);
    eo_event_free(&st);
    size_t t3 = s_txnid(fx);
    printf("matcher.ack_flush: a request decided: %zu commit, %d hand-off rows left\n", t3 - t2,
           s_handoff_rows(fx));
    assert(t3 == t2 + 1);
    assert(s_handoff_rows(fx) == S_ROWS - 5 + 1); /* row 5 and the new request's */

    /* a clean stop deletes what is acknowledged; what is not stays for the next start */
    eo_worker_reply(handoff, &row, "", 0);
    eo_work_t *last = s_next_row(handoff, ids[6], sizeof ids[6]); /* ack of row 5 */
    zactor_destroy(&matcher);
    printf("matcher.ack_flush: stopped, %d hand-off row left\n", s_handoff_rows(fx));
    assert(s_handoff_rows(fx) == 1);
    eo_work_destroy(&last);

    /* every row came once */
    for (int i = 0; i <= S_ROWS; i++)
        for (int j = i + 1; j <= S_ROWS; j++)
            assert(!streq(ids[i], ids[j]));
    eo_client_destroy(&client);
    eo_worker_destroy(&handoff);
    fx_run_destroy(&run);
    fx_check_ok(fx);
    fx_destroy(&fx);
    printf("matcher.ack_flush: OK\n");
    return 0;
}
