/* msg_test.h - shared helpers for the message-model cmocka tests.
 *
 * Table-driven tests render what they got as text and compare it with the
 * exact expected text; every mismatching case is printed (C-escaped) and the
 * test fails once at the end, so one run shows every failure.
 *
 * Include after <stdarg.h>, <stddef.h>, <setjmp.h>, <stdint.h> and <cmocka.h>.
 */
#ifndef MSG_TEST_H
#define MSG_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *s;
    size_t len, cap;
} mt_buf;

static inline void mt_add(mt_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            abort();
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static inline void mt_str(mt_buf *b, const char *s)
{
    mt_add(b, s, strlen(s));
}

/* Appends bytes C-escaped: \n \r \t \" \\, \xHH for other control bytes, NUL
 * and bytes >= 0x80 (so 8-bit data is visible exactly). NULL renders as (null). */
static inline void mt_esc(mt_buf *b, const char *s, size_t n)
{
    if (!s) {
        mt_str(b, "(null)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        switch (c) {
        case '\n': mt_str(b, "\\n"); break;
        case '\r': mt_str(b, "\\r"); break;
        case '\t': mt_str(b, "\\t"); break;
        case '"': mt_str(b, "\\\""); break;
        case '\\': mt_str(b, "\\\\"); break;
        default:
            if (c < 0x20 || c >= 0x7F) {
                snprintf(tmp, sizeof tmp, "\\x%02X", c);
                mt_str(b, tmp);
            } else {
                mt_add(b, (const char *)&c, 1);
            }
        }
    }
}

static inline void mt_escz(mt_buf *b, const char *s)
{
    mt_esc(b, s, s ? strlen(s) : 0);
}

static inline char *mt_take(mt_buf *b)
{
    if (!b->s)
        mt_add(b, "", 0);
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* Compares one outcome of a case; on mismatch prints the case, its input and
 * both values (escaped) and counts the failure. */
static inline bool mt_expect(int *failures, const char *casename, const char *input, size_t input_len,
                             const char *expected, const char *actual)
{
    if (strcmp(expected, actual) == 0)
        return true;
    (*failures)++;
    mt_buf b = {0};
    mt_str(&b, "FAILED case '");
    mt_str(&b, casename);
    mt_str(&b, "'\n    input:    \"");
    mt_esc(&b, input, input_len > 200 ? 200 : input_len);
    mt_str(&b, "\"\n    expected: \"");
    mt_escz(&b, expected);
    mt_str(&b, "\"\n    actual:   \"");
    mt_escz(&b, actual);
    mt_str(&b, "\"\n");
    char *t = mt_take(&b);
    print_error("%s", t);
    free(t);
    return false;
}

static inline void mt_finish(int failures, size_t checks)
{
    if (failures)
        fail_msg("%d of %zu checks failed (see FAILED lines above)", failures, checks);
}

/* Length of a string literal that holds NUL bytes. */
#define MT_LEN(lit) (sizeof(lit) - 1)

#endif
