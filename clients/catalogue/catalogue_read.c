/* catalogue_read: the tokenizer, one pass over a catalogue file.
 *
 * It finds where each value ends (strings, with their escapes; objects
 * and arrays, by depth) and nothing more: jansson judges the bytes of
 * each record, one record at a time (json_loadb with
 * JSON_REJECT_DUPLICATES). The top level's keys are read here, checked
 * once per pass for the check (a key twice, version, arrays). Positions
 * are those of the file: jansson's line and column inside a record are
 * counted in bytes from where the record starts to the last byte jansson
 * read (the end of the token it refused), not taken from jansson's column
 * (which counts characters, and is 0 or -1 for some errors). */
#include <errno.h>
#include <string.h>

#include "catalogue_int.h"

static int s_peek(catalogue_reader *r)
{
    if (r->pos == r->len) {
        if (!r->f)
            return EOF;
        r->len = fread(r->buf, 1, sizeof r->buf, r->f);
        r->chunk = r->buf;
        r->pos = 0;
        if (r->len == 0) {
            if (ferror(r->f) && !r->errnum)
                r->errnum = errno ? errno : EIO;
            return EOF;
        }
    }
    return r->chunk[r->pos];
}

/* The next byte, appended to keep when not NULL. */
static int s_get(catalogue_reader *r, sos_buf *keep)
{
    int c = s_peek(r);
    if (c == EOF)
        return EOF;
    r->pos++;
    r->at.offset++;
    if (c == '\n') {
        r->at.line++;
        r->at.col = 1;
    } else {
        r->at.col++;
    }
    if (keep)
        sos_buf_append(keep, &r->chunk[r->pos - 1], 1);
    return c;
}

static void s_skip_space(catalogue_reader *r)
{
    for (int c = s_peek(r); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = s_peek(r))
        s_get(r, NULL);
}

/* Past the closing quote of a string whose opening quote is next. */
static int s_string(catalogue_reader *r, sos_buf *keep)
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

/* One JSON value's bytes, appended to keep (NULL: skipped). Finds only
 * where the value ends; jansson judges the bytes. -1: the file ends inside
 * it or no value starts here. */
static int s_value(catalogue_reader *r, sos_buf *keep)
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

/* A syntax error at at; a read error instead when the end seen was one. */
static int s_syntax(catalogue *c, const catalogue_pos *at, const char *what, catalogue_error *err)
{
    memset(err, 0, sizeof *err);
    err->at = *at;
    if (c->r.errnum) {
        err->code = CATALOGUE_EREAD;
        err->errnum = c->r.errnum;
        snprintf(err->what, sizeof err->what, "%s", strerror(c->r.errnum));
        return err->code;
    }
    err->code = CATALOGUE_ESYNTAX;
    snprintf(err->what, sizeof err->what, "%s", what);
    return err->code;
}

/* The bytes in c->rec, decoded; NULL with err filled (they started at at). */
static json_t *s_decode(catalogue *c, const catalogue_pos *at, catalogue_error *err)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)c->rec.data, c->rec.len,
                           JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!j) { /* where jansson stopped, counted in bytes from where the record starts */
        catalogue_pos e = *at;
        size_t p = jerr.position > 0 ? (size_t)jerr.position : 0;
        if (p > 0 && json_error_code(&jerr) != json_error_invalid_utf8)
            p--; /* a token's last byte; a byte that is no UTF-8 is not counted as read */
        if (p > c->rec.len)
            p = c->rec.len;
        for (size_t i = 0; i < p; i++) {
            e.col = c->rec.data[i] == '\n' ? 1 : e.col + 1;
            e.line += c->rec.data[i] == '\n';
        }
        e.offset += p;
        s_syntax(c, &e, jerr.text, err);
    }
    return j;
}

static void s_progress(catalogue *c, size_t records, bool done)
{
    if (c->progress) {
        catalogue_progress p = {c->stage, records, c->r.at.offset, done};
        c->progress(&p, c->progress_arg);
    }
}

/* The elements of the array that is next, each decoded and given to fn
 * when want (skipped unread otherwise). */
static int s_array(catalogue *c, int k, bool want, catalogue_read_fn fn, size_t *records,
                   catalogue_error *err)
{
    catalogue_reader *r = &c->r;
    s_get(r, NULL); /* [ */
    s_skip_space(r);
    if (s_peek(r) == ']') {
        s_get(r, NULL);
        return 0;
    }
    for (size_t i = 0;; i++) {
        sos_buf_reset(&c->rec);
        s_skip_space(r);
        catalogue_pos at = r->at;
        if (s_value(r, want ? &c->rec : NULL))
            return s_syntax(c, &r->at, "a value was expected", err);
        if (want) {
            json_t *j = s_decode(c, &at, err);
            if (!j)
                return err->code;
            int rc = fn(c, k, i, j, &at, err);
            json_decref(j);
            if (rc)
                return rc;
            if (++*records % CATALOGUE_PROGRESS_EVERY == 0)
                s_progress(c, *records, false);
        }
        s_skip_space(r);
        int ch = s_get(r, NULL);
        if (ch == ']')
            return 0;
        if (ch != ',')
            return s_syntax(c, &r->at, "',' or ']' was expected", err);
    }
}

