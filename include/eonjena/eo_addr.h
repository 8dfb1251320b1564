/* eo_addr: is a peer's address in an allowlist? For callers that are known by where
 * they connect from (an SMS gateway's callbacks, a reverse proxy).
 *
 * A list is comma-separated entries, each an IPv4 or IPv6 address or a CIDR block:
 * "127.0.0.1, ::1, 10.20.0.0/16". Spaces around entries are ignored. */
#ifndef EO_ADDR_H
#define EO_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Is every entry of list well-formed? On false, err names the first bad one. */
bool eo_addr_list_valid(const char *list, char *err, size_t errlen);
/* Is ip (numeric, as inet_ntop writes it) in list? False for a malformed ip or list. */
bool eo_addr_in_list(const char *list, const char *ip);

void eo_addr_test(bool verbose);

#endif
