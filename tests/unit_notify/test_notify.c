/* test_notify.c - the enotify extension's pure parts: the mailto URI parser
 * (engine/mail/mailto.c: RFC 6068 syntax, RFC 5436 §2.7 URI header rules, malformed
 * input, percent-encoding), :encodeurl, the :options syntax (RFC 5435 §3.5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mail/mailto.h"

static int setup(void **state)
{
    *state = sg_arena_new();
    return 0;
}

static int teardown(void **state)
{
    sg_arena_free(*state);
    return 0;
}

static sg_mailto parse_ok(sg_arena *a, const char *uri)
{
    sg_mailto m;
    const char *err = NULL;
    bool ok = sg_mailto_parse(uri, strlen(uri), a, &m, &err);
    if (!ok)
        fail_msg("%s: %s", uri, err);
    return m;
}

static const char *parse_error(sg_arena *a, const char *uri)
{
    sg_mailto m;
    const char *err = NULL;
    assert_false(sg_mailto_parse(uri, strlen(uri), a, &m, &err));
    assert_non_null(err);
    return err;
}

static void plain_path(void **state)
{
    sg_mailto m = parse_ok(*state, "mailto:alice@example.com");
    assert_int_equal(m.nrcpts, 1);
    assert_string_equal(m.rcpts[0].address, "alice@example.com");
    assert_false(m.rcpts[0].cc);
    assert_null(m.subject);
    assert_null(m.body);
    assert_int_equal(m.nheaders, 0);
    assert_int_equal(m.nwarnings, 0);
    /* The scheme is case-insensitive (RFC 3986 §3.1). */
    m = parse_ok(*state, "MailTo:bob@example.org");
    assert_int_equal(m.nrcpts, 1);
    assert_string_equal(m.rcpts[0].address, "bob@example.org");
}

static void comma_separated_path(void **state)
{
    /* RFC 6068 §2: to = addr-spec *("," addr-spec); Pigeonhole also splits on %2C. */
    sg_mailto m = parse_ok(*state, "mailto:a@example.com,b@example.net%2Cc@example.org%2cd@example.org");
    assert_int_equal(m.nrcpts, 4);
    assert_string_equal(m.rcpts[0].address, "a@example.com");
    assert_string_equal(m.rcpts[1].address, "b@example.net");
    assert_string_equal(m.rcpts[2].address, "c@example.org");
    assert_string_equal(m.rcpts[3].address, "d@example.org");
}

static void to_and_cc_headers(void **state)
{
    sg_mailto m = parse_ok(*state, "mailto:a@example.com?to=b@example.com&cc=evil@gmail.example,c@example.com"
                                   "&CC=Dee%20%3Cd@example.com%3E");
    assert_int_equal(m.nrcpts, 5);
    assert_string_equal(m.rcpts[1].address, "b@example.com");
    assert_false(m.rcpts[1].cc);
    assert_string_equal(m.rcpts[2].address, "evil@gmail.example");
    assert_true(m.rcpts[2].cc);
    assert_string_equal(m.rcpts[3].address, "c@example.com");
    assert_true(m.rcpts[3].cc);
    /* a display name is dropped: only the addr-spec is a recipient */
    assert_string_equal(m.rcpts[4].address, "d@example.com");
    assert_true(m.rcpts[4].cc);
}

static void duplicates_merge(void **state)
{
    /* local part exact, domain case-insensitive; a cc and a to make a to */
    sg_mailto m = parse_ok(*state, "mailto:a@example.com?cc=b@example.com&to=b@EXAMPLE.com&cc=a@Example.COM"
                                   "&cc=A@example.com");
    assert_int_equal(m.nrcpts, 3);
    assert_string_equal(m.rcpts[0].address, "a@example.com");
    assert_false(m.rcpts[0].cc);
    assert_string_equal(m.rcpts[1].address, "b@example.com");
    assert_false(m.rcpts[1].cc);
    assert_string_equal(m.rcpts[2].address, "A@example.com");
    assert_true(m.rcpts[2].cc);
    assert_int_equal(m.nwarnings, 2);
    assert_string_equal(m.warnings[0], "ignored duplicate recipient 'b@EXAMPLE.com'");
}

