/* shards.c: which sites each matcher serves (see shards.h), and `eonjena shards`. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "common/opts.h"
#include "shards.h"

int eo_shards_default(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 0 ? (int)cores : 1;
}

/* The sites of a plan's shard as "a,b,c". */
static void s_list(const eo_dongs_t *dongs, uint32_t bits, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int s = 0; s < EO_SITE_MAX && n < size; s++)
        if (bits >> s & 1)
            n += (size_t)snprintf(out + n, size - n, "%s%s", n ? "," : "",
                                  eo_dongs_site(dongs, s)->slug);
}

int eo_shards_plan(const eo_dongs_t *dongs, int n, eo_shards_t *out)
{
    uint32_t bits[EO_SITE_MAX];
    memset(out, 0, sizeof *out);
    out->n = eo_dongs_shards(dongs, n, EO_SERVICE_VISIT | EO_SERVICE_FACILITY, bits);
    for (int i = 0; i < out->n; i++)
        s_list(dongs, bits[i], out->sites[i], sizeof out->sites[i]);
    return out->n;
}

/* The plan recorded in <store>/shards (one line of sites per matcher), if any. */
static bool s_recorded(const char *path, eo_shards_t *rec)
{
    FILE *f = fopen(path, "r");
    memset(rec, 0, sizeof *rec);
    if (!f) return false;
    char line[sizeof rec->sites[0]];
    while (rec->n < EO_SITE_MAX && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (*line && *line != '#')
            snprintf(rec->sites[rec->n++], sizeof rec->sites[0], "%s", line);
    }
    fclose(f);
    return true;
}

static int s_record(const char *path, const eo_shards_t *plan)
{
    FILE *f = fopen(path, "w");
    if (!f) return EO_EIO;
    fprintf(f, "# the sites of each matcher of `eonjena serve`, one line each; the first\n"
               "# uses this store, matcher k the store shard-k in this folder\n");
    for (int i = 0; i < plan->n; i++)
        fprintf(f, "%s\n", plan->sites[i]);
    return fclose(f) == 0 ? EO_OK : EO_EIO;
}

static bool s_same(const eo_shards_t *a, const eo_shards_t *b)
{
    if (a->n != b->n) return false;
    for (int i = 0; i < a->n; i++)
        if (!streq(a->sites[i], b->sites[i])) return false;
    return true;
}

int eo_shards_serve(zconfig_t *config, const eo_dongs_t *dongs, const char *store, bool existed,
                    eo_shards_t *out)
{
    int asked = atoi(zconfig_get(config, "server/matchers", "0"));
    const char *sites = zconfig_get(config, "server/sites", "*");
    char path[4200];
    snprintf(path, sizeof path, "%s/shards", store);
    eo_shards_t rec;
    bool recorded = s_recorded(path, &rec);
    if (!streq(sites, "*") || (!recorded && existed)) {
        /* a chosen set of sites, or a store that one matcher has served (it holds every
         * site's cases): one matcher, as before */
        if (!recorded && existed && asked != 1)
            zsys_info("serve: %s was served by one matcher (no %s): keeping one; a new "
                      "store is split over server/matchers",
                      store, path);
        memset(out, 0, sizeof *out);
        out->n = 1;
        snprintf(out->sites[0], sizeof out->sites[0], "%s", sites);
    } else
        eo_shards_plan(dongs, asked > 0 ? asked : eo_shards_default(), out);
    if (recorded && !s_same(&rec, out)) {
        zsys_error("serve: %s splits the sites over %d matcher(s), the configuration over %d: "
                   "set server/matchers = %d (the cases of a site live in its matcher's "
                   "store), or start from a new store",
                   path, rec.n, out->n, rec.n);
        return EO_EINVAL;
    }
    for (int i = 0; i < out->n; i++)
        if (i == 0)
            snprintf(out->stores[i], sizeof out->stores[i], "%s", store);
        else
            snprintf(out->stores[i], sizeof out->stores[i], "%s/shard-%d", store, i + 1);
    out->fresh = !recorded;
    if (!recorded && out->n > 1 && s_record(path, out) != EO_OK) {
        zsys_error("serve: cannot write %s: %s", path, strerror(errno));
        return EO_EIO;
    }
    return EO_OK;
}

static const char s_about[] =
    "Print which sites each of N matchers serves, one line each, as\n"
    "`eonjena serve` (server/matchers) and deploy/eonjena-deploy deal them:\n"
    "the site with the most 동 first, to the matcher with the fewest so far.\n"
    "N: one per core when not given.";

int eo_cmd_shards(int argc, char **argv)
{
    const eo_opt_t opts[] = {EO_OPT_END};
    eo_opts_t o = {.prog = "eonjena shards", .forms = "[N]", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&o, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    int n = o.n_args ? atoi(o.args[0]) : eo_shards_default();
    if (o.n_args > 1 || n < 1 || n > EO_SITE_MAX)
        return eo_opts_fail(&o, "N is a number of matchers, 1 to %d", EO_SITE_MAX);
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    if (!dongs) {
        fprintf(stderr, "eonjena shards: %s\n", err);
        return 1;
    }
    eo_shards_t plan;
    eo_shards_plan(dongs, n, &plan);
    for (int i = 0; i < plan.n; i++)
        printf("%s\n", plan.sites[i]);
    eo_dongs_destroy(&dongs);
    return 0;
}
