/* fuzz_script.c - libFuzzer target: arbitrary bytes through sg_parse + sg_validate.
 *
 * Takes: any byte string (not NUL-terminated, may hold NULs).
 * Checks: no crash, no sanitizer report, no leak (everything is freed per input).
 * Run: fuzz/run.sh SECONDS [BUILD_DIR]  (see fuzz/README.md).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine/core/registry.h"
#include "engine/core/validate.h"
#include "base/arena.h"
#include "grammar/diag.h"
#include "grammar/parse.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sg_registry *registry;
static sg_limits limits;

static void free_registry(void)
{
    sg_registry_free(registry);
    registry = NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sg_limits_default(&limits);
    registry = sg_registry_new();
    atexit(free_registry);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_diags diags;
    sg_diags_init(&diags, 100); /* as `sievegate check` (MAX_ERRORS_SHOWN) */

    sg_script *script = sg_parse("fuzz.sieve", (const char *)data, size, &limits, &diags);
    /* Like `sievegate check`: validate even a script recovered after syntax errors. */
    sg_validate(registry, script, &limits, &diags);
    sg_diags_sort(&diags);

    /* Diagnostics must be well-formed: every one has a code and a message. */
    for (size_t i = 0; i < diags.count; i++) {
        if (!diags.items[i].code || !diags.items[i].message)
            abort();
    }
    if (!diags.truncated && diags.count != diags.errors + diags.warnings)
        abort();

    sg_script_free(script);
    sg_diags_clear(&diags);
    return 0;
}
