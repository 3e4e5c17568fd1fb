/* site_dir_state: a site directory's .state store, the records side:
 * every verdict and comparison published so far (seq || packed message),
 * stored a page of events at a time as they are pulled and added to the
 * model; and, at open, the marks (cursor "rendered", layout, release
 * numbers) and the load of what the current release shows. The marks a
 * release writes are site_dir_release.c's. */
#include "site_dir_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evlog.h"

/* Verdicts and comparisons are stored as seq (BE64) || packed message. */
static int s_put(sos_txn *t, sos_db db, const char *key, uint64_t seq, const ProtobufCMessage *m)
{
    sos_buf b = SOS_BUF_INIT;
    uint8_t s8[8];
    sos_be64_put(s8, seq);
    sos_buf_append(&b, s8, 8);
    size_t n = protobuf_c_message_get_packed_size(m);
    sos_buf_reserve(&b, 8 + n);
    protobuf_c_message_pack(m, b.data + 8);
    b.len = 8 + n;
    int rc = sos_txn_put(t, db, key, strlen(key), b.data, b.len);
    sos_buf_free(&b);
    return rc;
}

/* Loads what the current release shows: records past rendered were stored
 * by a render that failed, and come again with the pull from rendered. */
static int s_load(sos_store *st_store, sos_txn *t, render_site *s, uint64_t rendered)
{
    sos_cursor *c = NULL;
    sos_val k, v;
    int rc;
    size_t n = 0;
    if ((rc = sos_cursor_open(t, SITE_DIR_DB_VERDICTS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        /* the model keeps what it needs of each: the map's pages read for
         * it need not stay resident (at 10,000 tools they were ~43 MiB) */
        if (++n % 256 == 0)
            sos_store_release_pages(st_store);
        if (v.len > 8 && sos_be64_get(v.data) > rendered)
            continue;
        Sos__Verdict *vd = v.len > 8
                               ? (Sos__Verdict *)sos_unpack(&sos__verdict__descriptor,
                                                            (const uint8_t *)v.data + 8, v.len - 8)
                               : NULL;
        site_tool *st = sos_xcalloc(1, sizeof *st);
        if (!vd || site_tool_load(vd, sos_be64_get(v.data), st) != 0) {
            free(st);
            fprintf(stderr, "sos: render: a stored verdict does not decode; skipped\n");
            continue;
        }
        render_site_add_tool(s, st);
    }
    sos_cursor_destroy(&c);
    if (rc != SOS_NOTFOUND)
        return rc;
    if ((rc = sos_cursor_open(t, SITE_DIR_DB_COMPARISONS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        if (v.len > 8 && sos_be64_get(v.data) > rendered)
            continue;
        Sos__Comparison *cm =
            v.len > 8 ? (Sos__Comparison *)sos_unpack(&sos__comparison__descriptor,
                                                      (const uint8_t *)v.data + 8, v.len - 8)
                      : NULL;
        if (cm)
            render_site_add_comparison(s, cm, sos_be64_get(v.data), false);
    }
    sos_cursor_destroy(&c);
    return rc == SOS_NOTFOUND ? 0 : rc;
}

int site_dir_state_read(site_dir *d)
{
    sos_txn *t = NULL;
    int rc = sos_txn_begin(d->state, false, &t);
    if (rc == SOS_OK && !(rc = sos_meta_get_u64(t, "rendered", &d->rendered)) &&
        !(rc = sos_meta_get_u64(t, "layout", &d->layout)) &&
        !(rc = sos_meta_get_u64(t, "release", &d->release)) &&
        !(rc = sos_meta_get_u64(t, "release_last", &d->release_last)))
        rc = s_load(d->state, t, d->site, d->rendered);
    d->pulled = d->rendered;
    sos_txn_abort(&t);
    sos_store_release_pages(d->state);
    return rc;
}

typedef struct {
    const Sos__EventsPage *page;
    uint64_t last; /* the page's cursor, set by each run */
} s_page_arg;

/* Run by sos_store_write, maybe more than once: decides nothing outside
 * the transaction but a->last, which it sets from the start. The records
 * only: the cursor ("rendered") moves with the swap. */
static int s_store_page(sos_txn *t, void *arg)
{
    s_page_arg *a = arg;
    const Sos__EventsPage *page = a->page;
    int rc = SOS_OK;
    for (size_t i = 0; rc == SOS_OK && i < page->n_events; i++) {
        const Sos__Event *ev = page->events[i];
        a->last = ev->seq;
        if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION && ev->publication->tool &&
            ev->publication->tool->tool_id[0])
            rc = s_put(t, SITE_DIR_DB_VERDICTS, ev->publication->tool->tool_id, ev->seq,
                       &ev->publication->base);
        else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED)
            rc = s_put(t, SITE_DIR_DB_COMPARISONS, ev->comparison_published->slug, ev->seq,
                       &ev->comparison_published->base);
    }
    return rc;
}

int site_dir_add_page(site_dir *d, Sos__EventsPage *page, size_t *news)
{
    s_page_arg a = {page, d->pulled};
    size_t added = 0;
    int rc = sos_store_write(d->state, s_store_page, &a);
    if (rc != SOS_OK) {
        site_dir_why_set(d, "cannot store what was pulled: %s", sos_store_errstr(rc));
        return SITE_DIR_ESTATE;
    }
    d->pulled = a.last;
    for (size_t i = 0; i < page->n_events; i++) {
        Sos__Event *ev = page->events[i];
        if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION) {
            Sos__Verdict *v = ev->publication;
            if (!v->tool || !v->tool->tool_id[0])
                continue;
            ev->publication = NULL; /* the model owns it now */
            ev->kind_case = SOS__EVENT__KIND__NOT_SET;
            site_tool *t = sos_xcalloc(1, sizeof *t);
            if (site_tool_load(v, ev->seq, t) != 0) {
                free(t);
                fprintf(stderr, "sos: render: verdict at seq %" PRIu64 " does not decode\n",
                        ev->seq);
                continue;
            }
            render_site_add_tool(d->site, t);
            added++;
        } else if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED) {
            Sos__Comparison *cm = ev->comparison_published;
            ev->comparison_published = NULL;
            ev->kind_case = SOS__EVENT__KIND__NOT_SET;
            render_site_add_comparison(d->site, cm, ev->seq, true);
            added++;
        }
    }
    if (news)
        *news += added;
    return SITE_DIR_OK;
}
