/* ast.h - the syntax tree of a Sieve script (RFC 5228 §8.2).
 *
 * The grammar is generic: a node is `identifier arguments [test|test-list]
 * (';' | block)`, whether it is a command or a test. Names are resolved later by
 * engine/validate through the extension registry. Every node, argument and
 * string carries its source position. All memory belongs to the script's arena.
 */
#ifndef SG_AST_H
#define SG_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "grammar/diag.h"

typedef struct sg_string {
    const char *data; /* NUL-terminated; may hold other bytes only via encoded-character */
    uint32_t len;
    sg_loc loc;
} sg_string;

typedef enum {
    SG_ARG_STRING,      /* a single quoted or multi-line string */
    SG_ARG_STRING_LIST, /* "[" string *("," string) "]" */
    SG_ARG_NUMBER,
    SG_ARG_TAG,
} sg_arg_kind;

typedef struct sg_arg {
    struct sg_arg *next;
    /* Each member keeps its own position, so an argument costs 40 bytes: large
     * generated scripts hold tens of thousands. Use sg_arg_loc(). */
    union {
        sg_string string; /* SG_ARG_STRING */
        struct {
            sg_string *items;
            uint32_t count;
            sg_loc loc;
        } list;
        struct {
            uint64_t value;
            sg_loc loc;
        } number;
        struct {
            const char *name; /* lower-case, without the ':' */
            sg_loc loc;
        } tag;
    } u;
    uint8_t kind; /* sg_arg_kind */
} sg_arg;

/* The strings of a string or string-list argument (RFC 5228 §2.4.2.1: a single
 * string is a list of one); NULL and 0 for any other kind. */
static inline const sg_string *sg_arg_strings(const sg_arg *a, uint32_t *count)
{
    if (a && a->kind == SG_ARG_STRING) {
        *count = 1;
        return &a->u.string;
    }
    if (a && a->kind == SG_ARG_STRING_LIST) {
        *count = a->u.list.count;
        return a->u.list.items;
    }
    *count = 0;
    return NULL;
}

static inline sg_loc sg_arg_loc(const sg_arg *a)
{
    switch (a->kind) {
    case SG_ARG_STRING: return a->u.string.loc;
    case SG_ARG_STRING_LIST: return a->u.list.loc;
    case SG_ARG_NUMBER: return a->u.number.loc;
    default: return a->u.tag.loc;
    }
}

struct sg_command_def; /* engine/core/registry.h */
struct sg_bound;       /* engine/core/validate.h */

typedef struct sg_node {
    struct sg_node *next; /* next command in a block, or next test in a test-list */
    const char *name;     /* lower-case identifier */
    sg_loc loc;
    sg_arg *args;          /* literal and tagged arguments, in source order */
    struct sg_node *tests; /* the test, or the tests of the test-list */
    struct sg_node *block; /* commands of the block */
    uint32_t nargs;
    bool has_test_list; /* tests were written as "( ... )" */
    bool has_block;
    sg_loc end; /* position of the ';' or the '{' that ends a command */
    /* Filled in by engine/validate: */
    const struct sg_command_def *def;
    const struct sg_bound *bound;
} sg_node;

typedef struct sg_script {
    const char *name;     /* file name used in diagnostics */
    const char *source;   /* the script text (not owned) */
    size_t source_len;
    sg_node *commands;
    sg_arena *arena; /* owns every node; freed by sg_script_free */
    const bool *enabled; /* engine/validate: per registry extension, required by the script */
} sg_script;

void sg_script_free(sg_script *script);

#endif
