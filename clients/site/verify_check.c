/* verify_check: the checks of signed data behind verify_site (see
 * verify.c for the walk, verify.h for the interface).
 *
 * verify: offline verification of a rendered site.
 *
 * verify_site() (`sos verify [--key HEX|FILE.pub] DIR`) checks a release
 * (DIR/current when DIR is a `sos render --out` directory, else DIR itself)
 * and trusts nothing in it but signatures. No daemon is contacted.
 *
 *   1. index.json names the tool twins (tools/<id>/index.json) and the
 *      comparison twins (compare/<slug>/index.json); each is read, checked
 *      and released before the next.
 *   2. In every twin, each signed take and verdict: the Ed25519 signature
 *      under its domain, the listed hash (BLAKE2b-256 of the payload), a
 *      payload that decodes without unknown fields; the verdict lists
 *      exactly the takes shown; its numbers are the tally of those takes
 *      (sos_tally_takes); every displayed field is the signed value (the
 *      tool's fields are VerdictBody.tool). Every verdict is signed by
 *      --key, or all by one key, which is printed. A comparison twin's
 *      embedded verdicts are checked the same way and must carry the same
 *      signed data as the tool twins; its "answer" must be what
 *      site_answer_line makes of those two verdicts.
 *   3. The whole site is rebuilt from the signed data alone with the site
 *      model of render.h (Verdict = {VerdictBody.tool, signed verdict, the
 *      listed takes in the verdict's order}, plus each comparison and the
 *      unsigned seq numbers and base_url), into a temporary directory, and
 *      compared with the release byte for byte, both ways: the index pages
 *      (index.html, compare/index.html, tools/index.html and their twins)
 *      too, so a row's verdict, answer, date, order or search data that
 *      is not what the signed verdicts make fails there.
 *
 * One line per problem, "<file>: <reason>" (file relative to the release);
 * `sos verify` prints them on stdout, then a summary, and exits 0 clean, 77
 * when a signature, hash or signer check failed, 65 for other mismatches
 * only, 66 when DIR has no index.json. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "json.h"
#include "render.h"
#include "sign.h"
#include "site.h"
#include "tally.h"
#include "text.h"
#include "verify_int.h"

/* Prints one line of output. Ids, slugs and file names in it come from
 * the site, so anything but printable ASCII and valid UTF-8 text is shown
 * as \xNN: a crafted name cannot forge a line of its own. */
void verify_emit(FILE *out, const char *line)
{
    for (const unsigned char *p = (const unsigned char *)line; *p;) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xc0 && *p < 0xe0 ? 2 : *p >= 0xe0 && *p < 0xf0 ? 3 : 4;
        if (*p >= 0x20 && *p != 0x7f && *p != '\\' &&
            (n == 1 || (strnlen((const char *)p, n) == n && sos_text_valid((const char *)p, n)))) {
            fwrite(p, 1, n, out);
            p += n;
        } else {
            fprintf(out, "\\x%02x", *p);
            p++;
        }
    }
    fputc('\n', out);
}

void verify_problem(verify_ctx *x, bool forged, const verify_where *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n = snprintf(line, sizeof line, "%s: %s", w->file, w->prefix ? w->prefix : "");
    if (n >= 0 && (size_t)n < sizeof line) {
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    verify_emit(x->out, line);
    x->problems++;
    if (forged)
        x->forged = true;
}

/* --- decoding -------------------------------------------------------- */

/* Standard base64 with padding, nothing else accepted (sos_unbase64). 0 or
 * -1; *out is malloc'd (at least one byte) on success. */
static int s_b64_decode(const char *s, uint8_t **out, size_t *n)
{
    size_t cap = strlen(s) / 4 * 3 + 1;
    uint8_t *d = sos_xmalloc(cap);
    if (sos_unbase64(s, d, cap, n) != 0) {
        free(d);
        return -1;
    }
    *out = d;
    return 0;
}

const char *verify_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* --- one signed envelope ----------------------------------------------- */

void verify_env_clear(verify_env *e)
{
    free(e->payload.data);
    memset(e, 0, sizeof *e);
}

/* e as the Signed envelope it was shown as: borrows e's bytes. */
static Sos__Signed s_env_signed(const verify_env *e)
{
    Sos__Signed s = SOS__SIGNED__INIT;
    s.payload = e->payload;
    s.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)e->signer};
    s.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, (uint8_t *)e->sig};
    return s;
}

