/* eonjena-gateway: the HTTP/JSON front door as its own process. */
#include "gateway.h"

int main(int argc, char **argv)
{
    return eo_role_main(argc, argv,
                        "The HTTP API (section `gateway` of the configuration: listen,\n"
                        "threads, max_body, timeout_ms).",
                        eo_gateway_actor, EO_ROLE_STORE | EO_ROLE_HTTP);
}
