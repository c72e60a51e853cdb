/* ext_spamtest.c - the "spamtest", "spamtestplus" and "virustest" extensions
 * (RFC 5235): the tests compare a normalised result with the keys.
 *
 * Takes: the message's headers and the site's description of them in the run
 * options (interp.h sg_spamvirus_config, Pigeonhole's sieve_spamtest_* and
 * sieve_virustest_* settings with their semantics).
 * Returns: true when the normalised result ("0", "1".."10", :percent
 * "0".."100", virustest "1".."5") matches a key. A test that is not
 * configured, or whose header is missing or malformed, has the result "0"
 * (§3.1: not tested).
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

/* §3.2: ":percent" needs the "spamtestplus" capability. */
static void spamtest_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_bound_tag *percent = sg_bound_tag_find(b, "percent");
    if (percent && !sg_validator_enabled(v, "spamtestplus"))
        sg_error(v->diags, sg_arg_loc(percent->arg), "missing-require",
                 "tag ':percent' on 'spamtest' requires the \"spamtestplus\" extension: add require "
                 "\"spamtestplus\"; at the top of the script (RFC 5235 §3.2)");
}

/* A decimal as Pigeonhole reads it: sign, at most 5 digits before and after
 * a '.' or ','. */
static bool parse_decimal(const char *s, double *out)
{
    double sign = 1, value = 0;
    if (!*s)
        return false;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (digits++ > 4)
            return false;
        value = value * 10 + (*s - '0');
    }
    if (*s == '.' || *s == ',') {
        double radix = 0.1;
        digits = 0;
        for (s++; *s >= '0' && *s <= '9'; s++, radix /= 10) {
            if (digits++ > 4)
                return false;
            value += (*s - '0') * radix;
        }
    }
    if (*s)
        return false;
    *out = value * sign;
    return true;
}

/* "strlen": the number of repetitions of one character ("*****" is 5). */
static bool parse_strlen(const char *s, double *out)
{
    size_t n = 0;
    while (s[n] && s[n] == s[0])
        n++;
    if (s[n])
        return false;
    *out = (double)n;
    return true;
}

/* A header specification "Name[: regex]": the first field's decoded value,
 * or the regex's first group in it. NULL when either is missing. */
static const char *header_spec_value(sg_interp *in, const char *spec)
{
    const char *p = spec;
    while (*p == ' ' || *p == '\t')
        p++;
    const char *name_start = p;
    while (*p && *p != ':' && *p != ' ' && *p != '\t')
        p++;
    sg_arena *arena = sg_interp_arena(in);
    const char *name = sg_arena_strndup(arena, name_start, (size_t)(p - name_start));
    while (*p == ' ' || *p == '\t')
        p++;
    const char *const *values;
    if (!*name || sg_message_header_values(sg_interp_message(in), name, &values) == 0)
        return NULL;
    if (!*p)
        return values[0];
    if (*p != ':')
        return NULL;
    for (p++; *p == ' ' || *p == '\t'; p++)
        ;
    regex_t re;
    if (regcomp(&re, p, REG_EXTENDED) != 0)
        return NULL;
    regmatch_t m[2];
    const char *out = NULL;
    if (regexec(&re, values[0], 2, m, 0) == 0 && m[1].rm_so >= 0)
        out = sg_arena_strndup(arena, values[0] + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
    regfree(&re);
    return out;
}

/* The ratio of the status to its maximum in [0, 1], or -1 when untested. */
static double score_ratio(sg_interp *in, const sg_spamvirus_config *c, bool virus)
{
    if (!c->status_header || !*c->status_header)
        return -1;
    const char *type = c->status_type ? c->status_type : "score";
    bool text = strcmp(type, "text") == 0;
    if (!text && strcmp(type, "score") != 0 && strcmp(type, "strlen") != 0)
        return -1; /* misconfigured: never tested (Pigeonhole) */
    double max, status;
    unsigned max_text = virus ? 5 : 10;
    if (text) {
        max = max_text;
    } else {
        if ((c->max_header != NULL) == (c->max_value != NULL)) /* exactly one of them */
            return -1;
        const char *m = c->max_header ? header_spec_value(in, c->max_header) : c->max_value;
        if (!m || !parse_decimal(m, &max) || max == 0)
            return -1;
    }
    const char *s = header_spec_value(in, c->status_header);
    if (!s)
        return -1;
    if (text) {
        unsigned i = 0;
        while (i <= max_text && !(c->text_values[i] && *c->text_values[i] && strcmp(s, c->text_values[i]) == 0))
            i++;
        if (i > max_text)
            return -1;
        status = i;
    } else if (!(strcmp(type, "score") == 0 ? parse_decimal(s, &status) : parse_strlen(s, &status))) {
        return -1;
    }
    return status < 0 ? 0 : status > max ? 1 : status / max;
}

/* §3.2.1, §3.2.2, §3.3: the ratio mapped to the test's range (Pigeonhole's rounding). */
static bool spamvirus_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    bool virus = node->def->id == SG_TEST_VIRUSTEST;
    bool percent = sg_bound_tag_find(b, "percent") != NULL;
    const sg_run_options *opt = sg_interp_options(in);
    double ratio = score_ratio(in, virus ? &opt->virustest : &opt->spamtest, virus);
    int score = ratio < 0  ? 0
                : percent ? (int)(ratio * 100 + 0.001)
                : virus   ? (int)(ratio * 4 + 1.001)
                          : (int)(ratio * 9 + 1.001);
    char value[16];
    int n = snprintf(value, sizeof value, "%d", score);
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 0), &m);
    if (m.match == SG_MATCH_COUNT) /* §3.1: one value when tested, none otherwise */
        return sg_interp_match_count(in, &m, ratio < 0 ? 0 : 1);
    return sg_interp_match(in, &m, value, (size_t)n);
}

static const sg_tag_def spamtest_tags[] = {
    {.name = "percent"},
};

static const sg_command_def spamtest_commands[] = {
    {.name = "spamtest", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "value"}}, .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR,
     .tags = spamtest_tags, .ntags = SG_COUNT(spamtest_tags), .validate = spamtest_hook, .id = SG_TEST_SPAMTEST,
     .test = spamvirus_test},
};

static const sg_command_def virustest_commands[] = {
    {.name = "virustest", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "value"}}, .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR,
     .id = SG_TEST_VIRUSTEST, .test = spamvirus_test},
};

const sg_extension sg_ext_spamtest = {
    .name = "spamtest", .commands = spamtest_commands, .ncommands = SG_COUNT(spamtest_commands)};
/* §3.2: "spamtestplus" brings "spamtest" with :percent. */
const sg_extension sg_ext_spamtestplus = {.name = "spamtestplus", .implies = "spamtest"};
const sg_extension sg_ext_virustest = {
    .name = "virustest", .commands = virustest_commands, .ncommands = SG_COUNT(virustest_commands)};
