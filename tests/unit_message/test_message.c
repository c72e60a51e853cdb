/* test_message.c - the RFC 5322 message model (engine/mail/message.c).
 *
 * Parse cases render every field as "NAME|RAW\n" (C-escaped) followed by
 * "body=OFFSET"; value cases render a name's values as "[v1][v2]..." both
 * decoded and raw. Then the properties the interpreter relies on (caching,
 * laziness, never reading the body) and the large inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "engine/mail/message.h"
#include "base/arena.h"
#include "tests/unit_message/msg_test.h"

/* ---- header fields and the body offset ---- */

typedef struct {
    const char *name;
    const char *msg;
    const char *expected; /* "NAME|RAW\n"... "body=N" */
    size_t len;           /* when the message holds NUL bytes; 0 = strlen */
} parse_case;

static const parse_case parse_cases[] = {
    {"CRLF", "From: a@b\r\nTo: c@d\r\nSubject: hi\r\n\r\nbody\r\n", "From| a@b\nTo| c@d\nSubject| hi\nbody=35", 0},
    {"bare LF", "From: a@b\nTo: c@d\n\nbody\n", "From| a@b\nTo| c@d\nbody=19", 0},
    {"mixed line endings", "A: 1\r\nB: 2\n\nbody", "A| 1\nB| 2\nbody=12", 0},
    {"folded CRLF", "Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\nB", "Subject| a\\r\\n b\\r\\n\\tc\nX| y\nbody=28", 0},
    {"folded LF", "Subject: a\n b\nX: y\n\n", "Subject| a\\n b\nX| y\nbody=20", 0},
    {"repeated fields in order", "X: 1\nY: a\nx: 2\nX: 3\n\n", "X| 1\nY| a\nx| 2\nX| 3\nbody=21", 0},
    {"no separator", "A: 1\nB: 2\n", "A| 1\nB| 2\nbody=10", 0},
    {"no final newline", "A: 1\nB: 2", "A| 1\nB| 2\nbody=9", 0},
    {"name and colon only", "A:", "A|\nbody=2", 0},
    {"empty message", "", "body=0", 0},
    {"starts with a blank line", "\nA: 1\n", "body=1", 0},
    {"starts with CRLF", "\r\nA: 1\r\n", "body=2", 0},
    {"empty value", "Subject:\n\n", "Subject|\nbody=10", 0},
    {"blank value", "Subject:   \n\n", "Subject|   \nbody=13", 0},
    {"whitespace before colon", "Subject   : x\nX-B\t: tab\n\n", "Subject| x\nX-B| tab\nbody=25", 0},
    {"colon in value", "A: b: c\n", "A| b: c\nbody=8", 0},
    {"every ftext in a name", "X-!#$%&'*+-.^_`{|}~: v\n", "X-!#$%&'*+-.^_`{|}~| v\nbody=23", 0},
    {"body not parsed", "A: 1\n\nB: 2\n", "A| 1\nbody=6", 0},
    {"header then empty body", "A: 1\r\n\r\n", "A| 1\nbody=8", 0},

    /* lines that are not fields: skipped with their continuation lines, as Dovecot */
    {"continuation as first line", " cont\nA: 1\n\n", "A| 1\nbody=12", 0},
    {"first line continuation with colon", " X-Lead: v\n\tmore\nA: 1\n\nb", "A| 1\nbody=23", 0},
    {"line without colon", "A: 1\nnocolon\n cont\nB: 2\n\nbody", "A| 1\nB| 2\nbody=25", 0},
    {"space in name", "bad header: x\nB: 2\n", "B| 2\nbody=19", 0},
    {"empty name", ": x\nB: 2\n", "B| 2\nbody=9", 0},
    {"8-bit name", "X-\xE9: 1\nB: 2\n", "B| 2\nbody=12", 0},
    {"NUL in name", "X\0Y: 1\nB: 2\n", "B| 2\nbody=12", MT_LEN("X\0Y: 1\nB: 2\n")},
    {"only a CR", "\r", "body=1", 0},

    /* odd bytes in values are kept in the raw text */
    {"NUL in value", "A: a\0b\n\n", "A| a\\x00b\nbody=8", MT_LEN("A: a\0b\n\n")},
    {"8-bit value", "Subject: caf\xE9\n", "Subject| caf\\xE9\nbody=14", 0},
    {"lone CR in value", "A: x\ry\n\n", "A| x\\ry\nbody=8", 0},
    {"CR before CRLF", "A: 1\r\r\n\r\n", "A| 1\\r\nbody=9", 0},
    {"whitespace-only continuation", "A: 1\n \nB: 2\n\n", "A| 1\\n \nB| 2\nbody=13", 0},
};

