/* eo_reply: what a carer's text message means (docs/domain.md, "SMS in Korea").
 *
 * Replies come from old phones as free text. Order of the rules:
 *   1. STOP / 수신거부 (anywhere in the text, any case, spaces inside allowed) withdraws
 *      pool consent before anything else is looked at;
 *   2. otherwise the text is split into words (at spaces and punctuation, and between
 *      digits and letters: "수락1234" is two words) and each word classified:
 *      accept "1" "수락" "네" "Y" "ok", decline "2" "거절" "N", "시작", "종료", "취소"
 *      (a winner who cannot come withdraws), or an
 *      offer code (EO_REPLY_CODE_MIN..MAX digits); polite endings ("수락합니다",
 *      "거절해요") are tolerated;
 *   3. a code alone means accept; a word plus a code names the offer; any other word,
 *      or words that contradict each other, make the reply unclear (the sender gets a
 *      short help text).
 * Case, surrounding and repeated whitespace, fullwidth forms (ＯＫ, １) and trailing
 * punctuation ("네!", "ok~") do not matter. Invalid UTF-8 is unclear, never a crash.
 * The parser is pure: no allocation, no state. */
#ifndef EO_REPLY_H
#define EO_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define EO_REPLY_CODE_MIN 4
#define EO_REPLY_CODE_MAX 6
#define EO_REPLY_TEXT_MAX 640 /* longer texts are unclear without reading them */

typedef enum {
    EO_REPLY_UNCLEAR = 0,
    EO_REPLY_STOP, /* 수신거부 / STOP: withdraw pool consent */
    EO_REPLY_ACCEPT,
    EO_REPLY_DECLINE,
    EO_REPLY_START,  /* 시작: the service started */
    EO_REPLY_END,    /* 종료: the service ended */
    EO_REPLY_CANCEL, /* 취소: the winner cannot come (the case is offered again) */
    EO_REPLY_KINDS   /* how many kinds there are (a new kind goes before this) */
} eo_reply_kind_t;

typedef struct {
    eo_reply_kind_t kind;
    char code[EO_REPLY_CODE_MAX + 1]; /* the offer code given, "" if none */
} eo_reply_t;

/* Parse `len` bytes of text (need not be NUL-terminated). Always fills *out; returns
 * out->kind. */
eo_reply_kind_t eo_reply_parse(const char *text, size_t len, eo_reply_t *out);
/* "unclear", "stop", "accept", ... */
const char *eo_reply_kind_name(eo_reply_kind_t kind);

void eo_reply_test(bool verbose);

#endif
