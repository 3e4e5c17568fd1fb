/* import: pushes a catalogue file (schemas/catalogue.schema.json) through
 * the running services as any client would: tools, the panel's keys,
 * signed takes, comparisons.
 *
 * Any size, in bounded memory: the file is one JSON document, but it is
 * walked by a small tokenizer (s_reader) that hands jansson one record of
 * "tools", "takes" or "comparisons" at a time (json_loadb on the record's
 * bytes); only that record is in memory, with a table of the tools' names
 * and ids (a few hundred bytes a tool) that takes and comparisons are
 * resolved through. The keys may come in any order in the file, so the
 * order guarantees (every record checked before anything is sent; tools,
 * then the panel, then takes, then comparisons) come from passes over the
 * file, not from holding it: check, [references], tools, takes,
 * comparisons. The file must therefore be seekable (a regular file).
 *
 * Every request id is derived from the content (BLAKE2b of a tag and the
 * record), so importing the same file twice changes nothing: the services
 * answer the repeats with their first replies. Reviewer secret keys come
 * from --keys DIR (<persona>.key, lowercase); missing ones are generated
 * there, which makes a demo panel on a fresh installation.
 *
 * Diagnostics: progress on stderr every S_PROGRESS_EVERY records (or
 * S_PROGRESS_SECONDS, whichever comes first) and a summary; a refused
 * record is named by its path (takes[12]) and the file stops there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "submission_clnt.h"
#include "take.h"
#include "text.h"
#include "wire.h"

#define S_PROGRESS_EVERY 1000
#define S_PROGRESS_SECONDS 2

typedef enum { S_TOOLS, S_TAKES, S_CMPS, S_KINDS } s_kind;
static const char *const s_kind_key[S_KINDS] = {"tools", "takes", "comparisons"};

/* The file, read in chunks; line and col are those of the next byte. */
typedef struct {
    FILE *f;
    unsigned char buf[65536];
    size_t pos, len;
    unsigned long line, col;
} s_reader;

/* A tool of the file: its identity key and the id submission gave it. */
typedef struct {
    char *fold;
    char *id; /* NULL until submitted */
} s_name;

typedef struct s_import s_import;
typedef int (*s_record_fn)(s_import *im, s_kind k, size_t i, json_t *rec);

struct s_import {
    sos_cli *cli;
    const char *path;
    sos_clnt *sub, *score;
    sos_key *keys[6];
    s_reader r;
    sos_buf rec;   /* the current record's bytes */
    s_name *names; /* sorted by fold once the tools array has been read */
    size_t n_names, cap_names;
    bool names_sorted, refs_later, version_ok, seen[S_KINDS];
    size_t count[S_KINDS]; /* records in the file */
    size_t done[S_KINDS], panel, total, sent, existed, shown;
    int64_t t0, last_line;
};

static void s_names_sort(s_import *im);

static int s_bad(const char *path, const char *msg)
{
    fprintf(stderr, "sos: catalogue: %s: %s\n", path, msg);
    return EX_DATAERR;
}

/* --- the tokenizer ------------------------------------------------------ */

static int s_peek(s_reader *r)
{
    if (r->pos == r->len) {
        r->len = fread(r->buf, 1, sizeof r->buf, r->f);
        r->pos = 0;
        if (r->len == 0)
            return EOF;
    }
    return r->buf[r->pos];
}

/* The next byte, appended to keep when not NULL. */
static int s_get(s_reader *r, sos_buf *keep)
{
    int c = s_peek(r);
    if (c == EOF)
        return EOF;
    r->pos++;
    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else {
        r->col++;
    }
    if (keep)
        sos_buf_append(keep, &r->buf[r->pos - 1], 1);
    return c;
}

static void s_skip_space(s_reader *r)
{
    for (int c = s_peek(r); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = s_peek(r))
        s_get(r, NULL);
}

/* Past the closing quote of a string whose opening quote is next. */
static int s_string(s_reader *r, sos_buf *keep)
{
    s_get(r, keep);
    for (;;) {
        int c = s_get(r, keep);
        if (c == EOF)
            return -1;
        if (c == '"')
            return 0;
        if (c == '\\' && s_get(r, keep) == EOF)
            return -1;
    }
}

