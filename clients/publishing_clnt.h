/* publishing_clnt: the client stub of the publishing service.
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent. On
 * SOS_CLNT_OK *rep is the reply, the caller's to free with
 * sos__publishing_reply__free_unpacked; its status says whether the service
 * agreed. Negative returns are clnt.h's SOS_CLNT_* codes. */
#ifndef PUBLISHING_CLNT_H
#define PUBLISHING_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "publishing.pb-c.h"

/* Publishing answers the common queries only: sos_clnt_events() is the
 * pull, sos_clnt_status() the status. This header exists so callers name
 * the service they talk to. */

#endif
