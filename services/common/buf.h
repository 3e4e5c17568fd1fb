/* buf: a growable byte buffer, and packing protobuf-c messages into one.
 *
 * A sos_buf owns its data; sos_buf_free() releases it and leaves an empty
 * buffer that may be reused. Out of memory aborts: a daemon cannot answer
 * anything sensible without memory, and the supervisor restarts it. */
#ifndef SOS_BUF_H
#define SOS_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
} sos_buf;

#define SOS_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void sos_buf_reserve(sos_buf *b, size_t cap);
void sos_buf_append(sos_buf *b, const void *p, size_t n);
void sos_buf_reset(sos_buf *b); /* len = 0, keeps the memory */
void sos_buf_free(sos_buf *b);
/* Replace the contents with the packed form of msg. */
void sos_buf_pack(sos_buf *b, const ProtobufCMessage *msg);

/* Allocation helpers that abort on exhaustion. */
void *sos_xmalloc(size_t n);
void *sos_xcalloc(size_t n, size_t size);
void *sos_xrealloc(void *p, size_t n);
char *sos_xstrdup(const char *s);

/* The allocator handed to protobuf-c unpack: bounded to SOS_UNPACK_BUDGET
 * bytes per message so a hostile frame cannot make us allocate without
 * end. Free what it unpacked with protobuf_c_message_free_unpacked(m, NULL)
 * (it uses the system allocator underneath). */
#define SOS_UNPACK_BUDGET (8u << 20)
ProtobufCMessage *sos_unpack(const ProtobufCMessageDescriptor *d, const uint8_t *data, size_t len);

#endif