/* One JSON value's bytes, appended to keep (may be NULL: skipped). Finds
 * only where the value ends; jansson judges the bytes. -1: the file ends
 * inside it or no value starts here. */
static int s_value(s_reader *r, sos_buf *keep)
{
    int c = s_peek(r);
    if (c == '"')
        return s_string(r, keep);
    if (c == '{' || c == '[') {
        size_t depth = 0;
        for (;;) {
            c = s_peek(r);
            if (c == EOF)
                return -1;
            if (c == '"') {
                if (s_string(r, keep))
                    return -1;
                continue;
            }
            s_get(r, keep);
            if (c == '{' || c == '[')
                depth++;
            else if ((c == '}' || c == ']') && --depth == 0)
                return 0;
        }
    }
    size_t n = 0;
    while ((c = s_peek(r)) != EOF && !strchr(",]} \t\r\n", c)) {
        s_get(r, keep);
        n++;
    }
    return n ? 0 : -1;
}

static int s_syntax(s_import *im, unsigned long line, unsigned long col, const char *msg)
{
    if (ferror(im->r.f)) { /* the end it saw was a read error */
        fprintf(stderr, "sos: %s:%lu:%lu: %s\n", im->path, line, col, strerror(errno));
        return EX_IOERR;
    }
    fprintf(stderr, "sos: %s:%lu:%lu: %s\n", im->path, line, col, msg);
    return EX_DATAERR;
}

/* The record in im->rec, decoded; NULL after saying why (its first byte
 * was at line:col of the file). */
static json_t *s_decode(s_import *im, unsigned long line, unsigned long col)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)im->rec.data, im->rec.len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j)
        s_syntax(im, line + (unsigned long)jerr.line - 1,
                 jerr.line <= 1 ? col + (unsigned long)jerr.column - 1 : (unsigned long)jerr.column,
                 jerr.text);
    return j;
}

/* The elements of the array that is next, each decoded and given to fn
 * when want (skipped unread otherwise). */
static int s_array(s_import *im, s_kind k, bool want, s_record_fn fn)
{
    s_reader *r = &im->r;
    s_get(r, NULL); /* [ */
    s_skip_space(r);
    if (s_peek(r) == ']') {
        s_get(r, NULL);
        return 0;
    }
    for (size_t i = 0;; i++) {
        sos_buf_reset(&im->rec);
        s_skip_space(r);
        unsigned long line = r->line, col = r->col;
        if (s_value(r, want ? &im->rec : NULL))
            return s_syntax(im, r->line, r->col, "a value was expected");
        if (want) {
            json_t *j = s_decode(im, line, col);
            if (!j)
                return EX_DATAERR;
            int rc = fn(im, k, i, j);
            json_decref(j);
            if (rc)
                return rc;
        }
        s_skip_space(r);
        int c = s_get(r, NULL);
        if (c == ']')
            return 0;
        if (c != ',')
            return s_syntax(im, r->line, r->col, "',' or ']' was expected");
    }
}

/* One pass over the file: the records of the kinds in want go to fn.
 * check: the first pass, which also judges the top level. */
