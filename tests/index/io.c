/* index.io: carer files. The availability notation and the TSV parser refuse every
 * kind of bad input; an import with one bad row commits nothing; export then import
 * reproduces the store; an import into a non-empty store upserts. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eonjena.h"
#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"
#include "eonjena/eo_w1.h"

static eo_caps_t s_caps;
static char s_tmp[512];
static eo_dongs_t *s_dongs;
static uint32_t s_dong, s_nb;

static void s_test_avail(void)
{
    uint8_t a[EO_WEEK_SLOTS / 8];
    char why[128], buf[2600];
    assert(eo_avail_parse("mo18:00-22:00 sa08:00-16:00", a, why, sizeof why) == EO_OK);
    assert(eo_avail_get(a, 36) && eo_avail_get(a, 43) && !eo_avail_get(a, 44));
    assert(eo_avail_get(a, 5 * 48 + 16) && !eo_avail_get(a, 5 * 48 + 32));
    assert(streq(eo_avail_format(a, buf, sizeof buf), "mo18:00-22:00 sa08:00-16:00"));
    /* Past midnight, and Sunday into Monday (the week wraps). */
    assert(eo_avail_parse("su22:00-02:00", a, why, sizeof why) == EO_OK);
    assert(eo_avail_get(a, 335) && eo_avail_get(a, 0) && eo_avail_get(a, 3) &&
           !eo_avail_get(a, 4));
    assert(streq(eo_avail_format(a, buf, sizeof buf), "mo00:00-02:00 su22:00-24:00"));
    assert(eo_avail_parse("-", a, why, sizeof why) == EO_OK);
    assert(streq(eo_avail_format(a, buf, sizeof buf), "-"));
    /* Every slot on, every other slot on: formatting round-trips. */
    memset(a, 0xff, sizeof a);
    uint8_t b[EO_WEEK_SLOTS / 8];
    assert(eo_avail_parse(eo_avail_format(a, buf, sizeof buf), b, why, sizeof why) == EO_OK);
    assert(memcmp(a, b, sizeof a) == 0);
    memset(a, 0x55, sizeof a);
    assert(eo_avail_parse(eo_avail_format(a, buf, sizeof buf), b, why, sizeof why) == EO_OK);
    assert(memcmp(a, b, sizeof a) == 0);
    const char *bad[] = {"",
                         "xx18:00-22:00",
                         "mo18:00",
                         "mo18:15-22:00",
                         "mo25:00-26:00",
                         "mo18:00-18:00",
                         "mo24:00-02:00",
                         "mo18:00-00:00",
                         "mo18:00+22:00",
                         "mo1800-2200",
                         "mo18:00-22:00x",
                         "mo18:0a-22:00",
                         "mo18:00-22:00 tu",
                         "a-very-long-token-that-goes-on-and-on",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        why[0] = 0;
        assert(eo_avail_parse(bad[i], a, why, sizeof why) == EO_EINVAL && why[0]);
    }
    assert(eo_avail_parse(NULL, a, why, sizeof why) == EO_EINVAL);
}

static const char *s_header =
    "id\tsite\tkind\thome_dong\tdongs\tphone\tavailability\tcheck_until\ttraining_until";

