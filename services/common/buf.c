/* buf: growable buffers and bounded protobuf-c unpacking. */
#include "buf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *sos_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *sos_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return q;
}

void *sos_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    return p;
}

char *sos_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sos_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

void sos_buf_reserve(sos_buf *b, size_t cap)
{
    if (cap <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < cap)
        ncap *= 2;
    uint8_t *p = realloc(b->data, ncap);
    if (!p) {
        fputs("fatal: out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = ncap;
}

void sos_buf_append(sos_buf *b, const void *p, size_t n)
{
    sos_buf_reserve(b, b->len + n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void sos_buf_reset(sos_buf *b)
{
    b->len = 0;
}

void sos_buf_free(sos_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void sos_buf_pack(sos_buf *b, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    sos_buf_reserve(b, n ? n : 1); /* never a NULL buffer, even for an empty message */
    size_t w = protobuf_c_message_pack(msg, b->data);
    assert(w == n);
    b->len = w;
}

/* The budget travels in the allocator's data: one per unpack call. */
typedef struct {
    size_t used;
} s_budget;

static void *s_budget_alloc(void *data, size_t size)
{
    s_budget *bud = data;
    if (size > SOS_UNPACK_BUDGET || bud->used + size > SOS_UNPACK_BUDGET)
        return NULL;
    bud->used += size;
    return malloc(size);
}

static void s_budget_free(void *data, void *p)
{
    (void)data;
    free(p);
}

ProtobufCMessage *sos_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len)
{
    s_budget bud = {0};
    ProtobufCAllocator a = {s_budget_alloc, s_budget_free, &bud};
    /* protobuf-c frees with the allocator it unpacked with only when it
     * fails midway; success is freed with the default (malloc) allocator,
     * which s_budget_free matches. */
    return protobuf_c_message_unpack(d, &a, len, data);
}
