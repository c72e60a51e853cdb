/* policy_get.h - the forwarding policy for one owner's decisions: from the
 * configured store (policy_store) through the cache (memcached) when there is
 * one (store/policy_source.h). One place, so that check, test, deliver,
 * filter and the servers read it alike.
 *
 * Takes: an open policy source (a server keeps one open across messages), or
 * NULL to open one from the configuration for this call. Returns: the
 * snapshot (free with sg_policy_free; its groups may be the owner's view
 * only), or NULL when it cannot be read: then *mode is the configured
 * policy_unavailable and why says why.
 */
#ifndef SG_POLICY_GET_H
#define SG_POLICY_GET_H

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"
#include "policy/policy.h"
#include "store/policy_source.h"

/* False (with why) only for a configuration error, e.g. a bad
 * policy_unavailable value; a policy that cannot be read is true with *out NULL. */
bool sg_policy_for_owner(sg_policy_source *source, const sg_config *cfg, const char *owner, sg_policy **out,
                         sg_unavailable_mode *mode, char *why, size_t whylen);

/* For a delivery (and `test`, which shows it): whether the owner's admin
 * mailbox forward is looked for (engine/enforce/plan.h,
 * sg_plan_input.admin_forward). Not with policy_store = none, nor when the
 * policy could not be read because the store does not exist (a store that
 * does not exist holds no forward: local delivery goes on as before); yes
 * otherwise, so that an unreadable store follows policy_unavailable. */
bool sg_policy_admin_forward_asked(const sg_config *cfg, bool have_policy);

#endif
