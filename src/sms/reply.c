/* reply.c: the meaning of a carer's text (see eo_reply.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_reply.h"

/* Decode one UTF-8 code point; returns its length, or -1 if malformed (overlong forms,
 * surrogates and values past U+10FFFF included). */
static int s_utf8_next(const unsigned char *p, size_t len, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    int n = (p[0] & 0xE0) == 0xC0   ? 2
            : (p[0] & 0xF0) == 0xE0 ? 3
            : (p[0] & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || (size_t)n > len) return -1;
    uint32_t c = p[0] & (0xFF >> (n + 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return -1;
        c = (c << 6) | (p[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return -1;
    *cp = c;
    return n;
}

static size_t s_utf8_put(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Characters that separate words: spaces of every kind and punctuation. */
static bool s_separator(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x206F) /* spaces, dashes, … */
           || c == 0x3001 || c == 0x3002 || c == 0xB7 || c == 0x30FB || c == 0xFE0F;
}

/* Normalise into out (NUL-separated words, ending with an empty word): fullwidth ASCII
 * to ASCII, ASCII letters to lower case, words split at separators and between ASCII
 * digits and anything else. Returns the number of words, or -1 on invalid UTF-8. */
static int s_words(const unsigned char *p, size_t len, char *out, size_t size)
{
    size_t o = 0;
    int words = 0;
    int prev = 0; /* 0 separator, 1 digit, 2 other */
    while (len > 0) {
        uint32_t c;
        int n = s_utf8_next(p, len, &c);
        if (n < 0) return -1;
        p += n;
        len -= (size_t)n;
        if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0; /* fullwidth forms: ＯＫ -> OK */
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        int kind = s_separator(c) ? 0 : (c >= '0' && c <= '9') ? 1 : 2;
        if (o + 6 >= size) return -1;
        if (prev != 0 && kind != prev) {
            out[o++] = 0; /* end the word */
            words++;
        }
        if (kind != 0) o += s_utf8_put(c, out + o);
        prev = kind;
    }
    if (prev != 0) {
        out[o++] = 0;
        words++;
    }
    out[o] = 0;
    return words;
}

typedef enum {
    W_OTHER,
    W_ACCEPT,
    W_DECLINE,
    W_START,
    W_END,
    W_CODE,
    W_STOP,
    W_CANCEL
} s_word_t;

static s_word_t s_classify_plain(const char *w)
{
    static const struct {
        const char *word;
        s_word_t kind;
    } table[] = {
        /* yes, as carers text it: polite and casual Korean, the consonant shorthand
         * (ㅇㅇ and ㅇㅋ; repeated letters are squeezed first), English */
        {"1", W_ACCEPT},
        {"수락", W_ACCEPT},
        {"네", W_ACCEPT},
        {"예", W_ACCEPT},
        {"넵", W_ACCEPT},
        {"넹", W_ACCEPT},
        {"넴", W_ACCEPT},
        {"응", W_ACCEPT},
        {"웅", W_ACCEPT},
        {"ㅇ", W_ACCEPT},
        {"ㅇㅋ", W_ACCEPT},
        {"오케이", W_ACCEPT},
        {"콜", W_ACCEPT},
        {"가능", W_ACCEPT},
        {"좋아", W_ACCEPT},
        {"할게", W_ACCEPT},
        {"할께", W_ACCEPT},
        {"할게요", W_ACCEPT},
        {"할께요", W_ACCEPT},
        {"y", W_ACCEPT},
        {"ok", W_ACCEPT},
        {"okay", W_ACCEPT},
        {"yes", W_ACCEPT},
        {"yeah", W_ACCEPT},
        {"yep", W_ACCEPT},
        {"sure", W_ACCEPT},
        {"accept", W_ACCEPT},
        /* no */
        {"2", W_DECLINE},
        {"거절", W_DECLINE},
        {"아니", W_DECLINE},
        {"아니요", W_DECLINE},
        {"아니오", W_DECLINE},
        {"아뇨", W_DECLINE},
        {"노", W_DECLINE},
        {"ㄴ", W_DECLINE},
        {"불가", W_DECLINE},
        {"불가능", W_DECLINE},
        {"안돼", W_DECLINE},
        {"안됩니다", W_DECLINE},
        {"못", W_DECLINE},
        {"못해", W_DECLINE},
        {"패스", W_DECLINE},
        {"n", W_DECLINE},
        {"no", W_DECLINE},
        {"nope", W_DECLINE},
        {"pass", W_DECLINE},
        {"decline", W_DECLINE},
        {"시작", W_START},
        {"종료", W_END},
        {"stop", W_STOP},
        {"취소", W_CANCEL},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(w, table[i].word) == 0) return table[i].kind;
    size_t n = strlen(w);
    if (n >= EO_REPLY_CODE_MIN && n <= EO_REPLY_CODE_MAX && strspn(w, "0123456789") == n)
        return W_CODE;
    return W_OTHER;
}

/* The word with each run of one character squeezed to one ("네네" "넵넵넵" "ㅇㅇ" "yesss"
 * "okk"); words with digits are left as they are (codes, "11"). 0 if nothing changed. */
static int s_squeeze(const char *w, char *out, size_t size)
{
    size_t n = strlen(w), o = 0, prev = 0, prevlen = 0;
    if (n >= size || strpbrk(w, "0123456789")) return 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)w[i];
        size_t l = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (i + l > n) l = n - i;
        if (!(prevlen == l && memcmp(w + prev, w + i, l) == 0)) {
            memcpy(out + o, w + i, l);
            o += l;
        }
        prev = i, prevlen = l;
        i += l;
    }
    out[o] = 0;
    return o < n;
}

/* A word, tolerating repeated letters and a polite ending ("수락합니다", "거절해요",
 * "네요", "네네"). */
static s_word_t s_classify(const char *w)
{
    s_word_t k = s_classify_plain(w);
    if (k != W_OTHER) return k;
    char squeezed[64];
    if (s_squeeze(w, squeezed, sizeof squeezed) && (k = s_classify_plain(squeezed)) != W_OTHER)
        return k;
    static const char *endings[] = {"합니다", "할게요", "할께요", "해요", "요"};
    size_t n = strlen(w);
    for (size_t i = 0; i < sizeof endings / sizeof endings[0]; i++) {
        size_t e = strlen(endings[i]);
        if (n > e && strcmp(w + n - e, endings[i]) == 0) {
            char stem[32];
            if (n - e >= sizeof stem) continue;
            memcpy(stem, w, n - e);
            stem[n - e] = 0;
            k = s_classify_plain(stem);
            if (k != W_OTHER && k != W_CODE && strcmp(stem, "1") && strcmp(stem, "2")) return k;
        }
    }
    return W_OTHER;
}

/* 수신거부 anywhere, also with spaces or punctuation inside ("수신 거부"). */
static bool s_has_stop(const char *words, int n)
{
    char compact[EO_REPLY_TEXT_MAX * 2];
    size_t o = 0;
    const char *w = words;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(w);
        memcpy(compact + o, w, l);
        o += l;
        w += l + 1;
    }
    compact[o] = 0;
    return strstr(compact, "수신거부") != NULL;
}

eo_reply_kind_t eo_reply_parse(const char *text, size_t len, eo_reply_t *out)
{
    memset(out, 0, sizeof *out);
    if (!text || len == 0 || len > EO_REPLY_TEXT_MAX) return out->kind = EO_REPLY_UNCLEAR;
    char words[EO_REPLY_TEXT_MAX * 2];
    int n = s_words((const unsigned char *)text, len, words, sizeof words);
    if (n <= 0) return out->kind = EO_REPLY_UNCLEAR;
    if (s_has_stop(words, n)) return out->kind = EO_REPLY_STOP;
    unsigned seen = 0;
    int codes = 0;
    const char *w = words;
    for (int i = 0; i < n; i++, w += strlen(w) + 1) {
        s_word_t k = s_classify(w);
        if (k == W_STOP) {
            out->code[0] = 0;
            return out->kind = EO_REPLY_STOP;
        }
        if (k == W_CODE) {
            if (codes++ && strcmp(out->code, w) != 0)
                seen |= 1u << W_OTHER;           /* two different codes */
            memcpy(out->code, w, strlen(w) + 1); /* W_CODE: at most EO_REPLY_CODE_MAX */
            continue;
        }
        seen |= 1u << k;
    }
    if (seen & (1u << W_OTHER)) seen = 0xFF; /* a word we do not know: unclear */
    eo_reply_kind_t kind = seen == 0 && codes        ? EO_REPLY_ACCEPT
                           : seen == 1u << W_ACCEPT  ? EO_REPLY_ACCEPT
                           : seen == 1u << W_DECLINE ? EO_REPLY_DECLINE
                           : seen == 1u << W_START   ? EO_REPLY_START
                           : seen == 1u << W_END     ? EO_REPLY_END
                           : seen == 1u << W_CANCEL  ? EO_REPLY_CANCEL
                                                     : EO_REPLY_UNCLEAR;
    if (kind == EO_REPLY_UNCLEAR) out->code[0] = 0;
    return out->kind = kind;
}

const char *eo_reply_kind_name(eo_reply_kind_t kind)
{
    static const char *names[] = {"unclear", "stop", "accept", "decline",
                                  "start",   "end",  "cancel"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "unclear";
}

void eo_reply_test(bool verbose)
{
    if (verbose) printf(" * eo_reply: ");
    static const struct {
        const char *text;
        eo_reply_kind_t kind;
        const char *code;
    } cases[] = {
        /* accept in every form */
        {"1", EO_REPLY_ACCEPT, ""},
        {"수락", EO_REPLY_ACCEPT, ""},
        {"네", EO_REPLY_ACCEPT, ""},
        {"Y", EO_REPLY_ACCEPT, ""},
        {"y", EO_REPLY_ACCEPT, ""},
        {"ok", EO_REPLY_ACCEPT, ""},
        {"OK", EO_REPLY_ACCEPT, ""},
        {"Ok", EO_REPLY_ACCEPT, ""},
        {"ＯＫ", EO_REPLY_ACCEPT, ""},
        {"１", EO_REPLY_ACCEPT, ""},
        {"  네  ", EO_REPLY_ACCEPT, ""},
        {"네!", EO_REPLY_ACCEPT, ""},
        {"ok~", EO_REPLY_ACCEPT, ""},
        {"수락합니다", EO_REPLY_ACCEPT, ""},
        {"네요", EO_REPLY_ACCEPT, ""},
        {"\t수락\r\n", EO_REPLY_ACCEPT, ""},
        {"　네　", EO_REPLY_ACCEPT, ""},
        {"네 수락", EO_REPLY_ACCEPT, ""},
        /* the code, alone or with a word */
        {"4821", EO_REPLY_ACCEPT, "4821"},
        {"１２３４", EO_REPLY_ACCEPT, "1234"},
        {"1 4821", EO_REPLY_ACCEPT, "4821"},
        {"수락 4821", EO_REPLY_ACCEPT, "4821"},
        {"수락4821", EO_REPLY_ACCEPT, "4821"},
        {"4821수락", EO_REPLY_ACCEPT, "4821"},
        {"Y4821", EO_REPLY_ACCEPT, "4821"},
        {"4821 4821", EO_REPLY_ACCEPT, "4821"},
        {"ok,4821.", EO_REPLY_ACCEPT, "4821"},
        {"123456", EO_REPLY_ACCEPT, "123456"},
        /* decline */
        /* how carers text yes and no (each word of the vocabulary) */
        {"예", EO_REPLY_ACCEPT, ""},
        {"넵", EO_REPLY_ACCEPT, ""},
        {"넵넵", EO_REPLY_ACCEPT, ""},
        {"넹", EO_REPLY_ACCEPT, ""},
        {"넴", EO_REPLY_ACCEPT, ""},
        {"응", EO_REPLY_ACCEPT, ""},
        {"웅", EO_REPLY_ACCEPT, ""},
        {"ㅇㅇ", EO_REPLY_ACCEPT, ""},
        {"ㅇ", EO_REPLY_ACCEPT, ""},
        {"ㅇㅋ", EO_REPLY_ACCEPT, ""},
        {"오케이", EO_REPLY_ACCEPT, ""},
        {"콜", EO_REPLY_ACCEPT, ""},
        {"가능", EO_REPLY_ACCEPT, ""},
        {"가능합니다", EO_REPLY_ACCEPT, ""},
        {"가능해요", EO_REPLY_ACCEPT, ""},
        {"좋아요", EO_REPLY_ACCEPT, ""},
        {"할게요", EO_REPLY_ACCEPT, ""},
        {"할께요", EO_REPLY_ACCEPT, ""},
        {"할게", EO_REPLY_ACCEPT, ""},
        {"할께", EO_REPLY_ACCEPT, ""},
        {"네네", EO_REPLY_ACCEPT, ""},
        {"네네네 4821", EO_REPLY_ACCEPT, "4821"},
        {"yes", EO_REPLY_ACCEPT, ""},
        {"Yes!", EO_REPLY_ACCEPT, ""},
        {"yesss", EO_REPLY_ACCEPT, ""},
        {"yeah", EO_REPLY_ACCEPT, ""},
        {"yep", EO_REPLY_ACCEPT, ""},
        {"sure", EO_REPLY_ACCEPT, ""},
        {"okay", EO_REPLY_ACCEPT, ""},
        {"okk", EO_REPLY_ACCEPT, ""},
        {"accept", EO_REPLY_ACCEPT, ""},
        {"yy", EO_REPLY_ACCEPT, ""},
        {"아니", EO_REPLY_DECLINE, ""},
        {"아니요", EO_REPLY_DECLINE, ""},
        {"아니오", EO_REPLY_DECLINE, ""},
        {"아뇨", EO_REPLY_DECLINE, ""},
        {"노", EO_REPLY_DECLINE, ""},
        {"ㄴㄴ", EO_REPLY_DECLINE, ""},
        {"ㄴ", EO_REPLY_DECLINE, ""},
        {"불가", EO_REPLY_DECLINE, ""},
        {"불가능", EO_REPLY_DECLINE, ""},
        {"불가능해요", EO_REPLY_DECLINE, ""},
        {"안돼요", EO_REPLY_DECLINE, ""},
        {"안됩니다", EO_REPLY_DECLINE, ""},
        {"못해요", EO_REPLY_DECLINE, ""},
        {"못합니다", EO_REPLY_DECLINE, ""},
        {"패스", EO_REPLY_DECLINE, ""},
        {"no", EO_REPLY_DECLINE, ""},
        {"No.", EO_REPLY_DECLINE, ""},
        {"nooo", EO_REPLY_DECLINE, ""},
        {"nope", EO_REPLY_DECLINE, ""},
        {"pass", EO_REPLY_DECLINE, ""},
        {"decline", EO_REPLY_DECLINE, ""},
        {"nn", EO_REPLY_DECLINE, ""},
        {"2", EO_REPLY_DECLINE, ""},
        {"거절", EO_REPLY_DECLINE, ""},
        {"N", EO_REPLY_DECLINE, ""},
        {"n", EO_REPLY_DECLINE, ""},
        {"거절합니다", EO_REPLY_DECLINE, ""},
        {"거절해요.", EO_REPLY_DECLINE, ""},
        {"２", EO_REPLY_DECLINE, ""},
        {"2 4821", EO_REPLY_DECLINE, "4821"},
        {"거절 4821", EO_REPLY_DECLINE, "4821"},
        {"N4821", EO_REPLY_DECLINE, "4821"},
        /* service times */
        {"시작", EO_REPLY_START, ""},
        {"종료", EO_REPLY_END, ""},
        {"시작합니다", EO_REPLY_START, ""},
        {"시작 4821", EO_REPLY_START, "4821"},
        {"종료했어요", EO_REPLY_UNCLEAR, ""},
        /* a winner who cannot come */
        {"취소", EO_REPLY_CANCEL, ""},
        {"취소합니다", EO_REPLY_CANCEL, ""},
        {"취소 4821", EO_REPLY_CANCEL, "4821"},
        {"수락 취소", EO_REPLY_UNCLEAR, ""},
        /* stop before anything else */
        {"STOP", EO_REPLY_STOP, ""},
        {"stop", EO_REPLY_STOP, ""},
        {"Stop.", EO_REPLY_STOP, ""},
        {"ＳＴＯＰ", EO_REPLY_STOP, ""},
        {"수신거부", EO_REPLY_STOP, ""},
        {"수신 거부", EO_REPLY_STOP, ""},
        {"수신거부합니다", EO_REPLY_STOP, ""},
        {"1 수신거부", EO_REPLY_STOP, ""},
        {"4821 stop", EO_REPLY_STOP, ""},
        {"문자 수신거부 해주세요", EO_REPLY_STOP, ""},
        /* unclear and garbage */
        {"", EO_REPLY_UNCLEAR, ""},
        {"   ", EO_REPLY_UNCLEAR, ""},
        {"?", EO_REPLY_UNCLEAR, ""},
        {"3", EO_REPLY_UNCLEAR, ""},
        {"12", EO_REPLY_UNCLEAR, ""},
        {"123", EO_REPLY_UNCLEAR, ""},
        {"1234567", EO_REPLY_UNCLEAR, ""},
        {"1 2", EO_REPLY_UNCLEAR, ""},
        {"네 거절", EO_REPLY_UNCLEAR, ""},
        {"no problem", EO_REPLY_UNCLEAR, ""},
        {"yes no", EO_REPLY_UNCLEAR, ""},
        {"몇 시예요?", EO_REPLY_UNCLEAR, ""},
        {"ㅋㅋ", EO_REPLY_UNCLEAR, ""},
        {"11", EO_REPLY_UNCLEAR, ""},
        {"아니 네", EO_REPLY_UNCLEAR, ""},
        {"가능할까요?", EO_REPLY_UNCLEAR, ""},
        {"1234 5678", EO_REPLY_UNCLEAR, ""},
        {"시작 종료", EO_REPLY_UNCLEAR, ""},
        {"수락 시작", EO_REPLY_UNCLEAR, ""},
        {"\xff\xfe", EO_REPLY_UNCLEAR, ""},
        {"\xed\xa0\x80", EO_REPLY_UNCLEAR, ""},
        {"\xc0\xb1", EO_REPLY_UNCLEAR, ""},
        {"네\xe2", EO_REPLY_UNCLEAR, ""},
        {"요", EO_REPLY_UNCLEAR, ""},
        {"1요", EO_REPLY_UNCLEAR, ""},
        {"😀", EO_REPLY_UNCLEAR, ""},
        {"거부", EO_REPLY_UNCLEAR, ""},
    };
    eo_reply_t r;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eo_reply_parse(cases[i].text, strlen(cases[i].text), &r);
        if (r.kind != cases[i].kind || strcmp(r.code, cases[i].code) != 0) {
            fprintf(stderr, "reply: '%s' -> %s '%s', want %s '%s'\n", cases[i].text,
                    eo_reply_kind_name(r.kind), r.code, eo_reply_kind_name(cases[i].kind),
                    cases[i].code);
            assert(false);
        }
    }
    /* not NUL-terminated, embedded NUL, NULL, oversize */
    assert(eo_reply_parse("1xyz", 1, &r) == EO_REPLY_ACCEPT);
    assert(eo_reply_parse("1\0"
                          "2",
                          3, &r) == EO_REPLY_UNCLEAR);
    assert(eo_reply_parse(NULL, 5, &r) == EO_REPLY_UNCLEAR);
    char big[EO_REPLY_TEXT_MAX + 2];
    memset(big, '1', sizeof big);
    assert(eo_reply_parse(big, sizeof big, &r) == EO_REPLY_UNCLEAR);
    memset(big, ' ', sizeof big);
    big[0] = '1';
    assert(eo_reply_parse(big, EO_REPLY_TEXT_MAX, &r) == EO_REPLY_ACCEPT);
    if (verbose) printf("OK\n");
}
