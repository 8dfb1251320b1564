/* report.c: percentiles and the stores' check (see load.h). */
#include <sys/wait.h>
#include <unistd.h>

#include "load.h"

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The value below which a share q of the sorted values lie (nearest rank). */
static double s_rank(const double *v, size_t n, double q)
{
    size_t i = (size_t)(q * (double)n);
    return v[i < n ? i : n - 1];
}

eo_load_pct_t eo_load_pct(double *values, size_t n)
{
    eo_load_pct_t p = {.n = n};
    if (!n) return p;
    qsort(values, n, sizeof *values, s_cmp);
    p.p50 = s_rank(values, n, 0.5);
    p.p99 = s_rank(values, n, 0.99);
    p.p999 = s_rank(values, n, 0.999);
    p.max = values[n - 1];
    return p;
}

void eo_load_pct_print(FILE *out, const char *name, const eo_load_pct_t *p)
{
    if (!p->n)
        fprintf(out, "  %-24s %8s\n", name, "-");
    else
        fprintf(out, "  %-24s %8zu %9.2f %9.2f %9.2f %9.2f\n", name, p->n, p->p50, p->p99,
                p->p999, p->max);
}

bool eo_load_check(const char *eonjena, const char *store)
{
    pid_t pid = fork();
    if (pid == 0) {
        dup2(2, 1); /* its report to our stderr: stdout may be the one JSON line */
        execl(eonjena, eonjena, "check", "--store", store, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}
