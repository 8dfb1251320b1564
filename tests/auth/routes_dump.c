/* routes_dump: print the gateway's route table, one route a line ("METHOD PATH"), for
 * the auth matrix test: a route without a row in matrix.tsv fails it. */
#include <stdio.h>

#include "gateway/routes.h"

int main(void)
{
    for (const eo_http_route_t *r = eo_routes_table(); r->method; r++)
        printf("%s %s\n", r->method, r->path);
    return 0;
}
