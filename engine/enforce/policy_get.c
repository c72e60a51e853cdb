/* policy_get.c - see policy_get.h. */
#include "engine/enforce/policy_get.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sg_policy_for_owner(sg_policy_source *source, const sg_config *cfg, const char *owner, sg_policy **out,
                         sg_unavailable_mode *mode, char *why, size_t whylen)
{
    *out = NULL;
    *mode = SG_UNAVAILABLE_TEMPFAIL;
    sg_policy_source *own = NULL;
    if (!source) {
        if (!sg_policy_source_open(cfg, &own, why, whylen))
            return false;
        source = own;
    }
    sg_policy_answer answer;
    memset(&answer, 0, sizeof answer);
    if (sg_policy_source_get_for(source, owner, &answer) == SG_POLICY_OK)
        *out = answer.policy;
    /* The configuration's max_forward_hops, when set, overrides the store's
     * org setting (the key is checked: 1..1000, engine/core/config_keys.c). */
    const char *hops = sg_config_get(cfg, "max_forward_hops");
    if (*out && hops)
        (*out)->org.max_forward_hops = (unsigned)strtoul(hops, NULL, 10);
    else
        snprintf(why, whylen, "%s", answer.reason);
    *mode = answer.on_unavailable;
    sg_policy_source_close(own);
    return true;
}

bool sg_policy_admin_forward_asked(const sg_config *cfg, bool have_policy)
{
    if (!sg_policy_store_configured(cfg))
        return false;
    char text[600];
    return have_policy || sg_policy_case_of(cfg, text, sizeof text) != SG_POLICY_CASE_MISSING;
}
