/* dong.c: the 행정동 table and the sites (see eo_dong.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_tsv.h"
#include "eonjena/eo_dong.h"
#include "eonjena/eo_error.h"

#define S_MAX_PREFIXES 8

typedef struct {
    eo_site_t site;
    uint32_t prefixes[S_MAX_PREFIXES]; /* 5-digit sigungu codes */
    size_t n_prefixes;
} s_site_t;

struct eo_dongs_t {
    eo_dong_t *dongs; /* sorted by code */
    size_t n;
    s_site_t sites[EO_SITE_MAX];
    size_t n_sites;
    const eo_dong_t **by_site; /* every site's dongs, grouped, in code order */
    size_t site_first[EO_SITE_MAX + 1];
};

uint32_t eo_dong_code_parse(const char *text)
{
    if (!text || strlen(text) != 10) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (text[i] < '0' || text[i] > '9') return 0;
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    return v > UINT32_MAX ? 0 : (uint32_t)v;
}

static int s_load_sites(eo_dongs_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int lineno = 0;
    bool header = false;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        eo_tsv_chomp(line);
        if (line[0] == '#' || line[0] == '\0') continue;
        if (!header) { /* the column names */
            header = true;
            continue;
        }
        char *fld[4];
        if (eo_tsv_split(line, fld, 4) != 4 || strlen(fld[0]) == 0 ||
            strlen(fld[0]) >= EO_SITE_SLUG || self->n_sites == EO_SITE_MAX) {
            snprintf(err, errlen, "%s:%d: want slug, name, sigungu, services", path, lineno);
            fclose(f);
            return -1;
        }
        s_site_t *s = &self->sites[self->n_sites];
        snprintf(s->site.slug, sizeof s->site.slug, "%s", fld[0]);
        snprintf(s->site.name, sizeof s->site.name, "%s", fld[1]);
        for (char *tok = strtok(fld[2], ","); tok; tok = strtok(NULL, ",")) {
            if (s->n_prefixes == S_MAX_PREFIXES || strlen(tok) != 5) {
                snprintf(err, errlen, "%s:%d: bad sigungu code '%s'", path, lineno, tok);
                fclose(f);
                return -1;
            }
            s->prefixes[s->n_prefixes++] = (uint32_t)strtoul(tok, NULL, 10);
        }
        s->site.services = (strstr(fld[3], "visit") ? EO_SERVICE_VISIT : 0) |
                           (strstr(fld[3], "facility") ? EO_SERVICE_FACILITY : 0);
        self->n_sites++;
    }
    fclose(f);
    return 0;
}

static int s_site_of(const eo_dongs_t *self, uint32_t code)
{
    uint32_t prefix = code / 100000;
    for (size_t i = 0; i < self->n_sites; i++)
        for (size_t j = 0; j < self->sites[i].n_prefixes; j++)
            if (self->sites[i].prefixes[j] == prefix) return (int)i;
    return -1;
}

