/* policy_load.c - see policy_load.h. */
#include "cli/policy_load.h"

#include <stdio.h>
#include <string.h>

#include "store/policy_source.h"

int sg_cli_policy(const sg_cli *cli, const char *owner, sg_policy **out, sg_unavailable_mode *mode, char *why,
                  size_t whylen)
{
    *out = NULL;
    *mode = SG_UNAVAILABLE_TEMPFAIL;
    char err[512];
    sg_policy_source *src;
    if (!sg_policy_source_open(cli->config, &src, err, sizeof err)) {
        sg_cli_error(cli, "configuration error: %s", err);
        return SG_EXIT_CONFIG;
    }
    sg_policy_answer answer;
    memset(&answer, 0, sizeof answer);
    if (sg_policy_source_get_for(src, owner, &answer) == SG_POLICY_OK)
        *out = answer.policy;
    else
        snprintf(why, whylen, "%s", answer.reason);
    *mode = answer.on_unavailable;
    sg_policy_source_close(src);
    return SG_EXIT_OK;
}
