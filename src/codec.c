/* codec.c: Events to bytes and back (see eo_codec.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_codec.h"

uint8_t *eo_event_encode(const Eo__Event *event, size_t *size)
{
    size_t n = eo__event__get_packed_size(event);
    if (n > EO_EVENT_MAX_BYTES) return NULL;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return NULL;
    *size = eo__event__pack(event, buf);
    return buf;
}

Eo__Event *eo_event_decode(const void *data, size_t size, char *err, size_t errlen)
{
    if (size > EO_EVENT_MAX_BYTES) {
        snprintf(err, errlen, "event of %zu bytes is over the limit of %d", size,
                 EO_EVENT_MAX_BYTES);
        return NULL;
    }
    Eo__Event *event = eo__event__unpack(NULL, size, data);
    if (!event) snprintf(err, errlen, "malformed event (%zu bytes)", size);
    return event;
}

void eo_event_free(Eo__Event **event_p)
{
    if (event_p && *event_p) {
        eo__event__free_unpacked(*event_p, NULL);
        *event_p = NULL;
    }
}

const char *eo_event_kind(const Eo__Event *event)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&eo__event__descriptor, event->body_case);
    return f ? f->name : "none";
}

uint8_t *eo_event_answer(const char *id, const char *site, int64_t at_ms, const char *acked,
                         const char *code, const char *ko, const char *en, size_t *size)
{
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = (char *)id;
    ev.site = (char *)(site ? site : "");
    ev.at_ms = at_ms;
    Eo__Ack ack = EO__ACK__INIT;
    Eo__Error err = EO__ERROR__INIT;
    char *ids[1] = {(char *)acked};
    if (code) {
        err.code = (char *)code;
        err.message_ko = (char *)(ko ? ko : "");
        err.message_en = (char *)(en ? en : "");
        ev.body_case = EO__EVENT__BODY_ERROR;
        ev.error = &err;
    } else {
        ack.n_ids = 1;
        ack.ids = ids;
        ev.body_case = EO__EVENT__BODY_ACK;
        ev.ack = &ack;
    }
    return eo_event_encode(&ev, size);
}

char *eo_id_new(char *buf, size_t size, int64_t now_ms)
{
    static _Atomic uint32_t counter;
    static uint32_t salt;
    if (!salt) salt = (uint32_t)randof(0xffff) + 1;
    uint32_t c = atomic_fetch_add(&counter, 1);
    snprintf(buf, size, "%011llx%04x%05x", (unsigned long long)now_ms & 0xfffffffffffULL,
             salt & 0xffff, c & 0xfffff);
    return buf;
}

void eo_codec_test(bool verbose)
{
    if (verbose) printf(" * eo_codec: ");
    Eo__Request req = EO__REQUEST__INIT;
    req.id = "r1";
    req.site = "suwon";
    req.dong = 4111156000u;
    Eo__Event ev = EO__EVENT__INIT;
    ev.id = "e1";
    ev.site = "suwon";
    ev.body_case = EO__EVENT__BODY_REQUEST;
    ev.request = &req;
    size_t size;
    uint8_t *buf = eo_event_encode(&ev, &size);
    assert(buf && size > 0);
    char err[128];
    Eo__Event *back = eo_event_decode(buf, size, err, sizeof err);
    assert(back && back->body_case == EO__EVENT__BODY_REQUEST);
    assert(streq(back->request->site, "suwon") && back->request->dong == 4111156000u);
    assert(streq(eo_event_kind(back), "request"));
    eo_event_free(&back);
    assert(back == NULL);
    /* Garbage and truncation are errors, not crashes. */
    assert(eo_event_decode("\xff\xff\xff", 3, err, sizeof err) == NULL);
    assert(strstr(err, "malformed"));
    assert(eo_event_decode(buf, size - 1, err, sizeof err) == NULL);
    assert(eo_event_decode(buf, EO_EVENT_MAX_BYTES + 1, err, sizeof err) == NULL);
    free(buf);
    char a[33], b[33];
    eo_id_new(a, sizeof a, 1000);
    eo_id_new(b, sizeof b, 1000);
    assert(strlen(a) == 20 && strcmp(a, b) < 0);
    /* a worker's answer: an ack of the item, or its error with both texts */
    size_t asize = 0;
    uint8_t *abytes = eo_event_answer("a1", "suwon", 7, "w9", NULL, NULL, NULL, &asize);
    Eo__Event *ans = eo_event_decode(abytes, asize, err, sizeof err);
    assert(ans && ans->body_case == EO__EVENT__BODY_ACK && ans->ack->n_ids == 1 &&
           strcmp(ans->ack->ids[0], "w9") == 0 && ans->at_ms == 7 &&
           strcmp(ans->site, "suwon") == 0);
    eo_event_free(&ans);
    free(abytes);
    abytes = eo_event_answer("a2", NULL, 8, "w9", "bad", "나쁨", "bad one", &asize);
    ans = eo_event_decode(abytes, asize, err, sizeof err);
    assert(ans && ans->body_case == EO__EVENT__BODY_ERROR &&
           strcmp(ans->error->code, "bad") == 0 &&
           strcmp(ans->error->message_ko, "나쁨") == 0 &&
           strcmp(ans->error->message_en, "bad one") == 0);
    eo_event_free(&ans);
    free(abytes);
    if (verbose) printf("OK\n");
}
