/* The hand-off classes' self-tests. */
#include <czmq.h>
#include <stdlib.h>

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
    /* The shipped configuration loads: every site has a provider, settings are sane. */
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/etc/eonjena.cfg", getenv("EO_SOURCE_DIR"));
    zconfig_t *config = zconfig_load(path);
    assert(config);
    eo_providers_t *providers = eo_providers_load(config, err, sizeof err);
    assert(providers && eo_providers_count(providers) >= 17);
    assert(eo_providers_route(providers, "suwon", "") != NULL);
    eo_handoff_config_t cfg;
    eo_handoff_config_defaults(&cfg);
    assert(eo_handoff_config_load(&cfg, config, err, sizeof err) == 0 &&
           cfg.retention_years == 3);
    eo_providers_destroy(&providers);
    zconfig_destroy(&config);
    printf(" * etc/eonjena.cfg providers and handoff: OK\n");
    return 0;
}
