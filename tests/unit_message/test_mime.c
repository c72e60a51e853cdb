/* test_mime.c - the MIME walker (engine/mail/mime.c): structure, decoding,
 * charsets, malformed input and the depth and part limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/mime.h"
#include "base/arena.h"

/* One line per part: depth, type/subtype, M (multipart) or R (message/rfc822)
 * or '-', and the content decoded to UTF-8 with "\n" shown as '|'. */
static char *render(sg_mime *m)
{
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < sg_mime_count(m); i++) {
        const sg_mime_part *p = sg_mime_part_at(m, i);
        size_t n;
        n = 0;
        const char *c = p->multipart || p->message ? "" : sg_mime_content(m, i, true, &n);
        size_t need = n + 128;
        if (len + need >= cap) {
            cap = (len + need) * 2;
            out = realloc(out, cap);
        }
        len += (size_t)snprintf(out + len, cap - len, "%u %s/%s %c ", p->depth, p->type, p->subtype,
                                p->multipart ? 'M' : p->message ? 'R' : '-');
        for (size_t k = 0; k < n; k++)
            out[len++] = c[k] == '\n' ? '|' : c[k] == '\r' ? '~' : c[k];
        out[len++] = '\n';
        out[len] = '\0';
    }
    return out;
}

typedef struct {
    const char *name;
    const char *msg;
    const char *want;
} mime_case;

static const mime_case cases[] = {
    {"not MIME", "Subject: x\n\nhello\n", "0 text/plain - hello|\n"},
    {"no body", "Subject: x\n", "0 text/plain - \n"},
    {"alternative with preamble and epilogue",
     "Content-Type: multipart/alternative; boundary=\"b\"\n\npre\n--b\nContent-Type: text/plain\n\none\n--b\n"
     "Content-Type: text/html\n\n<p>two</p>\n--b--\nepi\n",
     "0 multipart/alternative M \n1 text/plain - one\n1 text/html - <p>two</p>\n"},
    {"CRLF line breaks", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b--\r\n",
     "0 multipart/mixed M \n1 text/plain - one\n"},
    {"nested and message/rfc822",
     "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n"
     "--i\n\na\n--i--\n--o\nContent-Type: message/rfc822\n\nSubject: in\n\ninner\n--o--\n",
     "0 multipart/mixed M \n1 multipart/alternative M \n2 text/plain - a\n1 message/rfc822 R \n"
     "2 text/plain - inner\n"},
    {"digest default type", "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: s\n\nbody\n--d--\n",
     "0 multipart/digest M \n1 message/rfc822 R \n2 text/plain - body\n"},
    {"quoted-printable",
     "Content-Transfer-Encoding: quoted-printable\nContent-Type: text/plain; charset=utf-8\n\n"
     "caf=C3=A9 soft=\nbreak trailing   \n=ZZ end=\n",
     "0 text/plain - caf\xC3\xA9 softbreak trailing|=ZZ end\n"},
    {"base64 with junk and line breaks",
     "Content-Transfer-Encoding: BASE64\n\naGVs\nbG8g*d29y\r\nbGQ=\nignored\n", "0 text/plain - hello world\n"},
    {"latin-1 to UTF-8", "Content-Type: text/plain; charset=\"ISO-8859-1\"\n\nGr\xFC\xDF" "e\n",
     "0 text/plain - Gr\xC3\xBC\xC3\x9F" "e|\n"},
    {"unknown charset kept", "Content-Type: text/plain; charset=x-nothing\n\nab\xFF\n", "0 text/plain - ab\xFF|\n"},
    {"non-text not converted", "Content-Type: application/x; charset=iso-8859-1\n\n\xFF\n",
     "0 application/x - \xFF|\n"},
    /* malformed structures: text, never a crash */
    {"multipart without boundary", "Content-Type: multipart/mixed\n\n--b\n\nx\n--b--\n",
     "0 multipart/mixed - --b||x|--b--|\n"},
    {"boundary never used", "Content-Type: multipart/mixed; boundary=zz\n\ntext\n",
     "0 multipart/mixed - text|\n"},
    {"empty boundary", "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nx\n", "0 multipart/mixed - --||x|\n"},
    {"no close delimiter", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b\n\ntwo\n",
     "0 multipart/mixed M \n1 text/plain - one\n1 text/plain - two|\n"},
    {"malformed Content-Type", "Content-Type: /plain;;=\n\nx\n", "0 text/plain - x|\n"},
    {"comments and case in Content-Type", "Content-Type: (c) TEXT / HTML (d) ; Charset = \"UTF-8\"\n\nx\n",
     "0 text/html - x|\n"},
    {"delimiter without line break at the end", "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--",
     "0 multipart/mixed M \n1 text/plain - x\n"},
};

