/* smsc: the fake SMSC's side of the Kannel tests: what fakesmsc received (its log) and
 * typing a mobile-originated text into it (its FIFO). */
#ifndef EO_TEST_SMSC_H
#define EO_TEST_SMSC_H

#include <czmq.h>

/* An environment variable run.sh sets; exits with a message when it is missing. */
const char *smsc_env(const char *name);
/* The texts fakesmsc received for national number `to`, decoded from UCS-2 and long
 * texts joined up, one per line. Caller frees. */
char *smsc_received(const char *out_path, const char *to);
/* Type an MO from `from` into fakesmsc: Hangul as UCS-2, URL-encoded. */
void smsc_mo(const char *fifo, const char *from, const char *text);
/* The sms role's configuration for the Kannel run.sh started: one kannel adapter for every
 * site, our callbacks on EO_SMS_PORT with Kannel's key. Caller destroys. */
zconfig_t *smsc_sms_config(void);

#endif
