/* settle.*: the settlement function on a real store and the real index. */
#include <string.h>

#include "matcher/fixture.h"

static const char *s_state(Eo__Event *ev)
{
    assert(ev->body_case == EO__EVENT__BODY_STATUS);
    return ev->status->state;
}

static const char *s_outcome(Eo__Event *ev)
{
    assert(ev->body_case == EO__EVENT__BODY_ACK && ev->ack->n_ids == 2);
    return ev->ack->ids[1];
}

static const char *s_answer(fx_t *fx, const char *req, uint32_t carer, bool accept,
                            const char *reply_id, char *out)
{
    size_t n;
    uint8_t *b = fx_answer(req, carer, accept, reply_id, &n);
    Eo__Event *ev = fx_apply(fx, b, n, NULL);
    strcpy(out, s_outcome(ev));
    eo_event_free(&ev);
    free(b);
    return out;
}

typedef struct {
    const char *kind_text;
    int kind;
    uint32_t carer;
    char text[600];
} s_find_t;

static int s_find(void *arg, const eo_outbox_row_t *row)
{
    s_find_t *f = arg;
    char err[64];
    Eo__Event *ev = eo_event_decode(row->body, row->size, err, sizeof err);
    if (ev->body_case == EO__EVENT__BODY_MESSAGE && (int)ev->message->kind == f->kind &&
        ev->message->carer_id == f->carer)
        snprintf(f->text, sizeof f->text, "%s", ev->message->text);
    eo_event_free(&ev);
    return 0;
}

static void s_text(fx_t *fx, int kind, uint32_t carer, char *out)
{
    s_find_t f = {.kind = kind, .carer = carer};
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    eo_cases_outbox_each(fx->cases, txn, 0, s_find, &f);
    eo_store_abort(&txn);
    strcpy(out, f.text);
}

static void test_first_acceptance(void)
{
    fx_t *fx = fx_new("first", true, NULL);
    fx_carers(fx, 12);
    int64_t start = fx->now_ms / 1000 + 3 * 3600;
    size_t n;
    uint8_t *b = fx_request(fx, "r1", start, 3, 1, &n);
    Eo__Event *ev = fx_apply(fx, b, n, NULL);
    assert(streq(s_state(ev), "offering") && ev->status->wave == 1);
    eo_event_free(&ev);
    /* a resend of the request: same answer, nothing new */
    ev = fx_apply(fx, b, n, NULL);
    assert(streq(s_state(ev), "offering") && ev->status->wave == 1);
    eo_event_free(&ev);
    free(b);
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_OFFER, 0) == 10);
    char text[600];
    s_text(fx, EO__MESSAGE__KIND__KIND_OFFER, 1, text);
    assert(*text && !strstr(text, "서연") && !strstr(text, "비밀로"));

    /* carer 2's offer was delivered, carer 3's was not */
    b = fx_delivery("r1:2:offer", true, &n);
    eo_event_free((ev = fx_apply(fx, b, n, NULL), &ev));
    free(b);

    char out[32];
    assert(streq(s_answer(fx, "r1", 5, true, "mo-1", out), "won"));
    assert(streq(s_answer(fx, "r1", 5, true, "mo-1", out), "won"));  /* retry */
    assert(streq(s_answer(fx, "r1", 5, true, "mo-1b", out), "won")); /* texted again */
    assert(streq(s_answer(fx, "r1", 6, true, "mo-2", out), "filled"));
    assert(streq(s_answer(fx, "r1", 6, true, "mo-2", out), "filled"));
    assert(streq(s_answer(fx, "r1", 99, true, "mo-3", out), "no_offer"));
    eo_case_t c = fx_case(fx, "r1");
    assert(c.state == EO_CASE_SETTLED && c.n_winners == 1 && c.winners[0] == 5);
    /* the wave's timer is gone; the one left is the member's payment deadline */
    assert(c.pay == 1 && c.member_fee > 0 && c.timer_seq &&
           c.timer_due_ms == fx->now_ms + 60 * 60000);
    s_text(fx, EO__MESSAGE__KIND__KIND_WINNER, 5, text);
    assert(strstr(text, "서연") && strstr(text, "비밀로"));
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_WINNER, 0) == 1);
    /* FILLED: to the delivered, unreplied carer 2 and to carer 6 who accepted late */
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_FILLED, 2) == 1);
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_FILLED, 3) == 0);
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_FILLED, 6) >= 1);
    assert(fx_outbox_count(fx, "r1", EO__MESSAGE__KIND__KIND_NOTICE, 0) == 1);

    /* the status query shows the winner */
    Eo__StatusQuery q = EO__STATUS_QUERY__INIT;
    q.request_id = "r1";
    Eo__Event qe = EO__EVENT__INIT;
    qe.id = "q1";
    qe.body_case = EO__EVENT__BODY_STATUS_QUERY;
    qe.status_query = &q;
    b = eo_event_encode(&qe, &n);
    ev = fx_apply(fx, b, n, NULL);
    assert(streq(s_state(ev), "settled") && ev->status->n_winners == 1 &&
           ev->status->winners[0] == 5 && streq(ev->status->winner_names[0], "돌보미5"));
    eo_event_free(&ev);
    free(b);

    /* the carer is booked: a second request at the same time never offers to 5 */
    b = fx_request(fx, "r2", start, 2, 1, &n);
    eo_event_free((ev = fx_apply(fx, b, n, NULL), &ev));
    free(b);
    assert(fx_outbox_count(fx, "r2", EO__MESSAGE__KIND__KIND_OFFER, 5) == 0);
    fx_check_ok(fx);

    MDB_txn *txn;
    FILE *devnull = fopen("/dev/null", "w");
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_log_print(fx->cases, txn, "r1", devnull) == EO_OK);
    eo_store_abort(&txn);
    fclose(devnull);
    fx_destroy(&fx);
}

