/* mailbox_store.h - what a script may ask about the user's mailboxes:
 * mailbox (RFC 5490 §3) "mailboxexists" and "fileinto :create", special-use
 * (RFC 8579) attributes.
 *
 * Takes: the host's view of the mailboxes, behind three functions, so the
 * interpreter does no I/O itself. Two implementations here: a fixed list
 * (`sievegate test --mailboxes`, unit tests) and the Maildir of
 * mail_location (engine/deliver/maildir.c). Special-use attributes come from the
 * configuration for both (mailbox_special_use, see sg_special_use_parse).
 */
#ifndef SG_MAILBOX_STORE_H
#define SG_MAILBOX_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"

typedef struct sg_mailbox_store {
    /* Whether the mailbox exists and could take a message (RFC 5490 §3.1).
     * "INBOX" in any case is the inbox. */
    bool (*exists)(void *ctx, const char *name);
    /* Creates it (and its parents as the store needs); false with err. */
    bool (*create)(void *ctx, const char *name, char *err, size_t errlen);
    /* Whether the mailbox has the special-use attribute (RFC 6154), e.g. "\\Junk"
     * (ASCII case-insensitive). name NULL: any mailbox; the name of the first
     * one that has it in *found (may be NULL). */
    bool (*has_special_use)(void *ctx, const char *name, const char *use, const char **found);
    /* Whether the mailbox is there in a form that cannot take a message (a
     * Maildir folder that is a symbolic link or not a directory): true with
     * why. NULL: never. */
    bool (*refused)(void *ctx, const char *name, char *why, size_t whylen);
    void *ctx;
} sg_mailbox_store;

/* One mailbox and its special-use attributes ("\\Junk \\Archive"). */
typedef struct sg_special_use {
    const char *mailbox;
    const char *uses; /* space-separated */
} sg_special_use;

/* Parses mailbox_special_use: "NAME:\\Use [\\Use...]; NAME2:\\Use" (the
 * last ':' of an entry splits it; ';' separates entries; space around them
 * is ignored), Dovecot's `mailbox NAME { special_use = \\Junk }` in one line.
 * Returns false with err on a malformed entry; *out in arena. */
bool sg_special_use_parse(const char *text, sg_arena *arena, sg_special_use **out, size_t *n, char *err,
                          size_t errlen);

/* RFC 8579 §2 / RFC 6154 §2: "\\" followed by an IMAP atom. */
bool sg_special_use_valid(const char *use);

/* A fixed set of mailboxes: names separated by ',' (INBOX always exists);
 * create adds to the set. */
typedef struct sg_mailbox_list {
    sg_arena *arena;
    const char **names;
    size_t count, cap;
    const sg_special_use *uses;
    size_t nuses;
} sg_mailbox_list;

void sg_mailbox_list_init(sg_mailbox_list *l, sg_arena *arena, const char *names, const sg_special_use *uses,
                          size_t nuses);
/* The store interface over the list (l must outlive it). */
sg_mailbox_store sg_mailbox_list_store(sg_mailbox_list *l);

/* The store over a Maildir++ root (as sg_maildir_location_root gives it). */
typedef struct sg_maildir_store {
    const char *root;
    const sg_special_use *uses;
    size_t nuses;
} sg_maildir_store;

sg_mailbox_store sg_maildir_store_of(sg_maildir_store *m);

/* Shared by both: the special-use lookup over a table. */
bool sg_special_use_lookup(const sg_special_use *uses, size_t n, const char *name, const char *use,
                           const char **found);

#endif