static void s_test_tsv(void)
{
    char why[160];
    /* Headers: unknown, repeated, missing a required column. */
    assert(!eo_carer_tsv_new("id\tsite\tcolour", why, sizeof why) && strstr(why, "colour"));
    assert(!eo_carer_tsv_new("id\tid", why, sizeof why) && strstr(why, "twice"));
    assert(!eo_carer_tsv_new("id\tsite\tkind", why, sizeof why) && strstr(why, "missing"));
    assert(!eo_carer_tsv_new(NULL, why, sizeof why));
    eo_carer_tsv_t *tsv = eo_carer_tsv_new(s_header, why, sizeof why);
    assert(tsv);
    char line[512];
    eo_carer_t c;
    uint32_t w, m;
    snprintf(
        line, sizeof line,
        "7\tsuwon\tvisit\t%u\t%u,%u\t010-1234-5678\tsa18:00-22:00\t2027-01-01\t2027-06-30\n",
        s_dong, s_dong, s_nb);
    assert(eo_carer_tsv_parse(tsv, line, s_dongs, &c, &w, &m, why, sizeof why) == EO_OK);
    assert(c.id == 7 && c.kind == EO_CARER_VISIT && c.n_dongs == 2 && c.dongs[1] == s_nb);
    assert(streq(c.phone, "+821012345678") && c.check_until == 20270101 && c.active && !c.pool);
    assert(c.training_until == 20270630 && w == 0 && m == 0);
    /* One field wrong at a time. */
    const char *fields[][9] = {
        {"0", "suwon", "1", "D", "D", "01012345678", "-", "", ""},
        {"x", "suwon", "1", "D", "D", "01012345678", "-", "", ""},
        {"99999999999", "suwon", "1", "D", "D", "01012345678", "-", "", ""},
        {"1", "mars", "1", "D", "D", "01012345678", "-", "", ""},
        {"1", "suwon", "4", "D", "D", "01012345678", "-", "", ""},
        {"1", "suwon", "1", "12", "D", "01012345678", "-", "", ""},
        {"1", "suwon", "1", "D", "D,,D", "01012345678", "-", "", ""},
        {"1", "suwon", "1", "D", "D,D", "01012345678", "-", "", ""},
        {"1", "suwon", "1", "D", "D,1,2,3,4,5,6,7,8", "01012345678", "-", "", ""},
        {"1", "suwon", "1", "D", "D", "02-123-4567", "-", "", ""},
        {"1", "suwon", "1", "D", "D", "01012345678", "mo", "", ""},
        {"1", "suwon", "1", "D", "D", "01012345678", "-", "2027-02-30", ""},
        {"1", "suwon", "1", "D", "D", "01012345678", "-", "", "tomorrow"},
        {"1", "suwon", "1", "1111051500", "D", "01012345678", "-", "", ""},
    };
    char dong[16];
    snprintf(dong, sizeof dong, "%u", s_dong);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        line[0] = '\0';
        for (int f = 0; f < 9; f++) {
            char text[128];
            snprintf(text, sizeof text, "%s", fields[i][f]);
            char *d;
            while ((d = strchr(text, 'D'))) { /* D stands for the 수원 dong */
                char rest[128];
                snprintf(rest, sizeof rest, "%s", d + 1);
                snprintf(d, sizeof text - (size_t)(d - text), "%s%s", dong, rest);
            }
            snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s", f ? "\t" : "",
                     text);
        }
        why[0] = '\0';
        assert(eo_carer_tsv_parse(tsv, line, s_dongs, &c, &w, &m, why, sizeof why) ==
               EO_EINVAL);
        assert(why[0]);
    }
    strcpy(line, "1\tsuwon\t1");
    assert(eo_carer_tsv_parse(tsv, line, s_dongs, &c, &w, &m, why, sizeof why) == EO_EINVAL);
    assert(strstr(why, "fields"));
    eo_carer_tsv_destroy(&tsv);
    assert(tsv == NULL);
    /* Optional columns and their bad values. */
    tsv = eo_carer_tsv_new(
        "id\tsite\tkind\thome_dong\tdongs\tphone\tavailability\tcheck_until\t"
        "training_until\tpool\tactive\tnight_ok\tproviders\tweek_min\tmonth_min\tname",
        why, sizeof why);
    assert(tsv);
    const char *opt[][7] = {
        {"1", "1", "0", "3,4", "600", "600", "김돌봄"},
        {"2", "1", "0", "", "", "", ""},
        {"yes", "1", "0", "", "", "", ""},
        {"1", "1", "0", "1,2,3,4,5", "", "", ""},
        {"1", "1", "0", "70000", "", "", ""},
        {"1", "1", "0", "", "20000", "", ""},
        {"1", "1", "0", "", "", "-5", ""},
        {"1", "1", "0", "", "", "",
         "a name that is far too long to fit in the sixty-three bytes of room that a record "
         "has"},
    };
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++) {
        snprintf(line, sizeof line,
                 "3\tsuwon\t3\t%u\t%u\t+821011112222\t-\t\t\t%s\t%s\t%s\t%s\t%s\t%s\t%s",
                 s_dong, s_dong, opt[i][0], opt[i][1], opt[i][2], opt[i][3], opt[i][4],
                 opt[i][5], opt[i][6]);
        int rc = eo_carer_tsv_parse(tsv, line, s_dongs, &c, &w, &m, why, sizeof why);
        if (i == 0 ? rc != EO_OK : rc != EO_EINVAL)
            fprintf(stderr, "optional case %zu: %d %s\n", i, rc, why);
        assert(i == 0 ? rc == EO_OK : rc == EO_EINVAL);
    }
    eo_carer_tsv_destroy(&tsv);
}

