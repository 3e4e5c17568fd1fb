/* fuzz_catalogue: the catalogue file `sos import` reads, through the
 * library it reads it with (clients/catalogue): catalogue_new_buffer,
 * catalogue_check (the tokenizer, jansson on each record, the record
 * checks, the tools' table), then catalogue_walk of everything the check
 * let through. On every name and string a walk hands over, the text
 * helpers the import and the services apply to them.
 *
 * Checks: a refusal is one of the library's codes with a terminated
 * sentence and a position inside the input; a catalogue the check accepts
 * walks whole, in the order tools, panel, takes, comparisons, to the
 * counts of the check, every reference a tool number below the count and
 * every take's revision 1-1000000. */
#include <string.h>

#include "catalogue.h"
#include "fuzz_common.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    catalogue_counts k;
    size_t n[4];
    int rank;
} s_seen;

static void s_text(const char *s)
{
    char fold[256], slug[112];
    (void)sos_text_valid(s, strlen(s));
    (void)sos_tier_parse(s);
    (void)sos_persona_parse(s);
    size_t f = sos_text_fold(s, fold, sizeof fold);
    fz_check(f < sizeof fold && fold[f] == '\0', "fold stays inside its buffer");
    size_t k = sos_text_slug(s, slug, sizeof slug);
    fz_check(k < sizeof slug && slug[k] == '\0', "slug stays inside its buffer");
    fz_check(k == 0 || (slug[0] != '-' && slug[k - 1] != '-'), "slug has no edge dash");
}

static int s_record(const catalogue_record *r, void *arg)
{
    static const int rank[] = {[CATALOGUE_TOOL] = 0,
                               [CATALOGUE_PANEL] = 1,
                               [CATALOGUE_TAKE] = 2,
                               [CATALOGUE_COMPARISON] = 3};
    s_seen *s = arg;
    fz_check(rank[r->kind] >= s->rank, "a walk goes tools, panel, takes, comparisons");
    s->rank = rank[r->kind];
    s->n[r->kind]++;
    switch (r->kind) {
    case CATALOGUE_TOOL:
        fz_check(r->ref[0] == r->index && r->index < s->k.tools, "a tool is its own number");
        s_text(r->tool->name);
        s_text(r->tool->tagline);
        break;
    case CATALOGUE_TAKE:
        fz_check(r->ref[0] < s->k.tools, "a take names a tool of the file");
        fz_check(r->take->revision >= 1 && r->take->revision <= CATALOGUE_REVISION_MAX,
                 "a take's revision is 1-1000000");
        fz_check(r->take->score <= 100, "a score is 0-100");
        s_text(r->name[0]);
        s_text(r->take->text);
        break;
    case CATALOGUE_COMPARISON:
        fz_check(r->ref[0] < s->k.tools && r->ref[1] < s->k.tools, "a comparison names tools");
        s_text(r->name[0]);
        s_text(r->name[1]);
        break;
    default: break;
    }
    return 0;
}

static void s_refused(const catalogue_error *e, int rc, size_t size)
{
    fz_check(rc == CATALOGUE_ESYNTAX || rc == CATALOGUE_ERECORD, "a buffer refuses only so");
    fz_check(e->code == rc, "the error says its code");
    fz_check(memchr(e->what, '\0', sizeof e->what) && e->what[0], "a refusal says why");
    fz_check(memchr(e->path, '\0', sizeof e->path) != NULL, "the path is terminated");
    fz_check(rc != CATALOGUE_ERECORD || e->path[0], "a record refusal names it");
    if (rc == CATALOGUE_ESYNTAX || e->at.line > 0)
        fz_check(e->at.line >= 1 && e->at.col >= 1 && e->at.offset <= size,
                 "a position is inside the input");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    catalogue *c = catalogue_new_buffer(data, size);
    catalogue_error err;
    s_seen s = {0};
    int rc = catalogue_check(c, &err);
    if (rc) {
        s_refused(&err, rc, size);
        goto out;
    }
    s.k = catalogue_counts_get(c);
    fz_check(s.k.tools > 0, "an accepted catalogue has tools");
    rc = catalogue_walk(c, s_record, &s, &err);
    fz_check(rc == CATALOGUE_OK, "what the check accepted walks");
    fz_check(s.n[CATALOGUE_TOOL] == s.k.tools && s.n[CATALOGUE_PANEL] == 1 &&
                 s.n[CATALOGUE_TAKE] == s.k.takes && s.n[CATALOGUE_COMPARISON] == s.k.comparisons,
             "the walk hands over what the check counted");
out:
    catalogue_destroy(&c);
    return 0;
}
