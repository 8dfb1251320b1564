/* ops.config.selftest: the configuration table, loading, the environment, printing. */
#include "common/config.h"

int main(void)
{
    zsys_init();
    eo_config_test(true);
    return 0;
}
