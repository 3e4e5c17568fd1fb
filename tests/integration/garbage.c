/* garbage: sends hostile frames to a running service's api and checks it
 * keeps answering.
 *
 *   garbage ENDPOINT COUNT SEED
 *
 * Sends COUNT frames: random bytes, truncated and bit-flipped copies of a
 * valid status request, multi-frame messages, and one frame over
 * SOS_WIRE_MAX_REQUEST on a socket of its own. Every reply must parse as an
 * ErrorReply with status BAD_REQUEST (or be a status reply, for a flipped
 * frame that still parses), and after all of it a well-formed status query
 * must be answered. Exit 0 when all of that holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clnt.h"
#include "wire.h"

static int s_fail(const char *why)
{
    fprintf(stderr, "garbage: FAIL: %s\n", why);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return 64;
    const char *ep = argv[1];
    long count = atol(argv[2]);
    srand((unsigned)atol(argv[3]));
    sos_wire *w = NULL;
    sos_sock *s = NULL, *big = NULL;
    int rc = 1;
    long replies = 0, errors = 0;
    if (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_DEALER, ep, &s) != 0)
        return 69;

    Sos__StatusRequest sr = SOS__STATUS_REQUEST__INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    uint8_t id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    sr.request_id = (ProtobufCBinaryData){sizeof id, id};
    sr.status = &empty;
    sos_buf valid = SOS_BUF_INIT;
    sos_buf_pack(&valid, &sr.base);

    uint8_t buf[4096];
    for (long i = 0; i < count; i++) {
        size_t n;
        int kind = (int)(i % 4);
        if (kind == 0) { /* random bytes */
            n = (size_t)(rand() % (int)sizeof buf);
            for (size_t k = 0; k < n; k++)
                buf[k] = (uint8_t)rand();
        } else if (kind == 1) { /* truncated valid request */
            n = (size_t)(rand() % (int)valid.len);
            memcpy(buf, valid.data, n);
        } else { /* bit-flipped valid request */
            n = valid.len;
            memcpy(buf, valid.data, n);
            buf[rand() % (int)n] ^= (uint8_t)(1u << (rand() % 8));
        }
        sos_frame f[3] = {{buf, n}, {buf, n / 2}, {buf, 1}};
        if (sos_sock_send(s, f, kind == 3 ? 3 : 1) != 0)
            return s_fail("send");
    }
    /* one frame over the limit: libzmq drops the connection, not the daemon */
    if (sos_sock_new(w, SOS_SOCK_DEALER, ep, &big) != 0)
        return 69;
    size_t bn = SOS_WIRE_MAX_REQUEST + 1;
    uint8_t *bigbuf = calloc(1, bn);
    sos_frame bf = {bigbuf, bn};
    (void)sos_sock_send(big, &bf, 1);

    /* drain replies for a while */
    int64_t end = sos_now_ms() + 3000;
    while (sos_now_ms() < end) {
        bool rd;
        sos_sock *ss[1] = {s};
        if (sos_wire_poll(ss, 1, &rd, 200) <= 0)
            continue;
        sos_frames in;
        while (sos_sock_recv(s, &in) == 0) {
            replies++;
            Sos__ErrorReply *er = in.n == 1
                                      ? (Sos__ErrorReply *)sos_unpack(&sos__error_reply__descriptor,
                                                                      in.data[0], in.len[0])
                                      : NULL;
            if (!er) {
                sos_frames_clear(&in);
                return s_fail("a reply that does not parse");
            }
            if (er->status && er->status->code != SOS__CODE__CODE_OK)
                errors++;
            protobuf_c_message_free_unpacked(&er->base, NULL);
            sos_frames_clear(&in);
        }
        if (replies >= count)
            break;
    }
    sos_sock_destroy(&s);
    sos_sock_destroy(&big);
    free(bigbuf);
    sos_wire_destroy(&w);

    /* a well-formed client is still answered */
    sos_clnt *c = NULL;
    Sos__StatusReply *st = NULL;
    if (sos_clnt_new(ep, 2000, 2, &c) != 0)
        return 69;
    if (sos_clnt_status(c, &st) != SOS_CLNT_OK || !st->info)
        rc = s_fail("no status reply after the garbage");
    else
        rc = 0;
    if (st)
        sos__status_reply__free_unpacked(st, NULL);
    sos_clnt_destroy(&c);
    sos_buf_free(&valid);
    printf("garbage: %s: %ld frames sent, %ld replies, %ld error replies, still answering: %s\n",
           ep, count, replies, errors, rc == 0 ? "yes" : "no");
    if (rc == 0 && errors == 0)
        return s_fail("no error reply at all");
    return rc;
}
