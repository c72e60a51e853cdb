/* script_cache.c - see script_cache.h. A short list in least-recently-used
 * order: a worker serves at most a few hundred users, and a lookup compares
 * inode numbers before any path. */
#include "engine/deliver/script_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

struct sg_cached_script {
    sg_cached_script *prev, *next; /* the LRU list, most recent first */
    char *path;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    sg_script *script;
    char *src; /* the text the script points into */
    size_t len;
    size_t bytes;  /* what it costs: the script's arena, the text, the path */
    unsigned refs; /* the cache's own (while listed) and each holder's */
};

struct sg_script_cache {
    pthread_mutex_t lock;
    sg_cached_script *head, *tail;
    size_t count, bytes, max_bytes;
};

sg_script_cache *sg_script_cache_new(size_t max_bytes)
{
    sg_script_cache *c = sg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->max_bytes = max_bytes;
    return c;
}

static void entry_free(sg_cached_script *e)
{
    sg_script_free(e->script);
    free(e->src);
    free(e->path);
    free(e);
}

static void unlink_entry(sg_script_cache *c, sg_cached_script *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(sg_script_cache *c, sg_cached_script *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Drops the cache's reference; the entry goes when no delivery holds it. With the lock. */
static void drop(sg_script_cache *c, sg_cached_script *e)
{
    unlink_entry(c, e);
    c->count--;
    c->bytes -= e->bytes;
    if (--e->refs == 0)
        entry_free(e);
}

void sg_script_cache_free(sg_script_cache *c)
{
    if (!c)
        return;
    while (c->head)
        drop(c, c->head); /* entries still held are the holders' to free: none is, when the host ends */
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool same_file(const sg_cached_script *e, const struct stat *st)
{
    return e->ino == st->st_ino && e->dev == st->st_dev && e->size == st->st_size && same_time(&e->mtim, &st->st_mtim) &&
           same_time(&e->ctim, &st->st_ctim);
}

sg_cached_script *sg_script_cache_get(sg_script_cache *c, const char *path, const struct stat *st)
{
    pthread_mutex_lock(&c->lock);
    sg_cached_script *e = c->head;
    while (e && !(same_file(e, st) && strcmp(e->path, path) == 0))
        e = e->next;
    if (e) {
        e->refs++;
        unlink_entry(c, e);
        push_front(c, e);
    }
    pthread_mutex_unlock(&c->lock);
    return e;
}

sg_cached_script *sg_script_cache_put(sg_script_cache *c, const char *path, const struct stat *st, sg_script *script,
                                      char *src, size_t len, time_t now)
{
    /* A change within SETTLE seconds of the read may share its timestamp with
     * a later write of the same size: not kept until the file has settled. */
    if (st->st_mtim.tv_sec > now - SG_SCRIPT_CACHE_SETTLE || st->st_ctim.tv_sec > now - SG_SCRIPT_CACHE_SETTLE)
        return NULL;
    size_t bytes = sg_arena_footprint(script->arena) + len + 2 + strlen(path) + 1 + sizeof(sg_cached_script);
    if (bytes > c->max_bytes)
        return NULL;
    sg_cached_script *e = sg_xmalloc(sizeof *e);
    memset(e, 0, sizeof *e);
    e->path = sg_xstrdup(path);
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    e->size = st->st_size;
    e->mtim = st->st_mtim;
    e->ctim = st->st_ctim;
    e->script = script;
    e->src = src;
    e->len = len;
    e->bytes = bytes;
    e->refs = 2; /* the cache's and the caller's */
    pthread_mutex_lock(&c->lock);
    for (sg_cached_script *o = c->head, *next; o; o = next) { /* the path's older version */
        next = o->next;
        if (strcmp(o->path, path) == 0)
            drop(c, o);
    }
    while (c->tail && c->bytes + bytes > c->max_bytes)
        drop(c, c->tail);
    push_front(c, e);
    c->count++;
    c->bytes += bytes;
    pthread_mutex_unlock(&c->lock);
    return e;
}

const sg_script *sg_cached_script_script(const sg_cached_script *e)
{
    return e->script;
}

const char *sg_cached_script_source(const sg_cached_script *e, size_t *len)
{
    *len = e->len;
    return e->src;
}

void sg_script_cache_release(sg_script_cache *c, sg_cached_script *e)
{
    pthread_mutex_lock(&c->lock);
    bool last = --e->refs == 0;
    pthread_mutex_unlock(&c->lock);
    if (last)
        entry_free(e);
}

size_t sg_script_cache_count(sg_script_cache *c, size_t *bytes)
{
    pthread_mutex_lock(&c->lock);
    size_t n = c->count;
    if (bytes)
        *bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
    return n;
}