static int s_walk(s_import *im, const bool want[S_KINDS], bool check, s_record_fn fn)
{
    s_reader *r = &im->r;
    sos_buf keys = SOS_BUF_INIT; /* the top level's keys, NUL-terminated */
    json_t *j = NULL;
    int rc = EX_DATAERR, c;
    if (fseek(r->f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "sos: %s: cannot read it twice (%s): give a regular file\n", im->path,
                strerror(errno));
        rc = EX_NOINPUT;
        goto out;
    }
    r->pos = r->len = 0;
    r->line = r->col = 1;
    s_skip_space(r);
    if (s_peek(r) != '{') {
        sos_buf_reset(&im->rec);
        if (s_value(r, &im->rec) == 0 && (j = s_decode(im, 1, 1)))
            rc = s_bad("$", "must be an object");
        else if (!j)
            rc = s_syntax(im, r->line, r->col, "a catalogue object was expected");
        goto out;
    }
    s_get(r, NULL);
    s_skip_space(r);
    if (s_peek(r) == '}')
        s_get(r, NULL);
    else
        for (;;) {
            unsigned long line, col;
            s_skip_space(r);
            line = r->line;
            col = r->col;
            sos_buf_reset(&im->rec);
            if (s_peek(r) != '"' || s_string(r, &im->rec)) {
                rc = s_syntax(im, line, col, "a key was expected");
                goto out;
            }
            if (!(j = s_decode(im, line, col)))
                goto out;
            const char *key = json_string_value(j);
            s_kind k = S_KINDS;
            for (int i = 0; i < S_KINDS; i++)
                if (!strcmp(key, s_kind_key[i]))
                    k = (s_kind)i;
            if (check) {
                for (size_t o = 0; o < keys.len; o += strlen((char *)keys.data + o) + 1)
                    if (!strcmp((char *)keys.data + o, key)) {
                        rc = s_syntax(im, line, col, "duplicate object key");
                        goto out;
                    }
                sos_buf_append(&keys, key, strlen(key) + 1);
            }
            bool version = !strcmp(key, "version");
            json_decref(j);
            j = NULL;
            s_skip_space(r);
            if (s_get(r, NULL) != ':') {
                rc = s_syntax(im, r->line, r->col, "':' was expected");
                goto out;
            }
            s_skip_space(r);
            line = r->line;
            col = r->col;
            if (k != S_KINDS && s_peek(r) == '[') {
                if ((rc = s_array(im, k, want[k], fn)))
                    goto out;
                im->seen[k] = true;
                if (check && k == S_TOOLS)
                    s_names_sort(im);
            } else {
                sos_buf_reset(&im->rec);
                if (s_value(r, check ? &im->rec : NULL)) {
                    rc = s_syntax(im, line, col, "a value was expected");
                    goto out;
                }
                if (check) {
                    if (!(j = s_decode(im, line, col)))
                        goto out;
                    if (k != S_KINDS) {
                        rc = s_bad(s_kind_key[k], "must be an array");
                        goto out;
                    }
                    if (version && (!json_is_integer(j) || json_integer_value(j) != 1)) {
                        rc = s_bad("version", "must be 1 (the format this sos reads)");
                        goto out;
                    }
                    im->version_ok |= version;
                    json_decref(j);
                    j = NULL;
                }
            }
            s_skip_space(r);
            c = s_get(r, NULL);
            if (c == '}')
                break;
            if (c != ',') {
                rc = s_syntax(im, r->line, r->col, "',' or '}' was expected");
                goto out;
            }
        }
    s_skip_space(r);
    if (s_peek(r) != EOF) {
        rc = s_syntax(im, r->line, r->col, "end of file expected");
        goto out;
    }
    if (ferror(r->f)) {
        fprintf(stderr, "sos: %s: %s\n", im->path, strerror(errno));
        rc = EX_IOERR;
        goto out;
    }
    rc = 0;
out:
    json_decref(j);
    sos_buf_free(&keys);
    return rc;
}

/* --- the tools' names ------------------------------------------------- */

static int s_name_cmp(const void *a, const void *b)
{
    return strcmp(((const s_name *)a)->fold, ((const s_name *)b)->fold);
}

static void s_names_add(s_import *im, const char *name)
{
    char fold[256];
    sos_text_fold(name, fold, sizeof fold);
    if (im->n_names == im->cap_names) {
        im->cap_names = im->cap_names ? 2 * im->cap_names : 256;
        im->names = sos_xrealloc(im->names, im->cap_names * sizeof *im->names);
    }
    im->names[im->n_names++] = (s_name){sos_xstrdup(fold), NULL};
}

/* Sorted, one entry per identity key: names that fold alike are one tool
 * to submission too. */
static void s_names_sort(s_import *im)
{
    size_t w = 0;
    if (im->n_names)
        qsort(im->names, im->n_names, sizeof *im->names, s_name_cmp);
    for (size_t i = 0; i < im->n_names; i++) {
        if (w > 0 && !strcmp(im->names[w - 1].fold, im->names[i].fold)) {
            free(im->names[i].fold);
            continue;
        }
        im->names[w++] = im->names[i];
    }
    im->n_names = w;
    im->names_sorted = true;
}

static s_name *s_names_find(s_import *im, const char *name)
{
    char fold[256];
    s_name key = {fold, NULL};
    sos_text_fold(name, fold, sizeof fold);
    return im->n_names ? bsearch(&key, im->names, im->n_names, sizeof *im->names, s_name_cmp)
                       : NULL;
}