/* Decodes holder["signed"] and checks it as an envelope of kind
 * (envelope.h: shape and signature) and its listed hash. Reports problems
 * as `what ...`; e->decoded tells whether the payload, signer and
 * signature could be read at all. */
static void s_env_read(verify_ctx *x, const verify_where *w, const char *what, const json_t *holder,
                       const sos_envelope_kind *kind, verify_env *e)
{
    memset(e, 0, sizeof *e);
    const json_t *s = json_object_get(holder, "signed");
    const char *payload = verify_str(s, "payload"), *signer = verify_str(s, "signer"),
               *sig = verify_str(s, "signature"), *hash = verify_str(s, "hash");
    uint8_t listed[SOS_HASH_BYTES];
    if (!json_is_object(s)) {
        verify_problem(x, true, w, "%s has no \"signed\" envelope", what);
        return;
    }
    if (!payload || s_b64_decode(payload, &e->payload.data, &e->payload.len) != 0) {
        verify_problem(x, true, w, "%s payload is not base64", what);
        return;
    }
    if (!signer || sos_unhex(signer, e->signer, SOS_PK_BYTES) != 0) {
        verify_problem(x, true, w, "%s signer is not a 64-digit hex key", what);
        return;
    }
    if (!sig || sos_unhex(sig, e->sig, SOS_SIG_BYTES) != 0) {
        verify_problem(x, true, w, "%s signature is not 128 hex digits", what);
        return;
    }
    e->decoded = true;
    sos_hash(e->payload.data, e->payload.len, e->hash);
    e->verified = true;
    Sos__Signed view = s_env_signed(e);
    int rc = sos_envelope_verify(kind, &view);
    if (rc == SOS_ENVELOPE_FORGED) {
        verify_problem(x, true, w, "%s signature does not verify", what);
        e->verified = false;
    } else if (rc != SOS_ENVELOPE_OK) {
        char why[256];
        sos_envelope_describe(kind, rc, why, sizeof why);
        verify_problem(x, true, w, "%s: %s", what, why);
        e->verified = false;
    }
    if (!hash || sos_unhex(hash, listed, SOS_HASH_BYTES) != 0 ||
        memcmp(listed, e->hash, SOS_HASH_BYTES) != 0) {
        verify_problem(x, true, w, "%s hash does not match its payload", what);
        e->verified = false;
    }
}

/* The body of e, an envelope of kind whose signature s_env_read checked:
 * decoded with no unknown fields and in canonical form (envelope.h), the
 * caller's; NULL, reported as `what: ...`, when it is not. */
static ProtobufCMessage *s_env_open(verify_ctx *x, const verify_where *w, const char *what,
                                    const sos_envelope_kind *kind, const verify_env *e)
{
    ProtobufCMessage *m = NULL;
    Sos__Signed view = s_env_signed(e);
    int rc = sos_envelope_open(kind, &view, true, &m);
    if (rc != SOS_ENVELOPE_OK) {
        char why[256];
        sos_envelope_describe(kind, rc, why, sizeof why);
        verify_problem(x, false, w, "%s: %s", what, why);
    }
    return m;
}

static void s_digest_add(sos_buf *b, const verify_env *e)
{
    uint8_t n8[8];
    for (int i = 0; i < 8; i++)
        n8[i] = (uint8_t)((uint64_t)e->payload.len >> (56 - 8 * i));
    sos_buf_append(b, n8, 8);
    sos_buf_append(b, e->payload.data, e->payload.len);
    sos_buf_append(b, e->signer, SOS_PK_BYTES);
    sos_buf_append(b, e->sig, SOS_SIG_BYTES);
}

