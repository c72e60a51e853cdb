/* maildir.h - delivery into a Maildir (docs/architecture.md,
 * "Failure rules"), as Dovecot lays it out: LAYOUT=Maildir++.
 *
 * Takes: the Maildir root, the message bytes (in memory, with an optional
 * prefix such as Return-Path/Delivered-To lines written before them), and the
 * mailboxes to store into, with their IMAP flags. Returns: a status per call
 * and, on failure, an error with errno and a sentence naming the path.
 *
 * One delivery is one transaction, all-or-nothing from the sender's point of
 * view: sg_maildir_add() writes a copy into the folder's tmp/ under a unique
 * name ("SECS.M<usec>P<pid>Q<n>.<host>,S=<size>"), or, when an earlier copy
 * of the transaction has the same bytes, hard-links that copy's file there
 * (as Dovecot copies between Maildirs; a plain write when the link cannot be
 * made, e.g. across file systems); sg_maildir_commit() fsyncs each file once,
 * with all its links, renames every copy into new/ (into cur/ with ":2,FLAGS"
 * when flags are set), then fsyncs each of those directories. When any step
 * fails, everything written or renamed so far is unlinked before the call
 * returns SG_MAILDIR_TEMPFAIL: nothing half-delivered is left in new/ or cur/
 * and nothing in tmp/; the caller exits EX_TEMPFAIL (75) and the MTA retries.
 *
 * Mailbox names are the Sieve (UTF-8) names. "INBOX" (any case) is the root;
 * any other name is the folder "." + name, with '/' as a hierarchy separator
 * mapped to Dovecot's Maildir++ separator '.' ("Lists/dev" and "Lists.dev"
 * are both ".Lists.dev"), stored in IMAP modified UTF-7 (RFC 3501 §5.1.3):
 * "Entwürfe" is ".Entw&APw-rfe". Refused (SG_MAILDIR_REFUSED, the caller
 * keeps the message in INBOX): an empty name, one over 255 bytes, invalid
 * UTF-8, control characters (C0, DEL, C1), a leading '/' or '.', and any
 * empty hierarchy level ("a//b", "a/../b", "a.", ...), so no name can leave
 * the Maildir. A folder directory (or its tmp/, new/, cur/) that is a
 * symbolic link or not a directory is refused too: folders are opened with
 * O_NOFOLLOW and every file is reached relative to them. The root itself may
 * be a symbolic link (a ~/Maildir moved to another disk) and is created,
 * with missing parents, when it does not exist, as Dovecot does for a new
 * user.
 *
 * A missing folder is created (mode 0700, with tmp/, new/, cur/ and an empty
 * maildirfolder file) only when the add asks for it (:create, RFC 5490) or
 * the options allow it (lda_mailbox_autocreate); otherwise the add returns
 * SG_MAILDIR_NOTFOUND. An existing folder missing tmp/, new/ or cur/ gets
 * them back (and maildirfolder). A folder created by a transaction that rolls
 * back stays (empty), as Dovecot leaves it.
 *
 * Flags: \Seen S, \Answered R, \Flagged F, \Deleted T, \Draft D (any case;
 * \Recent and unknown system flags are ignored); any other flag is an IMAP
 * keyword stored as a letter a..z through the folder's dovecot-keywords file
 * ("INDEX NAME" lines, names matched without regard to case), which is
 * updated under dovecot-keywords.lock (written, fsynced, renamed over the
 * file) as Dovecot does. A keyword that is not an IMAP atom, or that finds no
 * free letter (26 are in use), is not stored. The letters follow the system
 * flags in ASCII order: "...:2,FSab". An item holding several flags
 * separated by spaces counts as those flags.
 *
 * Line endings: Dovecot keeps LF line endings in Maildir files, so every CRLF
 * of the prefix and of the message is written as LF (a lone CR stays).
 * Writes loop over short writes and EINTR; ENOSPC and EDQUOT keep their errno.
 *
 * tmp/: a delivery killed while writing leaves a file there. When a
 * transaction begins, at most every 8 hours (the root tmp/'s access time
 * says when it was last done), the tmp/ of the root and of every folder is
 * scanned and files older than 36 hours are removed, as Dovecot does.
 *
 * Fault injection in the tests is done from outside (an LD_PRELOAD shim over
 * write, fsync, rename...): nothing here exists for the tests only.
 */
#ifndef SG_MAILDIR_H
#define SG_MAILDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "base/arena.h"

typedef enum {
    SG_MAILDIR_OK = 0,
    SG_MAILDIR_REFUSED,  /* name not allowed, or the folder is a symlink / not a directory: keep in INBOX */
    SG_MAILDIR_NOTFOUND, /* the folder does not exist and may not be created: keep in INBOX */
    SG_MAILDIR_TEMPFAIL, /* I/O error: everything this transaction wrote is removed; exit 75 */
} sg_maildir_status;

