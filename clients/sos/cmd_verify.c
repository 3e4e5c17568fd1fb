/* verify: offline verification of a rendered site.
 *
 * `sos verify [--key HEX|FILE.pub] DIR` checks a release (DIR/current when
 * DIR is a `sos render --out` directory, else DIR itself) and trusts nothing
 * in it but signatures. No daemon is contacted.
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
 *      signed data as the tool twins.
 *   3. The whole site is rebuilt from the signed data alone with the site
 *      model of render.h (Verdict = {VerdictBody.tool, signed verdict, the
 *      listed takes in the verdict's order}, plus each comparison and the
 *      unsigned seq numbers and base_url), into a temporary directory, and
 *      compared with the release byte for byte, both ways.
 *
 * One line per problem on stdout, "<file>: <reason>" (file relative to the
 * release), then a summary. Exit 0 clean; 77 a signature, hash or signer
 * check failed; 65 other mismatches only; 66 DIR has no index.json. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, realpath */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "render.h"
#include "sign.h"
#include "site.h"
#include "tally.h"
#include "text.h"

/* A tool twin as far as comparisons need it. */
typedef struct {
    char *id;
    uint8_t digest[SOS_HASH_BYTES]; /* of its signed envelopes, see s_digest */
    bool clean;                     /* its checks found nothing */
    bool rendered;                  /* in the rebuilt site model */
} s_toolrec;

typedef struct {
    size_t problems;
    bool forged; /* a signature, hash or signer check failed: exit 77 */
    bool pinned; /* --key */
    uint8_t key[SOS_PK_BYTES];
    bool have_signer;
    uint8_t signer[SOS_PK_BYTES];
    s_toolrec *tools;
    size_t nt, capt;
    render_site *site;
} s_ctx;

/* Where a problem is: the file, and a prefix inside it ("a (tool): "). */
typedef struct {
    const char *file;
    const char *prefix;
} s_where;

static void s_problem(s_ctx *x, bool forged, const s_where *w, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prints one line of output. Ids, slugs and file names in it come from
 * the site, so anything but printable ASCII and valid UTF-8 text is shown
 * as \xNN: a crafted name cannot forge a line of its own. */
static void s_emit(const char *line)
{
    for (const unsigned char *p = (const unsigned char *)line; *p;) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xc0 && *p < 0xe0 ? 2 : *p >= 0xe0 && *p < 0xf0 ? 3 : 4;
        if (*p >= 0x20 && *p != 0x7f && *p != '\\' &&
            (n == 1 || (strnlen((const char *)p, n) == n && sos_text_valid((const char *)p, n)))) {
            fwrite(p, 1, n, stdout);
            p += n;
        } else {
            printf("\\x%02x", *p);
            p++;
        }
    }
    putchar('\n');
}

static void s_problem(s_ctx *x, bool forged, const s_where *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n = snprintf(line, sizeof line, "%s: %s", w->file, w->prefix ? w->prefix : "");
    if (n >= 0 && (size_t)n < sizeof line) {
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    s_emit(line);
    x->problems++;
    if (forged)
        x->forged = true;
}

/* --- decoding -------------------------------------------------------- */

static int s_b64_val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Standard base64 with padding, nothing else accepted. 0 or -1; *out is
 * malloc'd (at least one byte) on success. */
static int s_b64_decode(const char *s, uint8_t **out, size_t *n)
{
    size_t len = strlen(s), o = 0;
    if (len % 4)
        return -1;
    uint8_t *d = sos_xmalloc(len / 4 * 3 + 1);
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        bool last = i + 4 == len;
        for (int k = 0; k < 4; k++)
            v[k] = s_b64_val((unsigned char)s[i + k]);
        if (v[0] < 0 || v[1] < 0)
            goto bad;
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12;
        if (v[2] < 0) { /* "xx==" */
            if (!last || s[i + 2] != '=' || s[i + 3] != '=' || (v[1] & 15))
                goto bad;
            d[o++] = (uint8_t)(w >> 16);
            break;
        }
        w |= (uint32_t)v[2] << 6;
        if (v[3] < 0) { /* "xxx=" */
            if (!last || s[i + 3] != '=' || (v[2] & 3))
                goto bad;
            d[o++] = (uint8_t)(w >> 16);
            d[o++] = (uint8_t)(w >> 8);
            break;
        }
        w |= (uint32_t)v[3];
        d[o++] = (uint8_t)(w >> 16);
        d[o++] = (uint8_t)(w >> 8);
        d[o++] = (uint8_t)w;
    }
    *out = d;
    *n = o;
    return 0;
bad:
    free(d);
    return -1;
}

