/* eo_phone: Korean mobile numbers, validated, normalised to E.164 and masked for logs.
 *
 * Carers and requesters get SMS only on mobile numbers: 010 (8 digits follow) and the
 * legacy 011, 016, 017, 018, 019 (7 or 8 digits follow). Input may be national
 * ("010-1234-5678", "010 1234 5678", "(010)1234.5678") or international ("+82 10-1234-5678",
 * "+821012345678", "82 10 ...", "0082..."); fullwidth digits are accepted too. The
 * normal form is E.164 without separators: "+821012345678". */
#ifndef EO_PHONE_H
#define EO_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#define EO_PHONE_MAX 16 /* bytes of a normalised number, with the NUL */
#define EO_PHONE_MASK_MAX 24

/* Normalise `text` into `out` (at least EO_PHONE_MAX bytes). Returns 0, or EO_EINVAL
 * (out is then the empty string) if it is not a Korean mobile number. */
int eo_phone_normalise(const char *text, char *out, size_t size);
/* True if text is an E.164 number: '+' then 8 to 15 digits, no leading 0 (any
 * country, any kind of line: carer records and call-centre numbers use it). */
bool eo_phone_valid(const char *text);
/* True if `e164` is a normalised Korean mobile number ("+821012345678"). */
bool eo_phone_mobile(const char *e164);
/* For logs: a Korean mobile in any form becomes "+82 10-****-5678"; another E.164
 * number "****1234"; anything else "(invalid)", so a log never shows raw input.
 * Returns out. */
char *eo_phone_mask(const char *text, char *out, size_t size);
/* The national form "01012345678" (Kannel's fake SMSC and Korean gateways want it).
 * Returns 0 or EO_EINVAL. */
int eo_phone_national(const char *text, char *out, size_t size);

void eo_phone_test(bool verbose);

#endif
