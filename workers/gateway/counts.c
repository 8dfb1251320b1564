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

/* The method as counted: one of HTTP's own, else "OTHER". A client may send any token
 * as its method; counted as sent, each new one was a row kept forever. */
static const char *s_method(const char *method)
{
    static const char *known[] = {"GET",    "HEAD",    "POST",  "PUT",    "PATCH",
                                  "DELETE", "OPTIONS", "TRACE", "CONNECT"};
    for (size_t i = 0; method && i < sizeof known / sizeof known[0]; i++)
        if (streq(method, known[i])) return known[i];
    return "OTHER";
}

void eo_http_counts_add(eo_http_counts_t *self, const char *method, const char *route,
                        int status)
{
    char key[160];
    snprintf(key, sizeof key, "%s %.120s %d", s_method(method), route ? route : "-", status);
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

size_t eo_http_counts_size(eo_http_counts_t *self)
{
    pthread_mutex_lock(&self->lock);
    size_t n = zhashx_size(self->counts);
    pthread_mutex_unlock(&self->lock);
    return n;
}

void eo_http_counts_test(bool verbose)
{
    if (verbose) printf(" * eo_http_counts: ");
    eo_http_counts_t *c = eo_http_counts_new();
    assert(c);
    eo_http_counts_add(c, "GET", "/v1/health", 200);
    eo_http_counts_add(c, "GET", "/v1/health", 200);
    eo_http_counts_add(c, "POST", "/v1/requests", 201);
    assert(eo_http_counts_size(c) == 2);
    /* any token a client sends as its method: one row for all of them */
    for (int i = 0; i < 10000; i++) {
        char method[16];
        snprintf(method, sizeof method, "X%08d", i);
        eo_http_counts_add(c, method, NULL, 501);
    }
    assert(eo_http_counts_size(c) == 3);
    zchunk_t *text = zchunk_new(NULL, 0);
    eo_http_counts_render(c, "eonjena_http_requests_total", text);
    zchunk_extend(text, "", 1);
    const char *t = (const char *)zchunk_data(text);
    assert(strstr(t, "{method=\"OTHER\",route=\"-\",status=\"501\"} 10000\n"));
    assert(strstr(t, "{method=\"GET\",route=\"/v1/health\",status=\"200\"} 2\n"));
    zchunk_destroy(&text);
    eo_http_counts_destroy(&c);
    assert(c == NULL);
    if (verbose) printf("OK\n");
}