/* --- displayed fields ------------------------------------------------ */

static void s_want_str(verify_ctx *x, const verify_where *w, const json_t *o, const char *key,
                       const char *want, const char *what, const char *whose)
{
    const char *got = verify_str(o, key);
    if (!got)
        verify_problem(x, false, w, "%s %s is missing", what, key);
    else if (strcmp(got, want) != 0)
        verify_problem(x, false, w, "%s %s differs from the signed %s", what, key, whose);
}

static void s_want_int(verify_ctx *x, const verify_where *w, const json_t *o, const char *key,
                       uint64_t want, const char *what, const char *whose)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        verify_problem(x, false, w, "%s %s is missing or not an integer", what, key);
    else if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) != want)
        verify_problem(x, false, w, "%s %s %lld differs from the signed %s (%llu)", what, key,
                       (long long)json_integer_value(v), whose, (unsigned long long)want);
}

static void s_want_hex(verify_ctx *x, const verify_where *w, const json_t *o, const char *key,
                       const ProtobufCBinaryData *want, const char *what, const char *whose)
{
    char *hex = sos_xmalloc(2 * want->len + 1);
    sos_hex(want->data, want->len, hex);
    s_want_str(x, w, o, key, hex, what, whose);
    free(hex);
}

static void s_check_tool(verify_ctx *x, const verify_where *w, const json_t *o, const Sos__Tool *t)
{
    static const char *const what = "tool", *const whose = "tool record";
    if (!json_is_object(o)) {
        verify_problem(x, false, w, "tool is missing");
        return;
    }
    s_want_str(x, w, o, "id", t->tool_id, what, whose);
    s_want_str(x, w, o, "name", t->name, what, whose);
    s_want_str(x, w, o, "vendor", t->vendor, what, whose);
    s_want_str(x, w, o, "tagline", t->tagline, what, whose);
    s_want_str(x, w, o, "category", t->category, what, whose);
    s_want_str(x, w, o, "tier", sos_tier_name(t->tier), what, whose);
    s_want_str(x, w, o, "pricing", t->pricing, what, whose);
    s_want_str(x, w, o, "description", t->description, what, whose);
    s_want_str(x, w, o, "link", t->link, what, whose);
    s_want_int(x, w, o, "submitted_at", t->submitted_at, what, whose);
}

static void s_check_take_fields(verify_ctx *x, const verify_where *w, const json_t *o,
                                const char *what, const Sos__TakeBody *b)
{
    static const char *const whose = "take";
    s_want_hex(x, w, o, "take_id", &b->take_id, what, whose);
    s_want_str(x, w, o, "tool", b->tool_id, what, whose);
    s_want_str(x, w, o, "persona", sos_persona_name(b->persona), what, whose);
    s_want_int(x, w, o, "score", b->score, what, whose);
    s_want_str(x, w, o, "verdict", b->ship ? "ship" : "skip", what, whose);
    s_want_str(x, w, o, "text", b->text, what, whose);
    s_want_int(x, w, o, "revision", b->revision, what, whose);
    s_want_int(x, w, o, "filed_at", b->filed_at, what, whose);
}

