/* bench/disk.c: eonjena-bench disk, what the disk under the stores takes in durable
 * commits (issue 21). Every role with a store (each matcher, sms, handoff) commits
 * with LMDB: the transaction's dirty pages written where they fall in the file, an
 * fdatasync, the meta page, another fdatasync. This bench does exactly that from W
 * threads at once, each on its own file, with P random pages a commit, and prints what
 * the disk sustained. Next to `eonjena-bench e2e`'s written_kib_per_req it says how
 * many requests a second the disk leaves room for, before any CPU is counted.
 *
 *   eonjena-bench disk [--writers 4] [--pages 30] [--seconds 3] [--dir DIR]
 * prints {"bench":"disk","writers":W,"pages":P,"commits_per_s":..,"mib_per_s":..,
 *         "p50_ms":..,"p99_ms":..,"seconds":S} */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "common/opts.h"

#define S_PAGE 4096
#define S_FILE_PAGES 4096 /* 16 MiB a writer: a store's working set, not the cache's */
#define S_MAX_WRITERS 64
#define S_MAX_PAGES 4096

typedef struct {
    double seconds;
    double *lat_ms; /* one per commit */
    size_t n, cap;
    uint64_t seed;
    pthread_barrier_t *filled; /* every writer's file is written: all commit at once */
    int pages;
    int err; /* errno of the first failure, 0: none */
    char path[4200];
} s_writer_t;

/* splitmix64: a seeded page number, the same run after run */
static uint64_t s_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int s_write_page(int fd, const char *page, uint64_t pgno)
{
    ssize_t n = pwrite(fd, page, S_PAGE, (off_t)(pgno * S_PAGE));
    return n == S_PAGE ? 0 : (n < 0 ? errno : EIO);
}

/* The file written through once and synced: a store's pages exist before it commits. */
static int s_fill(int fd, char *page)
{
    for (uint64_t p = 0; p < S_FILE_PAGES; p++) {
        int rc = s_write_page(fd, page, p);
        if (rc) return rc;
    }
    return fdatasync(fd) ? errno : 0;
}

/* One LMDB-like commit: the pages, fdatasync, the meta page, fdatasync. */
static int s_commit(s_writer_t *w, int fd, char *page)
{
    for (int i = 0; i < w->pages; i++) {
        int rc = s_write_page(fd, page, 2 + s_next(&w->seed) % (S_FILE_PAGES - 2));
        if (rc) return rc;
    }
    if (fdatasync(fd)) return errno;
    int rc = s_write_page(fd, page, s_next(&w->seed) & 1);
    return rc ? rc : (fdatasync(fd) ? errno : 0);
}

static void *s_writer(void *arg)
{
    s_writer_t *w = arg;
    char *page = malloc(S_PAGE);
    int fd = page ? open(w->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600) : -1;
    if (fd < 0) w->err = page ? errno : ENOMEM;
    for (size_t i = 0; page && i < S_PAGE; i++)
        page[i] = (char)s_next(&w->seed);
    if (fd >= 0) w->err = s_fill(fd, page);
    pthread_barrier_wait(w->filled);
    for (double end = eo_bench_now() + w->seconds; !w->err && eo_bench_now() < end;) {
        if (w->n == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 4096;
            double *more = realloc(w->lat_ms, cap * sizeof *more);
            if (!more) {
                w->err = ENOMEM;
                break;
            }
            w->lat_ms = more, w->cap = cap;
        }
        double t = eo_bench_now();
        w->err = s_commit(w, fd, page);
        w->lat_ms[w->n++] = (eo_bench_now() - t) * 1000.0;
    }
    if (fd >= 0) {
        close(fd);
        unlink(w->path);
    }
    free(page);
    return NULL;
}

static const char s_about[] =
    "Durable commits as LMDB makes them (P random 4 KiB pages, fdatasync, the\n"
    "meta page, fdatasync) from W threads at once, each on its own 16 MiB file\n"
    "in DIR (put it where the stores will be). Prints\n"
    "{\"bench\":\"disk\",\"writers\":W,\"pages\":P,\"commits_per_s\":..,"
    "\"mib_per_s\":..,\"p50_ms\":..,\"p99_ms\":..}";

