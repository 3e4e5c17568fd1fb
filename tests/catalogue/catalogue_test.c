/* unit.catalogue.catalogue: reading a catalogue (clients/catalogue). The
 * sample walks to its counts in the import's order; keys in any order;
 * every malformed input of a table refused with its message, record and
 * position; a catalogue of 5,000 tools walked holding one record (the
 * library's own counters, not RSS). */
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "catalogue.h"
#include "text.h"

#define S_TOOL(n) "{\"name\":\"" n "\",\"tagline\":\"t\",\"category\":\"c\",\"tier\":\"Free\"}"
#define S_TAKE(tool, more)                                                                         \
    "{\"tool\":\"" tool "\",\"persona\":\"Builder\",\"score\":50,\"verdict\":\"ship\","            \
    "\"text\":\"x\"" more "}"

/* What a walk saw. */
typedef struct {
    size_t n[4];
    size_t panel_at; /* records before the panel call */
    size_t seen;
    catalogue_kind last;
    bool order_ok;
    char first_take_tool[128];
    uint32_t revision;
    uint64_t filed_at;
    bool filed_at_absent;
    size_t ref_of_take0;
    size_t progress_calls, progress_done;
    int stop_at; /* stop with 7 at this record (0: never) */
} s_walked;

/* The order of a walk: tools, the panel, takes, comparisons. */
static int s_rank(catalogue_kind k)
{
    static const int rank[] = {[CATALOGUE_TOOL] = 0,
                               [CATALOGUE_PANEL] = 1,
                               [CATALOGUE_TAKE] = 2,
                               [CATALOGUE_COMPARISON] = 3};
    return rank[k];
}

static int s_record(const catalogue_record *r, void *arg)
{
    s_walked *w = arg;
    if (s_rank(r->kind) < s_rank(w->last))
        w->order_ok = false;
    w->last = r->kind;
    w->n[r->kind]++;
    if (r->kind == CATALOGUE_PANEL)
        w->panel_at = w->seen;
    if (r->kind == CATALOGUE_TOOL) {
        assert_non_null(r->tool);
        assert_int_equal(r->ref[0], r->index);
    }
    if (r->kind == CATALOGUE_TAKE && r->index == 0) {
        snprintf(w->first_take_tool, sizeof w->first_take_tool, "%s", r->name[0]);
        w->revision = r->take->revision;
        w->filed_at = r->take->filed_at;
        w->filed_at_absent = r->filed_at_absent;
        w->ref_of_take0 = r->ref[0];
    }
    if (r->kind == CATALOGUE_COMPARISON)
        assert_non_null(r->name[1]);
    w->seen++;
    return w->stop_at && (int)w->seen == w->stop_at ? 7 : 0;
}

static void s_progress(const catalogue_progress *p, void *arg)
{
    s_walked *w = arg;
    w->progress_calls++;
    w->progress_done += p->done;
}

static void test_sample(void **state)
{
    (void)state;
    catalogue *c = catalogue_new(SOS_CATALOGUE_SAMPLE);
    catalogue_error err;
    s_walked w = {.order_ok = true};
    assert_non_null(c);
    assert_int_equal(catalogue_check(c, &err), CATALOGUE_OK);
    catalogue_counts k = catalogue_counts_get(c);
    assert_int_equal(k.tools, 4);
    assert_int_equal(k.takes, 16);
    assert_int_equal(k.comparisons, 3);
    assert_int_equal(k.passes, 1); /* the tools come first: no reference pass */
    assert_int_equal(catalogue_walk(c, s_record, &w, &err), CATALOGUE_OK);
    assert_true(w.order_ok);
    assert_int_equal(w.n[CATALOGUE_TOOL], 4);
    assert_int_equal(w.n[CATALOGUE_PANEL], 1);
    assert_int_equal(w.panel_at, 4);
    assert_int_equal(w.n[CATALOGUE_TAKE], 16);
    assert_int_equal(w.n[CATALOGUE_COMPARISON], 3);
    assert_string_equal(w.first_take_tool, "Code Llama 4 (70B & 400B)");
    assert_int_equal(w.ref_of_take0, 0);
    assert_int_equal(w.revision, 1);          /* absent: 1, as always */
    assert_int_equal(w.filed_at, 1795425120); /* the sample's dates are its own */
    assert_false(w.filed_at_absent);
    catalogue_destroy(&c);
    assert_null(c);
    catalogue_destroy(&c); /* safe twice */
}

/* The arrays in reverse order, members shuffled, strings with escaped
 * quotes and brackets: the walk is the same. */
