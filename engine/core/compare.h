/* compare.h - comparators (RFC 4790 §9: i;octet, i;ascii-casemap,
 * i;ascii-numeric) and match types (RFC 5228 §2.7.1 :is :contains :matches,
 * RFC 5231 relational :value/:count operators).
 *
 * Takes: a value from the message, a key from the script, a comparator id and
 * a match id (engine/core/ids.h). Returns: whether they match and, for :matches,
 * what each wildcard matched (RFC 5229 §3.2: non-greedy, left to right).
 */
#ifndef SG_COMPARE_H
#define SG_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#define SG_MATCH_VARS 10 /* ${0} .. ${9} */

typedef struct sg_captures {
    unsigned count; /* wildcards captured, including ${0} */
    const char *start[SG_MATCH_VARS];
    size_t len[SG_MATCH_VARS];
} sg_captures;

/* Relational operators (RFC 5231 §5). */
typedef enum { SG_REL_NONE = 0, SG_REL_GT, SG_REL_GE, SG_REL_LT, SG_REL_LE, SG_REL_EQ, SG_REL_NE } sg_relop;

/* Parses "gt", "ge", ... (case-insensitive); SG_REL_NONE when unknown. */
sg_relop sg_relop_parse(const char *s);

/* Orders a and b under the comparator: <0, 0, >0. */
int sg_compare_order(int comparator, const char *a, size_t alen, const char *b, size_t blen);

bool sg_relop_holds(sg_relop op, int order);

/* draft-murchison-sieve-regex-07 ":regex": POSIX extended expressions
 * (regcomp REG_EXTENDED, REG_ICASE under i;ascii-casemap, as Pigeonhole).
 * Guards against pathological input: a pattern longer than
 * SG_REGEX_MAX_PATTERN, with back-references (not POSIX ERE; glibc matches
 * them by backtracking), a bound {n,m} over SG_REGEX_MAX_BOUND or bounds
 * whose product exceeds SG_REGEX_MAX_REPEAT is invalid; only the first
 * SG_REGEX_MAX_SUBJECT bytes of a value are searched: glibc's regexec has
 * no time bound and a failing search like "(.*)(.*)(.*)b" is quadratic in
 * the subject (20 s on 64 KiB, about 0.5 s on 8 KiB), so this cap with the
 * max_cpu_time check after every regexec (interp.c) bounds a run. */
#define SG_REGEX_MAX_PATTERN 4096
#define SG_REGEX_MAX_BOUND 255
#define SG_REGEX_MAX_REPEAT 4096
#define SG_REGEX_MAX_SUBJECT 8192

/* Checks a :regex key: NULL when usable, else why not (written to `why`). */
const char *sg_regex_check(const char *key, size_t klen, bool casemap, char *why, size_t whylen);
/* 1 match (caps filled when not NULL: ${0} the matched text, ${1}.. the
 * groups), 0 no match, -1 invalid key (`why` says why). */
int sg_regex_match(bool casemap, const char *value, size_t vlen, const char *key, size_t klen, sg_captures *caps,
                   char *why, size_t whylen);

/* :is, :contains, :matches and :value under the comparator. `caps` may be NULL;
 * it is filled only by a successful :matches or :regex (an invalid :regex
 * key matches nothing). */
bool sg_match(int match, sg_relop relop, int comparator, const char *value, size_t vlen, const char *key,
              size_t klen, sg_captures *caps);

#endif
