/* web_community: votes and tallies through the community daemon. */
#include "web_community.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clnt.h"
#include "community_clnt.h"
#include "log.h"
#include "sign.h"
#include "wire.h"

#define S_POOL_MAX 64

struct web_community {
    const web_conf *w;
    sos_tkey *tkey; /* NULL over ipc */
    uint8_t server_key[SOS_PK_BYTES];
    pthread_mutex_t mu;
    sos_clnt *idle[S_POOL_MAX];
    size_t n_idle;
};

int web_community_new(const web_conf *w, web_community **out, char *err, size_t errlen)
{
    web_community *c = sos_xcalloc(1, sizeof *c);
    c->w = w;
    pthread_mutex_init(&c->mu, NULL);
    if (sos_endpoint_needs_curve(w->community_api)) {
        int krc = sos_tkey_load(w->transport_key, &c->tkey);
        if (krc != 0) {
            snprintf(err, errlen, "cannot load the gateway's transport key %s: %s",
                     w->transport_key,
                     krc == -2 ? "group or others may read it (chmod 600)"
                               : "unreadable or not a transport key (`sos keygen --only "
                                 "transport` makes one)");
            web_community_destroy(&c);
            return -1;
        }
        if (sos_pub_read(w->community_server_key, c->server_key) != 0) {
            snprintf(err, errlen, "cannot read community's public transport key from %s",
                     w->community_server_key);
            web_community_destroy(&c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

void web_community_destroy(web_community **cp)
{
    web_community *c = *cp;
    if (!c)
        return;
    for (size_t i = 0; i < c->n_idle; i++)
        sos_clnt_destroy(&c->idle[i]);
    sos_tkey_destroy(&c->tkey);
    pthread_mutex_destroy(&c->mu);
    free(c);
    *cp = NULL;
}

static sos_clnt *s_get(web_community *c)
{
    sos_clnt *k = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->n_idle)
        k = c->idle[--c->n_idle];
    pthread_mutex_unlock(&c->mu);
    if (k)
        return k;
    if (sos_clnt_new(c->w->community_api, c->w->community_timeout_ms, c->w->community_retries,
                     &k) != 0)
        return NULL;
    if (c->tkey)
        sos_clnt_curve(k, c->tkey, c->server_key);
    return k;
}

static void s_put(web_community *c, sos_clnt *k)
{
    pthread_mutex_lock(&c->mu);
    if (c->n_idle < S_POOL_MAX) {
        c->idle[c->n_idle++] = k;
        k = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    sos_clnt_destroy(&k);
}

/* What a call's outcome (rc, *rep) means for the reader: 0 with *rep, or
 * -1 with why (and *rep freed). */
static int s_outcome(web_community *c, int rc, Sos__CommunityReply **rep, web_refusal *why)
{
    if (rc == SOS_CLNT_UNREACHABLE) {
        sos_log_warn("community.unreachable", "endpoint=%s", c->w->community_api);
        return web_refuse(why, 503, "unavailable",
                          "the vote service did not answer; try again in a minute");
    }
    if (rc != SOS_CLNT_OK)
        return web_refuse(why, 502, "bad_gateway", "try again later");
    const Sos__Status *st = (*rep)->status;
    if (!st || st->code == SOS__CODE__CODE_OK)
        return 0;
    Sos__Code code = st->code;
    char msg[200];
    snprintf(msg, sizeof msg, "%s", st->message ? st->message : "");
    sos__community_reply__free_unpacked(*rep, NULL);
    *rep = NULL;
    switch (code) {
    case SOS__CODE__CODE_NOT_FOUND:
        return web_refuse(why, 404, "unknown_tool", "vote on a tool the site has published (%s)",
                          msg);
    case SOS__CODE__CODE_BAD_REQUEST: return web_refuse(why, 400, "bad_request", "%s", msg);
    case SOS__CODE__CODE_UNAVAILABLE:
        return web_refuse(why, 503, "unavailable", "try again later (%s)", msg);
    default: return web_refuse(why, 502, "bad_gateway", "try again later (%s)", msg);
    }
}

static json_t *s_tally(const Sos__TallyBody *b)
{
    return json_pack(
        "{s:s, s:I, s:I, s:I, s:o, s:b, s:I, s:I}", "tool", b->tool_id ? b->tool_id : "", "ship",
        (json_int_t)b->ship, "skip", (json_int_t)b->skip, "total", (json_int_t)b->total, "pct",
        b->shown ? json_integer(b->ship_pct) : json_null(), "shown", b->shown, "min_votes",
        (json_int_t)b->min_votes, "tallied_at", (json_int_t)b->tallied_at);
}

static const char *s_choice(Sos__VoteChoice v)
{
    return v == SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP   ? "ship"
           : v == SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP ? "skip"
                                                     : NULL;
}

int web_community_vote(web_community *c, const web_vote *v, json_t **out, web_refusal *why)
{
    _Static_assert(WEB_VOTER_BYTES == COMMUNITY_CLNT_TOKEN_BYTES, "a voter token is 128 bits");
    Sos__CommunityReply *rep = NULL;
    sos_clnt *k = s_get(c);
    if (!k)
        return web_refuse(why, 503, "unavailable", "try again in a moment");
    int rc = community_clnt_vote(k, NULL, 0, v->tool,
                                 v->ship ? SOS__VOTE_CHOICE__VOTE_CHOICE_SHIP
                                         : SOS__VOTE_CHOICE__VOTE_CHOICE_SKIP,
                                 v->voter, &rep);
    s_put(c, k);
    if (s_outcome(c, rc, &rep, why) != 0)
        return -1;
    if (rep->body_case != SOS__COMMUNITY_REPLY__BODY_VOTE || !rep->vote->tally) {
        sos__community_reply__free_unpacked(rep, NULL);
        return web_refuse(why, 502, "bad_gateway", "try again later");
    }
    const char *prev = s_choice(rep->vote->previous);
    json_t *t = s_tally(rep->vote->tally);
    *out = json_pack("{s:s, s:s, s:o, s:b, s:o}", "tool", v->tool, "vote",
                     v->ship ? "ship" : "skip", "previous", prev ? json_string(prev) : json_null(),
                     "changed", rep->vote->changed, "tally", t);
    sos__community_reply__free_unpacked(rep, NULL);
    return 0;
}

static json_t *s_hex(const ProtobufCBinaryData *d)
{
    char *h = sos_xmalloc(2 * d->len + 1);
    sos_hex(d->data, d->len, h);
    json_t *j = json_string(h);
    free(h);
    return j;
}

int web_community_tally(web_community *c, const char *tool, json_t **out, web_refusal *why)
{
    Sos__CommunityReply *rep = NULL;
    sos_clnt *k = s_get(c);
    if (!k)
        return web_refuse(why, 503, "unavailable", "try again in a moment");
    int rc = community_clnt_tally(k, NULL, 0, tool, &rep);
    s_put(c, k);
    if (s_outcome(c, rc, &rep, why) != 0)
        return -1;
    if (rep->body_case != SOS__COMMUNITY_REPLY__BODY_TALLY || !rep->tally->body ||
        !rep->tally->signed_) {
        sos__community_reply__free_unpacked(rep, NULL);
        return web_refuse(why, 502, "bad_gateway", "try again later");
    }
    const Sos__Signed *s = rep->tally->signed_;
    char *b64 = sos_xmalloc(SOS_BASE64_LEN(s->payload.len));
    sos_base64(s->payload.data, s->payload.len, b64);
    json_t *j = s_tally(rep->tally->body);
    json_object_set_new(j, "signed",
                        json_pack("{s:s, s:o, s:o}", "payload", b64, "signer", s_hex(&s->signer),
                                  "signature", s_hex(&s->signature)));
    free(b64);
    sos__community_reply__free_unpacked(rep, NULL);
    *out = j;
    return 0;
}
