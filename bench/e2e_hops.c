/* e2e_hops: where an e2e run's time went, read back from the deployment it ran on.
 *
 * Per hop: every role logs the request's trace id on the lines that matter (the
 * gateway's access line with the time it took, the matcher's "decided" line, the sms
 * role's line for each offer it sends), so joining them by trace id gives, for each
 * request, the moment it reached the gateway (t0 = the access line's time minus its
 * duration), was decided in the matcher's batch (t1, before that batch's commit),
 * was answered 201 (t2) and had its first offer sent (t3). Log times have millisecond
 * resolution: hops of a millisecond or less read as 0 or 1.
 *
 * Per role: the CPU time (user + system, all threads) each process of the deployment
 * spent during the load, from /proc/<pid>/stat before and after it, and the bytes it
 * handed to write calls ("wchar" of /proc/<pid>/io: its store's pages, which the sync
 * sends to the disk, plus its log lines). Not "write_bytes": on recent kernels that
 * counts whole page-cache folios when one 4 KiB page of one is dirtied, several times
 * what reaches the disk. And the durable commits of each role with a store (the last
 * transaction id LMDB keeps in the store's meta page moves by one with each write
 * commit): bytes over commits is what a commit costs, the fixed part of which (the
 * root-to-leaf path of every tree a batch touches) is why a busy role writes less per
 * request than an idle one. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <czmq.h>
#include <jansson.h>
#include <lmdb.h>

#include "bench.h"
#include "e2e_hops.h"

typedef struct {
    double t0, t1, t2, t3; /* ms since the epoch; 0: not seen */
} s_times_t;

/* "2026-12-07T10:11:55.872+09:00 ..." -> ms since the epoch (the offset applied). */
static bool s_stamp(const char *line, double *ms)
{
    int y, mo, d, h, mi, s, frac, oh, om;
    char sign;
    if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c%2d:%2d", &y, &mo, &d, &h, &mi, &s, &frac,
               &sign, &oh, &om) != 10)
        return false;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    double off = (oh * 3600.0 + om * 60.0) * (sign == '-' ? -1 : 1);
    *ms = ((double)timegm(&tm) - off) * 1000.0 + frac;
    return true;
}

/* The trace's record, made on first sight. */
static s_times_t *s_times(zhashx_t *by_trace, const char *trace, size_t len)
{
    char key[72];
    if (len == 0 || len >= sizeof key) return NULL;
    memcpy(key, trace, len);
    key[len] = '\0';
    s_times_t *t = zhashx_lookup(by_trace, key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) return NULL;
        zhashx_insert(by_trace, key, t);
    }
    return t;
}

/* The word after `after` in line: its start, and its length in *len. */
static const char *s_word_after(const char *line, const char *after, size_t *len)
{
    const char *p = strstr(line, after);
    if (!p) return NULL;
    p += strlen(after);
    *len = strcspn(p, " \n");
    return p;
}

/* One log file's lines of interest into by_trace (role: "gateway", "matcher", "sms"). */
static void s_read_log(zhashx_t *by_trace, const char *path, const char *role)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        double ms;
        size_t len;
        const char *trace;
        if (!s_stamp(line, &ms)) continue;
        if (streq(role, "gateway") && (trace = s_word_after(line, " gateway: ", &len)) &&
            strncmp(trace + len, " POST /v1/requests 201 ", 23) == 0) {
            double took = atof(trace + len + 23);
            s_times_t *t = s_times(by_trace, trace, len);
            if (t) t->t2 = ms, t->t0 = ms - took;
        } else if (streq(role, "matcher") && (trace = s_word_after(line, " matcher: ", &len)) &&
                   strncmp(trace + len, " request ", 9) == 0 && strstr(line, ": decided")) {
            s_times_t *t = s_times(by_trace, trace, len);
            if (t && !t->t1) t->t1 = ms;
        } else if (streq(role, "sms") && (trace = s_word_after(line, " sms: ", &len)) &&
                   strncmp(trace + len, " message ", 9) == 0 && strstr(line, ":offer to ")) {
            s_times_t *t = s_times(by_trace, trace, len);
            if (t && (!t->t3 || ms < t->t3)) t->t3 = ms;
        }
    }
    fclose(f);
}

