/* community: the fifth daemon (rules in community.c).
 *
 * SOCKETS  api ROUTER ([community] api), events PUB ([community] events);
 *          follows publishing (publications make tools votable).
 * STORE    <data_dir>/community: tools, votes, tallies, subscribers, tokens,
 *          sends + meta, events, requests. Subscribers are state only, never
 *          logged (community_sub.c).
 * KEYS     <key_dir>/community.key (created 0600) signs tallies under
 *          "shiporskip/tally/v1"; <key_dir>/community.voter.key (created
 *          0600) keys the voter hash.
 * CONFIG   [community] min_votes (default 10): below it a tally's % is not
 *          shown.
 * ACCESS   the gateway role may vote, tally and subscribe, nothing else;
 *          editors list and delete subscribers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "community.h"
#include "conf.h"
#include "log.h"
#include "rules.h"

static int s_init(sos_svc *svc, void **app)
{
    char path[4096];
    const sos_conf *conf = sos_svc_conf(svc);
    const char *dir = sos_conf_get(conf, "paths", "key_dir");
    long long min = 0;
    community_state *c = sos_xcalloc(1, sizeof *c);
    if (sos_conf_int(conf, "community", "min_votes", COMMUNITY_MIN_VOTES_DEFAULT, &min) != 0 ||
        min < 1 || min > 1000000) {
        sos_log_error("config", "key=community.min_votes msg=\"an integer from 1 to 1000000\"");
        goto fail;
    }
    c->min_votes = (uint32_t)min;
    if (sos_conf_mkdirs(dir, 0700) != 0) {
        sos_log_error("key_dir", "dir=%s", dir);
        goto fail;
    }
    snprintf(path, sizeof path, "%s/community.key", dir);
    if (sos_key_load_or_create(path, &c->key) != 0) {
        sos_log_error("key.load", "path=%s msg=\"unreadable, malformed or not 0600\"", path);
        goto fail;
    }
    char hex[2 * SOS_PK_BYTES + 1];
    sos_hex(sos_key_public(c->key), SOS_PK_BYTES, hex);
    sos_log_info("key.loaded", "path=%s public=%s", path, hex);
    snprintf(path, sizeof path, "%s/community.voter.key", dir);
    if (sos_mac_key_load_or_create(path, &c->voter_key) != 0) {
        sos_log_error("key.load", "path=%s msg=\"unreadable, malformed or not 0600\"", path);
        goto fail;
    }
    sos_log_info("config", "min_votes=%u", c->min_votes);
    *app = c;
    return 0;
fail:
    sos_key_destroy(&c->key);
    free(c);
    return -1;
}

static void s_fini(void *app)
{
    community_state *c = app;
    sos_key_destroy(&c->key);
    sos_mac_key_destroy(&c->voter_key);
    free(c);
}

static unsigned s_roles(const ProtobufCMessage *m)
{
    const Sos__CommunityRequest *r = (const Sos__CommunityRequest *)m;
    switch (r->body_case) {
    case SOS__COMMUNITY_REQUEST__BODY_VOTE:
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBE:
    case SOS__COMMUNITY_REQUEST__BODY_CONFIRM:
    case SOS__COMMUNITY_REQUEST__BODY_UNSUBSCRIBE: return SOS_ROLE_GATEWAY | SOS_ROLE_EDITOR;
    case SOS__COMMUNITY_REQUEST__BODY_TALLY:
        return SOS_ROLE_GATEWAY | SOS_ROLE_EDITOR | SOS_ROLE_PUBLISHER | SOS_ROLE_SERVICE;
    case SOS__COMMUNITY_REQUEST__BODY_SEND_MARK: return SOS_ROLE_EDITOR | SOS_ROLE_PUBLISHER;
    default: return SOS_ROLE_EDITOR; /* subscriber list and delete: personal data */
    }
}

static bool s_is_write(const ProtobufCMessage *m)
{
    const Sos__CommunityRequest *r = (const Sos__CommunityRequest *)m;
    switch (r->body_case) {
    case SOS__COMMUNITY_REQUEST__BODY_VOTE:
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBE:
    case SOS__COMMUNITY_REQUEST__BODY_CONFIRM:
    case SOS__COMMUNITY_REQUEST__BODY_UNSUBSCRIBE:
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBER_DELETE:
    case SOS__COMMUNITY_REQUEST__BODY_SEND_MARK: return true;
    default: return false;
    }
}

