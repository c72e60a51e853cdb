/* ext_vacation.c - the "vacation" (RFC 5230) and "vacation-seconds"
 * (RFC 6131) extensions: syntax and validation. */
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "ids.h"
#include "registry.h"
#include "validate.h"

/* RFC 5230 §4.4: ":from" is an address; a literal one is checked now. */
static void vacation_hook(sg_validator *v, sg_node *node, sg_bound *b)
{
    (void)node;
    const sg_bound_tag *from = sg_bound_tag_find(b, "from");
    if (!from || !from->param || from->param->kind != SG_ARG_STRING)
        return;
    const sg_string *s = &from->param->u.string;
    if (sg_validator_enabled(v, "variables") && strstr(s->data, "${"))
        return;
    const char *why = NULL;
    if (!sg_address_parse_sieve(s->data, s->len, NULL, NULL, &why))
        sg_error(v->diags, s->loc, "invalid-address", "invalid :from address \"%s\" for vacation: %s", s->data,
                 why);
}

#define PERIOD 1 /* :days and :seconds are one choice (RFC 6131 §2) */

static const sg_tag_def vacation_tags[] = {
    {"days", SG_T_NUMBER, "number of days", PERIOD, SG_TAG_DAYS},
    {"subject", SG_T_STRING, "subject", 0, SG_TAG_SUBJECT},
    {"from", SG_T_STRING, "address", 0, SG_TAG_FROM},
    {"addresses", SG_T_STRING_LIST, "address list", 0, SG_TAG_ADDRESSES},
    {"mime", SG_T_NONE, NULL, 0, SG_TAG_MIME},
    {"handle", SG_T_STRING, "handle", 0, SG_TAG_HANDLE},
};

static const sg_command_def vacation_commands[] = {
    {"vacation", false, 1, 1, {{SG_T_STRING, "reason"}}, SG_SUB_NONE, false, 0, vacation_tags,
     SG_COUNT(vacation_tags), vacation_hook, SG_CMD_VACATION},
};

const sg_extension sg_ext_vacation = {
    .name = "vacation", .commands = vacation_commands, .ncommands = SG_COUNT(vacation_commands)};

static const sg_tag_extension seconds_tags[] = {
    {"vacation", {"seconds", SG_T_NUMBER, "number of seconds", PERIOD, SG_TAG_SECONDS}},
};

const sg_extension sg_ext_vacation_seconds = {
    .name = "vacation-seconds", .tags = seconds_tags, .ntags = SG_COUNT(seconds_tags)};