/* --- records ----------------------------------------------------------- */

static const char *s_str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void s_id(const char *tag, const char *a, const char *b, const char *c,
                 uint8_t id[SOS_CLNT_ID_BYTES])
{
    sos_buf buf = SOS_BUF_INIT;
    uint8_t h[SOS_HASH_BYTES];
    const char *parts[4] = {tag, a, b, c};
    for (int i = 0; i < 4; i++)
        sos_buf_append(&buf, parts[i] ? parts[i] : "", strlen(parts[i] ? parts[i] : "") + 1);
    sos_hash(buf.data, buf.len, h);
    memcpy(id, h, SOS_CLNT_ID_BYTES);
    sos_buf_free(&buf);
}

/* Shape checks the services cannot make (they see one record at a time). */
static int s_shape(s_kind k, const char *path, json_t *t)
{
    if (k == S_TOOLS) {
        if (!json_is_object(t) || !s_str(t, "name") || !s_str(t, "tagline") ||
            !s_str(t, "category") || !s_str(t, "tier"))
            return s_bad(path, "needs name, tagline, category and tier strings");
        if (sos_tier_parse(s_str(t, "tier")) == SOS__TIER__TIER_UNSPECIFIED)
            return s_bad(path, "tier must be Free, Paid or Freemium");
    } else if (k == S_TAKES) {
        json_t *score = json_object_get(t, "score");
        const char *v = s_str(t, "verdict");
        if (!json_is_object(t) || !s_str(t, "tool") || !s_str(t, "persona") || !s_str(t, "text"))
            return s_bad(path, "needs tool, persona and text strings");
        if (sos_persona_parse(s_str(t, "persona")) == SOS__PERSONA__PERSONA_UNSPECIFIED)
            return s_bad(path, "persona must be Builder, Skeptic, Futurist, Founder or Creator");
        if (!json_is_integer(score) || json_integer_value(score) < 0 ||
            json_integer_value(score) > 100)
            return s_bad(path, "score must be an integer 0-100");
        if (!v || (strcmp(v, "ship") && strcmp(v, "skip")))
            return s_bad(path, "verdict must be \"ship\" or \"skip\"");
    } else if (!json_is_object(t) || !s_str(t, "a") || !s_str(t, "b")) {
        return s_bad(path, "needs a and b, the names of two tools");
    }
    return 0;
}

/* Takes and comparisons name tools of the file. */
static int s_refs(s_import *im, s_kind k, const char *path, json_t *t)
{
    if (k == S_TAKES && !s_names_find(im, s_str(t, "tool")))
        return s_bad(path, "tool is not one of the file's tools");
    if (k == S_CMPS && (!s_names_find(im, s_str(t, "a")) || !s_names_find(im, s_str(t, "b"))))
        return s_bad(path, "a and b must name tools of the file");
    return 0;
}

static int s_check_record(s_import *im, s_kind k, size_t i, json_t *t)
{
    char path[64];
    int rc;
    snprintf(path, sizeof path, "%s[%zu]", s_kind_key[k], i);
    if ((rc = s_shape(k, path, t)))
        return rc;
    im->count[k]++;
    if (k == S_TOOLS)
        s_names_add(im, s_str(t, "name"));
    else if (!im->names_sorted) /* the tools come later in the file */
        im->refs_later = true;
    else if ((rc = s_refs(im, k, path, t)))
        return rc;
    return 0;
}

static int s_refs_record(s_import *im, s_kind k, size_t i, json_t *t)
{
    char path[64];
    snprintf(path, sizeof path, "%s[%zu]", s_kind_key[k], i);
    return s_refs(im, k, path, t);
}

