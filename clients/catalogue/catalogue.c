/* catalogue: the catalogue object, the checks on one record, the table of
 * the tools' identity keys, and the order of the passes (catalogue.h is
 * the manual; the tokenizer is catalogue_read.c). */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "catalogue_int.h"
#include "text.h"

const char *const catalogue_kind_key[CATALOGUE_KINDS] = {"tools", "takes", "comparisons"};

/* --- the object --------------------------------------------------------- */

static catalogue *s_new(void)
{
    catalogue *c = sos_xcalloc(1, sizeof *c);
    c->r.at = (catalogue_pos){1, 1, 0};
    return c;
}

catalogue *catalogue_new(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    catalogue *c = s_new();
    c->r.f = f;
    return c;
}

catalogue *catalogue_new_buffer(const void *data, size_t len)
{
    catalogue *c = s_new();
    c->r.mem = data;
    c->r.mem_len = len;
    c->r.chunk = data;
    c->r.len = len;
    return c;
}

void catalogue_destroy(catalogue **cp)
{
    catalogue *c = cp ? *cp : NULL;
    if (!c)
        return;
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i].fold);
    free(c->names);
    sos_buf_free(&c->rec);
    if (c->r.f)
        fclose(c->r.f);
    free(c);
    *cp = NULL;
}

void catalogue_progress_set(catalogue *c, catalogue_progress_fn fn, void *arg)
{
    c->progress = fn;
    c->progress_arg = arg;
}

catalogue_counts catalogue_counts_get(const catalogue *c)
{
    return (catalogue_counts){c->count[0],
                              c->count[1],
                              c->count[2],
                              c->rec.cap,
                              c->cap_names * sizeof *c->names + c->fold_bytes,
                              c->passes};
}

int catalogue_refuse(catalogue_error *err, const char *path, const catalogue_pos *at,
                     const char *what)
{
    memset(err, 0, sizeof *err);
    err->code = CATALOGUE_ERECORD;
    snprintf(err->path, sizeof err->path, "%s", path);
    snprintf(err->what, sizeof err->what, "%s", what);
    if (at)
        err->at = *at;
    return err->code;
}

/* --- the tools' identity keys ------------------------------------------- */

static int s_name_cmp(const void *a, const void *b)
{
    const catalogue_name *x = a, *y = b;
    int d = strcmp(x->fold, y->fold);
    return d ? d : (x->index > y->index) - (x->index < y->index);
}

static void s_names_add(catalogue *c, const char *name, size_t index, const catalogue_pos *at)
{
    char fold[CATALOGUE_FOLD];
    size_t n = sos_text_fold(name, fold, sizeof fold);
    if (c->n_names == c->cap_names) {
        c->cap_names = c->cap_names ? 2 * c->cap_names : 256;
        c->names = sos_xrealloc(c->names, c->cap_names * sizeof *c->names);
    }
    c->names[c->n_names++] = (catalogue_name){sos_xstrdup(fold), index, *at};
    c->fold_bytes += n + 1;
}

int catalogue_names_sort(catalogue *c, catalogue_error *err)
{
    char what[128];
    if (c->n_names)
        qsort(c->names, c->n_names, sizeof *c->names, s_name_cmp);
    c->names_sorted = true;
    for (size_t i = 1; i < c->n_names; i++)
        if (!strcmp(c->names[i - 1].fold, c->names[i].fold)) {
            char path[64];
            snprintf(path, sizeof path, "tools[%zu]", c->names[i].index);
            snprintf(what, sizeof what,
                     "is the same tool as tools[%zu] (their names differ only in case, "
                     "spaces or punctuation)",
                     c->names[i - 1].index);
            return catalogue_refuse(err, path, &c->names[i].at, what);
        }
    return 0;
}

static const catalogue_name *s_names_find(const catalogue *c, const char *name)
{
    char fold[CATALOGUE_FOLD];
    catalogue_name key = {fold, 0, {0, 0, 0}};
    sos_text_fold(name, fold, sizeof fold);
    size_t lo = 0, hi = c->n_names; /* the first entry of that fold */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(c->names[mid].fold, key.fold) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->n_names && !strcmp(c->names[lo].fold, fold) ? &c->names[lo] : NULL;
}

/* --- one record ---------------------------------------------------------- */

