/* libFuzzer entry point for the SMS reply parser (eo_reply.h): any bytes a phone can
 * send must give a well-formed answer, the same one every time, and never a crash. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "eonjena/eo_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    eo_reply_t a, b;
    eo_reply_kind_t kind = eo_reply_parse((const char *)data, size, &a);
    assert(kind == a.kind);
    assert(kind >= EO_REPLY_UNCLEAR && kind < EO_REPLY_KINDS);
    size_t n = strnlen(a.code, sizeof a.code);
    assert(n < sizeof a.code);
    if (n) { /* a code is digits only, of a code's length, and never with STOP/unclear */
        assert(n >= EO_REPLY_CODE_MIN && n <= EO_REPLY_CODE_MAX);
        assert(strspn(a.code, "0123456789") == n);
        assert(kind != EO_REPLY_UNCLEAR && kind != EO_REPLY_STOP);
    }
    eo_reply_parse((const char *)data, size, &b);
    assert(memcmp(&a, &b, sizeof a) == 0);
    return 0;
}
