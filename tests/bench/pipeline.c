/* pipeline: how long from the last thing a panel needs (the take that
 * reaches the quorum, or the editor's finalize) being acknowledged to the
 * verdict being pullable from publishing, and from there to the rendered
 * page on disk. Driven by pipeline_bench.py (docs/performance.md).
 *
 *   pipeline HOME KEYDIR PANELS_FILE --mode quorum|finalize --wait poll|bell
 *            [--persona N] [--sos PATH --site DIR [--config FILE]]
 *            [--render-every R] [--poll-us U] [--bell-fallback-ms F]
 *            [--timeout-ms T]
 *
 * PANELS_FILE: one line per panel, "TOOL_ID SLUG" (SLUG "-": no comparison).
 * The panel's other takes must be filed already, so that:
 *   quorum:   the take of persona N (1 Builder .. 5 Creator; default 4,
 *             Founder; KEYDIR/<persona>.key) closes it;
 *   finalize: scoring's panel_close (`sos verdict finalize`) closes it,
 *             signed with the editor key HOME/keys/editor.key (the one
 *             the harness registers).
 * Endpoints are the defaults under HOME (ipc://HOME/run/<svc>.api|events).
 *
 * Per panel, one at a time: send the closing request to scoring and wait
 * for its reply (t_ack); then watch aggregation's log for the verdict and
 * publishing's log (the pull: the events query `sos pull` makes) for the
 * publication and, with a SLUG, the comparison_published, each from the
 * cursor reached so far:
 *   --wait poll: query both logs back to back in a loop (sleeping U us
 *                between rounds, default 0: a tight loop);
 *   --wait bell: subscribe to both daemons' events PUB doorbells and query
 *                a log when its doorbell rings, or every F ms (default 250)
 *                when none rings (counted as a fallback).
 * A time is taken when the reply that shows the event arrives. Then, every
 * R-th panel (default 1; 0 never), run `sos render --out DIR` and take the
 * time at which DIR/current/tools/<id>/index.html (and the comparison's
 * page) exist, polling stat(2) every 0.2 ms, and when the command exits.
 *
 * Prints one line per panel,
 *   panel I TOOL ack_ms agg_ms pub_ms cmp_ms page_ms exit_ms fallbacks
 * (ack_ms from send to reply; agg/pub/cmp from t_ack; page/exit from the
 * moment the publication was seen; -1 when not measured or not seen within
 * T ms, default 10000), then one JSON line with the counts. Exit 1 when a
 * panel did not close or its verdict was not published in time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clnt.h"
#include "scoring_clnt.h"
#include "sign.h"
#include "wire.h"

static const char *const s_persona_file[6] = {"",         "builder", "skeptic",
                                              "futurist", "founder", "creator"};

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static double s_ms(int64_t from, int64_t to)
{
    return from && to ? (double)(to - from) / 1e6 : -1.0;
}

typedef struct {
    const char *tool, *slug;
    int64_t t_agg, t_pub, t_cmp;
} watch;

typedef struct {
    sos_clnt *c;
    uint64_t cursor;
} feed;

/* Reads a log from the feed's cursor to its head, noting the watched
 * events. 0, or -1 when the daemon does not answer. */
static int s_scan(feed *f, watch *w)
{
    for (;;) {
        Sos__EventsReply *rep = NULL;
        if (sos_clnt_events(f->c, f->cursor, 1000, &rep) != SOS_CLNT_OK)
            return -1;
        int64_t at = s_now_ns();
        size_t n = rep->events ? rep->events->n_events : 0;
        uint64_t head = rep->events ? rep->events->head : 0;
        for (size_t i = 0; i < n; i++) {
            const Sos__Event *ev = rep->events->events[i];
            const Sos__Verdict *v = NULL;
            if (ev->kind_case == SOS__EVENT__KIND_VERDICT)
                v = ev->verdict;
            else if (ev->kind_case == SOS__EVENT__KIND_PUBLICATION)
                v = ev->publication;
            if (v && v->tool && strcmp(v->tool->tool_id, w->tool) == 0) {
                int64_t *t = ev->kind_case == SOS__EVENT__KIND_VERDICT ? &w->t_agg : &w->t_pub;
                if (!*t)
                    *t = at;
            }
            if (ev->kind_case == SOS__EVENT__KIND_COMPARISON_PUBLISHED && w->slug &&
                strcmp(ev->comparison_published->slug, w->slug) == 0 && !w->t_cmp)
                w->t_cmp = at;
            f->cursor = ev->seq;
        }
        sos__events_reply__free_unpacked(rep, NULL);
        if (n == 0 || f->cursor >= head)
            return 0;
    }
}