static void s_free(void **item)
{
    free(*item);
    *item = NULL;
}

/* {"n":..,"p50":..,"p99":..,"mean":..} of the n values (sorted here). */
static json_t *s_summary(double *v, size_t n)
{
    if (n == 0) return json_pack("{s:i}", "n", 0);
    eo_bench_sort(v, n);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return json_pack("{s:I,s:f,s:f,s:f}", "n", (json_int_t)n, "p50", v[n / 2], "p99",
                     v[(size_t)((double)(n - 1) * 0.99)], "mean", sum / (double)n);
}

json_t *eo_e2e_hops(const char *dir, long matchers)
{
    zhashx_t *by_trace = zhashx_new();
    zhashx_set_destructor(by_trace, s_free);
    char path[4200];
    snprintf(path, sizeof path, "%s/logs/gateway.log", dir);
    s_read_log(by_trace, path, "gateway");
    for (long i = 1; i <= matchers; i++) {
        snprintf(path, sizeof path, "%s/logs/matcher-%ld.log", dir, i);
        s_read_log(by_trace, path, "matcher");
    }
    snprintf(path, sizeof path, "%s/logs/sms.log", dir);
    s_read_log(by_trace, path, "sms");
    size_t cap = zhashx_size(by_trace) + 1, n[4] = {0};
    double *v[4];
    for (int k = 0; k < 4; k++)
        v[k] = calloc(cap, sizeof(double));
    for (s_times_t *t = zhashx_first(by_trace); t && v[3]; t = zhashx_next(by_trace)) {
        if (!t->t0 || !t->t1 || !t->t2) continue; /* not an intake of this run */
        v[0][n[0]++] = t->t1 - t->t0;
        v[1][n[1]++] = t->t2 - t->t1;
        if (t->t3) v[2][n[2]++] = t->t3 - t->t2, v[3][n[3]++] = t->t3 - t->t0;
    }
    json_t *out =
        v[3] ? json_pack("{s:o,s:o,s:o,s:o}", "to_decided", s_summary(v[0], n[0]),
                         "decided_to_201", s_summary(v[1], n[1]), "201_to_offer",
                         s_summary(v[2], n[2]), "intake_to_offer", s_summary(v[3], n[3]))
             : NULL;
    for (int k = 0; k < 4; k++)
        free(v[k]);
    zhashx_destroy(&by_trace);
    return out;
}

/* The sums of one matcher's stats lines ("matcher: stats 10.0 s: B batches, I items (..
 * a batch, max M), D ms a batch deciding and C committing (U on the CPU), busy P%"). */
typedef struct {
    double span_s, batches, items, decide_ms, commit_ms, cpu_ms;
} s_batches_t;

static void s_read_stats(const char *path, double since_ms, s_batches_t *sum)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        double ms, span, batches, items, decide, commit, cpu;
        const char *p = strstr(line, " matcher: stats ");
        if (!p || !s_stamp(line, &ms) || ms < since_ms ||
            sscanf(p,
                   " matcher: stats %lf s: %lf batches, %lf items (%*f a batch, max %*f), "
                   "%lf ms a batch deciding and %lf committing (%lf on the CPU)",
                   &span, &batches, &items, &decide, &commit, &cpu) != 6)
            continue;
        sum->span_s += span;
        sum->batches += batches;
        sum->items += items;
        sum->decide_ms += decide * batches; /* the line's are a batch: back to totals */
        sum->commit_ms += commit * batches;
        sum->cpu_ms += cpu * batches;
    }
    fclose(f);
}

