/* ext_vacation.c - the "vacation" (RFC 5230) and "vacation-seconds"
 * (RFC 6131) extensions: syntax and validation. */
#include <stdio.h>
#include <string.h>

#include "engine/mail/address.h"
#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "engine/ext/ext_fcc.h"

/* RFC 5230 §4.4: ":from" is an address; a literal one is checked now. */
static void vacation_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    sg_fcc_validate(v, node, b); /* RFC 8580 */
    /* RFC 5230 §4.1: a :days below the minimum (1) is raised to it; say so,
     * since "0" reads as "reply every time", which only :seconds 0 means. */
    const sg_bound_tag *days = sg_bound_tag_find(b, "days");
    if (days && days->param && days->param->kind == SG_ARG_NUMBER && days->param->u.number.value == 0)
        sg_warning(v->diags, sg_arg_loc(days->param), "vacation-days-zero",
                   ":days 0 is below the minimum of 1 day, so 1 is used (RFC 5230 §4.1); to reply to every "
                   "message use :seconds 0 (require \"vacation-seconds\")");
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
#define DAY 86400ull
/* Pigeonhole's defaults: 7 days when not given, clamped to 1..60 days (RFC 5230 §4.1). */
#define DEFAULT_PERIOD (7 * DAY)
#define MIN_PERIOD DAY
#define MAX_PERIOD (60 * DAY)

static const char *tag_string(sg_interp *in, const sg_bound *b, const char *name)
{
    const sg_bound_tag *t = sg_bound_tag_find(b, name);
    return t && t->param ? sg_interp_string(in, t->param).data : NULL;
}

/* The literal text of a string argument, before variable expansion. */
static const char *raw_string(const sg_arg *arg)
{
    return arg && arg->kind == SG_ARG_STRING ? arg->u.string.data : NULL;
}

static const char *raw_tag(const sg_bound *b, const char *name)
{
    const sg_bound_tag *t = sg_bound_tag_find(b, name);
    return t ? raw_string(t->param) : NULL;
}

static void vacation_exec(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    sg_action a;
    memset(&a, 0, sizeof a);
    a.kind = SG_ACT_VACATION;
    a.loc = node->loc;
    a.reason = sg_interp_string(in, sg_positional_arg(b, 0)).data;
    a.subject = tag_string(in, b, "subject");
    a.from = tag_string(in, b, "from");
    a.handle = tag_string(in, b, "handle");
    a.mime = sg_bound_tag_find(b, "mime") != NULL;
    a.track_subject = raw_tag(b, "subject");
    a.track_from = raw_tag(b, "from");
    a.track_reason = raw_string(sg_positional_arg(b, 0));
    const sg_bound_tag *addresses = sg_bound_tag_find(b, "addresses");
    if (addresses && addresses->param) {
        sg_strview *items;
        size_t n = sg_interp_strings(in, addresses->param, &items);
        a.addresses = sg_arena_alloc(sg_interp_arena(in), (n ? n : 1) * sizeof *a.addresses);
        for (size_t i = 0; i < n; i++)
            a.addresses[i] = items[i].data;
        a.naddresses = n;
    }
    const sg_bound_tag *days = sg_bound_tag_find(b, "days");
    const sg_bound_tag *seconds = sg_bound_tag_find(b, "seconds");
    unsigned long long period = DEFAULT_PERIOD;
    if (days && days->param)
        period = days->param->u.number.value > MAX_PERIOD / DAY ? MAX_PERIOD : days->param->u.number.value * DAY;
    else if (seconds && seconds->param)
        period = seconds->param->u.number.value; /* RFC 6131 §2: 0 means reply every time */
    if (period > MAX_PERIOD)
        period = MAX_PERIOD;
    if (days && period < MIN_PERIOD)
        period = MIN_PERIOD;
    a.period_seconds = period;
    if (!sg_fcc_apply(in, node, b, &a))
        return;
    sg_result_add(sg_interp_result(in), &a);
}

static const sg_tag_def vacation_tags[] = {
    {.name = "days", .param = SG_T_NUMBER, .param_name = "number of days", .group = PERIOD},
    {.name = "subject", .param = SG_T_STRING, .param_name = "subject", .group = 0},
    {.name = "from", .param = SG_T_STRING, .param_name = "address", .group = 0},
    {.name = "addresses", .param = SG_T_STRING_LIST, .param_name = "address list", .group = 0},
    {.name = "mime", .param = SG_T_NONE, .param_name = NULL, .group = 0},
    {.name = "handle", .param = SG_T_STRING, .param_name = "handle", .group = 0},
};

static const sg_command_def vacation_commands[] = {
    {.name = "vacation", .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING, "reason"}},
     .tags = vacation_tags, .ntags = SG_COUNT(vacation_tags), .validate = vacation_hook, .id = SG_CMD_VACATION,
     .exec = vacation_exec},
};

const sg_extension sg_ext_vacation = {
    .name = "vacation", .commands = vacation_commands, .ncommands = SG_COUNT(vacation_commands)};

static const sg_tag_extension seconds_tags[] = {
    {"vacation", {.name = "seconds", .param = SG_T_NUMBER, .param_name = "number of seconds", .group = PERIOD}},
};

const sg_extension sg_ext_vacation_seconds = {
    .name = "vacation-seconds", .implies = "vacation", /* RFC 6131 §2 */
    .tags = seconds_tags, .ntags = SG_COUNT(seconds_tags)};
