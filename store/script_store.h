/* script_store.h - a user's Sieve scripts as files, in Dovecot's (Pigeonhole's)
 * layout, so that `deliver` and `lmtp` run the active one unchanged
 * (engine/deliver/scripts.c: `sieve = file:DIR;active=ACTIVE`, or `sieve`
 * the link and `sieve_dir` the directory):
 *
 *     DIR/NAME.sieve        each script (DIR: ~/sieve by default)
 *     ACTIVE -> DIR/NAME.sieve   the active one, a symbolic link (ACTIVE:
 *                           ~/.dovecot.sieve by default), written
 *                           relative ("sieve/NAME.sieve") when DIR is below
 *                           ACTIVE's directory, as Pigeonhole writes it
 *     DIR/tmp/              scripts being written
 *
 * The store knows no Sieve: what a script means is the caller's (ManageSieve
 * checks it before putting it, engine/core/lint.h).
 *
 * Takes: the two locations (expanded for the user), the quotas, and script
 * names (RFC 5804 §1.6) and contents. Returns: the operation's status; for
 * FAILED the reason in err (the caller answers "try later").
 *
 * Every change is atomic and done under an exclusive lock of DIR (flock), so
 * that concurrent sessions of one user never leave a half-written script or
 * go over a quota together: a script is written to DIR/tmp/, fsync()ed and
 * renamed over NAME.sieve; the active link is made under a temporary name
 * and renamed over ACTIVE, so a delivery sees the old script or the new one,
 * never none. A rename of the active script hard-links the new name first,
 * switches the link, then removes the old name.
 *
 * An ACTIVE that is a regular file (a script written by hand before the
 * store was used) is kept: opening the store moves it into DIR as
 * "dovecot.orig" (unless that exists) and links it, still active, as
 * Pigeonhole does. A link that points outside DIR means no active script;
 * activating one replaces that link.
 *
 * Quotas (0: none): max_script_size (bytes of one script), max_scripts (how
 * many), max_storage (bytes of all together); a script replaced counts only
 * with its new size.
 *
 * Names: valid UTF-8, 1 to 128 characters and at most 249 bytes (the file
 * name NAME.sieve must fit NAME_MAX: a longer name is refused, never
 * truncated), none of U+0000-001F, U+007F-009F, U+2028, U+2029 (RFC 5804
 * §1.6), no '/'. (Net-Unicode normalisation to NFC is not checked.)
 */
#ifndef SG_SCRIPT_STORE_H
#define SG_SCRIPT_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

#define SG_SCRIPT_NAME_MAX_CHARS 128
#define SG_SCRIPT_NAME_MAX_BYTES 249 /* NAME_MAX 255 less ".sieve" */

typedef struct sg_script_store_config {
    const char *dir;              /* absolute */
    const char *active;           /* absolute: the active link */
    size_t max_script_size;       /* 0: no limit */
    size_t max_scripts;           /* 0: no limit */
    unsigned long long max_storage; /* 0: no limit */
    bool no_fsync;                /* mail_fsync = never: nothing is fsync()ed (tests only) */
} sg_script_store_config;

typedef enum {
    SG_SCRIPTS_OK = 0,
    SG_SCRIPTS_NONEXISTENT,   /* no script by that name */
    SG_SCRIPTS_ACTIVE,        /* the active script cannot be deleted */
    SG_SCRIPTS_EXISTS,        /* the new name of a rename is taken */
    SG_SCRIPTS_TOO_LARGE,     /* over max_script_size */
    SG_SCRIPTS_TOO_MANY,      /* over max_scripts */
    SG_SCRIPTS_OVER_QUOTA,    /* over max_storage */
    SG_SCRIPTS_BAD_NAME,      /* not a valid name: err says why */
    SG_SCRIPTS_FAILED,        /* the file system failed: err says why */
} sg_scripts_status;

typedef struct sg_script_store sg_script_store;

typedef struct sg_script_info {
    const char *name;
    unsigned long long size;
    bool active;
} sg_script_info;

/* Creates DIR and DIR/tmp (mode 0700) when missing, keeps a regular ACTIVE
 * (above). FAILED with err. */
sg_scripts_status sg_script_store_open(const sg_script_store_config *cfg, sg_script_store **out, char *err,
                                       size_t errlen);
void sg_script_store_close(sg_script_store *st);

/* NULL when name[0..len) is a valid script name, else why not. */
const char *sg_script_name_invalid(const char *name, size_t len);

/* Every script, sorted by name (bytes), in arena. */
sg_scripts_status sg_script_store_list(sg_script_store *st, sg_arena *arena, sg_script_info **out, size_t *n,
                                       char *err, size_t errlen);
/* The active script's name (in arena), or NULL when none. */
sg_scripts_status sg_script_store_active(sg_script_store *st, sg_arena *arena, const char **name, char *err,
                                         size_t errlen);
/* The script's bytes (malloc'd, followed by two NULs: sg_parse_buffer). */
sg_scripts_status sg_script_store_get(sg_script_store *st, const char *name, char **data, size_t *len, char *err,
                                      size_t errlen);
/* Whether a script of `size` bytes stored as `name` would fit the quotas. */
sg_scripts_status sg_script_store_havespace(sg_script_store *st, const char *name, unsigned long long size,
                                            char *err, size_t errlen);
/* Stores (or replaces) a script. */
sg_scripts_status sg_script_store_put(sg_script_store *st, const char *name, const char *data, size_t len,
                                      char *err, size_t errlen);
sg_scripts_status sg_script_store_delete(sg_script_store *st, const char *name, char *err, size_t errlen);
sg_scripts_status sg_script_store_rename(sg_script_store *st, const char *from, const char *to, char *err,
                                         size_t errlen);
/* Makes `name` the active script; NULL or "": none is active. */
sg_scripts_status sg_script_store_activate(sg_script_store *st, const char *name, char *err, size_t errlen);

/* The directory (for include's :personal scripts). */
const char *sg_script_store_dir(const sg_script_store *st);

#endif