static void test_key_order(void **state)
{
    (void)state;
    static const char in[] =
        "{\"comparisons\":[{\"b\":\"Alpha\",\"a\":\"be-ta\"}],\n"
        " \"takes\":[{\"text\":\"a \\\"}]{[\\\" b\",\"verdict\":\"skip\",\"score\":0,"
        "\"persona\":\"skeptic\",\"tool\":\"BETA\",\"filed_at\":9223372036854775807,"
        "\"revision\":1000000}],\n"
        " \"extra\":{\"tools\":[1,{\"x\":\"]\"}]},\n"
        " \"tools\":[{\"tier\":\"Paid\",\"category\":\"c\",\"tagline\":\"}\\\"{\",\"name\":"
        "\"Alpha\"},"
        "{\"name\":\"Beta\",\"tagline\":\"t\",\"category\":\"c\",\"tier\":\"Freemium\"}],\n"
        " \"version\":1}\n";
    catalogue *c = catalogue_new_buffer(in, sizeof in - 1);
    catalogue_error err;
    s_walked w = {.order_ok = true};
    assert_int_equal(catalogue_check(c, &err), CATALOGUE_OK);
    catalogue_counts k = catalogue_counts_get(c);
    assert_int_equal(k.tools, 2);
    assert_int_equal(k.takes, 1);
    assert_int_equal(k.comparisons, 1);
    assert_int_equal(k.passes, 2); /* references judged in a second pass */
    assert_int_equal(catalogue_walk(c, s_record, &w, &err), CATALOGUE_OK);
    assert_true(w.order_ok);
    assert_int_equal(w.panel_at, 2);
    assert_string_equal(w.first_take_tool, "BETA");
    assert_int_equal(w.ref_of_take0, 1);
    assert_int_equal(w.revision, 1000000);
    assert_int_equal(w.filed_at, 9223372036854775807ull);
    assert_false(w.filed_at_absent);
    catalogue_destroy(&c);
}

/* A take without filed_at is handed over as absent (0); one with 0 is not. */
static void test_filed_at_absent(void **state)
{
    (void)state;
    static const char *const in[] = {
        "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[" S_TAKE("A", "") "]}",
        "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[" S_TAKE("A",
                                                                        ",\"filed_at\":0") "]}",
    };
    for (int i = 0; i < 2; i++) {
        catalogue *c = catalogue_new_buffer(in[i], strlen(in[i]));
        catalogue_error err;
        s_walked w = {.order_ok = true};
        assert_int_equal(catalogue_check(c, &err), CATALOGUE_OK);
        assert_int_equal(catalogue_walk(c, s_record, &w, &err), CATALOGUE_OK);
        assert_int_equal(w.filed_at, 0);
        assert_int_equal(w.filed_at_absent, i == 0);
        catalogue_destroy(&c);
    }
}

typedef struct {
    const char *what; /* the case */
    const char *in;   /* '@' marks where the error must be; it is not part of the input */
    int code;
    const char *path; /* ERECORD */
    const char *why;  /* a part of error.what */
} s_bad;

#define S_OK_HEAD "{\"version\":1,\"tools\":[" S_TOOL("Alpha") ","