static void s_check_verdict_fields(verify_ctx *x, const verify_where *w, const json_t *o,
                                   const Sos__VerdictBody *b)
{
    static const char *const what = "verdict", *const whose = "verdict";
    char line[128];
    sos_verdict_line(b, line, sizeof line);
    s_want_str(x, w, o, "tool", b->tool_id, what, whose);
    s_want_str(x, w, o, "label", sos_label_name(b->label), what, whose);
    s_want_str(x, w, o, "summary", line, what, whose);
    s_want_int(x, w, o, "ship", b->ship, what, whose);
    s_want_int(x, w, o, "skip", b->skip, what, whose);
    s_want_int(x, w, o, "ship_pct", b->ship_pct, what, whose);
    const json_t *m = json_object_get(o, "mean_score");
    if (!json_is_number(m))
        verify_problem(x, false, w, "verdict mean_score is missing or not a number");
    else if (json_number_value(m) != b->mean_score_x100 / 100.0)
        verify_problem(x, false, w, "verdict mean_score %g differs from the signed verdict (%.2f)",
                       json_number_value(m), b->mean_score_x100 / 100.0);
    s_want_str(x, w, o, "rule", b->rule, what, whose);
    s_want_int(x, w, o, "finalized_at", b->finalized_at, what, whose);
    const json_t *hs = json_object_get(o, "take_hashes");
    bool same = json_is_array(hs) && json_array_size(hs) == b->n_take_hashes;
    for (size_t i = 0; same && i < b->n_take_hashes; i++) {
        const char *h = json_string_value(json_array_get(hs, i));
        char hex[2 * SOS_HASH_BYTES + 1];
        if (!h || b->take_hashes[i].len != SOS_HASH_BYTES) {
            same = false;
            break;
        }
        sos_hex(b->take_hashes[i].data, SOS_HASH_BYTES, hex);
        same = strcmp(h, hex) == 0;
    }
    if (!same)
        verify_problem(x, false, w, "verdict take_hashes differ from the signed verdict");
}

/* --- one verdict (a tool twin, or a comparison's side) ----------------- */

void verify_vd_clear(verify_vd *d)
{
    if (d->body)
        sos__verdict_body__free_unpacked(d->body, NULL);
    verify_env_clear(&d->venv);
    for (size_t i = 0; i < d->n; i++) {
        verify_env_clear(&d->tenv[i]);
        if (d->tb[i])
            sos__take_body__free_unpacked(d->tb[i], NULL);
    }
    free(d->tenv);
    free(d->tb);
    free(d->listed);
    memset(d, 0, sizeof *d);
}

static void s_signer_check(verify_ctx *x, const verify_where *w, const uint8_t signer[SOS_PK_BYTES])
{
    char got[2 * SOS_PK_BYTES + 1], want[2 * SOS_PK_BYTES + 1];
    sos_hex(signer, SOS_PK_BYTES, got);
    if (x->pinned) {
        if (memcmp(signer, x->key, SOS_PK_BYTES) != 0)
            verify_problem(x, true, w, "verdict signed by %s, not by the --key", got);
        return;
    }
    if (!x->have_signer) {
        memcpy(x->signer, signer, SOS_PK_BYTES);
        x->have_signer = true;
    } else if (memcmp(signer, x->signer, SOS_PK_BYTES) != 0) {
        sos_hex(x->signer, SOS_PK_BYTES, want);
        verify_problem(x, true, w, "verdict signed by %s, the others by %s", got, want);
    }
}

static bool s_text(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!sos_text_valid(v[i], strlen(v[i])))
            return false;
    return true;
}

/* Checks the verdict object j ({tool, verdict, takes}) and fills d.
 * signer: apply the --key / one-signer rule (tool twins). */
