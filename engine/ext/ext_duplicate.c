/* ext_duplicate.c - the "duplicate" extension (RFC 7352): syntax, validation
 * and the test.
 *
 * Takes: the test's tags, the message and the run options' tracker (interp.h).
 * Returns: whether the unique id was seen by an earlier successful run, and a
 * mark in the result (sg_result_track_duplicate) that the host records only
 * once the delivery succeeded (§3). Nothing is read or written here: the
 * tracker answers, the host stores.
 */
#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* §3.1: ":header" and ":uniqueid" are mutually exclusive (an error). */
#define SOURCE 1

/* RFC 7352 §3.1 (RFC 5228 §2.4.2.2): an invalid header name is no error, the
 * test is just always false; say so, since it is almost always a typo. */
static void duplicate_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_bound_tag *header = sg_bound_tag_find(b, "header");
    if (!header || !header->param || header->param->kind != SG_ARG_STRING)
        return;
    const sg_string *s = &header->param->u.string;
    if (sg_header_name_valid(s->data, s->len) || (sg_validator_enabled(v, "variables") && strstr(s->data, "${")))
        return;
    sg_warning(v->diags, s->loc, "invalid-header-name",
               "\"%s\" is not a valid header field name, so 'duplicate' is always false%s", s->data,
               memchr(s->data, ':', s->len) ? " (leave out the ':')" : "");
}

/* §3.3: the default period when :seconds is missing, the site's maximum
 * silently substituted when it is exceeded. */
static unsigned long long period_of(sg_interp *in, const sg_bound *b)
{
    const sg_run_options *opt = sg_interp_options(in);
    unsigned long long max = opt->duplicate_max_period ? opt->duplicate_max_period : SG_DUPLICATE_MAX_PERIOD;
    unsigned long long period =
        opt->duplicate_default_period ? opt->duplicate_default_period : SG_DUPLICATE_DEFAULT_PERIOD;
    const sg_bound_tag *seconds = sg_bound_tag_find(b, "seconds");
    if (seconds && seconds->param)
        period = seconds->param->u.number.value;
    return period > max ? max : period;
}

/* §3.1: the unique id: :uniqueid as given, else the first field named by
 * :header (default Message-ID), unfolded, decoded to UTF-8 and trimmed
 * (sg_message_header_values does all three). False when there is none. */
static bool unique_id(sg_interp *in, const sg_bound *b, sg_strview *id)
{
    const sg_bound_tag *uniqueid = sg_bound_tag_find(b, "uniqueid");
    if (uniqueid && uniqueid->param) {
        *id = sg_interp_string(in, uniqueid->param);
        return true;
    }
    const sg_bound_tag *header = sg_bound_tag_find(b, "header");
    sg_strview name = header && header->param ? sg_interp_string(in, header->param) : (sg_strview){"Message-ID", 10};
    if (!sg_header_name_valid(name.data, name.len))
        return false;
    const char *const *values;
    if (sg_message_header_values(sg_interp_message(in), name.data, &values) == 0)
        return false;
    *id = (sg_strview){values[0], strlen(values[0])};
    return true;
}

static bool duplicate_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    unsigned long long period = period_of(in, b);
    sg_strview id;
    /* §3.3: :seconds 0 is false unconditionally; §3.1: so is a missing field
     * (and the tracking list is left alone). */
    if (period == 0 || !unique_id(in, b, &id))
        return false;
    const sg_bound_tag *handle_tag = sg_bound_tag_find(b, "handle");
    const char *handle = handle_tag && handle_tag->param ? sg_interp_string(in, handle_tag->param).data : NULL;
    bool last = sg_bound_tag_find(b, "last") != NULL;
    const sg_duplicate_tracker *t = sg_interp_options(in)->duplicates;
    /* §3: only earlier runs count, so every test of this run with the same
     * arguments gets the same answer: the marks are recorded after it. */
    bool seen = t && t->seen && t->seen(t->ctx, handle, id.data, id.len);
    /* §3.3: without :last a seen entry keeps its first expiry, so only an
     * unseen id, or any with :last, needs recording (as Pigeonhole). */
    if (!seen || last) {
        sg_duplicate_mark m = {handle, sg_arena_strndup(sg_interp_arena(in), id.data, id.len), id.len, period, last,
                               node->loc};
        sg_result_track_duplicate(sg_interp_result(in), &m);
    }
    return seen;
}

static const sg_tag_def duplicate_tags[] = {
    {.name = "handle", .param = SG_T_STRING, .param_name = "handle", .group = 0},
    {.name = "header", .param = SG_T_STRING, .param_name = "header name", .group = SOURCE},
    {.name = "uniqueid", .param = SG_T_STRING, .param_name = "unique id", .group = SOURCE},
    {.name = "seconds", .param = SG_T_NUMBER, .param_name = "number of seconds", .group = 0},
    {.name = "last", .param = SG_T_NONE, .param_name = NULL, .group = 0},
};

static const sg_command_def duplicate_commands[] = {
    {.name = "duplicate", .is_test = true, .tags = duplicate_tags, .ntags = SG_COUNT(duplicate_tags),
     .validate = duplicate_hook, .id = SG_TEST_DUPLICATE, .test = duplicate_test},
};

const sg_extension sg_ext_duplicate = {
    .name = "duplicate", .commands = duplicate_commands, .ncommands = SG_COUNT(duplicate_commands)};
