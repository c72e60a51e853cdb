/* replay_main.c - a main() for the libFuzzer targets without libFuzzer, so
 * that ctest replays the inputs in fuzz/regressions/TARGET/ and fuzz/seeds/TARGET/ with
 * any compiler (and with ASan/UBSan under SIEVEGATE_SANITIZE).
 *
 * Takes: file paths. Runs LLVMFuzzerInitialize (when the target has one),
 * then LLVMFuzzerTestOneInput once per file. Returns 0, or 2 when a file
 * cannot be read; a finding aborts (exit status of a signal).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 4096, len = 0, n;
        uint8_t *buf = malloc(cap);
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap)
                buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        if (!buf)
            return 2;
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        printf("replayed %s\n", argv[i]);
    }
    return 0;
}