static void test_overlap_withdrawn(void)
{
    fx_t *fx = fx_new("overlap", true, NULL);
    fx_carers(fx, 3);
    int64_t start = fx->now_ms / 1000 + 4 * 3600;
    size_t n;
    uint8_t *b = fx_request(fx, "a", start, 3, 1, &n);
    Eo__Event *ev = fx_apply(fx, b, n, NULL);
    eo_event_free(&ev);
    free(b);
    b = fx_request(fx, "b", start + 3600, 3, 1, &n); /* overlaps a */
    eo_event_free((ev = fx_apply(fx, b, n, NULL), &ev));
    free(b);
    b = fx_request(fx, "c", start + 6 * 3600, 2, 1, &n); /* does not */
    eo_event_free((ev = fx_apply(fx, b, n, NULL), &ev));
    free(b);
    char out[32];
    assert(streq(s_answer(fx, "a", 1, true, "x1", out), "won"));
    /* withdrawn quietly: the winner text is the carer's news, not one text per offer */
    assert(fx_outbox_count(fx, "b", EO__MESSAGE__KIND__KIND_WITHDRAWN, 1) == 0);
    assert(fx_outbox_count(fx, "b", EO__MESSAGE__KIND__KIND_CLOSE, 1) == 1);
    assert(fx_outbox_count(fx, "c", EO__MESSAGE__KIND__KIND_CLOSE, 1) == 0);
    /* carer 1 can no longer take b (told so when they try, twice the same), c is fine */
    assert(streq(s_answer(fx, "b", 1, true, "x2", out), "withdrawn"));
    assert(fx_outbox_count(fx, "b", EO__MESSAGE__KIND__KIND_WITHDRAWN, 1) == 1);
    assert(streq(s_answer(fx, "b", 1, true, "x2", out), "withdrawn"));
    assert(fx_outbox_count(fx, "b", EO__MESSAGE__KIND__KIND_WITHDRAWN, 1) == 1);
    assert(streq(s_answer(fx, "c", 1, true, "x3", out), "won"));
    assert(streq(s_answer(fx, "b", 2, true, "x4", out), "won"));
    fx_check_ok(fx);
    fx_destroy(&fx);
}

static void test_pair_and_caps(void)
{
    fx_t *fx = fx_new("pair", true, NULL);
    fx_carers(fx, 4);
    int64_t start = fx->now_ms / 1000 + 3 * 3600;
    size_t n;
    uint8_t *b = fx_request(fx, "p", start, 2, 2, &n);
    Eo__Event *ev = fx_apply(fx, b, n, NULL);
    eo_event_free(&ev);
    free(b);
    /* carer 3 reaches the weekly cap after the offer: booking must re-check it */
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_index_set_booked(fx->index, txn, 3, start, 52 * 60 - 60, 0) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    char out[32];
    assert(streq(s_answer(fx, "p", 3, true, "y0", out), "unbookable"));
    assert(streq(s_answer(fx, "p", 2, true, "y1", out), "won"));
    assert(fx_case(fx, "p").state == EO_CASE_OFFERING);
    assert(streq(s_answer(fx, "p", 4, true, "y2", out), "won"));
    eo_case_t c = fx_case(fx, "p");
    assert(c.state == EO_CASE_SETTLED && c.n_winners == 2);
    assert(streq(s_answer(fx, "p", 1, true, "y3", out), "filled"));
    fx_check_ok(fx);

    /* tampering with the journal is detected */
    MDB_dbi j;
    assert(eo_store_dbi(fx->store, "m.journal", 0, &j) == EO_OK);
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    /* entry 1 of case "p": seq -> prev_seq(8) n(4) at(8) prev(32) hash(32) "p" \0 ... */
    MDB_cursor *cur;
    assert(mdb_cursor_open(txn, j, &cur) == 0);
    MDB_val k, v;
    int found = 0;
    while (!found && mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
        const uint8_t *e = v.mv_data;
        found = v.mv_size > 86 && e[11] == 1 && e[8] == 0 && streq((const char *)e + 84, "p");
    }
    mdb_cursor_close(cur);
    assert(found);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 2] ^= 1;
    MDB_val nv = {v.mv_size, copy};
    assert(mdb_put(txn, j, &k, &nv, 0) == 0);
    free(copy);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    FILE *devnull = fopen("/dev/null", "w");
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_cases_log_print(fx->cases, txn, "p", devnull) == EO_EINVAL);
    eo_store_abort(&txn);
    fclose(devnull);
    fx_destroy(&fx);
}

int main(int argc, char **argv)
{
    zsys_init();
    const char *what = argc > 1 ? argv[1] : "all";
    if (streq(what, "all") || streq(what, "first")) test_first_acceptance();
    if (streq(what, "all") || streq(what, "overlap")) test_overlap_withdrawn();
    if (streq(what, "all") || streq(what, "pair")) test_pair_and_caps();
    printf("settle tests: OK\n");
    return 0;
}