static const char *s_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* --- one signed envelope ----------------------------------------------- */

typedef struct {
    ProtobufCBinaryData payload; /* malloc'd */
    uint8_t signer[SOS_PK_BYTES], sig[SOS_SIG_BYTES];
    uint8_t hash[SOS_HASH_BYTES]; /* computed from the payload */
    bool decoded;                 /* the envelope's fields decode */
    bool verified;                /* signature verifies, listed hash matches */
} s_env;

static void s_env_clear(s_env *e)
{
    free(e->payload.data);
    memset(e, 0, sizeof *e);
}

/* Decodes holder["signed"] and checks its signature under domain and its
 * listed hash. Reports problems as `what ...`; e->decoded tells whether
 * the payload, signer and signature could be read at all. */
static void s_env_read(s_ctx *x, const s_where *w, const char *what, const json_t *holder,
                       const char *domain, s_env *e)
{
    memset(e, 0, sizeof *e);
    const json_t *s = json_object_get(holder, "signed");
    const char *payload = s_str(s, "payload"), *signer = s_str(s, "signer"),
               *sig = s_str(s, "signature"), *hash = s_str(s, "hash");
    uint8_t listed[SOS_HASH_BYTES];
    if (!json_is_object(s)) {
        s_problem(x, true, w, "%s has no \"signed\" envelope", what);
        return;
    }
    if (!payload || s_b64_decode(payload, &e->payload.data, &e->payload.len) != 0) {
        s_problem(x, true, w, "%s payload is not base64", what);
        return;
    }
    if (!signer || sos_unhex(signer, e->signer, SOS_PK_BYTES) != 0) {
        s_problem(x, true, w, "%s signer is not a 64-digit hex key", what);
        return;
    }
    if (!sig || sos_unhex(sig, e->sig, SOS_SIG_BYTES) != 0) {
        s_problem(x, true, w, "%s signature is not 128 hex digits", what);
        return;
    }
    e->decoded = true;
    sos_hash(e->payload.data, e->payload.len, e->hash);
    e->verified = true;
    if (sos_verify(e->signer, domain, e->payload.data, e->payload.len, e->sig) != 0) {
        s_problem(x, true, w, "%s signature does not verify", what);
        e->verified = false;
    }
    if (!hash || sos_unhex(hash, listed, SOS_HASH_BYTES) != 0 ||
        memcmp(listed, e->hash, SOS_HASH_BYTES) != 0) {
        s_problem(x, true, w, "%s hash does not match its payload", what);
        e->verified = false;
    }
}

static void s_digest_add(sos_buf *b, const s_env *e)
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

static void s_want_str(s_ctx *x, const s_where *w, const json_t *o, const char *key,
                       const char *want, const char *what, const char *whose)
{
    const char *got = s_str(o, key);
    if (!got)
        s_problem(x, false, w, "%s %s is missing", what, key);
    else if (strcmp(got, want) != 0)
        s_problem(x, false, w, "%s %s differs from the signed %s", what, key, whose);
}

static void s_want_int(s_ctx *x, const s_where *w, const json_t *o, const char *key, uint64_t want,
                       const char *what, const char *whose)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        s_problem(x, false, w, "%s %s is missing or not an integer", what, key);
    else if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) != want)
        s_problem(x, false, w, "%s %s %lld differs from the signed %s (%llu)", what, key,
                  (long long)json_integer_value(v), whose, (unsigned long long)want);
}

static void s_want_hex(s_ctx *x, const s_where *w, const json_t *o, const char *key,
                       const ProtobufCBinaryData *want, const char *what, const char *whose)
{
    char *hex = sos_xmalloc(2 * want->len + 1);
    sos_hex(want->data, want->len, hex);
    s_want_str(x, w, o, key, hex, what, whose);
    free(hex);
}