/* 1234567 as "1,234,567" into out. */
static const char *s_num(size_t n, char out[32])
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%zu", n), o = 0;
    for (int i = 0; i < len; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* After each record sent: a line every S_PROGRESS_EVERY records or
 * S_PROGRESS_SECONDS, and always when force. */
static void s_progress(s_import *im, bool force)
{
    char a[32], b[32], t[32], k[32], c[32];
    int64_t now = sos_now_ms();
    if (im->shown == im->sent || (!force && im->sent % S_PROGRESS_EVERY != 0 &&
                                  now - im->last_line < S_PROGRESS_SECONDS * 1000))
        return;
    im->shown = im->sent;
    im->last_line = now;
    fprintf(stderr, "sos: import: %s/%s records (tools %s, panel %zu, takes %s, comparisons %s)\n",
            s_num(im->sent, a), s_num(im->total, b), s_num(im->done[S_TOOLS], t), im->panel,
            s_num(im->done[S_TAKES], k), s_num(im->done[S_CMPS], c));
}

static int s_tool_send(s_import *im, s_kind k, size_t i, json_t *t)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    Sos__SubmissionReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES];
    char path[64];
    int rc;
    snprintf(path, sizeof path, "tools[%zu]", i);
    if ((rc = s_shape(k, path, t))) /* the file may have changed since the check */
        return rc;
    s_name *n = s_names_find(im, s_str(t, "name"));
    if (!n)
        return s_bad(path, "changed while it was being imported");
    tool.name = (char *)s_str(t, "name");
    tool.vendor = (char *)(s_str(t, "vendor") ? s_str(t, "vendor") : "");
    tool.tagline = (char *)s_str(t, "tagline");
    tool.category = (char *)s_str(t, "category");
    tool.tier = sos_tier_parse(s_str(t, "tier"));
    tool.pricing = (char *)(s_str(t, "pricing") ? s_str(t, "pricing") : "");
    tool.description = (char *)(s_str(t, "description") ? s_str(t, "description") : "");
    tool.link = (char *)(s_str(t, "link") ? s_str(t, "link") : "");
    s_id("tool", tool.name, NULL, NULL, id);
    rc = submission_clnt_tool_submit(im->sub, id, sizeof id, &tool, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "submission", im->sub);
    if (rep->status->code == SOS__CODE__CODE_CONFLICT && rep->tool) {
        fprintf(stderr, "sos: import: %s exists already as %s; kept as it is\n", tool.name,
                rep->tool->tool_id);
        im->existed++;
    } else if ((rc = sos_cli_status(rep->status, "submission"))) {
        fprintf(stderr, "sos: catalogue: %s (%s) was refused\n", path, tool.name);
        goto out;
    }
    if (!rep->tool) {
        fprintf(stderr, "sos: import: submission gave no tool for %s\n", tool.name);
        rc = EX_PROTOCOL;
        goto out;
    }
    if (!n->id) /* names that fold alike: the first one's id, as submission says */
        n->id = sos_xstrdup(rep->tool->tool_id);
    im->done[S_TOOLS]++;
    im->sent++;
    s_progress(im, false);
out:
    sos__submission_reply__free_unpacked(rep, NULL);
    return rc;
}
static int s_panel(s_import *im, const char *dir)
{
    char path[4096], lower[16];
    int n = 0;
    if (sos_conf_mkdirs(dir, 0700) != 0) {
        fprintf(stderr, "sos: cannot create %s: %s\n", dir, strerror(errno));
        return EX_CANTCREAT;
    }
    for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR; p++) {
        Sos__SubmissionReply *rep = NULL;
        const char *name = sos_persona_name((Sos__Persona)p);
        size_t k;
        for (k = 0; name[k] && k < sizeof lower - 1; k++)
            lower[k] = (char)(name[k] | 0x20);
        lower[k] = '\0';
        if (snprintf(path, sizeof path, "%s/%s.key", dir, lower) >= (int)sizeof path) {
            fprintf(stderr, "sos: key directory path too long: %s\n", dir);
            return EX_USAGE;
        }
        int kr = sos_key_load_or_create(path, &im->keys[p]);
        if (kr != 0) {
            fprintf(stderr, "sos: cannot use key %s: %s\n", path,
                    kr == -2 ? "others may read it (chmod 600)" : "unreadable or malformed");
            return kr == -2 ? EX_NOPERM : EX_NOINPUT;
        }
        Sos__PanelKey pk = SOS__PANEL_KEY__INIT;
        char hex[2 * SOS_PK_BYTES + 1];
        uint8_t id[SOS_CLNT_ID_BYTES];
        pk.persona = (Sos__Persona)p;
        pk.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(im->keys[p])};
        pk.name = (char *)"demo panel";
        sos_hex(pk.public_key.data, SOS_PK_BYTES, hex);
        s_id("panel", name, hex, NULL, id);
        int rc = submission_clnt_panel_add(im->sub, id, sizeof id, &pk, &rep);
        if (rc != SOS_CLNT_OK)
            return sos_cli_clnt_error(rc, "submission", im->sub);
        rc = sos_cli_status(rep->status, "submission");
        sos__submission_reply__free_unpacked(rep, NULL);
        if (rc)
            return rc;
        n++;
        im->panel++;
        im->sent++;
    }
    fprintf(stderr, "sos: import: panel %d/5 (keys in %s)\n", n, dir);
    s_progress(im, true);
    return 0;
}

