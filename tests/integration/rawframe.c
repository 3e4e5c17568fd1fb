/* rawframe: one frame of raw bytes to a daemon's api, its answer printed.
 *
 *   rawframe ENDPOINT HEX
 *
 * Sends the bytes HEX stands for as one message on a DEALER (ipc only) and
 * waits for the reply (60 s at most: a hang guard, not a speed claim). It
 * prints "code=<Sos__Code> msg=<status message>" from the reply read as an
 * ErrorReply, the shape every service's reply shares, and exits 0; 1 when
 * no reply came or it does not parse; 64 usage. editor_test.py sends what
 * no client stub can make any more (an unsigned mutation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sign.h"
#include "sos.pb-c.h"
#include "wire.h"

int main(int argc, char **argv)
{
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    sos_frames in = {0};
    int rc = 1;
    if (argc != 3 || strlen(argv[2]) % 2 != 0) {
        fprintf(stderr, "usage: rawframe ENDPOINT HEX\n");
        return 64;
    }
    size_t n = strlen(argv[2]) / 2;
    uint8_t *frame = sos_xmalloc(n ? n : 1);
    if (sos_unhex(argv[2], frame, n) != 0) {
        fprintf(stderr, "rawframe: HEX is not hex\n");
        free(frame);
        return 64;
    }
    if (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_DEALER, argv[1], &s) != 0)
        goto out;
    sos_frame f = {frame, n};
    if (sos_sock_send(s, &f, 1) != 0)
        goto out;
    bool readable = false;
    if (sos_wire_poll(&s, 1, &readable, 60000) <= 0 || sos_sock_recv(s, &in) != 0 || in.n != 1)
        goto out;
    Sos__ErrorReply *r = (Sos__ErrorReply *)protobuf_c_message_unpack(&sos__error_reply__descriptor,
                                                                      NULL, in.len[0], in.data[0]);
    if (!r)
        goto out;
    printf("code=%d msg=%s\n", r->status ? (int)r->status->code : 0,
           r->status ? r->status->message : "");
    sos__error_reply__free_unpacked(r, NULL);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "rawframe: no reply from %s\n", argv[1]);
    sos_frames_clear(&in);
    sos_sock_destroy(&s);
    if (w)
        sos_wire_destroy(&w);
    free(frame);
    return rc;
}
