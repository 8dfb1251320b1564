/* libFuzzer entry point for the wire codec (eo_codec.h): any bytes from a socket decode
 * to an Event or to an error; what decodes re-encodes to bytes that decode the same. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eonjena/eo_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[128];
    Eo__Event *ev = eo_event_decode(data, size, err, sizeof err);
    if (!ev) {
        assert(err[0]);
        return 0;
    }
    assert(eo_event_kind(ev) != NULL);
    size_t n1, n2;
    uint8_t *once = eo_event_encode(ev, &n1);
    /* Re-encoding what decoded never crashes, and what decodes again is the same kind of
     * event with the same canonical bytes. protobuf-c keeps unknown fields as they came,
     * even an invalid field number 0 at any depth, and such bytes do not decode again:
     * they are the only ones allowed not to round-trip. */
    if (once) {
        Eo__Event *back = eo_event_decode(once, n1, err, sizeof err);
        if (back) {
            assert(back->body_case == ev->body_case);
            uint8_t *twice = eo_event_encode(back, &n2);
            assert(twice && n1 == n2 && memcmp(once, twice, n1) == 0);
            free(twice);
            eo_event_free(&back);
        }
    }
    free(once);
    eo_event_free(&ev);
    return 0;
}