static bool s_done(const watch *w)
{
    return w->t_agg && w->t_pub && (!w->slug || w->t_cmp);
}

static void s_drain(sos_sock *s)
{
    sos_frames f;
    while (sos_sock_recv(s, &f) == 0)
        sos_frames_clear(&f);
}

static void s_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int s_usage(void)
{
    fprintf(stderr,
            "usage: pipeline HOME KEYDIR PANELS_FILE --mode quorum|finalize --wait poll|bell\n"
            "                [--persona N] [--sos PATH --site DIR [--config FILE]]\n"
            "                [--render-every R] [--poll-us U] [--bell-fallback-ms F]\n"
            "                [--timeout-ms T]\n");
    return 64;
}

/* Builds and signs the closing take of a panel: persona p, revision 1. */
static void s_take(const sos_key *k, const char *tool, int p, uint8_t id[SOS_CLNT_ID_BYTES],
                   sos_buf *payload, uint8_t sig[SOS_SIG_BYTES])
{
    char text[200];
    snprintf(text, sizeof text, "The closing take on %s: it does what it says.", tool);
    sos_clnt_new_id(id);
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    b.take_id = (ProtobufCBinaryData){SOS_CLNT_ID_BYTES, id};
    b.tool_id = (char *)tool;
    b.persona = (Sos__Persona)p;
    b.score = 70;
    b.ship = true;
    b.text = text;
    b.revision = 1;
    b.filed_at = (uint64_t)time(NULL);
    sos_buf_pack(payload, &b.base);
    sos_sign(k, SOS_DOMAIN_TAKE, payload->data, payload->len, sig);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"mode", required_argument, 0, 'm'},
                                         {"wait", required_argument, 0, 'w'},
                                         {"persona", required_argument, 0, 'p'},
                                         {"sos", required_argument, 0, 's'},
                                         {"site", required_argument, 0, 'd'},
                                         {"config", required_argument, 0, 'c'},
                                         {"render-every", required_argument, 0, 'r'},
                                         {"poll-us", required_argument, 0, 'u'},
                                         {"bell-fallback-ms", required_argument, 0, 'f'},
                                         {"timeout-ms", required_argument, 0, 't'},
                                         {0, 0, 0, 0}};
    const char *mode = "quorum", *wait = "bell", *sos = NULL, *site = NULL, *config = NULL;
    int persona = 4, render_every = 1;
    long poll_us = 0, fallback_ms = 250, timeout_ms = 10000;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'm': mode = optarg; break;
        case 'w': wait = optarg; break;
        case 'p': persona = atoi(optarg); break;
        case 's': sos = optarg; break;
        case 'd': site = optarg; break;
        case 'c': config = optarg; break;
        case 'r': render_every = atoi(optarg); break;
        case 'u': poll_us = atol(optarg); break;
        case 'f': fallback_ms = atol(optarg); break;
        case 't': timeout_ms = atol(optarg); break;
        default: return s_usage();
        }
    }
    bool quorum = strcmp(mode, "quorum") == 0, bell = strcmp(wait, "bell") == 0;
    if (argc - optind != 3 || (!quorum && strcmp(mode, "finalize") != 0) ||
        (!bell && strcmp(wait, "poll") != 0) || persona < 1 || persona > 5 ||
        (render_every > 0 && (!sos || !site)) || fallback_ms < 1)
        return s_usage();
    const char *home = argv[optind], *keydir = argv[optind + 1], *panels_file = argv[optind + 2];
    if (sos_sign_init() != 0)
        return 1;
    sos_key *key = NULL, *editor = NULL;
    if (!quorum) {
        char path[4096];
        snprintf(path, sizeof path, "%s/keys/editor.key", home);
        if (sos_key_load(path, &editor) != 0) {
            fprintf(stderr, "pipeline: cannot load the editor key %s\n", path);
            return 1;
        }
    }
    if (quorum) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.key", keydir, s_persona_file[persona]);
        if (sos_key_load(path, &key) != 0) {
            fprintf(stderr, "pipeline: cannot load %s\n", path);
            return 1;
        }
    }

    /* panels */
    FILE *pf = fopen(panels_file, "r");
    if (!pf) {
        fprintf(stderr, "pipeline: cannot read %s\n", panels_file);
        return 1;
    }
    char **tools = NULL, **slugs = NULL;
    size_t np = 0, cap = 0;
    char line[1024], t[400], s[400];
    while (fgets(line, sizeof line, pf)) {
        if (sscanf(line, "%399s %399s", t, s) < 1)
            continue;
        if (np == cap) {
            cap = cap ? 2 * cap : 64;
            tools = sos_xrealloc(tools, cap * sizeof *tools);
            slugs = sos_xrealloc(slugs, cap * sizeof *slugs);
        }
        tools[np] = sos_xstrdup(t);
        slugs[np++] = strcmp(s, "-") == 0 || !s[0] ? NULL : sos_xstrdup(s);
        s[0] = 0;
    }
    fclose(pf);

    /* endpoints */
    char ep[4][4200];
    const char *names[4] = {"scoring.api", "aggregation.api", "publishing.api", ""};
    for (int i = 0; i < 3; i++)
        snprintf(ep[i], sizeof ep[i], "ipc://%s/run/%s", home, names[i]);
    char bell_ep[2][4200];
    snprintf(bell_ep[0], sizeof bell_ep[0], "ipc://%s/run/aggregation.events", home);
    snprintf(bell_ep[1], sizeof bell_ep[1], "ipc://%s/run/publishing.events", home);
    sos_clnt *scoring = NULL;
    feed agg = {0}, pub = {0};
    if (sos_clnt_new(ep[0], 5000, 1, &scoring) || sos_clnt_new(ep[1], 5000, 1, &agg.c) ||
        sos_clnt_new(ep[2], 5000, 1, &pub.c)) {
        fprintf(stderr, "pipeline: cannot make clients\n");
        return 1;
    }
    sos_wire *w = NULL;
    sos_sock *subs[2] = {0};
    if (bell && (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_SUB, bell_ep[0], &subs[0]) ||
                 sos_sock_new(w, SOS_SOCK_SUB, bell_ep[1], &subs[1]))) {
        fprintf(stderr, "pipeline: cannot subscribe to the doorbells\n");
        return 1;
    }
    /* start both feeds at their heads */
    watch none = {"", NULL, 0, 0, 0};
    if (s_scan(&agg, &none) || s_scan(&pub, &none)) {
        fprintf(stderr, "pipeline: aggregation or publishing does not answer\n");
        return 1;
    }
    if (bell)
        s_sleep_us(200000); /* let the SUB sockets connect */

    size_t closed = 0, published = 0, cmp_published = 0, rendered = 0, pages = 0;
    long fallbacks_total = 0;
    int devnull = open("/dev/null", O_WRONLY);
    sos_buf payload = SOS_BUF_INIT;
    for (size_t i = 0; i < np; i++) {
        watch wt = {tools[i], slugs[i], 0, 0, 0};
        long fallbacks = 0;
        if (bell) {
            s_drain(subs[0]);
            s_drain(subs[1]);
        }
        /* the closing request */
        Sos__ScoringReply *rep = NULL;
        int rc;
        int64_t t_send = s_now_ns();
        if (quorum) {
            uint8_t id[SOS_CLNT_ID_BYTES], sig[SOS_SIG_BYTES];
            s_take(key, tools[i], persona, id, &payload, sig);
            Sos__Signed sg = SOS__SIGNED__INIT;
            sg.payload = (ProtobufCBinaryData){payload.len, payload.data};
            sg.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(key)};
            sg.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
            t_send = s_now_ns();
            rc = scoring_clnt_take_file(scoring, id, sizeof id, &sg, &rep);
        } else {
            sos_clnt_editor ed = {editor, (uint64_t)time(NULL)};
            rc = scoring_clnt_panel_close(scoring, NULL, 0, &ed, tools[i], &rep);
        }
        int64_t t_ack = s_now_ns();
        int code = rc == SOS_CLNT_OK && rep->status ? (int)rep->status->code : rc;
        if (rep)
            sos__scoring_reply__free_unpacked(rep, NULL);
        if (code != 0) {
            fprintf(stderr, "pipeline: panel %zu (%s): closing request refused (code %d)\n", i,
                    tools[i], code);
            printf("panel %zu %s %.3f -1 -1 -1 -1 -1 0\n", i, tools[i], s_ms(t_send, t_ack));
            continue;
        }
        closed++;
        /* wait for the verdict at aggregation and publishing */
        int64_t deadline = t_ack + (int64_t)timeout_ms * 1000000;
        while (!s_done(&wt) && s_now_ns() < deadline) {
            if (bell) {
                bool rd[2] = {false, false};
                int n = sos_wire_poll(subs, 2, rd, fallback_ms);
                if (n < 0 && errno != EINTR)
                    break;
                if (n == 0)
                    fallbacks++;
                if (rd[0])
                    s_drain(subs[0]);
                if (rd[1])
                    s_drain(subs[1]);
                if ((rd[0] || n == 0) && !wt.t_agg && s_scan(&agg, &wt))
                    break;
                if ((rd[1] || n == 0) && (!wt.t_pub || (wt.slug && !wt.t_cmp)) && s_scan(&pub, &wt))
                    break;
            } else {
                if (!wt.t_agg && s_scan(&agg, &wt))
                    break;
                if ((!wt.t_pub || (wt.slug && !wt.t_cmp)) && s_scan(&pub, &wt))
                    break;
                if (poll_us > 0)
                    s_sleep_us(poll_us);
            }
        }
        fallbacks_total += fallbacks;
        if (wt.t_pub)
            published++;
        if (wt.t_cmp)
            cmp_published++;
        /* render, and wait for the page(s) */
        int64_t t_page = 0, t_exit = 0;
        if (wt.t_pub && render_every > 0 && i % (size_t)render_every == 0) {
            char page[4600], cpage[4600];
            snprintf(page, sizeof page, "%s/current/tools/%s/index.html", site, tools[i]);
            snprintf(cpage, sizeof cpage, "%s/current/compare/%s/index.html", site,
                     slugs[i] ? slugs[i] : "");
            int64_t t_r0 = s_now_ns();
            pid_t pid = fork();
            if (pid == 0) {
                dup2(devnull, 1);
                dup2(devnull, 2);
                if (config)
                    execl(sos, sos, "--home", home, "--config", config, "render", "--out", site,
                          (char *)NULL);
                else
                    execl(sos, sos, "--home", home, "render", "--out", site, (char *)NULL);
                _exit(127);
            }
            int status = 0;
            for (;;) {
                struct stat st;
                if (!t_page && stat(page, &st) == 0 && (!slugs[i] || stat(cpage, &st) == 0))
                    t_page = s_now_ns();
                pid_t r = waitpid(pid, &status, WNOHANG);
                if (r == pid) {
                    t_exit = s_now_ns();
                    if (!t_page && stat(page, &st) == 0 && (!slugs[i] || stat(cpage, &st) == 0))
                        t_page = t_exit;
                    break;
                }
                if (r < 0 || s_now_ns() - t_r0 > 600ll * 1000000000)
                    break;
                s_sleep_us(200);
            }
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                fprintf(stderr, "pipeline: sos render exited with status %d\n", status);
            rendered++;
            if (t_page)
                pages++;
            /* page and exit are counted from the moment the verdict was seen */
            if (t_page)
                t_page = wt.t_pub + (t_page - t_r0);
            if (t_exit)
                t_exit = wt.t_pub + (t_exit - t_r0);
        }
        printf("panel %zu %s %.3f %.3f %.3f %.3f %.3f %.3f %ld\n", i, tools[i], s_ms(t_send, t_ack),
               s_ms(t_ack, wt.t_agg), s_ms(t_ack, wt.t_pub), s_ms(t_ack, wt.t_cmp),
               s_ms(wt.t_pub, t_page), s_ms(wt.t_pub, t_exit), fallbacks);
        fflush(stdout);
        if (!wt.t_pub)
            fprintf(stderr, "pipeline: panel %zu (%s): no publication within %ld ms\n", i, tools[i],
                    timeout_ms);
    }
    sos_buf_free(&payload);
    printf(
        "{\"panels\":%zu,\"closed\":%zu,\"published\":%zu,\"comparisons_published\":%zu,"
        "\"rendered\":%zu,\"pages\":%zu,\"bell_fallbacks\":%ld,\"mode\":\"%s\",\"wait\":\"%s\"}\n",
        np, closed, published, cmp_published, rendered, pages, fallbacks_total, mode, wait);
    if (bell) {
        sos_sock_destroy(&subs[0]);
        sos_sock_destroy(&subs[1]);
        sos_wire_destroy(&w);
    }
    sos_clnt_destroy(&scoring);
    sos_clnt_destroy(&agg.c);
    sos_clnt_destroy(&pub.c);
    sos_key_destroy(&key);
    sos_key_destroy(&editor);
    return closed == np && published == np ? 0 : 1;
}