/* "ok", "refused", "notfound", "tempfail". */
const char *sg_maildir_status_name(sg_maildir_status s);

typedef struct sg_maildir_error {
    int errnum;        /* errno of the failing call (ENOSPC, EDQUOT, ELOOP...), 0 if none */
    char message[768]; /* one sentence naming the path, e.g. "write(/home/u/Maildir/tmp/...): No space left on device" */
} sg_maildir_error;

typedef struct sg_maildir_options {
    bool autocreate;      /* lda_mailbox_autocreate: any missing folder may be created */
    bool no_fsync;        /* skip every fsync (Dovecot's mail_fsync = never); never for real mail */
    const char *hostname; /* host part of the unique names; NULL or "" = gethostname() */
    /* Exactly once: the delivery's key in the Maildir's journal (below), the
     * same for every attempt of one delivery; NULL: no journal. */
    const char *journal_key;
    /* The caller's turns (base/fsync_all.h), left while the commit's fsyncs
     * wait for the disk; NULL: none (the caller is the only thread). */
    struct sg_turns *turns;
    /* The threads that make the commit's fsyncs (base/fsync_all.h), kept by
     * a long-lived caller; NULL: the commit makes its own. */
    struct sg_sync_crew *sync_crew;
} sg_maildir_options;

/* Exactly once. A delivery killed after its copies reached new/ (or while
 * renaming them) is retried by the MTA; it must store nothing twice. The
 * commit of a transaction with a journal key writes down, in the Maildir
 * root's SG_MAILDIR_JOURNAL, the copies it is about to rename (before the
 * first rename) and that they are done (after the directories are fsynced).
 * Before a delivery, sg_maildir_recover looks the key up: done, or every
 * copy found in place (new/, or cur/ where an IMAP client moved it) or
 * completed from tmp/, means the delivery was made (*delivered, with the
 * number of copies): store nothing. A retry is recognised within
 * SG_MAILDIR_JOURNAL_WINDOW. The lines survive the death of the process;
 * after a power failure in the instant between a rename and its "done" line
 * one duplicate is possible, never a loss. */
#define SG_MAILDIR_JOURNAL "sievegate-deliveries"
#define SG_MAILDIR_JOURNAL_WINDOW (36 * 3600) /* seconds: Dovecot's tmp/ horizon, below */
#define SG_MAILDIR_JOURNAL_MAX (256 * 1024)   /* bytes before the file is rewritten without older entries */
#define SG_MAILDIR_JOURNAL_SLACK 3600         /* seconds past the window its oldest entry waits for that */
sg_maildir_status sg_maildir_recover(const char *root, const sg_maildir_options *opt, time_t now, bool *delivered,
                                     size_t *copies, sg_maildir_error *err);

/* lda_mailbox_autocreate (yes/no), mail_fsync (never: no fsync) and hostname. */
struct sg_config;
void sg_maildir_options_from_config(const struct sg_config *cfg, sg_maildir_options *opt);

typedef struct sg_maildir_txn sg_maildir_txn;

/* The root directory of a Dovecot mail_location already expanded ("~", %u):
 * "maildir:PATH[:KEY=VALUE...]" ("::" is a ':' of PATH). Options that do not
 * change where messages go (INDEX=, CONTROL=, VOLATILEDIR=, LAYOUT=Maildir++)
 * are ignored; another LAYOUT, INBOX=, UTF-8 and other formats ("mbox:...")
 * are refused. PATH must be absolute. *root is allocated in arena. False with
 * err when refused. */
bool sg_maildir_location_root(const char *location, sg_arena *arena, const char **root, char *err, size_t errlen);

/* The directory of mailbox `name` relative to the root: "" for INBOX, else
 * ".NAME" as above. No I/O. SG_MAILDIR_OK, or SG_MAILDIR_REFUSED with err. */
sg_maildir_status sg_maildir_folder_dir(const char *name, char *out, size_t outlen, sg_maildir_error *err);

/* Whether the folder of mailbox `name` exists under root (INBOX always
 * does). No transaction; for mailboxexists (RFC 5490 §3.1). */
bool sg_maildir_folder_exists(const char *root, const char *name);
/* Creates the folder (tmp/, new/, cur/, maildirfolder) when missing. */
sg_maildir_status sg_maildir_folder_create(const char *root, const char *name, sg_maildir_error *err);