static const char *s_str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An optional integer member in [min, max]; def when absent. */
static bool s_int(json_t *o, const char *k, json_int_t min, json_int_t max, json_int_t def,
                  json_int_t *out)
{
    json_t *v = json_object_get(o, k);
    *out = v ? json_integer_value(v) : def;
    return !v || (json_is_integer(v) && *out >= min && *out <= max);
}

/* Shape checks the services cannot make (they see one record at a time). */
static const char *s_shape(int k, json_t *t)
{
    json_int_t n;
    if (k == CATALOGUE_TOOL) {
        if (!json_is_object(t) || !s_str(t, "name") || !s_str(t, "tagline") ||
            !s_str(t, "category") || !s_str(t, "tier"))
            return "needs name, tagline, category and tier strings";
        if (sos_tier_parse(s_str(t, "tier")) == SOS__TIER__TIER_UNSPECIFIED)
            return "tier must be Free, Paid or Freemium";
    } else if (k == CATALOGUE_TAKE) {
        json_t *score = json_object_get(t, "score");
        const char *v = s_str(t, "verdict");
        if (!json_is_object(t) || !s_str(t, "tool") || !s_str(t, "persona") || !s_str(t, "text"))
            return "needs tool, persona and text strings";
        if (sos_persona_parse(s_str(t, "persona")) == SOS__PERSONA__PERSONA_UNSPECIFIED)
            return "persona must be Builder, Skeptic, Futurist, Founder or Creator";
        if (!json_is_integer(score) || json_integer_value(score) < 0 ||
            json_integer_value(score) > 100)
            return "score must be an integer 0-100";
        if (!v || (strcmp(v, "ship") && strcmp(v, "skip")))
            return "verdict must be \"ship\" or \"skip\"";
        if (!s_int(t, "revision", 1, CATALOGUE_REVISION_MAX, 1, &n))
            return "revision must be a whole number from 1 to 1000000";
        if (!s_int(t, "filed_at", 0, INT64_MAX, 0, &n))
            return "filed_at must be a whole number of seconds from 0 to 9223372036854775807";
    } else if (!json_is_object(t) || !s_str(t, "a") || !s_str(t, "b")) {
        return "needs a and b, the names of two tools";
    }
    return NULL;
}

/* Takes and comparisons name tools of the file: their numbers into ref. */
static const char *s_refs(const catalogue *c, int k, json_t *t, size_t ref[2])
{
    const catalogue_name *a, *b;
    if (k == CATALOGUE_TAKE) {
        if (!(a = s_names_find(c, s_str(t, "tool"))))
            return "tool is not one of the file's tools";
        ref[0] = a->index;
    } else if (k == CATALOGUE_COMPARISON) {
        if (!(a = s_names_find(c, s_str(t, "a"))) || !(b = s_names_find(c, s_str(t, "b"))))
            return "a and b must name tools of the file";
        ref[0] = a->index;
        ref[1] = b->index;
    }
    return NULL;
}

static int s_check_record(catalogue *c, int k, size_t i, json_t *t, const catalogue_pos *at,
                          catalogue_error *err)
{
    char path[64];
    size_t ref[2];
    const char *why;
    snprintf(path, sizeof path, "%s[%zu]", catalogue_kind_key[k], i);
    if ((why = s_shape(k, t)))
        return catalogue_refuse(err, path, at, why);
    c->count[k]++;
    if (k == CATALOGUE_TOOL)
        s_names_add(c, s_str(t, "name"), i, at);
    else if (!c->names_sorted) /* the tools come later in the file */
        c->refs_later = true;
    else if ((why = s_refs(c, k, t, ref)))
        return catalogue_refuse(err, path, at, why);
    return 0;
}

static int s_refs_record(catalogue *c, int k, size_t i, json_t *t, const catalogue_pos *at,
                         catalogue_error *err)
{
    char path[64];
    size_t ref[2];
    const char *why = s_refs(c, k, t, ref);
    snprintf(path, sizeof path, "%s[%zu]", catalogue_kind_key[k], i);
    return why ? catalogue_refuse(err, path, at, why) : 0;
}