void verify_check_verdict(verify_ctx *x, const verify_where *w, const json_t *j, bool signer,
                          verify_vd *d)
{
    size_t before = x->problems;
    const json_t *vj = json_object_get(j, "verdict"), *tj = json_object_get(j, "takes");
    memset(d, 0, sizeof *d);
    if (!json_is_object(j) || !json_is_object(vj) || !json_is_array(tj)) {
        verify_problem(x, false, w, "not a verdict (tool, verdict and takes expected)");
        return;
    }
    s_env_read(x, w, "verdict", vj, &sos_envelope_verdict, &d->venv);
    if (!d->venv.decoded)
        return;
    if (signer)
        s_signer_check(x, w, d->venv.signer);
    d->body = (Sos__VerdictBody *)s_env_open(x, w, "verdict", &sos_envelope_verdict, &d->venv);
    if (!d->body)
        return;
    const Sos__Tool *st = d->body->tool;
    const char *const vtext[] = {d->body->tool_id, d->body->rule};
    d->text_ok = s_text(vtext, 2);
    if (st) {
        const char *const ttext[] = {st->tool_id,  st->name,    st->vendor,      st->tagline,
                                     st->category, st->pricing, st->description, st->link};
        d->text_ok = d->text_ok && s_text(ttext, 8);
    }
    if (!d->text_ok)
        verify_problem(x, false, w, "verdict payload holds a string that is not valid text");
    s_check_verdict_fields(x, w, vj, d->body);
    if (!d->body->tool)
        verify_problem(x, false, w, "the signed verdict carries no tool record");
    else {
        if (strcmp(d->body->tool->tool_id, d->body->tool_id) != 0)
            verify_problem(x, false, w, "the signed tool record is %s, the verdict is on %s",
                           d->body->tool->tool_id, d->body->tool_id);
        s_check_tool(x, w, json_object_get(j, "tool"), d->body->tool);
    }

    /* the takes shown */
    d->n = json_array_size(tj);
    d->tenv = sos_xcalloc(d->n + 1, sizeof *d->tenv);
    d->tb = sos_xcalloc(d->n + 1, sizeof *d->tb);
    bool persona_seen[6] = {false};
    for (size_t i = 0; i < d->n; i++) {
        const json_t *t = json_array_get(tj, i);
        char what[64];
        snprintf(what, sizeof what, "take %zu", i + 1);
        if (!json_is_object(t)) {
            verify_problem(x, false, w, "%s is not an object", what);
            continue;
        }
        /* name it by its signed persona when the payload decodes, else by
         * the one shown */
        const json_t *sj = json_object_get(t, "signed");
        const char *b64 = verify_str(sj, "payload");
        uint8_t *raw = NULL;
        size_t rawn = 0;
        const char *pname = verify_str(t, "persona");
        Sos__TakeBody *peek = NULL;
        if (b64 && s_b64_decode(b64, &raw, &rawn) == 0)
            /* only to name the take in messages; s_env_open opens it below */
            peek = (Sos__TakeBody *)sos_unpack(&sos__take_body__descriptor, raw, rawn);
        snprintf(what, sizeof what, "take %zu (%s)", i + 1,
                 peek    ? sos_persona_name(peek->persona)
                 : pname ? pname
                         : "?");
        if (peek)
            sos__take_body__free_unpacked(peek, NULL);
        free(raw);

        s_env_read(x, w, what, t, &sos_envelope_take, &d->tenv[i]);
        if (!d->tenv[i].decoded)
            continue;
        Sos__TakeBody *b = (Sos__TakeBody *)s_env_open(x, w, what, &sos_envelope_take, &d->tenv[i]);
        if (!b)
            continue;
        d->tb[i] = b;
        const char *const ktext[] = {b->tool_id, b->text};
        if (!s_text(ktext, 2)) {
            verify_problem(x, false, w, "%s payload holds a string that is not valid text", what);
            d->text_ok = false;
        }
        s_check_take_fields(x, w, t, what, b);
        if (strcmp(b->tool_id, d->body->tool_id) != 0)
            verify_problem(x, false, w, "%s is a take on %s, not on %s", what, b->tool_id,
                           d->body->tool_id);
        if (b->persona < 1 || b->persona > 5)
            verify_problem(x, false, w, "%s has no valid persona", what);
        else if (persona_seen[b->persona])
            verify_problem(x, false, w, "%s is a second take of %s", what,
                           sos_persona_name(b->persona));
        else
            persona_seen[b->persona] = true;
        bool listed = false;
        for (size_t k = 0; k < d->body->n_take_hashes; k++)
            if (d->body->take_hashes[k].len == SOS_HASH_BYTES &&
                memcmp(d->body->take_hashes[k].data, d->tenv[i].hash, SOS_HASH_BYTES) == 0)
                listed = true;
        if (!listed)
            verify_problem(x, true, w, "%s is not one the verdict lists", what);
    }

    /* the listed takes, each shown exactly once */
    size_t nl = d->body->n_take_hashes, found = 0, decoded = 0;
    d->listed = sos_xcalloc(nl + 1, sizeof *d->listed);
    for (size_t k = 0; k < nl; k++) {
        d->listed[k] = -1;
        for (size_t i = 0; i < d->n; i++)
            if (d->tenv[i].decoded && d->body->take_hashes[k].len == SOS_HASH_BYTES &&
                memcmp(d->body->take_hashes[k].data, d->tenv[i].hash, SOS_HASH_BYTES) == 0) {
                if (d->listed[k] < 0)
                    d->listed[k] = (long)i;
                else
                    verify_problem(x, true, w, "take %zu repeats take %ld", i + 1,
                                   d->listed[k] + 1);
            }
        if (d->listed[k] >= 0) {
            found++;
            decoded += d->tb[d->listed[k]] != NULL;
        } else
            verify_problem(x, true, w, "the verdict lists take %zu of %zu, which is not shown",
                           k + 1, nl);
    }
    if (nl != d->n)
        verify_problem(x, true, w, "the verdict lists %zu takes, %zu are shown", nl, d->n);

    /* the arithmetic, over the listed takes */
    if (found == nl && decoded == nl) {
        const Sos__TakeBody **bs = sos_xcalloc(nl + 1, sizeof *bs);
        for (size_t k = 0; k < nl; k++)
            bs[k] = d->tb[d->listed[k]];
        sos_tally t;
        sos_tally_takes(bs, nl, &t);
        free(bs);
        const Sos__VerdictBody *b = d->body;
        if (t.ship != b->ship || t.skip != b->skip || t.ship_pct != b->ship_pct ||
            t.mean_score_x100 != b->mean_score_x100 || t.label != b->label)
            verify_problem(x, false, w,
                           "the signed verdict (%s, %u/%u, %u%%, mean x100 %u) is not the tally of "
                           "its takes (%s, %u/%u, %u%%, mean x100 %u)",
                           sos_label_name(b->label), b->ship, b->skip, b->ship_pct,
                           b->mean_score_x100, sos_label_name(t.label), t.ship, t.skip, t.ship_pct,
                           t.mean_score_x100);
    }

    /* what a comparison's copy must equal */
    sos_buf dg = SOS_BUF_INIT;
    s_digest_add(&dg, &d->venv);
    for (size_t i = 0; i < d->n; i++)
        if (d->tenv[i].decoded)
            s_digest_add(&dg, &d->tenv[i]);
    sos_hash(dg.data, dg.len, d->digest);
    sos_buf_free(&dg);
    d->clean = x->problems == before;
}

