/* maildir_int.h - what the files of the Maildir writer share, for them
 * alone: maildir.c (the transaction: begin, add, commit, rollback),
 * maildir_name.c (mailbox names to folder directories, the mailbox store),
 * maildir_keywords.c (flags and the folder's dovecot-keywords) and
 * maildir_move.c (moving a stored message for `sievegate filter`).
 *
 * Takes and returns as maildir.h says; see each declaration. */
#ifndef SG_MAILDIR_INT_H
#define SG_MAILDIR_INT_H

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/attr.h"
#include "engine/deliver/maildir.h"

#define NAME_LIMIT 255 /* bytes of a mailbox name, and of a directory entry (NAME_MAX) */
#define HOST_LIMIT 100 /* bytes of the escaped host name in unique names */
#define KEYWORDS_MAX 26 /* letters a..z */
#define KEYWORDS_FILE "dovecot-keywords"
#define DIR_MODE 0700
#define FILE_MODE 0600
#define OPEN_DIR (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The system flags in the ASCII order of their letters (the Maildir info). */
typedef struct sg_md_system_flag {
    const char *name;
    char letter;
} sg_md_system_flag;
#define SG_MD_NSYSTEM 5
extern const sg_md_system_flag sg_md_system_flags[SG_MD_NSYSTEM];

typedef struct copy {
    char *mailbox;     /* as added */
    char *folder;      /* "" (INBOX) or ".Name" */
    int dirfd, tmpfd, newfd, curfd;
    char *tmp_name;    /* in tmp/ */
    char *final_name;  /* in new/ or cur/, once renamed */
    char *path;        /* full path: in tmp/ until renamed */
    unsigned sysflags; /* bit i = sg_md_system_flags[i] */
    uint32_t keywords; /* bit i = letter 'a' + i */
    bool written, renamed;
    /* The bytes as added (the caller's, valid until commit), to find a later
     * copy with the same bytes; fd: the written file, open until it is
     * fsynced at commit; -1 for a copy that is a hard link to another. */
    const char *prefix, *data;
    size_t prefix_len, len;
    int src_fd; /* data from this descriptor at src_off instead (-1: from memory) */
    off_t src_off;
    int fd;
    bool linked;
} sg_md_copy;

struct sg_maildir_txn {
    char *root;
    int rootfd;
    sg_maildir_options opt;
    char host[HOST_LIMIT + 1]; /* escaped: '/' -> \057, ':' -> \072 */
    const char *prefix, *data;
    size_t prefix_len, len;
    int src_fd; /* the data from this descriptor at src_off (maildir.h, sg_maildir_set_message_fd), or -1 */
    off_t src_off;
    size_t size; /* on disk, CRLF written as LF */
    sg_md_copy *copies;
    size_t count, cap;
    bool failed, committed;
    char *dropped; /* keywords not stored, "MAILBOX: KW, ...", or NULL */
    pid_t pid; /* in unique names: asked once (getpid is a system call) */
    /* The journal, open from the P line to the D line with a shared lock
     * held (no rotation can replace the file in between), or -1. */
    int journal_fd;
    off_t journal_size; /* its size after our P line */
};

/* A folder's dovecot-keywords: the keyword of each letter a..z. */
typedef struct sg_md_keywords {
    char *names[KEYWORDS_MAX];
    time_t mtime; /* of the file read, 0 if none */
} sg_md_keywords;

/* ---- maildir.c ---- */

/* err->message and errnum (nothing when err is NULL); clear: none. */
void sg_md_set_err(sg_maildir_error *err, int errnum, const char *fmt, ...) SG_PRINTF(3, 4);
void sg_md_clear_err(sg_maildir_error *err);
/* A name for messages: control characters and bytes past 64 become '?' / "...". */
const char *sg_md_printable(const char *name, char *buf, size_t size);
/* root + "/" + each non-empty part, malloc'ed. */
char *sg_md_join_path(const char *root, const char *a, const char *b, const char *c);
void sg_md_close_fd(int *fd);
/* mkdir -p, mode 0700, for the root. 0 or errno (path in err). */
int sg_md_make_root(const char *root, sg_maildir_error *err);
/* Opens (maybe creates) the folder and its tmp/ new/ cur/ into c. */
sg_maildir_status sg_md_open_folder(sg_maildir_txn *t, sg_md_copy *c, bool create, sg_maildir_error *err);
/* The name in new/ (no flags) or cur/ (":2," + the flag letters in ASCII order), malloc'ed. */
char *sg_md_final_name(const sg_md_copy *c, const char *base);
void sg_md_copy_free(sg_md_copy *c);

/* ---- maildir_journal.c ---- */

/* The journal lines of a commit (t->opt.journal_key set): the (tmp, final)
 * paths relative to the root before the renames, "done" after. 0 or errno. */
int sg_md_journal_pending(sg_maildir_txn *t, char **const *pairs, size_t n, time_t now);
int sg_md_journal_done(sg_maildir_txn *t, time_t now);
/* Closes the journal kept open since the P line (a commit that failed). */
void sg_md_journal_close(sg_maildir_txn *t);
/* Removes files older than 36 h from every tmp/ of the Maildir, at most every 8 h (root tmp/ atime). */
void sg_md_clean_tmp(int rootfd, time_t now);

/* ---- maildir_keywords.c ---- */

void sg_md_keywords_clear(sg_md_keywords *kw);
/* Reads the folder's dovecot-keywords ("INDEX NAME" lines; others skipped, as
 * Dovecot does). A missing file is an empty list. 0 or errno. */
int sg_md_keywords_read(int dirfd, sg_md_keywords *kw);
/* Adds the flags to c: system flags as bits, keywords as letters (assigned
 * in the folder's dovecot-keywords when new). */
sg_maildir_status sg_md_apply_flags(sg_maildir_txn *t, sg_md_copy *c, const char *const *flags, size_t nflags,
                                    sg_maildir_error *err);

#endif
