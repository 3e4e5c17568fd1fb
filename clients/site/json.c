/* json: the JSON shape of the protocol's records. See json.h. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "sign.h"
#include "text.h"

static json_t *s_hex(const ProtobufCBinaryData *d)
{
    char *h = sos_xmalloc(2 * d->len + 1);
    sos_hex(d->data, d->len, h);
    json_t *j = json_string(h);
    free(h);
    return j;
}

static json_t *s_b64(const ProtobufCBinaryData *d)
{
    char *b = sos_xmalloc(SOS_BASE64_LEN(d->len));
    sos_base64(d->data, d->len, b);
    json_t *j = json_string(b);
    free(b);
    return j;
}

json_t *sos_json_tool(const Sos__Tool *t)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id", t->tool_id, "name",
                     t->name, "vendor", t->vendor, "tagline", t->tagline, "category", t->category,
                     "tier", sos_tier_name(t->tier), "pricing", t->pricing, "description",
                     t->description, "link", t->link, "submitted_at", (json_int_t)t->submitted_at);
}

/* The envelope's JSON, whether its signature verifies, and its body
 * (the caller's; NULL when it breaks the envelope's other rules). The body
 * is opened even when the signature is bad: shown, flagged unverified. */
static json_t *s_envelope(const sos_envelope_kind *kind, const Sos__Signed *s, bool *verified,
                          ProtobufCMessage **body)
{
    *verified = sos_envelope_verify(kind, s) == SOS_ENVELOPE_OK;
    if (sos_envelope_open(kind, s, true, body) != SOS_ENVELOPE_OK)
        *body = NULL;
    uint8_t h[SOS_HASH_BYTES];
    sos_hash(s->payload.data, s->payload.len, h);
    ProtobufCBinaryData hd = {sizeof h, h};
    return json_pack("{s:o, s:o, s:o, s:o, s:b}", "payload", s_b64(&s->payload), "signer",
                     s_hex(&s->signer), "signature", s_hex(&s->signature), "hash", s_hex(&hd),
                     "verified", *verified);
}

json_t *sos_json_take(const Sos__Signed *s, bool *ok)
{
    bool verified;
    ProtobufCMessage *m;
    json_t *env = s_envelope(&sos_envelope_take, s, &verified, &m);
    Sos__TakeBody *b = (Sos__TakeBody *)m;
    if (!verified || !b)
        *ok = false;
    if (!b)
        return json_pack("{s:o, s:s}", "signed", env, "error", "payload does not parse");
    json_t *j =
        json_pack("{s:o, s:s, s:s, s:i, s:s, s:s, s:i, s:I, s:o}", "take_id", s_hex(&b->take_id),
                  "tool", b->tool_id, "persona", sos_persona_name(b->persona), "score",
                  (int)b->score, "verdict", b->ship ? "ship" : "skip", "text", b->text, "revision",
                  (int)b->revision, "filed_at", (json_int_t)b->filed_at, "signed", env);
    sos__take_body__free_unpacked(b, NULL);
    return j;
}

json_t *sos_json_verdict_body(const Sos__VerdictBody *b)
{
    char line[128];
    sos_verdict_line(b, line, sizeof line);
    json_t *hashes = json_array();
    for (size_t i = 0; i < b->n_take_hashes; i++)
        json_array_append_new(hashes, s_hex(&b->take_hashes[i]));
    return json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:f, s:s, s:I, s:o}", "tool", b->tool_id,
                     "label", sos_label_name(b->label), "summary", line, "ship", (int)b->ship,
                     "skip", (int)b->skip, "ship_pct", (int)b->ship_pct, "mean_score",
                     b->mean_score_x100 / 100.0, "rule", b->rule, "finalized_at",
                     (json_int_t)b->finalized_at, "take_hashes", hashes);
}

json_t *sos_json_verdict(const Sos__Verdict *v, bool *ok)
{
    bool verified;
    json_t *takes = json_array();
    ProtobufCMessage *m = NULL;
    json_t *env = v->verdict ? s_envelope(&sos_envelope_verdict, v->verdict, &verified, &m) : NULL;
    Sos__VerdictBody *b = (Sos__VerdictBody *)m;
    if (!env || !verified || !b)
        *ok = false;
    for (size_t i = 0; i < v->n_takes; i++) {
        json_array_append_new(takes, sos_json_take(v->takes[i], ok));
        /* the take must be one the verdict counted */
        uint8_t h[SOS_HASH_BYTES];
        bool listed = false;
        sos_hash(v->takes[i]->payload.data, v->takes[i]->payload.len, h);
        for (size_t k = 0; b && k < b->n_take_hashes; k++)
            if (b->take_hashes[k].len == SOS_HASH_BYTES &&
                memcmp(b->take_hashes[k].data, h, SOS_HASH_BYTES) == 0)
                listed = true;
        if (!listed)
            *ok = false;
    }
    if (b && b->n_take_hashes != v->n_takes)
        *ok = false;
    json_t *j = json_pack("{s:o, s:o, s:o}", "tool", v->tool ? sos_json_tool(v->tool) : json_null(),
                          "verdict", b ? sos_json_verdict_body(b) : json_null(), "takes", takes);
    if (env && b)
        json_object_set_new(json_object_get(j, "verdict"), "signed", env);
    else if (env)
        json_decref(env);
    if (b)
        sos__verdict_body__free_unpacked(b, NULL);
    return j;
}

json_t *sos_json_comparison(const Sos__Comparison *c)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "slug", c->slug, "a", c->tool_a, "b", c->tool_b,
                     "created_at", (json_int_t)c->created_at);
}

void sos_verdict_line(const Sos__VerdictBody *b, char *out, size_t cap)
{
    if (b->label == SOS__LABEL__LABEL_UNSPECIFIED)
        snprintf(out, cap, "No panel takes yet");
    else
        snprintf(out, cap, "%s \xc2\xb7 %u ship / %u skip", sos_label_name(b->label), b->ship,
                 b->skip);
}

json_t *sos_json_tally_body(const Sos__TallyBody *b)
{
    return json_pack("{s:s, s:i, s:i, s:i, s:i, s:b, s:i, s:I, s:I}", "tool", b->tool_id, "ship",
                     (int)b->ship, "skip", (int)b->skip, "total", (int)b->total, "ship_pct",
                     (int)b->ship_pct, "shown", b->shown, "min_votes", (int)b->min_votes,
                     "tallied_at", (json_int_t)b->tallied_at, "seq", (json_int_t)b->seq);
}

json_t *sos_json_tally(const Sos__Signed *s, bool *ok)
{
    bool verified;
    ProtobufCMessage *m;
    json_t *env = s_envelope(&sos_envelope_tally, s, &verified, &m);
    Sos__TallyBody *b = (Sos__TallyBody *)m;
    if (!verified || !b)
        *ok = false;
    if (!b)
        return json_pack("{s:o, s:s}", "signed", env, "error", "payload does not parse");
    json_t *j = sos_json_tally_body(b);
    json_object_set_new(j, "signed", env);
    sos__tally_body__free_unpacked(b, NULL);
    return j;
}