static char *render_fields(sg_message *m)
{
    mt_buf b = {0};
    size_t n = sg_message_header_count(m);
    for (size_t i = 0; i < n; i++) {
        const sg_header_field *f = sg_message_header_at(m, i);
        mt_esc(&b, f->name, f->name_len);
        mt_str(&b, "|");
        mt_esc(&b, f->raw, f->raw_len);
        mt_str(&b, "\n");
    }
    char tmp[48];
    snprintf(tmp, sizeof tmp, "body=%zu", sg_message_body_offset(m));
    mt_str(&b, tmp);
    return mt_take(&b);
}

static void test_parse_table(void **state)
{
    (void)state;
    int failures = 0;
    size_t n = sizeof parse_cases / sizeof parse_cases[0];
    for (size_t i = 0; i < n; i++) {
        const parse_case *c = &parse_cases[i];
        size_t len = c->len ? c->len : strlen(c->msg);
        sg_arena *a = sg_arena_new();
        sg_message *m = sg_message_parse(c->msg, len, a);
        assert_int_equal(sg_message_size(m), len);
        assert_ptr_equal(sg_message_data(m), c->msg);
        char *got = render_fields(m);
        mt_expect(&failures, c->name, c->msg, len, c->expected, got);
        free(got);
        assert_null(sg_message_header_at(m, sg_message_header_count(m)));
        sg_arena_free(a);
    }
    mt_finish(failures, n);
}

/* ---- values by name ---- */

typedef struct {
    const char *name;
    const char *msg;
    const char *field;
    const char *decoded; /* "[v1][v2]..."; "" = no such field */
    const char *raw;     /* NULL: same as decoded */
    size_t len;
} value_case;