static int s_write(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", s_tmp, name);
    FILE *f = fopen(path, "w");
    assert(f);
    fputs(text, f);
    fclose(f);
    return 0;
}

static size_t s_size(eo_store_t *store, eo_index_t *index)
{
    MDB_txn *txn;
    size_t n;
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_index_size(index, txn, &n) == EO_OK);
    eo_store_abort(&txn);
    return n;
}

static void s_test_import(void)
{
    char path[600], dir[600], text[4096], report_text[4096];
    snprintf(dir, sizeof dir, "%s/import", s_tmp);
    eo_store_t *store = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    eo_index_t *index = eo_index_new(store, s_dongs, &s_caps);
    assert(store && index);
    eo_time_t at = eo_time_from_local(2026, 11, 27, 18, 0, 0);
    /* Three good rows, one bad (line 5: a dong of no site). */
    snprintf(
        text, sizeof text,
        "# carers of 수원\n%s\tweek_min\tpool\n"
        "1\tsuwon\t1\t%u\t%u\t010-2000-0001\tsa18:00-24:00\t2027-12-31\t2027-12-31\t60\t1\n"
        "2\tsuwon\t1\t%u\t%u\t010-2000-0002\tsa18:00-24:00\t2027-12-31\t2027-12-31\t0\t1\n"
        "3\tsuwon\t1\t%u\t%u\t010-2000-0003\tsa18:00-24:00\t2027-12-31\t2027-12-31\t0\t1\n"
        "\n"
        "4\tsuwon\t1\t%u\t9999999999\t010-2000-0004\tsa18:00-24:00\t2027-12-31\t2027-12-"
        "31\t0\t1\n",
        s_header, s_dong, s_dong, s_dong, s_dong, s_nb, s_nb, s_dong);
    s_write("bad.tsv", text, path, sizeof path);
    FILE *report = fmemopen(report_text, sizeof report_text, "w");
    size_t rows;
    assert(eo_carer_import(store, index, path, at, report, &rows) == EO_EINVAL && rows == 0);
    fclose(report);
    assert(strstr(report_text, "bad.tsv:7:") && strstr(report_text, "nothing imported"));
    assert(s_size(store, index) == 0);
    /* The same carer twice, or one phone twice: refused, nothing written. */
    char dup[4096];
    snprintf(dup, sizeof dup,
             "%s\n1\tsuwon\t1\t%u\t%u\t010-2000-0001\t-\t\t\n"
             "2\tsuwon\t1\t%u\t%u\t010-2000-0001\t-\t\t\n"
             "2\tsuwon\t1\t%u\t%u\t010-2000-0009\t-\t\t\n",
             s_header, s_dong, s_dong, s_dong, s_dong, s_dong, s_dong);
    s_write("dup.tsv", dup, path, sizeof path);
    report = fmemopen(report_text, sizeof report_text, "w");
    assert(eo_carer_import(store, index, path, at, report, &rows) == EO_EINVAL);
    fclose(report);
    assert(strstr(report_text, "dup.tsv:4: carer 2 is also on line 3"));
    assert(strstr(report_text, "phone of carer"));
    assert(s_size(store, index) == 0);
    /* No header, missing file. */
    s_write("empty.tsv", "# nothing\n", path, sizeof path);
    report = fmemopen(report_text, sizeof report_text, "w");
    assert(eo_carer_import(store, index, path, at, report, &rows) == EO_EINVAL);
    assert(eo_carer_import(store, index, "/no/such/file", at, report, &rows) == EO_EIO);
    fclose(report);
    /* The header and no row: nothing to import, nothing changed, no error. */
    s_write("header.tsv", s_header, path, sizeof path);
    assert(eo_carer_import(store, index, path, at, stderr, &rows) == EO_OK && rows == 0);
    assert(s_size(store, index) == 0);
    /* Fixed: all four go in (bulk load: the store was empty). */
    char *bad = strstr(text, "9999999999");
    char code[16];
    snprintf(code, sizeof code, "%u", s_nb);
    memcpy(bad, code, 10);
    s_write("good.tsv", text, path, sizeof path);
    assert(eo_carer_import(store, index, path, at, stderr, &rows) == EO_OK && rows == 4);
    assert(s_size(store, index) == 4);
    eo_time_t sat = eo_time_from_local(2026, 11, 28, 18, 0, 0);
    eo_query_t q = {
        .site = "suwon", .dong = s_dong, .start = sat, .end = sat + EO_HOUR, .k = 9};
    eo_candidate_t out[9];
    uint32_t n;
    MDB_txn *txn;
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_index_query(index, txn, &q, out, &n) == EO_OK);
    /* Tier 1: 2 (0 min), 1 (60 min); tier 2 (they prefer the neighbour): 3, 4. */
    assert(n == 4 && out[0].carer_id == 2 && out[1].carer_id == 1 && out[1].booked_min == 60);
    assert(out[2].carer_id == 3 && out[2].tier == 2 && out[3].carer_id == 4 &&
           out[3].tier == 2);
    eo_store_abort(&txn);

    /* Export, import into a fresh store, export again: the same text. */
    char exp1[600], exp2[600];
    snprintf(exp1, sizeof exp1, "%s/export1.tsv", s_tmp);
    FILE *f = fopen(exp1, "w");
    assert(eo_carer_export(store, index, f, at, &rows) == EO_OK && rows == 4);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/import2", s_tmp);
    eo_store_t *store2 = eo_store_new(dir, 64, EO_STORE_NOSYNC);
    eo_index_t *index2 = eo_index_new(store2, s_dongs, &s_caps);
    assert(eo_carer_import(store2, index2, exp1, at, stderr, &rows) == EO_OK && rows == 4);
    snprintf(exp2, sizeof exp2, "%s/export2.tsv", s_tmp);
    f = fopen(exp2, "w");
    assert(eo_carer_export(store2, index2, f, at, &rows) == EO_OK && rows == 4);
    fclose(f);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", exp1, exp2);
    assert(system(cmd) == 0);

    /* Upsert into a non-empty store: carer 3 moves, 5 is new; a row that takes carer
     * 1's phone for carer 6 fails the whole file. */
    snprintf(text, sizeof text,
             "%s\tpool\n"
             "3\tsuwon\t1\t%u\t%u\t010-2000-0003\tsa18:00-24:00\t2027-12-31\t2027-12-31\t1\n"
             "5\tsuwon\t2\t%u\t%u\t010-2000-0005\tsa18:00-24:00\t2027-12-31\t2027-12-31\t1\n"
             "6\tsuwon\t2\t%u\t%u\t010-2000-0001\tsa18:00-24:00\t2027-12-31\t2027-12-31\t1\n",
             s_header, s_dong, s_dong, s_dong, s_dong, s_dong, s_dong);
    s_write("upsert.tsv", text, path, sizeof path);
    report = fmemopen(report_text, sizeof report_text, "w");
    assert(eo_carer_import(store, index, path, at, report, &rows) == EO_EINVAL);
    fclose(report);
    assert(strstr(report_text, "upsert.tsv:4: phone already belongs to another carer"));
    assert(s_size(store, index) == 4);
    *strstr(text, "6\tsuwon") = '\0';
    s_write("upsert.tsv", text, path, sizeof path);
    assert(eo_carer_import(store, index, path, at, stderr, &rows) == EO_OK && rows == 2);
    assert(s_size(store, index) == 5);
    assert(eo_store_begin(store, false, &txn) == EO_OK);
    assert(eo_index_query(index, txn, &q, out, &n) == EO_OK);
    /* Minutes kept (the file has no week_min): 1 still has 60. */
    assert(n == 5 && out[0].carer_id == 2 && out[1].carer_id == 3 && out[2].carer_id == 5);
    assert(out[3].carer_id == 1 && out[3].booked_min == 60 && out[4].carer_id == 4);
    eo_store_abort(&txn);

    eo_index_destroy(&index2);
    eo_store_destroy(&store2);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
}

int main(void)
{
    zsys_init();
    const char *tmp = getenv("EO_TEST_TMP");
    assert(tmp);
    snprintf(s_tmp, sizeof s_tmp, "%s", tmp);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmp, tmp);
    assert(system(cmd) == 0);
    char err[256];
    s_dongs = eo_dongs_load_default(err, sizeof err);
    assert(s_dongs);
    /* the rules' caps: the index enforces what it is given */
    assert(eo_rules_caps_config(NULL, &s_caps, err, sizeof err) == EO_OK);
    size_t n;
    const eo_dong_t *const *suwon =
        eo_dongs_of_site(s_dongs, eo_dongs_site_find(s_dongs, "suwon"), &n);
    s_dong = suwon[0]->code;
    s_nb = suwon[0]->nb[0];
    s_test_avail();
    s_test_tsv();
    s_test_import();
    printf("index io: ok\n");
    eo_dongs_destroy(&s_dongs);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    assert(system(cmd) == 0);
    return 0;
}
