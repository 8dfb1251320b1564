/* path: what a request names besides its body: the segments of its path, its query
 * arguments (unknown ones refused, like unknown JSON fields), and who is asking, as the
 * journal records it. */
#ifndef EO_GATEWAY_PATH_H
#define EO_GATEWAY_PATH_H

#include "gateway.h"

#define EO_REQUEST_ID_MAX 48 /* a request id's bytes with the NUL (EO_CASE_ID_MAX) */
#define EO_SEGMENT_MAX 128

/* Segment n of path, counted from 0 after the leading '/' ("/v1/requests/x/cancel", 2:
 * "x"), percent-decoded; "" when there is none or it is longer than EO_SEGMENT_MAX.
 * The text lives in a per-thread buffer that the fourth next call reuses. */
const char *eo_path_segment(const char *path, int n);
/* Add an unknown_field problem for every query argument not named in allowed (NULL
 * ended), and a bad_field one for an argument given twice. */
void eo_query_args_check(const eo_http_request_t *req, const char *const *allowed,
                         eo_problems_t *p);
/* Who asks, as the journal records it: "<role>:<credential id>" ("operator:kim"). */
void eo_view_who(const eo_http_request_t *req, char *out, size_t size);

void eo_path_test(bool verbose);

#endif
