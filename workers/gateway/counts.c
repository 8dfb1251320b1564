/* counts.c: the gateway's HTTP request counters (see counts.h). */
#include <pthread.h>
#include <string.h>

#include "counts.h"

struct eo_http_counts_t {
    pthread_mutex_t lock;
    zhashx_t *counts; /* "METHOD route status" -> uint64_t* */
};

eo_http_counts_t *eo_http_counts_new(void)
{
    eo_http_counts_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    pthread_mutex_init(&self->lock, NULL);
    self->counts = zhashx_new();
    zhashx_set_destructor(self->counts, (zhashx_destructor_fn *)zstr_free);
    return self;
}

void eo_http_counts_destroy(eo_http_counts_t **self_p)
{
    if (!self_p || !*self_p) return;
    zhashx_destroy(&(*self_p)->counts);
    pthread_mutex_destroy(&(*self_p)->lock);
    free(*self_p);
    *self_p = NULL;
}

void eo_http_counts_add(eo_http_counts_t *self, const char *method, const char *route,
                        int status)
{
    char key[160];
    snprintf(key, sizeof key, "%.10s %.120s %d", method, route ? route : "-", status);
    pthread_mutex_lock(&self->lock);
    uint64_t *n = zhashx_lookup(self->counts, key);
    if (!n && (n = calloc(1, sizeof *n))) zhashx_insert(self->counts, key, n);
    if (n) (*n)++;
    pthread_mutex_unlock(&self->lock);
}

void eo_http_counts_render(eo_http_counts_t *self, const char *name, zchunk_t *text)
{
    char line[256];
    int n = snprintf(line, sizeof line,
                     "# HELP %s HTTP requests answered, by method, route and status.\n"
                     "# TYPE %s counter\n",
                     name, name);
    zchunk_extend(text, line, (size_t)n);
    pthread_mutex_lock(&self->lock);
    zlistx_t *keys = zhashx_keys(self->counts);
    zlistx_set_comparator(keys, (zlistx_comparator_fn *)strcmp);
    zlistx_sort(keys);
    for (const char *k = zlistx_first(keys); k; k = zlistx_next(keys)) {
        char method[16], route[128];
        int status;
        if (sscanf(k, "%15s %127s %d", method, route, &status) != 3) continue;
        n = snprintf(line, sizeof line, "%s{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
                     name, method, route, status,
                     (unsigned long long)*(uint64_t *)zhashx_lookup(self->counts, k));
        zchunk_extend(text, line, (size_t)n);
    }
    zlistx_destroy(&keys);
    pthread_mutex_unlock(&self->lock);
}
