/* eonjena import: carers into a store, or a new 행정동 table into the data dir.
 * Both are all or nothing: a bad row is reported with its line number and nothing
 * changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "cli_cases.h"
#include "commands.h"
#include "common/opts.h"
#include "eonjena/eonjena.h"
#include "eonjena/eo_carer_io.h"
#include "eonjena/eo_index.h"
#include "eonjena/eo_rules.h"

typedef struct {
    const char *what, *file, *store, *at, *sites, *data;
    bool check;
} s_opts_t;

static const char s_about[] =
    "carers: read a carer TSV file (columns in docs/index.md; '-' reads stdin)\n"
    "  into the store's index. Every row is checked first; if any is bad, each\n"
    "  is reported as FILE:LINE: reason and nothing is imported (exit 1).\n"
    "  Carers already in the store are replaced (their bookings kept).\n"
    "  week_min / month_min are the minutes booked in the week / month that\n"
    "  contains --at (default: now).\n"
    "dongs: check a dong table (like data/dong/dong.tsv) against the sites file\n"
    "  and, with --store, against every carer's dongs; then install it as\n"
    "  DATA/dong/dong.tsv (DATA: --data, else $EO_DATA_DIR, else the source\n"
    "  data/), replacing the old one in one rename. --check only checks.\n"
    "Exit status: 0 imported, 1 refused (nothing changed), 2 bad usage.";

/* The command line into *o; EO_OPTS_RUN, or the exit status. */
static int s_parse(int argc, char **argv, s_opts_t *o, eo_time_t *at)
{
    memset(o, 0, sizeof *o);
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("store", "DIR", &o->store, "the store (carers: required)"),
        EO_OPT_VALUE("at", "TIME", &o->at,
                     "carers: booked minutes are of the week/month of TIME"),
        EO_OPT_VALUE("sites", "FILE", &o->sites, "dongs: the sites file (DATA/sites.tsv)"),
        EO_OPT_VALUE("data", "DIR", &o->data, "dongs: the data dir to install into"),
        EO_OPT_FLAG("check", &o->check, "dongs: only check, install nothing"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena import",
                   .forms = "carers FILE\n"
                            "dongs FILE",
                   .about = s_about,
                   .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    o->what = p.args[0];
    o->file = p.args[1];
    if (!streq(o->what, "carers") && !streq(o->what, "dongs"))
        return eo_opts_fail(&p, "import carers or dongs, not '%s'", o->what);
    if (streq(o->what, "carers") && !o->store)
        return eo_opts_fail(&p, "import carers needs --store DIR");
    if (o->at && eo_time_parse(o->at, at)) return eo_opts_fail(&p, "bad --at '%s'", o->at);
    return EO_OPTS_RUN;
}

/* The import goes through the case store: the load is an input of its log, so a
 * replay of the store loads the same carers. */
static int s_bulk(void *arg, MDB_txn *txn, const eo_carer_t *carers, const uint32_t *week,
                  const uint32_t *month, size_t n, eo_time_t at)
{
    return eo_cases_load_carers(arg, txn, carers, week, month, n, at);
}

static int s_one(void *arg, MDB_txn *txn, const eo_carer_t *carer, eo_time_t at, uint32_t week,
                 uint32_t month)
{
    return eo_cases_load_carer(arg, txn, carer, at, week, month);
}

static int s_carers(const s_opts_t *o, eo_time_t at)
{
    if (!o->at) {
        eo_clock_t *clock = eo_clock_new_system();
        at = eo_clock_now(clock);
        eo_clock_destroy(&clock);
    }
    if (!streq(o->file, "-") && access(o->file, R_OK) != 0) { /* and create no store */
        fprintf(stderr, "eonjena import carers: cannot read %s: %s\n", o->file,
                strerror(errno));
        return 1;
    }
    eo_cli_cases_t cc;
    if (eo_cli_cases_open(&cc, o->store, 0)) return 1;
    eo_carer_sink_t sink = {cc.cases, s_bulk, s_one};
    size_t rows = 0;
    int rc = eo_carer_import_to(cc.store, cc.index, o->file, at, stderr, &rows, &sink);
    if (rc == EO_OK) printf("imported %zu carers into %s\n", rows, o->store);
    eo_cli_cases_close(&cc);
    return rc == EO_OK ? 0 : 1;
}

/* Every preferred and home dong of every carer must exist in the new table. */
typedef struct {
    const eo_dongs_t *dongs;
    uint32_t carer, dong;
} s_dong_check_t;

static int s_dong_check(void *arg, const eo_carer_t *c)
{
    s_dong_check_t *x = arg;
    uint32_t codes[EO_CARER_MAX_DONGS + 1];
    int n = 0;
    codes[n++] = c->home_dong;
    for (int i = 0; i < c->n_dongs; i++)
        codes[n++] = c->dongs[i];
    for (int i = 0; i < n; i++) {
        const eo_dong_t *d = eo_dongs_find(x->dongs, codes[i]);
        if (!d || d->site < 0 || !streq(eo_dongs_site(x->dongs, d->site)->slug, c->site)) {
            x->carer = c->id;
            x->dong = codes[i];
            return -1;
        }
    }
    return 0;
}

static int s_check_store(const char *dir, const eo_dongs_t *dongs)
{
    eo_caps_t caps;
    char err[256];
    if (eo_rules_caps_config(NULL, &caps, err, sizeof err)) {
        fprintf(stderr, "eonjena import dongs: %s\n", err);
        return 1;
    }
    eo_store_t *store = eo_store_new(dir, 0, EO_STORE_READONLY);
    eo_index_t *index = store ? eo_index_new(store, dongs, &caps) : NULL;
    MDB_txn *txn = NULL;
    s_dong_check_t x = {dongs, 0, 0};
    int rc = index ? eo_store_begin(store, false, &txn) : EO_ESTORE;
    if (rc == EO_OK) rc = eo_index_each(index, txn, s_dong_check, &x);
    eo_store_abort(&txn);
    eo_index_destroy(&index);
    eo_store_destroy(&store);
    if (rc == EO_OK && x.carer) {
        fprintf(stderr,
                "eonjena import dongs: carer %u names dong %010u, which the new table "
                "lacks or gives another site\n",
                x.carer, x.dong);
        return EO_EINVAL;
    }
    return rc;
}

static int s_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int rc = in && out ? 0 : -1;
    char buf[65536];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rc = -1;
    if (in && ferror(in)) rc = -1;
    if (in) fclose(in);
    if (out && fclose(out)) rc = -1;
    return rc;
}

