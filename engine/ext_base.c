/* ext_base.c - the commands and tests of RFC 5228 itself (§3 control, §4
 * actions, §5 tests), its match types, address parts and the two comparators
 * every implementation has. */
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "ids.h"
#include "registry.h"
#include "validate.h"

/* ---- hooks ---- */

/* RFC 5228 §3.2: every unknown capability is reported, all in one message. */
static void require_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    const sg_arg *a = b->positional[0];
    if (!a)
        return;
    const sg_string *items = a->kind == SG_ARG_STRING ? &a->u.string : a->u.list.items;
    uint32_t count = a->kind == SG_ARG_STRING ? 1 : a->u.list.count;
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
static void size_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    if (!sg_bound_tag_find(b, "over") && !sg_bound_tag_find(b, "under"))
        sg_error(v->diags, node->loc, "missing-tag", "'size' needs :over or :under");
}

/* RFC 5228 §4.2 and §2.4.2.3: a literal redirect target must be a valid address. */
static void redirect_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    (void)node;
    const sg_arg *a = b->positional[0];
    if (!a || a->kind != SG_ARG_STRING)
        return;
    const sg_string *s = &a->u.string;
    if (sg_validator_enabled(v, "variables") && strstr(s->data, "${"))
        return; /* checked at run time, once expanded */
    const char *why = NULL;
    if (!sg_address_parse_sieve(s->data, s->len, NULL, NULL, &why))
        sg_error(v->diags, s->loc, "invalid-address", "invalid address \"%s\" for redirect: %s", s->data, why);
}

static bool header_name_ok(const sg_string *s)
{
    if (s->len == 0)
        return false;
    for (uint32_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->data[i];
        if (c <= 0x20 || c >= 0x7F || c == ':')
            return false;
    }
    return true;
}

/* RFC 5228 §2.4.2.2: an invalid header name is not an error, but it can never
 * match; say so, since it is almost always a typo such as "From:". */
static void header_names_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    (void)node;
    const sg_arg *a = b->positional[0];
    if (!a || (a->kind != SG_ARG_STRING && a->kind != SG_ARG_STRING_LIST))
        return;
    const sg_string *items = a->kind == SG_ARG_STRING ? &a->u.string : a->u.list.items;
    uint32_t count = a->kind == SG_ARG_STRING ? 1 : a->u.list.count;
    for (uint32_t i = 0; i < count; i++) {
        if (header_name_ok(&items[i]))
            continue;
        if (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${"))
            continue;
        sg_warning(v->diags, items[i].loc, "invalid-header-name",
                   "\"%s\" is not a valid header field name, so it never matches%s", items[i].data,
                   memchr(items[i].data, ':', items[i].len) ? " (leave out the ':')" : "");
    }
}

/* ---- tables ---- */

static const sg_tag_def size_tags[] = {
    {"over", SG_T_NONE, NULL, 1, SG_TAG_OVER},
    {"under", SG_T_NONE, NULL, 1, SG_TAG_UNDER},
};

#define STR(n) {SG_T_STRING, n}
#define LIST(n) {SG_T_STRING_LIST, n}
#define NUM(n) {SG_T_NUMBER, n}
#define MATCHING (SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR)

static const sg_command_def base_commands[] = {
    /* name, is_test, nrequired, npositional, positional, subtests, block, accepts, tags, ntags, hook, id */
    {"require", false, 1, 1, {LIST("capabilities")}, SG_SUB_NONE, false, 0, NULL, 0, require_hook, SG_CMD_REQUIRE},
    {"if", false, 0, 0, {{0}}, SG_SUB_TEST, true, 0, NULL, 0, NULL, SG_CMD_IF},
    {"elsif", false, 0, 0, {{0}}, SG_SUB_TEST, true, 0, NULL, 0, NULL, SG_CMD_ELSIF},
    {"else", false, 0, 0, {{0}}, SG_SUB_NONE, true, 0, NULL, 0, NULL, SG_CMD_ELSE},
    {"stop", false, 0, 0, {{0}}, SG_SUB_NONE, false, 0, NULL, 0, NULL, SG_CMD_STOP},
    {"keep", false, 0, 0, {{0}}, SG_SUB_NONE, false, 0, NULL, 0, NULL, SG_CMD_KEEP},
    {"discard", false, 0, 0, {{0}}, SG_SUB_NONE, false, 0, NULL, 0, NULL, SG_CMD_DISCARD},
    {"redirect", false, 1, 1, {STR("address")}, SG_SUB_NONE, false, 0, NULL, 0, redirect_hook, SG_CMD_REDIRECT},

    {"address", true, 2, 2, {LIST("header-list"), LIST("key-list")}, SG_SUB_NONE, false,
     MATCHING | SG_ACCEPTS_ADDRPART, NULL, 0, header_names_hook, SG_TEST_ADDRESS},
    {"allof", true, 0, 0, {{0}}, SG_SUB_TESTLIST, false, 0, NULL, 0, NULL, SG_TEST_ALLOF},
    {"anyof", true, 0, 0, {{0}}, SG_SUB_TESTLIST, false, 0, NULL, 0, NULL, SG_TEST_ANYOF},
    {"exists", true, 1, 1, {LIST("header-names")}, SG_SUB_NONE, false, 0, NULL, 0, header_names_hook,
     SG_TEST_EXISTS},
    {"false", true, 0, 0, {{0}}, SG_SUB_NONE, false, 0, NULL, 0, NULL, SG_TEST_FALSE},
    {"header", true, 2, 2, {LIST("header-names"), LIST("key-list")}, SG_SUB_NONE, false, MATCHING, NULL, 0,
     header_names_hook, SG_TEST_HEADER},
    {"not", true, 0, 0, {{0}}, SG_SUB_TEST, false, 0, NULL, 0, NULL, SG_TEST_NOT},
    {"size", true, 1, 1, {NUM("size limit")}, SG_SUB_NONE, false, 0, size_tags, SG_COUNT(size_tags),
     size_hook, SG_TEST_SIZE},
    {"true", true, 0, 0, {{0}}, SG_SUB_NONE, false, 0, NULL, 0, NULL, SG_TEST_TRUE},
};

static const sg_class_member base_members[] = {
    {SG_CLASS_MATCH, "is", SG_T_NONE, NULL, SG_MATCH_IS},
    {SG_CLASS_MATCH, "contains", SG_T_NONE, NULL, SG_MATCH_CONTAINS},
    {SG_CLASS_MATCH, "matches", SG_T_NONE, NULL, SG_MATCH_MATCHES},
    {SG_CLASS_ADDRPART, "all", SG_T_NONE, NULL, SG_ADDR_ALL},
    {SG_CLASS_ADDRPART, "localpart", SG_T_NONE, NULL, SG_ADDR_LOCALPART},
    {SG_CLASS_ADDRPART, "domain", SG_T_NONE, NULL, SG_ADDR_DOMAIN},
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
static const sg_class_member octet_member[] = {{SG_CLASS_COMPARATOR, "i;octet", SG_T_NONE, NULL, SG_CMP_OCTET}};
static const sg_class_member casemap_member[] = {
    {SG_CLASS_COMPARATOR, "i;ascii-casemap", SG_T_NONE, NULL, SG_CMP_ASCII_CASEMAP}};

const sg_extension sg_ext_comparator_octet = {
    .name = "comparator-i;octet", .members = octet_member, .nmembers = 1, .implicit = true};
const sg_extension sg_ext_comparator_ascii_casemap = {
    .name = "comparator-i;ascii-casemap", .members = casemap_member, .nmembers = 1, .implicit = true};