static void s_check_tool(s_ctx *x, const s_where *w, const json_t *o, const Sos__Tool *t)
{
    static const char *const what = "tool", *const whose = "tool record";
    if (!json_is_object(o)) {
        s_problem(x, false, w, "tool is missing");
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

static void s_check_take_fields(s_ctx *x, const s_where *w, const json_t *o, const char *what,
                                const Sos__TakeBody *b)
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

static void s_check_verdict_fields(s_ctx *x, const s_where *w, const json_t *o,
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
        s_problem(x, false, w, "verdict mean_score is missing or not a number");
    else if (json_number_value(m) != b->mean_score_x100 / 100.0)
        s_problem(x, false, w, "verdict mean_score %g differs from the signed verdict (%.2f)",
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
        s_problem(x, false, w, "verdict take_hashes differ from the signed verdict");
}

/* --- one verdict (a tool twin, or a comparison's side) ----------------- */

typedef struct {
    Sos__VerdictBody *body; /* owned; NULL when it does not decode */
    s_env venv;
    size_t n; /* takes shown */
    s_env *tenv;
    Sos__TakeBody **tb; /* owned; NULL where a payload does not decode */
    /* the shown take of each listed hash, in the verdict's order; -1 none */
    long *listed;
    uint8_t digest[SOS_HASH_BYTES];
    bool clean;   /* no problem found */
    bool text_ok; /* every signed string is text (the pages cannot show others) */
} s_vd;

static void s_vd_clear(s_vd *d)
{
    if (d->body)
        sos__verdict_body__free_unpacked(d->body, NULL);
    s_env_clear(&d->venv);
    for (size_t i = 0; i < d->n; i++) {
        s_env_clear(&d->tenv[i]);
        if (d->tb[i])
            sos__take_body__free_unpacked(d->tb[i], NULL);
    }
    free(d->tenv);
    free(d->tb);
    free(d->listed);
    memset(d, 0, sizeof *d);
}

static void s_signer_check(s_ctx *x, const s_where *w, const uint8_t signer[SOS_PK_BYTES])
{
    char got[2 * SOS_PK_BYTES + 1], want[2 * SOS_PK_BYTES + 1];
    sos_hex(signer, SOS_PK_BYTES, got);
    if (x->pinned) {
        if (memcmp(signer, x->key, SOS_PK_BYTES) != 0)
            s_problem(x, true, w, "verdict signed by %s, not by the --key", got);
        return;
    }
    if (!x->have_signer) {
        memcpy(x->signer, signer, SOS_PK_BYTES);
        x->have_signer = true;
    } else if (memcmp(signer, x->signer, SOS_PK_BYTES) != 0) {
        sos_hex(x->signer, SOS_PK_BYTES, want);
        s_problem(x, true, w, "verdict signed by %s, the others by %s", got, want);
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
static void s_check_verdict(s_ctx *x, const s_where *w, const json_t *j, bool signer, s_vd *d)
{
    size_t before = x->problems;
    const json_t *vj = json_object_get(j, "verdict"), *tj = json_object_get(j, "takes");
    memset(d, 0, sizeof *d);
    if (!json_is_object(j) || !json_is_object(vj) || !json_is_array(tj)) {
        s_problem(x, false, w, "not a verdict (tool, verdict and takes expected)");
        return;
    }
    s_env_read(x, w, "verdict", vj, SOS_DOMAIN_VERDICT, &d->venv);
    if (!d->venv.decoded)
        return;
    if (signer)
        s_signer_check(x, w, d->venv.signer);
    d->body = (Sos__VerdictBody *)sos_unpack(&sos__verdict_body__descriptor, d->venv.payload.data,
                                             d->venv.payload.len);
    if (!d->body) {
        s_problem(x, false, w, "verdict payload does not decode as a VerdictBody");
        return;
    }
    if (d->body->base.n_unknown_fields || (d->body->tool && d->body->tool->base.n_unknown_fields))
        s_problem(x, false, w, "verdict payload carries unknown fields");
    const Sos__Tool *st = d->body->tool;
    const char *const vtext[] = {d->body->tool_id, d->body->rule};
    d->text_ok = s_text(vtext, 2);
    if (st) {
        const char *const ttext[] = {st->tool_id,  st->name,    st->vendor,      st->tagline,
                                     st->category, st->pricing, st->description, st->link};
        d->text_ok = d->text_ok && s_text(ttext, 8);
    }
    if (!d->text_ok)
        s_problem(x, false, w, "verdict payload holds a string that is not valid text");
    s_check_verdict_fields(x, w, vj, d->body);
    if (!d->body->tool)
        s_problem(x, false, w, "the signed verdict carries no tool record");
    else {
        if (strcmp(d->body->tool->tool_id, d->body->tool_id) != 0)
            s_problem(x, false, w, "the signed tool record is %s, the verdict is on %s",
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
            s_problem(x, false, w, "%s is not an object", what);
            continue;
        }
        /* name it by its signed persona when the payload decodes, else by
         * the one shown */
        const json_t *sj = json_object_get(t, "signed");
        const char *b64 = s_str(sj, "payload");
        uint8_t *raw = NULL;
        size_t rawn = 0;
        const char *pname = s_str(t, "persona");
        Sos__TakeBody *peek = NULL;
        if (b64 && s_b64_decode(b64, &raw, &rawn) == 0)
            peek = (Sos__TakeBody *)sos_unpack(&sos__take_body__descriptor, raw, rawn);
        snprintf(what, sizeof what, "take %zu (%s)", i + 1,
                 peek    ? sos_persona_name(peek->persona)
                 : pname ? pname
                         : "?");
        if (peek)
            sos__take_body__free_unpacked(peek, NULL);
        free(raw);

        s_env_read(x, w, what, t, SOS_DOMAIN_TAKE, &d->tenv[i]);
        if (!d->tenv[i].decoded)
            continue;
        Sos__TakeBody *b = (Sos__TakeBody *)sos_unpack(
            &sos__take_body__descriptor, d->tenv[i].payload.data, d->tenv[i].payload.len);
        if (!b) {
            s_problem(x, false, w, "%s payload does not decode as a TakeBody", what);
            continue;
        }
        d->tb[i] = b;
        if (b->base.n_unknown_fields)
            s_problem(x, false, w, "%s payload carries unknown fields", what);
        const char *const ktext[] = {b->tool_id, b->text};
        if (!s_text(ktext, 2)) {
            s_problem(x, false, w, "%s payload holds a string that is not valid text", what);
            d->text_ok = false;
        }
        s_check_take_fields(x, w, t, what, b);
        if (strcmp(b->tool_id, d->body->tool_id) != 0)
            s_problem(x, false, w, "%s is a take on %s, not on %s", what, b->tool_id,
                      d->body->tool_id);
        if (b->persona < 1 || b->persona > 5)
            s_problem(x, false, w, "%s has no valid persona", what);
        else if (persona_seen[b->persona])
            s_problem(x, false, w, "%s is a second take of %s", what, sos_persona_name(b->persona));
        else
            persona_seen[b->persona] = true;
        bool listed = false;
        for (size_t k = 0; k < d->body->n_take_hashes; k++)
            if (d->body->take_hashes[k].len == SOS_HASH_BYTES &&
                memcmp(d->body->take_hashes[k].data, d->tenv[i].hash, SOS_HASH_BYTES) == 0)
                listed = true;
        if (!listed)
            s_problem(x, true, w, "%s is not one the verdict lists", what);
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
                    s_problem(x, true, w, "take %zu repeats take %ld", i + 1, d->listed[k] + 1);
            }
        if (d->listed[k] >= 0) {
            found++;
            decoded += d->tb[d->listed[k]] != NULL;
        } else
            s_problem(x, true, w, "the verdict lists take %zu of %zu, which is not shown", k + 1,
                      nl);
    }
    if (nl != d->n)
        s_problem(x, true, w, "the verdict lists %zu takes, %zu are shown", nl, d->n);

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
            s_problem(x, false, w,
                      "the signed verdict (%s, %u/%u, %u%%, mean x100 %u) is not the tally of "
                      "its takes (%s, %u/%u, %u%%, mean x100 %u)",
                      sos_label_name(b->label), b->ship, b->skip, b->ship_pct, b->mean_score_x100,
                      sos_label_name(t.label), t.ship, t.skip, t.ship_pct, t.mean_score_x100);
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
static Sos__Verdict *s_vd_rebuild(const s_vd *d)
{
    if (!d->body || !d->body->tool || !d->text_ok)
        return NULL;
    size_t nl = d->body->n_take_hashes, k = 0;
    Sos__Signed vs = SOS__SIGNED__INIT;
    Sos__Signed *ts = sos_xcalloc(nl + 1, sizeof *ts);
    Sos__Signed **tp = sos_xcalloc(nl + 1, sizeof *tp);
    vs.payload = d->venv.payload;
    vs.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)d->venv.signer};
    vs.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, (uint8_t *)d->venv.sig};
    for (size_t i = 0; i < nl; i++) {
        if (d->listed[i] < 0)
            continue;
        const s_env *e = &d->tenv[d->listed[i]];
        ts[k] = (Sos__Signed)SOS__SIGNED__INIT;
        ts[k].payload = e->payload;
        ts[k].signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)e->signer};
        ts[k].signature = (ProtobufCBinaryData){SOS_SIG_BYTES, (uint8_t *)e->sig};
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

/* --- twins ----------------------------------------------------------- */

static json_t *s_load_json(s_ctx *x, const char *root, const char *rel)
{
    char path[PATH_MAX];
    json_error_t err;
    s_where w = {rel, NULL};
    snprintf(path, sizeof path, "%s/%s", root, rel);
    if (access(path, F_OK) != 0) {
        s_problem(x, false, &w, "is missing (index.json links it)");
        return NULL;
    }
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        s_problem(x, false, &w, "does not parse as JSON (line %d: %s)", err.line, err.text);
    else if (!json_is_object(j)) {
        s_problem(x, false, &w, "is not a JSON object");
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* "tools/<id>/index.json" -> id in out; false when href is not that shape. */
static bool s_href(const char *href, const char *dir, char *out, size_t cap)
{
    size_t dl = strlen(dir);
    static const char tail[] = "/index.json";
    if (!href || strncmp(href, dir, dl) != 0 || href[dl] != '/')
        return false;
    const char *id = href + dl + 1, *slash = strchr(id, '/');
    if (!slash || strcmp(slash, tail) != 0 || slash == id || (size_t)(slash - id) >= cap)
        return false;
    memcpy(out, id, (size_t)(slash - id));
    out[slash - id] = '\0';
    return strcmp(out, ".") != 0 && strcmp(out, "..") != 0;
}

static s_toolrec *s_find_tool(s_ctx *x, const char *id)
{
    for (size_t i = 0; i < x->nt; i++)
        if (strcmp(x->tools[i].id, id) == 0)
            return &x->tools[i];
    return NULL;
}

static void s_tool_twin(s_ctx *x, const char *root, const char *rel, const char *href_id)
{
    json_t *j = s_load_json(x, root, rel);
    if (!j)
        return;
    s_where w = {rel, NULL};
    s_vd d;
    s_check_verdict(x, &w, j, true, &d);
    const json_t *seq = json_object_get(j, "seq");
    if (!json_is_integer(seq) || json_integer_value(seq) < 0)
        s_problem(x, false, &w, "seq is missing or not a sequence number");
    if (d.body && strcmp(d.body->tool_id, href_id) != 0) {
        s_problem(x, false, &w, "holds the verdict on %s", d.body->tool_id);
        d.clean = false;
    }
    if (x->nt == x->capt) {
        x->capt = x->capt ? 2 * x->capt : 16;
        x->tools = realloc(x->tools, x->capt * sizeof *x->tools);
        if (!x->tools)
            abort();
    }
    s_toolrec *r = &x->tools[x->nt++];
    r->id = sos_xstrdup(href_id);
    memcpy(r->digest, d.digest, SOS_HASH_BYTES);
    r->clean = d.clean;
    r->rendered = false;

    /* the rebuilt pages go to tools/<signed id>/: only ids that are the
     * href's (a plain path segment) get there */
    Sos__Verdict *v = d.body && d.body->tool && strcmp(d.body->tool_id, href_id) == 0 &&
                              strcmp(d.body->tool->tool_id, href_id) == 0
                          ? s_vd_rebuild(&d)
                          : NULL;
    if (v) {
        site_tool *st = sos_xcalloc(1, sizeof *st);
        uint64_t sq = json_is_integer(seq) && json_integer_value(seq) > 0
                          ? (uint64_t)json_integer_value(seq)
                          : 0;
        if (site_tool_load(v, sq, st) == 0) {
            render_site_add_tool(x->site, st);
            r->rendered = true;
        } else {
            free(st);
            s_problem(x, false, &w, "its signed data cannot be rendered");
        }
    }
    s_vd_clear(&d);
    json_decref(j);
}

static void s_compare_twin(s_ctx *x, const char *root, const char *rel, const char *href_slug)
{
    json_t *j = s_load_json(x, root, rel);
    if (!j)
        return;
    s_where w = {rel, NULL};
    const json_t *cj = json_object_get(j, "comparison"), *seq = json_object_get(j, "seq");
    const char *slug = s_str(cj, "slug"), *a = s_str(cj, "a"), *b = s_str(cj, "b");
    const json_t *created = json_object_get(cj, "created_at");
    if (!slug || !a || !b || !json_is_integer(created) || json_integer_value(created) < 0 ||
        !json_is_integer(seq) || json_integer_value(seq) < 0) {
        s_problem(x, false, &w, "comparison (slug, a, b, created_at) or seq is missing");
        json_decref(j);
        return;
    }
    size_t want = strlen(a) + strlen(b) + 5;
    char *expect = sos_xmalloc(want);
    snprintf(expect, want, "%s-vs-%s", a, b);
    if (strcmp(slug, expect) != 0)
        s_problem(x, false, &w, "comparison slug %s is not %s", slug, expect);
    if (strcmp(slug, href_slug) != 0)
        s_problem(x, false, &w, "holds the comparison %s", slug);
    free(expect);

    bool both = true; /* both tools are in the rebuilt model */
    for (int side = 0; side < 2; side++) {
        const char *key = side ? "b" : "a", *id = side ? b : a;
        char prefix[300];
        snprintf(prefix, sizeof prefix, "%s (%.200s): ", key, id);
        s_where sw = {rel, prefix};
        s_toolrec *r = s_find_tool(x, id);
        s_vd d;
        s_check_verdict(x, &sw, json_object_get(j, key), false, &d);
        if (d.body && strcmp(d.body->tool_id, id) != 0)
            s_problem(x, false, &sw, "is the verdict on %s", d.body->tool_id);
        if (!r)
            s_problem(x, false, &sw, "index.json lists no tool page for it");
        if (!r || !r->rendered)
            both = false;
        else if (d.clean && r->clean && memcmp(d.digest, r->digest, SOS_HASH_BYTES) != 0)
            s_problem(x, false, &sw, "its signed data is not that of tools/%s/index.json", id);
        s_vd_clear(&d);
    }

    Sos__Comparison c = SOS__COMPARISON__INIT;
    c.slug = (char *)slug;
    c.tool_a = (char *)a;
    c.tool_b = (char *)b;
    c.created_at = (uint64_t)json_integer_value(created);
    sos_buf pb = SOS_BUF_INIT;
    sos_buf_pack(&pb, &c.base);
    Sos__Comparison *copy =
        (Sos__Comparison *)sos_unpack(&sos__comparison__descriptor, pb.data, pb.len);
    sos_buf_free(&pb);
    if (copy && both && strcmp(slug, href_slug) == 0) /* a plain path segment */
        render_site_add_comparison(x->site, copy, (uint64_t)json_integer_value(seq), true);
    else if (copy)
        sos__comparison__free_unpacked(copy, NULL);
    json_decref(j);
}

/* --- the rebuilt tree against the site --------------------------------- */

/* Line (from 1) of the first difference between files a and b; 0 when they
 * are the same, -1 when one cannot be read. */
static long s_first_diff(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    long line = 1, rc = 0;
    if (!fa || !fb) {
        rc = -1;
        goto out;
    }
    for (;;) {
        int ca = getc(fa), cb = getc(fb);
        if (ca != cb) {
            rc = line;
            break;
        }
        if (ca == EOF)
            break;
        if (ca == '\n')
            line++;
    }
    if (ferror(fa) || ferror(fb))
        rc = -1;
out:
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return rc;
}

/* nftw has no user pointer: the walk's state. */
static struct {
    const char *other; /* the tree compared with */
    size_t base;       /* strlen of the walked root */
    bool site_side;    /* walking the site (else the rebuilt tree) */
    size_t files;
    char **lines; /* problems, sorted before printing */
    size_t nl, capl;
} s_walk;

static void s_walk_problem(const char *rel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_walk_problem(const char *rel, const char *fmt, ...)
{
    char reason[200], *line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    size_t n = strlen(rel) + strlen(reason) + 3;
    line = sos_xmalloc(n);
    snprintf(line, n, "%s: %s", rel, reason);
    if (s_walk.nl == s_walk.capl) {
        s_walk.capl = s_walk.capl ? 2 * s_walk.capl : 16;
        s_walk.lines = realloc(s_walk.lines, s_walk.capl * sizeof *s_walk.lines);
        if (!s_walk.lines)
            abort();
    }
    s_walk.lines[s_walk.nl++] = line;
}

static int s_walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    const char *rel = path + s_walk.base;
    char other[PATH_MAX];
    struct stat os;
    while (*rel == '/')
        rel++;
    if (!*rel || type == FTW_D || type == FTW_DP)
        return 0;
    if (snprintf(other, sizeof other, "%s/%s", s_walk.other, rel) >= (int)sizeof other) {
        s_walk_problem(rel, "path is too long");
        return 0;
    }
    bool there = lstat(other, &os) == 0;
    if (!s_walk.site_side) {
        if (!there)
            s_walk_problem(rel, "is missing (the signed data makes this file)");
        return 0;
    }
    s_walk.files++;
    if (type == FTW_DNR)
        s_walk_problem(rel, "directory cannot be read");
    else if (type != FTW_F)
        s_walk_problem(rel, "is not a regular file");
    else if (!there || !S_ISREG(os.st_mode))
        s_walk_problem(rel, "is not part of the site the signed data makes");
    else {
        long line = s_first_diff(path, other);
        if (line < 0)
            s_walk_problem(rel, "cannot be read");
        else if (line > 0)
            s_walk_problem(rel, "differs from the signed data at line %ld", line);
    }
    return 0;
}

static int s_line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Compares root and rebuilt both ways; prints and counts the problems. */
static int s_compare_trees(s_ctx *x, const char *root, const char *rebuilt, size_t *files)
{
    int rc = 0;
    memset(&s_walk, 0, sizeof s_walk);
    s_walk.other = rebuilt;
    s_walk.base = strlen(root);
    s_walk.site_side = true;
    if (nftw(root, s_walk_one, 16, FTW_PHYS) != 0)
        rc = -1;
    *files = s_walk.files;
    s_walk.other = root;
    s_walk.base = strlen(rebuilt);
    s_walk.site_side = false;
    if (rc == 0 && nftw(rebuilt, s_walk_one, 16, FTW_PHYS) != 0)
        rc = -1;
    if (s_walk.nl)
        qsort(s_walk.lines, s_walk.nl, sizeof *s_walk.lines, s_line_cmp);
    for (size_t i = 0; i < s_walk.nl; i++) {
        s_emit(s_walk.lines[i]);
        free(s_walk.lines[i]);
        x->problems++;
    }
    free(s_walk.lines);
    memset(&s_walk, 0, sizeof s_walk);
    return rc;
}

static int s_rm_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* --- the command ------------------------------------------------------- */

int sos_cmd_verify(sos_cli *cli, int argc, char **argv)
{
    (void)cli;
    static const char usage[] =
        "usage: sos verify [--key HEX|FILE.pub] DIR\n\n"
        "Checks a rendered site offline. DIR is a `sos render --out` directory (its\n"
        "current release is checked) or a release directory. Every signed take and\n"
        "verdict in the JSON twins must verify and hash to what is listed; each\n"
        "verdict must list exactly the takes shown and be their tally; every field\n"
        "a page shows must be the signed value. Then the whole site is rebuilt from\n"
        "the signed data alone and compared with DIR file by file, byte for byte.\n"
        "--key: every verdict must be signed by this key (keys/aggregation.key.pub);\n"
        "without it all verdicts must share one signer, which is printed.\n"
        "One line per problem, \"<file>: <reason>\". Exit 0 clean, 77 a signature,\n"
        "hash or signer check failed, 65 other mismatches, 66 DIR has no index.json.\n";
    static const struct option o[] = {{"key", required_argument, NULL, 'k'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    s_ctx x = {0};
    const char *key = NULL;
    char root[PATH_MAX], path[PATH_MAX + 32], tmp[PATH_MAX];
    struct stat sb;
    json_t *index = NULL;
    int rc;
    tmp[0] = '\0';
    optind = 0;
    for (int ch; (ch = getopt_long(argc, argv, "k:h", o, NULL)) != -1;) {
        switch (ch) {
        case 'k': key = optarg; break;
        case 'h': fputs(usage, stdout); return EX_OK;
        default: fputs(usage, stderr); return EX_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return EX_USAGE;
    }
    if (key) {
        if (sos_cli_read_pub(key, x.key) != 0) {
            fprintf(stderr, "sos: --key must be 64 hex digits or a .pub file holding them\n");
            return EX_USAGE;
        }
        x.pinned = true;
    }
    const char *dir = argv[optind];
    snprintf(path, sizeof path, "%s/current", dir);
    if (lstat(path, &sb) != 0)
        snprintf(path, sizeof path, "%s", dir);
    if (!realpath(path, root)) {
        fprintf(stderr, "sos: verify: %s: %s\n", path, strerror(errno));
        return EX_NOINPUT;
    }
    snprintf(path, sizeof path, "%s/index.json", root);
    if (access(path, F_OK) != 0) {
        fprintf(stderr, "sos: verify: no index.json in %s: not a rendered site\n", root);
        return EX_NOINPUT;
    }
    x.site = render_site_new();

    /* 1-2: the index and every twin it links, one at a time */
    s_where iw = {"index.json", NULL};
    index = s_load_json(&x, root, "index.json");
    const char *base_url = s_str(index, "base_url"), *updated = s_str(index, "updated");
    const json_t *tools = json_object_get(index, "tools"),
                 *cmps = json_object_get(index, "comparisons");
    if (index && (!base_url || !updated || !json_is_array(tools) || !json_is_array(cmps)))
        s_problem(&x, false, &iw, "base_url, updated, tools or comparisons is missing");
    if (!index || !base_url || !json_is_array(tools) || !json_is_array(cmps))
        goto done;
    for (size_t i = 0; i < json_array_size(tools); i++) {
        const char *href = s_str(json_array_get(tools, i), "href");
        char id[256];
        if (!s_href(href, "tools", id, sizeof id)) {
            s_problem(&x, false, &iw, "tool %zu: href is not tools/<id>/index.json", i + 1);
            continue;
        }
        s_tool_twin(&x, root, href, id);
    }
    for (size_t i = 0; i < json_array_size(cmps); i++) {
        const char *href = s_str(json_array_get(cmps, i), "href");
        char slug[600];
        if (!s_href(href, "compare", slug, sizeof slug)) {
            s_problem(&x, false, &iw, "comparison %zu: href is not compare/<slug>/index.json",
                      i + 1);
            continue;
        }
        s_compare_twin(&x, root, href, slug);
    }

    /* 3: rebuild from the signed data alone and compare */
    render_site_prepare(x.site, 0);
    if (updated && strcmp(updated, render_site_updated(x.site)) != 0)
        s_problem(&x, false, &iw, "updated %s is not the newest verdict's time %s", updated,
                  render_site_updated(x.site));
    const char *td = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/sos-verify-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "sos: verify: cannot create %s: %s\n", tmp, strerror(errno));
        tmp[0] = '\0';
        rc = EX_CANTCREAT;
        goto out;
    }
    size_t written = 0, files = 0;
    if (render_site_write(x.site, base_url, tmp, true, &written) != 0) {
        fprintf(stderr, "sos: verify: cannot write the rebuilt site into %s: %s\n", tmp,
                strerror(errno));
        rc = EX_CANTCREAT;
        goto out;
    }
    if (s_compare_trees(&x, root, tmp, &files) != 0) {
        fprintf(stderr, "sos: verify: cannot walk %s: %s\n", root, strerror(errno));
        rc = EX_IOERR;
        goto out;
    }
    if (x.problems == 0) {
        char hex[2 * SOS_PK_BYTES + 1];
        if (x.pinned || x.have_signer) {
            sos_hex(x.pinned ? x.key : x.signer, SOS_PK_BYTES, hex);
            printf("verdicts signed by %s%s\n", hex, x.pinned ? " (--key)" : "");
        }
        printf("verified %zu tools, %zu comparisons, %zu files\n", render_site_tool_count(x.site),
               render_site_comparison_count(x.site), files);
    }
done:
    if (x.problems) {
        printf("FAILED: %zu problem%s\n", x.problems, x.problems == 1 ? "" : "s");
        rc = x.forged ? EX_NOPERM : EX_DATAERR;
    } else
        rc = EX_OK;
out:
    if (tmp[0])
        nftw(tmp, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    json_decref(index);
    render_site_destroy(&x.site);
    for (size_t i = 0; i < x.nt; i++)
        free(x.tools[i].id);
    free(x.tools);
    return rc;
}