static int s_dongs(const s_opts_t *o)
{
    const char *data = o->data ? o->data : eo_data_dir();
    char sites[1024], target[1024], tmp[1100], err[512];
    snprintf(sites, sizeof sites, "%s", o->sites ? o->sites : "");
    if (!o->sites) snprintf(sites, sizeof sites, "%s/sites.tsv", data);
    eo_dongs_t *dongs = eo_dongs_load(o->file, sites, err, sizeof err);
    if (!dongs) {
        fprintf(stderr, "eonjena import dongs: %s: nothing installed\n", err);
        return 1;
    }
    int rc = o->store ? s_check_store(o->store, dongs) : EO_OK;
    size_t n = eo_dongs_count(dongs);
    eo_dongs_destroy(&dongs);
    if (rc) {
        fprintf(stderr, "eonjena import dongs: nothing installed\n");
        return 1;
    }
    if (o->check) {
        printf("%s: %zu dongs, valid\n", o->file, n);
        return 0;
    }
    snprintf(target, sizeof target, "%s/dong", data);
    if (mkdir(target, 0755) && errno != EEXIST) {
        fprintf(stderr, "eonjena import dongs: %s: %s\n", target, strerror(errno));
        return 1;
    }
    snprintf(target, sizeof target, "%s/dong/dong.tsv", data);
    snprintf(tmp, sizeof tmp, "%s.new", target);
    /* Copy then rename: readers see the old table or the new one, never half. */
    if (s_copy(o->file, tmp) || rename(tmp, target)) {
        fprintf(stderr, "eonjena import dongs: cannot install %s: %s\n", target,
                strerror(errno));
        unlink(tmp);
        return 1;
    }
    printf("installed %zu dongs as %s\n", n, target);
    return 0;
}

int eo_cmd_import(int argc, char **argv)
{
    s_opts_t o;
    eo_time_t at = 0;
    int rc = s_parse(argc, argv, &o, &at);
    if (rc != EO_OPTS_RUN) return rc;
    return streq(o.what, "carers") ? s_carers(&o, at) : s_dongs(&o);
}
