/* policy_load.c - see policy_load.h. */
#include "cli/policy_load.h"

#include <stdio.h>
#include <string.h>

#include "engine/enforce/policy_get.h"

int sg_cli_policy(const sg_cli *cli, const char *owner, sg_policy **out, sg_unavailable_mode *mode, char *why,
                  size_t whylen)
{
    *out = NULL;
    *mode = SG_UNAVAILABLE_TEMPFAIL;
    if (!sg_policy_for_owner(NULL, cli->config, owner, out, mode, why, whylen)) {
        sg_cli_error(cli, "configuration error: %s", why);
        return SG_EXIT_CONFIG;
    }
    return SG_EXIT_OK;
}
