/* sitefix: signed records and pages for the site tests. See sitefix.h. */
#include "sitefix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tally.h"

void sf_tool(Sos__Tool *t, const char *id, const char *name)
{
    *t = (Sos__Tool)SOS__TOOL__INIT;
    t->tool_id = (char *)id;
    t->name = (char *)name;
    t->vendor = (char *)"Vendor Inc.";
    t->tagline = (char *)"Code review for small teams";
    t->category = (char *)"Developer tools";
    t->tier = SOS__TIER__TIER_FREEMIUM;
    t->pricing = (char *)"Free up to 3 seats";
    t->description = (char *)"Reads a diff and says what it thinks.";
    t->link = (char *)"https://example.org/tool";
    t->submitted_at = 1700000000;
}

/* payload into a fresh Signed (payload and signer point into bufs kept by
 * the caller until it has packed what holds them). */
static void s_sign(const sos_key *k, const char *domain, sos_buf *payload,
                   uint8_t sig[SOS_SIG_BYTES], Sos__Signed *out)
{
    sos_sign(k, domain, payload->data, payload->len, sig);
    *out = (Sos__Signed)SOS__SIGNED__INIT;
    out->payload = (ProtobufCBinaryData){payload->len, payload->data};
    out->signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    out->signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
}

Sos__Verdict *sf_verdict(const sos_key *k, const Sos__Tool *tool, const sf_take *takes, size_t n,
                         uint64_t finalized_at)
{
    return sf_verdict_filed(k, tool, takes, n, finalized_at, finalized_at - 60);
}

Sos__Verdict *sf_verdict_filed(const sos_key *k, const Sos__Tool *tool, const sf_take *takes,
                               size_t n, uint64_t finalized_at, uint64_t filed_at)
{
    assert_true(n <= 5);
    sos_buf tp[5] = {SOS_BUF_INIT, SOS_BUF_INIT, SOS_BUF_INIT, SOS_BUF_INIT, SOS_BUF_INIT};
    uint8_t tsig[5][SOS_SIG_BYTES], hashes[5][SOS_HASH_BYTES], ids[5][16];
    Sos__TakeBody tb[5];
    const Sos__TakeBody *tbp[5];
    Sos__Signed ts[5], *tsp[5];
    ProtobufCBinaryData hd[5];
    for (size_t i = 0; i < n; i++) {
        tb[i] = (Sos__TakeBody)SOS__TAKE_BODY__INIT;
        memset(ids[i], (int)(i + 1), sizeof ids[i]);
        ids[i][0] = (uint8_t)tool->tool_id[0];
        tb[i].take_id = (ProtobufCBinaryData){sizeof ids[i], ids[i]};
        tb[i].tool_id = tool->tool_id;
        tb[i].persona = takes[i].persona;
        tb[i].score = takes[i].score;
        tb[i].ship = takes[i].ship;
        tb[i].text = (char *)takes[i].text;
        tb[i].revision = 1;
        tb[i].filed_at = filed_at;
        tbp[i] = &tb[i];
        sos_buf_pack(&tp[i], &tb[i].base);
        s_sign(k, SOS_DOMAIN_TAKE, &tp[i], tsig[i], &ts[i]);
        tsp[i] = &ts[i];
        sos_hash(tp[i].data, tp[i].len, hashes[i]);
        hd[i] = (ProtobufCBinaryData){SOS_HASH_BYTES, hashes[i]};
    }
    sos_tally t;
    sos_tally_takes(tbp, n, &t);
    Sos__VerdictBody vb = SOS__VERDICT_BODY__INIT;
    vb.tool_id = tool->tool_id;
    vb.n_take_hashes = n;
    vb.take_hashes = hd;
    vb.ship = t.ship;
    vb.skip = t.skip;
    vb.ship_pct = t.ship_pct;
    vb.mean_score_x100 = t.mean_score_x100;
    vb.label = t.label;
    vb.rule = (char *)"editor";
    vb.finalized_at = finalized_at;
    vb.tool = (Sos__Tool *)tool;
    sos_buf vp = SOS_BUF_INIT, all = SOS_BUF_INIT;
    uint8_t vsig[SOS_SIG_BYTES];
    Sos__Signed vs;
    sos_buf_pack(&vp, &vb.base);
    s_sign(k, SOS_DOMAIN_VERDICT, &vp, vsig, &vs);
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = (Sos__Tool *)tool;
    v.verdict = &vs;
    v.n_takes = n;
    v.takes = tsp;
    sos_buf_pack(&all, &v.base);
    Sos__Verdict *copy = (Sos__Verdict *)sos_unpack(&sos__verdict__descriptor, all.data, all.len);
    assert_non_null(copy);
    sos_buf_free(&all);
    sos_buf_free(&vp);
    for (size_t i = 0; i < n; i++)
        sos_buf_free(&tp[i]);
    return copy;
}

Sos__Verdict *sf_verdict4(const sos_key *k, const Sos__Tool *tool, uint64_t finalized_at)
{
    static const sf_take takes[] = {
        {SOS__PERSONA__PERSONA_BUILDER, 82, true, "Fast on real diffs."},
        {SOS__PERSONA__PERSONA_SKEPTIC, 40, false, "Misses context across files."},
        {SOS__PERSONA__PERSONA_FUTURIST, 90, true, "Where review is going."},
        {SOS__PERSONA__PERSONA_FOUNDER, 75, true, "Saves a senior's hour a day."},
    };
    return sf_verdict(k, tool, takes, 4, finalized_at);
}

Sos__EventsPage *sf_page(const sf_event *evs, size_t n)
{
    Sos__Event *ev = calloc(n + 1, sizeof *ev);
    Sos__Event **evp = calloc(n + 1, sizeof *evp);
    assert_true(ev && evp);
    Sos__EventsPage page = SOS__EVENTS_PAGE__INIT;
    for (size_t i = 0; i < n; i++) {
        ev[i] = (Sos__Event)SOS__EVENT__INIT;
        ev[i].seq = evs[i].seq;
        if (evs[i].v) {
            ev[i].kind_case = SOS__EVENT__KIND_PUBLICATION;
            ev[i].publication = (Sos__Verdict *)evs[i].v;
        } else {
            ev[i].kind_case = SOS__EVENT__KIND_COMPARISON_PUBLISHED;
            ev[i].comparison_published = (Sos__Comparison *)evs[i].c;
        }
        evp[i] = &ev[i];
        if (evs[i].seq > page.head)
            page.head = evs[i].seq;
    }
    page.n_events = n;
    page.events = evp;
    sos_buf b = SOS_BUF_INIT;
    sos_buf_pack(&b, &page.base);
    Sos__EventsPage *copy =
        (Sos__EventsPage *)sos_unpack(&sos__events_page__descriptor, b.data, b.len);
    assert_non_null(copy);
    sos_buf_free(&b);
    free(ev);
    free(evp);
    return copy;
}

char *sf_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    sos_buf b = SOS_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sos_buf_append(&b, chunk, n);
    fclose(f);
    sos_buf_append(&b, "", 1);
    return (char *)b.data; /* the buffer's own malloc'd block */
}

void sf_write(const char *path, const char *s)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, strlen(s), f), strlen(s));
    assert_int_equal(ftruncate(fileno(f), (off_t)strlen(s)), 0);
    assert_int_equal(fclose(f), 0);
}

size_t sf_count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, l) == 0)
            n++;
    return n;
}