static int s_take_send(s_import *im, s_kind k, size_t i, json_t *t)
{
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    Sos__Status *st = NULL;
    Sos__ScoringReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES], hash[SOS_HASH_BYTES];
    char path[64], rev[16];
    int rc;
    snprintf(path, sizeof path, "takes[%zu]", i);
    if ((rc = s_shape(k, path, t)) || (rc = s_refs(im, k, path, t)))
        return rc;
    const s_name *n = s_names_find(im, s_str(t, "tool"));
    if (!n->id)
        return s_bad(path, "its tool changed while it was being imported");
    json_t *jr = json_object_get(t, "revision"), *jf = json_object_get(t, "filed_at");
    b.persona = sos_persona_parse(s_str(t, "persona"));
    b.revision = json_is_integer(jr) ? (uint32_t)json_integer_value(jr) : 1;
    b.filed_at = json_is_integer(jf) ? (uint64_t)json_integer_value(jf) : 0;
    snprintf(rev, sizeof rev, "%u", b.revision);
    s_id("take", n->id, sos_persona_name(b.persona), rev, id);
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = n->id;
    b.score = (uint32_t)json_integer_value(json_object_get(t, "score"));
    b.ship = !strcmp(s_str(t, "verdict"), "ship");
    b.text = (char *)s_str(t, "text");
    rc = sos_take_file(im->score, im->keys[b.persona], &b, hash, &st, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "scoring", im->score);
    rc = sos_cli_status(st, "scoring");
    sos__scoring_reply__free_unpacked(rep, NULL);
    if (rc) {
        fprintf(stderr, "sos: catalogue: %s (%s on %s) was refused\n", path,
                sos_persona_name(b.persona), n->id);
        return rc;
    }
    im->done[S_TAKES]++;
    im->sent++;
    s_progress(im, false);
    return 0;
}

static int s_cmp_send(s_import *im, s_kind k, size_t i, json_t *t)
{
    Sos__Comparison c = SOS__COMPARISON__INIT;
    Sos__SubmissionReply *rep = NULL;
    uint8_t id[SOS_CLNT_ID_BYTES];
    char path[64];
    int rc;
    snprintf(path, sizeof path, "comparisons[%zu]", i);
    if ((rc = s_shape(k, path, t)) || (rc = s_refs(im, k, path, t)))
        return rc;
    c.tool_a = s_names_find(im, s_str(t, "a"))->id;
    c.tool_b = s_names_find(im, s_str(t, "b"))->id;
    if (!c.tool_a || !c.tool_b)
        return s_bad(path, "its tools changed while it was being imported");
    s_id("compare", c.tool_a, c.tool_b, NULL, id);
    rc = submission_clnt_compare_create(im->sub, id, sizeof id, &c, &rep);
    if (rc != SOS_CLNT_OK)
        return sos_cli_clnt_error(rc, "submission", im->sub);
    if (rep->status->code == SOS__CODE__CODE_CONFLICT)
        fprintf(stderr, "sos: import: %s-vs-%s: %s\n", c.tool_a, c.tool_b, rep->status->message);
    else
        rc = sos_cli_status(rep->status, "submission");
    sos__submission_reply__free_unpacked(rep, NULL);
    if (rc)
        return rc;
    im->done[S_CMPS]++;
    im->sent++;
    s_progress(im, false);
    return 0;
}

/* The check pass (and the reference pass when takes or comparisons came
 * before the tools): nothing is sent before the whole file is judged. */
