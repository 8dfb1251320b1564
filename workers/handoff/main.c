/* eonjena-handoff: the hand-off worker as its own process (issue 8). */
#include "common/role.h"
#include "handoff/actor.h"

int main(int argc, char **argv)
{
    return eo_role_main(argc, argv,
                        "usage: eonjena-handoff [options]\n\n"
                        "Delivers hand-offs (settled after-hours cases, waiting requests,\n"
                        "escalations) to each site's provider agency in its business hours.\n",
                        eo_handoff_actor, true);
}
