/* ext_mailbox.c - the "mailbox", "mboxmetadata" and "servermetadata"
 * extensions (RFC 5490).
 *
 * Takes: the run's mailbox store (sg_run_options.mailboxes; NULL: a store
 * that holds INBOX alone, as an empty Maildir does). Returns: "mailboxexists"
 * answers; "fileinto :create" only marks the action (ext_fileinto.c reads the
 * tag; delivery creates the folder). sievegate keeps no METADATA (RFC 5464)
 * annotations, so every annotation is absent: "metadata", "metadataexists",
 * "servermetadata" and "servermetadataexists" are false (RFC 5490 §3.3, §3.4,
 * §4.1, §4.2: true only "if the annotation exists").
 */
#include "engine/ext/ext_mailbox.h"

#include <string.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/mailbox_store.h"
#include "engine/core/registry.h"
#include "engine/core/result.h"
#include "engine/core/validate.h"

bool sg_interp_mailbox_exists(sg_interp *in, const char *name)
{
    const sg_mailbox_store *s = sg_interp_options(in)->mailboxes;
    if (!s)
        return sg_mailbox_equal(name, "INBOX");
    return s->exists(s->ctx, name);
}

/* RFC 5490 §3.1: true if every named mailbox exists and takes deliveries. */
static bool mailboxexists_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_strview *names;
    size_t n = sg_interp_strings(in, sg_positional_arg(b, 0), &names);
    for (size_t i = 0; i < n; i++)
        if (names[i].len != strlen(names[i].data) || !sg_interp_mailbox_exists(in, names[i].data))
            return false;
    return true;
}

/* No annotation exists (see the header comment). The arguments are still
 * expanded, so a ${...} in them behaves as anywhere else. */
static bool no_annotation(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    for (unsigned i = 0; i < b->npositional; i++) {
        sg_strview *items;
        sg_interp_strings(in, sg_positional_arg(b, i), &items);
    }
    return false;
}

static const sg_tag_extension mailbox_tags[] = {
    {"fileinto", {.name = "create", .param = SG_T_NONE}},
};

static const sg_command_def mailbox_commands[] = {
    {.name = "mailboxexists", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "mailbox names"}}, .id = SG_TEST_MAILBOXEXISTS, .test = mailboxexists_test},
};

const sg_extension sg_ext_mailbox = {.name = "mailbox",
                                     .commands = mailbox_commands,
                                     .ncommands = SG_COUNT(mailbox_commands),
                                     .tags = mailbox_tags,
                                     .ntags = SG_COUNT(mailbox_tags)};

static const sg_command_def mboxmetadata_commands[] = {
    {.name = "metadata", .is_test = true, .nrequired = 3, .npositional = 3,
     .positional = {{SG_T_STRING, "mailbox"}, {SG_T_STRING, "annotation name"}, {SG_T_STRING_LIST, "key list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .id = SG_TEST_METADATA, .test = no_annotation},
    {.name = "metadataexists", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING, "mailbox"}, {SG_T_STRING_LIST, "annotation names"}},
     .id = SG_TEST_METADATAEXISTS, .test = no_annotation},
};

const sg_extension sg_ext_mboxmetadata = {
    .name = "mboxmetadata", .commands = mboxmetadata_commands, .ncommands = SG_COUNT(mboxmetadata_commands)};

static const sg_command_def servermetadata_commands[] = {
    {.name = "servermetadata", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING, "annotation name"}, {SG_T_STRING_LIST, "key list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .id = SG_TEST_SERVERMETADATA, .test = no_annotation},
    {.name = "servermetadataexists", .is_test = true, .nrequired = 1, .npositional = 1,
     .positional = {{SG_T_STRING_LIST, "annotation names"}}, .id = SG_TEST_SERVERMETADATAEXISTS,
     .test = no_annotation},
};

const sg_extension sg_ext_servermetadata = {
    .name = "servermetadata", .commands = servermetadata_commands, .ncommands = SG_COUNT(servermetadata_commands)};
