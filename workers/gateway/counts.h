/* counts: the gateway's HTTP requests by method, route pattern and status, for GET
 * /metrics. Counted once per answer from every HTTP thread (a mutex: one short hash
 * update per request). The route is the table's pattern, never the path (which may
 * name a person); "-" for a path no route has. */
#ifndef EO_GATEWAY_COUNTS_H
#define EO_GATEWAY_COUNTS_H

#include <czmq.h>

typedef struct eo_http_counts_t eo_http_counts_t;

eo_http_counts_t *eo_http_counts_new(void);
void eo_http_counts_destroy(eo_http_counts_t **self_p);
void eo_http_counts_add(eo_http_counts_t *self, const char *method, const char *route,
                        int status);
/* Append the counter in Prometheus text format to text (a growing string). */
void eo_http_counts_render(eo_http_counts_t *self, const char *name, zchunk_t *text);
/* Rows counted so far (method, route, status). Methods other than HTTP's own are one
 * "OTHER", so the table is bounded by the routes. */
size_t eo_http_counts_size(eo_http_counts_t *self);
void eo_http_counts_test(bool verbose);

#endif