/* The Verdict to rebuild from: the signed tool record, the signed verdict
 * and the listed takes in the verdict's order. NULL when there is none. */
Sos__Verdict *verify_vd_rebuild(const verify_vd *d)
{
    if (!d->body || !d->body->tool || !d->text_ok)
        return NULL;
    size_t nl = d->body->n_take_hashes, k = 0;
    Sos__Signed vs = s_env_signed(&d->venv);
    Sos__Signed *ts = sos_xcalloc(nl + 1, sizeof *ts);
    Sos__Signed **tp = sos_xcalloc(nl + 1, sizeof *tp);
    for (size_t i = 0; i < nl; i++) {
        if (d->listed[i] < 0)
            continue;
        ts[k] = s_env_signed(&d->tenv[d->listed[i]]);
        tp[k] = &ts[k];
        k++;
    }
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = d->body->tool;
    v.verdict = &vs;
    v.n_takes = k;
    v.takes = tp;
    /* a deep copy the site model can own and free */
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, &v.base);
    Sos__Verdict *copy = (Sos__Verdict *)sos_unpack(&sos__verdict__descriptor, b.data, b.len);
    sos_buf_free(&b);
    free(ts);
    free(tp);
    return copy;
}

void verify_check_answer(verify_ctx *x, const verify_where *w, const json_t *j, const verify_vd *a,
                         const verify_vd *b)
{
    if (!a->body || !a->body->tool || !b->body || !b->body->tool)
        return; /* already reported on the side */
    char *want = site_answer_line(a->body, a->body->tool->name, b->body, b->body->tool->name);
    s_want_str(x, w, j, "answer", want, "comparison", "verdicts");
    free(want);
}
