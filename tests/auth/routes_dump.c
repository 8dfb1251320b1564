/* routes_dump: print the gateway's route table, one route a line ("METHOD PATH"), for
 * the auth matrix test: a route without a row in matrix.tsv fails it. With --roles, each
 * line also names the roles that may call the route ("METHOD PATH public,operator,..."),
 * for api.openapi, which compares them with docs/openapi.yaml's x-eonjena-roles. */
#include <stdio.h>
#include <string.h>

#include "gateway/auth.h"
#include "gateway/routes.h"

static void s_roles(unsigned roles)
{
    const char *sep = "";
    for (int r = EO_ROLE_NONE; r < EO_ROLE_COUNT; r++)
        if (roles & EO_ROLE_BIT(r)) {
            printf("%s%s", sep, r == EO_ROLE_NONE ? "public" : eo_role_name((eo_role_t)r));
            sep = ",";
        }
    if (roles & EO_SCRAPER) printf("%sscraper", sep);
}

int main(int argc, char **argv)
{
    bool roles = argc > 1 && strcmp(argv[1], "--roles") == 0;
    for (const eo_http_route_t *r = eo_routes_table(); r->method; r++) {
        printf("%s %s", r->method, r->path);
        if (roles) {
            printf(" ");
            s_roles(r->roles);
        }
        printf("\n");
    }
    return 0;
}