static int s_cmp_dong(const void *a, const void *b)
{
    uint32_t x = ((const eo_dong_t *)a)->code, y = ((const eo_dong_t *)b)->code;
    return x < y ? -1 : x > y;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Add b to a's neighbours unless it is there already. */
static void s_link(eo_dong_t *a, uint32_t b)
{
    for (int i = 0; i < a->n_nb; i++)
        if (a->nb[i] == b) return;
    if (a->n_nb < EO_DONG_MAX_NB) a->nb[a->n_nb++] = b;
}

/* Step 1: one row of dong.tsv (adm_cd and 7 more columns) into self->dongs[self->n],
 * its neighbours column kept raw in *raw_nb for step 3. */
static int s_dong_row(eo_dongs_t *self, char *line, char **raw_nb, const char *path, int lineno,
                      char *err, size_t errlen)
{
    char *fld[8];
    int nf = eo_tsv_split(line, fld, 8);
    uint32_t code = nf >= 7 ? eo_dong_code_parse(fld[0]) : 0;
    if (!code) {
        snprintf(err, errlen, "%s:%d: want adm_cd and 7 more columns", path, lineno);
        return -1;
    }
    eo_dong_t *d = &self->dongs[self->n];
    memset(d, 0, sizeof *d);
    d->code = code;
    d->site = s_site_of(self, code);
    snprintf(d->sigungu, sizeof d->sigungu, "%s", fld[3]);
    snprintf(d->name, sizeof d->name, "%s", fld[4]);
    d->lat = atof(fld[5]);
    d->lon = atof(fld[6]);
    if (!(*raw_nb = strdup(nf == 8 ? fld[7] : ""))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    self->n++;
    return 0;
}

/* Room for one more row in both arrays. */
static int s_grow(eo_dongs_t *self, char ***raw_nb, size_t *cap, char *err, size_t errlen)
{
    if (self->n < *cap) return 0;
    size_t n = *cap ? *cap * 2 : 1024;
    eo_dong_t *d = realloc(self->dongs, n * sizeof *d);
    if (d) self->dongs = d;
    char **r = d ? realloc(*raw_nb, n * sizeof *r) : NULL;
    if (r) *raw_nb = r;
    if (!d || !r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *cap = n;
    return 0;
}

/* Step 1: every row of the file (rows without a served site are kept: the table is the
 * whole province). */
static int s_read_dongs(eo_dongs_t *self, FILE *f, char ***raw_nb, const char *path, char *err,
                        size_t errlen)
{
    char line[4096];
    int lineno = 0;
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        eo_tsv_chomp(line);
        if (lineno == 1 || line[0] == '\0') continue;
        if (s_grow(self, raw_nb, &cap, err, errlen) ||
            s_dong_row(self, line, &(*raw_nb)[self->n], path, lineno, err, errlen))
            return -1;
    }
    return 0;
}

/* Step 2: rows sorted by code, so lookups can bisect. */
static int s_check_order(const eo_dongs_t *self, const char *path, char *err, size_t errlen)
{
    for (size_t i = 1; i < self->n; i++)
        if (self->dongs[i - 1].code >= self->dongs[i].code) {
            snprintf(err, errlen, "%s: rows must be sorted by adm_cd", path);
            return -1;
        }
    return 0;
}

/* Step 3: neighbours within the same site, both ways, in code order. */
static void s_link_neighbours(eo_dongs_t *self, char **raw_nb)
{
    for (size_t i = 0; i < self->n; i++) {
        eo_dong_t *d = &self->dongs[i];
        if (d->site < 0) continue;
        for (char *tok = strtok(raw_nb[i], ","); tok; tok = strtok(NULL, ",")) {
            eo_dong_t key = {.code = eo_dong_code_parse(tok)};
            eo_dong_t *nb = bsearch(&key, self->dongs, self->n, sizeof key, s_cmp_dong);
            if (nb && nb->site == d->site && nb != d) {
                s_link(d, nb->code);
                s_link(nb, d->code);
            }
        }
    }
    for (size_t i = 0; i < self->n; i++)
        qsort(self->dongs[i].nb, self->dongs[i].n_nb, sizeof(uint32_t), s_cmp_u32);
}

static int s_load_dongs(eo_dongs_t *self, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    assert(self->n == 0); /* read once, into a new table: rows [0, n) are this file's */
    char **raw_nb = NULL; /* the neighbours column of each row, resolved in step 3 */
    int rc = s_read_dongs(self, f, &raw_nb, path, err, errlen);
    fclose(f);
    if (rc == 0 && (rc = s_check_order(self, path, err, errlen)) == 0)
        s_link_neighbours(self, raw_nb);
    for (size_t i = 0; raw_nb && i < self->n; i++)
        free(raw_nb[i]);
    free(raw_nb);
    return rc;
}

static int s_group_sites(eo_dongs_t *self)
{
    self->by_site = calloc(self->n ? self->n : 1, sizeof *self->by_site);
    if (!self->by_site) return -1;
    size_t k = 0;
    for (size_t s = 0; s < self->n_sites; s++) {
        self->site_first[s] = k;
        for (size_t i = 0; i < self->n; i++)
            if (self->dongs[i].site == (int)s) self->by_site[k++] = &self->dongs[i];
        self->sites[s].site.n_dongs = (uint32_t)(k - self->site_first[s]);
    }
    self->site_first[self->n_sites] = k;
    return 0;
}

eo_dongs_t *eo_dongs_load(const char *dong_tsv, const char *sites_tsv, char *err, size_t errlen)
{
    eo_dongs_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (s_load_sites(self, sites_tsv, err, errlen) ||
        s_load_dongs(self, dong_tsv, err, errlen) || s_group_sites(self)) {
        eo_dongs_destroy(&self);
        return NULL;
    }
    return self;
}

eo_dongs_t *eo_dongs_load_default(char *err, size_t errlen)
{
    char dong[1024], sites[1024];
    snprintf(dong, sizeof dong, "%s/dong/dong.tsv", eo_data_dir());
    snprintf(sites, sizeof sites, "%s/sites.tsv", eo_data_dir());
    return eo_dongs_load(dong, sites, err, errlen);
}

void eo_dongs_destroy(eo_dongs_t **self_p)
{
    if (!self_p || !*self_p) return;
    free((*self_p)->dongs);
    free((*self_p)->by_site);
    free(*self_p);
    *self_p = NULL;
}

size_t eo_dongs_count(const eo_dongs_t *self)
{
    return self->n;
}

const eo_dong_t *eo_dongs_at(const eo_dongs_t *self, size_t i)
{
    return i < self->n ? &self->dongs[i] : NULL;
}

const eo_dong_t *eo_dongs_find(const eo_dongs_t *self, uint32_t code)
{
    eo_dong_t key = {.code = code};
    return self->n ? bsearch(&key, self->dongs, self->n, sizeof key, s_cmp_dong) : NULL;
}

size_t eo_dongs_site_count(const eo_dongs_t *self)
{
    return self->n_sites;
}

const eo_site_t *eo_dongs_site(const eo_dongs_t *self, int site)
{
    return site >= 0 && (size_t)site < self->n_sites ? &self->sites[site].site : NULL;
}

int eo_dongs_site_find(const eo_dongs_t *self, const char *slug)
{
    for (size_t i = 0; slug && i < self->n_sites; i++)
        if (streq(self->sites[i].site.slug, slug)) return (int)i;
    return -1;
}

const eo_dong_t *const *eo_dongs_of_site(const eo_dongs_t *self, int site, size_t *n)
{
    if (site < 0 || (size_t)site >= self->n_sites) {
        *n = 0;
        return NULL;
    }
    *n = self->site_first[site + 1] - self->site_first[site];
    return self->by_site + self->site_first[site];
}

int eo_dongs_shards(const eo_dongs_t *self, int n, unsigned services, uint32_t *shards)
{
    int sites[EO_SITE_MAX], n_sites = 0;
    size_t size[EO_SITE_MAX], load[EO_SITE_MAX] = {0};
    for (size_t s = 0; s < self->n_sites && n_sites < EO_SITE_MAX; s++)
        if (self->sites[s].site.services & services) {
            eo_dongs_of_site(self, (int)s, &size[n_sites]);
            sites[n_sites++] = (int)s;
        }
    n = n <= 0 || n > n_sites ? n_sites : n;
    memset(shards, 0, (size_t)n * sizeof *shards);
    bool dealt[EO_SITE_MAX] = {false};
    for (int k = 0; k < n_sites; k++) {
        int big = -1, to = 0;
        for (int i = 0; i < n_sites; i++) /* the largest left; ties: table order */
            if (!dealt[i] && (big < 0 || size[i] > size[big])) big = i;
        for (int j = 1; j < n; j++)
            if (load[j] < load[to]) to = j;
        dealt[big] = true;
        load[to] += size[big];
        shards[to] |= 1u << sites[big];
    }
    return n;
}

void eo_dongs_test(bool verbose)
{
    if (verbose) printf(" * eo_dongs: ");
    char err[256];
    eo_dongs_t *dongs = eo_dongs_load_default(err, sizeof err);
    assert(dongs);
    assert(eo_dongs_count(dongs) == 1027);
    /* W1: the ten 방문형 sites have 190 dongs and 822 directed same-site links. */
    size_t n_dongs = 0, links = 0;
    for (size_t s = 0; s < eo_dongs_site_count(dongs); s++) {
        if (!(eo_dongs_site(dongs, (int)s)->services & EO_SERVICE_VISIT)) continue;
        size_t n;
        const eo_dong_t *const *list = eo_dongs_of_site(dongs, (int)s, &n);
        n_dongs += n;
        for (size_t i = 0; i < n; i++) {
            assert(list[i]->n_nb > 0); /* none isolated */
            links += list[i]->n_nb;
        }
    }
    assert(n_dongs == 190);
    assert(links == 822);
    int suwon = eo_dongs_site_find(dongs, "suwon");
    assert(suwon >= 0 && eo_dongs_site(dongs, suwon)->n_dongs == 44);
    assert(eo_dongs_site_find(dongs, "nowhere") == -1);
    const eo_dong_t *d = eo_dongs_find(dongs, eo_dong_code_parse("1111051500"));
    assert(d && streq(d->name, "청운효자동") && d->site == -1 && d->n_nb == 0);
    assert(eo_dongs_find(dongs, 1234567890) == NULL);
    assert(eo_dong_code_parse("41111") == 0 && eo_dong_code_parse("41111abcde") == 0);
    /* shards: every site of the services in exactly one, the 동 spread evenly (no shard
     * more than the largest site above another), one per site when asked for none */
    uint32_t shards[EO_SITE_MAX];
    for (int n = 1; n <= 4; n++) {
        assert(eo_dongs_shards(dongs, n, EO_SERVICE_VISIT, shards) == n);
        uint32_t all = 0;
        size_t lo = SIZE_MAX, hi = 0;
        for (int i = 0; i < n; i++) {
            assert((all & shards[i]) == 0);
            all |= shards[i];
            size_t load = 0;
            for (int st = 0; st < EO_SITE_MAX; st++)
                load += shards[i] >> st & 1 ? eo_dongs_site(dongs, st)->n_dongs : 0;
            lo = load < lo ? load : lo;
            hi = load > hi ? load : hi;
        }
        assert(__builtin_popcount(all) == 10 && hi - lo <= 44);
    }
    assert(eo_dongs_shards(dongs, 0, EO_SERVICE_VISIT, shards) == 10);
    assert(eo_dongs_shards(dongs, 99, EO_SERVICE_VISIT | EO_SERVICE_FACILITY, shards) ==
           (int)eo_dongs_site_count(dongs));
    eo_dongs_destroy(&dongs);
    assert(dongs == NULL);
    assert(eo_dongs_load("/no/such/file", "/no/such/sites", err, sizeof err) == NULL);
    assert(strstr(err, "/no/such/sites"));
    if (verbose) printf("OK\n");
}
