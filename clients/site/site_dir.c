/* site_dir: the render directory (site_dir.h): open and close, and a
 * render, which claims a release, fills it, swaps current to it and
 * records the swap. Its parts: site_dir_lock.c (OUT/.lock),
 * site_dir_state.c (.state's records and their load), site_dir_release.c
 * (release numbers, links, the swap's record, pruning); site_dir_int.h is
 * what they share. */
#include "site_dir_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "sign.h"
#include "site.h"

void site_dir_why_set(site_dir *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->why, sizeof d->why, fmt, ap);
    va_end(ap);
}

/* What every page depends on besides the data: the base URL, the templates
 * and the assets. A change means a full render. */
static uint64_t s_layout(const char *base_url)
{
    sos_buf b = SOS_BUF_INIT;
    uint8_t h[SOS_HASH_BYTES];
    char v[32];
    snprintf(v, sizeof v, "%d", SITE_TEMPLATE_VERSION);
    sos_buf_append(&b, v, strlen(v) + 1);
    sos_buf_append(&b, base_url, strlen(base_url) + 1);
    static const char *const assets[] = SITE_ASSETS;
    for (size_t i = 0; i < sizeof assets / sizeof *assets; i++)
        sos_buf_append(&b, site_asset(assets[i]), strlen(site_asset(assets[i])));
    sos_hash(b.data, b.len, h);
    sos_buf_free(&b);
    return sos_be64_get(h);
}

int site_dir_open(const char *out_dir, const char *base_url, const site_dir_opts *opts,
                  site_dir **out, char *why, size_t cap)
{
    static const char *const dbs[] = {"meta", "verdicts", "comparisons"};
    char path[4096];
    site_dir *d = sos_xcalloc(1, sizeof *d);
    int rc;
    d->out = sos_xstrdup(out_dir);
    d->base_url = sos_xstrdup(base_url);
    d->lock_fd = -1;
    d->opts = opts ? *opts : (site_dir_opts){false, SITE_DIR_KEEP_SECONDS};
    d->site = render_site_new();
    if (sos_conf_mkdirs(out_dir, 0755) != 0) {
        site_dir_why_set(d, "cannot create %s: %s", out_dir, strerror(errno));
        rc = SITE_DIR_ECREATE;
        goto out;
    }
    if ((rc = site_dir_lock_take(d)) != SITE_DIR_OK)
        goto out;
    snprintf(path, sizeof path, "%s/.state", out_dir);
    sos_store_opts so = {path, dbs, 3, 0, 0, false};
    if (sos_store_open(&so, &d->state) != SOS_OK) {
        site_dir_why_set(d, "cannot open %s", path);
        rc = SITE_DIR_ECREATE;
        goto out;
    }
    if (site_dir_state_read(d) != SOS_OK) {
        site_dir_why_set(d, "cannot read %s", path);
        rc = SITE_DIR_ESTATE;
    }
out:
    if (rc != SITE_DIR_OK) {
        if (why && cap)
            snprintf(why, cap, "%s", d->why);
        site_dir_destroy(&d);
    }
    *out = d;
    return rc;
}

void site_dir_destroy(site_dir **dp)
{
    site_dir *d = *dp;
    if (!d)
        return;
    sos_store_destroy(&d->state);
    render_site_destroy(&d->site);
    site_dir_lock_drop(d);
    free(d->out);
    free(d->base_url);
    free(d);
    *dp = NULL;
}

uint64_t site_dir_cursor(const site_dir *d)
{
    return d->pulled;
}

const char *site_dir_why(const site_dir *d)
{
    return d->why;
}

int site_dir_render(site_dir *d, bool full, site_dir_result *res)
{
    char cur[4200], rel_new[64], tmp_link[4300], newdir[4200], olddir[4200];
    uint64_t want_layout = s_layout(d->base_url), release = 0, before = UINT64_MAX;
    bool swapped = false;
    int rc = SITE_DIR_OK;
    memset(res, 0, sizeof *res);
    d->why[0] = '\0';
    newdir[0] = '\0';
    res->release = d->release;
    res->cursor = d->pulled;
    res->tools = render_site_tool_count(d->site);
    res->comparisons = render_site_comparison_count(d->site);

    snprintf(cur, sizeof cur, "%s/current", d->out);
    snprintf(tmp_link, sizeof tmp_link, "%s/current.tmp", d->out);
    ssize_t ln = readlink(cur, olddir, sizeof olddir - 1);
    if (ln > 0) {
        olddir[ln] = '\0';
        if (site_dir_release_of(olddir))
            before = site_dir_release_of(olddir);
    } else if (d->release == 0) {
        before = 0; /* nothing was ever current */
    }
    if (d->layout != want_layout && ln > 0 && !full) {
        res->layout_changed = true;
        full = true;
    }
    if (d->pulled == d->rendered && ln > 0 && !full) {
        res->up_to_date = true;
        if (before != UINT64_MAX) /* else current is not ours to reason about */
            site_dir_release_prune(d, before, before);
        return SITE_DIR_OK;
    }
    render_site_prepare(d->site, d->rendered);
    res->tools = render_site_tool_count(d->site); /* without the superseded verdicts */
    res->comparisons = render_site_comparison_count(d->site);

    if ((rc = site_dir_release_claim(d, before == UINT64_MAX ? 0 : before, &release, newdir,
                                     sizeof newdir))) {
        newdir[0] = '\0'; /* nothing of ours to remove */
        goto out;
    }
    snprintf(rel_new, sizeof rel_new, "releases/%" PRIu64, release);
    res->incremental = !full && ln > 0;
    if (res->incremental) {
        char from[4300];
        snprintf(from, sizeof from, "%s/%s", d->out, olddir);
        if (site_dir_release_link(from, newdir, &res->linked) != 0) {
            site_dir_why_set(d, "cannot link %s into %s: %s", from, newdir, strerror(errno));
            rc = SITE_DIR_EWRITE;
            goto out;
        }
    }
    if (render_site_write(d->site, d->base_url, newdir, !res->incremental, &res->written) != 0) {
        site_dir_why_set(d, "cannot write into %s: %s", newdir, strerror(errno));
        rc = SITE_DIR_EWRITE;
        goto out;
    }
    /* swap: symlink current.tmp -> releases/<n>, rename over current */
    unlink(tmp_link);
    if (symlink(rel_new, tmp_link) != 0 || rename(tmp_link, cur) != 0) {
        site_dir_why_set(d, "cannot swap %s: %s", cur, strerror(errno));
        rc = SITE_DIR_EWRITE;
        goto out;
    }
    swapped = true;
    if (site_dir_release_record(d, want_layout, release, before == UINT64_MAX ? 0 : before) !=
        SOS_OK) {
        site_dir_why_set(d, "cannot record the cursor in %s/.state", d->out);
        rc = SITE_DIR_ERECORD;
        goto out;
    }
    d->rendered = d->pulled;
    d->layout = want_layout;
    d->release = res->release = release;
    site_dir_release_prune(d, release, before);
out:
    if (rc != SITE_DIR_OK && !swapped && newdir[0]) { /* nobody saw it: it goes */
        unlink(tmp_link);
        site_dir_release_remove(newdir);
    }
    return rc;
}
