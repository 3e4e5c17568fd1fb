/* take: signing and filing one take, shared by `take file` and `import`. */
#ifndef SOS_TAKE_H
#define SOS_TAKE_H

#include "clnt.h"
#include "scoring.pb-c.h"
#include "sign.h"

/* Packs body, signs it with k under the take domain and files it with the
 * take id as request id. On SOS_CLNT_OK, *rep_out is the reply (the
 * caller's: sos__scoring_reply__free_unpacked), *status_out borrowed from
 * it, hash the accepted take's hash when status is OK. */
int sos_take_file(sos_clnt *c, const sos_key *k, Sos__TakeBody *body, uint8_t hash[SOS_HASH_BYTES],
                  Sos__Status **status_out, Sos__ScoringReply **rep_out);

#endif