static void test_cases(void **state)
{
    (void)state;
    int failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sg_arena *a = sg_arena_new();
        sg_message *msg = sg_message_parse(cases[i].msg, strlen(cases[i].msg), a);
        char *got = render(sg_mime_parse(msg, NULL, a));
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "FAIL %s:\n got: %s want: %s", cases[i].name, got, cases[i].want);
            failed++;
        }
        free(got);
        sg_arena_free(a);
    }
    assert_int_equal(failed, 0);
}

/* limits.max_scan: only so much of a part's body is read, decoded and
 * converted; a body that needs neither is the message's own bytes. */
static void test_max_scan(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    const char *raw = "Content-Type: text/plain; charset=us-ascii\n\n0123456789abcdefghij\n";
    sg_message *msg = sg_message_parse(raw, strlen(raw), a);
    sg_mime_limits lim = {0, 0, 10};
    sg_mime *m = sg_mime_parse(msg, &lim, a);
    size_t n;
    const char *c = sg_mime_content(m, 0, true, &n);
    assert_int_equal(n, 10);
    assert_memory_equal(c, "0123456789", 10);
    assert_ptr_equal(c, strstr(raw, "0123")); /* not copied */
    const char *b64 = "Content-Transfer-Encoding: base64\n\naGVsbG8gd29ybGQ=\n";
    msg = sg_message_parse(b64, strlen(b64), a);
    lim.max_scan = 8; /* "aGVsbG8g": "hello " */
    m = sg_mime_parse(msg, &lim, a);
    c = sg_mime_content(m, 0, true, &n);
    assert_int_equal(n, 6);
    assert_memory_equal(c, "hello ", 6);
    sg_arena_free(a);
}

static void test_content_type_params(void **state)
{
    (void)state;
    sg_arena *a = sg_arena_new();
    const char *t, *s;
    sg_mime_param *ps;
    size_t n;
    const char *v = "application/pdf; name=\"a \\\"b\\\".pdf\"; SIZE=12 ; bad; x=";
    sg_mime_content_type(v, strlen(v), a, &t, &s, &ps, &n);
    assert_string_equal(t, "application");
    assert_string_equal(s, "pdf");
    assert_int_equal(n, 3);
    assert_string_equal(ps[0].name, "name");
    assert_string_equal(ps[0].value, "a \"b\".pdf");
    assert_string_equal(ps[1].name, "size");
    assert_string_equal(ps[1].value, "12");
    assert_string_equal(ps[2].name, "x");
    assert_string_equal(ps[2].value, "");
    sg_arena_free(a);
}

/* A buffer that grows, for the generated bombs. */
typedef struct {
    char *s;
    size_t len, cap;
} gbuf;

