/* api.intake: request bodies -> Request events, and every kind of bad body. */
#include <czmq.h>

#include "gateway/intake.h"

int main(void)
{
    zsys_init();
    eo_intake_test(true);
    return 0;
}
