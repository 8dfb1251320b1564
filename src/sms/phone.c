/* phone.c: Korean mobile numbers (see eo_phone.h). */
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "eonjena/eo_error.h"
#include "eonjena/eo_phone.h"

/* Collect the digits of text; separators (space, -, ., parentheses) are skipped, a
 * leading + is remembered, fullwidth digits (U+FF10..FF19) count as digits. Anything
 * else makes the text invalid. Returns the digit count or -1. */
static int s_digits(const char *text, char *digits, size_t size, bool *plus)
{
    size_t n = 0;
    *plus = false;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        int d = -1;
        if (*p >= '0' && *p <= '9') {
            d = *p - '0';
            p++;
        } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
            d = p[2] - 0x90;
            p += 3;
        } else if (*p == '+' && n == 0 && !*plus) {
            *plus = true;
            p++;
            continue;
        } else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')' ||
                   *p == '\t') {
            p++;
            continue;
        } else
            return -1;
        if (n + 1 >= size) return -1;
        digits[n++] = (char)('0' + d);
    }
    digits[n] = 0;
    return (int)n;
}

/* Is `nat` (national digits without the leading 0, e.g. "1012345678") a mobile number? */
static bool s_mobile(const char *nat)
{
    size_t n = strlen(nat);
    if (nat[0] != '1') return false;
    if (nat[1] == '0') return n == 10 && nat[2] != '0'; /* 010-XXXX-XXXX, never 010-0... */
    if (strchr("16789", nat[1])) return (n == 9 || n == 10) && nat[2] != '0';
    return false;
}

int eo_phone_normalise(const char *text, char *out, size_t size)
{
    assert(out && size >= EO_PHONE_MAX);
    out[0] = 0;
    if (!text || strlen(text) > 64) return EO_EINVAL;
    char digits[32];
    bool plus;
    int n = s_digits(text, digits, sizeof digits, &plus);
    if (n < 9) return EO_EINVAL;
    const char *nat = NULL;
    if (plus && strncmp(digits, "82", 2) == 0)
        nat = digits + 2;
    else if (!plus && strncmp(digits, "0082", 4) == 0)
        nat = digits + 4;
    else if (!plus && strncmp(digits, "82", 2) == 0)
        nat = digits + 2;
    else if (!plus && digits[0] == '0')
        nat = digits + 1;
    else
        return EO_EINVAL;
    if (nat[0] == '0') /* "+82 010-..." is a common mistake: drop the trunk 0 */
        nat++;
    if (!s_mobile(nat)) return EO_EINVAL;
    snprintf(out, size, "+82%s", nat);
    return EO_OK;
}

bool eo_phone_valid(const char *text)
{
    if (!text || text[0] != '+' || text[1] < '1' || text[1] > '9') return false;
    size_t n = strlen(text + 1);
    return n >= 8 && n <= 15 && strspn(text + 1, "0123456789") == n;
}

bool eo_phone_mobile(const char *e164)
{
    if (!e164 || strncmp(e164, "+82", 3) != 0) return false;
    for (const char *p = e164 + 3; *p; p++)
        if (*p < '0' || *p > '9') return false;
    return s_mobile(e164 + 3);
}

char *eo_phone_mask(const char *text, char *out, size_t size)
{
    char e164[EO_PHONE_MAX];
    if (eo_phone_normalise(text, e164, sizeof e164) != EO_OK) {
        size_t n = text ? strlen(text) : 0;
        if (eo_phone_valid(text))
            snprintf(out, size, "****%s", text + n - 4);
        else
            snprintf(out, size, "(invalid)");
        return out;
    }
    const char *nat = e164 + 3;
    size_t n = strlen(nat);
    /* +82 10-****-5678 / +82 11-***-5678: prefix, hidden middle, last four */
    char stars[5] = "****";
    stars[n - 6] = 0;
    snprintf(out, size, "+82 %.2s-%s-%s", nat, stars, nat + n - 4);
    return out;
}

int eo_phone_national(const char *text, char *out, size_t size)
{
    char e164[EO_PHONE_MAX];
    int rc = eo_phone_normalise(text, e164, sizeof e164);
    if (rc != EO_OK) return rc;
    if ((size_t)snprintf(out, size, "0%s", e164 + 3) >= size) return EO_EINVAL;
    return EO_OK;
}

void eo_phone_test(bool verbose)
{
    if (verbose) printf(" * eo_phone: ");
    static const struct {
        const char *in, *out;
    } good[] = {
        {"010-1234-5678", "+821012345678"},     {"01012345678", "+821012345678"},
        {"010 1234 5678", "+821012345678"},     {"(010)1234.5678", "+821012345678"},
        {"+82 10-1234-5678", "+821012345678"},  {"+821012345678", "+821012345678"},
        {"+82 010 1234 5678", "+821012345678"}, {"821012345678", "+821012345678"},
        {"00821012345678", "+821012345678"},    {"０１０-１２３４-５６７８", "+821012345678"},
        {"011-123-4567", "+82111234567"},       {"016-1234-5678", "+821612345678"},
        {" 010-9999-0000 ", "+821099990000"},
    };
    char out[EO_PHONE_MAX];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int rc = eo_phone_normalise(good[i].in, out, sizeof out);
        if (rc != EO_OK || strcmp(out, good[i].out) != 0) {
            fprintf(stderr, "phone: '%s' -> '%s' (rc %d), want '%s'\n", good[i].in, out, rc,
                    good[i].out);
            assert(false);
        }
        assert(eo_phone_valid(out) && eo_phone_mobile(out));
    }
    static const char *bad[] = {
        "",
        "010",
        "010-1234-567",
        "010-1234-56789",
        "02-123-4567",
        "031-123-4567",
        "+1 415 555 1234",
        "010-0123-4567",
        "010-1234-5678x",
        "abc",
        "++821012345678",
        "010-1234-5678; rm -rf",
        "012-1234-5678",
        "0101234567890123456789",
        "+82",
        "1012345678",
        "010—1234—5678",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = eo_phone_normalise(bad[i], out, sizeof out);
        if (rc != EO_EINVAL || out[0]) {
            fprintf(stderr, "phone: '%s' accepted as '%s'\n", bad[i], out);
            assert(false);
        }
    }
    assert(eo_phone_normalise(NULL, out, sizeof out) == EO_EINVAL);
    assert(!eo_phone_valid("01012345678") && !eo_phone_mobile("01012345678"));
    assert(!eo_phone_valid("+8210123456a8") && !eo_phone_mobile("+8210123456a8"));
    assert(!eo_phone_valid(NULL) && !eo_phone_mobile(NULL));
    assert(eo_phone_valid("+82215771234") && !eo_phone_mobile("+82215771234"));
    assert(eo_phone_valid("+14155551234") && !eo_phone_valid("+0123456789"));

    char m[EO_PHONE_MASK_MAX];
    assert(streq(eo_phone_mask("010-1234-5678", m, sizeof m), "+82 10-****-5678"));
    assert(streq(eo_phone_mask("+82111234567", m, sizeof m), "+82 11-***-4567"));
    assert(streq(eo_phone_mask("hello 010", m, sizeof m), "(invalid)"));
    assert(streq(eo_phone_mask("+82215771234", m, sizeof m), "****1234"));
    assert(streq(eo_phone_mask(NULL, m, sizeof m), "(invalid)"));
    assert(eo_phone_national("+821012345678", out, sizeof out) == EO_OK);
    assert(streq(out, "01012345678"));
    assert(eo_phone_national("x", out, sizeof out) == EO_EINVAL);
    if (verbose) printf("OK\n");
}
