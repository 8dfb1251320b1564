/* eo_handoff_actor: the hand-off role (issue 8). Serves service "handoff" for its sites
 * through the broker: every Event with a HandoffItem is stored durably in the
 * per-provider queue (eo_handoff_queue) BEFORE its acknowledgement is sent, idempotent
 * by item id. A second thread delivers to webhook providers inside their business
 * hours (eo_handoff core), so a slow provider never holds up intake.
 *
 *   zactor_t *a = eo_role_start(eo_handoff_actor, &args);   // eo_role_args_t
 *   zstr_send(a, "METRICS"); char *json = zstr_recv(a);     // eo_handoff_metrics()
 *   zstr_send(a, "WAKE");     // a delivery round now (e.g. after a manual clock moved);
 *   zstr_recv(a) == "WOKE"    //   answered when it is done
 *   zactor_destroy(&a);       // "$TERM"
 *
 * Replies: Event{ack{ids: [the event's id]}} once stored (or already known);
 * Event{error{code: "bad_handoff"}} for an event that is not a valid hand-off (it would
 * never become valid by re-sending). On a store failure there is no reply, so the
 * broker re-dispatches and the sender re-sends.
 * Holidays: the calendar file of handoff/holidays (default data/holidays.tsv), picked up
 * again when it changes; start-up fails if it cannot be read. */
#ifndef EO_HANDOFF_ACTOR_H
#define EO_HANDOFF_ACTOR_H

#include <czmq.h>

void eo_handoff_actor(zsock_t *pipe, void *args);

#endif
