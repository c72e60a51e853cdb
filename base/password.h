/* password.h - a password checked against its stored hash, in the forms of
 * Dovecot's passwd-file ("{SCHEME}hash"), for the servers' logins
 * (server/managesieve/; the hashes come from store/userdb.h).
 *
 * Schemes (the name in braces is case-insensitive; a hash without one is
 * CRYPT, Dovecot's default for passwd-files):
 *   SHA512-CRYPT  "$6$..."   SHA256-CRYPT "$5$..."   MD5-CRYPT "$1$..."
 *   BLF-CRYPT     "$2y$", "$2b$", "$2a$" (bcrypt)
 *   CRYPT         anything crypt(3) knows: the prefix chooses the method
 *   PLAIN, CLEAR, CLEARTEXT  the password itself (for tests; not advised)
 * A crypt hash whose prefix does not fit its scheme, an unknown scheme, or
 * an empty hash never matches (an error says why, for the log).
 *
 * crypt(3) is libxcrypt's crypt_r (Debian libcrypt1), loaded at run time
 * with base/dl_load.h like the other libraries only some processes need:
 * the `sievegate` program does not link it (tests/e2e/no_linked_stores.sh),
 * only a server checking a login loads it. Each call loads it (RTLD_NODELETE:
 * the first maps it, later ones count a reference) and lets it go; no state.
 *
 * Takes: the stored hash and the password given (any bytes but NUL).
 * Returns: MATCH, MISMATCH, or ERROR with err (the library cannot be
 * loaded, the hash is malformed). Comparisons take the same time whatever
 * the bytes (no early exit).
 */
#ifndef SG_PASSWORD_H
#define SG_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SG_CRYPT_LIB_SONAME "libcrypt.so.1"

typedef enum {
    SG_PASSWORD_MATCH = 0,
    SG_PASSWORD_MISMATCH,
    SG_PASSWORD_ERROR,
} sg_password_result;

sg_password_result sg_password_verify(const char *stored, const char *password, char *err, size_t errlen);

/* Loads libcrypt and keeps it loaded (a server's master, before it forks
 * its workers: each worker's first check then only counts a reference).
 * False with err when it cannot be loaded. */
bool sg_password_preload(char *err, size_t errlen);

/* Spends the time of checking a {SHA512-CRYPT} hash of the default cost
 * and matches nothing: a login of an unknown user takes as long as a wrong
 * password (no timing hint that the name is unknown). */
void sg_password_burn(void);

#endif
