/* submission_clnt: the client stub of the submission service.
 *
 * Every call takes a request id (id, idlen; NULL: a fresh random one) so a
 * caller that retries a whole operation can make it idempotent. On
 * SOS_CLNT_OK *rep is the reply, the caller's to free with
 * sos__submission_reply__free_unpacked; its status says whether the service
 * agreed. Negative returns are clnt.h's SOS_CLNT_* codes. */
#ifndef SUBMISSION_CLNT_H
#define SUBMISSION_CLNT_H

#include <stddef.h>
#include <stdint.h>

#include "clnt.h"
#include "submission.pb-c.h"

/* Every call that changes something is an editor's signed request
 * (sos_clnt_call_editorial): ed says who signs it and when. */

/* submits a tool; reply.tool is the stored tool (CONFLICT names an existing one) */
int submission_clnt_tool_submit(sos_clnt *c, const uint8_t *id, size_t idlen,
                                const sos_clnt_editor *ed, Sos__Tool *tool,
                                Sos__SubmissionReply **rep);
/* one tool; reply.tool */
int submission_clnt_tool_show(sos_clnt *c, const uint8_t *id, size_t idlen, const char *tool_id,
                              Sos__SubmissionReply **rep);
/* every tool; reply.tools */
/* One page of the tools (or comparisons) after `after` (NULL or "": from
 * the first), at most max (0: the service's page size); the reply's
 * tools->next (comparisons->next) continues, "" after the last page. */
int submission_clnt_tool_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                              uint32_t max, Sos__SubmissionReply **rep);
/* registers a reviewer key for a persona */
int submission_clnt_panel_add(sos_clnt *c, const uint8_t *id, size_t idlen,
                              const sos_clnt_editor *ed, Sos__PanelKey *key,
                              Sos__SubmissionReply **rep);
/* the panel registry; reply.panel */
int submission_clnt_panel_list(sos_clnt *c, const uint8_t *id, size_t idlen,
                               Sos__SubmissionReply **rep);
/* pairs two tools; reply.comparison */
int submission_clnt_compare_create(sos_clnt *c, const uint8_t *id, size_t idlen,
                                   const sos_clnt_editor *ed, Sos__Comparison *cmp,
                                   Sos__SubmissionReply **rep);
/* registers an editor's key (the first one: signed by itself); reply.editor */
int submission_clnt_editor_add(sos_clnt *c, const uint8_t *id, size_t idlen,
                               const sos_clnt_editor *ed, Sos__EditorKey *key,
                               Sos__SubmissionReply **rep);
/* revokes an editor's key (pk: 32 bytes, borrowed); reply.editor */
int submission_clnt_editor_revoke(sos_clnt *c, const uint8_t *id, size_t idlen,
                                  const sos_clnt_editor *ed, const uint8_t *pk,
                                  Sos__SubmissionReply **rep);
/* the editors registry, current and revoked; reply.editors */
int submission_clnt_editor_list(sos_clnt *c, const uint8_t *id, size_t idlen,
                                Sos__SubmissionReply **rep);
/* every comparison; reply.comparisons */
int submission_clnt_compare_list(sos_clnt *c, const uint8_t *id, size_t idlen, const char *after,
                                 uint32_t max, Sos__SubmissionReply **rep);

#endif