static void percent_decoding(void **state)
{
    sg_mailto m = parse_ok(*state, "mailto:%22a%20b%22@example.com?subject=Caf%C3%A9%20%26%20more"
                                   "&body=line1%0D%0Aline2%3D%3F&X-Tag=%41");
    assert_int_equal(m.nrcpts, 1);
    assert_string_equal(m.rcpts[0].address, "\"a b\"@example.com");
    assert_string_equal(m.subject, "Caf\xC3\xA9 & more");
    assert_string_equal(m.body, "line1\r\nline2=?");
    assert_int_equal(m.nheaders, 1);
    assert_string_equal(m.headers[0].name, "X-Tag");
    assert_string_equal(m.headers[0].value, "A");
}

static void ignored_headers(void **state)
{
    /* RFC 5436 §2.7: from, auto-submitted, received, message-id, date are
     * ignored; bcc too (Pigeonhole): it never becomes a recipient. */
    sg_mailto m = parse_ok(*state, "mailto:a@example.com?from=evil@x.example&bcc=hidden@gmail.example"
                                   "&Auto-Submitted=no&received=x&message-id=%3Cx@y%3E&date=now"
                                   "&content-type=text%2Fhtml&resent-to=r@gmail.example&reply-to=r1@example.com"
                                   "&reply-to=r2@example.com&subject=one&subject=two");
    assert_int_equal(m.nrcpts, 1);
    assert_string_equal(m.rcpts[0].address, "a@example.com");
    assert_string_equal(m.subject, "one");
    assert_int_equal(m.nheaders, 1);
    assert_string_equal(m.headers[0].name, "reply-to");
    assert_string_equal(m.headers[0].value, "r1@example.com");
    assert_int_equal(m.nwarnings, SG_MAILTO_MAX_WARNINGS);
    assert_string_equal(m.warnings[0], "ignored reserved header field 'from'");
    assert_string_equal(m.warnings[1], "ignored reserved header field 'bcc'");
}

static void limits(void **state)
{
    sg_mailto m = parse_ok(*state, "mailto:a1@x.example,a2@x.example,a3@x.example,a4@x.example,a5@x.example,"
                                   "a6@x.example,a7@x.example,a8@x.example,a9@x.example");
    assert_int_equal(m.nrcpts, SG_MAILTO_MAX_RECIPIENTS);
    assert_string_equal(m.rcpts[7].address, "a8@x.example");
    assert_int_equal(m.nwarnings, 1);
    /* no recipients: valid, with a warning (Pigeonhole) */
    m = parse_ok(*state, "mailto:?subject=x");
    assert_int_equal(m.nrcpts, 0);
    assert_string_equal(m.warnings[0], "notification URI specifies no recipients");
    m = parse_ok(*state, "mailto:");
    assert_int_equal(m.nrcpts, 0);
    /* a header without '=' has an empty value; empty fields are skipped */
    m = parse_ok(*state, "mailto:a@example.com?keywords&&x=1&");
    assert_int_equal(m.nheaders, 2);
    assert_string_equal(m.headers[0].name, "keywords");
    assert_string_equal(m.headers[0].value, "");
}