static const value_case value_cases[] = {
    {"case-insensitive, in order", "SUBJECT: a\nX: 1\nsubject: b\nSubJect: c\n\n", "Subject", "[a][b][c]", NULL, 0},
    {"lower-case query", "SUBJECT: a\nsubject: b\n", "subject", "[a][b]", NULL, 0},
    {"upper-case query", "Subject: a\n", "SUBJECT", "[a]", NULL, 0},
    {"unfolded CRLF", "Subject: a\r\n  b\r\n\tc\r\n\r\n", "Subject", "[a  b\\tc]", NULL, 0},
    {"unfolded LF", "Subject: a\n b\n", "subject", "[a b]", NULL, 0},
    {"trimmed", "X:   a b  \t\n\n", "x", "[a b]", NULL, 0},
    {"tab after colon", "X:\t lead\n", "x", "[lead]", NULL, 0},
    {"empty value", "Subject:\n\n", "subject", "[]", NULL, 0},
    {"blank value", "Subject:   \n\n", "subject", "[]", NULL, 0},
    {"empty and blank values", "X:\nX: \nX:a\n", "X", "[][][a]", NULL, 0},
    {"whitespace before colon", "Subject   : x\n", "subject", "[x]", NULL, 0},
    {"lone CR at the end", "A: x\r", "a", "[x]", NULL, 0},
    {"whitespace-only continuation", "A: 1\n \nB: 2\n", "A", "[1]", NULL, 0},
    {"encoded word", "Subject: =?utf-8?q?caf=C3=A9?=\n", "subject", "[caf\\xC3\\xA9]", "[=?utf-8?q?caf=C3=A9?=]", 0},
    {"encoded words folded", "Subject: =?utf-8?q?a?=\r\n =?utf-8?q?b?=\r\n", "subject", "[ab]",
     "[=?utf-8?q?a?= =?utf-8?q?b?=]", 0},
    {"encoded display name", "To: =?utf-8?q?J=C3=B6rg?= <j@x.y>\n", "to", "[J\\xC3\\xB6rg <j@x.y>]",
     "[=?utf-8?q?J=C3=B6rg?= <j@x.y>]", 0},
    {"malformed word kept", "Subject: =?utf-8?B?!!!?=\n", "subject", "[=?utf-8?B?!!!?=]", NULL, 0},
    {"NUL in value", "X: a\0b\n", "x", "[a\\xEF\\xBF\\xBDb]", NULL, MT_LEN("X: a\0b\n")},
    {"decoded NUL", "X: =?utf-8?q?a=00b?=\n", "x", "[a\\xEF\\xBF\\xBDb]", "[=?utf-8?q?a=00b?=]", 0},
    {"8-bit kept", "Subject: caf\xE9\n", "subject", "[caf\\xE9]", NULL, 0},
    {"8-bit next to a word", "Subject: caf\xE9 =?utf-8?q?x?=\n", "subject", "[caf\\xE9 x]",
     "[caf\\xE9 =?utf-8?q?x?=]", 0},
    {"absent", "A: 1\n", "B", "", NULL, 0},
    {"in the body", "A: 1\n\nB: 2\n", "B", "", NULL, 0},
    {"after a line without colon", "A: 1\nnocolon\nB: 2\n", "b", "[2]", NULL, 0},
    {"continuation of a skipped line", "nocolon\n B: 2\nC: 3", "B", "", NULL, 0},
    {"empty query", "A: 1\n", "", "", NULL, 0},
    {"query with colon", "A: 1\n", "A:", "", NULL, 0},
    {"query with space", "A: 1\n", "A ", "", NULL, 0},
    {"prefix is not the name", "Subject: a\nSub: b\nSubjects: c\n", "Sub", "[b]", NULL, 0},
};

static char *render_values(const char *const *v, size_t n)
{
    mt_buf b = {0};
    for (size_t i = 0; i < n; i++) {
        mt_str(&b, "[");
        mt_escz(&b, v[i]);
        mt_str(&b, "]");
    }
    if (v[n] != NULL)
        mt_str(&b, " (no NULL after the last value)");
    return mt_take(&b);
}

static void test_value_table(void **state)
{
    (void)state;
    int failures = 0;
    size_t n = sizeof value_cases / sizeof value_cases[0];
    for (size_t i = 0; i < n; i++) {
        const value_case *c = &value_cases[i];
        size_t len = c->len ? c->len : strlen(c->msg);
        sg_arena *a = sg_arena_new();
        sg_message *m = sg_message_parse(c->msg, len, a);
        const char *const *v = NULL;
        size_t count = sg_message_header_values(m, c->field, &v);
        char *got = render_values(v, count);
        mt_expect(&failures, c->name, c->msg, len, c->decoded, got);
        free(got);
        count = sg_message_header_raw_values(m, c->field, &v);
        got = render_values(v, count);
        mt_expect(&failures, c->name, c->msg, len, c->raw ? c->raw : c->decoded, got);
        free(got);
        sg_arena_free(a);
    }
    mt_finish(failures, n * 2);
}