int catalogue_check(catalogue *c, catalogue_error *err)
{
    static const bool all[CATALOGUE_KINDS] = {true, true, true},
                      refs[CATALOGUE_KINDS] = {false, true, true};
    int rc;
    assert(!c->checked && c->passes == 0); /* the table is built once */
    c->stage = CATALOGUE_CHECKING;
    if ((rc = catalogue_read_pass(c, all, true, s_check_record, err)))
        return rc;
    if (!c->version_ok)
        return catalogue_refuse(err, "version", NULL, "must be 1 (the format this sos reads)");
    if (!c->seen[CATALOGUE_TOOL] || c->count[CATALOGUE_TOOL] == 0)
        return catalogue_refuse(err, "tools", NULL, "must be a non-empty array");
    c->stage = CATALOGUE_RESOLVING;
    if (c->refs_later && (rc = catalogue_read_pass(c, refs, false, s_refs_record, err)))
        return rc;
    c->checked = true;
    return 0;
}

/* --- the walk ------------------------------------------------------------ */

static const char *s_or(json_t *o, const char *k)
{
    const char *s = s_str(o, k);
    return s ? s : "";
}

/* One record of a walk pass, judged again and handed to the caller. */
static int s_walk_record(catalogue *c, int k, size_t i, json_t *t, const catalogue_pos *at,
                         catalogue_error *err)
{
    Sos__Tool tool = SOS__TOOL__INIT;
    Sos__TakeBody take = SOS__TAKE_BODY__INIT;
    catalogue_record rec = {(catalogue_kind)k, i,      NULL, *at, NULL, NULL,
                            {NULL, NULL},      {0, 0}, false};
    char path[64];
    const char *why;
    json_int_t n;
    snprintf(path, sizeof path, "%s[%zu]", catalogue_kind_key[k], i);
    rec.path = path;
    if ((why = s_shape(k, t)) || (why = s_refs(c, k, t, rec.ref)))
        return catalogue_refuse(err, path, at, why);
    if (k == CATALOGUE_TOOL) {
        const catalogue_name *me = s_names_find(c, s_str(t, "name"));
        if (!me || me->index != i)
            return catalogue_refuse(err, path, at, "changed while it was being imported");
        rec.ref[0] = i;
        rec.name[0] = tool.name = (char *)s_str(t, "name");
        tool.vendor = (char *)s_or(t, "vendor");
        tool.tagline = (char *)s_str(t, "tagline");
        tool.category = (char *)s_str(t, "category");
        tool.tier = sos_tier_parse(s_str(t, "tier"));
        tool.pricing = (char *)s_or(t, "pricing");
        tool.description = (char *)s_or(t, "description");
        tool.link = (char *)s_or(t, "link");
        rec.tool = &tool;
    } else if (k == CATALOGUE_TAKE) {
        rec.name[0] = s_str(t, "tool");
        take.persona = sos_persona_parse(s_str(t, "persona"));
        s_int(t, "revision", 1, CATALOGUE_REVISION_MAX, 1, &n);
        take.revision = (uint32_t)n;
        s_int(t, "filed_at", 0, INT64_MAX, 0, &n);
        take.filed_at = (uint64_t)n;
        rec.filed_at_absent = !json_object_get(t, "filed_at");
        take.score = (uint32_t)json_integer_value(json_object_get(t, "score"));
        take.ship = !strcmp(s_str(t, "verdict"), "ship");
        take.text = (char *)s_str(t, "text");
        rec.take = &take;
    } else {
        rec.name[0] = s_str(t, "a");
        rec.name[1] = s_str(t, "b");
    }
    return c->walk_fn(&rec, c->walk_arg);
}

int catalogue_walk(catalogue *c, catalogue_record_fn fn, void *arg, catalogue_error *err)
{
    static const bool only[CATALOGUE_KINDS][CATALOGUE_KINDS] = {
        {true, false, false}, {false, true, false}, {false, false, true}};
    int rc;
    assert(c->checked);
    c->walk_fn = fn;
    c->walk_arg = arg;
    c->stage = CATALOGUE_WALKING;
    for (int k = 0; k < CATALOGUE_KINDS; k++) {
        if ((rc = catalogue_read_pass(c, only[k], false, s_walk_record, err)))
            return rc;
        if (k == CATALOGUE_TOOL) {
            catalogue_record panel = {CATALOGUE_PANEL, 0,      "panel", {0, 0, 0}, NULL, NULL,
                                      {NULL, NULL},    {0, 0}, false};
            if ((rc = fn(&panel, arg)))
                return rc;
        }
    }
    return 0;
}
