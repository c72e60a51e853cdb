/* arena.c - chunked bump allocator; see arena.h. */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SG_EX_TEMPFAIL 75
#define ARENA_FIRST_CHUNK (16u * 1024u)
#define ARENA_MAX_CHUNK (1024u * 1024u)

typedef struct chunk {
    struct chunk *prev;
    size_t size; /* usable bytes after the header */
    size_t used;
    alignas(max_align_t) unsigned char data[];
} chunk;

struct sg_arena {
    chunk *head;
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
    a->next_size = ARENA_FIRST_CHUNK;
    a->footprint = sizeof *a;
    return a;
}

void sg_arena_free(sg_arena *arena)
{
    if (!arena)
        return;
    chunk *c = arena->head;
    while (c) {
        chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    free(arena);
}

static chunk *arena_grow(sg_arena *a, size_t need)
{
    size_t size = a->next_size;
    if (size < need)
        size = need;
    if (a->next_size < ARENA_MAX_CHUNK)
        a->next_size *= 2;
    chunk *c = sg_xmalloc(sizeof *c + size);
    c->size = size;
    c->used = 0;
    a->footprint += sizeof *c + size;
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

void *sg_arena_alloc(sg_arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    chunk *c = arena->head;
    if (!c || c->size - c->used < size)
        c = arena_grow(arena, size);
    void *p = c->data + c->used;
    c->used += size;
    return p;
}

void *sg_arena_calloc(sg_arena *arena, size_t size)
{
    return memset(sg_arena_alloc(arena, size), 0, size);
}

char *sg_arena_strndup(sg_arena *arena, const char *s, size_t len)
{
    char *p = sg_arena_alloc(arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *sg_arena_strdup(sg_arena *arena, const char *s)
{
    return sg_arena_strndup(arena, s, strlen(s));
}

size_t sg_arena_footprint(const sg_arena *arena)
{
    return arena->footprint;
}
