/* list_store.h - externally stored lists (RFC 6134) as a script sees them:
 * the ":list" match type, "valid_ext_list" and "redirect :list".
 *
 * Takes: the host's lists behind three functions, so the interpreter does no
 * I/O itself. Returns: membership answers and a list's members. One
 * implementation here: a directory with one file per list (config key
 * sieve_extlists_dir), read on first use and kept for the run.
 *
 * List names (RFC 6134 §2, its list-name syntax) are URIs ("tag:example.com,2011:friends") or a
 * short name starting with ':' (":addrbook:personal"). A name maps to a file
 * name by percent-encoding (RFC 3986 §2.1, upper-case hex) every byte outside
 * A-Z a-z 0-9 and "-_~:@,+=" and a '.' that starts the name, so
 *   ":addrbook:personal"           -> ":addrbook:personal"
 *   "tag:example.com,2011:friends" -> "tag:example.com,2011:friends"
 *   "urn:x/../../etc/passwd"       -> "urn:x%2F..%2F..%2Fetc%2Fpasswd"
 * Every name maps to one file directly in the directory ('/' and NUL can
 * never appear, "." and ".." never result), and two names never share one.
 * A list file holds one value per line; leading and trailing blanks and a
 * CR are dropped; empty lines and lines starting with '#' are skipped.
 */
#ifndef SG_LIST_STORE_H
#define SG_LIST_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct sg_list_store {
    /* Whether `value` is a member of the list, compared as `comparator`
     * (SG_CMP_*) compares for :is: 1 member, 0 not, -1 no such list. */
    int (*lookup)(void *ctx, const char *list, const char *value, size_t len, int comparator);
    /* RFC 6134 §2 valid_ext_list: the list is supported and can be read. */
    bool (*valid)(void *ctx, const char *list);
    /* The members in file order (redirect :list, RFC 6134 §2); false: no such list.
     * *members lives as long as the store. */
    bool (*members)(void *ctx, const char *list, const char *const **members, size_t *n);
    void *ctx;
} sg_list_store;

/* RFC 6134 §2: a URI (scheme ":" ...) or a ':'-prefixed short name;
 * nothing of it may be a NUL or a control character. */
bool sg_list_name_valid(const char *name, size_t len);

/* The file name a list name maps to (see above), in out; false when the name
 * is not a valid list name or its file name does not fit in outlen (or 255 bytes). */
bool sg_list_file_name(const char *name, size_t len, char *out, size_t outlen);

#define SG_LIST_MAX_FILE_SIZE ((size_t)4 << 20) /* bigger list files are unreadable */
#define SG_LIST_MAX_CACHED 64                    /* distinct lists one run reads */

typedef struct sg_list_cached {
    const char *name;
    const char **members; /* NULL: no such list */
    size_t count;
} sg_list_cached;

/* The file-backed store: dir NULL means no lists at all. The arena owns
 * what was read; lists are read once per store. */
typedef struct sg_list_dir {
    const char *dir;
    sg_arena *arena;
    sg_list_cached cache[SG_LIST_MAX_CACHED];
    size_t ncached;
} sg_list_dir;

void sg_list_dir_init(sg_list_dir *d, const char *dir, sg_arena *arena);
/* The store interface over d (d must outlive it). */
sg_list_store sg_list_dir_store(sg_list_dir *d);

#endif
