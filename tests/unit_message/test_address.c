/* test_address.c - the sieve-address of redirect, vacation :from, notify
 * recipients (engine/mail/address.h): RFC 5228 §2.4.2.3 forms, and the
 * comments and folding white space RFC 5322 §3.4.1 allows around the local
 * part and the domain, which the addr-spec written out leaves behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/mail/address.h"

typedef struct {
    const char *in;
    const char *spec; /* NULL: invalid, with `why` */
    const char *why;
} address_case;

static const address_case cases[] = {
    {"bob@example.org", "bob@example.org", NULL},
    {"  bob@example.org  ", "bob@example.org", NULL},
    {"stephan @example.org", "stephan@example.org", NULL},
    {"stephan@ example.org", "stephan@example.org", NULL},
    {"Name<a@b >", "a@b", NULL},
    {"Name <a@b (work)>", "a@b", NULL},
    {"bob(x)@example.org", "bob@example.org", NULL},
    {"bob@(a (nested) comment)example.org", "bob@example.org", NULL},
    {"bob@example.org\r\n (folded)", "bob@example.org", NULL},
    {"first . last@example.org", "first.last@example.org", NULL},
    {"\"quoted local\" @example.com", "\"quoted local\"@example.com", NULL},
    {"bob@[192.0.2.1] (literal)", "bob@[192.0.2.1]", NULL},
    {"bob(@corp.example)@evil.example", "bob@evil.example", NULL},
    {"\"Smith, John\" (x) <john@example.org>", "john@example.org", NULL},
    {"bob@example.org (unclosed", NULL, "unterminated comment"},
    {"not an address", NULL, "unexpected character in local part"},
    {"a@b, c@d", NULL, "only one address is allowed (use one redirect per address)"},
    {"alice@corp.example\nBcc: spy@evil.example", NULL, "unexpected text after the address"},
    {"@a:b@c", NULL, "source routes are not allowed"},
    {"a..b@c", NULL, "two dots in a row"},
    {"group: a@b;", NULL, "groups are not allowed"},
    {"", NULL, "empty address"},
    {" (just a comment) ", NULL, "empty address"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const address_case *c = &cases[i];
        size_t len = strlen(c->in);
        char *spec = malloc(len + 1);
        size_t spec_len = 99;
        const char *why = NULL;
        bool ok = sg_address_parse_sieve(c->in, len, spec, &spec_len, &why);
        if (c->spec) {
            if (!ok)
                fail_msg("\"%s\": refused (%s), expected \"%s\"", c->in, why, c->spec);
            assert_string_equal(spec, c->spec);
            assert_int_equal(spec_len, strlen(c->spec));
        } else {
            if (ok)
                fail_msg("\"%s\": accepted as \"%s\", expected refused (%s)", c->in, spec, c->why);
            assert_string_equal(why, c->why);
        }
        /* Without an output buffer the verdict is the same. */
        assert_int_equal(sg_address_parse_sieve(c->in, len, NULL, NULL, &why), ok);
        free(spec);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