int eo_bench_disk(int argc, char **argv)
{
    const char *v[3] = {NULL}, *dir = NULL;
    const eo_opt_t opts[] = {
        EO_OPT_VALUE("writers", "W", &v[0],
                     "threads committing at once (4: two matchers, sms, handoff)"),
        EO_OPT_VALUE("pages", "P", &v[1], "pages a commit (30)"),
        EO_OPT_VALUE("seconds", "S", &v[2], "how long (3)"),
        EO_OPT_VALUE("dir", "DIR", &dir, "the folder to write in ($TMPDIR or /tmp)"),
        EO_OPT_END,
    };
    eo_opts_t p = {.prog = "eonjena-bench disk", .about = s_about, .opts = opts};
    int rc = eo_opts_parse(&p, argc, argv);
    if (rc != EO_OPTS_RUN) return rc;
    long writers = v[0] ? eo_bench_int(v[0], 1, S_MAX_WRITERS) : 4;
    long pages = v[1] ? eo_bench_int(v[1], 1, S_MAX_PAGES) : 30;
    double seconds = v[2] ? eo_bench_seconds(v[2]) : 3.0;
    if (writers < 0) return eo_opts_fail(&p, "--writers: a number from 1 to %d", S_MAX_WRITERS);
    if (pages < 0) return eo_opts_fail(&p, "--pages: a number from 1 to %d", S_MAX_PAGES);
    if (seconds < 0) return eo_opts_fail(&p, "--seconds: more than 0, at most 3600");
    if (!dir) dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    s_writer_t w[S_MAX_WRITERS] = {{0}};
    pthread_t tid[S_MAX_WRITERS];
    pthread_barrier_t filled;
    if ((rc = pthread_barrier_init(&filled, NULL, (unsigned)writers))) {
        fprintf(stderr, "eonjena-bench disk: %s\n", strerror(rc)); /* its own error code */
        return 1;
    }
    for (long i = 0; i < writers; i++) {
        w[i] = (s_writer_t){.pages = (int)pages,
                            .seconds = seconds,
                            .seed = 1 + (uint64_t)i,
                            .filled = &filled};
        snprintf(w[i].path, sizeof w[i].path, "%s/eonjena-disk-%d-%ld", dir, (int)getpid(), i);
        if (pthread_create(&tid[i], NULL, s_writer, &w[i])) {
            /* the barrier counts on every writer: without one, nothing can be measured */
            fprintf(stderr, "eonjena-bench disk: cannot start writer %ld\n", i);
            _exit(1);
        }
    }
    size_t total = 0;
    int failed = 0;
    for (long i = 0; i < writers; i++) {
        pthread_join(tid[i], NULL);
        total += w[i].n;
        if (w[i].err && !failed++)
            fprintf(stderr, "eonjena-bench disk: %s: %s\n", w[i].path, strerror(w[i].err));
    }
    pthread_barrier_destroy(&filled);
    if (failed) {
        for (long i = 0; i < writers; i++)
            free(w[i].lat_ms);
        return 1;
    }
    double *all = malloc((total ? total : 1) * sizeof *all);
    size_t n = 0;
    for (long i = 0; i < writers; i++) {
        if (all) memcpy(all + n, w[i].lat_ms, w[i].n * sizeof *all), n += w[i].n;
        free(w[i].lat_ms);
    }
    if (!all || n == 0) {
        fprintf(stderr, "eonjena-bench disk: %s\n",
                all ? "no commit finished" : strerror(ENOMEM));
        free(all);
        return 1;
    }
    eo_bench_sort(all, n);
    double per_s = (double)n / seconds;
    printf("{\"bench\":\"disk\",\"writers\":%ld,\"pages\":%ld,\"commits_per_s\":%.1f,"
           "\"mib_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"seconds\":%g}\n",
           writers, pages, per_s, per_s * (double)(pages + 1) * S_PAGE / (1024.0 * 1024.0),
           all[n / 2], all[(size_t)((double)(n - 1) * 0.99)], seconds);
    free(all);
    return 0;
}
