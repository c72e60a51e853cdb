/* ext_base.c - the commands and tests of RFC 5228 itself (§3 control, §4
 * actions, §5 tests), its match types, address parts and the two comparators
 * every implementation has. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/mail/addrlist.h"
#include "engine/mail/addrpart.h"
#include "engine/ext/ext_mime.h"
#include "engine/mail/address.h"
#include "engine/ext/ext_extlists.h"
#include "engine/core/ids.h"
#include "engine/core/index.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* ---- hooks ---- */

/* RFC 5228 §3.2: every unknown capability is reported, all in one message. */
static void require_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count); /* none: a type error already */
    char names[512] = "";
    size_t unknown = 0;
    sg_loc first = node->loc;
    for (uint32_t i = 0; i < count; i++) {
        if (sg_registry_extension_index(v->reg, items[i].data) >= 0)
            continue;
        if (unknown++ == 0)
            first = items[i].loc;
        size_t used = strlen(names);
        if (used + items[i].len + 8 < sizeof names)
            snprintf(names + used, sizeof names - used, "%s\"%s\"", unknown > 1 ? ", " : "", items[i].data);
    }
    if (unknown)
        sg_error(v->diags, first, "unknown-extension", "unsupported extension%s %s", unknown > 1 ? "s" : "",
                 names);
}

/* RFC 5228 §5.9: exactly one of :over and :under. */
static void size_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    if (!sg_bound_tag_find(b, "over") && !sg_bound_tag_find(b, "under"))
        sg_error(v->diags, node->loc, "missing-tag", "'size' needs :over or :under");
}

/* RFC 5228 §4.2 and §2.4.2.3: a literal redirect target must be a valid address. */
static void redirect_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_arg *a = sg_positional_arg(b, 0);
    if (sg_bound_tag_find(b, "list")) {
        sg_extlists_check_redirect(v, b); /* redirect :list names a list (RFC 6134) */
        return;
    }
    if (!a || a->kind != SG_ARG_STRING)
        return;
    const sg_string *s = &a->u.string;
    if (sg_validator_enabled(v, "variables") && strstr(s->data, "${"))
        return; /* checked at run time, once expanded */
    const char *why = NULL;
    if (!sg_address_parse_sieve(s->data, s->len, NULL, NULL, &why))
        sg_error(v->diags, s->loc, "invalid-address", "invalid address \"%s\" for redirect: %s", s->data, why);
}

bool sg_header_name_valid(const char *name, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7F || c == ':')
            return false;
    }
    return true;
}

static bool header_name_ok(const sg_string *s)
{
    return sg_header_name_valid(s->data, s->len);
}

/* RFC 5228 §2.4.2.2: an invalid header name is not an error, but it can never
 * match; say so, since it is almost always a typo such as "From:". */
static void header_names_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    sg_index_check(v, node, b); /* RFC 5260 §6 :index/:last */
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count); /* none: a type error already */
    for (uint32_t i = 0; i < count; i++) {
        if (header_name_ok(&items[i]))
            continue;
        if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
            continue;
        sg_warning(v->diags, items[i].loc, "invalid-header-name",
                   "\"%s\" is not a valid header field name, so it never matches%s", items[i].data,
                   memchr(items[i].data, ':', items[i].len) ? " (leave out the ':')" : "");
    }
    sg_mime_check_tags(v, node, b);
}


/* ---- run time ---- */

/* RFC 5228 §5.7 "header": any value of any named field matches any key. */
static bool header_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    if (sg_mime_tagged(b)) /* RFC 5703 §4 */
        return sg_mime_test(in, node, b, SG_TEST_HEADER);
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    const char **values;
    size_t n = sg_index_fields(in, b, sg_positional_arg(b, 0), false, &values);
    if (m.match == SG_MATCH_COUNT)
        return sg_interp_match_count(in, &m, n);
    for (size_t v = 0; v < n; v++)
        if (sg_interp_match(in, &m, values[v], strlen(values[v])))
            return true;
    return false;
}

