/* The sms adapters' self-test (sim, file, pacing, retries). */
#include <czmq.h>

#include "sms/adapter.h"

int main(void)
{
    zsys_init();
    eo_sms_adapter_test(true);
    return 0;
}
