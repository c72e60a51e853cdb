/* ext_environment.c - the "environment" extension (RFC 5183): the
 * "environment" test.
 *
 * Takes: the item name and key list of the test, and the items the host put in
 * sg_run_options.environment (cli/cli_common.c reads them from the
 * configuration, the same for test and deliver). Returns: whether the item
 * exists and matches a key. An unknown item or one the host does not know is
 * false for every key (RFC 5183 §4), never an error. */
#include <string.h>
#include <unistd.h>

#include "engine/core/ids.h"
#include "engine/core/interp.h"
#include "engine/core/registry.h"
#include "engine/core/validate.h"

#ifndef SIEVEGATE_VERSION
#define SIEVEGATE_VERSION "0"
#endif

/* RFC 5183 §4.1 "host": the configured name, else the system's (as Pigeonhole). */
static const char *host_name(sg_interp *in)
{
    const sg_environment *e = &sg_interp_options(in)->environment;
    if (e->host && *e->host)
        return e->host;
    char buf[256];
    if (gethostname(buf, sizeof buf - 1) != 0)
        return NULL;
    buf[sizeof buf - 1] = '\0';
    return sg_arena_strdup(sg_interp_arena(in), buf);
}

/* The value of an item, or NULL when it does not exist (RFC 5183 §4.1). */
static const char *item_value(sg_interp *in, const char *name)
{
    const sg_environment *e = &sg_interp_options(in)->environment;
    if (strcmp(name, "name") == 0)
        return "sievegate";
    if (strcmp(name, "version") == 0)
        return SIEVEGATE_VERSION;
    if (strcmp(name, "host") == 0)
        return host_name(in);
    if (strcmp(name, "domain") == 0) {
        if (e->domain && *e->domain)
            return e->domain;
        /* Pigeonhole: the host name without its first label, or the host name itself. */
        const char *host = host_name(in);
        const char *dot = host ? strchr(host, '.') : NULL;
        return dot && dot[1] ? dot + 1 : host;
    }
    if (strcmp(name, "location") == 0)
        return e->location ? e->location : "MS";
    if (strcmp(name, "phase") == 0)
        return e->phase ? e->phase : "during";
    if (strcmp(name, "remote-host") == 0)
        return e->remote_host;
    if (strcmp(name, "remote-ip") == 0)
        return e->remote_ip;
    return NULL;
}

static bool environment_test(sg_interp *in, const sg_node *node, const sg_bound *b)
{
    (void)node;
    sg_matcher m;
    sg_interp_matcher(in, b, sg_positional_arg(b, 1), &m);
    sg_strview name = sg_interp_string(in, sg_positional_arg(b, 0));
    const char *value = item_value(in, name.data);
    if (!value)
        return false;
    /* RFC 5183 §4: the count is 0 for the empty string, else 1. */
    if (m.match == SG_MATCH_COUNT)
        return sg_interp_match_count(in, &m, *value ? 1 : 0);
    return sg_interp_match(in, &m, value, strlen(value));
}

static const sg_command_def environment_commands[] = {
    {.name = "environment", .is_test = true, .nrequired = 2, .npositional = 2,
     .positional = {{SG_T_STRING, "name"}, {SG_T_STRING_LIST, "key-list"}},
     .accepts = SG_ACCEPTS_MATCH | SG_ACCEPTS_COMPARATOR, .id = SG_TEST_ENVIRONMENT, .test = environment_test},
};

const sg_extension sg_ext_environment = {
    .name = "environment",
    .commands = environment_commands,
    .ncommands = SG_COUNT(environment_commands),
};