static void malformed(void **state)
{
    sg_arena *a = *state;
    assert_string_equal(parse_error(a, "mailto:not-an-address"),
                        "invalid recipient 'not-an-address': missing '@' and domain");
    assert_string_equal(parse_error(a, "mailto:a@example.com?x=%zz"), "invalid %-encoding");
    assert_string_equal(parse_error(a, "mailto:a@example.com?x=%4"), "invalid %-encoding");
    assert_string_equal(parse_error(a, "mailto:a@example.com%"), "invalid %-encoding");
    assert_string_equal(parse_error(a, "mailto:a@example.com?x=a%00b"), "%00 (NUL) is not allowed");
    assert_string_equal(parse_error(a, "mailto:a@example.com#frag"), "invalid character '#' in the 'to' part");
    assert_string_equal(parse_error(a, "mailto:a b@example.com"), "invalid character ' ' in the 'to' part");
    assert_string_equal(parse_error(a, "mailto:a@example.com?body=a/b"),
                        "invalid character '/' in the header part");
    assert_string_equal(parse_error(a, "mailto:a@example.com,,b@example.com"), "empty recipient address");
    assert_string_equal(parse_error(a, "mailto:a@example.com?to="), "empty recipient address");
    assert_string_equal(parse_error(a, "mailto:a@example.com?%20bad=1"), "invalid header field name");
    /* header injection through a URI header value */
    assert_string_equal(parse_error(a, "mailto:a@example.com?subject=x%0D%0ABcc:%20evil@gmail.example"),
                        "invalid header field body");
    assert_string_equal(parse_error(a, "mailto:a@example.com?x-h=x%0Ay"), "invalid header field body");
    assert_string_equal(parse_error(a, "mailto:a@example.com?cc=x%0D%0A@y"),
                        "invalid header field body");
    assert_string_equal(parse_error(a, "mailto:@x:a@example.com"),
                        "invalid recipient '@x:a@example.com': source routes are not allowed");
    assert_string_equal(parse_error(a, "http://example.com"), "not a mailto URI");
}

static void methods(void **state)
{
    sg_arena *a = *state;
    sg_mailto m;
    const char *err = NULL;
    assert_int_equal(sg_notify_method_parse("mailto:a@example.com", 20, a, &m, &err), SG_METHOD_OK);
    assert_int_equal(m.nrcpts, 1);
    assert_int_equal(sg_notify_method_parse("xmpp:a@example.com", 18, a, &m, &err), SG_METHOD_UNSUPPORTED);
    assert_string_equal(err, "unsupported notification method 'xmpp' (only mailto is supported)");
    assert_int_equal(sg_notify_method_parse("", 0, a, &m, &err), SG_METHOD_NOT_URI);
    assert_int_equal(sg_notify_method_parse("a@example.com", 13, a, &m, &err), SG_METHOD_NOT_URI);
    assert_int_equal(sg_notify_method_parse("1x:y", 4, a, &m, &err), SG_METHOD_NOT_URI);
    assert_int_equal(sg_notify_method_parse("mailto:x", 8, a, &m, &err), SG_METHOD_INVALID);
    assert_string_equal(err, "invalid mailto URI: invalid recipient 'x': missing '@' and domain");
}

static void encodeurl(void **state)
{
    size_t n = 0;
    /* RFC 5435 §6 example, and UTF-8 octet by octet */
    const char *in = "Safe body&evil=evilbody/\xC3\xA9~-._Az09";
    char *s = sg_uri_percent_encode(*state, in, strlen(in), &n);
    assert_string_equal(s, "Safe%20body%26evil%3Devilbody%2F%C3%A9~-._Az09");
    assert_int_equal(n, strlen(s));
    s = sg_uri_percent_encode(*state, "", 0, &n);
    assert_string_equal(s, "");
}

static void options(void **state)
{
    (void)state;
    assert_true(sg_notify_option_valid("a=b", 3));
    assert_true(sg_notify_option_valid("x-y.z_1=", 8));
    assert_false(sg_notify_option_valid("foo", 3));
    assert_false(sg_notify_option_valid("=x", 2));
    assert_false(sg_notify_option_valid("-a=x", 4));
    assert_false(sg_notify_option_valid("a b=x", 5));
    assert_false(sg_notify_option_valid("a=x\ny", 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_path, setup, teardown),
        cmocka_unit_test_setup_teardown(comma_separated_path, setup, teardown),
        cmocka_unit_test_setup_teardown(to_and_cc_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(percent_decoding, setup, teardown),
        cmocka_unit_test_setup_teardown(ignored_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(limits, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(methods, setup, teardown),
        cmocka_unit_test_setup_teardown(encodeurl, setup, teardown),
        cmocka_unit_test_setup_teardown(options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