static int s_rewind(catalogue *c, catalogue_error *err)
{
    catalogue_reader *r = &c->r;
    if (r->f) {
        errno = 0;
        if (fseek(r->f, 0, SEEK_SET) != 0) {
            memset(err, 0, sizeof *err);
            err->code = CATALOGUE_ESEEK;
            err->errnum = errno ? errno : ESPIPE;
            return err->code;
        }
        clearerr(r->f);
        r->pos = r->len = 0;
    } else {
        r->chunk = r->mem;
        r->pos = 0;
        r->len = r->mem_len;
    }
    r->errnum = 0;
    r->at = (catalogue_pos){1, 1, 0};
    c->passes++;
    return 0;
}

/* A top-level value that is not one of the arrays, judged (check only). */
static int s_top_value(catalogue *c, int k, bool version, json_t *j, catalogue_error *err)
{
    if (k < CATALOGUE_KINDS)
        return catalogue_refuse(err, catalogue_kind_key[k], NULL, "must be an array");
    if (version && (!json_is_integer(j) || json_integer_value(j) != 1))
        return catalogue_refuse(err, "version", NULL, "must be 1 (the format this sos reads)");
    c->version_ok |= version;
    return 0;
}

int catalogue_read_pass(catalogue *c, const bool want[CATALOGUE_KINDS], bool check,
                        catalogue_read_fn fn, catalogue_error *err)
{
    catalogue_reader *r = &c->r;
    json_t *keys = NULL; /* the top level's keys, as a set */
    json_t *j = NULL;
    size_t records = 0;
    int rc, ch;
    if ((rc = s_rewind(c, err)))
        goto out;
    keys = json_object();
    s_skip_space(r);
    if (s_peek(r) != '{') {
        sos_buf_reset(&c->rec);
        catalogue_pos at = r->at;
        json_error_t jerr;
        if (s_value(r, &c->rec) == 0 &&
            (j = json_loadb((const char *)c->rec.data, c->rec.len, JSON_DECODE_ANY, &jerr)))
            rc = catalogue_refuse(err, "$", &at, "must be an object");
        else
            rc = s_syntax(c, &r->at, "a catalogue object was expected", err);
        goto out;
    }
    s_get(r, NULL);
    s_skip_space(r);
    if (s_peek(r) == '}')
        s_get(r, NULL);
    else
        for (;;) {
            s_skip_space(r);
            catalogue_pos at = r->at;
            sos_buf_reset(&c->rec);
            if (s_peek(r) != '"' || s_string(r, &c->rec)) {
                rc = s_syntax(c, &at, "a key was expected", err);
                goto out;
            }
            if (!(j = s_decode(c, &at, err))) {
                rc = err->code;
                goto out;
            }
            const char *key = json_string_value(j);
            int k = CATALOGUE_KINDS;
            for (int i = 0; i < CATALOGUE_KINDS; i++)
                if (!strcmp(key, catalogue_kind_key[i]))
                    k = i;
            if (check) {
                if (json_object_get(keys, key)) {
                    rc = s_syntax(c, &at, "duplicate object key", err);
                    goto out;
                }
                json_object_set_new(keys, key, json_null());
            }
            bool version = !strcmp(key, "version");
            json_decref(j);
            j = NULL;
            s_skip_space(r);
            if (s_get(r, NULL) != ':') {
                rc = s_syntax(c, &r->at, "':' was expected", err);
                goto out;
            }
            s_skip_space(r);
            at = r->at;
            if (k < CATALOGUE_KINDS && s_peek(r) == '[') {
                if ((rc = s_array(c, k, want[k], fn, &records, err)))
                    goto out;
                c->seen[k] = true;
                if (check && k == 0 && (rc = catalogue_names_sort(c, err)))
                    goto out;
            } else {
                sos_buf_reset(&c->rec);
                if (s_value(r, check ? &c->rec : NULL)) {
                    rc = s_syntax(c, &at, "a value was expected", err);
                    goto out;
                }
                if (check) {
                    if (!(j = s_decode(c, &at, err))) {
                        rc = err->code;
                        goto out;
                    }
                    if ((rc = s_top_value(c, k, version, j, err)))
                        goto out;
                    json_decref(j);
                    j = NULL;
                }
            }
            s_skip_space(r);
            ch = s_get(r, NULL);
            if (ch == '}')
                break;
            if (ch != ',') {
                rc = s_syntax(c, &r->at, "',' or '}' was expected", err);
                goto out;
            }
        }
    s_skip_space(r);
    if (s_peek(r) != EOF) {
        rc = s_syntax(c, &r->at, "end of file expected", err);
        goto out;
    }
    if (r->errnum) { /* the end seen was a read error: no position to give */
        catalogue_pos none = {0, 0, r->at.offset};
        rc = s_syntax(c, &none, "", err);
        goto out;
    }
    s_progress(c, records, true);
    rc = 0;
out:
    json_decref(j);
    json_decref(keys);
    return rc;
}
