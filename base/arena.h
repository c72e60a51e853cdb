/* arena.h - region allocator for per-script and per-message data.
 *
 * Takes: nothing but sizes. Returns: memory that lives until sg_arena_free().
 * Everything the parser builds (AST nodes, strings) is owned by one arena, so
 * discarding half-built values during error recovery can never leak.
 * Allocation failure is fatal (EX_TEMPFAIL, like Postfix's mymalloc): the MTA
 * keeps the message and retries, which is the only safe answer to OOM here.
 */
#ifndef SG_ARENA_H
#define SG_ARENA_H

#include <stddef.h>

typedef struct sg_arena sg_arena;

sg_arena *sg_arena_new(void);
void sg_arena_free(sg_arena *arena);
/* Frees everything allocated so far but keeps the memory for the next
 * allocations (a loop over messages maps and unmaps nothing after the
 * first). Every pointer into the arena is invalid afterwards. */
void sg_arena_reset(sg_arena *arena);

/* Aligned for any pointer or 64-bit integer; never returns NULL. */
void *sg_arena_alloc(sg_arena *arena, size_t size);
/* Unaligned, for character data. */
void *sg_arena_alloc_bytes(sg_arena *arena, size_t size);
void *sg_arena_calloc(sg_arena *arena, size_t size);
char *sg_arena_strndup(sg_arena *arena, const char *s, size_t len);
char *sg_arena_strdup(sg_arena *arena, const char *s);
/* An array of `size`-byte items in the arena with room for one more: items
 * itself while count < *cap, else a copy in a block twice as large (`first`
 * items the first time), *cap updated. Arena arrays cannot grow in place:
 * doubling wastes at most the final size. */
void *sg_arena_grow(sg_arena *arena, void *items, size_t count, size_t *cap, size_t size, size_t first);

/* Bytes obtained from malloc so far (for benchmarks and limits). */
size_t sg_arena_footprint(const sg_arena *arena);
/* Bytes handed out so far (what the data really takes). */
size_t sg_arena_used(const sg_arena *arena);

/* malloc/realloc that exit with EX_TEMPFAIL instead of returning NULL. */
void *sg_xmalloc(size_t size);
void *sg_xrealloc(void *p, size_t size);
char *sg_xstrdup(const char *s);

#endif
