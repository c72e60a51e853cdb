/* policy_sample.h - snapshots to encode and compare in the cache tests.
 *
 * Takes: a generation. Returns: a snapshot that uses every field of
 * policy/policy.h (owned by its arena: sg_policy_free), and a field-by-field
 * comparison that fails the current cmocka test on the first difference.
 */
#ifndef SG_TEST_POLICY_SAMPLE_H
#define SG_TEST_POLICY_SAMPLE_H

#include <stdint.h>

#include "policy/policy.h"

sg_policy *sample_policy(uint64_t generation);
void assert_policy_equal(const sg_policy *a, const sg_policy *b);

#endif