static int s_handle(sos_svc *svc, sos_txn *t, const ProtobufCMessage *m, sos_buf *out)
{
    const Sos__CommunityRequest *r = (const Sos__CommunityRequest *)m;
    const community_state *c = sos_svc_app(svc);
    Sos__CommunityReply rep = SOS__COMMUNITY_REPLY__INIT;
    Sos__Status status = SOS__STATUS__INIT;
    Sos__VoteResult res = SOS__VOTE_RESULT__INIT;
    Sos__TallyBody tb = SOS__TALLY_BODY__INIT;
    Sos__TallyView view = SOS__TALLY_VIEW__INIT;
    Sos__Signed env = SOS__SIGNED__INIT;
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    sos_status st = SOS_STATUS_OK;
    uint64_t now = (uint64_t)time(NULL);
    uint8_t tok[2][COMMUNITY_TOKEN_BYTES];
    Sos__Subscriber *sub = NULL;
    Sos__SubscriberPage page = SOS__SUBSCRIBER_PAGE__INIT;
    Sos__Empty empty = SOS__EMPTY__INIT;
    int rc;

    rep.request_id = r->request_id;
    rep.status = &status;
    switch (r->body_case) {
    case SOS__COMMUNITY_REQUEST__BODY_VOTE:
        rc = community_vote(c, t, r->vote, now, &res, &tb, &st);
        if (rc > 0 && st.upstream_may_know && !sos_svc_synced(svc))
            return SOS_SVC_SYNC; /* published a moment ago? */
        if (rc == 0) {
            rep.body_case = SOS__COMMUNITY_REPLY__BODY_VOTE;
            rep.vote = &res;
        }
        break;
    case SOS__COMMUNITY_REQUEST__BODY_TALLY:
        rc = community_tally(c, t, r->tally, now, &tb, &st);
        if (rc > 0 && st.upstream_may_know && !sos_svc_synced(svc))
            return SOS_SVC_SYNC;
        if (rc == 0) {
            community_tally_sign(c, &tb, &payload, sig, &env);
            view.body = &tb;
            view.signed_ = &env;
            rep.body_case = SOS__COMMUNITY_REPLY__BODY_TALLY;
            rep.tally = &view;
        }
        break;
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBE:
        sos_random(tok[0], sizeof tok[0]);
        sos_random(tok[1], sizeof tok[1]);
        rc = community_subscribe(t, r->subscribe, now, tok[0], tok[1], &sub, &st);
        break;
    case SOS__COMMUNITY_REQUEST__BODY_CONFIRM:
        rc = community_confirm(t, r->confirm, now, &sub, &st);
        break;
    case SOS__COMMUNITY_REQUEST__BODY_UNSUBSCRIBE:
        rc = community_unsubscribe(t, r->unsubscribe, &sub, &st);
        break;
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBER_DELETE:
        rc = community_subscriber_delete(t, r->subscriber_delete, &sub, &st);
        break;
    case SOS__COMMUNITY_REQUEST__BODY_SUBSCRIBER_LIST:
        rc = community_subscriber_list(t, r->subscriber_list, &page, &st);
        if (rc == 0) {
            rep.body_case = SOS__COMMUNITY_REPLY__BODY_SUBSCRIBERS;
            rep.subscribers = &page;
        }
        break;
    case SOS__COMMUNITY_REQUEST__BODY_SEND_MARK:
        rc = community_send_mark(t, r->send_mark, now, &st);
        if (rc == 0) {
            rep.body_case = SOS__COMMUNITY_REPLY__BODY_SENT;
            rep.sent = &empty;
        }
        break;
    default:
        rc = sos_fail(&st, SOS__CODE__CODE_BAD_REQUEST, "unknown request for community");
        break;
    }
    if (rc == 0 && sub) {
        rep.body_case = SOS__COMMUNITY_REPLY__BODY_SUBSCRIBER;
        rep.subscriber = sub;
    }
    if (rc >= 0) {
        sos_rules_status(rc, &st, &status);
        if (rc > 0)
            rep.body_case = SOS__COMMUNITY_REPLY__BODY__NOT_SET;
        sos_buf_pack(out, &rep.base);
    }
    sos_buf_free(&payload);
    if (sub)
        sos__subscriber__free_unpacked(sub, NULL);
    community_page_clear(&page);
    return sos_rules_verb(rc);
}

static int s_apply(sos_svc *svc, sos_txn *t, const Sos__Event *ev)
{
    (void)svc;
    return community_apply(t, ev);
}

static const char *const s_dbs[] = {"tools", "votes", "tallies", "subscribers", "tokens", "sends"};

const sos_svc_spec community_spec = {
    .name = "community",
    .upstream = "publishing",
    .dbs = s_dbs,
    .n_dbs = 6,
    .request = &sos__community_request__descriptor,
    .init = s_init,
    .fini = s_fini,
    .roles = s_roles,
    .is_write = s_is_write,
    .handle = s_handle,
    .apply = s_apply,
};
