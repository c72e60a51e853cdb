/* secret_file.h - reading a file that holds a secret: the PostgreSQL
 * password (store/pg_db.c, postgresql_password_file) and the cache's HMAC
 * key (store/policy_cache_auth.c, memcached_key_file).
 *
 * Takes: what the file is, for messages (the configuration key), its path
 * and a bound. Returns: its bytes without trailing newlines (CR, LF), in a
 * malloc'd buffer with a NUL after them, which sg_secret_free wipes and
 * frees; or false with one sentence: "cannot read WHAT PATH: WHY", "WHAT
 * PATH is readable by every user: make it readable by the mail services
 * only (e.g. chmod 0640, group mail)" (a secret every local user can read
 * protects nothing), "WHAT PATH is larger than MAX bytes". */
#ifndef SG_SECRET_FILE_H
#define SG_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>

bool sg_secret_read(const char *what, const char *path, size_t max, char **data, size_t *len, char *err,
                    size_t errlen);
void sg_secret_free(char *data, size_t len);

#endif
