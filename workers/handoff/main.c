/* eonjena-handoff: the hand-off role as its own process (see handoff/actor.h). */
#include "common/role.h"
#include "handoff/actor.h"

int main(int argc, char **argv)
{
    return eo_role_main(
        argc, argv,
        "Serves service \"handoff\" for its sites: stores each hand-off durably,\n"
        "then delivers it to the site's provider in its business hours\n"
        "(docs/handoff.md).",
        eo_handoff_actor, EO_ROLE_STORE);
}