/* RFC 5228 §5.1 "address": the addresses in the named fields. */
static bool address_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    if (sg_mime_tagged(b)) /* RFC 5703 §4 */
        return sg_mime_test(in, node, b, SG_TEST_ADDRESS);
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    const char **values;
    size_t n = sg_index_fields(in, b, sg_positional_arg(b, 0), true, &values);
    size_t count = 0;
    for (size_t v = 0; v < n; v++) {
        sg_mailbox *list;
        size_t nmb = sg_addrlist_parse(values[v], strlen(values[v]), sg_interp_arena(in), &list);
        if (sg_match_mailboxes(in, b, &m, list, nmb, &count))
            return true;
    }
    return m.match == SG_MATCH_COUNT && sg_interp_match_count(in, &m, count);
}

/* RFC 5228 §5.5 "exists": every named field is present. */
static bool exists_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    if (sg_mime_tagged(b)) /* RFC 5703 §4 */
        return sg_mime_test(in, node, b, SG_TEST_EXISTS);
    sg_strview *names;
    size_t nnames = sg_interp_strings(in, sg_positional_arg(b, 0), &names);
    for (size_t i = 0; i < nnames; i++) {
        const char *const *values;
        if (sg_message_header_values(sg_interp_message(in), names[i].data, &values) == 0)
            return false;
    }
    return true;
}

/* RFC 5228 §5.9 "size": strictly over or under. */
static bool size_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    unsigned long long limit = sg_positional_arg(b, 0)->u.number.value;
    unsigned long long size = sg_message_size(sg_interp_message(in));
    return sg_bound_tag_find(b, "over") ? size > limit : size < limit;
}

static void keep_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_KEEP;
    a.loc = node->loc;
    a.mailbox = "INBOX";
    a.flags = sg_action_flags(in, b);
    sg_result_add(sg_interp_result(in), &a);
}

static void discard_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)b;
    sg_result_discard(sg_interp_result(in), node->loc);
}

/* RFC 5228 §4.2: the target, once expanded, must still be a valid address. */
static void redirect_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    if (sg_bound_tag_find(b, "list")) {
        sg_extlists_redirect(in, node, b); /* RFC 6134 */
        return;
    }
    sg_strview target = sg_interp_string(in, sg_positional_arg(b, 0));
    const char *why;
    size_t spec_len;
    char *spec = sg_arena_alloc_bytes(sg_interp_arena(in), target.len + 1);
    if (!sg_address_parse_sieve(target.data, target.len, spec, &spec_len, &why)) {
        sg_interp_error(in, node, "invalid-address", "redirect: invalid address \"%s\": %s", target.data, why);
        return;
    }
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_REDIRECT;
    a.loc = node->loc;
    a.address = spec; /* without comments and folding white space: what is decided and sent */
    a.copy = sg_bound_tag_find(b, "copy") != NULL;
    sg_result_add(sg_interp_result(in), &a);
}

/* RFC 5228 §5.1: "address" works on headers that hold addresses. A literal
 * name outside this list (Pigeonhole's) is an error; a name built from
 * variables is checked when the script runs. */
static bool is_address_header(const char *name)
{
    static const char *const known[] = {
        "from", "to", "cc", "bcc", "sender", "reply-to", "resent-from", "resent-to", "resent-cc", "resent-bcc",
        "resent-sender", "resent-reply-to", "delivered-to", "x-original-to", "errors-to", "mail-followup-to",
        "mail-reply-to", "x-beenthere", "apparently-to", "return-receipt-to",
    };
    for (size_t i = 0; i < SG_COUNT(known); i++)
        if (strcasecmp(name, known[i]) == 0)
            return true;
    return false;
}

static void address_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    header_names_hook(v, node, b);
    uint32_t count;
    const sg_string *items = sg_arg_strings(sg_positional_arg(b, 0), &count); /* none: a type error already */
    for (uint32_t i = 0; i < count; i++) {
        if (is_address_header(items[i].data) || !header_name_ok(&items[i]))
            continue;
        if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
            continue;
        sg_error(v->diags, items[i].loc, "not-address-header",
                 "\"%s\" is not an address header: the address test works on headers such as From, To, Cc, "
                 "Sender and Reply-To (RFC 5228 §5.1); use header instead",
                 items[i].data);
    }
}

/* ---- tables ---- */

static const sg_tag_def size_tags[] = {
    {.name = "over", .group = 1},
    {.name = "under", .group = 1},
};

#define STR(n) {SG_T_STRING, n}
#define LIST(n) {SG_T_STRING_LIST, n}
#define NUM(n) {SG_T_NUMBER, n}
#define MATCHING (SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR)