/* A later call for the same name returns the same array (any case). */
static void test_values_cached(void **state)
{
    (void)state;
    const char *msg = "Subject: =?utf-8?q?a?=\nTo: x@y\nsubject: b\n\n";
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(msg, strlen(msg), a);
    const char *const *v1, *const *v2, *const *v3, *const *r1, *const *r2;
    assert_int_equal(sg_message_header_values(m, "subject", &v1), 2);
    assert_int_equal(sg_message_header_values(m, "SUBJECT", &v2), 2);
    assert_int_equal(sg_message_header_values(m, "Subject", &v3), 2);
    assert_ptr_equal(v1, v2);
    assert_ptr_equal(v1, v3);
    assert_string_equal(v1[0], "a");
    assert_string_equal(v1[1], "b");
    assert_null(v1[2]);
    assert_int_equal(sg_message_header_raw_values(m, "Subject", &r1), 2);
    assert_int_equal(sg_message_header_raw_values(m, "subject", &r2), 2);
    assert_ptr_equal(r1, r2);
    assert_ptr_not_equal(r1, v1);
    assert_string_equal(r1[0], "=?utf-8?q?a?=");
    /* an absent name: no values, a non-NULL array holding only NULL */
    assert_int_equal(sg_message_header_values(m, "cc", &v1), 0);
    assert_non_null(v1);
    assert_null(v1[0]);
    assert_int_equal(sg_message_header_raw_values(m, "cc", &v2), 0);
    assert_non_null(v2);
    assert_null(v2[0]);
    sg_arena_free(a);
}

/* ---- laziness: the body is never read ---- */

/* sg_message_parse reads nothing: every byte of the message is unreadable. */
static void test_parse_reads_nothing(void **state)
{
    (void)state;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(p, page, a);
    assert_int_equal(sg_message_size(m), page);
    assert_ptr_equal(sg_message_data(m), p);
    sg_arena_free(a);
    munmap(p, page);
}

/* The header ends exactly at a page boundary and the body page is
 * unreadable: header accesses and lookups must not fault. */
static void test_body_never_read(void **state)
{
    (void)state;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    const char *head = "From: a@b\r\nSubject: =?utf-8?q?hi?=\r\nX: ";
    size_t hl = strlen(head);
    memcpy(p, head, hl);
    memset(p + hl, 'x', page - hl - 4);
    memcpy(p + page - 4, "\r\n\r\n", 4);
    memset(p + page, 'B', page);
    assert_int_equal(mprotect(p + page, page, PROT_NONE), 0);

    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(p, 2 * page, a);
    assert_int_equal(sg_message_header_count(m), 3);
    assert_int_equal(sg_message_body_offset(m), page);
    const char *const *v;
    assert_int_equal(sg_message_header_values(m, "subject", &v), 1);
    assert_string_equal(v[0], "hi");
    assert_int_equal(sg_message_header_values(m, "x", &v), 1);
    assert_int_equal(strlen(v[0]), page - hl - 4);
    assert_int_equal(sg_message_header_values(m, "absent", &v), 0);
    assert_int_equal(sg_message_header_raw_values(m, "from", &v), 1);
    assert_string_equal(v[0], "a@b");
    sg_arena_free(a);
    munmap(p, 2 * page);
}

/* ---- large inputs: linear time, exact counts ---- */

typedef struct {
    char *s;
    size_t len, cap;
} big;

static void big_add(big *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        assert_non_null(b->s);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void big_fill(big *b, char c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        big_add(b, &c, 1);
}

static void test_10000_fields(void **state)
{
    (void)state;
    big b = {0};
    char line[64];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(line, sizeof line, "X-Field-%05d: value %d\r\n", i, i);
        big_add(&b, line, (size_t)n);
    }
    size_t header_len = b.len;
    big_add(&b, "\r\nbody\r\n", 8);
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_count(m), 10000);
    assert_int_equal(sg_message_body_offset(m), header_len + 2);
    const sg_header_field *f = sg_message_header_at(m, 9999);
    assert_int_equal(f->name_len, 13);
    assert_memory_equal(f->name, "X-Field-09999", 13);
    assert_int_equal(f->raw_len, 11);
    assert_memory_equal(f->raw, " value 9999", 11);
    const char *const *v;
    for (int i = 0; i < 10000; i += 7) { /* every lookup is a binary search */
        char name[32], want[32];
        snprintf(name, sizeof name, "x-field-%05d", i);
        snprintf(want, sizeof want, "value %d", i);
        assert_int_equal(sg_message_header_values(m, name, &v), 1);
        assert_string_equal(v[0], want);
    }
    assert_int_equal(sg_message_header_values(m, "x-field-10000", &v), 0);
    sg_arena_free(a);

    /* 10,000 fields of one name: one array, in order */
    b.len = 0;
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(line, sizeof line, "Received: from h%d\n", i);
        big_add(&b, line, (size_t)n);
    }
    a = sg_arena_new();
    m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_values(m, "received", &v), 10000);
    assert_string_equal(v[0], "from h0");
    assert_string_equal(v[5000], "from h5000");
    assert_string_equal(v[9999], "from h9999");
    assert_null(v[10000]);
    assert_int_equal(sg_message_body_offset(m), b.len);
    sg_arena_free(a);
    free(b.s);
}

