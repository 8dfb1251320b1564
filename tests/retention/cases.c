/* retention.cases: a retention run on a real case store (docs/retention.md).
 * Closed cases past the storage period are deleted whole, those past the privacy period
 * anonymised, live and recent ones kept; the checkpoint lets a replay from it reach the
 * same decisions as the store; `eonjena log` and `eonjena replay` verify what remains
 * and refuse a checkpoint that was changed; after `eonjena purge --compact` the purged
 * case's phone, child's name and address are in no data file of the store's folder. */
#include <dirent.h>
#include <string.h>

#include "eonjena/eo_retention.h"
#include "matcher/fixture.h"

/* The personal data of the case that is purged: in no other case. */
#define S_PHONE "+821055501234"
#define S_CHILD "다온이"
#define S_ADDRESS "수원시 팔달구 잊혀질로 77"

static uint8_t *s_request(fx_t *fx, const char *id, int64_t start, bool marked, size_t *size)
{
    return fx_request_as(id, "suwon", fx->dong, start, start + 2 * 3600,
                         marked ? S_PHONE : "+821099990000", marked ? S_CHILD : "서연",
                         marked ? S_ADDRESS : "수원시 장안구 비밀로 12", size);
}

/* A request at start, accepted by carer: settled. */
static void s_settled(fx_t *fx, const char *id, int64_t start, uint32_t carer, bool marked)
{
    size_t n;
    uint8_t *b = s_request(fx, id, start, marked, &n);
    fx_apply_ok(fx, b, n);
    char reply[64];
    snprintf(reply, sizeof reply, "mo-%s", id);
    b = fx_answer(id, carer, true, reply, &n);
    fx_apply_ok(fx, b, n);
    assert(fx_case(fx, id).state == EO_CASE_SETTLED);
}

static int s_row(void *arg, const eo_outbox_row_t *row)
{
    zlistx_add_end(arg, (void *)(uintptr_t)row->seq);
    return 0;
}

/* What the relay does when sms and handoff acknowledge: the outbox rows go. */
static void s_ack_outbox(fx_t *fx)
{
    zlistx_t *seqs = zlistx_new();
    MDB_txn *txn;
    assert(eo_store_begin(fx->store, true, &txn) == EO_OK);
    assert(eo_cases_outbox_each(fx->cases, txn, 0, s_row, seqs) == EO_OK);
    for (void *s = zlistx_first(seqs); s; s = zlistx_next(seqs))
        assert(eo_cases_outbox_delete(fx->cases, txn, (uint64_t)(uintptr_t)s) == EO_OK);
    assert(eo_store_commit(fx->store, &txn) == EO_OK);
    zlistx_destroy(&seqs);
}

/* The change feed's rows (m.feed) decided before before_ms, and in all. */
static void s_feed_rows(fx_t *fx, int64_t before_ms, size_t *old, size_t *all)
{
    MDB_txn *txn;
    MDB_dbi feed;
    MDB_cursor *cur;
    assert(eo_store_begin(fx->store, false, &txn) == EO_OK);
    assert(eo_store_dbi(fx->store, "m.feed", 0, &feed) == EO_OK);
    assert(mdb_cursor_open(txn, feed, &cur) == 0);
    MDB_val k, v;
    *old = *all = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *p = v.mv_data;
        int64_t at = 0;
        for (int i = 0; i < 8; i++)
            at = at << 8 | p[i];
        *old += at < before_ms;
        (*all)++;
    }
    mdb_cursor_close(cur);
    eo_store_abort(&txn);
}

static void s_digest(eo_store_t *store, eo_cases_t *cases, char *hex)
{
    MDB_txn *txn;
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_cases_digest(cases, txn, hex) == EO_OK);
    eo_store_abort(&txn);
}

