/* The hand-off classes' self-tests. */
#include <czmq.h>

#include "eonjena/eo_hmac.h"
#include "eonjena/eo_hours.h"
#include "handoff/handoff.h"

int main(void)
{
    zsys_init();
    eo_hmac_test(true);
    eo_hours_test(true);
    eo_providers_test(true);
    eo_handoff_queue_test(true);
    eo_handoff_test(true);
    return 0;
}
