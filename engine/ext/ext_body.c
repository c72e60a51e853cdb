/* ext_body.c - the "body" extension (RFC 5173): the body test.
 *
 * Takes: the test's transform (:raw, :content "type-list", :text), match
 * type, comparator and keys, and the message's MIME parts (engine/mail/mime.h).
 * Returns: whether any extracted piece of the body matches any key.
 */
#include <string.h>
#include <strings.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

#define TRANSFORM 1

/* RFC 5173 §5.2: a content type is "type" or "type/subtype"; "" is any type. */
static bool content_type_ok(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash)
        return !strchr(s, ' ') && !strchr(s, ';');
    return slash != s && slash[1] != '\0' && !strchr(slash + 1, '/') && !strchr(s, ';');
}

static void body_hook(sg_validator *v, sg_node *node, const sg_bound *b)
{
    (void)node;
    const sg_bound_tag *c = sg_bound_tag_find(b, "content");
    uint32_t count;
    const sg_string *items = c ? sg_arg_strings(c->param, &count) : NULL;
    for (uint32_t i = 0; items && i < count; i++) {
        if (content_type_ok(items[i].data) ||
            (sg_validator_enabled(v, "variables") && strstr(items[i].data, "${")))
            continue;
        /* Pigeonhole accepts it (and it never matches): a warning, not an error */
        sg_warning(v->diags, items[i].loc, "bad-content-type",
                   "\"%s\" is not a content type (RFC 5173 §5.2: \"type\" or \"type/subtype\"), so it never matches",
                   items[i].data);
    }
}

/* RFC 5173 §5.2: does the part's type match one of the listed ones? */
static bool type_listed(const sg_mime_part *p, const sg_strview *types, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *t = types[i].data;
        const char *slash = memchr(t, '/', types[i].len);
        if (types[i].len == 0)
            return true;
        if (!slash) {
            if (strcasecmp(t, p->type) == 0)
                return true;
        } else if ((size_t)(slash - t) == strlen(p->type) && strncasecmp(t, p->type, (size_t)(slash - t)) == 0 &&
                   strcasecmp(slash + 1, p->subtype) == 0) {
            return true;
        }
    }
    return false;
}

typedef struct {
    sg_interp *in;
    sg_matcher *m;
    size_t count;
    bool matched;
} probe;

static void try_value(probe *pr, const char *s, size_t len)
{
    if (pr->matched)
        return;
    if (pr->m->match == SG_MATCH_COUNT)
        pr->count++;
    else
        pr->matched = sg_interp_match(pr->in, pr->m, s, len);
}

/* RFC 5173 §5.2: every part whose type is listed: a leaf's decoded content
 * (text converted to UTF-8), a multipart's preamble and epilogue, a
 * message/rfc822's enclosed header section (its body parts are parts too). */
static void content_parts(probe *pr, const sg_strview *types, size_t ntypes, bool as_text)
{
    sg_mime *mime = sg_interp_mime(pr->in);
    for (size_t i = 0; i < sg_mime_count(mime) && !pr->matched; i++) {
        const sg_mime_part *p = sg_mime_part_at(mime, i);
        if (!type_listed(p, types, ntypes))
            continue;
        if (p->multipart) {
            try_value(pr, p->preamble ? p->preamble : "", p->preamble_len);
            try_value(pr, p->epilogue ? p->epilogue : "", p->epilogue_len);
        } else if (p->message) {
            const sg_mime_part *child = sg_mime_part_at(mime, i + 1);
            try_value(pr, child->body - sg_message_body_offset(child->headers), sg_message_body_offset(child->headers));
        } else {
            size_t len;
            const char *s = as_text ? sg_mime_text(mime, i, &len) : sg_mime_content(mime, i, true, &len);
            try_value(pr, s, len);
        }
    }
}

static bool body_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 0), &m);
    probe pr = {in, &m, 0, false};
    const sg_bound_tag *content = sg_bound_tag_find(b, "content");
    if (sg_bound_tag_find(b, "raw")) {
        /* §5.1: the body as it is, MIME structure and encodings included */
        sg_message *msg = sg_interp_message(in);
        size_t off = sg_message_body_offset(msg), len = sg_message_size(msg) - off;
        size_t max = sg_interp_options(in)->mime.max_scan ? sg_interp_options(in)->mime.max_scan
                                                          : SG_MIME_DEFAULT_MAX_SCAN;
        try_value(&pr, sg_message_data(msg) + off, len < max ? len : max); /* only so much is looked at */
    } else if (content) {
        sg_strview *types;
        size_t n = sg_interp_strings(in, content->param, &types);
        content_parts(&pr, types, n, false);
    } else {
        /* §5.3 :text (the default): the text parts */
        static const sg_strview text = {"text", 4};
        content_parts(&pr, &text, 1, true);
    }
    return m.match == SG_MATCH_COUNT ? sg_interp_match_count(in, &m, pr.count) : pr.matched;
}

static const sg_tag_def body_tags[] = {
    {.name = "raw", .group = TRANSFORM},
    {.name = "content", .param = SG_T_STRING_LIST, .param_name = "content types", .group = TRANSFORM},
    {.name = "text", .group = TRANSFORM},
};

static const sg_command_def body_commands[] = {
    {.name = "body", .is_test = true, .nrequired = 1, .npositional = 1, .positional = {{SG_T_STRING_LIST, "key-list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .tags = body_tags, .ntags = SG_COUNT(body_tags),
     .validate = body_hook, .id = SG_TEST_BODY, .test = body_test},
};

const sg_extension sg_ext_body = {.name = "body", .commands = body_commands, .ncommands = SG_COUNT(body_commands)};