/* Run an eonjena command; exit status, output (stdout and stderr) in out. */
static int s_run(const char *args, char *out, size_t size)
{
    char *cmd = zsys_sprintf("%s/eonjena %s 2>&1", getenv("EO_BINARY_DIR"), args);
    FILE *p = popen(cmd, "r");
    assert(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = 0;
    int status = pclose(p);
    zstr_free(&cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether needle's bytes are anywhere in the file. */
static bool s_file_has(const char *path, const char *needle)
{
    zfile_t *f = zfile_new(NULL, path);
    assert(f && zfile_input(f) == 0);
    zchunk_t *c = zfile_read(f, zfile_cursize(f), 0);
    bool found = c && memmem(zchunk_data(c), zchunk_size(c), needle, strlen(needle));
    zchunk_destroy(&c);
    zfile_destroy(&f);
    return found;
}

/* No data file of the store's folder (the store, its checkpoint) holds the purged
 * case's personal data; returns how many data files were looked at. */
static int s_grep_stores(const char *dir)
{
    int files = 0;
    DIR *d = opendir(dir);
    assert(d);
    struct dirent *e;
    char path[1024];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    const char *needles[] = {S_PHONE, S_CHILD, S_ADDRESS};
    for (int i = 0; i < 3; i++)
        assert(!s_file_has(path, needles[i]));
    files++;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "checkpoint-", 11) == 0) {
            snprintf(path, sizeof path, "%s/%s/data.mdb", dir, e->d_name);
            for (int i = 0; i < 3; i++)
                assert(!s_file_has(path, needles[i]));
            files++;
        }
    closedir(d);
    return files;
}

int main(void)
{
    zsys_init();
    /* a fresh test folder: the stores it makes must not exist yet */
    char *rm = zsys_sprintf("rm -rf '%s'", getenv("EO_TEST_TMP"));
    assert(system(rm) == 0);
    zstr_free(&rm);
    eo_cases_config_t cfg;
    eo_cases_config_defaults(&cfg);
    cfg.always_pool = true;
    cfg.wave_k = 3;
    fx_t *fx = fx_new("store", false, &cfg);
    fx_carers(fx, 6);
    int64_t t0 = fx->now_ms / 1000; /* Friday 18:00 */
    s_settled(fx, "old-marked", t0 + 3 * 3600, 1, true);
    s_settled(fx, "old", t0 + 4 * 3600, 2, false);
    size_t n;
    uint8_t *b = s_request(fx, "old-cancelled", t0 + 5 * 3600, false, &n);
    fx_apply_ok(fx, b, n);
    b = fx_cancel("old-cancelled", 0, &n);
    fx_apply_ok(fx, b, n);
    /* two days later: one case settled for the coming night, one still offering */
    fx->now_ms += 2 * EO_DAY * 1000LL;
    fx_tick(fx);
    s_settled(fx, "recent", t0 + 2 * EO_DAY + 4 * 3600, 3, false);
    b = s_request(fx, "live", t0 + 2 * EO_DAY + 5 * 3600, false, &n);
    fx_apply_ok(fx, b, n);
    s_ack_outbox(fx);
    fx_check_ok(fx);
    char before[65];
    s_digest(fx->store, fx->cases, before);

    /* the change feed has a row for every step, the old cases' among them */
    size_t feed_old, feed_all;
    int64_t seen_cut = fx->now_ms - EO_DAY * 1000LL;
    s_feed_rows(fx, seen_cut, &feed_old, &feed_all);
    assert(feed_old > 0 && feed_all > feed_old);

    /* keep closed cases one day: the three old ones go */
    eo_retention_config_t rcfg;
    eo_retention_config_defaults(&rcfg);
    rcfg.retire_days = 1;
    rcfg.seen_days = 1;
    rcfg.batch = 2; /* several batches */
    eo_retention_t *run = eo_retention_new(fx->cases, &rcfg);
    eo_retention_counts_t counts;
    assert(eo_retention_run(run, fx->now_ms, NULL, &counts) == EO_OK);
    fprintf(stderr, "retention: %zu retired, %zu anonymised, %zu seen, %zu inputs, ck %llu\n",
            counts.retired, counts.anonymised, counts.seen, counts.inputs,
            (unsigned long long)counts.checkpoint);
    assert(counts.retired == 3 && counts.anonymised == 0);
    assert(counts.checkpoint > 0 && counts.inputs > 0 && counts.seen > 0);
    /* the feed's rows older than seen_days went with m.seen's, the recent ones stay */
    size_t feed_left, feed_now;
    s_feed_rows(fx, seen_cut, &feed_left, &feed_now);
    fprintf(stderr, "feed: %zu old of %zu; %zu deleted; %zu old of %zu left\n", feed_old,
            feed_all, counts.feed, feed_left, feed_now);
    assert(counts.feed == feed_old && feed_left == 0 && feed_now == feed_all - feed_old);
    assert(!fx_exists(fx, "old-marked") && !fx_exists(fx, "old") &&
           !fx_exists(fx, "old-cancelled"));
    assert(fx_exists(fx, "recent") && fx_exists(fx, "live"));
    assert(fx_case(fx, "live").state == EO_CASE_OFFERING);
    fx_check_ok(fx); /* no booking, offer or timer of a deleted case is left behind */
    /* a second run at once has nothing more to delete and keeps a checkpoint */
    assert(eo_retention_run(run, fx->now_ms, NULL, &counts) == EO_OK);
    assert(counts.retired == 0 && counts.checkpoint > 0);

    /* decisions go on after the run: the live case settles */
    b = fx_answer("live", 4, true, "mo-live", &n);
    fx_apply_ok(fx, b, n);
    assert(fx_case(fx, "live").state == EO_CASE_SETTLED);
    s_ack_outbox(fx);

    /* a replay from the checkpoint reaches the store's decisions */
    char dir[512], why[512];
    snprintf(dir, sizeof dir, "%s/replayed", getenv("EO_TEST_TMP"));
    uint64_t first = 0;
    assert(eo_checkpoint_restore(fx->store, dir, &first, why, sizeof why) == EO_OK);
    assert(first == counts.checkpoint);
    eo_store_t *rs = eo_store_new(dir, 256, EO_STORE_NOSYNC | EO_STORE_EXISTING);
    eo_caps_t caps;
    eo_rules_caps(fx->rules, &caps);
    eo_index_t *ri = eo_index_new(rs, fx->dongs, &caps);
    eo_cases_t *rc = eo_cases_new(rs, ri, fx->dongs, fx->rules, &cfg);
    assert(rc);
    size_t inputs = 0;
    assert(eo_cases_replay_from(rc, fx->store, first, &inputs) == EO_OK && inputs > 0);
    char a[65], r[65];
    s_digest(fx->store, fx->cases, a);
    s_digest(rs, rc, r);
    assert(streq(a, r) && !streq(a, before));
    eo_cases_destroy(&rc);
    eo_index_destroy(&ri);
    eo_store_destroy(&rs);
    eo_retention_destroy(&run);
    char store[512];
    snprintf(store, sizeof store, "%s", fx->dir);
    fx_destroy(&fx);

    /* the commands: log verifies a remaining case and the checkpoint, replay agrees */
    char out[8192], args[2048];
    snprintf(args, sizeof args, "log recent --store %s", store);
    assert(s_run(args, out, sizeof out) == 0);
    assert(strstr(out, "checkpoint-") && strstr(out, "verified"));
    snprintf(args, sizeof args, "log old-marked --store %s", store);
    assert(s_run(args, out, sizeof out) == 2 && strstr(out, "no request"));
    snprintf(args, sizeof args, "replay --store %s --into %s/cli-replayed", store,
             getenv("EO_TEST_TMP"));
    assert(s_run(args, out, sizeof out) == 0 && strstr(out, "\"replay\":\"same\""));

    /* the deleted bytes may linger in free pages until --compact rewrites the file */
    snprintf(args, sizeof args,
             "purge --store %s --clock manual:2026-11-29T18:00 --compact --config "
             "%s/etc/eonjena.cfg",
             store, getenv("EO_SOURCE_DIR"));
    assert(s_run(args, out, sizeof out) == 0 && strstr(out, "compacted"));
    fprintf(stderr, "%s", out);
    assert(s_grep_stores(store) == 2);

    /* a checkpoint changed on disk is refused: nothing before it can be verified */
    DIR *d = opendir(store);
    struct dirent *e;
    char ck[1024] = "";
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "checkpoint-", 11) == 0)
            snprintf(ck, sizeof ck, "%s/%s/data.mdb", store, e->d_name);
    closedir(d);
    FILE *f = fopen(ck, "r+b");
    assert(f && fseek(f, 100, SEEK_SET) == 0);
    int c = fgetc(f);
    fseek(f, 100, SEEK_SET);
    fputc(c ^ 0xff, f);
    fclose(f);
    snprintf(args, sizeof args, "log recent --store %s", store);
    assert(s_run(args, out, sizeof out) == 1 && strstr(out, "does not match"));
    snprintf(args, sizeof args, "replay --store %s --into %s/cli-replayed2", store,
             getenv("EO_TEST_TMP"));
    assert(s_run(args, out, sizeof out) == 1 && strstr(out, "does not match"));
    printf("retention.cases: ok\n");
    return 0;
}
