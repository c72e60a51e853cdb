/* arena.c - chunked bump allocator; see arena.h. */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define SG_EX_TEMPFAIL 75
#define ARENA_FIRST_CHUNK (16u * 1024u)
#define ARENA_MAX_CHUNK (256u * 1024u)
/* Chunks from this size on are mapped with MAP_POPULATE: one system call
 * instead of a page fault per 4 KiB, which dominated parsing time in VMs. */
#define ARENA_MAP_CHUNK (64u * 1024u)

typedef struct chunk {
    struct chunk *prev;
    size_t size; /* usable bytes after the header */
    size_t used;
    size_t mapped; /* bytes mmap'ed, or 0 when from malloc */
    alignas(max_align_t) unsigned char data[];
} chunk;

struct sg_arena {
    chunk *head;
    chunk *spare; /* emptied by sg_arena_reset, reused before anything is mapped */
    size_t next_size;
    size_t footprint;
};

static void out_of_memory(size_t size)
{
    fprintf(stderr, "sievegate: fatal: out of memory (allocating %zu bytes)\n", size);
    exit(SG_EX_TEMPFAIL);
}

void *sg_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *sg_xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q)
        out_of_memory(size);
    return q;
}

char *sg_xstrdup(const char *s)
{
    size_t len = strlen(s) + 1;
    return memcpy(sg_xmalloc(len), s, len);
}

sg_arena *sg_arena_new(void)
{
    sg_arena *a = sg_xmalloc(sizeof *a);
    a->head = NULL;
    a->spare = NULL;
    a->next_size = ARENA_FIRST_CHUNK;
    a->footprint = sizeof *a;
    return a;
}

static void free_chunks(chunk *c)
{
    while (c) {
        chunk *prev = c->prev;
        if (c->mapped)
            munmap(c, c->mapped);
        else
            free(c);
        c = prev;
    }
}

void sg_arena_free(sg_arena *arena)
{
    if (!arena)
        return;
    free_chunks(arena->head);
    free_chunks(arena->spare);
    free(arena);
}

void sg_arena_reset(sg_arena *arena)
{
    chunk *c = arena->head;
    while (c) {
        chunk *prev = c->prev;
        c->used = 0;
        c->prev = arena->spare;
        arena->spare = c;
        c = prev;
    }
    arena->head = NULL;
}

/* The smallest spare chunk with room for `need` bytes (so a large one stays
 * for the large block it was made for), taken off the spare list, or NULL. */
static chunk *take_spare(sg_arena *a, size_t need)
{
    chunk **best = NULL;
    for (chunk **p = &a->spare; *p; p = &(*p)->prev)
        if ((*p)->size >= need && (!best || (*p)->size < (*best)->size))
            best = p;
    if (!best)
        return NULL;
    chunk *c = *best;
    *best = c->prev;
    return c;
}

static chunk *arena_grow(sg_arena *a, size_t need)
{
    chunk *reused = a->spare ? take_spare(a, need) : NULL;
    if (reused) {
        reused->prev = a->head;
        a->head = reused;
        return reused;
    }
    size_t size = a->next_size;
    if (size < need)
        size = need;
    if (a->next_size < ARENA_MAX_CHUNK)
        a->next_size *= 2;
    chunk *c = NULL;
    size_t total = sizeof *c + size;
    size_t mapped = 0;
    if (total >= ARENA_MAP_CHUNK) {
        mapped = (total + 4095) & ~(size_t)4095;
        void *p = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED)
            mapped = 0;
        else
            c = p;
    }
    if (!c)
        c = sg_xmalloc(total);
    c->size = (mapped ? mapped : total) - sizeof *c;
    c->used = 0;
    c->mapped = mapped;
    a->footprint += mapped ? mapped : total;
    /* A large one-off block goes behind the current chunk, which keeps its free tail. */
    if (a->head && size == need && a->head->size - a->head->used >= 256) {
        c->prev = a->head->prev;
        a->head->prev = c;
    } else {
        c->prev = a->head;
        a->head = c;
    }
    return c;
}

/* Pointer alignment is enough for every structure allocated here (no long
 * double, no SIMD types), and it keeps small nodes from being padded to 16. */
#define ARENA_ALIGN alignof(void *)

static void *arena_take(sg_arena *arena, size_t size, size_t align)
{
    chunk *c = arena->head;
    size_t start = c ? (c->used + align - 1) & ~(align - 1) : 0;
    if (!c || start > c->size || c->size - start < size) {
        c = arena_grow(arena, size);
        start = 0;
    }
    c->used = start + size;
    return c->data + start;
}

void *sg_arena_alloc(sg_arena *arena, size_t size)
{
    return arena_take(arena, size ? size : 1, ARENA_ALIGN);
}

void *sg_arena_alloc_bytes(sg_arena *arena, size_t size)
{
    return arena_take(arena, size ? size : 1, 1);
}

void *sg_arena_calloc(sg_arena *arena, size_t size)
{
    return memset(sg_arena_alloc(arena, size), 0, size);
}

char *sg_arena_strndup(sg_arena *arena, const char *s, size_t len)
{
    char *p = sg_arena_alloc_bytes(arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sg_arena_strdup(sg_arena *arena, const char *s)
{
    return sg_arena_strndup(arena, s, strlen(s));
}

void *sg_arena_grow(sg_arena *arena, void *items, size_t count, size_t *cap, size_t size, size_t first)
{
    if (count < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : first;
    void *n = sg_arena_alloc(arena, ncap * size);
    if (count)
        memcpy(n, items, count * size);
    *cap = ncap;
    return n;
}

size_t sg_arena_footprint(const sg_arena *arena)
{
    return arena->footprint;
}

size_t sg_arena_used(const sg_arena *arena)
{
    size_t used = 0;
    for (const chunk *c = arena->head; c; c = c->prev)
        used += c->used; /* spare chunks are empty */
    return used;
}
