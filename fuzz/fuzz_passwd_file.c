/* fuzz_passwd_file.c - libFuzzer target: the passwd-file parser of the user
 * database (store/userdb_file.c, Dovecot's "user:password:uid:gid:gecos:
 * home:shell:extra" lines).
 *
 * Takes: any byte string as a file's contents.
 * Checks: no crash or sanitizer report; on success the entries are sorted
 * and unique, each name is 1..255 octets without space or control
 * characters, uid and gid are -1 or within 0..2^31-1, a home is absolute
 * (or a %-template); on failure the error names "fuzz:LINE: ".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sg_arena *arena = sg_arena_new();
    sg_userdb_entry *e = NULL;
    size_t n = 0;
    char err[512];
    if (sg_userdb_parse_passwd_file("fuzz", (const char *)data, size, arena, &e, &n, err, sizeof err)) {
        for (size_t i = 0; i < n; i++) {
            size_t l = strlen(e[i].name);
            if (l == 0 || l > 255 || (i > 0 && strcmp(e[i - 1].name, e[i].name) >= 0))
                abort();
            for (size_t k = 0; k < l; k++)
                if ((unsigned char)e[i].name[k] <= ' ' || e[i].name[k] == 0x7f)
                    abort();
            if (e[i].uid < -1 || e[i].uid > 0x7fffffffLL || e[i].gid < -1 || e[i].gid > 0x7fffffffLL)
                abort();
            if (e[i].home && e[i].home[0] != '/' && e[i].home[0] != '%')
                abort();
        }
    } else if (strncmp(err, "fuzz:", 5) != 0) {
        abort();
    }
    sg_arena_free(arena);
    return 0;
}
