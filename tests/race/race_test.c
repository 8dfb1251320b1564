/* race.accept: 50 threads accept the same request at once, on one real store; exactly
 * one wins. Repeated 1,000 times (argv[1]) with different seeds: each round shuffles
 * which thread plays which carer and how long each spins before its transaction. */
#include <pthread.h>
#include <string.h>

#include "matcher/fixture.h"

#define S_THREADS 50

typedef struct {
    fx_t *fx;
    pthread_barrier_t start, done;
    char request[32];
    uint32_t carer[S_THREADS];
    uint32_t spin[S_THREADS];
    char outcome[S_THREADS][16];
    int round;
    bool stop;
} s_race_t;

typedef struct {
    s_race_t *race;
    int slot;
} s_arg_t;

static void *s_acceptor(void *arg_)
{
    s_arg_t *arg = arg_;
    s_race_t *r = arg->race;
    for (;;) {
        pthread_barrier_wait(&r->start);
        if (r->stop) return NULL;
        for (volatile uint32_t i = 0; i < r->spin[arg->slot]; i++)
            ;
        char reply_id[48];
        snprintf(reply_id, sizeof reply_id, "%s-%u", r->request, r->carer[arg->slot]);
        size_t n;
        uint8_t *b = fx_answer(r->request, r->carer[arg->slot], true, reply_id, &n);
        MDB_txn *txn;
        assert(eo_store_begin(r->fx->store, true, &txn) == EO_OK);
        uint8_t *reply = NULL;
        size_t rsize;
        assert(eo_cases_apply(r->fx->cases, txn, b, n, r->fx->now_ms, &reply, &rsize) == EO_OK);
        assert(eo_store_commit(r->fx->store, &txn) == EO_OK);
        char err[64];
        Eo__Event *ev = eo_event_decode(reply, rsize, err, sizeof err);
        assert(ev && ev->body_case == EO__EVENT__BODY_ACK && ev->ack->n_ids == 2);
        snprintf(r->outcome[arg->slot], sizeof r->outcome[0], "%s", ev->ack->ids[1]);
        eo_event_free(&ev);
        free(reply);
        free(b);
        pthread_barrier_wait(&r->done);
    }
}

int main(int argc, char **argv)
{
    zsys_init();
    int rounds = argc > 1 ? atoi(argv[1]) : 1000;
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.wave_k = S_THREADS;
    cfg.always_pool = true;
    /* NOSYNC: this test is about the single-writer decision, not about fsync */
    fx_t *fx = fx_new("race", true, &cfg);
    for (uint32_t i = 1; i <= S_THREADS; i++)
        fx_carer(fx, i);
    s_race_t race = {.fx = fx};
    pthread_barrier_init(&race.start, NULL, S_THREADS + 1);
    pthread_barrier_init(&race.done, NULL, S_THREADS + 1);
    pthread_t threads[S_THREADS];
    s_arg_t args[S_THREADS];
    for (int i = 0; i < S_THREADS; i++) {
        args[i] = (s_arg_t){&race, i};
        assert(pthread_create(&threads[i], NULL, s_acceptor, &args[i]) == 0);
    }
    for (int round = 0; round < rounds; round++) {
        unsigned seed = 0x5eed0000u + (unsigned)round;
        snprintf(race.request, sizeof race.request, "race%d", round);
        size_t n;
        /* a day later each round, 3 h ahead (within the rules' horizon): the carers of
         * earlier rounds are free again */
        if (round) fx->now_ms += 86400 * 1000LL;
        uint8_t *b = fx_request(fx, race.request, fx->now_ms / 1000 + 3 * 3600, 1, 1, &n);
        Eo__Event *ev = fx_apply(fx, b, n, NULL);
        assert(streq(ev->status->state, "offering"));
        eo_event_free(&ev);
        free(b);
        for (int i = 0; i < S_THREADS; i++)
            race.carer[i] = (uint32_t)i + 1;
        for (int i = S_THREADS - 1; i > 0; i--) { /* seeded shuffle */
            int j = (int)(rand_r(&seed) % (unsigned)(i + 1));
            uint32_t t = race.carer[i];
            race.carer[i] = race.carer[j];
            race.carer[j] = t;
        }
        for (int i = 0; i < S_THREADS; i++)
            race.spin[i] = rand_r(&seed) % 20000;
        pthread_barrier_wait(&race.start);
        pthread_barrier_wait(&race.done);
        int won = 0, filled = 0;
        uint32_t winner = 0;
        for (int i = 0; i < S_THREADS; i++) {
            if (streq(race.outcome[i], "won"))
                won++, winner = race.carer[i];
            else if (streq(race.outcome[i], "filled"))
                filled++;
        }
        if (won != 1 || filled != S_THREADS - 1) {
            fprintf(stderr, "round %d: %d winners, %d filled\n", round, won, filled);
            return 1;
        }
        eo_case_t c = fx_case(fx, race.request);
        assert(c.state == EO_CASE_SETTLED && c.n_winners == 1 && c.winners[0] == winner);
    }
    race.stop = true;
    pthread_barrier_wait(&race.start);
    for (int i = 0; i < S_THREADS; i++)
        pthread_join(threads[i], NULL);
    fx_check_ok(fx);
    pthread_barrier_destroy(&race.start);
    pthread_barrier_destroy(&race.done);
    fx_destroy(&fx);
    printf("race.accept: %d rounds, one winner each\n", rounds);
    return 0;
}