static int s_check(s_import *im)
{
    static const bool all[S_KINDS] = {true, true, true}, refs[S_KINDS] = {false, true, true};
    int rc;
    if ((rc = s_walk(im, all, true, s_check_record)))
        return rc;
    if (!im->version_ok)
        return s_bad("version", "must be 1 (the format this sos reads)");
    if (!im->seen[S_TOOLS] || im->count[S_TOOLS] == 0)
        return s_bad("tools", "must be a non-empty array");
    if (im->refs_later && (rc = s_walk(im, refs, false, s_refs_record)))
        return rc;
    im->total = im->count[S_TOOLS] + 5 + im->count[S_TAKES] + im->count[S_CMPS];
    return 0;
}

typedef struct {
    const char *keys;
} s_import_opts;

int sos_cmd_import(sos_cli *cli, int argc, char **argv)
{
    static const char about[] =
        "Loads a catalogue (schemas/catalogue.schema.json) through the services:\n"
        "tools, the panel's keys, signed takes, comparisons. Reviewer keys are read\n"
        "from DIR/<persona>.key (default <key_dir>/panel) and generated where\n"
        "missing. Importing the same file again changes nothing.\n"
        "Any number of records: the file is read one record at a time, in a few\n"
        "passes (so FILE must be a regular file, not a pipe), and checked whole\n"
        "before anything is sent. Progress goes to stderr every 1,000 records\n"
        "(or 2 seconds), and a summary.\n";
    static const sos_cmd_verb verbs[] = {{NULL, NULL, "[--keys DIR] FILE", 1, NULL}};
    static const sos_cmd_opt opts[] = {SOS_CMD_VALUE("keys", 'k', s_import_opts, keys)};
    static const sos_cmd cmd = {"import", SOS_CMD_TABLE(verbs), SOS_CMD_TABLE(opts),
                                sizeof(s_import_opts), about};
    static const bool tools[S_KINDS] = {true, false, false}, takes[S_KINDS] = {false, true, false},
                      cmps[S_KINDS] = {false, false, true};
    s_import_opts o = {0};
    char keydir[4096], a[32], b[32];
    const char *keys = NULL;
    s_import *im;
    int first, rc;
    if ((rc = sos_cmd_getopt(&cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        return rc;
    if (argc - first != 1)
        return sos_cmd_misuse(&cmd);
    keys = o.keys;
    im = sos_xcalloc(1, sizeof *im);
    if (!keys) {
        snprintf(keydir, sizeof keydir, "%s/panel", sos_conf_get(cli->conf, "paths", "key_dir"));
        keys = keydir;
    }
    im->cli = cli;
    im->path = argv[first];
    im->t0 = im->last_line = sos_now_ms();
    if (!(im->r.f = fopen(im->path, "rb"))) {
        fprintf(stderr, "sos: %s: %s\n", im->path, strerror(errno));
        rc = errno == ENOENT ? EX_NOINPUT : EX_DATAERR;
        goto out;
    }
    if ((rc = s_check(im)))
        goto out;
    if ((rc = sos_cli_connect(cli, "submission", &im->sub)) ||
        (rc = sos_cli_connect(cli, "scoring", &im->score)))
        goto out;
    if ((rc = s_walk(im, tools, false, s_tool_send)) || (rc = s_panel(im, keys)) ||
        (rc = s_walk(im, takes, false, s_take_send)) || (rc = s_walk(im, cmps, false, s_cmp_send)))
        goto out;
    s_progress(im, true);
    double secs = (double)(sos_now_ms() - im->t0) / 1000.0;
    fprintf(stderr, "sos: import: done: %s records in %.1f s (%.0f/s); %s tools existed already\n",
            s_num(im->sent, a), secs, secs > 0 ? (double)im->sent / secs : 0.0,
            s_num(im->existed, b));
    printf("imported %s: %zu tools, %zu takes, %zu comparisons\n", im->path, im->count[S_TOOLS],
           im->count[S_TAKES], im->count[S_CMPS]);
out:
    for (int p = 0; p < 6; p++)
        sos_key_destroy(&im->keys[p]);
    sos_clnt_destroy(&im->sub);
    sos_clnt_destroy(&im->score);
    for (size_t i = 0; i < im->n_names; i++) {
        free(im->names[i].fold);
        free(im->names[i].id);
    }
    free(im->names);
    sos_buf_free(&im->rec);
    if (im->r.f)
        fclose(im->r.f);
    free(im);
    return rc;
}