/* Starts a transaction on the Maildir at `root` (created if missing, with its
 * tmp/, new/, cur/). The prefix (may be NULL) and the message are not copied:
 * they must stay valid until sg_maildir_commit() (a later add compares its
 * bytes with them to link instead of writing) or sg_maildir_free(). opt may be NULL
 * (defaults: no autocreate, fsync on). OK with *txn set, or TEMPFAIL with err
 * (*txn NULL). */
sg_maildir_status sg_maildir_begin(const char *root, const sg_maildir_options *opt, const char *prefix,
                                   size_t prefix_len, const char *data, size_t len, sg_maildir_txn **txn,
                                   sg_maildir_error *err);

/* The message of the adds that follow: prefix + data, not copied and kept
 * valid until the commit, as for sg_maildir_begin (e.g. an edited header and
 * the original body, RFC 5293). */
void sg_maildir_set_message(sg_maildir_txn *txn, const char *prefix, size_t prefix_len, const char *data,
                            size_t len);
/* The same with the data read from the regular file fd at off (len bytes),
 * with pread() in 64 KiB chunks: a large message is never held in memory.
 * fd must stay open and unchanged until the commit. */
void sg_maildir_set_message_fd(sg_maildir_txn *txn, const char *prefix, size_t prefix_len, int fd, off_t off,
                               size_t len);

/* Writes one copy into `mailbox` (tmp/; fsynced by the commit), with `flags` (may be NULL
 * when nflags is 0). `create`: the folder may be created if missing. A second
 * add of the same folder stores no second copy; its flags are added to the
 * first's. REFUSED and NOTFOUND leave the transaction usable (add "INBOX"
 * instead); TEMPFAIL has already removed everything and spoils it: every
 * later call returns TEMPFAIL. */
sg_maildir_status sg_maildir_add(sg_maildir_txn *txn, const char *mailbox, const char *const *flags, size_t nflags,
                                 bool create, sg_maildir_error *err);

/* Fsyncs every file written, moves every copy into new/ or cur/ and fsyncs
 * those directories. OK: all
 * delivered. TEMPFAIL: nothing delivered (everything removed). A transaction
 * with no copies commits nothing and returns OK. */
sg_maildir_status sg_maildir_commit(sg_maildir_txn *txn, sg_maildir_error *err);

/* After a successful commit: how many copies, and the full path of each, in
 * the order of the adds (for logging). Before the commit, the paths in tmp/. */
size_t sg_maildir_count(const sg_maildir_txn *txn);
const char *sg_maildir_path(const sg_maildir_txn *txn, size_t index);
/* The mailbox name the copy was added under. */
const char *sg_maildir_mailbox(const sg_maildir_txn *txn, size_t index);

/* The keywords the adds could not store ("MAILBOX: KEYWORD, ..."), or NULL:
 * one that is not an IMAP atom, and one past the 26 letters a folder's
 * dovecot-keywords can give (Dovecot keeps more in its index; a file name
 * cannot). The caller says so: nothing is dropped in silence. */
const char *sg_maildir_dropped(const sg_maildir_txn *txn);

/* An IMAP atom (RFC 3501 §9), as a keyword must be to be stored: no space,
 * control, 8-bit or atom-special, 1 to 200 bytes. */
bool sg_maildir_keyword_valid(const char *s, size_t n);

/* For `sievegate filter`: moves the stored message file `path` (in the new/ or
 * cur/ of a folder of the Maildir at `root`) into `mailbox`, adding `flags`
 * to those its name already carries (":2,FLAGS"). The base name is kept;
 * keyword letters are translated from the source folder's dovecot-keywords to
 * the target's. `create`: the folder may be created (as for an add). The file
 * goes to cur/ when it was in cur/ or has flags, else new/; it is linked
 * under its new name, never over an existing file, then unlinked from the
 * old (Maildir's own rule for moves): a crash in between leaves two copies,
 * never none. Moving a message onto its own name does nothing. *new_path
 * (malloc'd; NULL allowed) gets the path after the move. REFUSED and NOTFOUND
 * as for sg_maildir_add; TEMPFAIL leaves the message where it was. */
sg_maildir_status sg_maildir_move(const char *root, const sg_maildir_options *opt, const char *path,
                                  const char *mailbox, const char *const *flags, size_t nflags, bool create,
                                  char **new_path, sg_maildir_error *err);

/* The flags of a stored message file, from its name's ":2,FLAGS" (keyword
 * letters through its folder's dovecot-keywords; a letter not listed there
 * is left out). Returns the count; *flags is an arena array. */
size_t sg_maildir_name_flags(const char *path, sg_arena *arena, const char ***flags);

/* Ends the transaction and frees it (NULL is fine). A transaction not
 * committed is rolled back: every copy it wrote is removed. */
void sg_maildir_free(sg_maildir_txn *txn);

#endif
