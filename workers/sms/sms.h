/* sms: the role that sends the texts and hears the answers (issue 6, docs/architecture.md).
 *
 * Serves service "sms" for its sites: each request is one Message (Event.message),
 * recorded durably (idempotent by Message.id: a repeat is acknowledged and not sent
 * again), acknowledged, then sent through the adapter configured for its site. Replies
 * (MO) and delivery reports come back through the adapters and become Events for
 * (match, site): answer, carer_consent, service_time, delivery, relayed from an outbox
 * until the matcher acknowledges them. Unclear replies get a short help text.
 *
 *   zactor_t *sms = eo_role_start(eo_sms_actor, &args);
 *   zstr_send(sms, "STATS");  char *json = zstr_recv(sms);   // counters as JSON
 *   zactor_destroy(&sms);
 *
 * Configuration: the `sms` section of etc/eonjena.cfg (adapter.h, eo_template.h). A
 * misconfiguration stops start-up with a message saying what is wrong. */
#ifndef EO_SMS_H
#define EO_SMS_H

#include <czmq.h>

#include "common/role.h"

void eo_sms_actor(zsock_t *pipe, void *args);

#endif