static void gadd(gbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

/* 10,000 nested multiparts: split down to the depth limit, the rest is the
 * content of the deepest part; no stack overflow. */
static void test_deep_nesting(void **state)
{
    (void)state;
    gbuf b = {0};
    char line[96];
    for (int i = 0; i < 10000; i++) {
        /* "l1-" is no prefix of "l10-" (RFC 2046 §5.1.1) */
        snprintf(line, sizeof line, "Content-Type: multipart/mixed; boundary=\"l%d-\"\n\n--l%d-\n", i, i);
        gadd(&b, line);
    }
    gadd(&b, "\nbottom\n");
    sg_arena *a = sg_arena_new();
    sg_message *msg = sg_message_parse(b.s, b.len, a);
    sg_mime *m = sg_mime_parse(msg, NULL, a);
    assert_int_equal(sg_mime_count(m), SG_MIME_DEFAULT_MAX_DEPTH + 1);
    assert_string_equal(sg_mime_limit_hit(m), "mime-depth-limit");
    const sg_mime_part *last = sg_mime_part_at(m, SG_MIME_DEFAULT_MAX_DEPTH);
    assert_int_equal(last->depth, SG_MIME_DEFAULT_MAX_DEPTH);
    assert_false(last->multipart);
    sg_mime_limits lim = {5, 0, 0};
    m = sg_mime_parse(msg, &lim, a);
    assert_int_equal(sg_mime_count(m), 6);
    sg_arena_free(a);
    free(b.s);
}

/* 100,000 parts: the first max_parts are split off, the walk stays linear. */
static void test_many_parts(void **state)
{
    (void)state;
    gbuf b = {0};
    gadd(&b, "Content-Type: multipart/mixed; boundary=p\n\n");
    for (int i = 0; i < 100000; i++)
        gadd(&b, "--p\n\nx\n");
    gadd(&b, "--p--\n");
    sg_arena *a = sg_arena_new();
    sg_message *msg = sg_message_parse(b.s, b.len, a);
    sg_mime *m = sg_mime_parse(msg, NULL, a);
    assert_int_equal(sg_mime_count(m), SG_MIME_DEFAULT_MAX_PARTS);
    assert_string_equal(sg_mime_limit_hit(m), "mime-part-limit");
    sg_mime_limits lim = {0, 200000, 0};
    m = sg_mime_parse(msg, &lim, a);
    assert_int_equal(sg_mime_count(m), 100001);
    assert_null(sg_mime_limit_hit(m));
    size_t n;
    const char *content = sg_mime_content(m, 100000, true, &n);
    assert_int_equal(n, 1);
    assert_memory_equal(content, "x", 1);
    sg_arena_free(a);
    free(b.s);
}

/* One 8 MB base64 line decodes to 6 MB. */
static void test_huge_base64_line(void **state)
{
    (void)state;
    size_t body = 8u << 20;
    const char *head = "Content-Transfer-Encoding: base64\n\n";
    char *s = malloc(strlen(head) + body + 1);
    strcpy(s, head);
    memset(s + strlen(head), 'Q', body);
    s[strlen(head) + body] = '\0';
    sg_arena *a = sg_arena_new();
    sg_message *msg = sg_message_parse(s, strlen(s), a);
    sg_mime *m = sg_mime_parse(msg, NULL, a);
    size_t n;
    const char *c = sg_mime_content(m, 0, false, &n);
    assert_int_equal(n, body / 4 * 3);
    assert_int_equal((unsigned char)c[0], 0x41);
    assert_int_equal((unsigned char)c[1], 0x04);
    sg_arena_free(a);
    free(s);
}

static void test_html_text(void **state)
{
    (void)state;
    const char *s = "Content-Type: text/html\n\n<p>a &amp; <b>b</b></p><script>x<y</script><style>z</style>c&lt;\n";
    sg_arena *a = sg_arena_new();
    sg_mime *m = sg_mime_parse(sg_message_parse(s, strlen(s), a), NULL, a);
    size_t n;
    assert_string_equal(sg_mime_text(m, 0, &n), "a & bc<\n");
    sg_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),           cmocka_unit_test(test_content_type_params),
        cmocka_unit_test(test_max_scan),
        cmocka_unit_test(test_deep_nesting),    cmocka_unit_test(test_many_parts),
        cmocka_unit_test(test_huge_base64_line), cmocka_unit_test(test_html_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
