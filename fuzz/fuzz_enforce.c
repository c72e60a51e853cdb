/* fuzz_enforce.c - libFuzzer target: the policy address normaliser and the
 * decision (policy/decide.c sg_fwd_decide) under a fixed policy with
 * external forwarding off (fuzz_common.h).
 *
 * Takes: any byte string as a forward target (up to the first NUL, as a
 * script string would be); the first byte picks the mechanism.
 * Checks: no crash or sanitizer report, and the policy holds: an allowed
 * forward goes to LOCAL@corp.example and nowhere else.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    sg_arena *arena = sg_arena_new();
    sg_policy *policy = fuzz_policy(arena);
    char *target = sg_arena_strndup(arena, (const char *)data + 1, size - 1);
    static const char *const hops[] = {"bob@corp.example"};
    sg_fwd_request req = {"alice@corp.example", target, (sg_fwd_mechanism)(data[0] % 3), hops, data[0] & 0x80 ? 1 : 0,
                          false};
    sg_fwd_decision d;
    sg_fwd_decide(policy, &req, arena, &d);
    fuzz_check_decision(&d);
    sg_arena_free(arena);
    return 0;
}
