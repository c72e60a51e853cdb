/* registry.h - the extension registry: what every command, test, tag, match
 * type, address part and comparator looks like, and which extension brings it.
 *
 * Takes: the static tables each engine/ext_*.c file exports.
 * Returns: an immutable index the validator (and later the interpreter) reads.
 * Adding an extension = one ext_*.c file + one line in extensions.c.
 */
#ifndef SG_REGISTRY_H
#define SG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "grammar/ast.h"
#include "grammar/diag.h"

typedef enum {
    SG_T_NONE = 0,
    SG_T_STRING,      /* one string, not a list */
    SG_T_STRING_LIST, /* a string or a string list */
    SG_T_NUMBER,
} sg_type;

typedef enum {
    SG_SUB_NONE = 0, /* takes no test */
    SG_SUB_TEST,     /* exactly one test: if, elsif, not */
    SG_SUB_TESTLIST, /* a test list: allof, anyof */
} sg_subtests;

/* Capabilities a command declares for the shared tag classes (RFC 5228 §2.7). */
enum {
    SG_ACCEPTS_MATCH = 1u << 0,      /* :is :contains :matches and extensions' match types */
    SG_ACCEPTS_COMPARATOR = 1u << 1, /* :comparator "name" */
    SG_ACCEPTS_ADDRPART = 1u << 2,   /* :all :localpart :domain ... */
};

typedef struct sg_tag_def {
    const char *name;  /* lower-case, without ':' */
    sg_type param;     /* argument that must follow the tag, or SG_T_NONE */
    const char *param_name;
    uint8_t group;     /* nonzero: at most one tag of the group on one command */
} sg_tag_def;

typedef struct sg_positional {
    sg_type type;
    const char *name; /* for messages: "mailbox", "address", "key-list" */
} sg_positional;

struct sg_validator;
struct sg_bound;
struct sg_interp;

/* Extra checks beyond the table (e.g. size needs :over or :under). */
typedef void (*sg_validate_hook)(struct sg_validator *v, sg_node *node, const struct sg_bound *b);

/* Run time (engine/core/interp.h): a test answers true/false; a command adds to the result. */
typedef bool (*sg_test_fn)(struct sg_interp *in, const sg_node *node, const struct sg_bound *b);
typedef void (*sg_exec_fn)(struct sg_interp *in, const sg_node *node, const struct sg_bound *b);

#define SG_MAX_POSITIONAL 4

typedef struct sg_command_def {
    const char *name;
    bool is_test;
    uint8_t nrequired; /* positional arguments that must be present */
    uint8_t npositional;
    sg_positional positional[SG_MAX_POSITIONAL];
    sg_subtests subtests;
    bool block; /* requires a block */
    unsigned accepts;
    const sg_tag_def *tags;
    size_t ntags;
    sg_validate_hook validate;
    int id;
    sg_test_fn test; /* tests */
    sg_exec_fn exec; /* commands; control flow (if, stop...) is the interpreter's own */
} sg_command_def;

/* A tag an extension adds to a command of another extension (e.g. copy's
 * :copy on redirect). */
typedef struct sg_tag_extension {
    const char *command;
    sg_tag_def tag;
} sg_tag_extension;

typedef enum { SG_CLASS_MATCH, SG_CLASS_ADDRPART, SG_CLASS_COMPARATOR } sg_tag_class;

struct sg_mailbox;
/* An address part (RFC 5228 §2.7.4) takes a parsed address to the text to
 * match; false when the part does not exist (then nothing matches it). */
typedef bool (*sg_addrpart_fn)(const struct sg_mailbox *mb, const char *separator, sg_arena *arena,
                               const char **out, size_t *len);

/* A member of a shared class: a match type, an address part or a comparator. */
typedef struct sg_class_member {
    sg_tag_class cls;
    const char *name; /* tag name without ':' (match, addrpart) or comparator name */
    sg_type param;    /* e.g. relational's :count "gt" */
    const char *param_name;
    int id;
    sg_addrpart_fn part; /* address parts only */
    /* Checks a literal parameter (e.g. relational's "gt"); returns an error message or NULL. */
    const char *(*check_param)(const char *param);
    bool no_substring; /* comparators: cannot be used with :contains or :matches (RFC 4790 §9.1) */
    /* Match types: checks the literal keys (the command's last positional
     * argument) once the command is bound, e.g. :regex patterns. */
    void (*check_keys)(struct sg_validator *v, const struct sg_bound *b, const sg_arg *keys);
} sg_class_member;

typedef struct sg_extension {
    const char *name; /* capability string for require; NULL: always available (base) */
    const sg_command_def *commands;
    size_t ncommands;
    const sg_tag_extension *tags;
    size_t ntags;
    const sg_class_member *members;
    size_t nmembers;
    bool implicit; /* always enabled, but may still be named in require (i;octet) */
    const char *implies; /* requiring this one enables that one too (spamtestplus: spamtest) */
} sg_extension;

#define SG_COUNT(a) (sizeof(a) / sizeof((a)[0]))

typedef struct sg_registry sg_registry;

sg_registry *sg_registry_new(void);
void sg_registry_free(sg_registry *reg);

size_t sg_registry_extension_count(const sg_registry *reg);
/* Turns an extension off (a script cannot require it: Pigeonhole's
 * sieve_extensions = -NAME) or back on. False when there is no such extension. */
bool sg_registry_set_enabled(sg_registry *reg, const char *name, bool enabled);
bool sg_registry_disabled_at(const sg_registry *reg, size_t index);
/* Index of an enabled extension by capability name, or -1. */
int sg_registry_extension_index(const sg_registry *reg, const char *name);
const sg_extension *sg_registry_extension_at(const sg_registry *reg, size_t index);
int sg_registry_index_of(const sg_registry *reg, const sg_extension *ext);

/* Looks a command or test up by lower-case name (NULL when unknown); `owner`
 * receives the extension that defines it. */
const sg_command_def *sg_registry_command(const sg_registry *reg, const char *name,
                                          const sg_extension **owner);
/* Calls fn for every command and test name (for "did you mean" suggestions). */
void sg_registry_each_command(const sg_registry *reg,
                              void (*fn)(void *data, const sg_command_def *def), void *data);
/* A tag another extension adds to `command` (NULL when none). */
const sg_tag_extension *sg_registry_tag_extension(const sg_registry *reg, const char *command,
                                                  const char *tag, const sg_extension **owner);
const sg_class_member *sg_registry_member(const sg_registry *reg, sg_tag_class cls,
                                          const char *name, const sg_extension **owner);
/* All capability names, for messages and `sievegate --capabilities`. */
const char *sg_registry_name_at(const sg_registry *reg, size_t index);

/* The table of built-in extensions (extensions.c). */
extern const sg_extension *const sg_builtin_extensions[];
extern const size_t sg_builtin_extension_count;

#endif
