/* api.limit: the gateway's token buckets (limit.h), on an injected clock. */
#include <czmq.h>

#include "gateway/limit.h"

int main(void)
{
    zsys_init();
    eo_limiter_test(true);
    return 0;
}