static const s_bad s_bads[] = {
    {"truncated", S_OK_HEAD "{\"name\":\"Beta\",\"tagline\":\"t\"@", CATALOGUE_ESYNTAX, NULL,
     "a value was expected"},
    {"truncated after a string with an escaped quote and braces",
     S_OK_HEAD "{\"name\":\"x\\\"},{]\",\"tagline\":\"}\"@", CATALOGUE_ESYNTAX, NULL,
     "a value was expected"},
    {"an escaped quote and braces, then a missing comma",
     S_OK_HEAD "{\"name\":\"x\\\"}{\",\"tagline\":\"]\" \"category@\":\"c\"}]}", CATALOGUE_ESYNTAX,
     NULL, "'}' expected"},
    {"empty file", "@", CATALOGUE_ESYNTAX, NULL, "a catalogue object was expected"},
    {"not an object", "@[1,2]", CATALOGUE_ERECORD, "$", "must be an object"},
    {"a nested object as a name",
     S_OK_HEAD "\n  @{\"name\":{\"x\":{\"y\":[1]}},\"tagline\":\"t\",\"category\":\"c\","
               "\"tier\":\"Free\"}],\"version\":1}",
     CATALOGUE_ERECORD, "tools[1]", "needs name, tagline, category and tier strings"},
    {"a nested array as a take",
     S_OK_HEAD "{\"name\":\"B\",\"tagline\":\"t\",\"category\":\"c\",\"tier\":\"Free\"}],"
               "\"takes\":[@[" S_TAKE("Alpha", "") "]]}",
     CATALOGUE_ERECORD, "takes[0]", "needs tool, persona and text strings"},
    {"a tool that is no object", "{\"version\":1,\"tools\":[" S_TOOL("A") ",\n@5]}",
     CATALOGUE_ERECORD, "tools[1]", "needs name, tagline"},
    {"a comparison that is no object",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"comparisons\":[@\"A\"]}", CATALOGUE_ERECORD,
     "comparisons[0]", "needs a and b"},
    {"a take naming an unknown tool",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[" S_TAKE("A", "") ",@" S_TAKE("Nowhere",
                                                                                          "") "]}",
     CATALOGUE_ERECORD, "takes[1]", "tool is not one of the file's tools"},
    {"an unknown tool, tools last",
     "{\"takes\":[@" S_TAKE("Nowhere", "") "],\"version\":1,\"tools\":[" S_TOOL("A") "]}",
     CATALOGUE_ERECORD, "takes[0]", "tool is not one of the file's tools"},
    {"a comparison with an unknown tool",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"comparisons\":[@{\"a\":\"A\",\"b\":\"Z\"}]}",
     CATALOGUE_ERECORD, "comparisons[0]", "a and b must name tools of the file"},
    {"revision 0",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A", ",\"revision\":0") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be a whole number from 1 to 1000000"},
    {"revision -1",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A", ",\"revision\":-1") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be"},
    {"revision 1.5",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A",
                                                                      ",\"revision\":1.5") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be"},
    {"revision \"2\"",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A",
                                                                      ",\"revision\":\"2\"") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be"},
    {"revision 1000001",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A",
                                                                      ",\"revision\":1000001") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be"},
    {"revision 2^32+1 (wrapped to 1 before)",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE(
         "A", ",\"revision\":4294967297") "]}",
     CATALOGUE_ERECORD, "takes[0]", "revision must be"},
    {"filed_at -1",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A", ",\"filed_at\":-1") "]}",
     CATALOGUE_ERECORD, "takes[0]",
     "filed_at must be a whole number of seconds from 0 to "
     "9223372036854775807"},
    {"filed_at 1e3",
     "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":[@" S_TAKE("A",
                                                                      ",\"filed_at\":1e3") "]}",
     CATALOGUE_ERECORD, "takes[0]", "filed_at must be"},
    {"a duplicate tool",
     "{\"version\":1,\"tools\":[" S_TOOL("Beta") ",\n " S_TOOL("Alpha") ",\n @" S_TOOL(
         "alpha!") "]}",
     CATALOGUE_ERECORD, "tools[2]", "is the same tool as tools[1]"},
    {"version 2", "{\"version\":2,\"tools\":[" S_TOOL("A") "]}", CATALOGUE_ERECORD, "version",
     "must be 1"},
    {"no version", "{\"tools\":[" S_TOOL("A") "]}", CATALOGUE_ERECORD, "version", "must be 1"},
    {"no tools", "{\"version\":1,\"tools\":[]}", CATALOGUE_ERECORD, "tools",
     "must be a non-empty array"},
    {"takes not an array", "{\"version\":1,\"tools\":[" S_TOOL("A") "],\"takes\":{}}",
     CATALOGUE_ERECORD, "takes", "must be an array"},
    {"a key twice", "{\"version\":1,\n@\"version\":1}", CATALOGUE_ESYNTAX, NULL,
     "duplicate object key"},
    {"a record's key twice", "{\"version\":1,\"tools\":[{\"name\":\"a\",\"name@\":\"b\"}]}",
     CATALOGUE_ESYNTAX, NULL, "duplicate object key"},
    {"bytes after the end", "{\"version\":1,\"tools\":[" S_TOOL("A") "]} @x", CATALOGUE_ESYNTAX,
     NULL, "end of file expected"},
    {"a byte that is no UTF-8",
     "{\"version\":1,\"tools\":[" S_TOOL("A") ",\n {\"name\":\"caf\xc3\xa9\",\n@\xe0\xd9}]}",
     CATALOGUE_ESYNTAX, NULL, "unable to decode byte 0xe0"},
    {"a key that is no string", "{@1:2}", CATALOGUE_ESYNTAX, NULL, "a key was expected"},
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_bads / sizeof *s_bads; i++) {
        const s_bad *b = &s_bads[i];
        const char *mark = strchr(b->in, '@');
        size_t n = strlen(b->in);
        char *in = sos_xmalloc(n + 1);
        catalogue_pos want = {1, 1, 0};
        catalogue_error err;
        if (mark) {
            memcpy(in, b->in, (size_t)(mark - b->in));
            memcpy(in + (mark - b->in), mark + 1, n - (size_t)(mark - b->in));
            n--;
        } else { /* a refusal of the whole: no position */
            memcpy(in, b->in, n + 1);
            want.line = 0;
        }
        for (const char *p = b->in; mark && p < mark; p++, want.offset++) {
            want.col = *p == '\n' ? 1 : want.col + 1;
            want.line += *p == '\n';
        }
        catalogue *c = catalogue_new_buffer(in, n);
        int rc = catalogue_check(c, &err);
        print_message("%s: %d %s: %s at %lu:%lu (%llu)\n", b->what, rc, err.path, err.what,
                      err.at.line, err.at.col, (unsigned long long)err.at.offset);
        assert_int_equal(rc, b->code);
        assert_int_equal(err.code, b->code);
        assert_non_null(strstr(err.what, b->why));
        if (b->path)
            assert_string_equal(err.path, b->path);
        if (!mark) {
            assert_int_equal(err.at.line, 0);
        } else {
            assert_int_equal(err.at.line, want.line);
            assert_int_equal(err.at.col, want.col);
            assert_int_equal(err.at.offset, want.offset);
        }
        catalogue_destroy(&c);
        free(in);
    }
}

