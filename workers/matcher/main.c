/* eonjena-matcher: the matcher role as its own process (see matcher.h). */
#include "matcher.h"

int main(int argc, char **argv)
{
    return eo_role_main(
        argc, argv,
        "Serves service \"match\" for its sites: intake, offer waves, "
        "settlement,\ndurable timers and the outbox relay (docs/architecture.md).",
        eo_matcher_actor, EO_ROLE_STORE);
}
