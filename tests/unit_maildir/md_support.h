/* md_support.h - helpers of the Maildir tests: scratch directories and an
 * exact, sorted listing of a directory tree.
 *
 * md_tree() lists every entry under a root, one a line, relative to it and in
 * strcmp order: directories end in '/', symbolic links in '@'. A message name
 * written by engine/deliver/maildir.c with the host "testhost"
 * ("SECS.M<usec>P<pid>Q<n>.testhost") shows as "<msg>", so a listing such as
 *   "cur/\nnew/\nnew/<msg>,S=42\ntmp/\n"
 * is what the tests compare, whole.
 */
#ifndef MD_SUPPORT_H
#define MD_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#define MD_HOST "testhost"

/* A new empty directory under $TMPDIR (or /tmp); the caller frees the string. */
char *md_tempdir(void);
/* rm -rf, never following symbolic links. */
void md_rmtree(const char *path);
/* dir + "/" + name, malloc'ed. */
char *md_join(const char *dir, const char *name);
/* The listing described above (malloc'ed); "" for an empty or missing root. */
char *md_tree(const char *root);
/* The file's bytes, NUL-terminated (malloc'ed); NULL if unreadable. */
char *md_read(const char *path, size_t *len);
void md_write(const char *path, const char *text);
/* mkdir dir, dir/tmp, dir/new, dir/cur (a Maildir or a Maildir++ folder). */
void md_make_maildir(const char *dir);
/* The full path of the only message in root/sub ("new" or "cur"): fails the test if not exactly one. */
char *md_only_message(const char *root, const char *sub);

/* printf into a new string (malloc'ed). */
char *md_fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* md_tree(root) must be `expected` exactly (both printed when not). */
void md_assert_tree(const char *root, const char *expected);
/* The file holds exactly `expected`. */
void md_assert_file(const char *path, const char *expected);

#endif