/* 5,000 tools and 20,000 takes (about 3 MB), tools last: the check and
 * the walk hold one record, and the table a few dozen bytes a tool. */
static void test_large(void **state)
{
    (void)state;
    enum { N = 5000 };
    static const char *const personas[] = {"Builder", "Skeptic", "Futurist", "Founder"};
    sos_buf b = SOS_BUF_INIT;
    char line[512];
    catalogue_error err;
    s_walked w = {.order_ok = true};
    sos_buf_append(&b, "{\"version\":1,\"takes\":[", 22);
    for (int i = 0; i < N; i++)
        for (int p = 0; p < 4; p++) {
            int len = snprintf(line, sizeof line,
                               "%s{\"tool\":\"Tool %05d\",\"persona\":\"%s\",\"score\":%d,"
                               "\"verdict\":\"ship\",\"text\":\"A take of some length, "
                               "long enough to count.\",\"revision\":%d}",
                               i || p ? ",\n" : "", i, personas[p], (i + p) % 101, 1 + p);
            sos_buf_append(&b, line, (size_t)len);
        }
    sos_buf_append(&b, "],\"tools\":[", 11);
    for (int i = 0; i < N; i++) {
        int len = snprintf(line, sizeof line,
                           "%s{\"name\":\"Tool %05d\",\"tagline\":\"tool %d\",\"category\":\"c\","
                           "\"tier\":\"Free\",\"description\":\"A tool, described at some "
                           "length so that a record is a few hundred bytes.\"}",
                           i ? ",\n" : "", i, i);
        sos_buf_append(&b, line, (size_t)len);
    }
    sos_buf_append(&b, "]}", 2);
    catalogue *c = catalogue_new_buffer(b.data, b.len);
    catalogue_progress_set(c, s_progress, &w);
    assert_int_equal(catalogue_check(c, &err), CATALOGUE_OK);
    assert_int_equal(w.progress_calls, 5 * N / 1000 + 2 + 4 * N / 1000); /* + each pass's end */
    assert_int_equal(w.progress_done, 2);
    assert_int_equal(catalogue_walk(c, s_record, &w, &err), CATALOGUE_OK);
    catalogue_counts k = catalogue_counts_get(c);
    print_message("%zu bytes: record_max %zu, table %zu bytes, %zu passes\n", b.len, k.record_max,
                  k.table_bytes, k.passes);
    assert_int_equal(k.tools, N);
    assert_int_equal(k.takes, 4 * N);
    assert_int_equal(w.n[CATALOGUE_TOOL], N);
    assert_int_equal(w.n[CATALOGUE_TAKE], 4 * N);
    assert_true(w.order_ok);
    assert_int_equal(k.passes, 2 + 3);
    assert_true(b.len > 2000000);
    assert_true(k.record_max <= 1024); /* the largest record, not the file */
    assert_true(k.table_bytes <= 100 * N);
    catalogue_destroy(&c);
    sos_buf_free(&b);
}

/* A record function's value stops the walk and is returned. */
static void test_walk_stops(void **state)
{
    (void)state;
    catalogue *c = catalogue_new(SOS_CATALOGUE_SAMPLE);
    catalogue_error err;
    s_walked w = {.order_ok = true, .stop_at = 6};
    assert_int_equal(catalogue_check(c, &err), CATALOGUE_OK);
    assert_int_equal(catalogue_walk(c, s_record, &w, &err), 7);
    assert_int_equal(w.seen, 6); /* 4 tools, the panel, one take */
    catalogue_destroy(&c);
    errno = 0;
    assert_null(catalogue_new("/nonexistent/catalogue.json"));
    assert_int_equal(errno, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),     cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_refused),    cmocka_unit_test(test_large),
        cmocka_unit_test(test_walk_stops), cmocka_unit_test(test_filed_at_absent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