json_t *eo_e2e_batches(const char *dir, long matchers, double since_ms)
{
    json_t *out = json_object();
    for (long i = 1; out && i <= matchers; i++) {
        char path[4200], role[32];
        snprintf(path, sizeof path, "%s/logs/matcher-%ld.log", dir, i);
        snprintf(role, sizeof role, "matcher-%ld", i);
        s_batches_t s = {0};
        s_read_stats(path, since_ms, &s);
        if (s.batches <= 0 || s.span_s <= 0) continue;
        json_object_set_new(
            out, role,
            json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "batches", s.batches, "items_per_batch",
                      s.items / s.batches, "decide_ms", s.decide_ms / s.batches, "commit_ms",
                      s.commit_ms / s.batches, "cpu_ms", s.cpu_ms / s.batches, "busy_pct",
                      (s.decide_ms + s.commit_ms) / 10.0 / s.span_s));
    }
    return out;
}

/* user + system clock ticks of a process (all its threads), -1 if it is gone. */
static long long s_ticks(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')'); /* the name may hold spaces */
    unsigned long long utime, stime;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                     &stime) != 2)
        return -1;
    return (long long)(utime + stime);
}

/* Bytes a process handed to write calls so far, -1 if it is gone. */
static long long s_written(pid_t pid)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long long bytes = -1;
    while (bytes < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "wchar: %lld", &bytes) != 1) bytes = -1;
    fclose(f);
    return bytes;
}

/* Write commits of the store of role in dir/stores so far, -1 if it has none. */
static long long s_commits(const char *dir, const char *role)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/stores/%s/data.mdb", dir, role);
    if (access(path, R_OK) != 0) return -1;
    snprintf(path, sizeof path, "%s/stores/%s", dir, role);
    MDB_env *env;
    if (mdb_env_create(&env)) return -1;
    MDB_envinfo info;
    int rc = mdb_env_open(env, path, MDB_RDONLY, 0);
    if (rc == 0) rc = mdb_env_info(env, &info);
    if (rc) fprintf(stderr, "eonjena-bench e2e: %s: %s\n", path, mdb_strerror(rc));
    mdb_env_close(env);
    return rc ? -1 : (long long)info.me_last_txnid;
}

json_t *eo_e2e_sample(const char *dir, eo_e2e_counter_t counter)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run", dir);
    DIR *d = opendir(path);
    if (!d) return NULL;
    json_t *out = json_object();
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || !streq(e->d_name + len - 4, ".pid")) continue;
        snprintf(path, sizeof path, "%s/run/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        int pid = 0;
        if (f && fscanf(f, "%d", &pid) != 1) pid = 0;
        if (f) fclose(f);
        char role[256];
        snprintf(role, sizeof role, "%.*s", (int)(len - 4), e->d_name);
        long long value = pid <= 0                      ? -1
                          : counter == EO_E2E_CPU_TICKS ? s_ticks(pid)
                          : counter == EO_E2E_WRITTEN   ? s_written(pid)
                                                        : s_commits(dir, role);
        if (value < 0) continue;
        json_object_set_new(out, role, json_integer(value));
    }
    closedir(d);
    return out;
}

json_t *eo_e2e_per_request(json_t *before, json_t *after, eo_e2e_counter_t counter,
                           long requests)
{
    json_t *out = json_object();
    double hz = (double)sysconf(_SC_CLK_TCK);
    /* ticks -> ms, bytes -> KiB, commits as they are */
    double scale = counter == EO_E2E_CPU_TICKS ? (hz > 0 ? 1000.0 / hz : 0)
                   : counter == EO_E2E_WRITTEN ? 1.0 / 1024.0
                                               : 1.0;
    const char *role;
    json_t *b;
    json_object_foreach(before, role, b)
    {
        json_t *a = json_object_get(after, role);
        if (!a || requests <= 0 || scale <= 0) continue;
        double d = (double)(json_integer_value(a) - json_integer_value(b)) * scale;
        json_object_set_new(out, role, json_real(d / (double)requests));
    }
    return out;
}