static const sg_command_def base_commands[] = {
    {.name = "require", .nrequired = 1, .npositional = 1, .positional = {LIST("capabilities")},
     .validate = require_hook, .id = SG_CMD_REQUIRE},
    {.name = "if", .subtests = SG_SUB_TEST, .block = true, .id = SG_CMD_IF},
    {.name = "elsif", .subtests = SG_SUB_TEST, .block = true, .id = SG_CMD_ELSIF},
    {.name = "else", .block = true, .id = SG_CMD_ELSE},
    {.name = "stop", .id = SG_CMD_STOP},
    {.name = "keep", .id = SG_CMD_KEEP, .exec = keep_exec},
    {.name = "discard", .id = SG_CMD_DISCARD, .exec = discard_exec},
    {.name = "redirect", .nrequired = 1, .npositional = 1, .positional = {STR("address")},
     .validate = redirect_hook, .id = SG_CMD_REDIRECT, .exec = redirect_exec},

    {.name = "address", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {LIST("header-list"), LIST("key-list")}, .accepts = MATCHING | SG_ACCEPTS_ADDRPART,
     .validate = address_hook, .id = SG_TEST_ADDRESS, .test = address_test},
    {.name = "allof", .is_test = true, .subtests = SG_SUB_TESTLIST, .id = SG_TEST_ALLOF},
    {.name = "anyof", .is_test = true, .subtests = SG_SUB_TESTLIST, .id = SG_TEST_ANYOF},
    {.name = "exists", .is_test = true, .nrequired = 1, .npositional = 1, .positional = {LIST("header-names")},
     .validate = header_names_hook, .id = SG_TEST_EXISTS, .test = exists_test},
    {.name = "false", .is_test = true, .id = SG_TEST_FALSE},
    {.name = "header", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {LIST("header-names"), LIST("key-list")}, .accepts = MATCHING,
     .validate = header_names_hook, .id = SG_TEST_HEADER, .test = header_test},
    {.name = "not", .is_test = true, .subtests = SG_SUB_TEST, .id = SG_TEST_NOT},
    {.name = "size", .is_test = true, .nrequired = 1, .npositional = 1, .positional = {NUM("size limit")},
     .tags = size_tags, .ntags = SG_COUNT(size_tags), .validate = size_hook, .id = SG_TEST_SIZE, .test = size_test},
    {.name = "true", .is_test = true, .id = SG_TEST_TRUE},
};

static const sg_class_member base_members[] = {
    {.cls = SG_CLASS_MATCH, .name = "is", .id = SG_MATCH_IS},
    {.cls = SG_CLASS_MATCH, .name = "contains", .id = SG_MATCH_CONTAINS},
    {.cls = SG_CLASS_MATCH, .name = "matches", .id = SG_MATCH_MATCHES},
    {.cls = SG_CLASS_ADDRPART, .name = "all", .id = SG_ADDR_ALL, .part = sg_addrpart_all},
    {.cls = SG_CLASS_ADDRPART, .name = "localpart", .id = SG_ADDR_LOCALPART, .part = sg_addrpart_localpart},
    {.cls = SG_CLASS_ADDRPART, .name = "domain", .id = SG_ADDR_DOMAIN, .part = sg_addrpart_domain},
};

const sg_extension sg_ext_base = {
    .name = NULL,
    .commands = base_commands,
    .ncommands = SG_COUNT(base_commands),
    .members = base_members,
    .nmembers = SG_COUNT(base_members),
};

/* RFC 5228 §2.7.3: i;octet and i;ascii-casemap are always available, and
 * "comparator-NAME" may still be required. */
static const sg_class_member octet_member[] = {{.cls = SG_CLASS_COMPARATOR, .name = "i;octet", .id = SG_CMP_OCTET}};
static const sg_class_member casemap_member[] = {
    {.cls = SG_CLASS_COMPARATOR, .name = "i;ascii-casemap", .id = SG_CMP_ASCII_CASEMAP}};

const sg_extension sg_ext_comparator_octet = {
    .name = "comparator-i;octet", .members = octet_member, .nmembers = 1, .implicit = true};
const sg_extension sg_ext_comparator_ascii_casemap = {
    .name = "comparator-i;ascii-casemap", .members = casemap_member, .nmembers = 1, .implicit = true};
