/* policy_load.c - see policy_load.h. */
#include "policy_load.h"

#include <stdio.h>

#include "../store/policy_store.h"

int sg_cli_policy(const sg_cli *cli, sg_policy **out, sg_unavailable_mode *mode, char *why, size_t whylen)
{
    *out = NULL;
    const char *m = sg_config_get(cli->config, "policy_unavailable");
    *mode = SG_UNAVAILABLE_TEMPFAIL;
    if (m && !sg_unavailable_mode_parse(m, mode)) {
        sg_cli_error(cli, "configuration error: policy_unavailable = \"%s\" (expected tempfail, keep or block)", m);
        return SG_EXIT_CONFIG;
    }
    const char *uri = sg_config_get(cli->config, "policy_store");
    sg_policy_store *store = NULL;
    if (sg_policy_store_open(uri ? uri : SG_DEFAULT_POLICY_STORE, false, &store, why, whylen) != SG_STORE_OK)
        return 0;
    if (sg_policy_store_load(store, out, why, whylen) != SG_STORE_OK)
        *out = NULL;
    sg_policy_store_close(store);
    return 0;
}