#define FOUR_MB ((size_t)4 << 20)

static void test_4mb_lines(void **state)
{
    (void)state;
    const char *const *v;
    /* one 4 MB field */
    big b = {0};
    big_add(&b, "Subject: ", 9);
    big_fill(&b, 'a', FOUR_MB);
    big_add(&b, "\nX: y\n\nbody", 11);
    sg_arena *a = sg_arena_new();
    sg_message *m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_count(m), 2);
    assert_int_equal(sg_message_header_at(m, 0)->raw_len, FOUR_MB + 1);
    assert_int_equal(sg_message_body_offset(m), 9 + FOUR_MB + 7);
    assert_int_equal(sg_message_header_values(m, "subject", &v), 1);
    assert_int_equal(strlen(v[0]), FOUR_MB);
    assert_int_equal(sg_message_header_values(m, "x", &v), 1);
    assert_string_equal(v[0], "y");
    sg_arena_free(a);

    /* a 4 MB line without a colon, then a field */
    b.len = 0;
    big_add(&b, "A: 1\n", 5);
    big_fill(&b, 'b', FOUR_MB);
    big_add(&b, "\nB: 2\n\n", 7);
    a = sg_arena_new();
    m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_count(m), 2);
    assert_int_equal(sg_message_header_values(m, "b", &v), 1);
    assert_string_equal(v[0], "2");
    assert_int_equal(sg_message_body_offset(m), b.len);
    sg_arena_free(a);

    /* a 4 MB name, a 4 MB value folded into 1M lines, and 4 MB of NULs, no newline */
    b.len = 0;
    big_fill(&b, 'N', FOUR_MB);
    big_add(&b, ": v\nF:", 6);
    for (size_t i = 0; i < FOUR_MB / 4; i++)
        big_add(&b, " ab\n", 4);
    big_add(&b, "Z: ", 3);
    big_fill(&b, '\0', FOUR_MB);
    a = sg_arena_new();
    m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_count(m), 3);
    assert_int_equal(sg_message_header_at(m, 0)->name_len, FOUR_MB);
    assert_int_equal(sg_message_header_values(m, "f", &v), 1);
    assert_int_equal(strlen(v[0]), FOUR_MB / 4 * 3 - 1); /* " ab" per line, first space trimmed */
    assert_memory_equal(v[0], "ab ab ab", 8);
    assert_int_equal(sg_message_header_values(m, "z", &v), 1);
    assert_int_equal(strlen(v[0]), FOUR_MB * 3); /* each NUL is U+FFFD */
    assert_int_equal(sg_message_body_offset(m), b.len);
    sg_arena_free(a);

    /* 4 MB of continuation lines with no field before them */
    b.len = 0;
    for (size_t i = 0; i < FOUR_MB / 2; i++)
        big_add(&b, " \n", 2);
    a = sg_arena_new();
    m = sg_message_parse(b.s, b.len, a);
    assert_int_equal(sg_message_header_count(m), 0);
    assert_int_equal(sg_message_body_offset(m), b.len);
    sg_arena_free(a);
    free(b.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_value_table),
        cmocka_unit_test(test_values_cached),
        cmocka_unit_test(test_parse_reads_nothing),
        cmocka_unit_test(test_body_never_read),
        cmocka_unit_test(test_10000_fields),
        cmocka_unit_test(test_4mb_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
